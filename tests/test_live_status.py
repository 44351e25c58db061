"""The status table, typed: its keys in one module, the live panel's rows through one writer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from backcoach.storage.status import LiveStatus, StatusWriter

ROOT = Path(__file__).resolve().parents[1]
CODE = ("backcoach", "collector", "processing", "storage", "dashboard", "bench")
STATUS_KEY = re.compile(r"(collector|reference|demo|spill)\.[a-z_]+")
NOT_KEYS = {"collector.lock"}  # a file name (collector_lock.py)


class Ticks:
    """Just the monotonic clock the writer reads, moved by hand."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def monotonic(self) -> float:
        return self.now_s


def test_status_keys_are_spelled_in_one_module() -> None:
    """Every status row's key is spelled in `storage/status.py` and nowhere else in the code."""
    found = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "storage" / "status.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                text = node.value if isinstance(node, ast.Constant) else None
                if isinstance(text, str) and STATUS_KEY.fullmatch(text) and text not in NOT_KEYS:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} {text!r}")
    assert found == []


def test_the_live_status_reads_back_what_it_wrote() -> None:
    """Rows round-trip; a missing or unreadable row is unknown, never an error."""
    status = LiveStatus(
        state="streaming",
        sensor="BC 01:02 (open)",
        rate_hz=50.04,
        packets_lost=3,
        battery=87,
        last_sample_s=1000.1234,
        posture="sitting",
        trunk_deg=23.46,
        last_break_s=900.0,
        reference="known",
    )
    rows = status.rows()
    assert rows["collector.rate_hz"] == "50.0" and rows["collector.trunk_deg"] == "23.5"
    assert rows["collector.last_sample_s"] == "1000.123" and rows["collector.battery"] == "87"
    back = LiveStatus.from_rows(rows)
    assert back.trunk_deg == 23.5 and back.battery == 87 and back.state == "streaming"
    assert LiveStatus.from_rows({"collector.trunk_deg": "nan", "collector.battery": "x"}) == (
        LiveStatus()
    )


def test_one_writer_keeps_the_newest_sample_and_writes_only_what_changed() -> None:
    """The link's newer sample time is not taken back by the analysis' older one; an unchanged
    row is not written again (until a minute passed); rows never given are never written."""
    written: list[tuple[str, str]] = []
    clock = Ticks()
    writer = StatusWriter(lambda k, v: written.append((k, v)), clock)  # type: ignore[arg-type]
    writer.update(state="streaming", last_sample_s=100.5)  # the link
    writer.update(posture="sitting", last_sample_s=100.0)  # the analysis, a chunk behind
    assert writer.status.last_sample_s == 100.5
    assert written == [
        ("collector.state", "streaming"),
        ("collector.last_sample_s", "100.500"),
        ("collector.posture", "sitting"),
    ]
    written.clear()
    writer.update(state="streaming", posture="standing")
    assert written == [("collector.posture", "standing")]
    clock.now_s += 61.0
    written.clear()
    writer.update(state="streaming")
    assert written == [("collector.state", "streaming")]

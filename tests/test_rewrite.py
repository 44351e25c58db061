"""Re-running a day replaces everything derived from it, as one change that a SIGKILL cannot split.

Before, `demo` and then `demo --days 3` replaced the day's epochs and summary but kept the first
run's events and warnings (20/19 lifts and 89 warnings beside a summary of 11/8 and 48).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from backcoach.alerts import engine_from_settings
from backcoach.collector.simulator import Segment, iter_chunks, simulate
from backcoach.config import Settings, load_settings
from backcoach.live.replay import replay
from backcoach.live.run import LiveRun
from backcoach.processing.days import day_bounds
from backcoach.storage.base import Store
from backcoach.storage.sqlite import SQLiteStore
from tests import clock

DAY = "2024-03-12"
TZ = "UTC"
RATE_HZ = 25.0

#: A child that replaces DAY with another simulated wearer and says how far it got.
CHILD = """
import sys
from tests.test_rewrite import replace_day

def progress(f):
    print(f"{f:.3f}", flush=True)

replace_day(sys.argv[1], int(sys.argv[2]), on_progress=progress)
print("done", flush=True)
"""


def _settings(data: Path):
    env = {"BACKCOACH_DATA_DIR": str(data), "BACKCOACH_TIMEZONE": TZ}
    return load_settings(data / "none.toml", env=env)


def _script(seed: int) -> list[Segment]:
    """An hour and a half at work: sitting long enough for warnings, lifts that differ by seed."""
    lifts = [Segment("lift", style="back", peak_deg=60 + 5 * i, hold_s=2) for i in range(seed)]
    return [
        Segment("walk", 120),
        Segment("sit", 35 * 60, lean="slumped"),
        Segment("walk", 60),
        *lifts,
        Segment("stand", 30 * seed),
        Segment("bend", peak_deg=70, hold_s=3),
        Segment("sit", 40 * 60),
        Segment("walk", 90),
    ]


def run_day(store: Store, settings: Settings, seed: int, on_progress=None) -> None:
    """Replace DAY with this seed's morning, as `demo` replaces a day (warnings included)."""
    start, end = day_bounds(DAY, TZ)
    sim = simulate(_script(seed), start + 8 * 3600, fs_hz=RATE_HZ, seed=seed)
    run = LiveRun(settings, store, on_output=[engine_from_settings(settings).push])
    t0_s, t1_s = float(sim.samples.t_s[0]), float(sim.samples.t_s[-1])

    def on_chunk(chunk) -> None:  # noqa: ANN001
        if on_progress:
            on_progress((float(chunk.t_s[-1]) - t0_s) / (t1_s - t0_s))

    replay(run, iter_chunks(sim.samples, 60.0), on_chunk=on_chunk, replace=(start, end))


def replace_day(data: str | Path, seed: int, on_progress=None) -> None:
    """`run_day` into the embedded store in `data`."""
    settings = _settings(Path(data))
    store = SQLiteStore(settings.sqlite_path, tz_name=TZ)
    try:
        run_day(store, settings, seed, on_progress)
    finally:
        store.close()


def _day(path: Path, day: str = DAY) -> dict:
    """Everything stored for a day, comparable with ==."""
    start, end = day_bounds(day, TZ)
    store = SQLiteStore(path, tz_name=TZ)
    try:
        epochs = store.read_epochs(start, end)
        return {
            "epochs": (len(epochs), epochs.posture.tobytes(), epochs.t_s.tobytes()),
            "samples": len(store.read_samples(start, end)),
            "events": [e.to_dict() for e in store.read_events(start, end)],
            "warnings": store.read_warnings(start, end),
            "summaries": [s.metrics for s in store.read_summaries(day, day)],
        }
    finally:
        store.close()


def test_a_replaced_day_holds_only_the_new_run_and_a_sigkill_midway_leaves_the_old_one(
    tmp_path,
):
    """Old day in; a replacing run killed at half way: the old day, whole; run again: the new."""
    fresh, reused = tmp_path / "fresh", tmp_path / "reused"
    replace_day(fresh, seed=2)
    replace_day(reused, seed=1)
    old = _day(reused / "backcoach.sqlite")
    new = _day(fresh / "backcoach.sqlite")
    assert old["events"] != new["events"] and old["warnings"] != new["warnings"]

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(reused), "2"],
        cwd=Path(__file__).parents[1],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in child.stdout:
            if line.strip() != "done" and float(line) >= 0.5:
                child.send_signal(signal.SIGKILL)  # in the middle of writing the new day
                break
    finally:
        child.wait(60)
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    assert _day(reused / "backcoach.sqlite") == old, "a killed rewrite left part of itself"

    replace_day(reused, seed=2)
    assert _day(reused / "backcoach.sqlite") == new, "stale rows of the first run remain"


def _demo(data: Path, seed: int) -> subprocess.CompletedProcess:
    data.mkdir(parents=True, exist_ok=True)
    (data / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(data),
        "BACKCOACH_CONFIG": str(data / "none.toml"),
        "BACKCOACH_NOTIFY_URLS": "",
        "BACKCOACH_TIMEZONE": TZ,
    }
    args = ["demo", "--days", "1", "--rate", "25", "--seed", str(seed)]
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args], env=env, capture_output=True, timeout=300
    )


def test_demo_run_again_on_a_day_replaces_its_events_and_warnings(tmp_path):
    """`backcoach demo` twice (another wearer the second time) equals the second run alone."""
    fresh, reused = tmp_path / "fresh", tmp_path / "reused"
    for data, seed in ((fresh, 2), (reused, 1), (reused, 2)):
        res = _demo(data, seed)
        assert res.returncode == 0, res.stderr.decode()[-2000:]
    yesterday = clock.yesterday(TZ).isoformat()
    start, end = day_bounds(yesterday, TZ)
    stores = [SQLiteStore(d / "backcoach.sqlite") for d in (fresh, reused)]
    try:
        a, b = (
            (
                [e.to_dict() for e in s.read_events(start, end)],
                s.read_warnings(start, end),
                s.read_summaries(yesterday, yesterday),
            )
            for s in stores
        )
    finally:
        for s in stores:
            s.close()
    assert a[0] == b[0] and a[1] == b[1]
    assert [s.metrics for s in a[2]] == [s.metrics for s in b[2]]

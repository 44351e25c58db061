"""The status table, typed: every key it holds, and what each row means, in one place.

Why: the status table is where a running collector tells the dashboard what it sees now, and
where a few facts wait between runs. Its keys used to be string literals in nine files and the
newest sample's time had two writers. Here each kind of row has a name; the live panel's rows
are one frozen dataclass (`LiveStatus`), written by one `StatusWriter` and read through
`LiveStatus.from_rows`.

Rows
    collector.<field>             `LiveStatus`: the live panel (the link's facts and the
                                  analysis' newest second)
    collector.daily_messages_day  the last day whose daily messages went out (`DAILY_MESSAGES_DAY`)
    reference.<ADDRESS>           a sensor's kept reference (`references.py` reads and writes it)
    calibration                   a guided calibration from a recording, for any sensor
    demo.days                     the ISO days `backcoach demo` wrote (JSON list)
    plan                          the wearer's plan settings (`plans.py`)
    spill.days, spill.session     in a spill file only: the days to summarise, whose writes
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

from backcoach.clock import SYSTEM, Clock

__all__ = [
    "CALIBRATION",
    "DAILY_MESSAGES_DAY",
    "DEMO_DAYS",
    "PLAN",
    "REFERENCE_PREFIX",
    "SPILL_DAYS",
    "SPILL_SESSION",
    "LiveStatus",
    "StatusWriter",
]

DAILY_MESSAGES_DAY = "collector.daily_messages_day"
REFERENCE_PREFIX = "reference."
CALIBRATION = "calibration"
DEMO_DAYS = "demo.days"
PLAN = "plan"
SPILL_DAYS = "spill.days"
SPILL_SESSION = "spill.session"

_LIVE_PREFIX = "collector."
REFRESH_S = 60.0  # an unchanged row is written again this often (wall seconds): still alive


def _shown(digits: int) -> dict[str, int]:
    return {"digits": digits}


@dataclass(frozen=True)
class LiveStatus:
    """What the collector reports right now: the link's facts and the analysis' newest second.

    Each field is one `collector.<field>` row; None is an empty row (not known). `reference` is
    "learning" for a sensor never seen before its first walk (`trunk_deg` is then the unsigned
    tilt from how the session began), "known" once up and forward are found.
    """

    # the link's facts (the collector session)
    state: str = ""  # streaming, connecting, reconnecting, ...; "stopped" at the end
    sensor: str = ""  # name, address and profile, as shown
    rate_hz: float | None = field(default=None, metadata=_shown(1))  # received, last seconds
    packets_lost: int | None = None
    battery: int | None = None  # percent
    # both: the newest sample received or analysed (Unix seconds); it only moves forward
    last_sample_s: float | None = field(default=None, metadata=_shown(3))
    # the analysis' facts (the live run)
    posture: str = ""  # of the newest finished second; "" while learning
    trunk_deg: float | None = field(default=None, metadata=_shown(1))
    last_break_s: float | None = field(default=None, metadata=_shown(3))  # newest upright second
    reference: str = ""  # "learning", "known" or "" (not said)

    def rows(self, names: set[str] | None = None) -> dict[str, str]:
        """The status rows of these fields (all when None), empty where unknown."""
        return {
            _LIVE_PREFIX + f.name: _text(getattr(self, f.name), f.metadata.get("digits"))
            for f in fields(self)
            if names is None or f.name in names
        }

    @classmethod
    def from_rows(cls, rows: Mapping[str, str]) -> LiveStatus:
        """The status as stored; rows that are missing or unreadable are unknown."""
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = rows.get(_LIVE_PREFIX + f.name)
            if raw is None:
                continue
            if isinstance(f.default, str):
                values[f.name] = raw
            else:
                values[f.name] = _number(raw, float if "float" in str(f.type) else int)
        return cls(**values)  # type: ignore[arg-type]

    @classmethod
    def stored(cls, rows: Mapping[str, str]) -> bool:
        """Whether any live status row is stored (a collector ran at some time)."""
        return any(_LIVE_PREFIX + f.name in rows for f in fields(cls))


class StatusWriter:
    """The one writer of the live status: facts in (`update`), changed rows out through `write`.

    The link's facts and the analysis' come from two places (the session, the live run); both
    hand them to the live run's writer, which keeps the newest sample's time moving forward only
    and writes a row when its text changed (an unchanged one again every REFRESH_S). Only the
    rows this writer was given facts for are written: a demo's "simulating" stands while its
    days run.
    """

    def __init__(self, write: Callable[[str, str], None], clock: Clock = SYSTEM) -> None:
        self._write = write
        self._clock = clock
        self.status = LiveStatus()
        self._said: dict[str, tuple[str, float]] = {}  # key: (text, when written)

    def update(self, **facts: object) -> None:
        """New facts (fields of `LiveStatus`); their rows are written now where they changed."""
        last = facts.get("last_sample_s")
        newest = self.status.last_sample_s
        if last is not None and newest is not None and newest > float(last):  # type: ignore[arg-type]
            facts["last_sample_s"] = newest
        self.status = dataclasses.replace(self.status, **facts)  # type: ignore[arg-type]
        now = self._clock.monotonic()
        for key, text in self.status.rows(set(facts)).items():
            said = self._said.get(key)
            if said is None or said[0] != text or now - said[1] >= REFRESH_S:
                self._said[key] = (text, now)
                self._write(key, text)


def _text(value: object, digits: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits if digits is not None else 3}f}" if math.isfinite(value) else ""
    return str(value)


def _number(raw: str, kind: type) -> float | int | None:
    try:
        value = float(raw) if raw.strip() else None
    except ValueError:
        return None
    if value is None or not math.isfinite(value):
        return None
    return int(value) if kind is int else value

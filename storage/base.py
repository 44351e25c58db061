"""The `Store` contract: everything backcoach keeps goes through these methods.

Two implementations honour it: `sqlite.SQLiteStore` (embedded, the default) and an InfluxDB
store; a practice reads many wearers at once through `FleetReader` (InfluxDB only). The
dashboard and the collector only ever see this protocol, so a user can switch store without
touching them. Writes are idempotent: the key of a row (its time, and for events its type)
decides identity, so writing the same data twice overwrites instead of duplicating.

Times are float seconds since the Unix epoch; ranges are half-open [start_s, end_s).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from backcoach.processing.types import (
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Samples,
)

#: Raw acceleration is kept to this resolution at least (SQLite: whole milli-g; InfluxDB: 0.1
#: milli-g), a sensor's own (Polar H10: whole milli-g) or finer.
RAW_RESOLUTION_G = 0.001


def as_kept(samples: Samples) -> Samples:
    """`samples` as every store keeps them (whole milli-g). Why: a live run that processes
    exactly what it stores gives the same answer as a replay of the store (after a restart, or
    `live.replay`), even where a threshold is met by a hair; finer input (a simulated
    wearer, a float sensor) would otherwise read 0.5 milli-g differently the second time."""
    acc = np.round(samples.acc_g / RAW_RESOLUTION_G) * RAW_RESOLUTION_G
    return Samples(samples.t_s, acc.astype(np.float32))


#: The widest day range callers pass (export, sync: "every day"); stores must accept it.
ALL_DAYS = ("0001-01-01", "9999-12-31")
#: ... and every second of those days (UTC), for reads of whatever lies outside the epochs.
ALL_TIME_S = (-62_135_596_800.0, 253_402_300_800.0)


@runtime_checkable
class Store(Protocol):
    """Where raw samples, epochs, events, summaries, warnings and diary entries live."""

    # -- writing -------------------------------------------------------------------------------
    def write_samples(self, samples: Samples, *, session: str = "") -> None:
        """Keep raw acceleration (compactly; at the store's configured resolution)."""

    def write_epochs(self, epochs: Epochs) -> None: ...

    def write_events(self, events: Sequence[Event]) -> None: ...

    def write_summary(self, summary: DaySummary) -> None: ...

    def write_warnings(self, warnings: Sequence[OverloadWarning]) -> None: ...

    def write_diary(self, entry: DiaryEntry) -> None: ...

    def write_status(self, key: str, value: str) -> None:
        """Small live facts (collector state, battery, last sample time, calibration)."""

    # -- reading -------------------------------------------------------------------------------
    def read_samples(self, start_s: float, end_s: float) -> Samples: ...

    def read_epochs(self, start_s: float, end_s: float) -> Epochs: ...

    def read_events(
        self, start_s: float, end_s: float, types: Sequence[str] | None = None
    ) -> list[Event]:
        """Events that overlap [start_s, end_s), oldest first."""

    def read_summaries(self, first_day: str, last_day: str) -> list[DaySummary]:
        """Summaries for ISO days first_day..last_day inclusive, oldest first."""

    def read_warnings(self, start_s: float, end_s: float) -> list[OverloadWarning]: ...

    def read_diary(self, first_day: str, last_day: str) -> list[DiaryEntry]: ...

    def read_status(self) -> dict[str, str]: ...

    def data_range(self) -> tuple[float, float] | None:
        """First and last epoch time held, or None for an empty store."""

    # -- owning the data -----------------------------------------------------------------------
    def delete_range(self, start_s: float, end_s: float) -> int:
        """Delete everything time-stamped in [start_s, end_s); returns rows removed."""

    def delete_diary(self, day: str) -> None: ...

    def rewrite(
        self, start_s: float, end_s: float, *, raw: bool = True
    ) -> AbstractContextManager[None]:
        """Replace what is stored for [start_s, end_s) by what is written inside the block.

        Everything derived from that time (raw samples, epochs, events and warnings that start
        in it, summaries of days wholly inside it) goes, so re-running a day leaves no stale
        rows. SQLite does it in one transaction (a reader or a crash sees the old range or the
        new one); InfluxDB by range: the deletion is queued before the block's writes.
        `raw=False` keeps the raw samples: time filled in from a sensor's memory re-analyses a
        range whose streamed samples stay as they are (only the new ones are written).
        """

    def close(self) -> None: ...


@dataclass(frozen=True)
class WearerDays:
    """One wearer's summaries and diary entries in a range of days, or why they were unreadable."""

    name: str
    summaries: list[DaySummary] = field(default_factory=list)
    diary: list[DiaryEntry] = field(default_factory=list)
    error: str | None = None
    plan: str = ""  # the wearer's plan settings as the store keeps them (JSON), '' without one


@runtime_checkable
class FleetReader(Protocol):
    """Many wearers' days at once, through one reader's account: a practice's overview.

    Why beside `Store` rather than one `Store` per wearer: the overview grades every wearer's
    week, and a store per wearer is a round trip per wearer and measurement.
    """

    def read_fleet(
        self, first_day: str, last_day: str, *, plan_first_day: Callable[[str], str | None]
    ) -> list[WearerDays]:
        """Each wearer's plan row, summaries and diary of first_day..last_day, in the roster's
        order; from `plan_first_day(plan)` instead where a wearer's plan starts earlier. A wearer
        the reader may not read has `error` set; the others read as usual."""

    def close(self) -> None: ...

"""Recordings made without the collector, taken into the wearer's store (`backcoach import`).

Why: a vendor's app (MetaBase for a MetaMotion, say) or a research logger recorded a day the
collector never saw, or the hours it missed. Taking them in means the same as a gap filled from
the sensor's memory: the file's samples go only where the store has nothing (what was streamed
is never duplicated), and that time is analysed with the stored time around it, one range at a
time, replaced as one change (`backfill.RangeRefill`, kind `imported`). Files are read with
`analyze`'s readers (`collector/files.py`: CSV with time,x,y,z or MetaBase's columns, .npz,
.npy, .cwa, .bin, .gt3x), streamed in blocks:

1. a block's samples are split by day; each day's holes (no raw samples, no epochs, at least
   `MIN_HOLE_S`) are read from the store once;
2. samples inside a hole go to that hole's refill (one at a time, in time order); the hole is
   trimmed to where the file's samples start and end, so a file covering part of a hole fills
   that part and the rest stays what it was;
3. each refill writes its range; the days touched are summarised again.

A file whose times count from its start (no calendar time) cannot be placed: one line says so.
At most one hole's samples (a day) are held in memory at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from backcoach.backfill import FillReport, Hole, RangeRefill, stored_holes
from backcoach.collector.files import open_recording
from backcoach.config import Settings
from backcoach.errors import InputFormatError
from backcoach.live.daybook import summary_of
from backcoach.processing.days import day_bounds, day_of
from backcoach.processing.types import Calibration, OverloadWarning, PipelineOutput, Samples
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

MIN_HOLE_S = 1.0  # time the store lacks for at least this long is taken from the file


@dataclass
class ImportReport:
    """What one file brought in, or why it brought nothing."""

    path: Path
    error: str | None = None
    samples: int = 0  # samples read
    taken: int = 0  # samples stored (inside holes)
    taken_s: float = 0.0
    days: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Samples where the store already had data (streamed, or imported before)."""
        return self.samples - self.taken


class _Taker:
    """Samples of one file into the store's holes, one refill per hole (see the docstring)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        reference: Calibration | None,
        rules: Callable[[], Callable[[PipelineOutput], list[OverloadWarning]]] | None,
        session: str,
    ) -> None:
        self.store, self.settings, self.reference = store, settings, reference
        self.rules, self.session = rules, session
        self._holes: dict[str, list[Hole]] = {}  # day -> its holes
        self._refill: RangeRefill | None = None
        self._hole: Hole | None = None  # the store's hole the current refill fills
        self._last_s = -np.inf
        self.reports: list[FillReport] = []
        self.days: set[str] = set()

    def add(self, samples: Samples) -> int:
        """Take what lies in holes; returns how many samples were taken."""
        if len(samples) > 1 and np.any(np.diff(samples.t_s) < 0):
            order = np.argsort(samples.t_s, kind="stable")
            samples = Samples(samples.t_s[order], samples.acc_g[order])
        keep = samples.t_s > self._last_s
        samples = Samples(samples.t_s[keep], samples.acc_g[keep])
        if not len(samples):
            return 0
        rate = _rate(samples)
        taken = 0
        tz = self.settings.timezone
        for day in sorted({day_of(float(t), tz) for t in samples.t_s[[0, -1]]}):
            start_s, end_s = day_bounds(day, tz)
            if day not in self._holes:
                self._holes[day] = stored_holes(self.store, start_s, end_s, rate, MIN_HOLE_S)
            for hole in self._holes[day]:
                margin = 0.5 / rate
                inside = (samples.t_s > hole.host_from_s + margin) & (
                    samples.t_s < hole.host_to_s - margin
                )
                if not inside.any():
                    continue
                part = Samples(samples.t_s[inside], samples.acc_g[inside])
                if hole != self._hole:
                    self._finish_refill()
                    self._start_refill(hole, float(part.t_s[0]) - 1.0 / rate)
                self._refill.add(part)
                taken += len(part)
                self.days.add(day)
        self._last_s = float(samples.t_s[-1])
        return taken

    def finish(self) -> None:
        self._finish_refill()

    def _start_refill(self, hole: Hole, first_s: float) -> None:
        trimmed = replace(hole, host_from_s=max(hole.host_from_s, first_s))
        self._hole = hole
        self._refill = RangeRefill(
            self.store,
            holes=[trimmed],
            reference=self.reference,
            placement=self.settings.sensor.placement,
            engine_factory=self.rules,
            kind="imported",
            session=self.session,
        )

    def _finish_refill(self) -> None:
        if self._refill is None:
            return
        refill, self._refill, self._hole = self._refill, None, None
        refill.trim_end(refill.last_s + 1.0 / refill.holes[-1].rate_hz)
        self.reports.extend(refill.finish())


def _rate(samples: Samples) -> float:
    dt = np.diff(samples.t_s)
    dt = dt[dt > 0]
    return 1.0 / float(np.median(dt)) if dt.size else 25.0


def import_file(
    path: Path,
    store: Store,
    settings: Settings,
    *,
    units: str = "auto",
    time_unit: str = "auto",
    reference: Calibration | None = None,
    rules: Callable[[], Callable[[PipelineOutput], list[OverloadWarning]]] | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> ImportReport:
    """One file into the store; a file it cannot read or place is an error in the report."""
    report = ImportReport(path)
    try:
        rec, chunks = open_recording(
            path, units=units, time_unit=time_unit, on_progress=on_progress
        )
        taker = _Taker(store, settings, reference, rules, session=f"import-{rec.name}")
        for chunk in chunks:
            if not rec.calendar_days:
                raise InputFormatError(
                    f"{path.name}: its times count from its start, not a date and time; give a "
                    "file with real times (ISO 8601 or Unix seconds/ms) to import it"
                )
            report.samples += len(chunk)
            report.taken += taker.add(chunk)
        taker.finish()
        report.notes = list(rec.notes)
    except (InputFormatError, OSError) as exc:
        report.error = str(exc)
        return report
    report.taken_s = sum(r.filled_s for r in taker.reports)
    report.days = sorted(taker.days)
    for day in report.days:
        store.write_summary(summary_of(store, settings, day))
    return report

"""A recording replayed through a live run, and the headline figures of the day it covers.

Why a module of its own: `backcoach demo` (and the tests that check the live path end to end)
stream a whole simulated day through `LiveRun` and print what it made of it; a live sensor
(`collect`) never ends a day this way, so the run itself keeps none of this.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from backcoach.processing.days import day_bounds, day_of
from backcoach.processing.headline import headline
from backcoach.processing.placement import sensor_deg

if TYPE_CHECKING:
    from backcoach.config import Settings
    from backcoach.live.run import LiveRun
    from backcoach.processing.types import DaySummary, Samples
    from backcoach.storage.base import Store


@dataclass
class DayReport:
    """The headline figures of one day, for the terminal."""

    day: str
    sitting_h: float = 0.0
    longest_sitting_min: float = 0.0
    bends_over_60: int = 0
    back_lifts: int = 0
    leg_lifts: int = 0
    walking_min: float = 0.0
    warnings: int = 0
    warning_rules: set[str] = field(default_factory=set)


def replay(
    run: LiveRun,
    chunks: Iterable[Samples],
    *,
    on_chunk: Callable[[Samples], None] | None = None,
    replace: tuple[float, float] | None = None,
) -> DayReport:
    """Stream a recording's chunks through `run` and report its day (the day of the middle of
    the time they span). The caller chunks and paces them (the simulator's `iter_chunks`);
    `on_chunk` sees each one after it was pushed (progress).

    With `replace=(start_s, end_s)` the store's range is replaced by this run as one change
    (`LiveRun.replacing`): re-running a day leaves none of the earlier run's events or warnings.
    """
    first_s = last_s = float("nan")
    with run.replacing(*replace) if replace else contextlib.nullcontext():
        for chunk in chunks:
            if not len(chunk):
                continue
            if first_s != first_s:  # nan: the first chunk
                first_s = float(chunk.t_s[0])
            last_s = float(chunk.t_s[-1])
            run.push(chunk)
            if on_chunk:
                on_chunk(chunk)
        summaries = run.finish()
    middle_s = (first_s + last_s) / 2 if last_s == last_s else run.clock.time()
    day = day_of(middle_s, run.settings.timezone)
    return report(run.store, run.settings, day, next((s for s in summaries if s.day == day), None))


def report(
    store: Store, settings: Settings, day: str, summary: DaySummary | None = None
) -> DayReport:
    """Headline figures of a stored day (what `demo` prints): read from its summary by
    `processing.headline`, the computation the dashboard shows, so the two agree."""
    start_s, end_s = day_bounds(day, settings.timezone)
    if summary is None:
        summary = next(iter(store.read_summaries(day, day)), None)
    events = store.read_events(start_s, end_s)
    warnings = store.read_warnings(start_s, end_s)
    deep = sensor_deg(settings.rules.deep_bend_deg, settings.sensor.placement)
    h = headline(summary, events, len(warnings), deep)
    return DayReport(
        day=day,
        sitting_h=h.sitting_h,
        longest_sitting_min=h.longest_bout_min,
        bends_over_60=int(h.bends_over60),
        back_lifts=_count(h.back_lifts),
        leg_lifts=_count(h.leg_lifts),
        walking_min=h.walking_min,
        warnings=len(warnings),
        warning_rules={w.rule for w in warnings},
    )


def _count(value: float) -> int:
    return int(value) if math.isfinite(value) else 0

"""A day's headline figures, read from its summary: the one computation every surface shows.

Why a module of its own: the terminal's table after `demo`, the dashboard's Today page and the
Guidance cards must show the same number for the same day. Each once counted for itself
(walking from postures, the longest bout from the pipeline's sitting-bout events, not from the
summary's G1 bouts), so one demo day read 126 and 138 walking minutes. Now every headline
figure comes from the day's `DaySummary` (`summary.summarize_day`); only the count of deep
bends, which the summary keeps per upright hour, is counted from the day's events, here, once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from backcoach.processing.metrics import DayMetrics
from backcoach.processing.summary import bends_not_lifts
from backcoach.processing.types import DaySummary, Event


@dataclass(frozen=True)
class Headline:
    """The day in a few numbers (NaN where the summary does not know)."""

    sitting_h: float
    longest_bout_min: float
    bends_over60: float
    back_lifts: float
    leg_lifts: float
    walking_min: float
    steps: float
    warnings: int


def deep_bends(events: Sequence[Event], deep_bend_deg: float = 60.0) -> int:
    """Bends whose peak is over `deep_bend_deg` in the sensor's degrees (G4's "bends over 60°",
    `placement.sensor_deg` of the guidance's); a bend that was a lift counts in G3 only."""
    return sum(1 for e in bends_not_lifts(events) if (e.peak_deg or 0.0) > deep_bend_deg)


def headline(
    summary: DaySummary | None,
    events: Sequence[Event],
    warnings: int,
    deep_bend_deg: float = 60.0,
) -> Headline:
    """The headline of a summarised day; `warnings` is how many the day stored."""
    m = summary.metrics if summary is not None else DayMetrics()

    def known(value: float, scale: float = 1.0) -> float:
        return value * scale if math.isfinite(value) else math.nan

    return Headline(
        sitting_h=known(m.sitting_min, 1 / 60),
        longest_bout_min=known(m.longest_sitting_bout_min),
        bends_over60=float(deep_bends(events, deep_bend_deg)),
        back_lifts=known(m.back_lifts_n),
        leg_lifts=known(m.leg_lifts_n),
        walking_min=known(m.walking_min),
        steps=known(m.steps),
        warnings=int(warnings),
    )

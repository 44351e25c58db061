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

from backcoach.processing.summary import bends_not_lifts
from backcoach.processing.types import DaySummary, Event

SITTING_MIN = "G1.sitting_min"
LONGEST_SIT_MIN = "G1.longest_sitting_bout_min"
BACK_LIFTS = "G3.back_lifts_n"
LEG_LIFTS = "G3.leg_lifts_n"
WALKING_MIN = "G6.walking_min"
STEPS = "G6.steps"


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
    m = summary.metrics if summary is not None else {}

    def pick(key: str, scale: float = 1.0) -> float:
        value = m.get(key)
        return float(value) * scale if value is not None and math.isfinite(value) else math.nan

    return Headline(
        sitting_h=pick(SITTING_MIN, 1 / 60),
        longest_bout_min=pick(LONGEST_SIT_MIN),
        bends_over60=float(deep_bends(events, deep_bend_deg)),
        back_lifts=pick(BACK_LIFTS),
        leg_lifts=pick(LEG_LIFTS),
        walking_min=pick(WALKING_MIN),
        steps=pick(STEPS),
        warnings=int(warnings),
    )

"""The guidance rules G1–G12 as numbers: the thresholds every metric and warning is judged by.

The values are the defaults of ../shared/guidance.md; each cites its rule id. Users change them in
the `[rules]` table of the settings file. This module holds data only; the computations that use it
live in `summary` (daily metrics) and `rules` (live warnings).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleThresholds:
    """Thresholds of the guidance rules (../shared/guidance.md); defaults cite the rule id."""

    sitting_bout_max_min: float = 30.0  # G1
    sitting_repeat_min: float = 10.0  # G1: warn again every 10 min of continued sitting
    breaks_per_sitting_hour_min: float = 2.0  # G1
    break_min_s: float = 60.0  # G1: a break is upright or walking for at least 1 min
    static_posture_max_min: float = 30.0  # G2 target
    static_warning_min: float = 45.0  # G2 live warning
    leg_lift_share_min: float = 0.80  # G3
    back_lifts_window_n: int = 3  # G3: 3 back-lifts ...
    back_lifts_window_min: float = 10.0  # G3: ... within 10 min
    warn_every_back_lift: bool = True  # G3
    deep_bend_deg: float = 60.0  # G4
    deep_bend_warning_s: float = 15.0  # G4
    flexion_deg: float = 20.0  # G4
    flexion_warning_s: float = 120.0  # G4
    over60_share_max: float = 0.01  # G4
    inactive_max_min: float = 60.0  # G5
    active_min_per_hour: float = 5.0  # G5
    walking_plan_min: float = 30.0  # G6
    acwr_low: float = 0.8  # G7
    acwr_high: float = 1.3  # G7
    acwr_spike: float = 1.5  # G7
    sleep_target_h: float = 7.0  # G9
    slumped_deg: float = 20.0  # G10
    slumped_share_max: float = 0.25  # G10
    slumped_warning_min: float = 10.0  # G10

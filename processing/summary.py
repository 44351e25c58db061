"""A day's guidance metrics (rules G1-G12 of ../shared/guidance.md) from its epochs and events.

Why: the dashboard, the warnings and the trends page all judge a day by the same numbers, so they
are computed once, here, and keyed by rule id. `METRICS` below lists every key with its unit
(the dashboard and warnings read it); docs/pipeline.md repeats the table.

G11 (water, breaks planned, stress) and G12 (weekly progress) come from the diary and the trends
page; they have no sensor metric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from backcoach.processing.days import at_local
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.placement import sensor_deg
from backcoach.processing.types import POSTURE_CODE, DaySummary, Epochs, Event

#: Every metric key: (unit, meaning). Rule thresholds are in `guidance.RuleThresholds`.
METRICS: dict[str, tuple[str, str]] = {
    "G1.sitting_min": ("min", "total sitting time"),
    "G1.longest_sitting_bout_min": (
        "min",
        "longest uninterrupted sitting (a pause shorter than `break_min_s` does not end a bout)",
    ),
    "G1.sitting_bouts_over_max_n": ("count", "bouts longer than `sitting_bout_max_min` (30 min)"),
    "G1.breaks_per_sitting_hour": (
        "1/h",
        "breaks (upright or walking ≥ `break_min_s`) between sitting, per hour of sitting",
    ),
    "G2.posture_changes_per_hour": ("1/h", "posture changes per awake hour"),
    "G2.longest_static_min": ("min", "longest time in one posture without movement, awake"),
    "G3.lifts_n": ("count", "lifts: bending down and back up (the sensor cannot feel a load)"),
    "G3.back_lifts_n": (
        "count",
        "lifts in `back` style (stoop: bent from the hips, straight legs)",
    ),
    "G3.leg_lifts_n": ("count", "lifts in `legs` style (squat: bent knees, body lowered)"),
    "G3.unsure_lifts_n": ("count", "lifts whose figures point both ways (style `unsure`)"),
    "G3.leg_lift_share": (
        "0-1",
        "share of the lifts with a style that were `legs` (NaN without any)",
    ),
    "G4.upright_min": ("min", "standing, walking, running and other (not sitting, not lying)"),
    "G4.band_0_20_min": ("min", "upright time with the trunk under 20° forward"),
    "G4.band_20_45_min": ("min", "upright time with the trunk 20-45° forward"),
    "G4.band_45_60_min": ("min", "upright time with the trunk 45-60° forward"),
    "G4.band_over60_min": ("min", "upright time with the trunk over 60° forward"),
    "G4.over60_share": ("0-1", "time over 60° / upright time"),
    "G4.bends_over45_per_hour": (
        "1/h",
        "bends with peak over 45° per upright hour (a bend that was a lift counts in G3 only)",
    ),
    "G4.bends_over60_per_hour": (
        "1/h",
        "bends with peak over 60° per upright hour (a bend that was a lift counts in G3 only)",
    ),
    "G4.longest_flexion_s": ("s", "longest bend (unbroken time over 20°)"),
    "G5.active_min": ("min", "walking, running or other active epochs"),
    "G5.longest_inactive_min": ("min", "longest awake stretch without an active minute"),
    "G5.active_hours_share": ("0-1", "awake hours holding ≥ `active_min_per_hour` active minutes"),
    "G6.walking_min": ("min", "walking and running time"),
    "G6.walks_n": ("count", "walking bouts"),
    "G6.steps": ("count", "steps"),
    "G6.cadence_spm": ("steps/min", "steps per walking minute"),
    "G7.load": (
        "load units",
        "daily back load, weights in `LOAD_WEIGHTS`",
    ),
    "load": (
        "load units",
        "daily back load, weights in `LOAD_WEIGHTS`",
    ),
    "G7.acwr": (
        "ratio",
        "mean load of the last 7 days / last 28 days (incl. this day; NaN with under 28 days)",
    ),
    "acwr": (
        "ratio",
        "mean load of the last 7 days / last 28 days (incl. this day; NaN with under 28 days)",
    ),
    "G7.history_days": ("count", "days with a load in the 28 up to this one (the ratio needs 28)"),
    "G8.pain": ("0-10", "the diary's pain, when given"),
    "G9.lying_h": ("h", "all lying time of the day"),
    "G9.lying_night_h": ("h", "lying before 10:00 and after 20:00 (time-in-bed proxy)"),
    "G10.seated_forward_share": ("0-1", "sitting time with trunk over `slumped_deg` (20°)"),
    "G10.longest_slumped_min": ("min", "longest unbroken slumped sitting"),
    "coverage_h": ("h", "hours of the day with data"),
}

LOAD_WEIGHTS = {
    "20_45": 1.0,
    "45_60": 2.0,
    "over60": 4.0,
    "back_lift": 2.0,
    "leg_lift": 0.5,
    "unsure_lift": 1.25,  # between the two: the style could not be told
}
BANDS_DEG = (20.0, 45.0, 60.0)  # G4's band edges, in the guidance's (upper-back) degrees
NIGHT_END_H = 10.0
NIGHT_START_H = 20.0

_SIT, _LIE = POSTURE_CODE["sitting"], POSTURE_CODE["lying"]
_ACTIVE = (POSTURE_CODE["walking"], POSTURE_CODE["running"], POSTURE_CODE["other"])
_WALK = (POSTURE_CODE["walking"], POSTURE_CODE["running"])


def _runs(mask: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end times of runs of True on contiguous 1 s epochs."""
    if not mask.any():
        return np.empty(0), np.empty(0)
    brk = np.r_[True, (np.diff(t) != 1.0) | (mask[1:] != mask[:-1])]
    starts = np.flatnonzero(brk)
    ends = np.r_[starts[1:], mask.size]
    keep = mask[starts]
    return t[starts[keep]], t[ends[keep] - 1] + 1.0


def _merge(starts: np.ndarray, ends: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Join intervals separated by less than `max_gap_s`."""
    if starts.size == 0:
        return starts, ends
    new = np.r_[True, starts[1:] - ends[:-1] >= max_gap_s]
    idx = np.flatnonzero(new)
    return starts[idx], np.maximum.reduceat(ends, idx)


#: Days of load the acute:chronic ratio needs: its chronic window. With fewer, a ratio of the
#: first week against itself reads "1.00, on track" and means nothing (issue 21).
ACWR_DAYS = 28


def _acwr(load: float, history: Sequence[DaySummary]) -> tuple[float, int]:
    """The ratio and how many days of load it had (NaN below `ACWR_DAYS`)."""
    past = [h.metrics.get("load", np.nan) for h in history][-(ACWR_DAYS - 1) :]
    loads = np.array([*past, load], float)
    loads = loads[~np.isnan(loads)]
    if loads.size < ACWR_DAYS:
        return float("nan"), int(loads.size)
    chronic = loads[-ACWR_DAYS:].mean()
    ratio = float(loads[-7:].mean() / chronic) if chronic > 0 else float("nan")
    return ratio, int(loads.size)


def bends_not_lifts(events: Sequence[Event]) -> list[Event]:
    """The bends that were not part of a lift: one movement counts once, a bend down and back up
    (a lift, G3) is not a G4 bend too. Its seconds still count in G4's time bands."""
    spans = [(e.start_s, e.end_s) for e in events if e.type == "lift"]
    return [
        e
        for e in events
        if e.type == "bend" and not any(a < e.end_s and e.start_s < b for a, b in spans)
    ]


def summarize_day(
    epochs: Epochs,
    events: Sequence[Event],
    *,
    day: str,
    day_start_s: float,
    day_end_s: float,
    rules: RuleThresholds | None = None,
    history: Sequence[DaySummary] = (),
    pain: float | None = None,
    placement: str | None = None,
    tz_name: str | None = None,
) -> DaySummary:
    """The day's metrics (see the module table). `history`: earlier days, oldest first.

    `placement`: where the sensor was worn; G4's bands (the guidance's upper-back degrees) are
    read in that sensor's degrees (`placement.sensor_deg`); None takes the angles as given.
    `tz_name`: `day` is a calendar day in that zone, so the night (G9) is read off its wall
    clock, which on a DST change is an hour away from the hours since midnight; None: hours
    since `day_start_s` (a day that is not on a calendar).
    """
    r = rules or RuleThresholds()
    lo, mid, hi = (d if placement is None else sensor_deg(d, placement) for d in BANDS_DEG)
    ep = epochs.between(day_start_s, day_end_s)
    ev = [e for e in events if day_start_s <= e.start_s < day_end_s]
    t, p, trunk = ep.t_s, ep.posture, ep.trunk_deg
    m: dict[str, float] = {"coverage_h": len(ep) / 3600.0}
    sit, lie = p == _SIT, p == _LIE
    awake = ~lie
    active = np.isin(p, _ACTIVE)
    # G1
    s0, s1 = _runs(sit, t)
    b0, b1 = _merge(s0, s1, r.break_min_s)
    sit_h = sit.sum() / 3600.0
    m["G1.sitting_min"] = sit.sum() / 60.0
    m["G1.longest_sitting_bout_min"] = float((b1 - b0).max() / 60.0) if b0.size else 0.0
    m["G1.sitting_bouts_over_max_n"] = float(np.sum(b1 - b0 > r.sitting_bout_max_min * 60))
    m["G1.breaks_per_sitting_hour"] = (max(b0.size - 1, 0) / sit_h) if sit_h > 0 else float("nan")
    # G2
    awake_h = awake.sum() / 3600.0
    changes = np.sum((p[1:] != p[:-1]) & awake[1:] & (np.diff(t) == 1.0))
    m["G2.posture_changes_per_hour"] = changes / awake_h if awake_h > 0 else float("nan")
    lying_at = set(t[lie].tolist())
    static = [e.duration_s for e in ev if e.type == "static" and e.start_s not in lying_at]
    m["G2.longest_static_min"] = max(static, default=0.0) / 60.0
    # G3
    lifts = [e for e in ev if e.type == "lift"]
    n_back = sum(e.style == "back" for e in lifts)
    n_legs = sum(e.style == "legs" for e in lifts)
    n_unsure = len(lifts) - n_back - n_legs
    m["G3.lifts_n"], m["G3.back_lifts_n"], m["G3.leg_lifts_n"] = len(lifts), n_back, n_legs
    m["G3.unsure_lifts_n"] = n_unsure
    m["G3.leg_lift_share"] = n_legs / (n_legs + n_back) if n_legs + n_back else float("nan")
    # G4
    upright = awake & ~sit
    up_h = upright.sum() / 3600.0
    ta = trunk[upright]
    bands = {
        "0_20": ta < lo,
        "20_45": (ta >= lo) & (ta < mid),
        "45_60": (ta >= mid) & (ta < hi),
        "over60": ta >= hi,
    }
    m["G4.upright_min"] = upright.sum() / 60.0
    for name, sel in bands.items():
        m[f"G4.band_{name}_min"] = sel.sum() / 60.0
    m["G4.over60_share"] = bands["over60"].sum() / upright.sum() if upright.any() else float("nan")
    bends = [e for e in ev if e.type == "bend"]
    own = bends_not_lifts(ev)
    for lim, deg in ((45, mid), (60, hi)):
        n = sum((e.peak_deg or 0) > deg for e in own)
        m[f"G4.bends_over{lim}_per_hour"] = n / up_h if up_h > 0 else float("nan")
    m["G4.longest_flexion_s"] = max((e.attrs.get("over20_s", 0.0) for e in bends), default=0.0)
    # G5
    m["G5.active_min"] = active.sum() / 60.0
    i0, i1 = _runs(awake & ~active, t)
    i0, i1 = _merge(i0, i1, 60.0)  # an active stretch under a minute does not end inactivity
    m["G5.longest_inactive_min"] = float((i1 - i0).max() / 60.0) if i0.size else 0.0
    hour = ((t - day_start_s) // 3600).astype(int)
    awake_hours = np.unique(hour[awake])
    act_per_hour = np.bincount(hour[active], minlength=25) / 60.0 if active.any() else np.zeros(25)
    good = act_per_hour[awake_hours] >= r.active_min_per_hour
    m["G5.active_hours_share"] = float(good.mean()) if awake_hours.size else float("nan")
    # G6
    walk = np.isin(p, _WALK)
    walks = [e for e in ev if e.type == "walk"]
    m["G6.walking_min"] = walk.sum() / 60.0
    m["G6.walks_n"] = len(walks)
    m["G6.steps"] = float(ep.steps.sum())
    m["G6.cadence_spm"] = float(ep.steps[walk].sum() / (walk.sum() / 60.0)) if walk.any() else 0.0
    # G7
    n_20_45 = bands["20_45"].sum() / 60.0
    n_45_60 = bands["45_60"].sum() / 60.0
    n_60 = bands["over60"].sum() / 60.0
    w = LOAD_WEIGHTS
    load = (
        w["20_45"] * n_20_45
        + w["45_60"] * n_45_60
        + w["over60"] * n_60
        + w["back_lift"] * n_back
        + w["leg_lift"] * n_legs
        + w["unsure_lift"] * n_unsure
    )
    m["G7.load"] = m["load"] = float(load)
    acwr, m["G7.history_days"] = _acwr(load, history)
    m["G7.acwr"] = m["acwr"] = acwr
    # G8
    if pain is not None:
        m["G8.pain"] = float(pain)
    # G9
    if tz_name is None:
        night_end_s = day_start_s + NIGHT_END_H * 3600.0
        night_start_s = day_start_s + NIGHT_START_H * 3600.0
    else:
        night_end_s = at_local(day, dt.time(int(NIGHT_END_H)), tz_name)
        night_start_s = at_local(day, dt.time(int(NIGHT_START_H)), tz_name)
    night = (t < night_end_s) | (t >= night_start_s)
    m["G9.lying_h"] = lie.sum() / 3600.0
    m["G9.lying_night_h"] = (lie & night).sum() / 3600.0
    # G10
    slumped = sit & (trunk > r.slumped_deg)
    m["G10.seated_forward_share"] = slumped.sum() / sit.sum() if sit.any() else float("nan")
    l0, l1 = _runs(slumped, t)
    m["G10.longest_slumped_min"] = float((l1 - l0).max() / 60.0) if l0.size else 0.0
    return DaySummary(day=day, metrics=m)

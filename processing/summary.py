"""A day's guidance metrics (rules G1-G12 of ../shared/guidance.md) from its epochs and events.

Why: the dashboard, the warnings and the trends page all judge a day by the same numbers, so they
are computed once, here, into one `metrics.DayMetrics` (its fields name each metric, its stored
keys carry the rule id; `METRICS` lists every key with its unit); docs/pipeline.md repeats the
table.

G11 (water, breaks planned, stress) and G12 (weekly progress) come from the diary and the trends
page; they have no sensor metric.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from backcoach.processing.days import at_local
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.metrics import METRICS, DayMetrics
from backcoach.processing.placement import sensor_deg
from backcoach.processing.types import POSTURE_CODE, DaySummary, Epochs, Event

__all__ = ["LOAD_WEIGHTS", "METRICS", "bends_not_lifts", "summarize_day"]

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
    past = [h.metrics.load for h in history][-(ACWR_DAYS - 1) :]
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
    m["sitting_min"] = sit.sum() / 60.0
    m["longest_sitting_bout_min"] = float((b1 - b0).max() / 60.0) if b0.size else 0.0
    m["sitting_bouts_over_max_n"] = float(np.sum(b1 - b0 > r.sitting_bout_max_min * 60))
    m["breaks_per_sitting_hour"] = (max(b0.size - 1, 0) / sit_h) if sit_h > 0 else float("nan")
    # G2
    awake_h = awake.sum() / 3600.0
    changes = np.sum((p[1:] != p[:-1]) & awake[1:] & (np.diff(t) == 1.0))
    m["posture_changes_per_hour"] = changes / awake_h if awake_h > 0 else float("nan")
    lying_at = set(t[lie].tolist())
    static = [e.duration_s for e in ev if e.type == "static" and e.start_s not in lying_at]
    m["longest_static_min"] = max(static, default=0.0) / 60.0
    # G3
    lifts = [e for e in ev if e.type == "lift"]
    n_back = sum(e.style == "back" for e in lifts)
    n_legs = sum(e.style == "legs" for e in lifts)
    n_unsure = len(lifts) - n_back - n_legs
    m["lifts_n"], m["back_lifts_n"], m["leg_lifts_n"] = len(lifts), n_back, n_legs
    m["unsure_lifts_n"] = n_unsure
    m["leg_lift_share"] = n_legs / (n_legs + n_back) if n_legs + n_back else float("nan")
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
    m["upright_min"] = upright.sum() / 60.0
    for name, sel in bands.items():
        m[f"band_{name}_min"] = sel.sum() / 60.0
    m["over60_share"] = bands["over60"].sum() / upright.sum() if upright.any() else float("nan")
    bends = [e for e in ev if e.type == "bend"]
    own = bends_not_lifts(ev)
    for lim, deg in ((45, mid), (60, hi)):
        n = sum((e.peak_deg or 0) > deg for e in own)
        m[f"bends_over{lim}_per_hour"] = n / up_h if up_h > 0 else float("nan")
    m["longest_flexion_s"] = max((e.attrs.get("over20_s", 0.0) for e in bends), default=0.0)
    # G5
    m["active_min"] = active.sum() / 60.0
    i0, i1 = _runs(awake & ~active, t)
    i0, i1 = _merge(i0, i1, 60.0)  # an active stretch under a minute does not end inactivity
    m["longest_inactive_min"] = float((i1 - i0).max() / 60.0) if i0.size else 0.0
    hour = ((t - day_start_s) // 3600).astype(int)
    awake_hours = np.unique(hour[awake])
    act_per_hour = np.bincount(hour[active], minlength=25) / 60.0 if active.any() else np.zeros(25)
    good = act_per_hour[awake_hours] >= r.active_min_per_hour
    m["active_hours_share"] = float(good.mean()) if awake_hours.size else float("nan")
    # G6
    walk = np.isin(p, _WALK)
    walks = [e for e in ev if e.type == "walk"]
    m["walking_min"] = walk.sum() / 60.0
    m["walks_n"] = len(walks)
    m["steps"] = float(ep.steps.sum())
    m["cadence_spm"] = float(ep.steps[walk].sum() / (walk.sum() / 60.0)) if walk.any() else 0.0
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
    m["load"] = float(load)
    m["acwr"], m["history_days"] = _acwr(load, history)
    # G8
    if pain is not None:
        m["pain"] = float(pain)
    # G9
    if tz_name is None:
        night_end_s = day_start_s + NIGHT_END_H * 3600.0
        night_start_s = day_start_s + NIGHT_START_H * 3600.0
    else:
        night_end_s = at_local(day, dt.time(int(NIGHT_END_H)), tz_name)
        night_start_s = at_local(day, dt.time(int(NIGHT_START_H)), tz_name)
    night = (t < night_end_s) | (t >= night_start_s)
    m["lying_h"] = lie.sum() / 3600.0
    m["lying_night_h"] = (lie & night).sum() / 3600.0
    # G10
    slumped = sit & (trunk > r.slumped_deg)
    m["seated_forward_share"] = slumped.sum() / sit.sum() if sit.any() else float("nan")
    l0, l1 = _runs(slumped, t)
    m["longest_slumped_min"] = float((l1 - l0).max() / 60.0) if l0.size else 0.0
    return DaySummary(day=day, metrics=DayMetrics(**m))

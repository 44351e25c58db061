"""A fleet of simulated wearers' weeks, for a practice to try its overview on and to measure it.

Why not `backcoach demo` 200 times: the demo runs the full pipeline over raw samples (about a
minute a day), and a practice overview reads only what a collector leaves behind per day: the
daily summary, the day's events (sitting bouts, walks, bends, lifts), warnings and the diary. So
this writes those directly, seeded, from a per-wearer profile (how long they sit, how much they
walk, how they lift, and which way each drifts over the weeks), through the real `Store`, so the
points are the ones a collector writes. Epochs (one a second) only for the last `epoch_days`
days, so a wearer's day pages have something to draw; never raw samples.

Functions
    profile      a wearer's seeded habits and drifts
    day_summary  one day's G1-G12 metrics from a profile (acwr from the load series)
    day_events   the day's sitting bouts, walks, bends and lifts, consistent with the summary
    fill_wearer  N days of one wearer into a store
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from backcoach import plans
from backcoach.processing.days import day_bounds
from backcoach.processing.metrics import DayMetrics
from backcoach.processing.plan import PACES, PlanPhase, PlanSettings
from backcoach.processing.types import (
    POSTURE_CODE,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
)
from backcoach.storage.base import Store

WAKE_H, SLEEP_H = 7.0, 23.0
ACUTE_DAYS, CHRONIC_DAYS = 7, 28


@dataclass(frozen=True)
class Profile:
    """A wearer's habits on day 0 and their drift per day (seeded, so a fleet is repeatable)."""

    longest_sit_min: float
    sit_drift: float  # minutes per day (negative: improving)
    sitting_min: float
    walking_min: float
    walk_drift: float
    leg_share: float
    lifts_per_day: float
    over60_share: float
    inactive_min: float
    lying_night_h: float
    slumped_share: float
    load: float
    pain: float
    pain_drift: float
    diary_days: float  # share of days with a diary entry


def profile(seed: int) -> Profile:
    rng = np.random.default_rng(seed)
    u = rng.uniform
    return Profile(
        longest_sit_min=u(18, 75),
        sit_drift=u(-0.8, 0.8),
        sitting_min=u(240, 600),
        walking_min=u(10, 75),
        walk_drift=u(-0.6, 0.8),
        leg_share=u(0.15, 0.9),
        lifts_per_day=u(0, 14),
        over60_share=u(0.002, 0.06),
        inactive_min=u(25, 130),
        lying_night_h=u(5.5, 8.8),
        slumped_share=u(0.05, 0.6),
        load=u(60, 220),
        pain=u(0.5, 7),
        pain_drift=u(-0.12, 0.12),
        diary_days=u(0.3, 1.0),
    )


def _day_rng(seed: int, i: int) -> np.random.Generator:
    return np.random.default_rng([seed, i])


def day_summary(day: str, i: int, p: Profile, loads: Sequence[float], seed: int) -> DaySummary:
    """Day `i`'s metrics; `loads` are the daily loads up to and including this day."""
    rng = _day_rng(seed, i)

    def around(mean: float, rel: float = 0.15, low: float = 0.0) -> float:
        return float(max(low, rng.normal(mean, abs(mean) * rel)))

    lifts = int(rng.poisson(p.lifts_per_day))
    legs = int(rng.binomial(lifts, p.leg_share)) if lifts else 0
    walking = around(p.walking_min + p.walk_drift * i, low=2.0)
    upright = around(420.0, 0.1)
    over60_min = upright * around(p.over60_share, 0.3)
    acute, chronic = loads[-ACUTE_DAYS:], loads[-CHRONIC_DAYS:]
    acwr = float(np.mean(acute) / np.mean(chronic)) if len(loads) >= ACUTE_DAYS else float("nan")
    longest_sit = around(p.longest_sit_min + p.sit_drift * i, low=5.0)
    metrics = DayMetrics(
        sitting_min=around(p.sitting_min, 0.1),
        longest_sitting_bout_min=longest_sit,
        breaks_per_sitting_hour=around(60.0 / max(longest_sit, 10.0), 0.2),
        longest_static_min=longest_sit + around(4.0, 0.5),
        lifts_n=float(lifts),
        back_lifts_n=float(lifts - legs),
        leg_lifts_n=float(legs),
        leg_lift_share=legs / lifts if lifts else float("nan"),
        upright_min=upright,
        band_20_45_min=upright * around(0.12, 0.3),
        band_45_60_min=upright * around(0.04, 0.3),
        band_over60_min=over60_min,
        over60_share=over60_min / upright,
        longest_inactive_min=around(p.inactive_min, 0.2, low=5.0),
        walking_min=walking,
        steps=walking * around(105.0, 0.05),
        walks_n=float(max(1, round(walking / 8))),
        lying_night_h=around(p.lying_night_h, 0.08),
        seated_forward_share=min(1.0, around(p.slumped_share, 0.2)),
        load=loads[-1],
        acwr=acwr,
        coverage_h=around(15.0, 0.05),
    )
    return DaySummary(day, metrics)


def day_events(day: str, tz_name: str, s: DaySummary, seed: int, i: int) -> list[Event]:
    """Sitting bouts (the longest as in the summary), walks, bends and lifts of the day."""
    rng = _day_rng(seed + 1, i)
    start_s, _ = day_bounds(day, tz_name)
    m = s.metrics
    events: list[Event] = []
    t = start_s + WAKE_H * 3600
    longest = m.longest_sitting_bout_min * 60
    for k in range(8):  # alternating sitting bouts and walks through the waking day
        bout = longest if k == 3 else float(rng.uniform(0.2, 0.9)) * longest
        events.append(Event("sitting_bout", t, t + bout))
        t += bout + rng.uniform(60, 300)
        walk = m.walking_min * 60 / 8
        events.append(Event("walk", t, t + walk, steps=int(walk * 1.75)))
        t += walk + rng.uniform(300, 2400)
    n_bends = int(rng.poisson(15))
    for b_t in np.sort(rng.uniform(start_s + WAKE_H * 3600, start_s + SLEEP_H * 3600, n_bends)):
        events.append(Event("bend", float(b_t), float(b_t) + 6.0, peak_deg=rng.uniform(25, 85)))
    styles = ["back"] * int(m.back_lifts_n) + ["legs"] * int(m.leg_lifts_n)
    for k, style in enumerate(styles):
        l_t = start_s + (9 + k * 0.5) * 3600
        events.append(Event("lift", l_t, l_t + 5.0, peak_deg=rng.uniform(30, 80), style=style))
    return sorted(events, key=lambda e: e.start_s)


def day_epochs(day: str, tz_name: str, events: Sequence[Event]) -> Epochs:
    """One epoch a second: lying at night, sitting in bouts, walking in walks, else standing."""
    start_s, end_s = day_bounds(day, tz_name)
    t = np.arange(start_s, end_s, 1.0)
    hour = (t - start_s) / 3600.0
    posture = np.full(len(t), POSTURE_CODE["standing"], np.int8)
    posture[(hour < WAKE_H) | (hour >= SLEEP_H)] = POSTURE_CODE["lying"]
    trunk = np.full(len(t), 5.0, np.float32)
    for e in events:
        a, b = np.searchsorted(t, [e.start_s, e.end_s])
        if e.type == "sitting_bout":
            posture[a:b], trunk[a:b] = POSTURE_CODE["sitting"], 15.0
        elif e.type == "walk":
            posture[a:b] = POSTURE_CODE["walking"]
        elif e.type in ("bend", "lift"):
            trunk[a:b] = e.peak_deg or 40.0
    walking = posture == POSTURE_CODE["walking"]
    return Epochs(t, posture, trunk, np.zeros(len(t)), np.where(walking, 0.25, 0.02), walking * 2)


def _diary(day: str, i: int, p: Profile, seed: int) -> DiaryEntry | None:
    rng = _day_rng(seed + 2, i)
    if rng.uniform() > p.diary_days:
        return None
    pain = int(np.clip(round(rng.normal(p.pain + p.pain_drift * i, 0.8)), 0, 10))
    return DiaryEntry(day, pain, water=bool(rng.uniform() < 0.6), breaks_planned=bool(i % 2))


def fill_wearer(
    store: Store,
    last_day: dt.date,
    *,
    days: int,
    seed: int,
    tz_name: str = "UTC",
    epoch_days: int = 0,
    plan: bool = False,
) -> int:
    """Write `days` days ending on `last_day` for one wearer; returns the points written.

    `plan`: the wearer also has a graded plan (docs/plan.md) from their first day, at a seeded
    pace, as `backcoach plan set` keeps it, so a practice's overview has steps to show.
    """
    p = profile(seed)
    if plan:
        first = last_day - dt.timedelta(days=days - 1)
        pace = PACES[seed % len(PACES)]
        plans.save(store, PlanSettings(first, 2, (PlanPhase(first, pace),)))
    loads: list[float] = []
    points = 0
    for i in range(days):
        day = (last_day - dt.timedelta(days=days - 1 - i)).isoformat()
        loads.append(float(max(5.0, _day_rng(seed + 3, i).normal(p.load, p.load * 0.2))))
        summary = day_summary(day, i, p, loads, seed)
        events = day_events(day, tz_name, summary, seed, i)
        store.write_summary(summary)
        store.write_events(events)
        points += 1 + len(events)
        bouts = [e for e in events if e.type == "sitting_bout" and e.end_s - e.start_s > 1800]
        warnings = [
            OverloadWarning(
                e.start_s + 1800, "G1", 30.0, "sitting", {"minutes": 30.0, "seconds": 1800.0}
            )
            for e in bouts
        ]
        store.write_warnings(warnings)
        points += len(warnings)
        entry = _diary(day, i, p, seed)
        if entry is not None:
            store.write_diary(entry)
            points += 1
        if i >= days - epoch_days:
            store.write_epochs(day_epochs(day, tz_name, events))
            points += 86400
    return points


def fill_fleet(
    stores: Callable[[int], Store],
    wearers: int,
    last_day: dt.date,
    *,
    days: int = 28,
    seed: int = 1,
    tz_name: str = "UTC",
    epoch_days: int = 0,
    progress: Callable[[int], None] | None = None,
    plan: bool = False,
) -> int:
    """`wearers` wearers, each into the store `stores(k)` gives (flushed and closed after)."""
    total = 0
    for k in range(wearers):
        store = stores(k)
        try:
            total += fill_wearer(
                store,
                last_day,
                days=days,
                seed=seed * 100_003 + k,
                tz_name=tz_name,
                epoch_days=epoch_days,
                plan=plan,
            )
            flush = getattr(store, "flush", None)
            if flush is not None:
                flush()
        finally:
            store.close()
        if progress is not None:
            progress(k + 1)
    return total

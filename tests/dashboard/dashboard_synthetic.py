"""A synthetic wearer's days written straight into a store, for dashboard tests and the bench.

Why not only `backcoach demo`: the dashboard must be tested on many days (90 for Progress) in
seconds, so this writes a fixed, seeded schedule of postures, bends, lifts, summaries, warnings
and diary entries directly. Every figure follows from the schedule, so tests can check the pages
against numbers known here (for example the 50-minute sitting bout at 13:00 on every day).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from backcoach import provenance
from backcoach.processing.days import day_bounds
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import (
    POSTURE_CODE,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
)
from backcoach.storage.base import Store

ANALYSED_NOW = provenance.current("lower_back", RuleThresholds())

#: The day as (start hour, end hour, posture, trunk angle in degrees).
SCHEDULE: tuple[tuple[float, float, str, float], ...] = (
    (0.0, 7.0, "lying", -80.0),
    (7.0, 7.5, "standing", 2.0),
    (7.5, 8.0, "walking", 6.0),
    (8.0, 8.4, "sitting", 24.0),  # 24 min bout, slumped
    (8.4, 8.5, "standing", 3.0),
    (8.5, 9.0, "sitting", -10.0),  # 30 min bout
    (9.0, 9.1, "walking", 6.0),
    (9.1, 12.0, "standing", 4.0),
    (12.0, 12.5, "walking", 6.0),
    (12.5, 13.0, "standing", 3.0),
    (13.0, 13.0 + 50 / 60, "sitting", -8.0),  # the long bout: 50 min
    (13.0 + 50 / 60, 17.0, "standing", 5.0),
    (17.0, 17.5, "walking", 6.0),
    (17.5, 23.0, "sitting", -12.0),  # an evening on the couch: 5.5 h
    (23.0, 24.0, "lying", -80.0),
)
LONG_BOUT_START_H = 13.0
LONG_BOUT_MIN = 50.0
BENDS_PER_DAY = 6  # at 10:00 + k*5 min, 70° peak, 6 s
LIFTS = (("back", 10.75, 75.0), ("legs", 11.0, 40.0), ("legs", 11.25, 35.0))


def day_epochs(day: str, tz_name: str, seed: int = 0) -> Epochs:
    """One second per epoch over the whole day, following SCHEDULE plus bends and noise."""
    start_s, end_s = day_bounds(day, tz_name)
    t = np.arange(start_s, end_s, 1.0)
    hour = (t - start_s) / 3600.0
    posture = np.zeros(len(t), np.int8)
    trunk = np.zeros(len(t), np.float32)
    for h0, h1, name, angle in SCHEDULE:
        sel = (hour >= h0) & (hour < h1)
        posture[sel] = POSTURE_CODE[name]
        trunk[sel] = angle
    rng = np.random.default_rng(seed)
    trunk += rng.normal(0.0, 2.0, len(t)).astype(np.float32)
    for s0, _, peak in bend_times(start_s):
        i = int(s0 - start_s)
        trunk[i : i + 6] = peak
    walking = posture == POSTURE_CODE["walking"]
    steps = np.where(walking, 2, 0).astype(np.int16)
    activity = np.where(walking, 0.25, 0.01).astype(np.float32)
    return Epochs(t, posture, trunk, np.zeros(len(t)), activity, steps)


def bend_times(start_s: float) -> list[tuple[float, float, float]]:
    bends = [(start_s + 10 * 3600 + k * 300, 6.0, 70.0) for k in range(BENDS_PER_DAY)]
    return [(s, s + d, p) for s, d, p in bends]


def day_events(day: str, tz_name: str) -> list[Event]:
    start_s, _ = day_bounds(day, tz_name)
    events = [
        Event("sitting_bout", start_s + h0 * 3600, start_s + h1 * 3600)
        for h0, h1, name, _ in SCHEDULE
        if name == "sitting"
    ]
    events += [Event("bend", s, e, peak_deg=p) for s, e, p in bend_times(start_s)]
    events += [
        Event("lift", start_s + h * 3600, start_s + h * 3600 + 5, peak_deg=p, style=style)
        for style, h, p in LIFTS
    ]
    return events


def day_summary(day: str, i: int) -> DaySummary:
    """Metrics for the schedule; walking grows and the long bout shrinks over the days."""
    sitting_min = sum((h1 - h0) * 60 for h0, h1, n, _ in SCHEDULE if n == "sitting")
    walking_min = sum((h1 - h0) * 60 for h0, h1, n, _ in SCHEDULE if n == "walking")
    return DaySummary(
        day,
        {
            "G1.sitting_min": sitting_min,
            "G1.longest_sitting_bout_min": 330.0 - i,
            "G1.breaks_per_sitting_hour": 0.5 + 0.05 * i,
            "G2.longest_static_min": 330.0 - i,
            "G3.back_lifts_n": 1.0,
            "G3.leg_lifts_n": 2.0,
            "G3.leg_lift_share": 2 / 3,
            "G4.band_over60_min": BENDS_PER_DAY * 6 / 60,
            "G4.over60_share": 0.004,
            "G5.longest_inactive_min": 330.0,
            "G6.walking_min": walking_min + i,
            "G6.steps": 2.0 * (walking_min + i) * 60,
            "G9.lying_night_h": 8.0,
            "G10.seated_forward_share": 24 / sitting_min,
            "load": 100.0 + 5 * (i % 7),
            "acwr": 0.9 + 0.1 * (i % 8),
        },
        ANALYSED_NOW,  # as the default settings analyse a day now (no "analysed by" mark)
    )


def fill(
    store: Store,
    last_day: dt.date,
    *,
    days_with_epochs: int,
    days_with_summaries: int,
    tz_name: str,
) -> list[str]:
    """Write the synthetic days ending on `last_day`; returns the days with epochs."""
    n = max(days_with_epochs, days_with_summaries)
    days = [(last_day - dt.timedelta(days=n - 1 - i)).isoformat() for i in range(n)]
    for i, day in enumerate(days):
        if i >= n - days_with_summaries:
            store.write_summary(day_summary(day, i))
        if i < n - days_with_epochs:
            continue
        store.write_epochs(day_epochs(day, tz_name, seed=i))
        store.write_events(day_events(day, tz_name))
        start_s, _ = day_bounds(day, tz_name)
        t_warn = start_s + (LONG_BOUT_START_H + 0.5) * 3600
        store.write_warnings(
            [
                OverloadWarning(t_warn, "G1", 30.0, "sitting", {"minutes": 30.0}),
                OverloadWarning(t_warn + 600, "G1", 40.0, "sitting", {"minutes": 40.0}),
            ]
        )
        store.write_diary(
            DiaryEntry(day, pain=max(0, 6 - i % 7), note=f"day {i}", water=i % 2 == 0)
        )
    return days[n - days_with_epochs :]

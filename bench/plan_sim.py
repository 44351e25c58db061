"""A simulated wearer who follows their plan for 16 weeks: the plan's test bed and its picture.

Why closed-loop: a plan is only shown to work when the wearer's days answer its steps. Each
Monday this reads the plan from the store (`plans.load_plan`, the same function the dashboard and
the warnings use), and the week's days aim at that week's quotas, as well or as badly as the
script says. The script holds the events a plan must cope with: a load spike with a pain rise,
a flare, a week away, days without the sensor, a week of struggling with one item.

The days are the fleet simulator's (`fleet.day_summary`, `fleet.day_events`): summaries, events,
the G1 warnings at the week's sitting cap, the diary, and epochs for the last `epoch_days` days,
written through the real `Store`. Seeded: the same arguments write the same weeks.

`SCRIPT`, week by week (plan weeks count from week 3, after the two baseline weeks):

====  ===============================================  ==========================================
week  what happens                                     what the plan should do the week after
====  ===============================================  ==========================================
1-2   habits as they were (the baseline)               start from the baseline (week 3)
3-5   follows the steps                                step on
6     moving house: heavy days, pain rises after them  hold (G8)
7     follows the steps                                step on
8     a quiet week at home: half the usual back load   hold (G7, the ratio under 0.8)
9     follows the steps                                step on
10    a flare: pain 7 of 10 (usually 4)                step back
11    pain settling but still 6                        hold (settling)
12    pain back to 4, follows the steps                step on
13    away: no sensor                                  hold (away)
14    back, sensor on five days of seven               step on
15    a busy week: walks less than the step            keep (walking; the rest at target)
16    follows the steps (the current week)             -
====  ===============================================  ==========================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from backcoach import plans
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import ITEMS, Plan, PlanPhase, PlanSettings
from backcoach.processing.types import DiaryEntry, Event, OverloadWarning
from backcoach.storage.base import Store
from bench import fleet

#: The wearer's habits before the plan (the fleet's profile, no drifts).
HABITS = fleet.Profile(
    longest_sit_min=70.0,
    sit_drift=0.0,
    sitting_min=480.0,
    walking_min=9.0,
    walk_drift=0.0,
    leg_share=0.35,
    lifts_per_day=8.0,
    over60_share=0.035,
    inactive_min=80.0,
    lying_night_h=6.3,
    slumped_share=0.35,
    load=100.0,
    pain=4.0,
    pain_drift=0.0,
    diary_days=1.0,
)
#: How far past a quota the wearer aims on a good week, so it is met on most days despite the
#: day-to-day spread (the fleet's: 15% walking and sitting, 20% breaks, 30% over 60°, 8% sleep).
MARGIN: Mapping[str, float] = {
    "walking": 1.25,
    "sitting": 1 / 1.25,
    "breaks": 1.35,
    "over60": 0.55,
    "sleep": 1.12,
}
LEGS_MARGIN = 0.12  # share points above the quota (a week's ~56 lifts spread ~0.065)
STRUGGLE = 0.1  # a struggling item's mean misses the quota by this share (met on ~1 day in 3)
BREAKS_SPREAD = 0.2


@dataclass(frozen=True)
class Week:
    """One week of the script: effort per item, load and pain per weekday, sensor days."""

    note: str
    struggle: tuple[str, ...] = ()  # items the wearer does not manage this week
    load: tuple[float, ...] = (1.0,) * 7  # factor on the usual daily load, Monday first
    pain: tuple[int | None, ...] = (4,) * 7  # diary pain, None: no entry
    worn: tuple[bool, ...] = (True,) * 7


SCRIPT: tuple[Week, ...] = (
    Week("baseline"),
    Week("baseline"),
    Week("follows the steps"),
    Week("follows the steps"),
    Week("follows the steps"),
    Week(
        "moving house: heavy days, pain rises after them",
        load=(1.0, 1.0, 4.0, 4.0, 4.0, 1.0, 1.0),
        pain=(4, 4, 4, 4, 5, 6, 5),
    ),
    Week("follows the steps"),
    Week("a quiet week at home", load=(0.5,) * 7),
    Week("follows the steps"),
    Week("a flare", pain=(6, 7, 7, 7, 7, 7, 6)),
    Week("pain settling", pain=(6, 6, 6, 6, 6, 6, 6)),
    Week("pain back, follows the steps", pain=(5, 4, 4, 4, 4, 4, 4)),
    Week("away without the sensor", worn=(False,) * 7, pain=(4, None, 4, None, 4, None, 4)),
    Week("back, sensor on five days", worn=(True, True, False, True, True, False, True)),
    Week("a busy week: walks less", struggle=("walking",)),
    Week("follows the steps"),
)


def _aim(name: str, habit: float, quota: float | None, struggle: bool) -> float:
    """The day's mean for an item: the habit, or past the quota by the margin (never worse than
    the habit: the plan starts at what the wearer already does)."""
    if quota is None:
        return habit
    margin = MARGIN[name]
    if struggle:
        return quota * (1 - STRUGGLE if margin > 1 else 1 + STRUGGLE)
    better = max if margin > 1 else min
    return better(quota * margin, habit)


@dataclass
class _Sim:
    store: Store
    rules: RuleThresholds
    tz_name: str
    seed: int
    epoch_days: int
    last_day: dt.date
    loads: list[float] = field(default_factory=list)
    points: int = 0

    def day(self, i: int, day: dt.date, week: Week, plan: Plan | None) -> None:
        wd = day.weekday()
        if week.pain[wd] is not None:
            entry = DiaryEntry(
                day.isoformat(), int(week.pain[wd]), water=i % 3 != 0, breaks_planned=i % 2 == 0
            )
            self.store.write_diary(entry)
        if not week.worn[wd]:
            return
        rng = np.random.default_rng([self.seed, 99, i])
        self.loads.append(float(HABITS.load * week.load[wd] * rng.normal(1.0, 0.08)))
        step = plan.week_of(day) if plan is not None else None
        quotas = step.quotas() if step is not None else {}

        def aim(key: str, habit: float) -> float:
            name = next(it.name for it in ITEMS if it.key == key)
            return _aim(name, habit, quotas.get(key), name in week.struggle)

        legs_quota = quotas.get("leg_lift_share_min")
        profile = replace(
            HABITS,
            walking_min=aim("walking_plan_min", HABITS.walking_min),
            longest_sit_min=aim("sitting_bout_max_min", HABITS.longest_sit_min),
            over60_share=aim("over60_share_max", HABITS.over60_share),
            lying_night_h=aim("sleep_target_h", HABITS.lying_night_h),
            leg_share=HABITS.leg_share
            if legs_quota is None
            else min(0.98, max(HABITS.leg_share, legs_quota + LEGS_MARGIN)),
        )
        summary = fleet.day_summary(day.isoformat(), i, profile, self.loads, self.seed)
        longest = summary.metrics.longest_sitting_bout_min
        breaks = aim("breaks_per_sitting_hour_min", 60.0 / max(longest, 10.0))
        metrics = replace(
            summary.metrics,
            breaks_per_sitting_hour=float(max(0.1, rng.normal(breaks, breaks * BREAKS_SPREAD))),
        )
        summary = replace(summary, metrics=metrics)
        events = fleet.day_events(day.isoformat(), self.tz_name, summary, self.seed, i)
        self.store.write_summary(summary)
        self.store.write_events(events)
        cap = (plan.thresholds(day, self.rules) if plan else self.rules).sitting_bout_max_min
        self.store.write_warnings(_sitting_warnings(events, cap))
        if day > self.last_day - dt.timedelta(days=self.epoch_days):
            self.store.write_epochs(fleet.day_epochs(day.isoformat(), self.tz_name, events))
        self.points += 1 + len(events)


def _sitting_warnings(events: Sequence[Event], cap_min: float) -> list[OverloadWarning]:
    """G1 at the week's sitting cap, as the live rules would give them for these bouts."""
    out = []
    for e in events:
        if e.type == "sitting_bout" and e.end_s - e.start_s >= cap_min * 60:
            figures = {"minutes": float(cap_min), "seconds": cap_min * 60.0}
            out.append(OverloadWarning(e.start_s + cap_min * 60, "G1", cap_min, "sitting", figures))
    return out


def simulate(
    store: Store,
    first_monday: dt.date,
    *,
    rules: RuleThresholds | None = None,
    script: Sequence[Week] = SCRIPT,
    seed: int = 22,
    tz_name: str = "UTC",
    epoch_days: int = 0,
    pace: str = "steady",
    until: dt.date | None = None,
) -> Plan:
    """Set a plan starting `first_monday` and live the script's weeks into `store`, up to
    `until` (default: the script's last day); returns the plan as the store then gives it."""
    rules = rules or RuleThresholds()
    if first_monday.weekday() != 0:
        raise ValueError(f"{first_monday} is not a Monday")
    ps = PlanSettings(first_monday, 2, (PlanPhase(first_monday, pace),))
    plans.save(store, ps)
    last_day = first_monday + dt.timedelta(days=7 * len(script) - 1)
    if until is not None:
        last_day = min(last_day, until)
    sim = _Sim(store, rules, tz_name, seed, epoch_days, last_day)
    for k, week in enumerate(script):
        monday = first_monday + dt.timedelta(weeks=k)
        plan = plans.load_plan(store, rules, monday)  # this week's step, from the stored weeks
        for d in range(7):
            if monday + dt.timedelta(days=d) <= last_day:
                sim.day(7 * k + d, monday + dt.timedelta(days=d), week, plan)
        flush = getattr(store, "flush", None)
        if flush is not None:
            flush()
    final = plans.load_plan(store, rules, last_day)
    if final is None:  # the plan was just saved: only a store that lost it gets here
        raise RuntimeError("the store did not keep the plan")
    return final

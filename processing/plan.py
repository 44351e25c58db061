"""A graded plan per wearer: a baseline from the first recorded weeks, then weekly steps from it
toward the guidance targets, paced by pain and load (issue 22; docs/plan.md).

Why pure: the plan is a function of the plan's settings, the stored daily summaries, the diary
and the guidance thresholds, and of nothing else (no clock, no store). Replaying the same weeks
gives the same plan, and the live warnings, the Guidance page, the weekly report and the
practice overview, which all call `build_plan`, agree on the current step.

Graded activity works from a measured baseline in small, fixed steps (quota-based; Lindström et
al. 1992, the Dutch KNGF guideline for low back pain); pacing lets pain and load decide when to
go on. Here a *step* is one week's quota per plan item (`ITEMS`): each item keeps its own level,
so a wearer who walks more but still sits long steps on in walking only.

`build_plan` steps:

1. Weeks are ISO weeks (Monday to Sunday) from the week holding `settings.start`.
2. Baseline: the first `baseline_weeks` weeks, extended week by week until they hold
   `BASELINE_MIN_DAYS` recorded days; per item its typical day (the median; leg lifts pooled).
3. The first plan week's quota per item is that baseline on the item's grid, never past the
   item's final target (the guidance, or a gentler target the plan sets).
4. Each later week's step is decided from the week before, in order (`plan_rules.decide`):
   a pain flare steps back; settling pain holds; a week away holds, a second one steps back;
   too few days hold; a pain rise after a load spike (G8) holds; an acute:chronic ratio out of
   the safe band (G7) holds; otherwise each item met on two thirds of its days steps on.

Reasons are codes with figures, never sentences: the dashboard words them in English and Dutch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.metrics import DayMetrics, metric_key
from backcoach.processing.plan_rules import (
    BASELINE_MIN_DAYS,
    ItemState,
    ItemWeek,
    PlanItem,
    PrevWeek,
    Reason,
    WeekFacts,
    decide,
    item_week,
    pain_mean,
    recorded,
    start_quota,
    typical,
)
from backcoach.processing.types import DaySummary, DiaryEntry

__all__ = [
    "BASELINE_MIN_DAYS",
    "ITEMS",
    "ITEM_BY_KEY",
    "PACES",
    "Baseline",
    "ItemWeek",
    "Plan",
    "PlanItem",
    "PlanPhase",
    "PlanSettings",
    "PlanWeek",
    "Reason",
    "SUMMARY_KEYS",
    "build_plan",
    "final_targets",
    "iso_week",
    "monday_of",
]

PACES: tuple[str, ...] = ("gentle", "steady", "brisk")


#: The plan's items, in the order the dashboard lists them. Steps per pace (gentle, steady,
#: brisk): walking +5/10/15% a week (at least 1/2/3 min), the sitting cap 5/10/15 min down
#: (60 -> 50 -> 40 -> 30 at the steady pace), breaks +0.5/0.5/1 per sitting hour, leg lifts
#: +5/10/15 points, time over 60° 0.5/1/1.5 points down, sleep +15/30/30 min.
ITEMS: tuple[PlanItem, ...] = (
    PlanItem(
        "walking_plan_min",
        "walking",
        "G6",
        "walking_min",
        True,
        1.0,
        {"gentle": 1.0, "steady": 2.0, "brisk": 3.0},
        {"gentle": 0.05, "steady": 0.10, "brisk": 0.15},
    ),
    PlanItem(
        "sitting_bout_max_min",
        "sitting",
        "G1",
        "longest_sitting_bout_min",
        False,
        5.0,
        {"gentle": 5.0, "steady": 10.0, "brisk": 15.0},
    ),
    PlanItem(
        "breaks_per_sitting_hour_min",
        "breaks",
        "G1",
        "breaks_per_sitting_hour",
        True,
        0.5,
        {"gentle": 0.5, "steady": 0.5, "brisk": 1.0},
    ),
    PlanItem(
        "leg_lift_share_min",
        "legs",
        "G3",
        "leg_lift_share",
        True,
        0.05,
        {"gentle": 0.05, "steady": 0.10, "brisk": 0.15},
    ),
    PlanItem(
        "over60_share_max",
        "over60",
        "G4",
        "over60_share",
        False,
        0.005,
        {"gentle": 0.005, "steady": 0.01, "brisk": 0.015},
    ),
    PlanItem(
        "sleep_target_h",
        "sleep",
        "G9",
        "lying_night_h",
        True,
        0.25,
        {"gentle": 0.25, "steady": 0.5, "brisk": 0.5},
    ),
)
ITEM_BY_KEY: Mapping[str, PlanItem] = {i.key: i for i in ITEMS}
#: Every daily-summary key `build_plan` reads (a reader of many wearers may fetch just these).
SUMMARY_KEYS: tuple[str, ...] = tuple(
    metric_key(name)
    for name in (
        "coverage_h",
        "load",
        "acwr",
        "leg_lifts_n",
        "back_lifts_n",
        *(i.metric for i in ITEMS),
    )
)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def iso_week(monday: dt.date) -> str:
    """'2026-W38' for the week holding `monday`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class PlanPhase:
    """The pace and final targets from one week on (a change keeps the weeks before it)."""

    since: dt.date  # the Monday from which this phase applies
    pace: str = "steady"
    targets: Mapping[str, float] = field(default_factory=dict)  # item key -> final target

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", monday_of(self.since))
        object.__setattr__(self, "targets", dict(self.targets))
        if self.pace not in PACES:
            raise ValueError(f"pace {self.pace!r} is not one of {', '.join(PACES)}")
        for key, value in self.targets.items():
            if key not in ITEM_BY_KEY:
                raise ValueError(f"target {key!r} is not a plan item ({', '.join(ITEM_BY_KEY)})")
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"target {key} = {value!r}: give a number above 0")


@dataclass(frozen=True)
class PlanSettings:
    """What the wearer or physiotherapist chose: start, baseline length, pace and targets."""

    start: dt.date
    baseline_weeks: int = 2
    phases: tuple[PlanPhase, ...] = ()

    def __post_init__(self) -> None:
        if self.baseline_weeks not in (1, 2):
            raise ValueError(f"baseline_weeks is {self.baseline_weeks}; give 1 or 2")
        phases = sorted(self.phases, key=lambda p: p.since) or [PlanPhase(self.start)]
        first = monday_of(self.start)
        if phases[0].since > first:  # the first phase always covers the start
            phases[0] = replace(phases[0], since=first)
        if len({p.since for p in phases}) != len(phases):
            raise ValueError("two plan phases start in the same week; keep one")
        object.__setattr__(self, "phases", tuple(phases))

    def phase_at(self, monday: dt.date) -> PlanPhase:
        """The phase in force in the week of `monday`."""
        now = [p for p in self.phases if p.since <= monday]
        return now[-1] if now else self.phases[0]


def final_targets(phase: PlanPhase, rules: RuleThresholds) -> dict[str, float]:
    """Each item's final target: the plan's own where set, never past the guidance (`rules`)."""
    out = {}
    for item in ITEMS:
        guidance = float(getattr(rules, item.key))
        out[item.key] = item.clamp(float(phase.targets.get(item.key, guidance)), guidance)
    return out


@dataclass(frozen=True)
class Baseline:
    """The wearer's starting point: the typical recorded day of the baseline weeks."""

    first: dt.date
    last: dt.date
    days: int  # recorded days in it
    values: Mapping[str, float | None]  # item key -> typical day (None: not measured)
    start: Mapping[str, float | None]  # item key -> the first quota (`plan_rules.start_quota`)
    pain: float | None  # mean diary pain


@dataclass(frozen=True)
class PlanWeek:
    """One ISO week of the plan: its step per item, why it was set, and how the week went."""

    monday: dt.date
    number: int  # plan week 1, 2, ...; 0 while the baseline is measured
    decision: str  # measuring | start | step_on | keep | hold | step_back
    reasons: tuple[Reason, ...]  # why this week's step (from the week before)
    items: tuple[ItemWeek, ...]
    recorded: int  # recorded days so far
    elapsed: int  # days of the week gone by (up to `through`, from the start)
    pain: float | None  # mean diary pain
    acwr: float | None  # acute:chronic ratio on the week's last recorded day
    pace: str

    @property
    def week(self) -> str:
        return iso_week(self.monday)

    @property
    def measuring(self) -> bool:
        return self.number == 0

    @property
    def adherence(self) -> float | None:
        """Share of item-days on which the step was met (None without any)."""
        days = sum(i.days for i in self.items if i.quota is not None)
        met = sum(i.met for i in self.items if i.quota is not None)
        return met / days if days else None

    def quotas(self) -> dict[str, float]:
        return {i.key: i.quota for i in self.items if i.quota is not None}

    def item(self, key: str) -> ItemWeek:
        return next(i for i in self.items if i.key == key)


@dataclass(frozen=True)
class Plan:
    """The plan's weeks from the start to `through`, and the baseline once measured."""

    settings: PlanSettings
    through: dt.date
    baseline: Baseline | None
    weeks: tuple[PlanWeek, ...]

    def week_of(self, day: dt.date | str) -> PlanWeek | None:
        """The plan week holding `day`, or None before the start or after `through`."""
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        monday = monday_of(d)
        return next((w for w in self.weeks if w.monday == monday), None)

    def thresholds(self, day: dt.date | str, rules: RuleThresholds) -> RuleThresholds:
        """The thresholds to judge `day` by: the guidance with that week's quotas in place.

        The guidance itself while the baseline is measured and outside the plan's weeks.
        """
        week = self.week_of(day)
        if week is None or week.measuring:
            return rules
        return replace(rules, **week.quotas())


def _days_of(monday: dt.date) -> list[dt.date]:
    return [monday + dt.timedelta(days=i) for i in range(7)]


def _baseline(
    settings: PlanSettings,
    days: Sequence[dt.date],
    by_day: Mapping[str, DayMetrics],
    pains: Mapping[str, float],
) -> Baseline:
    metrics = [by_day[d.isoformat()] for d in days]
    values = {item.key: typical(item, metrics) for item in ITEMS}
    start = {item.key: start_quota(item, metrics) for item in ITEMS}
    first, last = settings.start, days[-1] if days else settings.start
    span = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    return Baseline(first, last, len(days), values, start, pain_mean(pains, span))


def _start_states(baseline: Baseline, targets: Mapping[str, float]) -> dict[str, ItemState]:
    states = {}
    for item in ITEMS:
        first, target = baseline.start[item.key], targets[item.key]
        # Not measured (no lifts, no night recorded): the target itself.
        states[item.key] = ItemState(target if first is None else item.clamp(first, target))
    return states


@dataclass
class _Walk:
    """What `build_plan` carries from week to week (the only mutable state, local to a build)."""

    settings: PlanSettings
    by_day: Mapping[str, DayMetrics]
    pains: Mapping[str, float]
    ordered: Sequence[DaySummary]
    rules: RuleThresholds
    base_days: list[dt.date] = field(default_factory=list)
    baseline: Baseline | None = None
    states: dict[str, ItemState] = field(default_factory=dict)
    facts: WeekFacts = field(default_factory=WeekFacts)

    def step(
        self, prev: PlanWeek | None, recorded_days: list[dt.date], phase: PlanPhase
    ) -> tuple[str, tuple[Reason, ...]]:
        """This week's decision and reasons; updates the quotas (steps 2-4)."""
        targets = final_targets(phase, self.rules)
        if self.baseline is None and prev is not None and self._baseline_done(prev):
            self.baseline = _baseline(self.settings, self.base_days, self.by_day, self.pains)
            self.states = _start_states(self.baseline, targets)
            self.facts = WeekFacts(baseline_pain=self.baseline.pain)
            values = self.baseline.values
            first = Reason("start", None, {"days": self.baseline.days})
            return "start", (first,) + tuple(
                Reason(
                    "start",
                    i.key,
                    {"quota": self.states[i.key].quota, "baseline": _num(values[i.key])},
                )
                for i in ITEMS
            )
        if self.baseline is None or prev is None:
            figures = {"days": len(self.base_days), "need": BASELINE_MIN_DAYS}  # before this week
            self.base_days += recorded_days
            return "measuring", (Reason("measuring", None, figures),)
        decision, reasons, self.states, self.facts = decide(
            PrevWeek(prev.monday, prev.items, prev.recorded, prev.acwr),
            self.states,
            ITEMS,
            targets,
            phase.pace,
            self.facts,
            self.pains,
            self.ordered,
            self.rules,
        )
        return decision, reasons

    def _baseline_done(self, prev: PlanWeek) -> bool:
        """The baseline ends after `baseline_weeks` weeks that hold enough recorded days."""
        weeks_in = (prev.monday - monday_of(self.settings.start)).days // 7 + 1
        enough = len(self.base_days) >= BASELINE_MIN_DAYS
        return weeks_in >= self.settings.baseline_weeks and enough

    def week(self, monday: dt.date, prev: PlanWeek | None, through: dt.date) -> PlanWeek:
        """One week of the plan, decided from the week before and measured up to `through`."""
        phase = self.settings.phase_at(monday)
        days = [d for d in _days_of(monday) if self.settings.start <= d <= through]
        recorded_days = [d for d in days if d.isoformat() in self.by_day]
        decision, reasons = self.step(prev, recorded_days, phase)
        targets = final_targets(phase, self.rules)
        metrics = [self.by_day[d.isoformat()] for d in recorded_days]
        items = tuple(item_week(i, self.states.get(i.key), targets[i.key], metrics) for i in ITEMS)
        acwr = metrics[-1].acwr if metrics else None
        return PlanWeek(
            monday=monday,
            number=0 if self.baseline is None else (prev.number + 1 if prev else 1),
            decision=decision,
            reasons=reasons,
            items=items,
            recorded=len(recorded_days),
            elapsed=len(days),
            pain=pain_mean(self.pains, _days_of(monday)),
            acwr=acwr if acwr is not None and math.isfinite(acwr) else None,
            pace=phase.pace,
        )


def build_plan(
    settings: PlanSettings,
    summaries: Sequence[DaySummary],
    diary: Sequence[DiaryEntry],
    rules: RuleThresholds,
    *,
    through: dt.date,
) -> Plan:
    """The plan from `settings.start` to the week holding `through` (steps 1-4 above).

    Days after `through` and before the start are ignored, as is the input order, so the same
    stored days give the same plan.
    """
    last = through.isoformat()
    ordered = sorted((s for s in summaries if s.day <= last), key=lambda s: s.day)
    by_day = {
        s.day: s.metrics for s in ordered if recorded(s) and settings.start.isoformat() <= s.day
    }
    pains = {e.day: float(e.pain) for e in sorted(diary, key=lambda e: e.day) if e.day <= last}
    walk = _Walk(settings, by_day, pains, ordered, rules)
    weeks: list[PlanWeek] = []
    monday = monday_of(settings.start)
    while monday <= through:
        weeks.append(walk.week(monday, weeks[-1] if weeks else None, through))
        monday += dt.timedelta(days=7)
    return Plan(settings, through, walk.baseline, tuple(weeks))


def _num(value: float | None) -> float:
    return math.nan if value is None else float(value)

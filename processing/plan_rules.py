"""The plan's weekly judgement: a week's figures per item, and the step the next week gets.

Why apart from `plan`: this is the physiotherapy in the plan, the part a reviewer should read in
one go. `plan.build_plan` walks the weeks and calls `decide` at each week's start with the week
before; both are pure. Every threshold below is a named constant, cited in docs/plan.md.

`decide` steps, in order (the first that applies decides):

1. Flare: the week's mean diary pain is `FLARE_RISE` or more above the usual (the mean of the
   `PAIN_REF_DAYS` before it, else the baseline's): every item one step back, and the plan
   waits for the pain to settle.
2. Settling after a flare: pain still more than `SETTLED_MARGIN` above the usual from before
   the flare holds every step. No pain notes count as settled (the diary is not required).
3. Away: a week without a recorded day holds; the `AWAY_BACK_WEEKS`-th such week in a row
   steps back (picking up gently after a break). Fewer than `MIN_DAYS` recorded days hold.
4. G8: the daily G8 rule fired on a day of the week (pain rose two days running after spike
   days, `rules.daily_warnings`), or pain rose `PAIN_RISE` above the usual in a week that held
   a load spike (acute:chronic ratio over `acwr_spike`): hold.
5. G7: the ratio on the week's last recorded day over `acwr_high`, or the week's load under
   `acwr_low` times the four weeks' median daily load (a drop in the week's own load, not a
   past spike leaving the mean): hold.
6. Per item: at its target it stays; judged on too few days it stays; met on `GOOD_SHARE` of
   its days (leg lifts: the week's pooled share met, with `MIN_LIFTS` lifts) it steps on, else
   it stays.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.metrics import DayMetrics, metric_key
from backcoach.processing.rules import daily_warnings
from backcoach.processing.types import DaySummary

BASELINE_MIN_DAYS = 5  # recorded days the baseline needs (it extends week by week until then)
MIN_DAYS = 3  # recorded days a week needs before its figures decide anything
GOOD_SHARE = 2 / 3  # an item steps on when its quota was met on this share of its days
MIN_LIFTS = 5  # the week's leg-lift share is judged on at least this many lifts
FLARE_RISE = 2.0  # pain points above the usual that make a flare (a step back)
PAIN_RISE = 1.0  # pain points above the usual that, in a week with a load spike, hold (G8)
SETTLED_MARGIN = 1.0  # after a flare, pain within this of the usual again counts as settled
PAIN_REF_DAYS = 14  # the usual pain: the diary's mean over these days before the week
PAIN_REF_MIN = 3  # entries that mean needs (else the baseline's mean pain)
PAIN_WEEK_MIN = 2  # entries a week needs for its pain to count
SPIKE_LOOKBACK_DAYS = 3  # a spike this many days before the week still counts for its pain
AWAY_BACK_WEEKS = 2  # the second week in a row without a recorded day steps back
START_PERCENTILE = 25  # the first quota: reached on three baseline days of four
CHRONIC_DAYS = 28  # G7's chronic window (as `summary`'s acute:chronic ratio)
MIN_CHRONIC_DAYS = 7  # recorded loads that window needs before a low week holds the plan


def _known(count: float) -> float:
    """A count, 0 where the day did not store it."""
    return 0.0 if math.isnan(count) else count


def _lifts(m: DayMetrics) -> float:
    """The day's lifts with a style (legs or back)."""
    return _known(m.leg_lifts_n) + _known(m.back_lifts_n)


@dataclass(frozen=True)
class Reason:
    """Why a step was set: a code, the item it concerns (None: the whole plan), its figures."""

    code: str
    item: str | None
    figures: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanItem:
    """One figure the plan grades in steps: which threshold it sets and how it moves."""

    key: str  # the `RuleThresholds` field the step sets (and the plan file's target name)
    name: str  # short name for words and charts
    rule: str  # guidance rule id
    metric: str  # the `DayMetrics` field it reads
    higher_is_better: bool
    grid: float  # quotas are multiples of this (in the metric's unit)
    step: Mapping[str, float]  # pace -> step per week (in the metric's unit)
    relative: Mapping[str, float] = field(default_factory=dict)  # pace -> share of the quota

    def __post_init__(self) -> None:
        metric_key(self.metric)  # a name that is no metric fails here, not as NaN every week

    def toward(self, quota: float, target: float) -> bool:
        """Whether the quota still has a step to go before the target."""
        return quota < target - 1e-9 if self.higher_is_better else quota > target + 1e-9

    def clamp(self, quota: float, target: float) -> float:
        """The quota, never past the target."""
        return min(quota, target) if self.higher_is_better else max(quota, target)

    def on_grid(self, value: float) -> float:
        return round(round(value / self.grid) * self.grid, 6)

    def easier_on_grid(self, value: float) -> float:
        """`value` on the grid, rounded away from the target (a quota already reached)."""
        steps = value / self.grid
        n = math.floor(steps + 1e-9) if self.higher_is_better else math.ceil(steps - 1e-9)
        return round(max(n, 1) * self.grid, 6)

    def next_quota(self, quota: float, target: float, pace: str) -> float:
        """One step on: at least one grid step, e.g. walking +10% (at least 2 min) a week."""
        size = max(self.step[pace], self.relative.get(pace, 0.0) * quota)
        sign = 1.0 if self.higher_is_better else -1.0
        new = self.on_grid(quota + sign * size)
        if (new - quota) * sign < self.grid / 2:
            new = round(quota + sign * self.grid, 6)
        return self.clamp(new, target)

    def met(self, value: float, quota: float) -> bool:
        return value >= quota - 1e-9 if self.higher_is_better else value <= quota + 1e-9

    def day_value(self, metrics: DayMetrics) -> float | None:
        """The day's figure, or None where the day says nothing about this item.

        Leg lifts: only days with lifts. Sleep: only days with lying at night recorded (a
        sensor taken off for the night says nothing about sleep).
        """
        if self.name == "legs" and _lifts(metrics) <= 0:
            return None
        value = getattr(metrics, self.metric)
        if not math.isfinite(value):
            return None
        if self.name == "sleep" and value <= 0:
            return None
        return float(value)


@dataclass(frozen=True)
class ItemState:
    """An item's quota and the quotas of the steps taken to reach it (a step back returns)."""

    quota: float
    below: tuple[float, ...] = ()

    @property
    def level(self) -> int:
        return len(self.below)


@dataclass(frozen=True)
class ItemWeek:
    """One item in one week: its quota and how the week went against it."""

    key: str
    name: str
    quota: float | None  # None while the baseline is measured
    target: float  # the final target
    level: int  # steps taken from the start
    figure: float | None  # the week's typical day (median; leg lifts pooled)
    met: int  # days on which the quota was met
    days: int  # days with a figure for this item
    judged: bool  # enough figures to decide on
    good: bool  # judged and met well enough to step on

    @property
    def at_target(self) -> bool:
        return self.quota is not None and abs(self.quota - self.target) < 1e-9

    @property
    def adherence(self) -> float | None:
        return self.met / self.days if self.days and self.quota is not None else None


@dataclass(frozen=True)
class WeekFacts:
    """What the decisions carry from week to week."""

    baseline_pain: float | None = None
    away: int = 0  # weeks in a row without a recorded day
    settle_to: float | None = None  # after a flare: the usual pain from before it


@dataclass(frozen=True)
class PrevWeek:
    """The facts of the week just ended that `decide` reads."""

    monday: dt.date
    items: tuple[ItemWeek, ...]
    recorded: int
    acwr: float | None


def recorded(summary: DaySummary) -> bool:
    """A summary of a day that was recorded (a day only touched by midnight has 0 hours)."""
    hours = summary.metrics.coverage_h
    return math.isnan(hours) or hours > 0  # NaN: not stored, so not known to be empty


def pain_mean(pains: Mapping[str, float], days: Sequence[dt.date]) -> float | None:
    """Mean diary pain over `days`, None with fewer than PAIN_WEEK_MIN entries."""
    known = [pains[d.isoformat()] for d in days if d.isoformat() in pains]
    return statistics.fmean(known) if len(known) >= PAIN_WEEK_MIN else None


def typical(item: PlanItem, metrics: Sequence[DayMetrics]) -> float | None:
    """The typical day: the median figure; leg lifts pooled over the days (None: unmeasured)."""
    if item.name == "legs":
        legs = sum(_known(m.leg_lifts_n) for m in metrics)
        lifts = sum(_lifts(m) for m in metrics)
        return legs / lifts if lifts >= MIN_LIFTS else None
    values = [v for v in (item.day_value(m) for m in metrics) if v is not None]
    return float(statistics.median(values)) if values else None  # a week's days: no NumPy


def start_quota(item: PlanItem, metrics: Sequence[DayMetrics]) -> float | None:
    """The first quota: a level the baseline reached on three days of four (its easier
    quartile; leg lifts: the pooled share), on the grid away from the target. None: unmeasured.

    Why not the median: graded activity starts at or just below what the wearer already does,
    so the first weeks are met and the steps build on success (Lindström et al. 1992).
    """
    if item.name == "legs":
        share = typical(item, metrics)
        return None if share is None else item.easier_on_grid(share)
    values = [v for v in (item.day_value(m) for m in metrics) if v is not None]
    if not values:
        return None
    level = np.percentile(
        values, START_PERCENTILE if item.higher_is_better else 100 - START_PERCENTILE
    )
    return item.easier_on_grid(float(level))


def item_week(
    item: PlanItem,
    state: ItemState | None,
    target: float,
    metrics: Sequence[DayMetrics],
) -> ItemWeek:
    """The item's week from its recorded days' metrics, against its quota (None: measuring)."""
    values = [v for v in (item.day_value(m) for m in metrics) if v is not None]
    figure = typical(item, metrics)
    if item.name == "legs":  # the pooled share, so a day with one lift does not decide
        lifts = sum(_lifts(m) for m in metrics)
        if lifts >= 1:
            figure = sum(_known(m.leg_lifts_n) for m in metrics) / lifts
        judged = lifts >= MIN_LIFTS
    else:
        judged = len(values) >= MIN_DAYS
    if state is None:
        return ItemWeek(item.key, item.name, None, target, 0, figure, 0, len(values), judged, False)
    met = sum(item.met(v, state.quota) for v in values)
    if item.name == "legs":
        good = judged and figure is not None and item.met(figure, state.quota)
    else:
        good = judged and met >= GOOD_SHARE * len(values) - 1e-9
    return ItemWeek(
        item.key,
        item.name,
        state.quota,
        target,
        state.level,
        figure,
        met,
        len(values),
        judged,
        good,
    )


def usual_pain(
    pains: Mapping[str, float], monday: dt.date, baseline_pain: float | None
) -> float | None:
    """The usual pain before the week: the mean over PAIN_REF_DAYS, else the baseline's."""
    before = [monday - dt.timedelta(days=i) for i in range(1, PAIN_REF_DAYS + 1)]
    known = [pains[d.isoformat()] for d in before if d.isoformat() in pains]
    if len(known) >= PAIN_REF_MIN:
        return statistics.fmean(known)
    return baseline_pain


def _step_back(
    states: Mapping[str, ItemState],
) -> tuple[dict[str, ItemState], list[Reason]]:
    new, reasons = {}, []
    for key, s in states.items():
        if s.below:
            new[key] = ItemState(s.below[-1], s.below[:-1])
            reasons.append(Reason("back", key, {"quota": s.below[-1], "before": s.quota}))
        else:
            new[key] = s
    return new, reasons


def _g8(
    monday: dt.date,
    pains: Mapping[str, float],
    summaries: Sequence[DaySummary],
    rules: RuleThresholds,
    pain: float | None,
    usual: float | None,
) -> Reason | None:
    """A pain rise after load spikes in the week (step 4), or None."""
    days = [s.day for s in summaries]  # `summaries` are in day order
    sunday = (monday + dt.timedelta(days=6)).isoformat()
    first = (monday - dt.timedelta(days=SPIKE_LOOKBACK_DAYS)).isoformat()
    lo, hi = bisect.bisect_left(days, first), bisect.bisect_right(days, sunday)
    ratios = [s.metrics.acwr for s in summaries[lo:hi]]
    peak = max((r for r in ratios if math.isfinite(r)), default=math.nan)
    figures = {"pain": math.nan if pain is None else pain, "ratio": peak}
    figures["usual"] = math.nan if usual is None else usual
    for i in range(bisect.bisect_left(days, monday.isoformat()), hi):
        if not recorded(summaries[i]):
            continue
        # The daily G8 rule reads the day and the two before it: give it those alone.
        d2 = dt.date.fromisoformat(days[i])
        near = sorted((d2 - dt.timedelta(days=k)).isoformat() for k in range(3))
        diary = [_Pain(d, pains[d]) for d in near if d in pains]
        upto = summaries[max(0, i - 2) : i + 1]
        fired = daily_warnings(upto, diary, rules, at_s=0.0)  # type: ignore[arg-type]
        if any(w.rule == "G8" for w in fired):
            return Reason("hold_g8", None, figures)
    rise = pain is not None and usual is not None and pain - usual >= PAIN_RISE - 1e-9
    if rise and peak > rules.acwr_spike:
        return Reason("hold_g8", None, figures)
    return None


def _g7_ratio(
    prev: PrevWeek, summaries: Sequence[DaySummary], rules: RuleThresholds
) -> float | None:
    """The ratio that holds the plan (step 5), or None inside the band.

    Above: the stored ratio (G7's own figure) on the week's last recorded day over
    `acwr_high`. Below: the week's mean load under `acwr_low` times the median daily load of
    the `CHRONIC_DAYS` up to the week's end; the median, so one heavy week does not keep the
    ratio low (and the plan held) for the four weeks it stays in the mean.
    """
    if prev.acwr is not None and prev.acwr > rules.acwr_high:
        return prev.acwr
    sunday = (prev.monday + dt.timedelta(days=6)).isoformat()
    first = (prev.monday - dt.timedelta(days=CHRONIC_DAYS - 7)).isoformat()
    week_start = prev.monday.isoformat()
    days = [s.day for s in summaries]  # in day order
    span = summaries[bisect.bisect_left(days, first) : bisect.bisect_right(days, sunday)]
    loads = [(s.day, s.metrics.load) for s in span if recorded(s)]
    loads = [(d, v) for d, v in loads if math.isfinite(v)]
    week = [v for d, v in loads if d >= week_start]
    if len(loads) < MIN_CHRONIC_DAYS or not week:
        return None
    chronic = float(statistics.median([v for _, v in loads]))
    low = statistics.fmean(week) / chronic if chronic > 0 else math.nan
    return low if low < rules.acwr_low else None


@dataclass(frozen=True)
class _Pain:
    """The two fields of a diary entry the daily G8 rule reads."""

    day: str
    pain: float


def decide(
    prev: PrevWeek,
    states: Mapping[str, ItemState],
    items: Sequence[PlanItem],
    targets: Mapping[str, float],
    pace: str,
    facts: WeekFacts,
    pains: Mapping[str, float],
    summaries: Sequence[DaySummary],
    rules: RuleThresholds,
) -> tuple[str, tuple[Reason, ...], dict[str, ItemState], WeekFacts]:
    """This week's step from the week before (steps 1-6 of the module docstring).

    Returns the decision (step_on, keep, hold, step_back), its reasons (whole-plan reasons
    first), each item's new state, and the facts to carry on.
    """
    by_key = {i.key: i for i in items}
    states = {  # a gentler target set since: the quota follows it
        k: ItemState(by_key[k].clamp(s.quota, targets[k]), s.below) for k, s in states.items()
    }
    pain = pain_mean(pains, [prev.monday + dt.timedelta(days=i) for i in range(7)])
    usual = usual_pain(pains, prev.monday, facts.baseline_pain)
    # 1. A flare steps back and waits for the pain to settle.
    flare = pain is not None and usual is not None and pain >= usual + FLARE_RISE - 1e-9
    if facts.settle_to is None and flare:
        new, backs = _step_back(states)
        why = Reason("flare", None, {"pain": pain, "usual": usual, "stepped": len(backs)})
        return "step_back", (why, *backs), new, replace(facts, settle_to=usual)
    # 2. Settling.
    if facts.settle_to is not None:
        if pain is not None and pain > facts.settle_to + SETTLED_MARGIN + 1e-9:
            why = Reason("settling", None, {"pain": pain, "usual": facts.settle_to})
            return "hold", (why,), states, facts
        facts = replace(facts, settle_to=None)
    # 3. Away, or too few days.
    if prev.recorded == 0:
        facts = replace(facts, away=facts.away + 1)
        if facts.away == AWAY_BACK_WEEKS:
            new, backs = _step_back(states)
            why = Reason("away_back", None, {"weeks": facts.away, "stepped": len(backs)})
            return "step_back", (why, *backs), new, facts
        return "hold", (Reason("away", None, {"weeks": facts.away}),), states, facts
    facts = replace(facts, away=0)
    if prev.recorded < MIN_DAYS:
        why = Reason("few_days", None, {"days": prev.recorded, "need": MIN_DAYS})
        return "hold", (why,), states, facts
    # 4. G8: pain rising after load spikes.
    g8 = _g8(prev.monday, pains, summaries, rules, pain, usual)
    if g8 is not None:
        return "hold", (g8,), states, facts
    # 5. G7: the acute:chronic ratio out of the safe band.
    ratio = _g7_ratio(prev, summaries, rules)
    if ratio is not None:
        figures = {"ratio": ratio, "low": rules.acwr_low, "high": rules.acwr_high}
        return "hold", (Reason("hold_g7", None, figures),), states, facts
    # 6. Each item on its own.
    new: dict[str, ItemState] = {}
    reasons: list[Reason] = []
    for week in prev.items:
        item, s, target = by_key[week.key], states[week.key], targets[week.key]
        figures = {
            "quota": s.quota,
            "figure": math.nan if week.figure is None else week.figure,
            "met": week.met,
            "days": week.days,
        }
        if not item.toward(s.quota, target):
            new[week.key] = s
            reasons.append(Reason("on_target", week.key, figures))
        elif not week.judged:
            new[week.key] = s
            reasons.append(Reason("not_judged", week.key, figures))
        elif week.good:
            quota = item.next_quota(s.quota, target, pace)
            new[week.key] = ItemState(quota, (*s.below, s.quota))
            reasons.append(
                Reason("step_on", week.key, {**figures, "quota": quota, "before": s.quota})
            )
        else:
            new[week.key] = s
            reasons.append(Reason("keep", week.key, figures))
    decision = "step_on" if any(r.code == "step_on" for r in reasons) else "keep"
    return decision, tuple(reasons), new, facts

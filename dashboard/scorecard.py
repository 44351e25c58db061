"""The guidance scorecard: one card per rule G1-G12 for a day, graded green, amber or red.

Why a table: each sensor rule is one row (metric key, unit, threshold field, direction), so a
rule's target and its grading can never drift apart; G7, G8, G11 and G12 have their own grading
(a band, the pain trend, diary ticks, the weekly comparison). Pure; no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.metrics import metric_key
from backcoach.processing.types import DaySummary, DiaryEntry

#: Sensor rules: (rule, `DayMetrics` field, unit, threshold field, scale to the unit, higher is
#: better).
SENSOR_RULES: tuple[tuple[str, str, str, str, float, bool], ...] = (
    ("G1", "longest_sitting_bout_min", "min", "sitting_bout_max_min", 1.0, False),
    ("G2", "longest_static_min", "min", "static_posture_max_min", 1.0, False),
    ("G3", "leg_lift_share", "pct", "leg_lift_share_min", 100.0, True),
    ("G4", "over60_share", "pct", "over60_share_max", 100.0, False),
    ("G5", "longest_inactive_min", "min", "inactive_max_min", 1.0, False),
    ("G6", "walking_min", "min", "walking_plan_min", 1.0, True),
    ("G9", "lying_night_h", "h", "sleep_target_h", 1.0, True),
    ("G10", "seated_forward_share", "pct", "slumped_share_max", 100.0, False),
)
for _rule in SENSOR_RULES:  # a name that is no metric fails at import, not as an empty card
    metric_key(_rule[1])


@dataclass(frozen=True)
class RuleCard:
    """One guidance rule for a day: figure, status and the last 7 days' figures."""

    rule: str
    value: float | None  # today's figure in `unit`
    unit: str  # i18n unit key: h, min, pct, ratio, n, per_h
    status: str  # green | amber | red | none
    trend: tuple[float | None, ...]  # the 7 days up to and including the day
    target_values: Mapping[str, float]  # placeholders for the target wording
    final_values: Mapping[str, float] | None = None  # the guidance's, when graded by a plan step
    history_days: int | None = None  # G7: days of load the ratio had (it needs 28)


def grade(value: float | None, limit: float, *, higher_is_better: bool, slack: float = 0.25) -> str:
    """Green when the target is met, amber within `slack` (a fraction of the limit), else red."""
    if value is None or not math.isfinite(value):
        return "none"
    if higher_is_better:
        if value >= limit:
            return "green"
        return "amber" if value >= limit * (1 - slack) else "red"
    if value <= limit:
        return "green"
    return "amber" if value <= limit * (1 + slack) else "red"


def _acwr_grade(value: float | None, r: RuleThresholds) -> str:
    if value is None or not math.isfinite(value):
        return "none"
    if r.acwr_low <= value <= r.acwr_high:
        return "green"
    return "red" if value > r.acwr_spike else "amber"


def _ticks_grade(value: float | None) -> str:
    """G11: two diary ticks green, one amber, none red (a weekly mean rounds half up)."""
    if value is None or not math.isfinite(value):
        return "none"
    return ("red", "amber", "green")[min(2, max(0, math.floor(value + 0.5)))]


def rule_status(rule: str, value: float | None, rules: RuleThresholds) -> str:
    """The status of one figure (in the card's unit) of a rule graded by its value alone.

    That is every sensor rule, G7 and G11; G8 and G12 compare periods and return "none" here.
    The weekly report grades a week's average day with the same function as a card's day.
    """
    if rule == "G7":
        return _acwr_grade(value, rules)
    if rule == "G11":
        return _ticks_grade(value)
    for name, _key, _unit, field, scale, higher in SENSOR_RULES:
        if name == rule:
            limit = getattr(rules, field) * scale
            return grade(value, limit, higher_is_better=higher)
    return "none"


def pain_grade(pains: Sequence[float | None]) -> str:
    """Falling or steady pain is green, up to 1 point above the week's mean amber, else red."""
    if pains[-1] is None:
        return "none"
    today = float(pains[-1])
    before = [p for p in pains[:-1] if p is not None]
    if not before:
        return "green" if today <= 3 else "amber"
    mean = float(np.mean(before))
    if today <= mean:
        return "green"
    return "amber" if today <= mean + 1 else "red"


def target_values(rules: RuleThresholds) -> dict[str, float]:
    """The thresholds as placeholders for the target wording, shares also in percent."""
    values = dict(asdict(rules))
    for name in ("leg_lift_share_min", "over60_share_max", "slumped_share_max"):
        values[f"{name}_pct"] = getattr(rules, name) * 100
    return values


def rule_cards(
    day: str,
    summaries: Sequence[DaySummary],
    diary: Sequence[DiaryEntry],
    rules: RuleThresholds,
    weekly_improved: int | None = None,
    *,
    final: RuleThresholds | None = None,
) -> list[RuleCard]:
    """Scorecards G1-G12 for `day` from the summaries and diary of the 7 days up to it.

    `rules` grade the day (a plan's step: `plan.Plan.thresholds`); `final`, the guidance's own
    thresholds, go beside them on each card as the final target.
    """
    d = dt.date.fromisoformat(day)
    days = [(d - dt.timedelta(days=6 - i)).isoformat() for i in range(7)]
    by_day = {s.day: s.metrics for s in summaries}
    notes = {e.day: e for e in diary}
    targets = target_values(rules)

    def series(name: str, scale: float = 1.0) -> tuple[float | None, ...]:
        values = (getattr(by_day[x], name) if x in by_day else math.nan for x in days)
        return tuple(v * scale if math.isfinite(v) else None for v in values)

    cards: dict[str, RuleCard] = {}
    for rule, key, unit, _field, scale, _higher in SENSOR_RULES:
        trend = series(key, scale)
        cards[rule] = RuleCard(
            rule, trend[-1], unit, rule_status(rule, trend[-1], rules), trend, targets
        )
    acwr = series("acwr")
    history = by_day[day].history_days if day in by_day else None
    cards["G7"] = RuleCard(
        "G7",
        acwr[-1],
        "ratio",
        rule_status("G7", acwr[-1], rules),
        acwr,
        targets,
        history_days=None if history is None or not math.isfinite(history) else int(history),
    )
    pains = tuple(float(notes[x].pain) if x in notes else None for x in days)
    cards["G8"] = RuleCard("G8", pains[-1], "n", pain_grade(pains), pains, targets)
    ticks = tuple(
        float(notes[x].water) + float(notes[x].breaks_planned) if x in notes else None for x in days
    )
    cards["G11"] = RuleCard(
        "G11", ticks[-1], "n", rule_status("G11", ticks[-1], rules), ticks, targets
    )
    g12 = "none" if weekly_improved is None else ("green" if weekly_improved > 0 else "amber")
    cards["G12"] = RuleCard("G12", weekly_improved, "n", g12, (None,) * 7, targets)
    if final is not None:
        finals = target_values(final)
        cards = {k: replace(c, final_values=finals) for k, c in cards.items()}
    return [cards[f"G{i}"] for i in range(1, 13)]

"""A week against the guidance: ISO weeks, one row per rule G1-G12, and the week's warnings.

Why apart from the scorecard: a physiotherapist reads a week, not a day. A rule's weekly row is
the scorecard's card for the week's Sunday (whose 7-day trend is exactly that week), averaged to
an average day and graded by the same `scorecard.rule_status`, so the report and the Guidance
page can never grade differently. Pure; no Streamlit, no I/O.

Functions
    IsoWeek             an ISO 8601 week ("2026-W48"), parsed with a one-line error
    last_complete_week  the week before the one holding `today`
    weeks_between       every week touching a range of days, newest first
    has_data            whether a day's summary holds a recorded day
    week_rows           the week's row per rule: average day, status, days on target, change
    warning_rows        the week's warnings counted per rule and weekday, with the strongest
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backcoach.dashboard.scorecard import SENSOR_RULES, pain_grade, rule_cards, rule_status
from backcoach.dashboard.views import progress_frame, weekly_changes
from backcoach.errors import ConfigError
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import DaySummary, DiaryEntry, OverloadWarning

WEEK_PATTERN = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)
#: A weekly figure must move by this share of last week's to count as a change (as the
#: Progress page's "what improved this week" counts it), so noise is not called progress.
MIN_CHANGE = 0.05
#: Which way is better for the rules with a direction; G7 is better nearer its steady band.
HIGHER_IS_BETTER: Mapping[str, bool] = {
    **{rule: higher for rule, *_, higher in SENSOR_RULES},
    "G8": False,
    "G11": True,
}
RULE_IDS: tuple[str, ...] = tuple(f"G{i}" for i in range(1, 13))


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week: Monday to Sunday, numbered as calendars in the Netherlands do."""

    year: int
    week: int

    def __post_init__(self) -> None:
        dt.date.fromisocalendar(self.year, self.week, 1)  # ValueError for week 54, year 0, ...

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """'2026-W48' (or 2026W48); a wrong one is a ConfigError that shows the form."""
        m = WEEK_PATTERN.match(text)
        try:
            if m is None:
                raise ValueError(text)
            return cls(int(m.group(1)), int(m.group(2)))
        except ValueError as exc:
            raise ConfigError(
                f"--week {text!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W48 "
                "(weeks run Monday to Sunday, numbered 01 to 52 or 53)"
            ) from exc

    @classmethod
    def of(cls, day: dt.date | str) -> IsoWeek:
        d = dt.date.fromisoformat(day) if isinstance(day, str) else day
        year, week, _ = d.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 7)

    @property
    def days(self) -> tuple[str, ...]:
        """The seven ISO days, Monday first."""
        return tuple((self.monday + dt.timedelta(days=i)).isoformat() for i in range(7))

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - dt.timedelta(days=7))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def last_complete_week(today: dt.date) -> IsoWeek:
    """The week before the one holding `today` (today's week is not over yet)."""
    return IsoWeek.of(today).previous()


def weeks_between(first_day: str, last_day: str) -> list[IsoWeek]:
    """Every week that holds a day of first_day..last_day, newest first."""
    week, first = IsoWeek.of(last_day), IsoWeek.of(first_day)
    out = []
    while week >= first:
        out.append(week)
        week = week.previous()
    return out


@dataclass(frozen=True)
class WeekRow:
    """One guidance rule over a week: the average day, graded, and against the week before."""

    rule: str
    unit: str  # i18n unit key, as on the Guidance page's cards
    value: float | None  # the average day of the week (G12: figures improved)
    status: str  # green | amber | red | none
    on_target: int | None  # days graded green; None where a day has no target (G8, G12)
    days: int  # days with a figure
    before: float | None  # the week before's average day
    change: str  # better | worse | steady | none
    target_values: Mapping[str, float]
    final_values: Mapping[str, float] | None = None  # the guidance's, when graded by a plan step


def has_data(summary: DaySummary) -> bool:
    """A summary of a day that was recorded (a day only touched by midnight has 0 hours)."""
    hours = summary.metrics.coverage_h
    return math.isnan(hours) or hours > 0  # NaN: not stored, so not known to be empty


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None and math.isfinite(v)]
    return sum(known) / len(known) if known else None


def _band_distance(value: float, rules: RuleThresholds) -> float:
    return max(rules.acwr_low - value, 0.0, value - rules.acwr_high)


def change(rule: str, value: float | None, before: float | None, rules: RuleThresholds) -> str:
    """Better, worse or steady against the week before (none without both weeks)."""
    if value is None or before is None or rule not in (*HIGHER_IS_BETTER, "G7"):
        return "none"
    if abs(value - before) < max(MIN_CHANGE * abs(before), 1e-9):
        return "steady"
    if rule == "G7":
        now, then = _band_distance(value, rules), _band_distance(before, rules)
        return "steady" if now == then else ("better" if now < then else "worse")
    return "better" if (value > before) == HIGHER_IS_BETTER[rule] else "worse"


def week_rows(
    week: IsoWeek,
    summaries: Sequence[DaySummary],
    diary: Sequence[DiaryEntry],
    rules: RuleThresholds,
    *,
    g12: bool = True,
    final: RuleThresholds | None = None,
) -> list[WeekRow]:
    """Rows G1-G12 for `week` from the summaries and diary of it and the week before.

    `rules` grade the week (a plan's step for it: `plan.Plan.thresholds`); `final`, the
    guidance's own thresholds, go beside them as each row's final target.

    G12 (how many figures improved) takes the Progress page's weekly comparison, two thirds of
    the time here; the practice overview, which shows each rule's change itself, leaves it out
    (`g12=False`: its row says "none").
    """
    before_week = week.previous()
    improved = None
    if g12:
        frame = progress_frame(summaries, diary, before_week.monday.isoformat(), week.days[-1])
        changes = weekly_changes(frame, min_rel=MIN_CHANGE)
        improved = None if changes is None else sum(c.improved for c in changes)
    cards = rule_cards(week.days[-1], summaries, diary, rules, improved, final=final)
    now = {c.rule: c for c in cards}
    then = {c.rule: c for c in rule_cards(before_week.days[-1], summaries, diary, rules)}
    with_data = sum(any(s.day == d for s in summaries) for d in week.days)
    rows = []
    for rule in RULE_IDS:
        card = now[rule]
        if rule == "G12":
            rows.append(
                WeekRow(rule, "n", card.value, card.status, None, with_data, None, "none", {})
            )
            continue
        known = [v for v in card.trend if v is not None and math.isfinite(v)]
        value, before = _mean(card.trend), _mean(then[rule].trend)
        if rule == "G8":
            status, on_target = pain_grade((before, value)), None
        else:
            status = rule_status(rule, value, rules)
            on_target = sum(rule_status(rule, v, rules) == "green" for v in known)
        rows.append(
            WeekRow(
                rule,
                card.unit,
                value,
                status,
                on_target,
                len(known),
                before,
                change(rule, value, before, rules),
                card.target_values,
                card.final_values,
            )
        )
    return rows


@dataclass(frozen=True)
class WarningRow:
    """How often one rule warned on each day of the week, and its strongest warning."""

    rule: str
    per_day: tuple[int, ...]  # Monday first
    total: int
    strongest: OverloadWarning  # the highest value (longest, deepest, most often)
    strongest_day: str


def _rule_number(rule: str) -> int:
    digits = rule.lstrip("Gg")
    return int(digits) if digits.isdigit() else 99


def warning_rows(
    week: IsoWeek, warnings: Sequence[OverloadWarning], tz: dt.tzinfo
) -> list[WarningRow]:
    """The week's warnings per rule (in rule order), counted per weekday in the wearer's zone."""
    days = week.days
    by_rule: dict[str, list[tuple[int, OverloadWarning]]] = {}
    for w in warnings:
        day = dt.datetime.fromtimestamp(w.t_s, tz).date().isoformat()
        if day in days:
            by_rule.setdefault(w.rule, []).append((days.index(day), w))
    rows = []
    for rule in sorted(by_rule, key=lambda r: (_rule_number(r), r)):
        hits = by_rule[rule]
        counts = [0] * 7
        for i, _ in hits:
            counts[i] += 1
        i, top = max(hits, key=lambda h: (h[1].value, -h[1].t_s))
        rows.append(WarningRow(rule, tuple(counts), len(hits), top, days[i]))
    return rows

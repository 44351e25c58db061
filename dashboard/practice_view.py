"""The practice overview's rows: each wearer's week at a glance. Pure; no Streamlit, no I/O.

Why from `weekly.week_rows`: a practitioner must see the same grades the wearer's own Guidance
page and weekly report show, so a wearer's glance is exactly that week's rows, reduced to which
rules need attention (red), which are close (amber), and which moved against the week before.
A wearer with a plan is graded against that week's step (`plans.build_plan` on the same stored
days, as the wearer's pages and warnings are), and the glance names the plan week, how its step
was set and how well it was kept. Wearers who need attention sort first: most red rules, then
most rules worse than last week.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from backcoach import plans
from backcoach.dashboard.weekly import IsoWeek, has_data, week_rows
from backcoach.errors import ConfigError
from backcoach.i18n import t
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import PlanWeek, build_plan
from backcoach.storage import WearerDays


@dataclass(frozen=True)
class Glance:
    """One wearer's week: rules by status and by change against the week before."""

    name: str
    days: int  # days of the week with a recorded day
    red: tuple[str, ...] = ()
    amber: tuple[str, ...] = ()
    better: tuple[str, ...] = ()
    worse: tuple[str, ...] = ()
    pain: float | None = None  # the week's mean pain from the diary
    pain_before: float | None = None
    error: str | None = None  # the wearer's data could not be read
    plan: PlanWeek | None = None  # the week's step of the wearer's plan, if they have one

    @property
    def status(self) -> str:
        """red (needs attention), amber, green, or none (no data this week / unreadable)."""
        if self.error or self.days == 0:
            return "none"
        return "red" if self.red else ("amber" if self.amber else "green")

    def sort_key(self) -> tuple:
        order = {"red": 0, "amber": 1, "green": 2, "none": 3}[self.status]
        return (order, -len(self.red), -len(self.worse), -len(self.amber), self.name)


def glance(days: WearerDays, week: IsoWeek, rules: RuleThresholds) -> Glance:
    """The wearer's glance for `week` from the summaries and diary of it and the week before."""
    if days.error:
        return Glance(days.name, 0, error=days.error)
    summaries = [s for s in days.summaries if has_data(s)]
    recorded = sum(s.day in week.days for s in summaries)
    step, plan_week = plan_step(days, week, rules)
    if recorded == 0:
        return Glance(days.name, 0, plan=plan_week)
    rows = week_rows(week, summaries, days.diary, step, g12=False)  # G12: `better` says it

    def rules_where(test) -> tuple[str, ...]:
        return tuple(r.rule for r in rows if test(r))

    pain = next(r for r in rows if r.rule == "G8")
    return Glance(
        days.name,
        recorded,
        red=rules_where(lambda r: r.status == "red"),
        amber=rules_where(lambda r: r.status == "amber"),
        better=rules_where(lambda r: r.change == "better"),
        worse=rules_where(lambda r: r.change == "worse"),
        pain=pain.value,
        pain_before=pain.before,
        plan=plan_week,
    )


def plan_step(
    days: WearerDays, week: IsoWeek, rules: RuleThresholds
) -> tuple[RuleThresholds, PlanWeek | None]:
    """The thresholds `week` is graded by and its plan week: the wearer's plan built from the
    days read (from the plan's start on, see `practice_mode.fleet_days`), or the guidance."""
    if not days.plan.strip():
        return rules, None
    try:
        settings = plans.from_dict(json.loads(days.plan), f"{days.name}'s plan")
    except (ValueError, ConfigError):
        return rules, None  # a plan that cannot be read: graded by the guidance, as its pages
    plan = build_plan(settings, days.summaries, days.diary, rules, through=week.sunday)
    return plan.thresholds(week.monday, rules), plan.week_of(week.monday)


def glances(fleet: Sequence[WearerDays], week: IsoWeek, rules: RuleThresholds) -> list[Glance]:
    """Every wearer's glance, those needing attention first."""
    return sorted((glance(d, week, rules) for d in fleet), key=Glance.sort_key)


def _pain(g: Glance) -> str:
    if g.pain is None or not math.isfinite(g.pain):
        return "–"
    if g.pain_before is None:
        return f"{g.pain:.1f}"
    arrow = (
        "↑" if g.pain > g.pain_before + 0.25 else ("↓" if g.pain < g.pain_before - 0.25 else "→")
    )
    return f"{g.pain:.1f} {arrow}"


STATUS_MARK = {"red": "✖", "amber": "◐", "green": "✔", "none": "?"}


def _plan(g: Glance, lang: str) -> str:
    """'week 7 · on hold', or '–' without a plan."""
    if g.plan is None:
        return "–"
    if g.plan.measuring:
        return t("plan.decision.measuring", lang)
    return t(
        "practice.plan_week",
        lang,
        n=g.plan.number,
        decision=t(f"plan.decision.{g.plan.decision}", lang),
    )


def _adherence(g: Glance) -> str:
    if g.plan is None or g.plan.adherence is None:
        return "–"
    return f"{g.plan.adherence * 100:.0f}%"


def overview_table(rows: Sequence[Glance], lang: str) -> pd.DataFrame:
    """The overview as a table in the page's language (status as a mark and a word)."""
    data = [
        {
            "wearer": g.name,
            "status": f"{STATUS_MARK[g.status]} {t(f'status.{g.status}', lang)}",
            "days": g.days,
            "attention": ", ".join(g.red) or ("–" if g.status != "none" else ""),
            "close": ", ".join(g.amber),
            "worse": ", ".join(g.worse),
            "better": ", ".join(g.better),
            "pain": _pain(g),
            "plan": _plan(g, lang),
            "adherence": _adherence(g),
            "note": t("practice.unreadable", lang) if g.error else "",
        }
        for g in rows
    ]
    columns = ["wearer", "status", "days", "attention", "close", "worse", "better", "pain"]
    columns += ["plan", "adherence", "note"]
    frame = pd.DataFrame(data, columns=columns)
    frame.columns = [t(f"practice.col.{c}", lang) for c in columns]
    return frame

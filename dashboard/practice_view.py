"""The practice overview's rows: each wearer's week at a glance. Pure; no Streamlit, no I/O.

Why from `weekly.week_rows`: a practitioner must see the same grades the wearer's own Guidance
page and weekly report show, so a wearer's glance is exactly that week's rows, reduced to which
rules need attention (red), which are close (amber), and which moved against the week before.
Wearers who need attention sort first: most red rules, then most rules worse than last week.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from backcoach.dashboard.i18n import t
from backcoach.dashboard.weekly import IsoWeek, has_data, week_rows
from backcoach.processing.guidance import RuleThresholds
from backcoach.storage.influx_fleet import WearerDays


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
    if recorded == 0:
        return Glance(days.name, 0)
    rows = week_rows(week, summaries, days.diary, rules, g12=False)  # G12: `better` says it

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
    )


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
            "note": t("practice.unreadable", lang) if g.error else "",
        }
        for g in rows
    ]
    columns = ["wearer", "status", "days", "attention", "close", "worse", "better", "pain", "note"]
    frame = pd.DataFrame(data, columns=columns)
    frame.columns = [t(f"practice.col.{c}", lang) for c in columns]
    return frame

"""The wearer's plan on a page: the plan card (Today, Progress), its weeks' chart (Progress),
and the thresholds a page grades a day by (`rules_for`: Today, Guidance).

Why one module: every page must show the same step, so each asks here, and here asks
`plans.load_plan` (the function the live warnings, the report and the practice use too). The
plan is cached like the pages' other queries (`common.QUERY_TTL_S`; a save clears it).
"""

from __future__ import annotations

import datetime as dt
import logging

import streamlit as st

from backcoach import plans
from backcoach.dashboard import common, plan_text, plan_view
from backcoach.errors import BackcoachError
from backcoach.i18n import dates
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import Plan
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

DECISION_BADGE = {
    "measuring": ":gray-badge[:material/straighten: {}]",
    "start": ":blue-badge[:material/flag: {}]",
    "step_on": ":green-badge[:material/trending_up: {}]",
    "keep": ":blue-badge[:material/repeat: {}]",
    "hold": ":orange-badge[:material/pause_circle: {}]",
    "step_back": ":orange-badge[:material/trending_down: {}]",
}


@st.cache_data(ttl=common.QUERY_TTL_S, show_spinner=False)
def _plan(key: str, through: str, rules_key: str, _store: Store, _rules: RuleThresholds):
    return plans.load_plan(_store, _rules, dt.date.fromisoformat(through))


def plan(ctx: common.Ctx) -> Plan | None:
    """The wearer's plan up to today (or the last recorded day, if later); None without one.

    A plan the store holds but cannot be read is said once on the page, and the page goes on
    by the guidance.
    """
    through = max(ctx.today(), ctx.last_day() or ctx.today())
    rules = ctx.settings.rules
    try:
        return _plan(ctx.key, through, repr(rules), ctx.store, rules)
    except BackcoachError as exc:
        st.warning(f"backcoach: {exc}")
        return None


def rules_for(ctx: common.Ctx, day: str) -> RuleThresholds:
    """The thresholds `day` is graded by: its plan week's step, or the guidance."""
    p = plan(ctx)
    return ctx.settings.rules if p is None else p.thresholds(day, ctx.settings.rules)


def card(ctx: common.Ctx, day: str) -> None:
    """The plan's week holding `day`: what to do, why, and how the week goes so far."""
    p = plan(ctx)
    if p is None:
        st.caption(ctx.t("plan.none"))
        return
    week = p.week_of(day)
    with st.container(border=True):
        st.subheader(ctx.t("plan.title"))
        if week is None:
            start = dates.short(p.settings.start.isoformat(), ctx.lang)
            st.caption(ctx.t("plan.not_started", day=start))
            return
        badge = DECISION_BADGE[week.decision].format(plan_text.decision_text(week, ctx.lang))
        st.markdown(f"**{plan_text.headline(week, ctx.lang)}** {badge}")
        for sentence in plan_text.sentences(week, ctx.lang):
            st.markdown(f"- {sentence}")
        if week.measuring:
            return
        st.dataframe(plan_view.card_rows(week, ctx.lang), hide_index=True)
        if week.adherence is not None:
            st.caption(ctx.t("plan.adherence", pct=week.adherence * 100))


def chart(ctx: common.Ctx) -> None:
    """The plan's step line against the measured weeks (Progress)."""
    p = plan(ctx)
    if p is None or not p.weeks:
        return
    st.subheader(ctx.t("plan.chart"))
    st.caption(ctx.t("plan.chart_caption"))
    st.plotly_chart(plan_view.weeks_figure(p, ctx.lang), key="plan-weeks")

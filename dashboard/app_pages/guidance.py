"""Guidance: a card per rule G1-G12: advice, the day's figure, target, status, trend, next step."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backcoach.dashboard import charts, common, display, plan_card, scorecard, views
from backcoach.i18n import dates, rule_text, t
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.summary import ACWR_DAYS

#: Status shown as a badge with an icon and a word, never by colour alone.
STATUS_BADGE = {
    "green": ":green-badge[:material/check_circle: {}]",
    "amber": ":orange-badge[:material/error: {}]",
    "red": ":red-badge[:material/cancel: {}]",
    "none": ":gray-badge[:material/help: {}]",
}
STATUS_COLOUR = {
    "green": charts.OKABE_ITO["green"],
    "amber": charts.OKABE_ITO["orange"],
    "red": charts.OKABE_ITO["vermillion"],
    "none": charts.OKABE_ITO["grey"],
}


def fmt(card: scorecard.RuleCard, lang: str, rules: RuleThresholds) -> str:
    """A card figure with its unit, with the digits its grade needs; '–' when not measured
    (the status badge says 'no data'; a long word would be cut off)."""
    return display.show(card.value, card.unit, lang, display.rule_limits(card.rule, rules))


def note(card: scorecard.RuleCard, lang: str) -> str | None:
    """What the figure leaves out, under it: G5's short walks, G7's missing history."""
    if card.rule == "G5":
        return t("guidance.g5_note", lang)
    if card.rule == "G7" and card.history_days is not None and card.history_days < ACWR_DAYS:
        return t("guidance.g7_history", lang, n=card.history_days, need=ACWR_DAYS)
    return None


def draw_card(card: scorecard.RuleCard, lang: str, rules: RuleThresholds) -> None:
    with st.container(border=True):
        st.markdown(f"**{card.rule} · {rule_text(card.rule, 'title', lang)}**")
        st.markdown(STATUS_BADGE[card.status].format(t(f"status.{card.status}", lang)))
        st.write(rule_text(card.rule, "advice", lang))
        left, right = st.columns(2)
        left.metric(t("guidance.today", lang), fmt(card, lang, rules))
        if (below := note(card, lang)) is not None:
            left.caption(below)
        target = rule_text(card.rule, "target", lang, **card.target_values)
        final = rule_text(card.rule, "target", lang, **(card.final_values or card.target_values))
        if final == target:
            right.markdown(f"**{t('guidance.target', lang)}**  \n{target}")
        else:  # graded against this week's step of the plan, the guidance's target beside it
            right.markdown(f"**{t('plan.step_label', lang)}**  \n{target}")
            right.caption(f"{t('plan.guidance_label', lang)}: {final}")
        if any(v is not None for v in card.trend):
            st.caption(t("guidance.trend", lang))
            st.plotly_chart(
                charts.sparkline(card.trend, STATUS_COLOUR[card.status]),
                config={"displayModeBar": False},
                key=f"spark-{card.rule}",
            )
        st.markdown(f"**{t('guidance.next', lang)}:** {rule_text(card.rule, 'next', lang)}")


def main() -> None:
    ctx = common.Ctx()
    st.title(ctx.t("guidance.title"))
    last = ctx.last_day()
    if last is None:
        ctx.empty_state()
        common.disclaimer()
        return
    chosen = st.date_input(
        ctx.t("today.pick_day"),
        value=dt.date.fromisoformat(last),
        format=dates.input_format(ctx.lang),
        key="guidance_day",
    )
    day = chosen.isoformat()
    st.caption(ctx.t("guidance.intro", day=day))
    first = (chosen - dt.timedelta(days=13)).isoformat()  # two weeks: the weekly change
    sums = common.summaries(ctx.key, first, day, ctx.store)
    diary = common.diary(ctx.key, first, day, ctx.store)
    changes = views.weekly_changes(views.progress_frame(sums, diary, first, day))
    improved = None if changes is None else sum(c.improved for c in changes)
    step = plan_card.rules_for(ctx, day)  # this week's step of the plan, or the guidance
    cards = scorecard.rule_cards(day, sums, diary, step, improved, final=ctx.settings.rules)
    cols = st.columns(2)
    for i, card in enumerate(cards):
        with cols[i % 2]:
            draw_card(card, ctx.lang, step)
    common.disclaimer()


main()

"""Wearers (practice mode): every wearer's week at a glance, those needing attention first."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backcoach.dashboard import common, practice_mode, practice_view
from backcoach.dashboard.weekly import IsoWeek
from backcoach.errors import BackcoachError
from backcoach.i18n import dates, t

WEEKS_BACK = 12  # weeks offered in the week picker
TODAY_PAGE = "app_pages/today.py"
OPEN_PICK = "practice_open_pick"


def _open_chosen() -> None:
    practice_mode.choose(st.session_state[OPEN_PICK])


def pick_week(lang: str, today: dt.date) -> IsoWeek:
    """This week and the weeks before it; opens on the last complete week.

    Why not this week: a practice reviews the week on Monday morning, when this week holds no
    day yet (every wearer would show "no data"); this week stays one click away, first in the list.
    """
    weeks = [IsoWeek.of(today - dt.timedelta(weeks=k)) for k in range(WEEKS_BACK)]
    return st.selectbox(
        t("practice.pick_week", lang),
        weeks,
        index=1,
        format_func=lambda w: f"{w} · {dates.span(w.monday, w.sunday, lang)}",
        key="practice_week",
    )


def main() -> None:
    base, lang = common.base_settings(), common.lang()
    st.title(t("practice.title", lang))
    roster, _ = practice_mode.roster(base)
    if not roster.wearers:
        st.info(t("practice.none", lang))
        common.disclaimer()
        return
    week = pick_week(lang, base.today())
    try:
        rows = practice_mode.overview(base, week)
    except BackcoachError as exc:
        st.error(t("practice.error", lang, error=str(exc)))
        common.disclaimer()
        return
    span = dates.span(week.monday, week.sunday, lang)
    st.caption(t("practice.intro", lang, week=str(week), span=span, n=len(rows)))
    counts = {s: sum(g.status == s for g in rows) for s in ("red", "amber", "green", "none")}
    st.markdown(t("practice.counts", lang, **counts))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(t("practice.open", lang), [g.name for g in rows], key=OPEN_PICK)
    # The callback reads the box's value when clicked: the value drawn last can be an earlier
    # one when the click follows the choice quickly (another wearer's pages would open).
    if right.button(t("practice.open_button", lang), on_click=_open_chosen):
        st.switch_page(TODAY_PAGE)
    st.dataframe(practice_view.overview_table(rows, lang), hide_index=True)
    common.disclaimer()


main()

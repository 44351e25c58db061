"""Diary: pain 0-10, a note, and check boxes for water, planned breaks and stress (G8, G11)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from backcoach.dashboard import common
from backcoach.i18n import dates
from backcoach.processing.types import DiaryEntry

HISTORY_DAYS = 365  # entries listed for editing


def entry_form(ctx: common.Ctx, entry: DiaryEntry | None, default_day: dt.date) -> None:
    """A form prefilled from `entry` (or blank for `default_day`); saving overwrites that day."""
    key = entry.day if entry else "new"
    with st.form(f"diary-form-{key}"):
        day = st.date_input(
            ctx.t("diary.day"),
            value=dt.date.fromisoformat(entry.day) if entry else default_day,
            disabled=entry is not None,
            format=dates.input_format(ctx.lang),
        )
        pain = st.slider(ctx.t("col.pain"), 0, 10, entry.pain if entry else 0)
        note = st.text_area(ctx.t("col.note"), entry.note if entry else "", max_chars=2000)
        water = st.checkbox(ctx.t("col.water"), entry.water if entry else False)
        breaks = st.checkbox(ctx.t("col.breaks"), entry.breaks_planned if entry else False)
        has_stress = st.checkbox(
            ctx.t("diary.stress_recorded"), entry is not None and entry.stress is not None
        )
        stress = st.slider(
            ctx.t("col.stress"), 0, 10, entry.stress if entry and entry.stress is not None else 0
        )
        if st.form_submit_button(ctx.t("diary.save")):
            saved = DiaryEntry(
                day=day.isoformat(),
                pain=int(pain),
                note=note.strip(),
                water=bool(water),
                breaks_planned=bool(breaks),
                stress=int(stress) if has_stress else None,
            )
            ctx.store.write_diary(saved)
            common.invalidate()
            st.session_state["diary_flash"] = ctx.t("diary.saved", day=saved.day)
            st.rerun()


def entries_table(ctx: common.Ctx, entries: list[DiaryEntry]) -> None:
    rows = [
        (e.day, e.pain, e.note, e.water, e.breaks_planned, e.stress)
        for e in sorted(entries, key=lambda e: e.day, reverse=True)
    ]
    cols = [ctx.t(f"col.{c}") for c in ("day", "pain", "note", "water", "breaks", "stress")]
    st.dataframe(pd.DataFrame(rows, columns=cols), hide_index=True)


def main() -> None:
    ctx = common.Ctx()
    st.title(ctx.t("diary.title"))
    st.caption(ctx.t("diary.intro"))
    flash = st.session_state.pop("diary_flash", None)
    if flash:
        st.success(flash)
    today = dt.date.fromisoformat(ctx.today())
    first = (today - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    entries = common.diary(ctx.key, first, today.isoformat(), ctx.store)
    if not ctx.read_only:  # a practice reads the diary; only the wearer writes it
        edit(ctx, entries, today)
    st.subheader(ctx.t("diary.entries"))
    if entries:
        entries_table(ctx, entries)
    else:
        st.caption(ctx.t("diary.none"))
    common.disclaimer()


def edit(ctx: common.Ctx, entries: list[DiaryEntry], today: dt.date) -> None:
    """Pick a day to edit (or a new one), save or delete it."""
    by_day = {e.day: e for e in entries}
    choices = ["", *sorted(by_day, reverse=True)]
    picked = st.selectbox(
        ctx.t("diary.edit"),
        choices,
        format_func=lambda d: d or "+",
        key="diary_pick",
    )
    entry = by_day.get(picked)
    entry_form(ctx, entry, today)
    if entry is not None and st.button(ctx.t("diary.delete"), key="diary_delete", type="secondary"):
        ctx.store.delete_diary(entry.day)
        common.invalidate()
        st.session_state["diary_flash"] = ctx.t("diary.deleted", day=entry.day)
        st.session_state.pop("diary_pick", None)
        st.rerun()


main()

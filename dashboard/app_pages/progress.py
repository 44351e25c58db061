"""Progress: 7/28/90-day trends from daily summaries only, pain overlaid, the weekly summary,
and the weekly report to download (HTML or PDF, made on click)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backcoach.dashboard import (
    charts,
    common,
    display,
    export,
    plan_card,
    report,
    report_browser,
    views,
    weekly,
)
from backcoach.i18n import dates

WINDOWS_DAYS = (7, 28, 90)
USUAL_WINDOW_DAYS = 28


def default_window(first: str | None, last: str) -> int:
    """The window first shown: the smallest that holds every day there is, at most 28 days
    (one day of data in a 28-day chart was a thin stripe at its right edge)."""
    if first is None:
        return USUAL_WINDOW_DAYS
    span = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days + 1
    return min(next((w for w in WINDOWS_DAYS if w >= span), WINDOWS_DAYS[-1]), USUAL_WINDOW_DAYS)


#: How each progress column is shown in the weekly summary: (legend key, unit key).
COLUMN_LABELS = {
    "sitting_h": ("legend.sitting_h", "h"),
    "longest_bout_min": ("legend.longest_bout", "min"),
    "breaks_per_sit_h": ("progress.breaks", "per_h"),
    "over60_min": ("legend.over60_min", "min"),
    "back_lifts": ("legend.lift_back", "n"),
    "walking_min": ("legend.walking_min", "min"),
    "steps": ("axis.steps", "n"),
    "pain": ("legend.pain", "ratio"),
}


def first_day(ctx: common.Ctx, last: str) -> str | None:
    """The first day with a summary (older epochs may be gone), else with recordings."""
    sums = common.summaries(ctx.key, export.ALL_DAYS[0], last, ctx.store)
    return min((s.day for s in sums if weekly.has_data(s)), default=ctx.first_day())


def weekly_summary(ctx: common.Ctx, frame) -> None:
    st.subheader(ctx.t("progress.weekly"))
    changes = views.weekly_changes(frame)
    if changes is None:
        st.caption(ctx.t("progress.no_week"))
        return
    better = [c for c in changes if c.improved]
    worse = [c for c in changes if not c.improved]
    if not better:
        st.write(ctx.t("progress.nothing_better"))

    def line(c: views.Change) -> str:
        label, unit = COLUMN_LABELS[c.column]
        before, after = change_figures(unit, c.before, c.after, ctx.lang)
        return ctx.t("progress.improved", metric=ctx.t(label), before=before, after=after)

    for c in better:
        st.markdown(f":green[:material/trending_up:] {line(c)}")
    if worse:
        st.caption(ctx.t("progress.worse") + ": " + "; ".join(line(c) for c in worse))


def change_figures(unit: str, before: float, after: float, lang: str) -> tuple[str, str]:
    """A weekly change's two means in words (`display.change`: a real change never reads as
    "1 → 1")."""
    return display.change(before, after, unit, lang)


def charts_for(ctx: common.Ctx, frame) -> None:
    lang, r = ctx.lang, ctx.settings.rules
    st.subheader(ctx.t("progress.sitting"))
    st.plotly_chart(
        charts.dual_lines(
            frame,
            ("sitting_h", "legend.sitting_h", "axis.hours"),
            ("longest_bout_min", "legend.longest_bout", "axis.minutes"),
            lang,
            bars_left=True,
        )
    )
    st.subheader(ctx.t("progress.breaks"))
    st.plotly_chart(
        charts.dual_lines(
            frame, ("breaks_per_sit_h", "progress.breaks", "axis.per_hour"), None, lang
        )
    )
    st.subheader(ctx.t("progress.over60"))
    st.plotly_chart(
        charts.dual_lines(
            frame, ("over60_min", "legend.over60_min", "axis.minutes"), None, lang, bars_left=True
        )
    )
    st.subheader(ctx.t("progress.lifts"))
    st.plotly_chart(charts.lifts(frame, lang))
    st.subheader(ctx.t("progress.walking"))
    st.plotly_chart(
        charts.dual_lines(
            frame,
            ("walking_min", "legend.walking_min", "axis.minutes"),
            ("steps", "axis.steps", "axis.steps"),
            lang,
            bars_left=True,
        )
    )
    st.subheader(ctx.t("progress.load"))
    st.caption(f"{ctx.t('band.steady')} · {ctx.t('band.spike')}")
    st.plotly_chart(charts.load_acwr(frame, lang, r.acwr_low, r.acwr_high, r.acwr_spike))


def report_section(ctx: common.Ctx, last: str) -> None:
    """Pick a week that has data; the report is made only when a download button is clicked."""
    st.subheader(ctx.t("report.section"))
    st.caption(ctx.t("report.section_intro"))
    sums = common.summaries(ctx.key, export.ALL_DAYS[0], last, ctx.store)
    weeks = sorted({weekly.IsoWeek.of(s.day) for s in sums if weekly.has_data(s)}, reverse=True)
    if not weeks:
        st.caption(ctx.t("progress.no_summaries"))
        return
    usual = weekly.last_complete_week(dt.date.fromisoformat(ctx.today()))
    week = st.selectbox(
        ctx.t("report.pick_week"),
        weeks,
        index=weeks.index(usual) if usual in weeks else 0,
        format_func=lambda w: f"{w} · {dates.span(w.monday, w.sunday, ctx.lang)}",
        key="report_week",
    )
    browser = report_browser.find_browser()
    if browser is None:
        st.info(ctx.t("report.no_browser"))
        return
    s, lang = ctx.settings, ctx.lang

    def html() -> str:
        return report.build(
            ctx.store,
            week,
            s.rules,
            s.timezone,
            lang,
            today=s.today(),
            browser=browser,
            wearer=s.wearer,
        )[1]

    whose = f"{s.wearer}-" if ctx.read_only else ""  # a practice keeps many wearers' reports
    name = f"backcoach-report-{whose}{week}-{lang}"
    left, right = st.columns(2)
    left.download_button(
        ctx.t("report.download_pdf"),
        data=lambda: report_browser.html_to_pdf(html(), browser=browser),
        file_name=f"{name}.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="report_pdf",
    )
    right.download_button(
        ctx.t("report.download_html"),
        data=lambda: html().encode("utf-8"),
        file_name=f"{name}.html",
        mime="text/html",
        on_click="ignore",
        key="report_html",
    )


def main() -> None:
    ctx = common.Ctx()
    st.title(ctx.t("progress.title"))
    last = ctx.last_day()
    if last is None:
        ctx.empty_state()
        common.disclaimer()
        return
    n = st.radio(
        ctx.t("progress.window"),
        WINDOWS_DAYS,
        index=WINDOWS_DAYS.index(default_window(first_day(ctx, last), last)),
        format_func=lambda d: ctx.t("progress.days", n=d),
        horizontal=True,
        key="progress_window",
    )
    plan_card.card(ctx, ctx.today())  # this week's step (decided from the weeks before)
    plan_card.chart(ctx)
    end = dt.date.fromisoformat(last)
    first = (end - dt.timedelta(days=n - 1)).isoformat()
    # The weekly summary always compares two whole weeks, whatever window is shown.
    fetch_from = min(first, (end - dt.timedelta(days=13)).isoformat())
    sums = common.summaries(ctx.key, fetch_from, last, ctx.store)
    diary = common.diary(ctx.key, fetch_from, last, ctx.store)
    full = views.progress_frame(sums, diary, fetch_from, last)
    frame = full.iloc[-n:]
    if frame.drop(columns="pain").isna().all().all():
        st.info(ctx.t("progress.no_summaries"))
    else:
        ctx.mark_analysed_otherwise([s for s in sums if first <= s.day])
        weekly_summary(ctx, full)
        charts_for(ctx, frame)
    report_section(ctx, last)
    common.disclaimer()


main()

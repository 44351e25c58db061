"""Today (any chosen day): posture timeline, trunk angle, sitting bouts, warnings, live panel."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backcoach.dashboard import charts, common, plan_card, views
from backcoach.i18n import STRINGS, collector_state, dates, t
from backcoach.processing.days import day_bounds
from backcoach.processing.placement import sensor_deg
from backcoach.processing.summary import summarize_day
from backcoach.storage.status import LiveStatus

LIVE_REFRESH_S = 5  # the live panel polls the store's status rows this often
RECENT_S = 600  # the live panel's chart: the last 10 minutes at full epoch resolution


def _fmt_duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "–"
    if seconds < 120:
        return t("unit.s", lang, v=seconds)
    return t("unit.min", lang, v=seconds / 60)


@st.fragment(run_every=LIVE_REFRESH_S)
def live_panel(ctx: common.Ctx) -> None:
    """Current posture, trunk angle, time since break, battery and state; refreshes in place."""
    live = views.live_panel(LiveStatus.from_rows(ctx.store.read_status()), ctx.settings.now_s())
    if live is None:
        st.caption(ctx.t("live.not_running"))
        return
    st.subheader(ctx.t("live.title"))
    # the connection as a line of text: in a metric, "Receiving data" was cut to "Receivi…"
    st.markdown(f"**{ctx.t('live.state')}:** {collector_state(live.state, ctx.lang)}")
    if until := views.quiet_until(ctx.settings, ctx.settings.now_s()):
        st.info(ctx.t("live.quiet", until=until))
    if live.learning:
        st.info(ctx.t("live.learning"))
    cols = st.columns(4)
    key = f"posture.{live.posture}"
    posture = ctx.t(key) if key in STRINGS else (live.posture or "–")
    cols[0].metric(ctx.t("live.posture"), posture)
    trunk = "–" if live.trunk_deg is None else t("unit.deg", ctx.lang, v=live.trunk_deg)
    if live.learning:
        cols[1].metric(ctx.t("live.tilt"), trunk, help=ctx.t("live.tilt_help"))
    else:
        cols[1].metric(ctx.t("live.trunk"), trunk)
    cols[2].metric(ctx.t("live.since_break"), _fmt_duration(live.since_break_s, ctx.lang))
    battery = "–" if live.battery_pct is None else t("unit.pct", ctx.lang, v=live.battery_pct)
    cols[3].metric(ctx.t("live.battery"), battery)
    if live.since_sample_s is not None:
        st.caption(ctx.t("live.updated", ago=_fmt_duration(live.since_sample_s, ctx.lang)))
    if live.last_sample_s is not None:
        recent_chart(ctx, live.last_sample_s)


def recent_chart(ctx: common.Ctx, last_s: float) -> None:
    """The last 10 minutes second by second (uncached, like the panel): a 70° bend reads 70°."""
    start_s, end_s = last_s - RECENT_S, last_s + 1.0
    epochs = ctx.store.read_epochs(start_s, end_s)
    if len(epochs) == 0:
        return
    marks = views.event_marks(ctx.store.read_events(start_s, end_s, ["bend", "lift"]))
    st.caption(ctx.t("live.recent"))
    series = views.trunk_series(epochs, bin_s=1)
    st.plotly_chart(charts.trunk_angle(series, marks, ctx.lang, ctx.tz, seconds=True))


def pick_day(ctx: common.Ctx, last: str) -> str:
    first = dt.date.fromisoformat(ctx.first_day() or last)
    newest = max(dt.date.fromisoformat(last), dt.date.fromisoformat(ctx.today()))
    chosen = st.date_input(
        ctx.t("today.pick_day"),
        value=dt.date.fromisoformat(last),
        min_value=first,
        max_value=newest,
        format=dates.input_format(ctx.lang),
        key="today_day",
    )
    today = dt.date.fromisoformat(ctx.today())
    st.caption(dates.spelled_out(chosen, today, ctx.lang))  # "Yesterday, Monday 30 November"
    return chosen.isoformat()


def headline_row(ctx: common.Ctx, h: views.Headline) -> None:
    st.subheader(ctx.t("today.headline"))
    c = st.columns(4)
    c[0].metric(ctx.t("today.sitting_h"), t("unit.h", ctx.lang, v=h.sitting_h))
    c[1].metric(ctx.t("today.longest_bout"), t("unit.min", ctx.lang, v=h.longest_bout_min))
    c[2].metric(ctx.t("today.bends60"), f"{h.bends_over60:.0f}")
    c[3].metric(ctx.t("today.lifts"), f"{h.back_lifts:.0f} / {h.leg_lifts:.0f}")
    c = st.columns(4)
    c[0].metric(ctx.t("today.walking"), t("unit.min", ctx.lang, v=h.walking_min))
    c[1].metric(ctx.t("today.steps"), t("unit.n", ctx.lang, v=h.steps))
    c[2].metric(ctx.t("today.warnings_n"), str(h.warnings))


def day_view(ctx: common.Ctx, day: str) -> None:
    epochs = common.day_epochs(ctx.key, day, ctx.tz_name, ctx.store)
    events = common.day_events(ctx.key, day, ctx.tz_name, ctx.store)
    warnings = common.day_warnings(ctx.key, day, ctx.tz_name, ctx.store)
    if len(epochs) == 0 and not events:
        st.info(ctx.t("empty.day", day=dates.short(day, ctx.lang)))
        return
    rules = plan_card.rules_for(ctx, day)  # this week's step of the plan, or the guidance
    summary = next(iter(common.summaries(ctx.key, day, day, ctx.store)), None)
    if summary is not None:
        ctx.mark_day_analysed_otherwise(summary)
    else:  # a day not summarised yet (today, live): the same computation, now
        start_s, end_s = day_bounds(day, ctx.tz_name)
        summary = summarize_day(
            epochs,
            events,
            day=day,
            day_start_s=start_s,
            day_end_s=end_s,
            rules=rules,
            placement=ctx.settings.sensor.placement,
            tz_name=ctx.tz_name,
        )
    deep = sensor_deg(rules.deep_bend_deg, ctx.settings.sensor.placement)
    headline_row(ctx, views.headline(events, summary, warnings, deep))
    marks = views.event_marks(events)
    st.subheader(ctx.t("today.timeline"))
    segments = views.posture_segments(epochs)
    filled = views.filled_stretches(events)
    st.plotly_chart(charts.posture_timeline(segments, marks, ctx.lang, ctx.tz, filled))
    if len(filled):
        minutes = float((filled["end_s"] - filled["start_s"]).sum()) / 60.0
        st.caption(ctx.t("today.filled_caption", minutes=f"{minutes:.0f}"))
    st.subheader(ctx.t("today.trunk"))
    st.plotly_chart(charts.trunk_angle(views.trunk_series(epochs), marks, ctx.lang, ctx.tz))
    st.subheader(ctx.t("today.bouts"))
    bouts = views.sitting_bouts(events, rules.sitting_bout_max_min)
    if bouts.empty:
        st.caption(ctx.t("today.no_bouts"))
    else:
        st.caption(ctx.t("today.bouts_caption", limit=rules.sitting_bout_max_min))
        chart = charts.sitting_bouts(bouts, rules.sitting_bout_max_min, ctx.lang, ctx.tz)
        st.plotly_chart(chart)
    st.subheader(ctx.t("today.warnings"))
    table = views.warnings_table(warnings, ctx.lang, ctx.tz)
    if table.empty:
        st.caption(ctx.t("today.no_warnings"))
    else:
        table.columns = [ctx.t(f"col.{c}") for c in ("time", "rule", "value", "message")]
        st.dataframe(table, hide_index=True)


def main() -> None:
    ctx = common.Ctx()
    st.title(ctx.t("today.title"))
    st.caption(ctx.t("app.tagline"))
    live_panel(ctx)
    last = ctx.last_day()
    if last is None and views.live_panel(
        LiveStatus.from_rows(ctx.store.read_status()), ctx.settings.now_s()
    ):
        st.caption(ctx.t("today.first_minutes"))  # live data above: "no data yet" would be wrong
    elif last is None:
        ctx.empty_state()
    else:
        day = pick_day(ctx, last)
        plan_card.card(ctx, day)
        day_view(ctx, day)
    common.disclaimer()


main()

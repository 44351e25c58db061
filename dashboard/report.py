"""The weekly report a wearer brings to a physiotherapist: one week gathered, laid out as HTML.

Why a template: the report is a document (tables, charts, A4 page breaks), so its layout lives
in `templates/report.html` (Jinja2, autoescaped: diary notes are the wearer's own text) and this
module only gathers what it shows. The rule rows come from `weekly` (graded as the Guidance page
grades), the charts are the Progress page's Plotly figures drawn as static SVG, and every word is
`i18n`'s. The PDF is the same HTML printed by headless Chromium (`report_browser`).

Functions
    gather        the week's rows, daily frame, warnings and diary from a store
    figures       the daily charts as Plotly figures sized for an A4 page
    render_html   the whole report as one self-contained HTML document
    build         gather, draw and render in one go (the command and the Progress page)
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd
import plotly.graph_objects as go

from backcoach import __version__, plans
from backcoach.config import Settings
from backcoach.dashboard import charts, display, plan_text, plan_view, report_browser
from backcoach.dashboard.views import progress_frame
from backcoach.dashboard.weekly import (
    RULE_IDS,
    IsoWeek,
    WarningRow,
    WeekRow,
    has_data,
    last_complete_week,
    warning_rows,
    week_rows,
)
from backcoach.errors import BackcoachError
from backcoach.i18n import dates, rule_text, t, warning_text
from backcoach.processing.days import day_bounds, zone
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import Plan, PlanWeek
from backcoach.processing.types import DiaryEntry
from backcoach.storage import demo_store
from backcoach.storage.base import Store

TEMPLATES = Path(__file__).parent / "templates"
CHART_WIDTH_PX = 680  # 180 mm of A4 at 96 px per inch: the page width inside its margins
CHART_HEIGHT_PX = 250  # three charts and their captions fit one A4 page
LOAD_HEIGHT_PX = 400  # load with pain above, the acute:chronic ratio below
PLAN_HEIGHT_PX = 520  # the plan's six panels
STATUS_MARK = {"green": "✔", "amber": "◐", "red": "✖", "none": "?"}

DEFAULT_WEARER = Settings.wearer  # no name given: nothing to print


class NoDataForWeek(BackcoachError):
    """The chosen week has no daily summaries; `suggestion` is a week that has some."""

    def __init__(self, message: str, week: IsoWeek, suggestion: IsoWeek | None) -> None:
        super().__init__(message)
        self.week = week
        self.suggestion = suggestion


@dataclass(frozen=True)
class WeekData:
    """Everything the report shows about one week, before any word or chart."""

    week: IsoWeek
    rows: list[WeekRow]
    frame: pd.DataFrame  # one row per day of the week, the Progress page's columns
    warnings: list[WarningRow]
    diary: list[DiaryEntry]  # the week's entries, oldest first
    days_with_data: tuple[str, ...]
    coverage_h: float
    rules: RuleThresholds  # what the week was graded by: its plan step, or the guidance
    guidance: RuleThresholds | None = None  # the guidance's own, when a plan step graded it
    plan: Plan | None = None  # the wearer's plan up to this week
    plan_week: PlanWeek | None = None  # this week's step
    next_week: PlanWeek | None = None  # the step this week leads to
    simulated: tuple[str, ...] = ()  # the week's days `backcoach demo` made: said on the report


ALL_DAYS = ("0001-01-01", "9999-12-31")  # every day a store can hold (as export reads)


def _no_data(store: Store, week: IsoWeek, where: str, today: dt.date | None) -> NoDataForWeek:
    """The one-line error for an empty week, naming the newest complete week that has data
    (complete on `today`; without it, the newest week that has data)."""
    span = dates.span(week.monday, week.sunday, "en")
    days = sorted(s.day for s in store.read_summaries(*ALL_DAYS) if has_data(s))
    if not days:
        return NoDataForWeek(f"no data in week {week} ({span}): {where} holds no days", week, None)
    weeks = sorted({IsoWeek.of(d) for d in days}, reverse=True)
    complete = [w for w in weeks if today is None or w <= last_complete_week(today)]
    tip = (complete or weeks)[0]
    return NoDataForWeek(
        f"no data in week {week} ({span}) in {where}; it holds days from {days[0]} to "
        f"{days[-1]}: try --week {tip}",
        week,
        tip,
    )


def gather(
    store: Store,
    week: IsoWeek,
    rules: RuleThresholds,
    tz_name: str,
    *,
    where: str = "the store",
    today: dt.date | None = None,
) -> WeekData:
    """The week (and, for its changes, the week before) read from the store's summaries."""
    before = week.previous()
    first, last = before.monday.isoformat(), week.days[-1]
    summaries = [s for s in store.read_summaries(first, last) if has_data(s)]
    in_week = [s for s in summaries if s.day in week.days]
    if not in_week:
        raise _no_data(store, week, where, today)
    diary = store.read_diary(first, last)
    # The plan through next Monday: this week's step, and the one this week leads to.
    plan = plans.load_plan(store, rules, week.sunday + dt.timedelta(days=1))
    step = rules if plan is None else plan.thresholds(week.monday, rules)
    start_s, _ = day_bounds(week.days[0], tz_name)
    _, end_s = day_bounds(week.days[-1], tz_name)
    coverage = sum(s.metrics.coverage_h for s in in_week if math.isfinite(s.metrics.coverage_h))
    return WeekData(
        week=week,
        rows=week_rows(week, summaries, diary, step, final=rules),
        frame=progress_frame(summaries, diary, week.days[0], week.days[-1]),
        warnings=warning_rows(week, store.read_warnings(start_s, end_s), zone(tz_name)),
        diary=[e for e in diary if e.day in week.days],
        days_with_data=tuple(s.day for s in in_week),
        coverage_h=float(coverage) if math.isfinite(coverage) else 0.0,
        rules=step,
        guidance=None if plan is None else rules,
        plan=None if plan is None else _upto(plan, week),
        plan_week=None if plan is None else plan.week_of(week.monday),
        next_week=None if plan is None else plan.week_of(week.sunday + dt.timedelta(days=1)),
        simulated=tuple(sorted(demo_store.demo_days(store) & {s.day for s in in_week})),
    )


def _upto(plan: Plan, week: IsoWeek) -> Plan:
    """The plan's weeks up to and including `week` (what the report's chart shows)."""
    return replace(plan, weeks=tuple(w for w in plan.weeks if w.monday <= week.monday))


@dataclass(frozen=True)
class Chart:
    """One daily chart of the report: a heading, a one-line reading guide, the figure."""

    key: str
    heading: str
    caption: str
    figure: go.Figure


def _for_print(fig: go.Figure, week: IsoWeek, lang: str, height: int) -> go.Figure:
    """The dashboard figure at page width, days named as the language names them."""
    days = pd.to_datetime(list(week.days))
    fig.update_xaxes(
        tickmode="array",
        tickvals=days,
        ticktext=[dates.weekday_short(d, lang) for d in week.days],
        title_text=None,
    )
    fig.update_layout(height=height, width=CHART_WIDTH_PX, font={"size": 11})
    # A right-hand axis gets its own round ticks (not ticks synced to the left one's grid).
    for axis in fig.select_yaxes(lambda ax: bool(ax.overlaying)):
        axis.update(tickmode="auto", showgrid=False)
    return fig


def figures(data: WeekData, lang: str) -> list[Chart]:
    """Sitting, bending bands, lifts, walking, and load with pain and the ratio: per day."""
    f, r = data.frame, data.rules
    specs = [
        (
            "sitting",
            t("progress.sitting", lang),
            t("report.cap_sitting", lang, limit=r.sitting_bout_max_min),
            charts.dual_lines(
                f,
                ("sitting_h", "legend.sitting_h", "axis.hours"),
                ("longest_bout_min", "legend.longest_bout", "axis.minutes"),
                lang,
                bars_left=True,
            ),
            CHART_HEIGHT_PX,
        ),
        (
            "bending",
            t("report.bending", lang),
            t("report.cap_bending", lang),
            charts.bending_bands(f, lang),
            CHART_HEIGHT_PX,
        ),
        (
            "lifts",
            t("progress.lifts", lang),
            t("report.cap_lifts", lang, share=r.leg_lift_share_min * 100),
            charts.lifts(f, lang),
            CHART_HEIGHT_PX,
        ),
        (
            "walking",
            t("progress.walking", lang),
            t("report.cap_walking", lang, plan=r.walking_plan_min),
            charts.dual_lines(
                f,
                ("walking_min", "legend.walking_min", "axis.minutes"),
                ("steps", "axis.steps", "axis.steps"),
                lang,
                bars_left=True,
            ),
            CHART_HEIGHT_PX,
        ),
        (
            "load",
            t("progress.load", lang),
            t("report.cap_load", lang, low=r.acwr_low, high=r.acwr_high, spike=r.acwr_spike),
            charts.load_acwr(f, lang, r.acwr_low, r.acwr_high, r.acwr_spike),
            LOAD_HEIGHT_PX,
        ),
    ]
    drawn = [
        Chart(key, heading, caption, _for_print(fig, data.week, lang, height))
        for key, heading, caption, fig, height in specs
    ]
    if data.plan is not None and data.plan.weeks:
        fig = plan_view.weeks_figure(data.plan, lang, height=PLAN_HEIGHT_PX)
        fig.update_layout(width=CHART_WIDTH_PX, font={"size": 11})
        drawn.insert(0, Chart("plan", t("plan.chart", lang), t("plan.chart_caption", lang), fig))
    return drawn


def _fmt(value: float | None, unit: str, lang: str, limits: Sequence[float] = ()) -> str:
    """A figure with the digits its grade needs (`display.show`: 0.5%, not 1% or 0%)."""
    return display.show(value, unit, lang, limits)


def _arrow(row: WeekRow) -> str:
    """Which way the figure went (the word beside it says whether that is better)."""
    if row.change in ("none", "steady") or row.value is None or row.before is None:
        return "→" if row.change == "steady" else ""
    return "↑" if row.value > row.before else "↓"


def _css_string(text: str) -> markupsafe.Markup:
    """A CSS string literal (for the page margins' footer), quotes and backslashes escaped."""
    return markupsafe.Markup(json.dumps(text, ensure_ascii=False).replace("<", "\\3c "))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the render, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css_string"] = _css_string
    return env


def render_html(
    data: WeekData,
    lang: str,
    charts_svg: Sequence[tuple[Chart, str]],
    made_on: dt.date,
    wearer: str = "",
) -> str:
    """The report as one HTML document: styles inline, charts as inline SVG, no fetches.

    `wearer` is printed under the title (a practice holds many wearers' reports); the default
    name "me" and "" print nothing.
    """
    week = data.week
    missing = [d for d in week.days if d not in data.days_with_data]
    strings = {
        "t": lambda key, **values: t(key, lang, **values),
        "rule_text": lambda rule, part, **values: rule_text(rule, part, lang, **values),
        "warning_text": lambda warning: warning_text(warning, lang),
        "fmt": lambda value, unit, rule="": _fmt(
            value, unit, lang, display.rule_limits(rule, data.rules)
        ),
        "day_short": lambda day: dates.weekday_short(day, lang),
        "day": lambda day: dates.short(day, lang),
        "plan_sentences": lambda week: plan_text.sentences(week, lang),
        "plan_headline": lambda week: plan_text.headline(week, lang),
        "plan_decision": lambda week: plan_text.decision_text(week, lang),
        "plan_value": lambda key, value, figure=False: plan_text.value_text(
            key, value, lang, figure=figure
        ),
        "plan_item": lambda key: plan_text.item_label(key, lang),
    }
    template = _environment().get_template("report.html")
    return template.render(
        lang=lang,
        week=week,
        span=dates.span(week.monday, week.sunday, lang),
        data=data,
        missing=", ".join(dates.weekday_short(d, lang) for d in missing),
        simulated=", ".join(dates.weekday_short(d, lang) for d in data.simulated),
        coverage_h=f"{data.coverage_h:.0f}",
        charts=charts_svg,
        made_on=dates.short(made_on, lang),
        wearer="" if wearer == DEFAULT_WEARER else wearer,
        version=__version__,
        status_mark=STATUS_MARK,
        arrow=_arrow,
        rule_ids=RULE_IDS,
        **strings,
    )


def build(
    store: Store,
    week: IsoWeek,
    rules: RuleThresholds,
    tz_name: str,
    lang: str,
    *,
    where: str = "the store",
    today: dt.date,
    browser: str | None = None,
    wearer: str = "",
) -> tuple[WeekData, str]:
    """The week's data and its report as HTML (charts drawn by the browser, found if not given),
    made on `today` (the settings' `today()`: the date printed on it)."""
    browser = browser or report_browser.require_browser()
    data = gather(store, week, rules, tz_name, where=where, today=today)
    drawn = figures(data, lang)
    svgs = report_browser.svg_charts(
        [c.figure for c in drawn], width_px=CHART_WIDTH_PX, browser=browser
    )
    return data, render_html(data, lang, list(zip(drawn, svgs, strict=True)), today, wearer)

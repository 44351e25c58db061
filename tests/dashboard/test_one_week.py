"""One stored week through every surface: each figure is the same number, to the unit shown.

The week is `backcoach demo --days 8` (the shared `demo_week` store, made through the real
simulator and pipeline); what the demo printed in the terminal is kept beside it. The same days
are then read as a wearer and a physiotherapist see them: the terminal's table, the Today page,
the Guidance cards and the Progress charts (Streamlit AppTest), the weekly report's figures
and table, the practice overview's grades, and the pushes' texts beside the Today page's
warnings table. Issue 21: one demo day read walking 126 min in the terminal and 138 on the
dashboard, the longest sitting bout 103 and 104.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from backcoach.dashboard import practice_view, report, weekly
from backcoach.i18n import t
from backcoach.storage import open_store
from backcoach.storage.base import WearerDays

from .conftest import DEMO_TERMINAL
from .stores import APP

TIMEOUT_S = 60
#: The terminal table's columns, as `demo` prints them.
COLUMNS = ("day", "sitting_h", "longest", "bends", "lifts", "walking")


def terminal_rows(text: str) -> dict[str, dict[str, str]]:
    """The demo's table: day -> column -> the text shown (rich's box drawing around it)."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if cells and re.fullmatch(r"\d{4}-\d{2}-\d{2}", cells[0]):
            rows[cells[0]] = dict(zip(COLUMNS, cells[: len(COLUMNS)], strict=True))
    return rows


def shown(value: float, fmt: str) -> str:
    return format(value, fmt)


def plotted(values) -> list:
    """A trace's values as drawn: a list, or Plotly's typed array (base64 and a dtype)."""
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"]).tolist()
    return list(values)


def numbers(text: str) -> list[str]:
    return re.findall(r"\d+(?:[.,]\d+)?", text)


@pytest.fixture(scope="module")
def week(demo_week):
    rows = terminal_rows((demo_week.data_dir.parent / DEMO_TERMINAL).read_text())
    assert len(rows) == 8, rows  # the demo printed every day it made
    return rows


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_today_page_shows_the_terminals_figures(demo_week, app_env, week):
    app_env(demo_week)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    for day, row in week.items():
        at.date_input(key="today_day").set_value(dt.date.fromisoformat(day)).run()
        assert not at.exception, [e.message for e in at.exception]
        m = _metrics(at)
        assert m[t("today.sitting_h", "en")] == f"{row['sitting_h']} h", day
        assert m[t("today.longest_bout", "en")] == f"{row['longest'].strip('[]')} min", day
        assert m[t("today.bends60", "en")] == row["bends"], day
        assert m[t("today.lifts", "en")].replace(" ", "") == row["lifts"], day
        assert m[t("today.walking", "en")] == f"{row['walking']} min", day


def test_the_guidance_cards_show_the_terminals_figures(demo_week, app_env, week):
    app_env(demo_week)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    at.switch_page("app_pages/guidance.py").run()
    for day, row in week.items():
        at.date_input(key="guidance_day").set_value(dt.date.fromisoformat(day)).run()
        assert not at.exception, [e.message for e in at.exception]
        # one figure per card, the cards in two columns: G1, G3, ..., G11, then G2, ..., G12
        order = [f"G{i}" for i in (*range(1, 13, 2), *range(2, 13, 2))]
        card = dict(zip(order, (m.value for m in at.metric), strict=True))
        assert card["G1"] == f"{row['longest'].strip('[]')} min", day  # the longest sitting bout
        assert card["G6"] == f"{row['walking']} min", day


def test_the_progress_charts_and_the_weekly_report_hold_the_terminals_figures(
    demo_week, app_env, week
):
    app_env(demo_week)
    settings = demo_week.settings()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    at.switch_page("app_pages/progress.py").run()
    assert not at.exception, [e.message for e in at.exception]
    figures = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    name = t("legend.walking_min", "en")
    bars = next(tr for f in figures for tr in f["data"] if tr.get("name") == name)
    drawn = {
        str(x)[:10]: y
        for x, y in zip(plotted(bars["x"]), plotted(bars["y"]), strict=True)
        if y is not None and math.isfinite(y)
    }
    for day, row in week.items():
        assert shown(drawn[day], ".0f") == row["walking"], day

    store = open_store(settings)
    try:
        weeks = {weekly.IsoWeek.of(d) for d in week}
        for w in sorted(weeks):
            data = report.gather(store, w, settings.rules, settings.timezone)
            for day in data.days_with_data:
                f = data.frame.loc[day]
                assert shown(f["walking_min"], ".0f") == week[day]["walking"], day
                assert shown(f["longest_bout_min"], ".0f") == week[day]["longest"].strip("[]")
                assert shown(f["sitting_h"], ".1f") == week[day]["sitting_h"], day
            html = report.render_html(data, "en", [], settings.today())
            by_rule = {r.rule: r for r in data.rows}
            g6 = by_rule["G6"]
            daily = [data.frame.loc[d, "walking_min"] for d in data.days_with_data]
            assert math.isclose(g6.value, sum(daily) / len(daily))
            assert t("unit.min", "en", v=g6.value) in html
            # the practice overview grades the same week as the report does
            fleet = WearerDays(
                "demo", store.read_summaries(w.previous().monday.isoformat(), w.days[-1])
            )
            g = practice_view.glance(fleet, w, settings.rules)
            assert g.red == tuple(r.rule for r in data.rows if r.status == "red")
            assert g.amber == tuple(r.rule for r in data.rows if r.status == "amber")
    finally:
        store.close()


def test_each_push_text_carries_the_figure_the_warnings_table_shows(demo_week, app_env, week):
    app_env(demo_week)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    checked = 0
    for day in list(week)[-2:]:
        at.date_input(key="today_day").set_value(dt.date.fromisoformat(day)).run()
        table = at.dataframe[-1].value
        for value, message, rule in zip(
            table.iloc[:, 2], table.iloc[:, 3], table.iloc[:, 1], strict=True
        ):
            if rule == "G8":  # the table shows the rise, the text where it rose from and to
                continue
            assert str(value) in numbers(message), (rule, value, message)
            checked += 1
    assert checked > 10

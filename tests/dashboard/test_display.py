"""A graded figure is written with the digits that make its number agree with its mark."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from backcoach.dashboard import display, report
from backcoach.dashboard.scorecard import target_values
from backcoach.dashboard.weekly import IsoWeek, WeekRow
from backcoach.processing.guidance import RuleThresholds

from .stores import APP

RULES = RuleThresholds()


@pytest.mark.parametrize(
    ("value", "unit", "rule", "lang", "expected"),
    [
        (0.51, "pct", "G4", "en", "0.5%"),  # under "less than 1%": never "1%"
        (0.3, "pct", "G4", "nl", "0,3%"),  # bends over 60° happened: never "0%"
        (0.0, "pct", "G4", "en", "0%"),
        (1.4, "pct", "G4", "en", "1.4%"),  # over the limit: never "1%"
        (30.4, "min", "G1", "en", "30.4 min"),  # over 30 min, amber: never "30 min"
        (89.2, "min", "G1", "en", "89 min"),
        (1.3049, "ratio", "G7", "en", "1.305"),  # just over the steady band's 1.30
        (None, "min", "G1", "en", "–"),
    ],
)
def test_the_shown_number_keeps_its_side_of_the_target(value, unit, rule, lang, expected):
    assert display.show(value, unit, lang, display.rule_limits(rule, RULES)) == expected


def test_the_report_shows_g4_with_the_digits_its_mark_needs():
    week = IsoWeek(2026, 48)
    row = WeekRow("G4", "pct", 0.51, "green", 7, 7, 0.3, "worse", target_values(RULES))
    rows = [row]
    data = report.WeekData(week, rows, pd.DataFrame(), [], [], tuple(week.days), 100.0, RULES)
    html = report.render_html(data, "en", [], week.sunday)
    cells = html.split('data-rule="G4"')[1].split("</tr>")[0]
    assert "0.5%" in cells and "0.3%" in cells and ">1%<" not in cells.replace(" ", "")


def test_guidance_says_what_g5_leaves_out_and_that_g7_needs_28_days(demo_week, app_env):
    app_env(demo_week)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.switch_page("app_pages/guidance.py").run()
    captions = [c.value for c in at.caption]
    assert "Moving for less than a minute does not end an inactive stretch." in captions
    assert "Not enough history yet (8 of 28 days)." in captions  # the demo's 8 days
    metrics = [m.value for m in at.metric]
    assert "1.00" not in metrics  # no ratio of a week against itself

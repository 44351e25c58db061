"""The weekly report's numbers: ISO weeks, each rule's week against the one before, warnings.

Pure code on hand-made weeks whose figures are worked out in the comments; the report's HTML is
rendered from a real SQLite store (without its charts, which need a browser: see
test_report_cli.py and test_report_browser.py for the whole report).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from backcoach.dashboard import charts, report
from backcoach.dashboard.weekly import (
    IsoWeek,
    change,
    has_data,
    last_complete_week,
    warning_rows,
    week_rows,
    weeks_between,
)
from backcoach.errors import ConfigError
from backcoach.i18n import dates
from backcoach.processing.days import day_bounds, zone
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import DaySummary, DiaryEntry, OverloadWarning
from backcoach.storage.sqlite import SQLiteStore

TZ = "Europe/Amsterdam"
W48 = IsoWeek(2026, 48)  # Monday 23 to Sunday 29 November 2026
W47 = IsoWeek(2026, 47)
RULES = RuleThresholds()


def test_an_iso_week_parses_and_names_its_days():
    week = IsoWeek.parse("2026-W48")
    assert week == W48 == IsoWeek.parse(" 2026w48 ")
    assert str(week) == "2026-W48"
    assert (week.monday, week.sunday) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert week.days[0] == "2026-11-23" and week.days[-1] == "2026-11-29"
    assert week.previous() == W47
    assert IsoWeek(2027, 1).previous() == IsoWeek(2026, 53)  # 2026 has 53 ISO weeks
    assert IsoWeek.of("2027-01-01") == IsoWeek(2026, 53)


@pytest.mark.parametrize("text", ["2026-48", "W48", "2025-W53", "2026-W00", "2026-W54", "nov"])
def test_a_wrong_week_is_one_line_that_shows_the_form(text):
    with pytest.raises(ConfigError) as err:
        IsoWeek.parse(text)
    message = str(err.value)
    assert "\n" not in message and "YYYY-Www" in message and repr(text) in message


@pytest.mark.parametrize(
    "today, expected",
    [
        ("2026-12-01", W48),  # a Tuesday: the week before is the last complete one
        ("2026-11-30", W48),  # Monday: yesterday ended week 48
        ("2026-11-29", W47),  # Sunday: week 48 is not over yet
    ],
)
def test_the_last_complete_week_is_the_one_before_todays(today, expected):
    assert last_complete_week(dt.date.fromisoformat(today)) == expected


def test_weeks_between_lists_every_week_touched_newest_first():
    assert weeks_between("2026-11-22", "2026-12-01") == [IsoWeek(2026, 49), W48, W47]
    assert weeks_between("2026-11-24", "2026-11-25") == [W48]


def test_week_dates_read_the_readers_way():
    assert dates.span(W48.monday, W48.sunday, "en") == "23–29 November 2026"
    assert dates.span("2026-11-30", "2026-12-06", "nl") == "30 november – 6 december 2026"
    assert dates.span("2026-12-28", "2027-01-03", "en") == "28 December 2026 – 3 January 2027"
    assert dates.weekday_short("2026-11-23", "en") == "Mon 23"
    assert dates.weekday_short("2026-11-29", "nl") == "zo 29"


def _summary(day: str, **metrics: float) -> DaySummary:
    return DaySummary(day, {"coverage_h": 24.0, **metrics})


def _two_weeks() -> tuple[list[DaySummary], list[DiaryEntry]]:
    """Week 47 steady; week 48 with shorter bouts, the same walking, a load spike, more pain."""
    sums = [
        _summary(d, **{"G1.longest_sitting_bout_min": 40.0, "G6.walking_min": 20.0, "acwr": 1.0})
        for d in W47.days
    ]
    bouts = [20.0, 40.0, 25.0, None, 35.0, 30.0, 10.0]  # no summary on Thursday
    for day, bout in zip(W48.days, bouts, strict=True):
        if bout is not None:
            metrics = {"G1.longest_sitting_bout_min": bout, "G6.walking_min": 20.0, "acwr": 1.6}
            sums.append(_summary(day, **metrics))
    diary = [DiaryEntry(d, pain=4, water=True) for d in W47.days]
    diary += [DiaryEntry(d, pain=6, water=True) for d in W48.days]
    return sums, diary


def test_each_rule_gets_its_average_day_status_days_on_target_and_change():
    sums, diary = _two_weeks()
    rows = {r.rule: r for r in week_rows(W48, sums, diary, RULES)}
    assert list(rows) == [f"G{i}" for i in range(1, 13)]
    g1 = rows["G1"]  # (20 + 40 + 25 + 35 + 30 + 10) / 6 = 26.7 min: under 30, green
    assert g1.value == pytest.approx(160 / 6) and g1.status == "green"
    assert (g1.on_target, g1.days) == (4, 6)  # 20, 25, 30 and 10 are at most 30
    assert g1.before == 40.0 and g1.change == "better"  # shorter bouts are better
    g6 = rows["G6"]  # 20 of a 30 min plan: under 75 % of it, red; as the week before
    assert (g6.value, g6.status, g6.on_target, g6.change) == (20.0, "red", 0, "steady")
    g7 = rows["G7"]  # 1.6 is a spike (over 1.5); 1.0 sat inside the steady band
    assert g7.value == pytest.approx(1.6)
    assert (g7.status, g7.before, g7.change) == ("red", 1.0, "worse")
    g8 = rows["G8"]  # pain 6 against 4 the week before: more than a point up
    assert (g8.value, g8.before, g8.status, g8.change) == (6.0, 4.0, "red", "worse")
    assert g8.on_target is None
    g11 = rows["G11"]  # water ticked, breaks not: one tick of two, every day
    assert (g11.value, g11.status, g11.on_target, g11.days) == (1.0, "amber", 0, 7)
    g12 = rows["G12"]  # the longest bout improved; walking held; pain got worse
    assert (g12.value, g12.status, g12.days) == (1, "green", 6)
    assert (rows["G9"].status, rows["G9"].days, rows["G9"].change) == ("none", 0, "none")


def test_a_first_week_has_no_change_and_g12_no_status():
    sums, diary = _two_weeks()
    rows = {r.rule: r for r in week_rows(W48, sums[7:], diary[7:], RULES)}
    assert all(r.change == "none" for r in rows.values())
    assert rows["G1"].before is None and rows["G12"].status == "none"


@pytest.mark.parametrize(
    "rule, value, before, expected",
    [
        ("G1", 30.0, 31.0, "steady"),  # under 5 % of last week's figure is no change
        ("G1", 30.0, 40.0, "better"),
        ("G6", 30.0, 20.0, "better"),  # more walking is better
        ("G7", 1.2, 1.0, "steady"),  # both inside the steady band
        ("G7", 1.0, 1.4, "better"),  # back into the band
        ("G7", 0.6, 0.8, "worse"),  # out of the band, too low
        ("G12", 3.0, 1.0, "none"),  # G12 is itself the comparison
        ("G1", 30.0, None, "none"),
    ],
)
def test_change_knows_which_way_is_better(rule, value, before, expected):
    assert change(rule, value, before, RULES) == expected


def _at(day: str, hour: float) -> float:
    return day_bounds(day, TZ)[0] + hour * 3600


def test_warnings_are_counted_per_rule_and_local_weekday_with_the_strongest():
    warnings = [
        OverloadWarning(_at("2026-11-23", 9), "G1", 30.0, "sitting", {"minutes": 30.0}),
        OverloadWarning(_at("2026-11-23", 10), "G1", 50.0, "sitting", {"minutes": 50.0}),
        OverloadWarning(_at("2026-11-29", 23.5), "G1", 40.0, "sitting", {"minutes": 40.0}),
        OverloadWarning(_at("2026-11-25", 12), "G10", 10.0, "slumped", {"minutes": 10.0}),
        OverloadWarning(
            _at("2026-11-24", 12), "G2", 45.0, "static", {"minutes": 45.0, "posture": "sitting"}
        ),
        OverloadWarning(_at("2026-11-30", 0.5), "G1", 90.0, "sitting", {"minutes": 90.0}),
        OverloadWarning(_at("2026-11-22", 23.9), "G1", 90.0, "sitting", {"minutes": 90.0}),
    ]
    rows = warning_rows(W48, warnings, zone(TZ))
    assert [r.rule for r in rows] == ["G1", "G2", "G10"]  # by number, not as text
    g1 = rows[0]
    assert g1.per_day == (2, 0, 0, 0, 0, 0, 1) and g1.total == 3
    assert g1.strongest.value == 50.0 and g1.strongest_day == "2026-11-23"
    assert rows[2].per_day == (0, 0, 1, 0, 0, 0, 0)


def test_a_day_only_touched_by_midnight_is_no_day_with_data():
    assert has_data(_summary("2026-11-23"))
    assert not has_data(DaySummary("2026-11-23", {"coverage_h": 0.0}))
    assert has_data(DaySummary("2026-11-23", {"G1.sitting_min": 10.0}))  # an older summary


def test_the_load_chart_draws_the_steady_band_and_the_spike_line():
    """The band and line sit on the ratio's subplot, drawn after its trace (else Plotly drops
    them from a subplot that has no trace yet)."""
    frame = pd.DataFrame(
        {"load": [10.0, 12.0], "pain": [np.nan, 3.0], "acwr": [1.0, np.nan]},
        index=pd.to_datetime(["2026-11-23", "2026-11-24"]),
    )
    fig = charts.load_acwr(frame, "en", 0.8, 1.3, 1.5)
    spans = sorted((s.type, s.y0, s.y1) for s in fig.layout.shapes)
    assert spans == [("line", 1.5, 1.5), ("rect", 0.8, 1.3)]
    assert fig.layout.yaxis3.range[1] > 1.5  # the spike line is on the chart


@pytest.fixture()
def week_store(tmp_path):
    """A real embedded store holding the two hand-made weeks and a diary note with markup."""
    store = SQLiteStore(tmp_path / "backcoach.sqlite")
    sums, diary = _two_weeks()
    for s in sums:
        store.write_summary(s)
    for e in diary:
        store.write_diary(e)
    store.write_diary(DiaryEntry("2026-11-27", pain=5, note='<script>alert("x")</script> & knie'))
    store.write_warnings(
        [OverloadWarning(_at("2026-11-24", 9), "G1", 35.0, "sitting", {"minutes": 35.0})]
    )
    yield store
    store.close()


def test_a_week_without_data_says_so_in_one_line_and_names_a_week_that_has_some(week_store):
    with pytest.raises(report.NoDataForWeek) as err:
        report.gather(week_store, IsoWeek(2026, 45), RULES, TZ, where="my store")
    message = str(err.value)
    assert "\n" not in message
    assert message == (
        "no data in week 2026-W45 (2–8 November 2026) in my store; it holds days from "
        "2026-11-16 to 2026-11-29: try --week 2026-W48"
    )
    assert err.value.suggestion == W48


def test_the_html_escapes_the_diary_and_fetches_nothing(week_store):
    data = report.gather(week_store, W48, RULES, TZ)
    html = report.render_html(data, "nl", [], dt.date(2026, 12, 1))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; knie" in html
    assert "<script" not in html  # nothing runs when the report is opened
    assert "default-src 'none'" in html  # and the page may fetch nothing
    assert not re.findall(r"(?:src|href)=", html)
    assert '<html lang="nl">' in html and "Weekrapport" in html
    assert "Gemaakt op 01-12-2026" in html and "geen medisch hulpmiddel" in html
    assert 'content: "Pagina" " " counter(page) " " "van" " " counter(pages)' in html
    assert html.count('<tr data-rule="G') == 12


def test_the_report_names_its_wearer_unless_no_name_was_given(week_store):
    data = report.gather(week_store, W48, RULES, TZ)
    named = report.render_html(data, "en", [], dt.date(2026, 12, 1), wearer="anna<b>")
    assert "Wearer: <strong>anna&lt;b&gt;</strong>" in named  # a practice's many reports
    assert "Drager: <strong>anna" in report.render_html(
        data, "nl", [], dt.date(2026, 12, 1), "anna"
    )
    for unnamed in ("", "me"):
        html = report.render_html(data, "en", [], dt.date(2026, 12, 1), wearer=unnamed)
        assert 'class="wearer"' not in html


def test_a_report_of_days_the_demo_made_says_they_are_simulated(week_store):
    """Days `backcoach demo` marked read "Simulated data" on the report; recorded days do not."""
    from backcoach.storage import demo_store

    data = report.gather(week_store, W48, RULES, TZ)
    assert "Simulated" not in report.render_html(data, "en", [], dt.date(2026, 12, 1))
    demo_store.mark_demo_days(week_store, ["2026-11-28", "2026-11-29", "2026-11-16"])
    data = report.gather(week_store, W48, RULES, TZ)
    assert data.simulated == ("2026-11-28", "2026-11-29")  # the week's own days only
    en = report.render_html(data, "en", [], dt.date(2026, 12, 1))
    nl = report.render_html(data, "nl", [], dt.date(2026, 12, 1))
    assert "Simulated data (Sat 28, Sun 29): from the demo (a simulated wearer)" in en
    assert "Gesimuleerde gegevens (za 28, zo 29)" in nl

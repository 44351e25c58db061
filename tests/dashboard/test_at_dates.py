"""The pages and the command that pick a day or a week, at the dates of tests/clock.py (a
Monday, a Sunday, 31 December and 1 January in ISO week 53, the two DST change days and the
mornings after them).

AppTest runs the pages in this process with BACKCOACH_NOW set by `each_date`; each store holds
the synthetic wearer's days up to the day before that date (`synthetic_at`). The practice's
overview: test_practice_overview_dates.py; the demo's yesterday: tests/test_demo_cli.py.
"""

from __future__ import annotations

import json

import pytest

from backcoach.cli import main
from backcoach.dashboard.weekly import IsoWeek, last_complete_week
from backcoach.i18n import dates
from backcoach.processing.days import day_bounds
from backcoach.processing.types import DaySummary
from backcoach.storage import open_store
from tests import clock

from .stores import TZ
from .test_dashboard_pages import _ys, run_page, texts


def _bars(spec: dict) -> tuple[str, float]:
    """A posture timeline's first wall-clock time and the seconds its bars cover."""
    bars = [tr for tr in spec["data"] if tr.get("type") == "bar"]
    first = min(b for tr in bars for b in tr["base"])
    return first, sum(sum(_ys(tr["x"])) for tr in bars) / 1000.0


def test_today_opens_on_yesterday_whole_with_the_days_figures(each_date, synthetic_at, app_env):
    """The newest day is yesterday, said so; all its hours (23 or 25 on a DST change) and its
    figures are shown, the same on every date."""
    app_env(synthetic_at(each_date))
    today, yesterday = clock.today(), clock.yesterday()
    at = run_page("app_pages/today.py")
    picker = at.date_input(key="today_day")
    assert picker.value == yesterday
    assert dates.spelled_out(yesterday, today, "en") in texts(at)
    assert dates.spelled_out(yesterday, today, "en").startswith("Yesterday, ")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Down and up (straight legs / bent knees)"] == "1 / 2"
    assert metrics["Bends over 60°"] == "6"  # the 75° back-lift counts once, in G3
    assert metrics["Warnings"] == "2"
    assert metrics["Sitting"] == "7.2 h"  # 24 + 30 + 50 min and 5.5 h on the couch
    timeline = json.loads(at.get("plotly_chart")[0].proto.spec)
    first, covered_s = _bars(timeline)
    start_s, end_s = day_bounds(yesterday, TZ)
    assert first.startswith(f"{yesterday}T00:00")  # from its midnight ...
    assert abs(covered_s - (end_s - start_s)) < 60, covered_s / 3600  # ... 23, 24 or 25 hours


@pytest.mark.parametrize("date", ["monday", "sunday", "jan1", "after-dst-spring"])
def test_progress_offers_the_last_complete_week_first_picked(date, synthetic_at, app_env, at_date):
    """The report's week picker: every week with data, newest first, the last complete picked
    (at the dates where the weeks differ: `test_the_last_complete_week_at_each_date`)."""
    at_date(date)
    app_env(synthetic_at(date))
    at = run_page("app_pages/progress.py")
    assert len(at.get("plotly_chart")) == 6
    picker = at.selectbox(key="report_week")
    newest = IsoWeek.of(clock.yesterday())
    assert picker.options[0].startswith(f"{newest} · ")
    assert picker.value == last_complete_week(clock.today())


def test_a_diary_entry_is_for_the_wearers_today(each_date, empty_store, app_env):
    """Saved without picking a day, the entry is today's on the wearer's calendar."""
    app_env(empty_store)
    at = run_page("app_pages/diary.py")
    at.slider[0].set_value(6)
    at.button[0].click().run()
    assert not at.exception
    today = clock.today().isoformat()
    assert any(today in s.value for s in at.success)
    store = open_store(empty_store.settings())
    try:
        assert [e.pain for e in store.read_diary(today, today)] == [6]
    finally:
        store.close()


def test_report_defaults_to_the_last_complete_week(each_date, empty_store, app_env, capsys):
    """`backcoach report` without --week: the week it means, named in its one-line answer on a
    store without that week (so no chart is drawn)."""
    app_env(empty_store)
    store = open_store(empty_store.settings())
    store.write_summary(DaySummary("2020-01-08", {"coverage_h": 24.0}))
    store.close()
    assert main(["report", "--out", str(empty_store.data_dir.parent / "r.html")]) == 1
    err = capsys.readouterr().err
    week = last_complete_week(clock.today())
    assert f"no data in week {week} (" in err and "try --week 2020-W02" in err, err


def test_the_last_complete_week_at_each_date(each_date):
    """Worked out by hand from a calendar; 2026 has an ISO week 53 (28 December to 3 January)."""
    expected = {
        "monday": IsoWeek(2026, 48),  # yesterday, Sunday, ended week 48
        "sunday": IsoWeek(2026, 48),  # week 49 ends tonight
        "dec31": IsoWeek(2026, 52),  # Thursday of week 53
        "jan1": IsoWeek(2026, 52),  # 2027-01-01 is still in 2026-W53
        "dst-spring": IsoWeek(2026, 12),  # Sunday of week 13
        "after-dst-spring": IsoWeek(2026, 13),  # the week that holds the 23-hour day
        "dst-autumn": IsoWeek(2026, 42),
        "after-dst-autumn": IsoWeek(2026, 43),  # the week that holds the 25-hour day
    }
    assert last_complete_week(clock.today()) == expected[each_date]

"""The Progress page's weekly report: a week to pick and the two downloads, through AppTest.

The downloads themselves are made on click, which only a browser does: see
test_report_browser.py.
"""

from __future__ import annotations

import datetime as dt

from backcoach.dashboard.weekly import IsoWeek, last_complete_week
from backcoach.i18n import dates
from tests import clock

from .test_dashboard_pages import run_page, texts


def test_progress_offers_the_weekly_report_of_the_last_complete_week(synthetic_month, app_env):
    """30 days of summaries end yesterday: every week they touch is offered, newest first."""
    app_env(synthetic_month)
    at = run_page("app_pages/progress.py")
    assert "Weekly report" in texts(at)
    picker = at.selectbox(key="report_week")
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    newest, oldest = IsoWeek.of(yesterday), IsoWeek.of(yesterday - dt.timedelta(days=29))
    assert picker.options[0].startswith(f"{newest} · ")
    assert picker.options[-1].startswith(f"{oldest} · ")
    assert len(picker.options) == len(
        {IsoWeek.of(yesterday - dt.timedelta(days=i)) for i in range(30)}
    )
    assert picker.value == last_complete_week(today)
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download report (PDF)", "Download report (HTML)"]


def test_the_report_download_speaks_dutch(synthetic_month, app_env, monkeypatch):
    app_env(synthetic_month)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", "nl")
    at = run_page("app_pages/progress.py")
    assert "Weekrapport" in texts(at)
    first = at.selectbox(key="report_week").options[0]
    week = IsoWeek.of(clock.yesterday())
    assert first == f"{week} · {dates.span(week.monday, week.sunday, 'nl')}"  # Dutch months
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Rapport downloaden (PDF)", "Rapport downloaden (HTML)"]


def test_without_a_browser_the_page_says_how_to_get_one(synthetic_month, app_env, monkeypatch):
    """BROWSER_PATH naming no program is what a machine without Chromium looks like here."""
    app_env(synthetic_month)
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    at = run_page("app_pages/progress.py")
    assert "sudo apt install chromium" in texts(at)
    assert not at.get("download_button")
    assert not at.error

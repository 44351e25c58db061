"""The plan card on Today and Progress in Debian's Chromium, in English and in Dutch.

`backcoach dashboard` is started as a user starts it, on a store holding the simulated wearer's
16 weeks (`bench/plan_sim.py`, ending yesterday). The page is read in English, then switched to
Dutch in the sidebar as a wearer switches it. Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

import datetime as dt

import pytest

from backcoach import plans
from backcoach.storage import open_store
from bench import plan_sim
from tests import clock

from .conftest import CHROMIUM, open_page
from .serve import dashboard
from .stores import TZ, new_dir, yesterday
from .test_dashboard_browser import ARTIFACTS, PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]
#: (language, Today's heading, Progress's heading, words on the card, the chart's heading)
LANGS = (
    ("English", "Your day", "Progress", ("Your plan", "Plan week"), "Your plan against your weeks"),
    ("Nederlands", "Jouw dag", "Voortgang", ("Je plan", "Planweek"), "Je plan tegen je weken"),
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    sd = new_dir(tmp_path_factory.mktemp("plan-browser"))
    last = yesterday()
    first = last - dt.timedelta(days=last.weekday()) - dt.timedelta(weeks=15)
    store = open_store(sd.settings())
    try:
        plan_sim.simulate(store, first, tz_name=TZ, until=last, epoch_days=1)
    finally:
        store.close()
    log_path = tmp_path_factory.mktemp("server") / "dashboard.log"
    with dashboard([], sd.env(), log_path) as (url, link):
        yield url, log_path, link, sd


def settle(page, *texts: str) -> None:
    for text in texts:
        page.get_by_text(text).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def test_the_plan_card_reads_on_today_and_progress_in_both_languages(server, browser):
    url, log_path, link, _ = server
    page = open_page(browser, link, viewport={"width": 1280, "height": 1800})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for k, (language, today, progress, card, chart) in enumerate(LANGS):
            lang = "en" if k == 0 else "nl"
            page.goto(url, wait_until="domcontentloaded")
            if k:
                page.locator('[data-testid="stSidebar"]').get_by_text(language).click()
            page.get_by_role("heading", name=today).first.wait_for(timeout=PAGE_TIMEOUT_MS)
            settle(page, *card)
            table = page.locator('[data-testid="stDataFrame"]').first
            table.wait_for(timeout=PAGE_TIMEOUT_MS)
            page.screenshot(path=str(ARTIFACTS / f"plan-today-{lang}.png"), full_page=True)
            page.locator('[data-testid="stSidebarNav"]').get_by_text(progress).click()
            page.get_by_role("heading", name=progress).first.wait_for(timeout=PAGE_TIMEOUT_MS)
            settle(page, chart, *card)
            page.wait_for_function(  # the plan's weeks, then the daily charts
                "() => document.querySelectorAll('.js-plotly-plot').length >= 7",
                timeout=PAGE_TIMEOUT_MS,
            )
            page.screenshot(path=str(ARTIFACTS / f"plan-progress-{lang}.png"), full_page=True)
            assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        page.screenshot(path=str(ARTIFACTS / "plan-failure.png"), full_page=True)
        raise
    finally:
        page.close()


def import_on_settings(page, url: str, path) -> None:
    """Open Settings, give the plan form's uploader the file and, once the server has it (a
    click before would import nothing), press Import."""
    page.goto(url, wait_until="domcontentloaded")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Settings & data").click()
    settle(page, "Import a plan file")
    uploader = page.locator('[data-testid="stFileUploader"] input[type=file]')
    with page.expect_response(lambda r: "upload_file" in r.url, timeout=PAGE_TIMEOUT_MS):
        uploader.set_input_files(str(path))
    settle(page, path.name)
    page.get_by_role("button", name="Import this plan").click()


def stored_plan(sd):
    store = open_store(sd.settings())
    try:
        return plans.load(store)
    finally:
        store.close()


def test_a_plan_file_imported_in_settings_becomes_the_plan_and_a_bad_one_changes_nothing(
    server, browser, tmp_path
):
    """The Settings form's import, as a wearer imports the file their physiotherapist gave: a
    bad file is one line and keeps the plan; a good one (gentle from this week, walking 25
    minutes) is kept and this week's card on Progress reads it. The plan is put back afterwards."""
    url, log_path, link, sd = server
    before = stored_plan(sd)
    assert before is not None
    given = plans.change(before, clock.today(TZ), pace="gentle", targets={"walking_plan_min": 25.0})
    good, bad = tmp_path / "from-the-physio.toml", tmp_path / "typo.toml"
    good.write_text(plans.to_toml(given))
    bad.write_text('pace = "fast"\n')
    page = open_page(browser, link, viewport={"width": 1280, "height": 2400})
    try:
        import_on_settings(page, url, bad)
        page.get_by_text("pace 'fast' is not one of").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        assert stored_plan(sd) == before  # nothing lost
        import_on_settings(page, url, good)  # a new visit, as the wearer comes back with it
        settle(page, "Plan kept")
        assert stored_plan(sd) == given
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Progress").click()
        settle(page, "Your plan", "pace: gentle")  # this week's card (Today's is the day's)
        assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        page.screenshot(path=str(ARTIFACTS / "plan-import-failure.png"), full_page=True)
        raise
    finally:
        page.close()
        store = open_store(sd.settings())
        try:
            plans.save(store, before)
        finally:
            store.close()

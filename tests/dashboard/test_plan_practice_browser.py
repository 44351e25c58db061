"""A wearer's plan in a practice, in Chromium, on a real InfluxDB with authentication on.

Dora's 16 weeks (`bench/plan_sim.py`) and her plan are written with her own credentials; Eli
has two weeks and no plan. The practitioner's overview shows Dora's plan week, how its step was
set and how well it was kept (from the same function her own pages use), Eli's as none. Dora's
pages show her plan card; her Settings page offers the plan form that makes a file to hand over,
and nothing that would change her data.
"""

from __future__ import annotations

import datetime as dt

import pytest

from backcoach.dashboard.weekly import last_complete_week
from bench import fleet, plan_sim
from tests import clock
from tests.storage import practice_world

from .conftest import CHROMIUM
from .serve import free_port, start_dashboard, stop, wait_healthy
from .test_dashboard_browser import ARTIFACTS, PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS
from .test_practice_browser import grid_rows, log_in, login_form

USER, PASSWORD = "jdevries", "correct-horse-battery-42"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.influx,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    root = tmp_path_factory.mktemp("plan-practice")
    with practice_world.running(root) as world:
        practice_world.add_wearers(world, ("dora", "eli"))
        last = clock.yesterday(practice_world.TZ)
        first = last - dt.timedelta(days=last.weekday()) - dt.timedelta(weeks=15)
        dora = world.wearer_store("dora", root / "collectors" / "dora")
        try:
            plan = plan_sim.simulate(
                dora, first, tz_name=practice_world.TZ, until=last, epoch_days=1
            )
            dora.flush(30)
        finally:
            dora.close()
        eli = world.wearer_store("eli", root / "collectors" / "eli")
        try:
            fleet.fill_wearer(eli, last, days=14, seed=5, tz_name=practice_world.TZ)
            eli.flush(30)
        finally:
            eli.close()
        practice_world.add_practitioner(world, USER, PASSWORD, "J. de Vries")
        log_path = root / "dashboard.log"
        port = free_port()
        proc = start_dashboard(world.env(), log_path, "--practice", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, 60)
            yield url, log_path, plan
        finally:
            stop(proc)


def test_the_overview_shows_each_wearers_step_and_the_plan_form_only_makes_a_file(
    practice, browser, tmp_path
):
    url, log_path, plan = practice
    page = browser.new_page(viewport={"width": 1600, "height": 1600}, accept_downloads=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        login_form(page, url)
        log_in(page, PASSWORD)
        page.get_by_role("heading", name="Wearers").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stDataFrame"] td[role=gridcell]').first.wait_for(
            state="attached", timeout=PAGE_TIMEOUT_MS
        )
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        rows = {r[0]: r for r in grid_rows(page)}
        today = clock.today(practice_world.TZ)
        week = plan.week_of(last_complete_week(today).monday)  # where the overview opens
        decision = {"step_on": "a step on", "keep": "same step", "hold": "on hold"}[week.decision]
        assert f"week {week.number} · {decision}" in rows["dora"], rows["dora"]
        assert f"{week.adherence * 100:.0f}%" in rows["dora"]
        assert "–" in rows["eli"][-3:], rows["eli"]
        page.screenshot(path=str(ARTIFACTS / "plan-practice-overview.png"), full_page=True)

        page.get_by_label("Open a wearer").click()
        page.get_by_role("option", name="dora").click()
        page.get_by_role("button", name="Show their pages").click()
        page.get_by_role("heading", name="Your day").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Wearer: dora").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Your plan").first.wait_for(timeout=PAGE_TIMEOUT_MS)

        page.get_by_role("link", name="Settings & data").click()
        page.get_by_role("heading", name="Settings & data").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("button", name="Make the plan file").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("button", name="Keep this plan").count() == 0
        assert page.get_by_role("button", name="Stop the plan").count() == 0
        assert page.get_by_text("Import a plan file").count() == 0
        page.get_by_role("button", name="Make the plan file").click()
        page.get_by_text("The plan file is ready").wait_for(timeout=PAGE_TIMEOUT_MS)
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
            page.get_by_role("button", name="Download the plan file").click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert target.name.startswith("backcoach-plan-dora-")
        assert f"start = {plan.settings.start.isoformat()}" in target.read_text()
        page.screenshot(path=str(ARTIFACTS / "plan-practice-settings.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        page.screenshot(path=str(ARTIFACTS / "plan-practice-failure.png"), full_page=True)
        raise
    finally:
        page.close()

"""The practice dashboard in a real browser, against a real InfluxDB with authentication on.

A practice is set up as an administrator sets it up (`practice add-wearer` for three wearers on
an `influxd` with `auth-enabled = true`, each wearer's two weeks written with that wearer's own
credentials, a practitioner's account), then `backcoach dashboard --practice` is started as a
user starts it, with the practice's files and no admin credentials. Debian's Chromium logs in,
sees the list, opens a wearer and downloads their weekly report; a wrong password is refused and
without a login nothing is shown.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from backcoach.dashboard.weekly import last_complete_week
from tests import clock
from tests.storage import practice_world

from .conftest import CHROMIUM
from .serve import free_port, start_dashboard, stop, wait_healthy
from .test_dashboard_browser import ARTIFACTS, PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS

WEARERS = ("anna", "ben", "cleo")
USER, PASSWORD = "jdevries", "correct-horse-battery-42"
REPORT_TIMEOUT_MS = 180_000  # charts and print on a busy 2-core machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.influx,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """(base URL, server log): the practice's dashboard over three wearers' two weeks."""
    root = tmp_path_factory.mktemp("practice")
    with practice_world.running(root) as world:
        practice_world.add_wearers(world, WEARERS)
        yesterday = clock.yesterday(practice_world.TZ)
        practice_world.fill(world, WEARERS, yesterday, days=14, epoch_days=1)
        practice_world.add_practitioner(world, USER, PASSWORD, "J. de Vries")
        log_path = root / "dashboard.log"
        port = free_port()
        proc = start_dashboard(world.env(), log_path, "--practice", "--port", str(port))
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, 60)
            assert f"Open {url}/ and log in" in log_path.read_text()
            yield url, log_path
        except Exception:
            print(log_path.read_text(errors="replace"))
            raise
        finally:
            stop(proc)


def login_form(page, url: str, path: str = ""):
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Practice login").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def log_in(page, password: str) -> None:
    page.get_by_role("textbox", name="User name").fill(USER)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def grid_rows(page) -> list[list[str]]:
    """The overview table's cells (st.dataframe draws on a canvas; its grid has a11y rows)."""
    return page.locator('[data-testid="stDataFrame"]').evaluate(
        """e => [...e.querySelectorAll('tr[role=row]')].map(
            r => [...r.querySelectorAll('td[role=gridcell]')].map(c => c.innerText))
            .filter(r => r.length)"""
    )


def test_without_a_login_no_page_and_no_wearer_is_shown(practice, browser):
    url, log_path = practice
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        for path in ("", "wearers", "today", "progress", "diary", "settings"):
            login_form(page, url, path)
            text = page.locator("body").inner_text()
            assert not any(name in text for name in WEARERS), (path, text)
            assert page.locator('[data-testid="stSidebarNav"]').count() == 0
            assert page.get_by_role("heading", name="Wearers").count() == 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "practice-login.png"))
    finally:
        page.close()


def test_a_wrong_password_is_refused_with_a_clear_message(practice, browser):
    url, _ = practice
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        login_form(page, url)
        log_in(page, "not-the-password")
        page.get_by_text("Wrong user name or password").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("heading", name="Wearers").count() == 0
        assert "anna" not in page.locator("body").inner_text()
        page.screenshot(path=str(ARTIFACTS / "practice-wrong-password.png"))
    finally:
        page.close()


def test_a_practitioner_sees_the_list_opens_a_wearer_and_downloads_their_report(
    practice, browser, tmp_path
):
    url, log_path = practice
    page = browser.new_page(viewport={"width": 1280, "height": 2000}, accept_downloads=True)
    try:
        login_form(page, url)
        log_in(page, PASSWORD)
        page.get_by_role("heading", name="Wearers").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Logged in as J. de Vries").wait_for(timeout=PAGE_TIMEOUT_MS)
        page.locator('[data-testid="stDataFrame"] td[role=gridcell]').first.wait_for(
            state="attached", timeout=PAGE_TIMEOUT_MS
        )
        rows = grid_rows(page)
        assert sorted(r[0] for r in rows) == sorted(WEARERS), rows
        assert all(r[1].split(" ", 1)[1] in ("needs attention", "close", "on track") for r in rows)
        page.screenshot(path=str(ARTIFACTS / "practice-overview.png"), full_page=True)

        page.get_by_label("Open a wearer").click()  # the selectbox: pick ben
        page.get_by_role("option", name="ben").click()
        page.get_by_role("button", name="Show their pages").click()
        page.get_by_role("heading", name="Your day").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_text("Wearer: ben").wait_for(timeout=PAGE_TIMEOUT_MS)
        assert "read-only" in page.locator('[data-testid="stSidebar"]').inner_text()

        page.get_by_role("link", name="Diary").click()
        page.get_by_role("heading", name="Diary").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("button", name="Save").count() == 0  # no diary edits
        page.get_by_role("link", name="Settings & data").click()
        page.get_by_role("heading", name="Settings & data").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("button", name="Delete").count() == 0  # no delete
        assert page.get_by_role("button", name="Save settings").count() == 0

        page.get_by_role("link", name="Progress").click()
        page.get_by_text("Weekly report").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        week = last_complete_week(clock.today(practice_world.TZ))
        with page.expect_download(timeout=REPORT_TIMEOUT_MS) as info:
            page.get_by_role("button", name="Download report (PDF)").click()
        pdf = tmp_path / info.value.suggested_filename
        info.value.save_as(pdf)
        assert pdf.name == f"backcoach-report-ben-{week}-en.pdf"
        if shutil.which("pdftotext"):
            text = subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout
            assert f"Week {week.week}, {week.year}" in text
        assert page.locator('[data-testid="stException"]').count() == 0

        page.goto(url, wait_until="domcontentloaded")  # a reload: the login cookie holds
        page.get_by_role("heading", name="Wearers").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        assert page.get_by_role("heading", name="Practice login").count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        page.screenshot(path=str(ARTIFACTS / "practice-failure.png"), full_page=True)
        raise
    finally:
        page.close()

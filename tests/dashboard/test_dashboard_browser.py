"""The dashboard in a real browser: `backcoach dashboard` on a free port, Debian's Chromium.

Starts the server the way a user does (the CLI, a demo week in a scratch data directory), polls
its health endpoint, visits every page at desktop and phone width, and checks the headings and
that Streamlit shows no exception box. Screenshots go to test-artifacts/dashboard/; the server's
output is printed when a check fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import CHROMIUM
from .stores import REPO, StoreDir

NAV = ("Today", "Guidance", "Progress", "Diary", "Settings & data")
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 45_000
#: True once Streamlit's status widget no longer says the script is running.
SCRIPT_IDLE_JS = (
    "() => !(document.querySelector('[data-testid=\"stStatusWidget\"]')?.innerText || '')"
    ".includes('Running')"
)
PAGES = {  # url path -> heading; Today is the default page, served at /
    "": "Your day",
    "guidance": "Guidance scorecard",
    "progress": "Progress",
    "diary": "Diary",
    "settings": "Settings & data",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Poll Streamlit's health endpoint until it answers 'ok' (or the server dies)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval, not a fixed wait
    raise TimeoutError(f"dashboard not healthy after {timeout_s:.0f} s")


@contextlib.contextmanager
def serving(sd: StoreDir, log_path: Path) -> Iterator[str]:
    """`backcoach dashboard --port N` on a store, as a user starts it; yields its base URL."""
    port = free_port()
    exe = shutil.which("backcoach", path=str(Path(sys.executable).parent)) or "backcoach"
    env = {**os.environ, **sd.env()}
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [exe, "dashboard", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, START_TIMEOUT_S)
        yield url
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture(scope="module")
def server(demo_week: StoreDir, tmp_path_factory):
    """`backcoach dashboard --port N` against the demo week; yields its base URL and log."""
    log_path = tmp_path_factory.mktemp("server") / "dashboard.log"
    with serving(demo_week, log_path) as url:
        yield url, log_path


def visit(page, url: str, heading: str, shot: Path) -> None:
    """Open a page, wait for its heading and for the script run to finish, screenshot it."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.get_by_text("not a medical device").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)


def test_every_page_opens_in_chromium_without_an_exception(server, browser):
    """Each page shows its heading, the disclaimer and no Streamlit exception box."""
    url, log_path = server
    page = browser.new_page(viewport={"width": 1280, "height": 2400})  # tall: whole page in shot
    try:
        for path, heading in PAGES.items():
            visit(page, f"{url}/{path}", heading, ARTIFACTS / f"{path or 'today'}.png")
            boxes = page.locator('[data-testid="stException"]')
            assert boxes.count() == 0, f"{path}: {boxes.first.inner_text()}"
            assert page.get_by_text("Page not found").count() == 0, f"/{path} is not routed"
            assert page.get_by_text("backcoach demo").count() == 0, f"{path} shows the empty state"
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert [n.strip() for n in nav.splitlines() if n.strip()] == list(NAV), nav
        page.goto(url)
        page.wait_for_function(  # timeline, trunk angle, sitting bouts
            "() => document.querySelectorAll('.js-plotly-plot').length >= 3",
            timeout=PAGE_TIMEOUT_MS,
        )
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()


def test_today_fits_a_phone_width_screen(server, browser):
    """At 390 px wide the Today page has no horizontal scroll and the charts fit the width."""
    url, log_path = server
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        visit(page, url, "Your day", ARTIFACTS / "today-phone.png")
        page.locator(".js-plotly-plot").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"page scrolls sideways by {overflow} px at phone width"
        widest = page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('.js-plotly-plot')]"
            ".map(e => e.getBoundingClientRect().width))"
        )
        assert widest <= 390
        assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()


def test_export_downloads_a_zip_with_every_table(server, browser, tmp_path):
    """The CSV export on Settings & data downloads all five tables, epochs included."""
    url, log_path = server
    page = browser.new_page(viewport={"width": 1280, "height": 2400}, accept_downloads=True)
    try:
        visit(page, f"{url}/settings", "Settings & data", ARTIFACTS / "settings-export.png")
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
            page.get_by_role("button", name="Download CSV (zip)").click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        with zipfile.ZipFile(target) as zf:
            names = set(zf.namelist())
            epochs_csv = zf.read("epochs.csv").decode()
        assert names == {f"{n}.csv" for n in ("epochs", "events", "summaries", "warnings", "diary")}
        assert epochs_csv.splitlines()[0].startswith("t_s,posture,trunk_deg")
        assert len(epochs_csv.splitlines()) > 6 * 86400  # the demo week, one row a second
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()

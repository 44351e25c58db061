"""The dashboard in a real browser: `backcoach dashboard` on a free port, Debian's Chromium.

Starts the server the way a user does (the CLI, a demo week in a scratch data directory), polls
its health endpoint, opens the link it printed (its per-launch secret becomes a cookie), visits
every page at desktop and phone width, and checks the headings and that Streamlit shows no
exception box. A DNS-rebinding page (a foreign name mapped to 127.0.0.1 by Chromium's resolver
rules) gets nothing. Screenshots go to test-artifacts/dashboard/; the server's output is printed
when a check fails.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from .serve import dashboard
from .stores import REPO, StoreDir

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NAV = ("Today", "Guidance", "Progress", "Diary", "Settings & data")
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
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


@pytest.fixture(scope="module")
def server(demo_week: StoreDir, tmp_path_factory):
    """`backcoach dashboard --port N` against the demo week: (base URL, log, printed link)."""
    log_path = tmp_path_factory.mktemp("server") / "dashboard.log"
    with dashboard([], demo_week.env(), log_path) as (url, link):
        yield url, log_path, link


@pytest.fixture(scope="module")
def playwright():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


def open_page(browser, link: str, **kw):
    """A new page (its own cookies) that has opened the printed link, as the wearer does."""
    page = browser.new_page(**kw)
    page.goto(link, wait_until="domcontentloaded")
    return page


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
    url, log_path, link = server
    page = open_page(browser, link, viewport={"width": 1280, "height": 2400})  # whole page in shot
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
    url, log_path, link = server
    page = open_page(browser, link, viewport={"width": 390, "height": 844}, device_scale_factor=2)
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
    url, log_path, link = server
    page = open_page(browser, link, viewport={"width": 1280, "height": 2400}, accept_downloads=True)
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
        assert epochs_csv.splitlines()[0].startswith("time,posture,trunk_angle")
        assert len(epochs_csv.splitlines()) > 6 * 86400  # the demo week, one row a second
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()


def test_a_dns_rebinding_page_in_chromium_reaches_nothing(server, playwright):
    """Chromium resolves an attacker's name to 127.0.0.1: even with the link's token the page
    is refused, and its script cannot open the websocket; the wearer's own link still works."""
    url, log_path, link = server
    port = url.rsplit(":", 1)[1]
    rules = "--host-resolver-rules=MAP rebind.test 127.0.0.1"
    b = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, rules], headless=True
    )
    try:
        page = b.new_page()
        evil = f"http://rebind.test:{port}"
        resp = page.goto(f"{evil}/?token={link.rsplit('=', 1)[1]}")
        assert resp is not None and resp.status == 403
        assert page.locator("[data-testid=stApp]").count() == 0
        opened = page.evaluate(
            """url => new Promise(done => {
                const ws = new WebSocket(url);
                ws.onopen = () => done("open");
                ws.onerror = () => done("refused");
            })""",
            f"ws://rebind.test:{port}/_stcore/stream",
        )
        assert opened == "refused"
        visit(open_page(b, link), url, "Your day", ARTIFACTS / "after-rebinding.png")
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        b.close()

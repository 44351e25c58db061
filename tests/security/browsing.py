"""What the attacker's browser tests share: logging in through the form, waiting for the
cookie, reading what a page shows."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from tests.dashboard.test_dashboard_browser import PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS

COOKIE = "backcoach_practice_login"
COOKIE_WAIT_S = 20.0
#: Watch the app's run state from now on: a run that starts and ends between two polls still
#: counts (a wrong password's run can be shorter than a poll).
WATCH_RUN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__ran = false;
  if (window.__runWatch) window.__runWatch.disconnect();
  window.__runWatch = new MutationObserver(() => {
    if (app.dataset.testScriptState === 'running') window.__ran = true;
  });
  window.__runWatch.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RAN_JS = """() => window.__ran &&
  document.querySelector('[data-testid="stApp"]').dataset.testScriptState !== 'running'"""
#: The app is between runs (the status widget may not say "Running" yet while a run goes on).
APP_IDLE_JS = """() => document.querySelector('[data-testid="stApp"]')
  ?.dataset.testScriptState === 'notRunning'"""


def open_login(page, url: str, path: str = "") -> None:
    """Open a page and wait until the login form stands (and the script is idle)."""
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Practice login").wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def submit(page, user: str, password: str) -> None:
    """Fill in the login form, send it, and wait until the app has run on it."""
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(password)
    page.wait_for_function(APP_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
    page.evaluate(WATCH_RUN_JS)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_function(RAN_JS, timeout=PAGE_TIMEOUT_MS)


def wait_logged_in(page) -> None:
    page.get_by_role("heading", name="Wearers").first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)


def log_in(page, url: str, user: str, password: str) -> None:
    open_login(page, url)
    submit(page, user, password)
    wait_logged_in(page)


def login_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


def wait_for_cookie(context, *, present: bool = True) -> dict | None:
    """The login cookie once the browser holds it (or None once it is gone)."""
    deadline = time.monotonic() + COOKIE_WAIT_S
    while time.monotonic() < deadline:
        cookie = login_cookie(context)
        if (cookie is not None) == present:
            return cookie
        time.sleep(0.1)  # polling the browser's cookie jar, not a fixed wait
    state = "set" if present else "removed"
    raise AssertionError(f"the login cookie was not {state} within {COOKIE_WAIT_S:.0f} s")


def shows_login_form(page, url: str, path: str = "") -> bool:
    """Open a page: True if it asks for a login (and shows no wearer's overview)."""
    page.goto(f"{url}/{path}", wait_until="domcontentloaded")
    login = page.get_by_role("heading", name="Practice login")
    wearers = page.get_by_role("heading", name="Wearers")
    login.or_(wearers).first.wait_for(timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
    return login.count() > 0 and wearers.count() == 0


def http_get(url: str, cookie: str | None = None, **headers: str) -> tuple[int, bytes]:
    """(status, body) of a plain GET, as a script outside any browser sends it."""
    req = urllib.request.Request(url, headers=headers)
    if cookie is not None:
        req.add_header("Cookie", f"{COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()

"""Attempts on the practice dashboard's login cookie, in Chromium (issue 19, items 1, 2, 6, 13).

Each attempt is played as the attacker played it on main d911343: log out and reload, keep a
cookie past a log-out or a new password, read the cookie from a script, forge one with
`alg: none`, and ask Streamlit's internal routes without logging in.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.dashboard.test_dashboard_browser import PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS

from .browsing import (
    COOKIE,
    http_get,
    log_in,
    shows_login_form,
    wait_for_cookie,
)
from .conftest import PASSWORD, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.influx, needs_chromium]

USER = "jdevries"


def _cookie_for(site, value: str) -> dict:
    return {"name": COOKIE, "value": value, "url": site.url}


def _unsigned(claims: dict) -> str:
    """A JWT with `alg: none` and no signature: anyone can write one."""

    def part(doc: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_log_out_logs_out_a_reload_and_a_new_tab(site, browser, show_log_on_failure):
    """Item 1: after *Log out* the cookie is gone, and a reload or a new tab asks to log in."""
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, site.url, USER, PASSWORD)
        wait_for_cookie(context)
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("heading", name="Practice login").wait_for()
        wait_for_cookie(context, present=False)
        assert shows_login_form(page, site.url), "a reload after Log out is logged in again"
        other = context.new_page()
        assert shows_login_form(other, site.url, "wearers"), "a new tab is logged in again"
    finally:
        context.close()


def test_a_cookie_kept_past_a_log_out_no_longer_logs_in(site, browser, show_log_on_failure):
    """Item 2: a copy of the cookie (another browser, a stolen copy) dies with the log-out."""
    first = browser.new_context()
    second = browser.new_context()
    try:
        page = first.new_page()
        log_in(page, site.url, USER, PASSWORD)
        kept = wait_for_cookie(first)["value"]
        other = second.new_page()
        second.add_cookies([_cookie_for(site, kept)])
        assert not shows_login_form(other, site.url), "the copied cookie should log in before"
        page.get_by_role("button", name="Log out").click()
        page.get_by_role("heading", name="Practice login").wait_for()
        third = browser.new_context()
        try:
            third.add_cookies([_cookie_for(site, kept)])
            assert shows_login_form(third.new_page(), site.url), "the cookie outlived Log out"
        finally:
            third.close()
        assert shows_login_form(other, site.url), "the other browser's login outlived Log out"
    finally:
        first.close()
        second.close()


def test_a_new_password_ends_every_earlier_login(site, browser, show_log_on_failure):
    """Item 2: `add-practitioner` with a new password ends the cookies made before it."""
    site.add_practitioner("pwchange", PASSWORD, "P. Change")
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, site.url, "pwchange", PASSWORD)
        kept = wait_for_cookie(context)["value"]
        site.add_practitioner("pwchange", "another-Passw0rd-77")
        fresh = browser.new_context()
        try:
            fresh.add_cookies([_cookie_for(site, kept)])
            page2 = fresh.new_page()
            assert shows_login_form(page2, site.url), "the cookie outlived a new password"
        finally:
            fresh.close()
        assert shows_login_form(page, site.url, "wearers"), "the open page outlived it too"
    finally:
        context.close()


def test_the_login_cookie_is_http_only_strict_and_secure_behind_https(
    site, browser, show_log_on_failure
):
    """Item 2: no script in the page can read the cookie; behind HTTPS it is Secure."""
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, site.url, USER, PASSWORD)
        cookie = wait_for_cookie(context)
        assert cookie["httpOnly"], cookie
        assert cookie["sameSite"] == "Strict", cookie
        assert COOKIE not in page.evaluate("document.cookie")
        assert not cookie["secure"]  # plain HTTP here: a Secure cookie would not be kept
    finally:
        context.close()
    proxied = browser.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
    try:  # as Caddy forwards a practitioner who came over HTTPS
        page = proxied.new_page()
        log_in(page, site.url, USER, PASSWORD)
        assert wait_for_cookie(proxied)["secure"]
    finally:
        proxied.close()


@pytest.mark.parametrize(
    "forged",
    [
        _unsigned({"username": USER, "exp_date": time.time() + 3600}),
        _unsigned({"sub": USER, "gen": 0, "exp": int(time.time()) + 3600}),
        "not.a.token",
        "%%%",
    ],
    ids=["alg-none-old-claims", "alg-none-new-claims", "three-parts", "junk"],
)
def test_a_forged_cookie_shows_the_login_form_and_no_traceback(
    site, browser, forged, show_log_on_failure
):
    """Item 6: a forged or broken cookie logs nobody in and shows no traceback or path."""
    context = browser.new_context()
    try:
        context.add_cookies([_cookie_for(site, forged)])
        page = context.new_page()
        page.goto(site.url, wait_until="domcontentloaded")
        login = page.get_by_role("heading", name="Practice login")
        error = page.locator('[data-testid="stException"], [data-testid="stAlert"]')
        login.or_(error).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        text = page.locator("body").inner_text()
        assert page.locator('[data-testid="stException"]').count() == 0, text
        for leak in ("Traceback", 'File "', "site-packages", ".py", "/tmp/", "/work/"):
            assert leak not in text, (leak, text)
        assert login.count() == 1 and page.get_by_role("heading", name="Wearers").count() == 0
    finally:
        context.close()


INTERNAL = (
    "/_stcore/metrics",
    "/_stcore/script-health-check",
    "/_stcore/upload_file/x/y",
    "/_stcore/bidi-components/x",
    "/media/x.png",
    "/component/x/index.html",
    "/app/static/x",
    "/_stcore/agent/openapi.json",
)


def test_streamlit_internals_answer_only_after_a_login(site, browser, show_log_on_failure):
    """Item 13: `/_stcore/metrics` and Streamlit's other internals need a login; the page,
    its health check and its host config (which the login form needs) do not."""
    status, body = http_get(f"{site.url}/_stcore/metrics")
    assert status == 404, (status, body[:200])
    for path in INTERNAL[1:]:
        status, body = http_get(f"{site.url}{path}")
        assert status in (403, 404, 405), (path, status, body[:200])
    for path in ("/", "/_stcore/health", "/_stcore/host-config"):
        assert http_get(f"{site.url}{path}")[0] == 200, path
    context = browser.new_context()
    try:
        log_in(context.new_page(), site.url, USER, PASSWORD)
        cookie = wait_for_cookie(context)["value"]
    finally:
        context.close()
    status, _ = http_get(f"{site.url}/_stcore/metrics", cookie=cookie)
    assert status == 200, "a practitioner who logged in still reaches them"

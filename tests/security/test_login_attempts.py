"""Attempts on the practice's accounts (issue 19, items 3, 4, 5): lock-outs and a restart,
finding out which user names exist, and one account under two spellings.

The lock-out and the spellings are played in Chromium against the suite's practice; the
bcrypt work per attempt is counted in-process through Streamlit's AppTest (the time an
attacker measures is that work: about 0.3 s per check here, against nothing for a name that
skips it).
"""

from __future__ import annotations

import json

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from backcoach.dashboard import practice_accounts as practice
from tests.dashboard.stores import APP

from .browsing import open_login, submit, wait_logged_in
from .conftest import PASSWORD, needs_chromium

WRONG = "Wrong user name or password"
LOCKED = "it is locked"
ATTEMPTS = 5  # practice.max_login_attempts' default


def _tries_until_locked(page, user: str) -> int:
    """Wrong passwords for `user` until the form says the account is locked (at most one
    more than allowed); how many it took. Every refusal before says only "wrong"."""
    for i in range(1, ATTEMPTS + 2):
        submit(page, user, f"wrong-password-{i}")
        text = page.locator("body").inner_text()
        if LOCKED in text:
            return i
        assert WRONG in text, (i, text)
    raise AssertionError(f"{user} was not locked after {ATTEMPTS + 1} wrong passwords")


@needs_chromium
@pytest.mark.browser
@pytest.mark.influx
def test_a_locked_account_stays_locked_after_a_restart(site, browser, show_log_on_failure):
    """Item 3: five wrong passwords lock the account; restarting the dashboard does not unlock
    it; a new password from `add-practitioner` does (as docs/practice.md says)."""
    site.add_practitioner("locky", PASSWORD)
    context = browser.new_context()
    try:
        page = context.new_page()
        open_login(page, site.url)
        assert _tries_until_locked(page, "locky") <= ATTEMPTS + 1
        site.restart()
        page = context.new_page()
        open_login(page, site.url)
        submit(page, "locky", PASSWORD)
        text = page.locator("body").inner_text()
        assert LOCKED in text, f"the restart unlocked the account: {text}"
        site.add_practitioner("locky", "a-new-Passw0rd-123")
        open_login(page, site.url)
        submit(page, "locky", "a-new-Passw0rd-123")
        wait_logged_in(page)
    finally:
        context.close()


@needs_chromium
@pytest.mark.browser
@pytest.mark.influx
def test_an_unknown_name_is_locked_like_a_real_one(site, browser, show_log_on_failure):
    """Item 4: the messages do not tell names apart: a name without an account is refused,
    then locked, exactly like a real account."""
    context = browser.new_context()
    try:
        page = context.new_page()
        open_login(page, site.url)
        assert _tries_until_locked(page, "nobody-here") == ATTEMPTS
        submit(page, "nobody-here", "and-one-more")
        assert LOCKED in page.locator("body").inner_text()
    finally:
        context.close()


@needs_chromium
@pytest.mark.browser
@pytest.mark.influx
def test_one_account_whatever_the_letter_case(site, browser, show_log_on_failure):
    """Item 5: `add-practitioner Casey` after `casey` gives casey a new password; it makes no
    second account, and the login form takes either spelling."""
    site.add_practitioner("casey", PASSWORD, "C. Asey")
    said = site.add_practitioner("Casey", "second-Passw0rd-55")
    assert "casey has a new password" in said, said
    folder = site.world.folder
    names = [n for n in json.loads((folder / practice.PRACTITIONERS).read_text())["usernames"]]
    assert sorted(n.lower() for n in names if n.lower() == "casey") == ["casey"], names
    listed = site.cli("practice", "list").stdout
    assert "Casey" not in listed and "casey" in listed, listed
    context = browser.new_context()
    try:
        page = context.new_page()
        open_login(page, site.url)
        submit(page, "CASEY", "second-Passw0rd-55")
        wait_logged_in(page)
        assert "Logged in as C. Asey" in page.locator("body").inner_text()
    finally:
        context.close()


# -- in-process: the bcrypt work per attempt ---------------------------------------------------
@pytest.fixture()
def practice_dir(tmp_path, monkeypatch):
    """A practice folder with one practitioner; the app in practice mode (no server needed
    before a login)."""
    folder = tmp_path / "data" / "practice"
    practice.save_roster(folder, practice.Roster("http://127.0.0.1:9", practice.READER_NAME))
    practice.write_private(folder / practice.READER_TOKEN, "reader:secret-Passw0rd\n")
    practice.set_practitioner(folder, "jdevries", "J. de Vries", PASSWORD)
    (tmp_path / "config.toml").touch()
    for key, value in {
        practice.DASHBOARD_ENV: "1",
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "config.toml"),
        "BACKCOACH_LANGUAGE": "en",
    }.items():
        monkeypatch.setenv(key, value)
    return folder


def _attempt(user: str, password: str) -> str:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input[0].input(user)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return "\n".join(str(e.value) for e in at.error)


def test_every_name_costs_one_bcrypt_check(practice_dir, monkeypatch):
    """Item 4: an unknown name takes the same bcrypt work as a real one with a wrong password
    (an attacker timed 0.56 s against 0.92 s in Chromium when it skipped bcrypt)."""
    calls: list[str] = []
    real = bcrypt.checkpw

    def counted(password: bytes, hashed: bytes) -> bool:
        calls.append(hashed.decode()[:7])  # the scheme and cost: "$2b$12$"
        return real(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", counted)
    assert WRONG in _attempt("jdevries", "wrong-password")
    known = list(calls)
    calls.clear()
    assert WRONG in _attempt("no-such-person", "wrong-password")
    assert calls == known == ["$2b$12$"], (calls, known)


def test_a_file_with_one_name_in_two_spellings_is_refused_in_one_line(practice_dir):
    """Item 5: accounts an older version made as JDevries and jdevries: the form would let
    either password in as one practitioner; the dashboard says which name to remove instead."""
    path = practice_dir / practice.PRACTITIONERS
    doc = json.loads(path.read_text())
    doc["usernames"]["JDevries"] = dict(doc["usernames"]["jdevries"])
    practice.write_private(path, json.dumps(doc))
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "'jdevries' twice" in errors and "remove one" in errors, errors
    assert len(at.text_input) == 0  # no login form over an ambiguous file

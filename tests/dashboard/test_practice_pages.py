"""The practice dashboard's door and read-only pages through Streamlit's AppTest.

The browser test covers logging in, the list and the report against a real InfluxDB; these
cover what takes a clock or many tries there: a session that expires, an account locked after
too many wrong passwords, a practice without accounts, and the wearer pages before a wearer is
chosen. The practice's server is unreachable here on purpose: nothing of it is needed before
the login, and the overview says in one line that it cannot read it.
"""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from backcoach.cli import main
from backcoach.dashboard import practice_accounts as practice
from backcoach.dashboard import practice_auth
from backcoach.dashboard.login import TOKEN_KEY
from backcoach.errors import StoreUnavailable
from backcoach.storage.readonly import CHANGES, ReadOnlyStore
from backcoach.storage.sqlite import SQLiteStore

from .stores import APP

USER, PASSWORD = "jdevries", "correct-horse-battery-42"
TIMEOUT_S = 60


@pytest.fixture()
def practice_dir(tmp_path, monkeypatch):
    """A practice folder with one wearer and one practitioner; the app in practice mode."""
    folder = tmp_path / "data" / "practice"
    wearer = practice.Wearer("anna", "backcoach_anna", "backcoach_w_anna")
    practice.save_roster(folder, practice.Roster("http://127.0.0.1:9", practice.READER_NAME))
    practice.save_roster(folder, practice.load_roster(folder).with_wearer(wearer))
    practice.write_private(folder / practice.READER_TOKEN, "reader:secret-Passw0rd\n")
    (tmp_path / "config.toml").touch()
    for key, value in {
        practice.DASHBOARD_ENV: "1",
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "config.toml"),
        "BACKCOACH_LANGUAGE": "en",
    }.items():
        monkeypatch.setenv(key, value)
    return folder


def app() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    return at.run()


def log_in(at: AppTest, password: str) -> AppTest:
    at.text_input[0].input(USER)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def shown(at: AppTest) -> str:
    parts = [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [m.value for m in at.markdown] + [t.value for t in at.title]
    return "\n".join(str(p) for p in parts)


def test_before_a_login_only_the_login_form_is_drawn(practice_dir):
    practice.set_practitioner(practice_dir, USER, "J. de Vries", PASSWORD)
    at = app()
    assert not at.exception
    assert [t.value for t in at.title] == []
    assert len(at.text_input) == 2 and "anna" not in shown(at)
    assert TOKEN_KEY not in at.session_state


def test_a_login_opens_the_overview_and_a_session_expires(practice_dir):
    practice.set_practitioner(practice_dir, USER, "J. de Vries", PASSWORD)
    at = log_in(app(), PASSWORD)
    assert [t.value for t in at.title] == ["Wearers"]
    assert "cannot be opened" in shown(at)  # the (absent) server, in one line
    auth = practice_auth.for_folder(practice_dir, max_attempts=5, session_hours=8)
    token = at.session_state[TOKEN_KEY]
    assert auth.expires_at(token) > time.time() + 7 * 3600  # practice.session_hours: 8

    at.session_state[TOKEN_KEY] = auth.token(USER, now=time.time() - 8 * 3600 - 1)  # 8 h later
    at.run()
    assert [w.value for w in at.warning] == ["Your session has expired. Log in again."]
    assert [t.value for t in at.title] == [] and len(at.text_input) == 2
    assert TOKEN_KEY not in at.session_state


def test_a_wrong_password_is_refused_and_five_lock_the_account(practice_dir):
    practice.set_practitioner(practice_dir, USER, "J. de Vries", PASSWORD)
    at = log_in(app(), "wrong-password")
    assert [e.value for e in at.error] == ["Wrong user name or password. Check both and try again."]
    assert [t.value for t in at.title] == []
    for _ in range(4):
        log_in(at, "wrong-password")
    log_in(at, PASSWORD)  # the right one, too late
    assert "it is locked" in shown(at) and [t.value for t in at.title] == []
    practice.set_practitioner(practice_dir, USER, "J. de Vries", "a-new-Passw0rd")
    at = log_in(app(), "a-new-Passw0rd")  # a new password unlocks it
    assert [t.value for t in at.title] == ["Wearers"]


def test_a_practice_without_accounts_says_how_to_make_one(practice_dir):
    at = app()
    assert "backcoach practice add-practitioner" in shown(at)
    assert len(at.text_input) == 0


def test_a_wearer_page_before_a_wearer_is_chosen_asks_for_one(practice_dir):
    practice.set_practitioner(practice_dir, USER, "J. de Vries", PASSWORD)
    at = log_in(app(), PASSWORD)
    at.switch_page("app_pages/diary.py").run()
    assert not at.exception
    assert "Choose a wearer on the Wearers page first." in [i.value for i in at.info]


def test_the_practice_dashboard_refuses_to_start_without_accounts(practice_dir, capsys):
    assert main(["dashboard", "--practice", "--port", "8599"]) == 1
    err = capsys.readouterr().err
    assert "no practitioner accounts" in err and "add-practitioner" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("method", sorted(CHANGES))
def test_a_read_only_store_refuses_every_change_and_passes_reads(method, tmp_path):
    inner = SQLiteStore(tmp_path / "s.sqlite")
    store = ReadOnlyStore(inner, whose="anna")
    try:
        with pytest.raises(StoreUnavailable, match="anna's data is read-only"):
            getattr(store, method)(0.0, 1.0)
        assert store.read_status() == {}
    finally:
        store.close()

"""The practice dashboard's login: practitioners' accounts, sessions that expire.

Why streamlit-authenticator: it checks passwords against bcrypt hashes, counts wrong tries per
account, and keeps a login across page reloads in a signed (HS256) cookie that expires; we add
what it lacks for a practice: a session already open also ends when the login expires (the
library keeps a session logged in until its tab closes), and our own messages in both languages.
Accounts come from the practice folder (`backcoach practice add-practitioner`); the cookie's
signing key too. Nothing else of the app runs before `require()` returns.
"""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from backcoach import practice
from backcoach.config import Settings
from backcoach.dashboard.i18n import t

COOKIE_NAME = "backcoach_practice_login"
EXPIRES_KEY = "practice_login_expires_s"


def _accounts_key(folder: Path) -> str:
    path = folder / practice.PRACTITIONERS
    return f"{path}|{path.stat().st_mtime_ns if path.exists() else 0}"


@st.cache_resource(show_spinner=False)
def _accounts(key: str, folder: str) -> dict:
    """The accounts, shared by all sessions so wrong tries count across them (a new password,
    which changes the file, starts the count again)."""
    return practice.load_practitioners(Path(folder))


def _authenticator(settings: Settings, lang: str):
    import streamlit_authenticator as stauth

    folder = settings.practice_path
    return stauth.Authenticate(
        _accounts(_accounts_key(folder), str(folder)),
        cookie_name=COOKIE_NAME,
        cookie_key=practice.cookie_key(folder),
        cookie_expiry_days=settings.practice.session_hours / 24,
        auto_hash=False,
        login_sleep_time=0,  # it waits for a cookie component; we read cookies from the request
    )


def _fields(lang: str) -> dict[str, str]:
    return {
        "Form name": t("login.form", lang),
        "Username": t("login.username", lang),
        "Password": t("login.password", lang),
        "Login": t("login.button", lang),
    }


def _expired(settings: Settings) -> bool:
    """Start the session's clock at login (or at the cookie's expiry); True once it ran out."""
    now = time.time()
    if EXPIRES_KEY not in st.session_state:
        st.session_state[EXPIRES_KEY] = now + settings.practice.session_hours * 3600
    return now >= st.session_state[EXPIRES_KEY]


def require(settings: Settings, lang: str) -> str:
    """The logged-in practitioner's name; otherwise the login form, and the page stops."""
    from streamlit_authenticator.utilities import LoginError

    if not _accounts(_accounts_key(settings.practice_path), str(settings.practice_path))[
        "usernames"
    ]:
        st.error(t("login.no_accounts", lang))
        st.stop()
    auth = _authenticator(settings, lang)
    if st.session_state.get("authentication_status") and _expired(settings):
        auth.logout(location="unrendered")
        st.session_state.pop(EXPIRES_KEY, None)
        st.session_state["practice_expired"] = True
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(EXPIRES_KEY, None)
        if st.session_state.pop("practice_expired", False):
            st.warning(t("login.expired", lang))
        st.caption(t("login.intro", lang))
    try:
        auth.login(
            location="main",
            max_login_attempts=settings.practice.max_login_attempts,
            fields=_fields(lang),
            key="practice-login",
        )
    except LoginError:
        st.error(t("login.locked", lang))
        st.stop()
    status = st.session_state.get("authentication_status")
    if status is False:
        st.error(t("login.wrong", lang))
    if not status:
        st.stop()
    _expired(settings)  # starts the clock of a fresh login
    st.sidebar.caption(t("login.as", lang, name=st.session_state.get("name") or ""))
    auth.logout(button_name=t("login.logout", lang), location="sidebar", key="practice-logout")
    if not st.session_state.get("authentication_status"):
        st.rerun()  # logged out just now: nothing more of this run may be drawn
    return str(st.session_state.get("username"))

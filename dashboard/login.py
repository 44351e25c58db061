"""The practice dashboard's login form: nothing of the app runs before `require()` returns.

The rules (one bcrypt check per attempt whatever the name, lock-outs kept on disk, tokens that
a log-out or a new password ends) are in `practice_auth.py`; the cookie that keeps a login
across reloads and tabs is set and cleared by the server (`practice_door.py`: HttpOnly,
SameSite=Strict, Secure behind HTTPS). This module draws the form and the sidebar's *Log out*,
in both languages, and checks the session's token on every run, so a page that stayed open
asks for the password again once the login expired, was logged out elsewhere, or its
practitioner got a new password.
"""

from __future__ import annotations

import html

import streamlit as st

from backcoach.config import Settings
from backcoach.dashboard import practice_auth, practice_door
from backcoach.errors import BackcoachError
from backcoach.i18n import t

TOKEN_KEY = "practice_login_token"  # the session's login token (also in the cookie)
TICKET_KEY = "practice_login_ticket"  # the cookie's ticket, until the browser fetched it
EXPIRED_KEY = "practice_login_expired"
USER_KEY = "practice_user"


def practitioners(settings: Settings) -> practice_auth.Practitioners:
    return practice_auth.for_folder(
        settings.practice_path,
        max_attempts=settings.practice.max_login_attempts,
        session_hours=settings.practice.session_hours,
    )


def _pixel(url: str) -> None:
    """A 1-pixel image from our own server: how the page has the server set or clear the
    cookie (a websocket cannot)."""
    st.sidebar.html(
        f'<img src="{html.escape(url)}" alt="" width="1" height="1" '
        'style="position:absolute;opacity:0" referrerpolicy="no-referrer">'
    )


def _current(auth: practice_auth.Practitioners) -> str | None:
    """The practitioner this session is logged in as: by its own token, else the cookie's."""
    token = st.session_state.get(TOKEN_KEY)
    if token is not None:
        verdict = auth.verify(token)
        if verdict.username:
            return verdict.username
        _forget()
        st.session_state[EXPIRED_KEY] = True  # ran out, logged out elsewhere, new password
        return None
    cookie = st.context.cookies.get(practice_door.COOKIE_NAME)
    verdict = auth.verify(cookie)
    if verdict.username:
        st.session_state[TOKEN_KEY] = cookie
        return verdict.username
    if verdict.expired:
        st.session_state[EXPIRED_KEY] = True
    return None


def _forget() -> None:
    for key in (TOKEN_KEY, TICKET_KEY, USER_KEY):
        st.session_state.pop(key, None)


def _log_out(auth: practice_auth.Practitioners) -> None:
    """The sidebar button's callback: runs before the page, so the next run draws the login
    form (and the image that clears the cookie) without a second rerun."""
    user = st.session_state.get(USER_KEY)
    if user:
        auth.log_out(user)  # every cookie of this practitioner stops logging in, on any browser
    _forget()
    st.session_state["practice_logged_out"] = True


def _form(auth: practice_auth.Practitioners, lang: str) -> None:
    """The login form; on success the session holds the token and the cookie's ticket."""
    if st.session_state.pop(EXPIRED_KEY, False):
        st.warning(t("login.expired", lang))
    st.caption(t("login.intro", lang))
    with st.form("practice-login"):
        st.subheader(t("login.form", lang))
        username = st.text_input(t("login.username", lang), autocomplete="username")
        password = st.text_input(
            t("login.password", lang), type="password", autocomplete="current-password"
        )
        sent = st.form_submit_button(t("login.button", lang))
    if st.session_state.pop("practice_logged_out", False) or (
        practice_door.COOKIE_NAME in st.context.cookies
    ):
        _pixel(practice_door.clear_url())  # the browser's copy goes too
    if not sent:
        return
    outcome = auth.log_in(username, password)
    if outcome.status == "locked":
        st.error(t("login.locked", lang))
        return
    if outcome.status == "wrong":
        st.error(t("login.wrong", lang))
        return
    token = auth.token(outcome.username)
    st.session_state[TOKEN_KEY] = token
    st.session_state[TICKET_KEY] = practice_door.TICKETS.issue(token, auth.session_s)
    st.rerun()  # draw the app from the top, logged in


def require(settings: Settings, lang: str) -> str:
    """The logged-in practitioner's user name; otherwise the login form, and the page stops."""
    auth = practitioners(settings)
    try:
        accounts = auth.accounts()
    except BackcoachError as exc:  # e.g. practitioners.json holds one name twice
        st.error(t("practice.error", lang, error=str(exc)))
        st.stop()
        raise
    if not accounts:
        st.error(t("login.no_accounts", lang))
        st.stop()
    user = _current(auth)
    if user is None:
        _form(auth, lang)
        st.stop()
    st.session_state[USER_KEY] = user
    ticket = st.session_state.get(TICKET_KEY)
    if ticket is not None:
        if practice_door.TICKETS.waiting(ticket):
            _pixel(practice_door.set_url(ticket))  # until the browser has fetched its cookie
        else:
            st.session_state.pop(TICKET_KEY, None)
    name = auth.accounts().get(user, {}).get("name") or user
    st.sidebar.caption(t("login.as", lang, name=name))
    st.sidebar.button(
        t("login.logout", lang), key="practice-logout", on_click=_log_out, args=(auth,)
    )
    return user

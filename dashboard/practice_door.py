"""The practice dashboard's second lock: the login cookie, set and cleared by the server.

Why here and not in the page: a Streamlit page talks to the browser over a websocket and cannot
set a cookie; a cookie set from JavaScript (as streamlit-authenticator did) can be read by any
script in the page and is neither HttpOnly nor Secure. So, in front of Streamlit like the guard
(`guard.py`), this ASGI middleware does three things in practice mode (it lets everything
through otherwise):

1. **Sets the login cookie.** After a login the page shows a 1-pixel image from
   `/_backcoach/login?ticket=T`: a one-time ticket (`TICKETS`, in this process, for
   `TICKET_TTL_S`) that the page got for the login's token. The answer sets the cookie
   HttpOnly, SameSite=Strict, Path=/, for the session's hours, and Secure when the browser came
   over HTTPS (directly, or through a proxy that says `X-Forwarded-Proto: https`).
2. **Clears it.** `/_backcoach/logout` answers with the cookie expired; the page shows it after
   a log-out (the log-out itself already ended the token on the server, `practice_auth.py`).
3. **Keeps Streamlit's internals behind the login.** Before a login the browser needs only the
   page, its static files, `/_stcore/health`, `/_stcore/host-config` and the websocket (where
   the login form lives); everything else under Streamlit's own prefixes (`/_stcore/metrics`,
   `/media/` downloads, uploads, components, the agent API) is answered only to a request that
   carries a valid login cookie, else 404.

Both `/_backcoach/` addresses answer only same-origin requests (`Sec-Fetch-Site`), so another
site cannot log a practitioner out or in.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
import time
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from backcoach.dashboard.practice_accounts import DASHBOARD_ENV

COOKIE_NAME = "backcoach_practice_login"
SET_PATH = "/_backcoach/login"
CLEAR_PATH = "/_backcoach/logout"
TICKET_TTL_S = 120.0
#: What a browser needs before its practitioner has logged in (exact paths, and prefixes).
PUBLIC_PATHS = frozenset({"/_stcore/health", "/_stcore/host-config", "/_stcore/stream"})
PUBLIC_PREFIXES = ("/static/",)
#: Streamlit's own routes: answered only with a valid login cookie (apart from the above).
GATED_PREFIXES = (
    "/_stcore/",
    "/media/",
    "/component/",
    "/app/static/",
    "/auth/",
    "/oauth2callback",
    "/_backcoach/",
)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Tickets:
    """One-time tickets: a login token waiting for the browser to fetch its cookie."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, tuple[str, float, float]] = {}  # ticket -> token, max age, deadline

    def issue(self, token: str, max_age_s: float) -> str:
        ticket = secrets.token_urlsafe(24)
        now = time.monotonic()
        with self._lock:
            self._open = {k: v for k, v in self._open.items() if v[2] > now}
            self._open[ticket] = (token, max_age_s, now + TICKET_TTL_S)
        return ticket

    def redeem(self, ticket: str) -> tuple[str, float] | None:
        with self._lock:
            entry = self._open.pop(ticket, None)
        if entry is None or entry[2] <= time.monotonic():
            return None
        return entry[0], entry[1]

    def waiting(self, ticket: str) -> bool:
        with self._lock:
            entry = self._open.get(ticket)
        return entry is not None and entry[2] > time.monotonic()


TICKETS = Tickets()


def set_url(ticket: str) -> str:
    return f"{SET_PATH}?ticket={urllib.parse.quote(ticket)}"


def clear_url() -> str:
    return f"{CLEAR_PATH}?n={secrets.token_urlsafe(8)}"  # a fresh address: never from a cache


def _practitioners():
    """The practice's accounts, as the login form sees them (settings read once per process)."""
    from backcoach.config import load_settings
    from backcoach.dashboard import practice_auth

    s = load_settings()
    return practice_auth.for_folder(
        s.practice_path,
        max_attempts=s.practice.max_login_attempts,
        session_hours=s.practice.session_hours,
    )


def gated(path: str) -> bool:
    """Whether a path needs a login: Streamlit's internals other than the public few."""
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return False
    return path.startswith(GATED_PREFIXES)


class PracticeDoor:
    """ASGI middleware: the login cookie and the login in front of Streamlit's internals."""

    def __init__(self, app: ASGIApp, *, active: bool | None = None, practitioners=None) -> None:
        self.app = app
        self.active = os.environ.get(DASHBOARD_ENV) == "1" if active is None else active
        self._practitioners = practitioners

    def practitioners(self):
        if self._practitioners is None:
            self._practitioners = _practitioners()
        return self._practitioners

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.active or scope["type"] != "http":
            await self.app(scope, receive, send)  # the websocket is where the login happens
            return
        path = scope["path"]
        if not gated(path):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if path in (SET_PATH, CLEAR_PATH):
            await self._cookie_route(scope, send, headers)
            return
        held = SimpleCookie(headers.get("cookie", "")).get(COOKIE_NAME)
        if held is not None and self.practitioners().verify(held.value).username:
            await self.app(scope, receive, send)
            return
        await _answer(send, 404, b"Not found", [(b"content-type", b"text/plain")])

    async def _cookie_route(self, scope: Scope, send: Send, headers: dict[str, str]) -> None:
        if headers.get("sec-fetch-site", "same-origin") != "same-origin":
            await _answer(send, 403, b"Forbidden", [(b"content-type", b"text/plain")])
            return
        secure = "; Secure" if _https(scope, headers) else ""
        if scope["path"] == CLEAR_PATH:
            cookie = f"{COOKIE_NAME}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"
        else:
            query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
            found = TICKETS.redeem((query.get("ticket") or [""])[0])
            if found is None:
                await _answer(send, 404, b"Not found", [(b"content-type", b"text/plain")])
                return
            token, max_age = found
            cookie = (
                f"{COOKIE_NAME}={token}; Path=/; Max-Age={int(max_age)}; HttpOnly; "
                f"SameSite=Strict{secure}"
            )
        await _answer(
            send,
            200,
            PIXEL,
            [
                (b"content-type", b"image/gif"),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"referrer-policy", b"no-referrer"),
            ],
        )


def _https(scope: Scope, headers: dict[str, str]) -> bool:
    forwarded = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return scope.get("scheme") == "https" or forwarded == "https"


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

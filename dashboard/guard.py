"""The dashboard's door: a Host check and a per-launch secret, in front of every request.

Why: the dashboard shows, exports and deletes health data, and a browser will happily let any web
page reach `http://127.0.0.1:8501` through DNS rebinding (a name of the attacker's that resolves to
127.0.0.1: the browser then treats the dashboard as that page's own origin, so Streamlit's
Origin and XSRF checks pass, and the websocket answered 101). Two locks, checked for every HTTP
request and websocket handshake before Streamlit sees it (an ASGI middleware given to `st.App`,
Streamlit's documented way to put code in front of the server):

1. **Host.** The Host header must name the served address: on a loopback address only
   127.0.0.1, localhost or [::1], with the served port; on a network address also IP literals and
   this machine's own names. A rebinding page's Host is the attacker's name, so it is refused.
2. **Secret.** `backcoach dashboard` makes a random secret per launch and prints the link that
   carries it once (`/?token=...`). Opening it sets an HttpOnly, SameSite=Strict cookie (an HMAC
   of the secret, never the secret itself) and redirects to the page without the token; without
   that cookie a request gets a short page saying which link to open. The wearer may turn the
   secret off for a loopback address (`dashboard.require_secret = false`), never for a network.

`/_stcore/health` answers without the secret (it tells nothing) but not to a foreign Host.
Behind a reverse proxy (a practice's Caddy, docs/practice.md) the Host is the public name: it is
admitted only when named in `dashboard.allowed_hosts`, whatever port the proxy serves it on.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import ipaddress
import json
import os
import socket
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

ENV = "BACKCOACH_DASHBOARD_GUARD"  # how `backcoach dashboard` hands the guard its settings
TOKEN_PARAM = "token"
HEALTH_PATH = "/_stcore/health"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def is_loopback(host: str) -> bool:
    """True for 127.0.0.1, ::1, localhost and the rest of 127.0.0.0/8."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class GuardConfig:
    """What the guard admits: the served address and port, and the secret (None: off)."""

    host: str
    port: int
    secret: str | None
    allowed: tuple[str, ...] = ()  # public names a reverse proxy forwards (lower case)

    @property
    def cookie_name(self) -> str:
        return f"backcoach_dashboard_{self.port}"  # cookies ignore ports: one per dashboard

    @property
    def cookie_value(self) -> str:
        key = (self.secret or "").encode()
        return hmac.new(key, b"dashboard cookie", hashlib.sha256).hexdigest()

    def to_env(self) -> str:
        return json.dumps(
            {"host": self.host, "port": self.port, "secret": self.secret, "allowed": self.allowed}
        )

    @classmethod
    def from_env(cls, environ: MutableMapping[str, str] | None = None) -> GuardConfig | None:
        raw = (os.environ if environ is None else environ).get(ENV)
        if not raw:
            return None
        d = json.loads(raw)
        allowed = tuple(str(n).lower() for n in d.get("allowed") or ())
        return cls(str(d["host"]), int(d["port"]), d.get("secret") or None, allowed)

    def host_allowed(self, header: str) -> bool:
        """Whether a Host header names this dashboard (name and port)."""
        name, port = _split_host(header)
        if name and name in self.allowed:
            return True  # a name the reverse proxy in front serves (on its own port)
        if port != self.port or not name:
            return False
        if name in LOOPBACK_NAMES:
            return True
        if is_loopback(self.host):
            return False  # a loopback dashboard is reached by loopback names only
        if name == self.host.lower():
            return True
        try:
            ipaddress.ip_address(name)
            return True  # an address literal needs no DNS, so it cannot be rebound
        except ValueError:
            return name in _own_names()


def _split_host(header: str) -> tuple[str, int | None]:
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8501
        name, _, rest = header[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        name, _, port = header.rpartition(":") if ":" in header else (header, "", "")
    try:
        return name, int(port) if port else 80
    except ValueError:
        return name, None


def _own_names() -> set[str]:
    names = {socket.gethostname().lower(), socket.getfqdn().lower()}
    return {n for n in names if n}


class Guard:
    """ASGI middleware: Host check and secret cookie for every request (see module docstring)."""

    def __init__(self, app: ASGIApp, config: GuardConfig | None = None) -> None:
        self.app = app
        self.config = config if config is not None else GuardConfig.from_env()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        config = self.config
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        if config is None:
            await _refuse(scope, send, 403, "Start the dashboard with `backcoach dashboard`.")
            return
        if not config.host_allowed(headers.get("host", "")):
            await _refuse(scope, send, 403, "This address is not the dashboard's.")
            return
        if scope["path"] == HEALTH_PATH or config.secret is None:
            await self.app(scope, receive, send)
            return
        cookie = SimpleCookie(headers.get("cookie", ""))
        held = cookie.get(config.cookie_name)
        if held is not None and hmac.compare_digest(held.value, config.cookie_value):
            await self.app(scope, receive, send)
            return
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get(TOKEN_PARAM) or [""])[0]
        if scope["type"] == "http" and hmac.compare_digest(given.encode(), config.secret.encode()):
            await _admit(scope, send, config, query)
            return
        await _refuse(
            scope,
            send,
            401,
            "Open the link `backcoach dashboard` printed when it started: it carries this "
            "launch's secret. / Open de link die `backcoach dashboard` bij het starten toonde.",
        )


async def _admit(scope: Scope, send: Send, config: GuardConfig, query: dict) -> None:
    """Set the cookie and send the browser on to the same page without the token."""
    rest = {k: v for k, v in query.items() if k != TOKEN_PARAM}
    target = scope["path"] + ("?" + urllib.parse.urlencode(rest, doseq=True) if rest else "")
    cookie = f"{config.cookie_name}={config.cookie_value}; Path=/; HttpOnly; SameSite=Strict"
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", target.encode("latin-1")),
                (b"set-cookie", cookie.encode("latin-1")),
                (b"cache-control", b"no-store"),
                (b"referrer-policy", b"no-referrer"),
                (b"content-length", b"0"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _refuse(scope: Scope, send: Send, status: int, text: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        return
    body = (
        "<!doctype html><meta charset=utf-8><title>backcoach</title>"
        f"<p style='font-family:sans-serif'>{html.escape(text)}</p>"
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

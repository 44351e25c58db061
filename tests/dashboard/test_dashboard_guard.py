"""The dashboard's door, tried against the real `backcoach dashboard`: DNS rebinding, no secret.

A web page that rebinds its own name to 127.0.0.1 sends its name as Host (and Origin); before,
Streamlit answered that websocket with 101 and gave the page every reading, export and delete.
Here raw HTTP and websocket requests play that page; test_dashboard_browser.py plays it in
Chromium too.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import socket
import subprocess
import sys

import pytest
import websockets.sync.client as ws_client
from websockets.exceptions import InvalidStatus

from backcoach.commands import dashboard as cmd
from backcoach.config import load_settings
from backcoach.dashboard.guard import Guard, GuardConfig

from .serve import START_TIMEOUT_S, free_port, start_dashboard, stop, wait_healthy
from .stores import StoreDir

LINK = re.compile(r"Open (http://127\.0\.0\.1:(\d+)/)\?token=([\w-]+)")


@pytest.fixture(scope="module")
def guarded(synthetic_month: StoreDir, tmp_path_factory):
    """A running dashboard: (port, token)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("guarded") / "dashboard.log"
    proc = start_dashboard(synthetic_month.env(), log_path, "--port", str(port))
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, START_TIMEOUT_S)
        m = LINK.search(log_path.read_text())
        assert m and int(m.group(2)) == port, log_path.read_text()
        yield port, m.group(3)
    finally:
        stop(proc)
        text = log_path.read_text()
        assert text.count(m.group(3) if m else "\0") <= 1, "the secret was printed more than once"


def get(
    port: int, path: str, host: str | None = None, cookie: str = ""
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Host": host or f"127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


def login(port: int, token: str) -> str:
    """Open the printed link; returns the cookie the browser would keep."""
    resp = get(port, f"/?token={token}")
    assert resp.status == 303 and resp.headers["Location"] == "/"
    set_cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert token not in set_cookie, "the cookie holds a derived value, not the secret"
    return set_cookie.split(";")[0]


def websocket(port: int, host: str, cookie: str = "") -> int:
    """Open Streamlit's websocket as `host` (with that Origin); the HTTP status of the handshake."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    headers = {"Origin": f"http://{host}"}
    if cookie:
        headers["Cookie"] = cookie
    try:
        with ws_client.connect(
            f"ws://{host}/_stcore/stream", sock=sock, additional_headers=headers, open_timeout=10
        ):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


@pytest.mark.browser
def test_a_dns_rebinding_page_gets_neither_the_page_nor_the_websocket(guarded):
    """Foreign Host and Origin: 403 for the page and the websocket, even with the cookie."""
    port, token = guarded
    evil = f"rebind.example:{port}"
    cookie = login(port, token)
    assert get(port, "/", host=evil).status == 403
    assert get(port, f"/?token={token}", host=evil).status == 403
    assert get(port, "/", host=evil, cookie=cookie).status == 403
    assert get(port, "/_stcore/health", host=evil).status == 403
    assert websocket(port, evil) == 403
    assert websocket(port, evil, cookie) == 403
    assert websocket(port, f"127.0.0.1:{port}", cookie) == 101  # the wearer's own browser


@pytest.mark.browser
def test_without_the_printed_link_nothing_but_the_health_check_answers(guarded):
    port, token = guarded
    assert get(port, "/").status == 401
    assert get(port, "/?token=guessed").status == 401
    assert get(port, "/settings", cookie="backcoach_dashboard_1=forged").status == 401
    assert websocket(port, f"127.0.0.1:{port}") == 403
    assert websocket(port, f"localhost:{port}") == 403
    assert get(port, "/_stcore/health").status == 200
    cookie = login(port, token)
    assert get(port, "/", cookie=cookie).status == 200
    assert get(port, "/", host=f"localhost:{port}", cookie=cookie).status == 200


def test_the_secret_can_be_turned_off_for_localhost_only(tmp_path, monkeypatch):
    """dashboard.require_secret = false: no secret on 127.0.0.1; on a network address it stays."""
    seen = {}
    monkeypatch.setattr(cmd.os, "execve", lambda exe, argv, env: seen.update(env=env))
    monkeypatch.setattr(cmd, "port_is_free", lambda host, port: True)
    (tmp_path / "c.toml").write_text("[dashboard]\nrequire_secret = false\n")
    settings = load_settings(tmp_path / "c.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers())
    cmd.run(parser.parse_args(["dashboard"]), settings)
    local = GuardConfig.from_env(seen["env"])
    assert local is not None and local.secret is None
    cmd.run(parser.parse_args(["dashboard", "--host", "0.0.0.0"]), settings)
    network = GuardConfig.from_env(seen["env"])
    assert network is not None and network.secret

    async def ask(config: GuardConfig, host: str) -> int:
        sent: list[dict] = []

        async def app(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": []})

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": "/", "query_string": b"", "headers": []}
        scope["headers"] = [(b"host", host.encode())]
        await Guard(app, config)(scope, None, send)
        return sent[0]["status"]

    assert asyncio.run(ask(local, "127.0.0.1:8501")) == 200
    assert asyncio.run(ask(local, "rebind.example:8501")) == 403
    assert asyncio.run(ask(network, "192.0.2.7:8501")) == 401


def test_a_taken_port_is_named_with_a_free_one_before_anything_is_announced(tmp_path):
    """Through the real entry point: one line, exit 1, no "dashboard on" line before it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "none.toml").touch()  # a named settings file must exist
        env = {
            **os.environ,
            "BACKCOACH_DATA_DIR": str(tmp_path),
            "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "backcoach", "dashboard", "--port", str(port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert "\n" not in err and "dashboard on" not in proc.stdout + proc.stderr
    m = re.fullmatch(
        rf"backcoach: error: port {port} on 127\.0\.0\.1 is taken .*--port (\d+) .*", err
    )
    assert m, err
    suggested = int(m.group(1))
    with socket.socket() as s:
        s.bind(("127.0.0.1", suggested))  # it really is free


def test_a_public_name_is_admitted_only_when_allowed_whatever_the_proxys_port():
    """Behind Caddy the Host is the practice's name on 443: dashboard.allowed_hosts admits it."""
    plain = GuardConfig("0.0.0.0", 8501, None)
    behind = GuardConfig.from_env(
        {
            "BACKCOACH_DASHBOARD_GUARD": GuardConfig(
                "0.0.0.0", 8501, None, ("practice.example.org",)
            ).to_env()
        }
    )
    for header in ("practice.example.org", "practice.example.org:443", "PRACTICE.example.org"):
        assert not plain.host_allowed(header)
        assert behind.host_allowed(header)
    assert not behind.host_allowed("evil.example.org")
    assert not behind.host_allowed("practice.example.org.evil.example")

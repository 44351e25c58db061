"""`backcoach dashboard`: serve the Streamlit dashboard on this machine.

Why a command instead of `streamlit run`: it binds to 127.0.0.1 unless asked otherwise (health
data should not be on the network by accident), turns off usage statistics and the browser
launch, and hands the dashboard the same settings this command loaded (config file and data
directory travel as BACKCOACH_* environment variables). It serves `serve.py`, the dashboard
behind its guard (a Host check against the served address and a secret made for this launch,
printed once in the link to open; see `dashboard/guard.py`), and it checks that the port is
free before it says where the dashboard is.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import secrets
import socket
import sys
from pathlib import Path

from backcoach.config import Settings
from backcoach.dashboard.guard import ENV as GUARD_ENV
from backcoach.dashboard.guard import TOKEN_PARAM, GuardConfig, is_loopback
from backcoach.dashboard.practice_accounts import DASHBOARD_ENV as PRACTICE_ENV
from backcoach.errors import ConfigError
from backcoach.storage import demo_store

log = logging.getLogger(__name__)

PORT_SEARCH = 20  # how far past a taken port to look for a free one to suggest


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard",
        help="open the dashboard in your browser (served on 127.0.0.1)",
        description="Serve the backcoach dashboard with Streamlit. It listens on 127.0.0.1 "
        "only, unless --host says otherwise, and prints the link to open once: it carries a "
        "secret made for this launch (kept in a cookie by your browser). On 127.0.0.1 the "
        "secret can be turned off with dashboard.require_secret = false. Stop it with Ctrl+C.",
    )
    p.add_argument("--port", type=int, default=None, help="port (default: settings, 8501)")
    p.add_argument(
        "--host",
        default=None,
        help="address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to your network)",
    )
    p.add_argument(
        "--practice",
        action="store_true",
        help="the practice's dashboard: every wearer it follows, read-only, behind a "
        "practitioner's login (see `backcoach practice`, docs/practice.md)",
    )
    demo_store.add_store_option(p)
    p.set_defaults(handler=run)


def entry_file() -> Path:
    """The served entry script inside the installed package: the dashboard behind its guard."""
    from backcoach import dashboard

    return Path(dashboard.__file__).parent / "serve.py"


def streamlit_argv(host: str, port: int, *, practice: bool = False) -> list[str]:
    """The `streamlit run` command line for the dashboard.

    The practice's dashboard may face the internet: an unexpected error there shows no
    traceback (server paths, code), only that something went wrong; the server log keeps it.
    """
    details = ["--client.showErrorDetails", "none"] if practice else []
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(entry_file()),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--logger.hideWelcomeMessage",
        "true",  # its URL lacks the secret; this command prints the one to open
        *details,
    ]


def child_env(
    settings: Settings, guard: GuardConfig | None = None, *, practice: bool = False
) -> dict[str, str]:
    """The environment for the Streamlit process: ours plus the settings' file, data dir and
    the guard's settings (the secret goes only to that process)."""
    env = dict(os.environ)
    env.pop(PRACTICE_ENV, None)
    if practice:
        env[PRACTICE_ENV] = "1"
    env["BACKCOACH_DATA_DIR"] = str(settings.data_path)
    env["BACKCOACH_STORAGE"] = settings.storage  # `--store demo` is embedded whatever the file says
    if settings.config_file:
        env["BACKCOACH_CONFIG"] = settings.config_file
    if guard is not None:
        env[GUARD_ENV] = guard.to_env()
    return env


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (bound the way Streamlit's server binds)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host} is not an address of this machine ({exc})") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
    return True


def free_port_after(host: str, port: int) -> int | None:
    """The first free port after `port` (within PORT_SEARCH), to suggest."""
    for candidate in range(port + 1, min(port + PORT_SEARCH, 65535) + 1):
        if port_is_free(host, candidate):
            return candidate
    return None


def url_host(host: str) -> str:
    """The host as a URL writes it (IPv6 in brackets; a wildcard as 127.0.0.1, this machine)."""
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"[{host}]" if ":" in host else host


def run(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.dashboard.host
    port = settings.dashboard.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port is {port}; give a port from 1 to 65535")
    if not port_is_free(host, port):
        other = free_port_after(host, port)
        hint = f"use --port {other} (free now)" if other else "give another --port"
        raise ConfigError(
            f"port {port} on {host} is taken by another program; {hint} or stop that program"
        )
    loopback = is_loopback(host)
    if not loopback:
        log.warning(
            "the dashboard listens on %s: anyone on that network can reach it (the link's secret "
            "is still needed; from another machine use this one's address in the link)",
            host,
        )
    if args.practice:
        return _run_practice(settings, host, port)
    secret: str | None = secrets.token_urlsafe(24)
    if not settings.dashboard.require_secret:
        if loopback:
            secret = None
        else:
            log.warning("dashboard.require_secret = false applies to 127.0.0.1 only; kept on")
    allowed = tuple(n.lower() for n in settings.dashboard.allowed_hosts)
    guard = GuardConfig(host=host, port=port, secret=secret, allowed=allowed)
    address = f"http://{url_host(host)}:{port}/"
    log.info("dashboard on %s (Ctrl+C stops it)", address)  # logs never hold the secret
    # The link is shown once, to the wearer, not logged: it is the key to the data.
    sys.stdout.write(f"Open {address}?{TOKEN_PARAM}={secret}\n" if secret else f"Open {address}\n")
    return _serve(host, port, child_env(settings, guard))


def _serve(host: str, port: int, env: dict[str, str], *, practice: bool = False) -> int:
    argv = streamlit_argv(host, port, practice=practice)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process, so stopping `backcoach dashboard` stops the server with it.
    os.execve(argv[0], argv, env)
    return 0  # not reached


def _run_practice(settings: Settings, host: str, port: int) -> int:
    """The practice's dashboard: a practitioner's login stands where the link's secret stood
    (practitioners cannot be handed a per-launch link), the Host check stays."""
    from backcoach.dashboard import practice_accounts as practice

    folder = settings.practice_path
    roster = practice.load_roster(folder)
    practice.read_secret(folder, practice.READER_TOKEN)
    if not practice.load_practitioners(folder)["usernames"]:
        raise ConfigError(
            f"the practice in {folder} has no practitioner accounts: add one with `backcoach "
            "practice add-practitioner NAME` first (nothing is shown without a login)"
        )
    practice.cookie_key(folder)
    address = f"http://{url_host(host)}:{port}/"
    log.info(
        "practice dashboard for %d wearers on %s (Ctrl+C stops it)", len(roster.wearers), address
    )
    sys.stdout.write(f"Open {address} and log in\n")
    allowed = tuple(n.lower() for n in settings.dashboard.allowed_hosts)
    guard = GuardConfig(host=host, port=port, secret=None, allowed=allowed)
    return _serve(host, port, child_env(settings, guard, practice=True), practice=True)

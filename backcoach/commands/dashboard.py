"""`backcoach dashboard`: serve the Streamlit dashboard on this machine.

Why a command instead of `streamlit run`: it binds to 127.0.0.1 unless asked otherwise (health
data should not be on the network by accident), turns off usage statistics and the browser
launch, and hands the dashboard the same settings this command loaded (config file and data
directory travel as BACKCOACH_* environment variables).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from backcoach import demo_store
from backcoach.config import Settings
from backcoach.errors import ConfigError

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboard",
        help="open the dashboard in your browser (served on 127.0.0.1)",
        description="Serve the backcoach dashboard with Streamlit. It listens on 127.0.0.1 "
        "only, unless --host says otherwise; stop it with Ctrl+C.",
    )
    p.add_argument("--port", type=int, default=None, help="port (default: settings, 8501)")
    p.add_argument(
        "--host",
        default=None,
        help="address to listen on (default 127.0.0.1; 0.0.0.0 exposes it to your network)",
    )
    demo_store.add_store_option(p)
    p.set_defaults(handler=run)


def entry_file() -> Path:
    """The Streamlit entry script inside the installed package."""
    from backcoach import dashboard

    return Path(dashboard.__file__).parent / "app.py"


def streamlit_argv(host: str, port: int) -> list[str]:
    """The `streamlit run` command line for the dashboard."""
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
    ]


def child_env(settings: Settings) -> dict[str, str]:
    """The environment for the Streamlit process: ours plus the settings' file and data dir."""
    env = dict(os.environ)
    env["BACKCOACH_DATA_DIR"] = str(settings.data_path)
    env["BACKCOACH_STORAGE"] = settings.storage  # `--store demo` is embedded whatever the file says
    if settings.config_file:
        env["BACKCOACH_CONFIG"] = settings.config_file
    return env


def run(args: argparse.Namespace, settings: Settings) -> int:
    host = args.host or settings.dashboard.host
    port = settings.dashboard.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port is {port}; give a port from 1 to 65535")
    if host not in LOOPBACK:
        log.warning("the dashboard listens on %s: anyone on that network can see your data", host)
    log.info("dashboard on http://%s:%d (Ctrl+C stops it)", host, port)
    argv = streamlit_argv(host, port)
    sys.stdout.flush()
    sys.stderr.flush()
    # Replace this process, so stopping `backcoach dashboard` stops the server with it.
    os.execve(argv[0], argv, child_env(settings))
    return 0  # not reached

"""`backcoach service install|uninstall|status`: `collect` as a systemd user service.

Why: worn all day, the collector should start at login, wait for the sensor however long it is
away (`collect --wait`), come back by itself after a crash (`Restart=on-failure`), and stop
cleanly (SIGTERM: everything written, the day summarised). On Linux a systemd *user* unit
does that without root; docs/service.md says what to use on macOS (launchd) and Windows
(Task Scheduler). The unit runs this Python (`sys.executable -m backcoach`), so it keeps using
the environment backcoach was installed in, and it carries the `BACKCOACH_*` variables this shell
has (data folder, push URLs, InfluxDB, ...): without them the service would record into another
store than the dashboard started from this shell reads, silently. The unit is owner-only (0600),
since a push URL or a token may be among them; `status` says when the shell's differ.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from backcoach.config import ENV_VARS, Settings
from backcoach.errors import BackcoachError
from backcoach.processing.days import zone

UNIT = "backcoach.service"
RESTART_S = 10  # after a failure, start again this long later
STOP_TIMEOUT_S = 90  # SIGTERM's clean finish (store flush, day summary) may take this long
SYSTEMCTL_TIMEOUT_S = 30
UNIT_MODE = 0o600  # it may carry a push URL or an InfluxDB token
#: Variables that name a file or folder: carried as absolute paths (the unit runs from $HOME).
PATH_VARS = ("BACKCOACH_DATA_DIR", "BACKCOACH_INFLUX_TOKEN_FILE", "BACKCOACH_PRACTICE_DIR")
# A calendar held still (for tests and replays) must never reach a service that records real days.
NOT_CARRIED = ("BACKCOACH_NOW",)


class ServiceError(BackcoachError):
    """The user service could not be installed, removed or asked about."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "service",
        help="run `collect` as a user service: at login, restarted after a failure (Linux)",
        description="Install, remove or check a systemd user unit that runs `backcoach collect "
        "--wait` from login on, restarts it after a failure and stops it cleanly. macOS and "
        "Windows: see docs/service.md.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser(
        "install", help="write the unit, enable it at login and start it now"
    )
    install.add_argument(
        "--no-start",
        action="store_true",
        help="only write the unit file (no systemctl); print the commands that enable it",
    )
    uninstall = actions.add_parser("uninstall", help="stop and disable the unit, remove its file")
    uninstall.add_argument("--no-stop", action="store_true", help="only remove the file")
    actions.add_parser("status", help="whether the unit is installed, enabled and running")
    p.set_defaults(handler=run)


def unit_dir() -> Path:
    """Where systemd looks for this user's units (`$XDG_CONFIG_HOME/systemd/user`)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def carried(env: dict[str, str] | None = None) -> dict[str, str]:
    """The `BACKCOACH_*` settings of this shell, as the service gets them (paths absolute)."""
    env = dict(os.environ if env is None else env)
    out = {}
    for name in ENV_VARS:
        if name in NOT_CARRIED:
            continue
        value = env.get(name, "")
        if not value:
            continue
        if "\n" in value or "\r" in value:
            raise ServiceError(
                f"{name} holds a line break, which a unit cannot carry; unset it and put the "
                "setting in the settings file (`backcoach config path`) instead"
            )
        if name in PATH_VARS:
            value = str(Path(value).expanduser().resolve())
        out[name] = value
    return out


def unit_text(settings: Settings, env: dict[str, str] | None = None) -> str:
    """The unit: `collect --wait` with this Python, this settings file and this shell's
    `BACKCOACH_*` variables."""
    argv = [sys.executable, "-m", "backcoach"]
    if settings.config_file and Path(settings.config_file).exists():
        argv += ["--config", str(Path(settings.config_file).resolve())]
    argv += ["collect", "--wait"]
    exec_start = " ".join(_quote(a) for a in argv)
    environment = "".join(
        f"Environment={_quote_env(name, value)}\n" for name, value in carried(env).items()
    )
    return f"""[Unit]
Description=backcoach: the back-worn sensor streamed into the store (collect --wait)
Documentation=man:systemd.service(5)

[Service]
Type=exec
ExecStart={exec_start}
Environment=PYTHONUNBUFFERED=1
{environment}Restart=on-failure
RestartSec={RESTART_S}
TimeoutStopSec={STOP_TIMEOUT_S}

[Install]
WantedBy=default.target
"""


def run(args: argparse.Namespace, settings: Settings) -> int:
    console = Console(soft_wrap=True)  # paths and commands stay whole, to copy and paste
    path = unit_dir() / UNIT
    if args.action == "install":
        _install(path, settings, start=not args.no_start, console=console)
    elif args.action == "uninstall":
        _uninstall(path, stop=not args.no_stop, console=console)
    else:
        return _status(path, settings, console)
    return 0


def _no_user_manager() -> str | None:
    """Why no user systemd answers here (a container, CI, a non-systemd system), or None."""
    if not shutil.which("systemctl"):
        return "systemctl is not installed"
    try:
        done = subprocess.run(
            ["systemctl", "--user", "is-system-running"],
            capture_output=True,
            text=True,
            timeout=SYSTEMCTL_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"systemctl did not run ({exc})"
    state = done.stdout.strip()
    if state in ("", "offline", "unknown") or "Failed to connect" in done.stderr:
        return "no user systemd is running"
    return None


def _install(path: Path, settings: Settings, *, start: bool, console: Console) -> None:
    _linux_only()
    text = unit_text(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, UNIT_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        path.chmod(UNIT_MODE)  # an older, readable unit
    except OSError as exc:
        raise ServiceError(f"cannot write {path}: {exc.strerror}") from exc
    console.print(f"wrote {path}")
    names = list(carried())
    if names:
        console.print("with this shell's settings: " + ", ".join(names))
    steps = [["daemon-reload"], ["enable", "--now", UNIT]]
    if not start:
        console.print("to start it now and at every login: " + _commands(steps))
    else:
        for step in steps:
            _systemctl(step, what="enable and start the unit")
        console.print("enabled and started; `backcoach service status` shows how it runs")
    console.print(
        "it starts when you log in; to run it also while you are logged out: loginctl enable-linger"
    )


def _uninstall(path: Path, *, stop: bool, console: Console) -> None:
    _linux_only()
    if stop and path.exists() and (why := _no_user_manager()):
        path.unlink()  # nothing runs it without systemd: nothing to stop
        console.print(f"removed {path} ({why}: nothing to stop)")
        return
    if stop and path.exists():
        _systemctl(["disable", "--now", UNIT], what="stop and disable the unit")
    if path.exists():
        path.unlink()
        console.print(f"removed {path}")
        if stop:
            _systemctl(["daemon-reload"], what="reload the units")
    else:
        console.print(f"not installed ({path} does not exist)")


def _status(path: Path, settings: Settings, console: Console) -> int:
    """What runs, and 1 when no user systemd can run the service here."""
    console.print(f"unit file: {path}" + ("" if path.exists() else " (not installed)"))
    if path.exists():
        differ = _differing(path.read_text())
        if differ:
            console.print(
                f"[yellow]the service runs with other settings than this shell "
                f"({', '.join(differ)}): run `backcoach service install` again[/]"
            )
    missing = _no_user_manager()
    if missing:
        console.print(
            f"[yellow]the service cannot run here: {missing}; "
            "start `backcoach collect --wait` yourself (docs/service.md)[/]"
        )
    else:
        for query in ("is-enabled", "is-active"):
            out = _systemctl([query, UNIT], what=query, check=False)
            console.print(f"{query}: {out or 'unknown'}")
    from backcoach.live.collector_lock import CollectorLock
    from backcoach.storage import open_store
    from backcoach.storage.status import LiveStatus

    pid = CollectorLock(settings.data_path).held_by_other()
    running = "not running" if pid is None else f"running (PID {pid})" if pid else "running"
    console.print(f"collector on this store: {running}")
    store = open_store(settings)
    try:
        status = store.read_status()
    finally:
        store.close()
    live = LiveStatus.from_rows(status)
    console.print(f"collector.state: {live.state or '-'}")
    console.print(f"collector.sensor: {live.sensor or '-'}")
    last = "-"
    if live.last_sample_s is not None:
        with contextlib.suppress(ValueError, OverflowError, OSError):
            when = dt.datetime.fromtimestamp(live.last_sample_s, zone(settings.timezone))
            last = when.strftime("%Y-%m-%d %H:%M:%S %Z")
    console.print(f"last sample: {last}")
    return 1 if missing else 0


def _systemctl(args: list[str], *, what: str, check: bool = True) -> str:
    """`systemctl --user ARGS`; its first output line. A failure raises with the fix."""
    cmd = ["systemctl", "--user", *args]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=SYSTEMCTL_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        if not check:
            return ""
        raise ServiceError(
            f"cannot {what}: {shlex.join(cmd)} did not run ({exc}); run it yourself in a "
            "login session"
        ) from exc
    lines = (done.stdout or done.stderr).strip().splitlines()
    if check and done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ServiceError(
            f"cannot {what}: {shlex.join(cmd)} failed ({why}); run it in your login session "
            "(a user systemd must be running)"
        )
    return lines[0] if lines else ""


def _commands(steps: list[list[str]]) -> str:
    return "; ".join(shlex.join(["systemctl", "--user", *s]) for s in steps)


def _linux_only() -> None:
    if not sys.platform.startswith("linux"):
        raise ServiceError(
            "`backcoach service` writes a systemd user unit (Linux); on macOS use a launchd "
            "agent and on Windows the Task Scheduler, as docs/service.md shows"
        )


def _differing(unit: str) -> list[str]:
    """The `BACKCOACH_*` variables whose value in the unit is not this shell's (names only)."""
    in_unit = {}
    for line in unit.splitlines():
        if line.startswith('Environment="BACKCOACH_'):
            name, _, value = _unquote_env(line.removeprefix("Environment=")).partition("=")
            in_unit[name] = value
    shell = carried()
    return sorted(n for n in set(in_unit) | set(shell) if in_unit.get(n) != shell.get(n))


def _quote_env(name: str, value: str) -> str:
    """`"NAME=value"` as systemd reads an Environment= assignment: C escapes, %% for %."""
    text = f"{name}={value}".replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{text}"'


def _unquote_env(quoted: str) -> str:
    """The inverse of `_quote_env`."""
    text, out, i = quoted[1:-1], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if c == "%" and text[i + 1 : i + 2] == "%":
            i += 1
        out.append(c)
        i += 1
    return "".join(out)


def _quote(arg: str) -> str:
    """An ExecStart word: quoted when it holds spaces or quotes (systemd's own rules)."""
    if arg and not any(c in arg for c in " \"\\'$%"):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$").replace("%", "%%")
    return f'"{escaped}"'

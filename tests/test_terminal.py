"""The command line's one terminal: log lines beside a live status line, and known noise."""

from __future__ import annotations

import asyncio
import io
import logging
import re

import pytest
from rich.console import Console
from rich.live import Live
from rich.text import Text

from backcoach import terminal

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")


def test_a_log_line_during_a_status_line_stands_on_its_own_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A warning logged while `collect`'s status line shows is never glued onto that line."""
    monkeypatch.setenv("TERM", "xterm")  # rich draws live lines only on a capable terminal
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100, color_system=None)
    handler = terminal.ConsoleHandler(console)
    handler.setFormatter(logging.Formatter(terminal.LOG_FORMAT, "%H:%M:%S"))
    log = logging.getLogger("backcoach.test_terminal")
    log.addHandler(handler)
    log.propagate = False
    try:
        # `collect`'s status line is a rich Live display, redrawn by a thread: drawn here at once
        with Live(Text("streaming · 2755 samples"), console=console, auto_refresh=False) as live:
            live.refresh()
            log.warning("the link dropped")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    lines = ANSI.sub("\n", out.getvalue()).splitlines()
    warning = [line for line in lines if "WARNING" in line]
    assert len(warning) == 1 and re.match(r"\d\d:\d\d:\d\d WARNING ", warning[0]), lines


def test_the_command_line_logs_through_the_shared_console() -> None:
    """`setup_logging` installs a handler that writes through `terminal.STDERR`."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        terminal.setup_logging()
        handlers = [h for h in root.handlers if isinstance(h, terminal.ConsoleHandler)]
        assert handlers and handlers[0].console is terminal.STDERR
    finally:
        root.handlers[:] = saved


def test_bleaks_bluez_version_guess_is_silenced_and_nothing_else(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `bluetoothctl`, bleak's version warning is dropped; its other warnings still show."""
    from bleak.backends.bluezdbus.version import BlueZFeatures

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(BlueZFeatures, "_check_bluez_event", None)
    monkeypatch.setattr(BlueZFeatures, "checked_bluez_version", False)
    terminal.quiet_known_noise()
    with caplog.at_level(logging.INFO):
        asyncio.run(BlueZFeatures.check_bluez_version())
        logging.getLogger("bleak.backends.bluezdbus.version").warning("something else")
    messages = [r.getMessage() for r in caplog.records]
    assert BlueZFeatures.checked_bluez_version
    assert messages == ["something else"]


def test_the_demos_simulated_warning_lines_go_through_the_shared_console() -> None:
    """`demo` stamps warnings with simulated time; they too land above its progress bar."""
    from backcoach.alerts.console import LOGGER_NAME
    from backcoach.commands.demo import _simulated_time_in_warning_lines

    with _simulated_time_in_warning_lines("Europe/Amsterdam"):
        handlers = logging.getLogger(LOGGER_NAME).handlers
        assert [type(h) for h in handlers] == [terminal.ConsoleHandler]
        assert handlers[0].console is terminal.STDERR

"""One terminal for the command line: progress, status lines and log lines share one rich Console.

Why: a status line (`collect`) or a progress bar (`demo`, `analyze`, `sync`) is redrawn in
place; a log record written straight to stderr in between lands on that line ("…2755
samples04:05:27 WARNING …"). Written through the same Console, rich puts every log line above
the live display and redraws it below.
"""

from __future__ import annotations

import logging

from rich.console import Console

#: The Console every command draws its progress and status on (stderr: stdout stays data).
STDERR = Console(stderr=True)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: Warnings from libraries that say nothing a wearer can act on, each on every command:
#: (logger, start of the message). bleak asks `bluetoothctl --version` and, where there is none
#: (a container with only the D-Bus API, our emulated BlueZ), assumes a recent BlueZ anyway.
KNOWN_NOISE = (("bleak.backends.bluezdbus.version", "Could not determine BlueZ version"),)


class ConsoleHandler(logging.Handler):
    """Writes log records through `STDERR`, so they never mix with a live progress line."""

    def __init__(self, console: Console = STDERR) -> None:
        super().__init__()
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
            # as text (a sensor's name is not markup), unwrapped (a log line stays one line)
            self.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)
        except Exception:  # noqa: BLE001 - logging's own contract: report, never raise
            self.handleError(record)


class _DropMessage(logging.Filter):
    """Drops the records of one logger whose message starts with `prefix`; lets the rest pass."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.prefix)


def quiet_known_noise() -> None:
    """Silence exactly the `KNOWN_NOISE` messages; other records of those loggers still show."""
    for name, prefix in KNOWN_NOISE:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _DropMessage) and f.prefix == prefix for f in logger.filters):
            logger.addFilter(_DropMessage(prefix))


def setup_logging(verbose: bool = False) -> None:
    """Log through `STDERR` (as `logging.basicConfig`: only where no handler is set yet)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format=LOG_FORMAT,
        datefmt="%H:%M:%S",
        handlers=[ConsoleHandler()],
    )
    quiet_known_noise()

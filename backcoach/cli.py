"""The `backcoach` command line: parses arguments, loads settings once, runs one command.

Each command lives in its own module under `backcoach.commands` and exposes
`register(subparsers)`; the handler it sets receives `(args, settings)` and returns an exit code.
Any `BackcoachError` is printed as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from backcoach import __version__, terminal
from backcoach.config import load_settings
from backcoach.errors import BackcoachError
from backcoach.storage import demo_store

#: Command modules, in the order `backcoach --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "backcoach.commands.demo",
    "backcoach.commands.scan",
    "backcoach.commands.collect",
    "backcoach.commands.service_unit",
    "backcoach.commands.calibrate",
    "backcoach.commands.dashboard",
    "backcoach.commands.analyze",
    "backcoach.commands.import_cmd",
    "backcoach.commands.report",
    "backcoach.commands.plan",
    "backcoach.commands.practice",
    "backcoach.commands.warnings",
    "backcoach.commands.sync",
    "backcoach.commands.data",
    "backcoach.commands.config",
)

#: Commands whose start-up matters, with their module: `collect` restarted after a crash gets
#: no samples until it streams again, so it parses only its own options (0.2-0.4 s sooner).
QUICK_START = {"collect": "backcoach.commands.collect"}

#: Libraries that log whole URLs (push services put tokens in them) or request lines at DEBUG:
#: kept at WARNING even with -v, so a -v log can be shared without giving a secret away.
QUIET_LOGGERS = ("apprise", "urllib3", "requests", "influxdb_client", "reactivex")

EPILOG = """\
Start with `backcoach demo` (a simulated day, no sensor needed), then `backcoach dashboard`.
Settings: `backcoach config show`; environment variables BACKCOACH_* override the config file.
Not a medical device: see a professional when back pain persists or is severe."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line; with `only` (a QUICK_START command) just that command's options."""
    parser = argparse.ArgumentParser(
        prog="backcoach",
        description="From pain to progress: how you sit, bend and lift, from a back-worn sensor.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"backcoach {__version__}")
    parser.add_argument("--config", metavar="FILE", help="settings file (default: platform config)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (QUICK_START[only],):
        importlib.import_module(name).register(sub)
    return parser


def _quick_command(argv: Sequence[str]) -> str | None:
    """The QUICK_START command `argv` runs, if any (after the global options)."""
    args = iter(argv)
    for arg in args:
        if arg == "--config":
            next(args, None)
        elif not arg.startswith("-"):
            return arg if arg in QUICK_START else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that stops early (`| head`) ends it quietly, as for any tool."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here (also after --help), not at exit
    except BrokenPipeError:
        # Python's advice: point stdout at devnull so the flush at exit cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser(_quick_command(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    terminal.setup_logging(args.verbose)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(args.config, named_must_exist=True)
        settings = demo_store.select(settings, getattr(args, "store", demo_store.OWN))
        return int(args.handler(args, settings) or 0)
    except BackcoachError as exc:
        print(f"backcoach: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("backcoach: stopped", file=sys.stderr)
        return 130

"""`backcoach warnings test`: send a test warning to every configured channel and report each.

Why: push URLs, desktop notifications and the store are set up once and then trusted; a user
should see, before a live session, which of them really reach a screen or a phone.
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from backcoach.config import Settings
from backcoach.errors import BackcoachError
from backcoach.i18n.cli import warnings_test_words
from backcoach.i18n.warnings import MESSAGES
from backcoach.processing.types import OverloadWarning

if TYPE_CHECKING:
    from backcoach.alerts import ChannelResult, Skipped
    from backcoach.storage.base import Store

TEST_RULE = "TEST"

#: What the README and the dashboard call a channel, where its internal name differs.
CHANNEL_LABELS = {"store": "dashboard"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "warnings",
        help="overload warnings: test the delivery channels",
        description=(
            f"Overload warnings and where they are delivered. Guidance rules {warned_rules()} "
            "warn (of the twelve rules G1–G12, explained on the dashboard's Guidance page); "
            "the others are judged in the daily summary."
        ),
    )
    wsub = p.add_subparsers(dest="warnings_command", metavar="ACTION")
    t = wsub.add_parser(
        "test",
        help="send a test warning to every configured channel and report each result",
        description=(
            "Send one test warning to the log, the dashboard (through the store), the desktop, "
            "every apprise URL in warnings.notify_urls / BACKCOACH_NOTIFY_URLS, and report what "
            "each channel answered, all in the message language. Quiet hours do not apply to "
            "the test."
        ),
    )
    t.add_argument(
        "--lang",
        choices=("en", "nl"),
        help="language of the message and the report (default: settings)",
    )
    t.add_argument(
        "--timeout", type=float, default=15.0, help="seconds to wait per channel (default 15)"
    )
    t.add_argument(
        "--keep",
        action="store_true",
        help="keep the test warning in the store (default: remove it after reading it back)",
    )
    t.set_defaults(handler=run_test)
    p.set_defaults(handler=lambda args, settings: _usage(p))


def warned_rules() -> str:
    """The rules that have a warning message, as 'G1–G5, G7, G8 and G10'."""
    numbers = sorted({int(rule[1:]) for rule, _ in MESSAGES if rule[1:].isdigit()})
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"G{r[0]}–G{r[-1]}" if len(r) > 2 else ", ".join(f"G{n}" for n in r) for r in runs]
    text = ", ".join(parts)
    head, sep, last = text.rpartition(", ")
    return f"{head} and {last}" if sep else text


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def test_warning(t_s: float) -> OverloadWarning:
    """The warning `warnings test` sends: rule TEST, clearly marked as a test in both languages."""
    return OverloadWarning(t_s, TEST_RULE, 0.0, "test")


def run_test(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `backcoach --help` does not load apprise.
    from backcoach.alerts import ChannelResult, message_lang, plan_channels, send_test
    from backcoach.storage import open_store

    lang = args.lang or message_lang(settings)
    results: list[ChannelResult] = []
    skipped: list[Skipped] = []
    store = None
    try:
        store = open_store(settings)
    except BackcoachError as exc:
        results.append(ChannelResult("store", False, str(exc)))
    try:
        channels, skipped = plan_channels(settings, store)
        warning = test_warning(time.time())
        results += send_test(channels, warning, lang=lang, timeout_s=args.timeout)
        if store is not None:
            results = [_check_store(r, store, warning, args.keep) for r in results]
    finally:
        if store is not None:
            store.close()
    _print(results, skipped, settings, lang)
    return 0 if all(r.ok for r in results) else 1


def _check_store(
    result: ChannelResult, store: Store, warning: OverloadWarning, keep: bool
) -> ChannelResult:
    """For the store: read the warning back, then remove it unless asked to keep it."""
    from backcoach.alerts import ChannelResult

    if result.name != "store" or not result.ok:
        return result
    t0, t1 = warning.t_s, warning.t_s + 1e-3
    found = [w for w in store.read_warnings(t0, t1) if w.rule == TEST_RULE]
    if not found:
        return ChannelResult("store", False, "written, but not found when read back")
    detail = "written and read back (the dashboard shows it)"
    alone = not len(store.read_epochs(t0, t1)) and not store.read_events(t0, t1)
    if not keep and alone:
        store.delete_range(t0, t1)
        detail = "written, read back and removed again"
    return ChannelResult("store", True, detail, result.seconds)


def _print(
    results: list[ChannelResult], skipped: list[Skipped], settings: Settings, lang: str
) -> None:
    w = warnings_test_words(lang)
    out = Console()
    table = Table(title=w("Test warning, channel by channel"), title_justify="left")
    for col in ("channel", "result", "detail"):
        table.add_column(w(col))
    table.add_column("s")
    for r in results:
        mark = "[green]ok[/]" if r.ok else f"[bold red]{w('failed')}[/]"
        table.add_row(w(CHANNEL_LABELS.get(r.name, r.name)), mark, w(r.detail), f"{r.seconds:.2f}")
    for s in skipped:
        table.add_row(w(s.name), f"[yellow]{w('not available')}[/]", w(s.reason), "")
    out.print(table)
    if not settings.warnings.notify_urls:
        out.print(
            w(
                "No push services configured: add apprise URLs to BACKCOACH_NOTIFY_URLS (comma "
                "separated) or warnings.notify_urls, e.g. ntfy://ntfy.sh/your-topic."
            )
        )
    if not settings.warnings.enabled:
        out.print(f"[yellow]{w('warnings.enabled is false: live sessions send no warnings.')}[/]")

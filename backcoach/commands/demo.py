"""`backcoach demo`: a simulated wearer's days, streamed through the live path into the store.

Why: a new user sees the whole service work before buying or pairing a sensor, and every later
part (dashboard, warnings, InfluxDB) has realistic data to show.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from backcoach import terminal
from backcoach.config import Settings
from backcoach.errors import BackcoachError, ConfigError
from backcoach.processing.days import day_bounds, zone
from backcoach.storage import demo_store
from backcoach.storage.check import where

if TYPE_CHECKING:
    from backcoach.live.replay import DayReport
    from backcoach.processing.rules import RuleEngine
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="simulate a wearer's day(s) and store the results (no sensor needed)",
        description=(
            "Simulate a wearer's day(s) with a back-worn sensor, stream the signal through the "
            "live pipeline and the warnings into the configured store, and print each day's "
            "summary. "
            "The days end yesterday, so the dashboard opens on complete days. It writes into "
            "your store only while that holds no real recordings; otherwise use --store demo "
            "(and `backcoach dashboard --store demo`). Its warnings show in this terminal only, "
            "unless --notify."
        ),
    )
    p.add_argument("--days", type=int, default=1, help="how many days to simulate (default 1)")
    p.add_argument(
        "--speed",
        type=float,
        default=0.0,
        help="pace the stream: 1 = real time, 600 = ten minutes a second; 0 = as fast as "
        "possible (default)",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed of the simulated wearer")
    p.add_argument("--rate", type=float, default=50.0, help="sensor rate in Hz (default 50)")
    p.add_argument(
        "--notify",
        action="store_true",
        help="also send the simulated warnings to your configured channels (push URLs, "
        "desktop); by default they only show here",
    )
    demo_store.add_store_option(p)
    p.set_defaults(handler=run)


class WouldMix(BackcoachError):
    """The store holds real recordings; simulated days would mix with them."""

    def __init__(self, message: str, days: list[str]) -> None:
        super().__init__(message)
        self.days = days


def _refuse_real_data(store: Store, settings: Settings, days: list[str], which: str) -> None:
    """Stop before writing when the store holds recordings the demo did not make."""
    real = demo_store.real_days(store, days, settings.timezone)
    if not real:
        return
    shown = ", ".join(real) if len(real) <= 3 else f"{len(real)} days, {real[0]} to {real[-1]}"
    apart = (
        "run it apart with `backcoach demo --store demo` and view it with "
        "`backcoach dashboard --store demo`"
        if which != demo_store.DEMO
        else "move or delete that folder's data first"
    )
    raise WouldMix(
        f"{where(settings)} holds real recordings ({shown}); the demo never mixes with them: "
        f"{apart}",
        real,
    )


def _quiet_channels(settings: Settings) -> Settings:
    """The settings with only the terminal as a warning channel (no push, desktop or buzz)."""
    w = replace(settings.warnings, notify_urls=(), desktop=False, sensor_buzz=False)
    return replace(settings, warnings=w)


class _DataTimeFormatter(logging.Formatter):
    """Shows a warning's own time (the simulated time) instead of the wall clock."""

    def __init__(self, tz_name: str) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.tz = zone(tz_name)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        t_s = getattr(record, "data_time_s", record.created)
        return dt.datetime.fromtimestamp(t_s, self.tz).strftime("%Y-%m-%d %H:%M:%S")


@contextlib.contextmanager
def _simulated_time_in_warning_lines(tz_name: str) -> Iterator[None]:
    """While simulating, warning log lines carry the simulated date and time."""
    from backcoach.alerts.console import LOGGER_NAME

    logger = logging.getLogger(LOGGER_NAME)
    handler = terminal.ConsoleHandler()  # above the progress bar, never glued onto it
    handler.setFormatter(_DataTimeFormatter(tz_name))
    propagate, logger.propagate = logger.propagate, False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `backcoach --help` stays fast and never needs the pipeline's dependencies.
    from backcoach.alerts import engine_from_settings
    from backcoach.storage import open_store

    if args.days < 1 or args.days > 366:
        raise ConfigError(f"--days is {args.days}; give a number from 1 to 366")
    console = terminal.STDERR
    today = settings.today()
    days = [today - dt.timedelta(days=args.days - i) for i in range(args.days)]
    iso_days = [d.isoformat() for d in days]
    store = open_store(settings)
    try:
        _refuse_real_data(store, settings, iso_days, args.store)
        demo_store.mark_demo_days(store, iso_days)
    except BaseException:
        store.close()
        raise
    # The warnings run as in a live session, in simulated time (cooldowns and quiet hours
    # included); LiveRun stores them. They reach the wearer's phone or desktop only when asked.
    engine = engine_from_settings(settings)
    channels = settings if args.notify else _quiet_channels(settings)
    if not args.notify and (settings.warnings.notify_urls or settings.warnings.desktop):
        log.info("simulated warnings show here only; --notify also sends them to your channels")
    with _simulated_time_in_warning_lines(settings.timezone):
        reports = _simulate(args, settings, store, engine, channels, days, console)
    _print_reports(reports, settings, args.store)
    return 0


def _simulate(
    args: argparse.Namespace,
    settings: Settings,
    store: Store,
    engine: RuleEngine,
    channels: Settings,
    days: list[dt.date],
    console: Console,
) -> list[DayReport]:
    """Stream each simulated day through `LiveRun` into the store, with a progress bar."""
    from backcoach.alerts import build_dispatcher
    from backcoach.collector.simulator import iter_chunks, simulate_day
    from backcoach.live.daybook import daily_hook
    from backcoach.live.replay import replay
    from backcoach.live.run import LiveRun
    from backcoach.live.warnings import warning_hook
    from backcoach.plans import plan_hook
    from backcoach.storage.status import StatusWriter

    dispatcher = build_dispatcher(channels, store=None)
    hooks = {
        "on_output": [plan_hook(settings, store, engine), warning_hook(engine, dispatcher)],
        "on_day": [daily_hook(settings, store, engine, dispatcher)],
    }
    reports: list[DayReport] = []
    status = StatusWriter(store.write_status)
    if args.speed:  # the dashboard's live panel shows a paced demo like a streaming sensor
        status.update(sensor=f"simulated wearer ({args.speed:g}x)", state="simulating")
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            for i, day in enumerate(days):
                start_s, end_s = day_bounds(day, settings.timezone)
                task = progress.add_task(f"simulating {day.isoformat()}", total=1.0)
                sim = simulate_day(
                    start_s, day_s=end_s - start_s, fs_hz=args.rate, seed=args.seed + i
                )
                run_ = LiveRun(settings, store, session=f"demo-{day.isoformat()}", **hooks)
                # live pacing sends small chunks, as a sensor would; instant runs big ones
                chunk_s = 2.0 if args.speed else 300.0
                t0_s, t1_s = float(sim.samples.t_s[0]), float(sim.samples.t_s[-1])
                report = replay(
                    run_,
                    iter_chunks(sim.samples, chunk_s, speed=args.speed or None),
                    on_chunk=lambda c, t=task, a=t0_s, b=t1_s: progress.update(
                        t, completed=(float(c.t_s[-1]) - a) / max(b - a, 1e-9)
                    ),
                    replace=(start_s, end_s),  # a re-run day keeps nothing of the earlier run
                )
                reports.append(report)
    finally:
        dispatcher.close(timeout_s=10.0)
        if args.speed:
            status.update(state="stopped")
        store.close()
    return reports


def _print_reports(reports: list[DayReport], settings: Settings, which: str) -> None:
    out = Console(width=max(Console().width, 120))
    table = Table(title="Your simulated day(s) against the guidance", title_justify="left")
    for col in (
        "day",
        "sitting h",
        "longest bout min",
        "bends >60°",
        "lifts back/legs",
        "walking min",
        "warnings",
    ):
        table.add_column(col, justify="right")
    from backcoach.dashboard import display

    limits = display.rule_limits("G1", settings.rules)
    for r in reports:
        # the digits the Guidance card shows: a bout of 30.4 min over the 30 reads 30.4
        digits = display.decimals(r.longest_sitting_min, "min", limits)
        longest = f"{r.longest_sitting_min:.{digits}f}"
        if r.longest_sitting_min > settings.rules.sitting_bout_max_min:
            longest = f"[bold red]{longest}[/]"
        table.add_row(
            r.day,
            f"{r.sitting_h:.1f}",
            longest,
            str(r.bends_over_60),
            f"{r.back_lifts}/{r.leg_lifts}",
            f"{r.walking_min:.0f}",
            f"{r.warnings} ({', '.join(sorted(r.warning_rules)) or '-'})",
        )
    out.print(table)
    dashboard = "backcoach dashboard" + (" --store demo" if which == demo_store.DEMO else "")
    out.print(
        f"Stored in {where(settings)}. See it on the dashboard: [bold]{dashboard}[/] "
        "(then open the link it prints).",
        highlight=False,
        soft_wrap=True,
    )

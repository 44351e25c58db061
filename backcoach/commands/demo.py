"""`backcoach demo`: a simulated wearer's days, streamed through the live path into the store.

Why: a new user sees the whole service work before buying or pairing a sensor, and every later
part (dashboard, warnings, InfluxDB) has realistic data to show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from backcoach.config import Settings
from backcoach.errors import ConfigError
from backcoach.processing.days import day_bounds, zone

if TYPE_CHECKING:
    from backcoach.service import DayReport

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="simulate a wearer's day(s) and store the results (no sensor needed)",
        description=(
            "Simulate a wearer's day(s) with a back-worn sensor, stream the signal through the "
            "live pipeline and the warnings into the configured store, and print each day's "
            "summary. "
            "The days end yesterday, so the dashboard opens on complete days."
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
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `backcoach --help` stays fast and never needs the pipeline's dependencies.
    from backcoach.alerts import build_dispatcher, engine_from_settings, warning_hook
    from backcoach.collector.simulator import simulate_day
    from backcoach.service import LiveRun, daily_hook
    from backcoach.storage import open_store

    if args.days < 1 or args.days > 366:
        raise ConfigError(f"--days is {args.days}; give a number from 1 to 366")
    console = Console(stderr=True)
    store = open_store(settings)
    # The warnings run as in a live session, in simulated time (cooldowns and quiet hours
    # included), and go out through every configured channel; LiveRun stores them.
    engine = engine_from_settings(settings)
    dispatcher = build_dispatcher(settings, store=None)
    hooks = {
        "on_output": [warning_hook(engine, dispatcher)],
        "on_day": [daily_hook(settings, store, engine, dispatcher)],
    }
    today = dt.datetime.now(zone(settings.timezone)).date()
    days = [today - dt.timedelta(days=args.days - i) for i in range(args.days)]
    reports: list[DayReport] = []
    if args.speed:  # the dashboard's live panel shows a paced demo like a streaming sensor
        store.write_status("collector.sensor", "simulated wearer")
        store.write_status("collector.state", f"simulating at {args.speed:g}x")
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
                sim = simulate_day(start_s, fs_hz=args.rate, seed=args.seed + i)
                run_ = LiveRun(settings, store, session=f"demo-{day.isoformat()}", **hooks)
                report = run_.replay(
                    sim.samples,
                    speed=args.speed or None,
                    # live pacing sends small chunks, as a sensor would; instant runs big ones
                    chunk_s=2.0 if args.speed else 300.0,
                    on_progress=lambda f, t=task: progress.update(t, completed=f),
                    replace=(start_s, end_s),  # a re-run day keeps nothing of the earlier run
                )
                reports.append(report)
    finally:
        dispatcher.close(timeout_s=10.0)
        if args.speed:
            store.write_status("collector.state", "stopped")
        store.close()
    _print_reports(reports, settings)
    return 0


def _print_reports(reports: list[DayReport], settings: Settings) -> None:
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
    for r in reports:
        longest = f"{r.longest_sitting_min:.0f}"
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
    out.print(
        f"Stored in the {settings.storage} store ({settings.data_path.name}/). "
        "See it on the dashboard: [bold]backcoach dashboard[/] (then open the link it prints)."
    )

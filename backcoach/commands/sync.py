"""`backcoach sync`: copy the embedded store's history into the configured InfluxDB.

Why: a user who starts with the embedded store and later moves to InfluxDB keeps everything.
The copy goes through the InfluxDB store's outbox in time chunks; after each chunk the server
has confirmed, its end is remembered as a high-water mark (in the outbox file, per server,
bucket and wearer), so an interrupted sync resumes where it stopped. Each chunk replaces what the
target held for its time range (points deleted by range first), so `--from-start` is always safe
and leaves nothing stale behind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from backcoach import terminal
from backcoach.config import Settings
from backcoach.errors import ConfigError, StoreUnavailable
from backcoach.plans import STATUS_KEY as PLAN_KEY
from backcoach.storage.base import ALL_DAYS, Store
from backcoach.storage.influx import InfluxStore, safe_url

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sync",
        help="copy the embedded store's history into the configured InfluxDB (resumable)",
        description=(
            "Copy everything in the embedded store (backcoach.sqlite in the data directory) into "
            "the InfluxDB configured in the [influx] settings or BACKCOACH_INFLUX_*: raw samples "
            "(at influx.raw resolution), epochs, events, warnings, summaries and diary. "
            "Interrupted? Run it again: it resumes after the last confirmed chunk."
        ),
    )
    p.add_argument(
        "--from-start",
        action="store_true",
        help="ignore what an earlier sync sent and copy everything again (safe: rewrites "
        "overwrite)",
    )
    p.add_argument(
        "--chunk-hours",
        type=float,
        default=6.0,
        help="hours of data per confirmed step (default 6)",
    )
    p.set_defaults(handler=run)


@dataclass
class SyncResult:
    points: int = 0
    chunks: int = 0
    resumed_from_s: float | None = None
    up_to_date: bool = False


def hwm_key(target: InfluxStore) -> str:
    """Where in the outbox's meta table the high-water mark of this target is kept."""
    return f"sync.hwm|{safe_url(target.url)}|{target.bucket}|{target.tags.wearer}"


def drain(target: InfluxStore, *, idle_s: float | None = None) -> None:
    """Wait until the outbox is sent, as long as the server keeps taking points.

    A fixed wait gave up while a large chunk was still draining at full speed; here each wait
    of `idle_s` (default: influx.timeout_s) that ends with fewer points waiting than it began
    with is followed by another. Raises the last error once a whole wait made no progress.
    """
    while True:
        before = target.backlog().points
        try:
            target.flush(idle_s)
            return
        except StoreUnavailable:
            if target.backlog().points >= before:
                raise
            log.debug("outbox still draining: %d points left", target.backlog().points)


def sync_history(
    source: Store,
    target: InfluxStore,
    *,
    chunk_s: float = 6 * 3600.0,
    from_start: bool = False,
    on_chunk: Callable[[float, float, int], None] | None = None,
    idle_s: float | None = None,
) -> SyncResult:
    """Copy `source` into `target` chunk by chunk; `on_chunk(start_s, end_s, points)` reports.

    1. The epochs' time range bounds the copy; a high-water mark from an earlier sync moves
       its start (unless `from_start`).
    2. Per chunk [a, b): what the target holds for it is deleted (by range, queued in order),
       raw samples, epochs, events and warnings that start in it are queued, the outbox is
       flushed (the server confirmed), then the mark moves to b. A re-run sync leaves no stale
       points of an earlier copy.
    3. Summaries and diary entries, a few rows a day, are copied whole at the end, and the
       wearer's plan (its status row, docs/plan.md) with them.

    The outbox is waited for as long as it drains (`drain`, each wait `idle_s`). A chunk that an
    interrupted run queued but did not see confirmed is sent from the outbox, not queued again.
    """
    result = SyncResult()
    span = source.data_range()
    key = hwm_key(target)
    queued_key = key + "|queued"
    hwm = None if from_start else target.outbox.get_meta(key)
    queued = None if from_start else target.outbox.get_meta(queued_key)
    if queued is not None and (hwm is None or float(queued) > float(hwm)):
        # An earlier run queued a chunk but stopped before the server confirmed it: the
        # points are still in the durable outbox, so send them instead of queueing them again.
        drain(target, idle_s=idle_s)
        target.outbox.set_meta(key, queued)
        hwm = queued
    if span is not None:
        start_s, end_s = span[0], span[1] + 1.0
        if hwm is not None and float(hwm) > start_s:
            result.resumed_from_s = start_s = float(hwm)
        result.up_to_date = start_s >= end_s
        a = start_s
        while a < end_s:
            b = min(a + chunk_s, end_s)
            before = target.points_queued
            with target.rewrite(a, b):  # the chunk replaces what the target held for it
                target.write_samples(source.read_samples(a, b))
                target.write_epochs(source.read_epochs(a, b))
                target.write_events([e for e in source.read_events(a, b) if e.start_s >= a])
                target.write_warnings(source.read_warnings(a, b))
            queued_n = target.points_queued - before
            target.outbox.set_meta(queued_key, repr(b))
            drain(target, idle_s=idle_s)
            target.outbox.set_meta(key, repr(b))
            result.points += queued_n
            result.chunks += 1
            if on_chunk:
                on_chunk(a, b, queued_n)
            a = b
    before = target.points_queued
    for summary in source.read_summaries(*ALL_DAYS):
        target.write_summary(summary)
    for entry in source.read_diary(*ALL_DAYS):
        target.write_diary(entry)
    plan = source.read_status().get(PLAN_KEY, "")
    if plan.strip():
        target.write_status(PLAN_KEY, plan)
    result.points += target.points_queued - before
    drain(target, idle_s=idle_s)
    return result


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.chunk_hours <= 0:
        raise ConfigError(f"--chunk-hours is {args.chunk_hours}; give a positive number")
    if not settings.sqlite_path.exists():
        raise ConfigError(
            f"there is no embedded store to copy ({settings.sqlite_path.name} is not in the data "
            "directory); set BACKCOACH_DATA_DIR to where backcoach kept your data"
        )
    from backcoach.storage.sqlite import SQLiteStore

    console = terminal.STDERR
    source = SQLiteStore(settings.sqlite_path, tz_name=settings.timezone)
    target = InfluxStore.from_settings(settings)
    try:
        info = target.check()
        console.print(f"Copying the embedded store into {target.target} (InfluxDB {info.version})")
        span = source.data_range()
        total = (span[1] + 1 - span[0]) if span else 1.0
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[points]} points"),
            TimeRemainingColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("sync", total=total, points=0)
            sent = [0]

            def on_chunk(a: float, b: float, points: int) -> None:
                sent[0] += points
                day = dt.datetime.fromtimestamp(b, dt.UTC).strftime("%Y-%m-%d %H:%M")
                progress.update(
                    task,
                    completed=(b - span[0]) if span else total,
                    points=sent[0],
                    description=f"sync up to {day} UTC",
                )

            result = sync_history(
                source,
                target,
                chunk_s=args.chunk_hours * 3600.0,
                from_start=args.from_start,
                on_chunk=on_chunk,
            )
            progress.update(task, completed=total, points=result.points)
    finally:
        source.close()
        target.close()
    if result.resumed_from_s is not None and not result.up_to_date:
        console.print("Resumed after the last chunk an earlier sync had confirmed.")
    if result.up_to_date:
        console.print("Samples, epochs and events were already up to date.")
    print(f"synced {result.points} points in {result.chunks} chunks to {target.target}")
    return 0

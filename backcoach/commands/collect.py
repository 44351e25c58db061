"""`backcoach collect`: stream a worn sensor into the store, through drop-outs, until stopped.

Why a thin command: finding the sensor (`collector.ble`), the session (`collector.session`) and
the live path (`service.LiveRun`) do the work; this module parses options and shows a status line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from backcoach.config import Settings
from backcoach.errors import ConfigError, SensorLost

if TYPE_CHECKING:
    from rich.status import Status

    from backcoach.alerts import Dispatcher
    from backcoach.collector.session import CollectSession
    from backcoach.processing.types import OverloadWarning
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)

BUZZ_TIMEOUT_S = 10.0  # a buzz not written by then counts as not delivered (the dispatcher retries)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "collect",
        help="stream a Bluetooth LE sensor into the store (Ctrl-C stops)",
        description="Find the sensor, stream its accelerometer, and store raw samples, epochs, "
        "events and warnings as they happen. Reconnects by itself when the sensor drops out; "
        "Ctrl-C or --duration end the session with everything written.",
    )
    p.add_argument(
        "--sensor", default=None, help="name or address (default: settings, or first found)"
    )
    p.add_argument(
        "--profile",
        default=None,
        help="open, polar, witmotion, thingy, movesense or metamotion (default: detect)",
    )
    p.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    p.add_argument("--rate", type=float, default=None, help="sample rate in Hz (nearest supported)")
    p.add_argument("--range", type=float, default=None, dest="range_g", help="range in g")
    p.add_argument(
        "--watchdog",
        type=float,
        default=None,
        metavar="S",
        help="reconnect after S seconds without data (default: settings, 5)",
    )
    p.add_argument(
        "--scan-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="how long to look for the sensor (default 10)",
    )
    p.add_argument(
        "--acquire-notify",
        action="store_true",
        help="receive notifications over BlueZ's AcquireNotify socket (fewer drops at high "
        "rates; some sensors do not support it)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.duration is not None and args.duration <= 0:
        raise ConfigError(f"--duration is {args.duration}; give a positive number of seconds")
    return asyncio.run(_collect(args, settings))


async def _collect(args: argparse.Namespace, settings: Settings) -> int:
    from backcoach.collector.ble import async_find
    from backcoach.collector.session import CollectSession
    from backcoach.storage import open_store

    console = Console(stderr=True)
    sensor = settings.sensor.name if args.sensor is None else args.sensor
    profile = settings.sensor.profile if args.profile is None else args.profile
    with console.status("looking for the sensor ..."):
        found = await async_find(sensor, profile, args.scan_timeout)
    name = escape(found.name or "-")  # an advertised name is text, never Rich markup
    console.print(f"found {name} {found.address} ({found.profile}), connecting")
    store = open_store(settings)
    dispatcher = None
    try:
        session = CollectSession(
            settings,
            store,
            found,
            rate_hz=args.rate,
            range_g=args.range_g,
            watchdog_s=args.watchdog,
            acquire_notify=args.acquire_notify,
        )
        dispatcher = _wire_warnings(session, settings, store)
        with console.status("connecting ...") as status:
            watcher = asyncio.create_task(_show(session, status))
            try:
                result = await session.run(args.duration)
            finally:
                watcher.cancel()
    finally:
        if dispatcher is not None:  # off the loop: a buzz being delivered needs the loop
            await asyncio.to_thread(dispatcher.close, 10.0)
        store.close()
    corrupt = sum(result.corrupt.values())
    console.print(
        f"stored {result.samples} samples in session {result.session}; lost {result.lost_samples}"
        f" samples ({result.lost_packets} packets), {corrupt} corrupt packets, "
        f"{max(result.connects - 1, 0)} reconnects"
    )
    return 0


def _wire_warnings(session: CollectSession, settings: Settings, store: Store) -> Dispatcher:
    """Rules on every pipeline output and every finished day; delivery on the dispatcher's
    threads, including a buzz on sensors with a motor (scheduled back onto this event loop)."""
    from backcoach.alerts import build_dispatcher, engine_from_settings, warning_hook
    from backcoach.service import daily_hook

    loop = asyncio.get_running_loop()

    def buzz(_warning: OverloadWarning) -> None:
        done = asyncio.run_coroutine_threadsafe(session.buzz(), loop)
        if not done.result(timeout=BUZZ_TIMEOUT_S):
            raise SensorLost(f"{session.found.address} is not connected; the buzz will be retried")

    has_motor = session.link.profile.buzz is not None
    engine = engine_from_settings(settings)
    # store=None: LiveRun stores the warnings the hooks return
    dispatcher = build_dispatcher(settings, store=None, buzz=buzz if has_motor else None)
    session.on_output.append(warning_hook(engine, dispatcher))
    session.on_day.append(daily_hook(settings, store, engine, dispatcher))
    return dispatcher


async def _show(session: CollectSession, status: Status) -> None:
    """Refresh the status line twice a second: state, rate, packets lost, battery."""
    while True:
        s = session.stats
        battery = "?" if s.battery is None else f"{s.battery}%"
        status.update(
            f"{s.state} · {session.rate_hz:.1f} Hz · {s.lost_packets} packets lost · "
            f"battery {battery} · {s.samples} samples"
        )
        await asyncio.sleep(0.5)

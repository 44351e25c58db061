"""`backcoach collect`: stream a worn sensor into the store, through drop-outs, until stopped.

Why a thin command: finding the sensor (`collector.ble`), the session (`collector.session`) and
the live path (`live.run.LiveRun`, built by `live.sensor` with the warnings wired here and handed
to the session) do the work; this module parses options, shows a status line,
and makes SIGTERM (systemd, docker stop) a clean finish like Ctrl-C: everything written, the
days summarised. With `--wait` it looks for the sensor until it comes (as a service does).
One collector per store: a second one stops with the first one's PID, or with `--wait` waits
until the first one ends (`collector_lock`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.markup import escape

from backcoach import terminal
from backcoach.config import Settings
from backcoach.errors import BluetoothUnavailable, ConfigError, SensorLost, SensorNotFound
from backcoach.live.collector_lock import CollectorLock, CollectorRunning

if TYPE_CHECKING:
    from rich.status import Status

    from backcoach.alerts import Dispatcher
    from backcoach.collector.ble import FoundSensor
    from backcoach.collector.session import CollectSession
    from backcoach.live.run import LiveRun
    from backcoach.processing.types import OverloadWarning
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)

BUZZ_TIMEOUT_S = 10.0  # a buzz not written by then counts as not delivered (the dispatcher retries)
LOCK_POLL_S = 2.0  # with --wait: how often to look whether the other collector has ended
BLUEZ_POLL_S = 2.0  # with --wait: how often to look whether Bluetooth has come up
WAIT_SAY_S = 600.0  # with --wait: a sensor that does not answer is said again this often


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
        help="how long to look for the sensor (default 10; with --wait: each scan)",
    )
    p.add_argument(
        "--wait",
        action="store_true",
        help="look for the sensor until it answers, however long (for a service: the sensor "
        "may be off or out of range when it starts)",
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
    stopping = asyncio.Event()
    _on_sigterm(stopping.set)
    lock = CollectorLock(settings.data_path)
    if not await _take(lock, wait=args.wait, stopping=stopping):
        return 0  # stopped while another collector ran: nothing to write
    try:
        return await _collect_locked(args, settings, stopping)
    finally:
        lock.release()


async def _take(lock: CollectorLock, *, wait: bool, stopping: asyncio.Event) -> bool:
    """The store's collector lock; with `wait`, once the other collector ends (False: stopped)."""
    said = False
    while not stopping.is_set():
        try:
            lock.acquire()
            return True
        except CollectorRunning as exc:
            if not wait:
                raise
            if not said:
                log.info("%s; waiting until it ends", exc)
                said = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), LOCK_POLL_S)
    return False


async def _collect_locked(
    args: argparse.Namespace, settings: Settings, stopping: asyncio.Event
) -> int:
    from backcoach.collector.session import CollectSession
    from backcoach.live.sensor import sensor_live_run
    from backcoach.storage import open_store

    console = terminal.STDERR
    sensor = settings.sensor.name if args.sensor is None else args.sensor
    profile = settings.sensor.profile if args.profile is None else args.profile
    with console.status("looking for the sensor ..."):
        found = await _find(sensor, profile, args, stopping)
    if found is None:
        return 0  # stopped while waiting for the sensor: nothing to write
    name = escape(found.name or "-")  # an advertised name is text, never Rich markup
    console.print(f"found {name} {found.address} ({found.profile}), connecting")
    settings = with_sensor(settings, found)
    store = open_store(settings)
    loop = asyncio.get_running_loop()
    dispatchers: list[Dispatcher] = []

    def live_path(session: CollectSession) -> LiveRun:
        """(On the session's live thread, while the link connects.) Warnings, then LiveRun."""
        dispatchers.append(wire_warnings(session, settings, store, loop))
        return sensor_live_run(session)

    try:
        session = CollectSession(
            settings,
            store,
            found,
            rate_hz=args.rate,
            range_g=args.range_g,
            watchdog_s=args.watchdog,
            acquire_notify=args.acquire_notify,
            live_factory=live_path,
        )
        _on_sigterm(session.stop)
        interrupted = _ctrl_c_stops(session.stop)
        with console.status("connecting ...") as status:
            watcher = asyncio.create_task(_show(session, status))
            try:
                result = await session.run(args.duration)
            finally:
                watcher.cancel()
    finally:
        for dispatcher in dispatchers:  # off the loop: a buzz being delivered needs the loop
            await asyncio.to_thread(dispatcher.close, 10.0)
        store.close()
    corrupt = sum(result.corrupt.values())
    console.print(
        f"stored {result.samples} samples in session {result.session}; lost {result.lost_samples}"
        f" samples ({result.lost_packets} packets), {corrupt} corrupt packets, "
        f"{max(result.connects - 1, 0)} reconnects"
    )
    filled = result.filled
    if filled is not None and filled.holes:  # the sensor's own memory filled gaps
        console.print(
            f"read back {filled.filled_s / 60:.1f} min from the sensor's memory into "
            f"{filled.holes} gap(s); {filled.missing_s / 60:.1f} min it did not keep stay gaps; "
            f"{filled.warnings} warnings for that time stored, not sent"
        )
    if interrupted.is_set():
        console.print("backcoach: stopped")
        return 130  # as for any Ctrl-C (backcoach.cli)
    return 0


def with_sensor(settings: Settings, found: FoundSensor) -> Settings:
    """The settings with the sensor found, so every point written carries its identity.

    The InfluxDB store tags points with `sensor.name` and `sensor.profile`; a live session
    otherwise wrote `sensor=unknown, model=unknown` whenever the settings left them open. An
    advertised name is the sensor's to choose: `tag_safe` makes it storable.
    """
    from backcoach.storage.line_protocol import tag_safe

    name = f"{found.name} ({found.address})" if found.name else found.address
    sensor = dataclasses.replace(settings.sensor, name=tag_safe(name), profile=found.profile)
    return dataclasses.replace(settings, sensor=sensor)


def _on_sigterm(callback: Callable[[], None]) -> None:
    """SIGTERM (systemd stop, docker stop) calls `callback`: a clean finish, like Ctrl-C."""
    _on_signal(signal.SIGTERM, callback)


def _on_signal(signum: int, callback: Callable[[], None]) -> None:
    """`callback` on the loop when `signum` arrives, where the platform lets asyncio do so."""
    with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: no such handlers
        asyncio.get_running_loop().add_signal_handler(signum, callback)


def _ctrl_c_stops(callback: Callable[[], None]) -> asyncio.Event:
    """Ctrl-C takes SIGTERM's path while a session runs: `callback`, then a clean finish.

    Why: asyncio's own Ctrl-C cancels the main task wherever it waits, a path no one else
    takes (CI once saw `collect` still running 30 s after a Ctrl-C; the SIGTERM path is the
    one the crash and service tests exercise). A second Ctrl-C stops at once, as usual.
    The returned event tells whether it was pressed.
    """
    pressed = asyncio.Event()

    def on_sigint() -> None:
        if pressed.is_set():
            raise KeyboardInterrupt
        pressed.set()
        callback()

    _on_signal(signal.SIGINT, on_sigint)  # Windows: asyncio's own
    return pressed


async def _find(
    sensor: str, profile: str, args: argparse.Namespace, stopping: asyncio.Event
) -> FoundSensor | None:
    """The sensor; with --wait, scan after scan until it answers (None if stopped meanwhile).

    With --wait a Bluetooth stack that is not up yet (a service started at login, before
    bluetoothd) is waited for too, and a sensor that does not answer is said now and then in
    one line, with the sensors heard instead (a mistyped name shows at once).
    """
    from backcoach.collector.ble import async_find

    if not args.wait:
        return await async_find(sensor, profile, args.scan_timeout)
    said_at: float | None = None
    no_bluetooth = False
    loop = asyncio.get_running_loop()
    while not stopping.is_set():
        scan = asyncio.ensure_future(async_find(sensor, profile, args.scan_timeout))
        stop = asyncio.ensure_future(stopping.wait())
        await asyncio.wait({scan, stop}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if not scan.done():
            scan.cancel()
            with contextlib.suppress(asyncio.CancelledError, SensorNotFound, BluetoothUnavailable):
                await scan
            return None
        try:
            found = scan.result()
        except BluetoothUnavailable as exc:
            if not no_bluetooth:
                log.info("%s; waiting for it (Ctrl-C stops)", exc)
                no_bluetooth = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), BLUEZ_POLL_S)
            continue
        except SensorNotFound as exc:
            if no_bluetooth:
                log.info("Bluetooth is up; looking for the sensor")
                no_bluetooth = False
            if said_at is None or loop.time() - said_at >= WAIT_SAY_S:
                said_at = loop.time()
                log.info("%s; still looking until it answers (Ctrl-C stops)", exc)
            continue
        return found
    return None


def wire_warnings(
    session: CollectSession, settings: Settings, store: Store, loop: asyncio.AbstractEventLoop
) -> Dispatcher:
    """Rules on every pipeline output and every finished day; delivery on the dispatcher's
    threads, including a buzz on sensors with a motor (scheduled back onto `loop`)."""
    from backcoach.alerts import QuietHoursNotice, build_dispatcher, engine_from_settings
    from backcoach.live.daybook import daily_hook
    from backcoach.live.warnings import warning_hook
    from backcoach.plans import plan_hook

    def buzz(_warning: OverloadWarning) -> None:
        done = asyncio.run_coroutine_threadsafe(session.buzz(), loop)
        if not done.result(timeout=BUZZ_TIMEOUT_S):
            raise SensorLost(f"{session.found.address} is not connected; the buzz will be retried")

    has_motor = session.link.profile.buzz is not None
    engine = engine_from_settings(settings)
    # store=None: LiveRun stores the warnings the hooks return
    buzzer = buzz if has_motor else None
    dispatcher = build_dispatcher(settings, store=None, buzz=buzzer, clock=session.clock)
    session.on_output.append(plan_hook(settings, store, engine))  # this week's step, first
    session.on_output.append(warning_hook(engine, dispatcher))
    session.on_output.append(QuietHoursNotice(engine))  # held warnings are said, once a night
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

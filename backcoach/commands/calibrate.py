"""`backcoach calibrate`: guided upright/bend calibration, live from the sensor or from a file.

Why: the automatic reference needs minutes of everyday movement; a guided calibration gives the
wearer's own upright and forward at once. The result is kept in the store for the sensor (for
any sensor when it came from a file without --sensor), and the next `backcoach collect` starts
from it (`backcoach.storage.references`; re-checked against the first walking, like every kept
reference).
"""

from __future__ import annotations

import argparse
import asyncio
import time

import numpy as np
from rich.console import Console

from backcoach import terminal
from backcoach.config import Settings
from backcoach.errors import SensorLost
from backcoach.processing.types import Calibration, Samples

START_TIMEOUT_S = 30.0  # sensors such as the Polar H10 may take this long to start streaming


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="guided calibration: stand upright, then bend forward",
        description="Record a few seconds standing upright and still, then one slow forward "
        "bend, and save the wearer's upright and forward directions for later sessions. "
        "Uses the sensor live, or a recording given with --file.",
    )
    p.add_argument("--file", default=None, help="a recording (CSV/npz) instead of the sensor")
    p.add_argument(
        "--sensor",
        default=None,
        help="name or address (default: settings); with --file, the address the calibration "
        "is kept for (default: any sensor)",
    )
    p.add_argument(
        "--profile", default=None, help="open, polar, witmotion, thingy, movesense or metamotion"
    )
    p.add_argument("--upright", type=float, default=5.0, help="seconds standing still (default 5)")
    p.add_argument("--bend", type=float, default=8.0, help="seconds for the bend (default 8)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from backcoach.processing.calibration import calibrate
    from backcoach.storage import open_store
    from backcoach.storage.references import save_reference

    console = terminal.STDERR
    if args.file:
        from backcoach.collector.files import read_recording

        samples = read_recording(args.file)
        sensor = args.sensor or ""
    else:
        samples, sensor = asyncio.run(_record(args, settings, console))
    cal = calibrate(samples.t_s, samples.acc_g, upright_s=args.upright)
    store = open_store(settings)
    try:
        save_reference(store, cal, sensor=sensor, origin="calibrate", at_s=time.time())
    finally:
        store.close()
    _print(cal)
    return 0


async def _record(
    args: argparse.Namespace, settings: Settings, console: Console
) -> tuple[Samples, str]:
    """Connect, wait for data, then guide the wearer; what was recorded, and the address."""
    from backcoach.collector.ble import SensorLink, async_find

    sensor = settings.sensor.name if args.sensor is None else args.sensor
    profile = settings.sensor.profile if args.profile is None else args.profile
    with console.status("looking for the sensor ..."):
        found = await async_find(sensor, profile)
    parts: list[Samples] = []
    link = SensorLink(found, on_samples=parts.append, watchdog_s=settings.sensor.watchdog_s)
    stop = asyncio.Event()
    task = asyncio.create_task(link.run(stop))
    try:
        with console.status(f"connecting to {found.name or found.address} ..."):
            deadline = time.monotonic() + START_TIMEOUT_S
            while not parts:
                if time.monotonic() > deadline or task.done():
                    raise SensorLost(
                        f"{found.address} sent no data within {START_TIMEOUT_S:.0f} s; check it "
                        "is worn and charged, then run `backcoach calibrate` again"
                    )
                await asyncio.sleep(0.1)
        start_s = time.time()
        with console.status(f"Stand upright and still ({args.upright:.0f} s) ..."):
            await asyncio.sleep(args.upright)
        with console.status(f"Now bend forward slowly, and come back up ({args.bend:.0f} s) ..."):
            await asyncio.sleep(args.bend)
    finally:
        stop.set()
        await task
    samples = Samples.concat(parts)
    keep = samples.t_s >= start_s - 0.2
    return Samples(samples.t_s[keep], samples.acc_g[keep]), found.address


def _print(cal: Calibration) -> None:
    up, fwd = np.round(cal.up, 3), np.round(cal.forward, 3)
    Console().print(
        f"Calibrated: upright = {up.tolist()}, forward = {fwd.tolist()} (sensor axes). "
        "Kept; the next `backcoach collect` starts from it."
    )

"""Bench: the collector against an emulated Polar at 200 Hz — CPU share, latency, loss.

Runs the real bleak and the whole live path (pipeline, SQLite store) in this process against the
emulated BlueZ (tests/ble) in another, on a private D-Bus, and prints:
  - the collector process's CPU share of one core while streaming (goal ≤ 5 %),
  - latency from a notification's arrival to its samples being handed to the live path, and to
    their being written to the store, p50/p99 (goal p99 < 1 s),
  - samples lost outside deliberate drops (goal 0): stored vs sent by the emulator.

    .venv/bin/python bench/ble_collect.py [--seconds 60] [--rate 200] [--raw-flush-s S]
                                          [--acquire-notify]

`--raw-flush-s` overrides how long a collect session gathers raw samples before one store write
(`collector.session.RAW_FLUSH_S`, 0.5 s; it alone sets most of the stored-latency figure).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.ble (the emulator) when run as a script

from tests.ble.conftest import Emulator  # noqa: E402
from tests.ble.dbus_bus import emulator, private_bus  # noqa: E402

ADDRESS = "C0:FF:EE:00:01:00"


class TimedStore:
    """The real store, noting when each raw chunk was written (end time of its samples)."""

    def __init__(self, store) -> None:  # noqa: ANN001 - any Store
        self._store = store
        self.writes: list[tuple[float, float]] = []  # (last sample t_s, wall time written)

    def write_samples(self, samples, *, session: str = "") -> None:  # noqa: ANN001
        self._store.write_samples(samples, session=session)
        if len(samples):
            self.writes.append((float(samples.t_s[-1]), time.time()))

    def __getattr__(self, name: str):  # noqa: ANN204 - everything else goes straight through
        return getattr(self._store, name)


async def bench(bus: str, seconds: float, rate_hz: float, data_dir: str, acquire: bool) -> None:
    from backcoach.collector.ble import async_find
    from backcoach.collector.session import CollectSession
    from backcoach.config import Settings
    from backcoach.storage import open_store

    settings = Settings(data_dir=data_dir)
    store = TimedStore(open_store(settings))
    found = await async_find(ADDRESS, timeout_s=10)
    session = CollectSession(settings, store, found, rate_hz=rate_hz, acquire_notify=acquire)
    arrivals: list[tuple[float, float]] = []  # (last sample t_s, wall time of the notification)
    handed: list[tuple[float, float]] = []  # (last sample t_s, wall time pushed to the live path)
    on_samples = session.link.on_samples

    def timed_on_samples(samples) -> None:  # noqa: ANN001
        arrivals.append((float(samples.t_s[-1]), time.time()))
        on_samples(samples)

    push = session.live.push

    def timed_push(samples):  # noqa: ANN001, ANN202
        out = push(samples)
        handed.append((float(samples.t_s[-1]), time.time()))
        return out

    session.link.on_samples = timed_on_samples
    session.live.push = timed_push
    cpu0, wall0 = time.process_time(), time.monotonic()
    result = await session.run(seconds)
    cpu_s, wall_s = time.process_time() - cpu0, time.monotonic() - wall0
    store.close()

    ctl = Emulator(bus, {})
    stats = await ctl.stats(ADDRESS)
    check = open_store(settings)
    stored = len(check.read_samples(0, 4e9))
    check.close()

    def latency(done: list[tuple[float, float]]) -> np.ndarray:
        t_done = np.array([t for t, _ in done])
        wall_done = np.array([w for _, w in done])
        t_rx = np.array([t for t, _ in arrivals])
        wall_rx = np.array([w for _, w in arrivals])
        i = np.searchsorted(t_done, t_rx - 1e-9)  # the first write that holds the packet's end
        ok = i < t_done.shape[0]
        return wall_done[i[ok]] - wall_rx[ok]

    handed_lat = latency(handed)
    stored_lat = latency(store.writes)
    path = "AcquireNotify socket" if acquire else "D-Bus signals"
    print(
        f"emulated polar {rate_hz:.0f} Hz via {path}, {wall_s:.1f} s wall ({seconds:.0f} s asked)"
    )
    print(f"collector CPU: {cpu_s:.2f} s = {100 * cpu_s / wall_s:.1f} % of one core")
    for name, lat in (("handed to live path", handed_lat), ("stored", stored_lat)):
        if lat.size:
            p50, p99 = np.percentile(lat, [50, 99])
            print(f"notification -> {name}: p50 {1000 * p50:.0f} ms, p99 {1000 * p99:.0f} ms")
    print(
        f"samples: sent {stats['sent_samples']}, stored {stored}, "
        f"lost {stats['sent_samples'] - stored} (collector counted {result.lost_samples} lost, "
        f"emulator dropped {stats['dropped_samples']}), corrupt {sum(result.corrupt.values())}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--raw-flush-s", type=float, default=None)
    ap.add_argument("--acquire-notify", action="store_true", help="BlueZ's socket path")
    args = ap.parse_args()
    if args.raw_flush_s is not None:
        import backcoach.collector.session

        backcoach.collector.session.RAW_FLUSH_S = args.raw_flush_s
    device = {"address": ADDRESS, "name": "Polar H10 BENCH", "profile": "polar"}
    device |= {"rate_hz": args.rate, "compressed": True}
    with tempfile.TemporaryDirectory() as tmp, private_bus(Path(tmp)) as bus:
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus
        with emulator(bus, [device]):
            data = str(Path(tmp) / "data")
            asyncio.run(bench(bus, args.seconds, args.rate, data, args.acquire_notify))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A store that takes seconds per call does not hold up the sensor's notifications.

The live path runs on the session's own thread (`collector.live_thread`): the event loop that
receives the notifications only queues samples. Before, the pipeline and the store's writes ran
on that loop, and every slow write stopped the notifications behind it for as long.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from backcoach.collector.ble import async_find
from backcoach.collector.session import CollectSession
from backcoach.config import Settings
from backcoach.live.sensor import sensor_live_run
from backcoach.storage import open_store
from backcoach.storage.base import Store
from tests.ble.conftest import DEVICES, Emulator

pytestmark = pytest.mark.ble

SLOW_S = 2.0  # every store call takes this long (an InfluxDB read waits up to 10 s)
PACKET_S = 0.1  # the emulated open sensor at 100 Hz sends a notification every 0.1 s
STREAM_S = 9.0


class SlowStore:
    """A real store whose every call waits SLOW_S (a server far away, a busy disk) once the
    first samples were written: from then on the live path is at work while samples stream."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.calls = 0  # slow ones
        self.slow_from: float | None = None  # monotonic time of the first slow call

    def __getattr__(self, name: str):  # noqa: ANN204 - every method, slowed
        inner = getattr(self._store, name)
        if not callable(inner) or name == "close":
            return inner

        def slow(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if name == "write_samples" and self.slow_from is None:
                self.slow_from = time.monotonic()
            if self.slow_from is not None:
                self.calls += 1
                time.sleep(SLOW_S)
            return inner(*args, **kwargs)

        return slow


def test_notifications_keep_flowing_while_the_store_is_slow(
    bluez: Emulator, tmp_path: Path
) -> None:
    """Seconds of streaming at 100 Hz into a store that takes two seconds per call: the
    notifications arrive every 0.1 s all along, and every sample sent is stored in the end."""
    address = DEVICES["slow"]["address"]
    settings = Settings(data_dir=str(tmp_path))
    real = open_store(settings)
    store = SlowStore(real)
    arrivals: list[float] = []

    async def run() -> None:
        found = await async_find(address, timeout_s=5.0)
        session = CollectSession(
            settings,
            store,
            found,
            live_factory=sensor_live_run,
            rate_hz=100,  # type: ignore[arg-type]
        )
        handed_on = session.link.on_samples

        def timed(samples) -> None:  # noqa: ANN001 - in the notification callback
            arrivals.append(time.monotonic())
            handed_on(samples)

        session.link.on_samples = timed
        await session.run(STREAM_S)

    asyncio.run(run())
    stats = asyncio.run(bluez.stats(address))
    stored = real.read_samples(0, 4e9)
    real.close()
    assert store.slow_from is not None, "the live path never wrote samples"
    assert store.calls > 3, "the store was used while the sensor streamed"
    after = np.asarray(arrivals)
    after = after[after >= store.slow_from]
    # from the first slow call on: a stall of the loop shows as one long wait, then a burst
    gaps = np.diff(np.r_[store.slow_from, after])
    assert len(gaps) > 20, f"only {len(after)} notifications while the store was slow"
    # a slow store call on the loop would stop the notifications for SLOW_S at a time
    assert gaps.max() < SLOW_S / 2, f"notifications stalled {gaps.max():.2f} s"
    assert len(stored) == stats["sent_samples"] - stats["dropped_samples"]

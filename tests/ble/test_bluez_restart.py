"""The hard case: BlueZ itself dies (SIGKILL, no disconnect signal) and comes back."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from backcoach.collector.ble import async_find
from backcoach.collector.session import CollectSession
from backcoach.config import Settings
from backcoach.live.sensor import sensor_live_run
from backcoach.storage import open_store
from tests.ble.dbus_bus import emulator, private_bus

pytestmark = pytest.mark.ble

DEVICE = {"address": "C0:FF:EE:00:02:01", "name": "BC-DIY-R", "profile": "open", "rate_hz": 50}


def test_a_killed_bluez_is_caught_by_the_watchdog_and_the_session_resumes(tmp_path: Path) -> None:
    """bleak still believes it is connected; the watchdog notices, and a new BlueZ is found."""
    with private_bus(tmp_path) as bus:
        old = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus
        try:
            result, samples = asyncio.run(_session(bus, tmp_path))
        finally:
            if old is None:
                os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = old
    assert result.watchdog_trips >= 1
    assert result.connects >= 2, "never streamed from the restarted BlueZ"
    # the emulated sensor restarts with the new BlueZ: its clock and counter begin afresh, so
    # the loss is estimated from the host clock (about 2 s at 50 Hz) and is a gap
    assert 50 < result.lost_samples < 400
    assert result.lost_packets < 100
    assert len(samples) == result.samples


async def _session(bus: str, tmp: Path):
    settings = Settings(data_dir=str(tmp / "data"))
    store = open_store(settings)
    with emulator(bus, [DEVICE]) as first:
        found = await async_find(DEVICE["address"], timeout_s=5.0)
        session = CollectSession(
            settings, store, found, live_factory=sensor_live_run, watchdog_s=1.0
        )
        task = asyncio.create_task(session.run(12.0))
        deadline = time.monotonic() + 10
        while session.stats.samples < 50:
            assert time.monotonic() < deadline and not task.done()
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # no Connected=false: bleak is not told
        first.wait()
    await asyncio.sleep(1.5)
    samples_before = session.stats.samples
    with emulator(bus, [DEVICE]):
        while session.stats.samples <= samples_before + 50 and not task.done():
            await asyncio.sleep(0.05)
        session.stop()
        result = await task
    samples = store.read_samples(0, 4e9)
    store.close()
    return result, samples

"""After a crash: `backcoach collect` SIGKILLed mid-stream and started again at once.

BlueZ keeps the dead process's link up (and a connected sensor does not advertise), so the new
collector must take the link over; the raw samples the dead one stored but never turned into
epochs must become epochs; and SIGTERM must end the second one cleanly, day summarised.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backcoach.collector.ble import async_scan
from backcoach.collector.simulator import simulate
from backcoach.config import Settings
from backcoach.processing.days import day_of
from backcoach.processing.types import Calibration
from backcoach.storage import open_store
from backcoach.storage.references import save_reference
from tests.ble.conftest import DEVICES, Emulator
from tests.ble.emulated_sensors import SCRIPTS

pytestmark = pytest.mark.ble

RATE_HZ = 50.0
SENSOR = DEVICES["restart"]


def _collect(data_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(data_dir))
    cmd = [sys.executable, "-m", "backcoach", "collect", "--sensor", SENSOR["address"]]
    return subprocess.Popen(
        cmd + ["--rate", f"{RATE_HZ:g}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _streams(bluez: Emulator, proc: subprocess.Popen, samples: int) -> None:
    """Wait until the sensor has sent `samples` more samples to a subscriber."""
    start = asyncio.run(bluez.stats(SENSOR["address"]))["sent_samples"]
    deadline = time.monotonic() + 30
    while asyncio.run(bluez.stats(SENSOR["address"]))["sent_samples"] < start + samples:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"collect did not stream: {proc.communicate()[1][-3000:]}")
        time.sleep(0.05)


def test_a_killed_collector_started_again_takes_the_link_over_and_loses_no_epoch(
    bluez: Emulator, tmp_path: Path
) -> None:
    """SIGKILL, restart at once: hole < 3 s, an epoch wherever half a second of raw exists."""
    settings = Settings(data_dir=str(tmp_path))
    mounting = simulate(SCRIPTS["day"], 0.0, fs_hz=RATE_HZ, seed=1).mounting  # the emulator's
    store = open_store(settings)
    up, forward = (tuple(float(v) for v in mounting @ axis) for axis in ([1, 0, 0], [0, 0, 1]))
    save_reference(
        store, Calibration(up, forward), sensor=SENSOR["address"], origin="calibrate", at_s=0
    )
    store.close()  # a sensor seen before: epochs come live, so a kill cuts some off

    first = _collect(tmp_path)
    _streams(bluez, first, int(4 * RATE_HZ))
    killed_s = time.time()
    first.kill()
    first.wait()
    assert asyncio.run(bluez.stats(SENSOR["address"]))["connected"], "BlueZ keeps the link"
    heard = asyncio.run(async_scan(1.0, profile="polar"))
    assert SENSOR["address"] not in {f.address for f in heard}, "a connected sensor advertises"

    restarted_s = time.time()  # the scan above is the test's own check, not the restart's
    second = _collect(tmp_path)
    _streams(bluez, second, int(4 * RATE_HZ))
    second.send_signal(signal.SIGTERM)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err.decode()[-3000:]
    assert "taking it over" in err.decode()
    stats = asyncio.run(bluez.stats(SENSOR["address"]))
    assert not stats["connected"], "SIGTERM let the sensor go"

    store = open_store(settings)
    try:
        raw, epochs = store.read_samples(0, 4e9), store.read_epochs(0, 4e9)
        summaries = store.read_summaries(day_of(killed_s), day_of(time.time()))
    finally:
        store.close()
    i = int(np.searchsorted(raw.t_s, killed_s))
    hole_s = raw.t_s[i] - raw.t_s[i - 1] - (restarted_s - killed_s)
    assert hole_s < 3.0, f"the restart took {hole_s:.1f} s"
    seconds, counts = np.unique(np.floor(raw.t_s), return_counts=True)
    with_raw = seconds[counts >= RATE_HZ / 2]
    missing = np.setdiff1d(with_raw, np.round(epochs.t_s))
    assert missing.size == 0, f"no epochs for {missing - killed_s} s after the kill"
    assert summaries, "SIGTERM skipped the day's summary"

"""`collect --wait`, as the service runs it: it waits for Bluetooth itself, and says what it hears.

A service starts at login, perhaps before bluetoothd is on the bus: it must wait, not exit with
"Bluetooth is not available here" (and be restarted every 10 s by systemd). A mistyped sensor
name used to be looked for forever in silence; now the sensors heard instead are named.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backcoach.config import Settings
from backcoach.storage import open_store
from tests.ble.conftest import DEVICES, Emulator
from tests.ble.dbus_bus import emulator, private_bus

pytestmark = pytest.mark.ble

LATE = {"address": "C0:FF:EE:00:03:01", "name": "BC-DIY-L", "profile": "open", "rate_hz": 50}


def _collect(data: Path, log: Path, bus: str, sensor: str) -> subprocess.Popen:
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(data), DBUS_SYSTEM_BUS_ADDRESS=bus)
    cmd = [sys.executable, "-m", "backcoach", "collect", "--wait", "--sensor", sensor]
    with log.open("w") as err:
        return subprocess.Popen(
            [*cmd, "--scan-timeout", "2"], env=env, stdout=subprocess.DEVNULL, stderr=err
        )


def _until(predicate, what: str, proc: subprocess.Popen, log: Path) -> None:  # noqa: ANN001
    deadline = time.monotonic() + 40
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"{what}: {log.read_text()[-3000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen, log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"SIGTERM did not stop it: {log.read_text()[-3000:]}") from None
    assert proc.returncode == 0, log.read_text()[-3000:]


def test_collect_wait_waits_for_bluetooth_to_come_up_then_collects(tmp_path: Path) -> None:
    """No BlueZ on the bus at the start (a service before bluetoothd): wait, then stream."""
    log = tmp_path / "collect.log"
    with private_bus(tmp_path) as bus:
        proc = _collect(tmp_path / "data", log, bus, LATE["address"])
        try:
            _until(lambda: "waiting for it" in log.read_text(), "no wait", proc, log)
            assert "Bluetooth is not available" in log.read_text()
            with emulator(bus, [LATE]):
                ctl = Emulator(bus, {})
                sent = lambda: asyncio.run(ctl.stats(LATE["address"]))["sent_samples"]  # noqa: E731
                _until(lambda: sent() > 100, "never streamed once Bluetooth came", proc, log)
                _stop(proc, log)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert log.read_text().count("Bluetooth is not available") == 1, "said once, not per try"
    store = open_store(Settings(data_dir=str(tmp_path / "data")))
    try:
        assert len(store.read_samples(0, 4e9)) > 100
    finally:
        store.close()


def test_collect_wait_for_a_mistyped_sensor_names_the_sensors_it_hears(
    bluez: Emulator, tmp_path: Path
) -> None:
    polar = DEVICES["polar"]
    typo = polar["name"].replace("H10", "H1O")
    log = tmp_path / "collect.log"
    proc = _collect(tmp_path / "data", log, bluez.bus_address, typo)
    try:
        _until(lambda: "heard instead" in log.read_text(), "no sensors named", proc, log)
        line = next(x for x in log.read_text().splitlines() if "heard instead" in x)
        assert f"{polar['name']} ({polar['address']})" in line and typo in line
        _stop(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()

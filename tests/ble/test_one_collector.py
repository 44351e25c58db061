"""One collector per store: a second `collect` neither takes the link over nor loses samples.

Tried by hand before: a second `collect` on the same store and sensor took the first one's link
over (a connected sensor does not advertise: it looked like a killed run's), processed the
first's fresh samples as "an earlier run left without epochs", and 85 samples were lost. The
service runs `collect --wait`; one started by hand beside it is the same case.
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

pytestmark = pytest.mark.ble

SENSOR = DEVICES["twice"]
RATE_HZ = 50.0


def _collect(data_dir: Path, log: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(data_dir))
    cmd = [sys.executable, "-m", "backcoach", "collect", "--sensor", SENSOR["address"]]
    cmd += ["--rate", f"{RATE_HZ:g}", *extra]
    with log.open("w") as err:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)


def _stats(bluez: Emulator) -> dict:
    return asyncio.run(bluez.stats(SENSOR["address"]))


def _streams(bluez: Emulator, proc: subprocess.Popen, log: Path, samples: int) -> None:
    """Wait until the sensor has sent `samples` more samples."""
    start = _stats(bluez)["sent_samples"]
    deadline = time.monotonic() + 30
    while _stats(bluez)["sent_samples"] < start + samples:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"collect did not stream: {log.read_text()[-3000:]}")
        time.sleep(0.05)


def _says(log: Path, text: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while text not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{text!r} not said: {log.read_text()[-3000:]}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen, log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, log.read_text()[-3000:]


def test_a_second_collector_on_the_store_names_the_first_and_leaves_its_link_alone(
    bluez: Emulator, tmp_path: Path
) -> None:
    """By hand: refused in one line with the first one's PID; as the service: it waits its turn."""
    data = tmp_path / "data"
    logs = {name: tmp_path / f"{name}.log" for name in ("first", "second", "service")}
    first = _collect(data, logs["first"])
    procs = [first]
    try:
        _streams(bluez, first, logs["first"], int(2 * RATE_HZ))
        connects = _stats(bluez)["connects"]

        second = _collect(data, logs["second"])
        procs.append(second)
        try:
            second.wait(30)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"a second collect ran: {logs['second'].read_text()}") from None
        said = logs["second"].read_text().strip().splitlines()
        assert second.returncode == 1 and len(said) == 1, said
        assert f"another collector (PID {first.pid}) already collects into" in said[0]

        service = _collect(data, logs["service"], "--wait")
        procs.append(service)
        _says(logs["service"], f"(PID {first.pid})", service)
        _streams(bluez, first, logs["first"], int(2 * RATE_HZ))
        assert _stats(bluez)["connects"] == connects, "the first collector's link was taken over"
        _stop(first, logs["first"])

        _streams(bluez, service, logs["service"], int(3 * RATE_HZ))  # its turn, the first ended
        _stop(service, logs["service"])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert "taking it over" not in logs["service"].read_text()
    store = open_store(Settings(data_dir=str(data)))
    try:
        stored = len(store.read_samples(0, 4e9))
    finally:
        store.close()
    assert stored == _stats(bluez)["sent_samples"], "samples were lost between the collectors"

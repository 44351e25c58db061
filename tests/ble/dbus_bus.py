"""A private D-Bus "system bus" and the emulated BlueZ on it, for tests and the bench.

Why a helper module and not only a fixture: `bench/ble_collect.py` starts the same bus and
emulator outside pytest. Nothing here skips: without `dbus-daemon` it raises with the fix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>backcoach_test</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""


class BusUnavailable(RuntimeError):
    """dbus-daemon is missing or did not start."""


def _wait_for(predicate, timeout_s: float, what: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if proc.poll() is not None:
            raise BusUnavailable(f"{what}: process exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise BusUnavailable(f"{what}: not ready after {timeout_s} s")
        time.sleep(0.01)


@contextlib.contextmanager
def private_bus(tmp: Path) -> Iterator[str]:
    """Start a dbus-daemon with a socket in `tmp`; yields its address."""
    exe = shutil.which("dbus-daemon")
    if exe is None:
        raise BusUnavailable(
            "dbus-daemon not found: install Debian's `dbus` package (scripts/bootstrap.sh does)"
        )
    socket = tmp / "bus.sock"
    conf = tmp / "bus.conf"
    conf.write_text(BUS_CONFIG.format(socket=socket))
    proc = subprocess.Popen(
        [exe, "--nofork", "--nopidfile", f"--config-file={conf}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(socket.exists, 10.0, "dbus-daemon", proc)
        yield f"unix:path={socket}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def emulator(bus_address: str, devices: list[dict]) -> Iterator[subprocess.Popen]:
    """Run the emulated BlueZ in its own process until the block ends (SIGTERM: clean drop)."""
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.ble.bluez_emulator", "--bus", bus_address]
        + ["--devices", json.dumps(devices)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # "ready" once org.bluez is owned
        if line.strip() != "ready":
            proc.kill()
            raise BusUnavailable(f"emulator did not start: {proc.stderr.read()[-2000:]}")
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

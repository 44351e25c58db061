"""Without any Bluetooth stack, scan and collect say so in one line instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.parametrize("command", [["scan", "--timeout", "1"], ["collect", "--duration", "1"]])
def test_no_system_bus_is_one_clear_line(tmp_path, command):
    (tmp_path / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path}/no-such-bus",
        "BACKCOACH_DATA_DIR": str(tmp_path),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
    }
    res = subprocess.run(
        [sys.executable, "-m", "backcoach", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().count("\n") == 0
    assert "Bluetooth is not available" in res.stderr
    assert "bluez" in res.stderr.lower()

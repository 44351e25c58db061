"""`backcoach calibrate`: upright and forward found and kept (for the sensor, when known)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backcoach import cli
from backcoach.collector.simulator import Segment, simulate
from backcoach.config import Settings
from backcoach.storage import open_store
from backcoach.storage.references import load_reference, read_references
from tests.ble.conftest import DEVICES, Emulator
from tests.ble.emulated_sensors import SCRIPTS


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(
        np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))
    )


def test_calibrate_from_a_recording_saves_the_wearers_axes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A randomly mounted sensor: saved up/forward match the mounting within a few degrees."""
    sim = simulate([Segment("stand", 6.0), Segment("bend", peak_deg=60.0)], 0.0, seed=3)
    rec = tmp_path / "calib.npz"
    np.savez(rec, t=sim.samples.t_s, acc=sim.samples.acc_g)
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["calibrate", "--file", str(rec)]) == 0
    store = open_store(Settings(data_dir=str(tmp_path / "data")))
    try:
        (kept,) = read_references(store)
    finally:
        store.close()
    assert kept.sensor == "" and kept.origin == "calibrate"  # a file: for any sensor
    cal = kept.calibration
    # the simulator's body frame: up is +x, a forward bend tilts the reading towards -z
    assert _angle_deg(cal.up, sim.mounting @ [1.0, 0.0, 0.0]) < 5
    assert _angle_deg(cal.forward, sim.mounting @ [0.0, 0.0, 1.0]) < 10


def test_calibrate_refuses_a_recording_without_a_bend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    sim = simulate([Segment("stand", 12.0)], 0.0, seed=4)
    rec = tmp_path / "still.npz"
    np.savez(rec, t=sim.samples.t_s, acc=sim.samples.acc_g)
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["calibrate", "--file", str(rec)]) == 1
    assert "bend forward" in capsys.readouterr().err


@pytest.mark.ble
def test_calibrate_live_from_the_sensor_while_the_wearer_stands_then_bends(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real bleak, emulated sensor: the guided phases are recorded and a calibration saved."""
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path))
    address = DEVICES["calibrate"]["address"]
    args = ["calibrate", "--sensor", address, "--upright", "3", "--bend", "7"]
    assert cli.main(args) == 0
    store = open_store(Settings(data_dir=str(tmp_path)))
    try:
        kept = load_reference(store, address)
        others = load_reference(store, DEVICES["polar"]["address"])
    finally:
        store.close()
    assert kept is not None and kept.sensor == address and kept.origin == "calibrate"
    assert others is None, "a live calibration is kept for its own sensor only"
    cal = kept.calibration
    # the emulated wearer: the same simulation the emulator streams (seed 5, random mounting)
    sim = simulate(SCRIPTS["calibrate"], 0.0, fs_hz=50.0, seed=5)
    assert _angle_deg(cal.up, sim.mounting @ [1.0, 0.0, 0.0]) < 5
    assert _angle_deg(cal.forward, sim.mounting @ [0.0, 0.0, 1.0]) < 10

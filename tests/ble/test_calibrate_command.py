"""`backcoach calibrate --file`: upright and forward found, saved, and picked up by collect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backcoach import cli
from backcoach.collector.session import load_calibration
from backcoach.collector.simulator import Segment, simulate
from backcoach.config import Settings
from backcoach.storage import open_store


def _angle_deg(a, b) -> float:  # noqa: ANN001
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
        cal = load_calibration(store)
    finally:
        store.close()
    assert cal is not None and cal.source == "calibration"
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

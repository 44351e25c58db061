"""Guided calibration: stand still, then bend forward."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.calibration import CalibrationError, calibrate
from backcoach.processing.pipeline import PipelineConfig, analyze


def _angle_deg(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(
        np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))
    )


@pytest.mark.parametrize("seed", [0, 5])
def test_calibration_recovers_up_and_forward_of_any_mounting(seed):
    """Up and forward match the simulated mounting's body axes within 2°."""
    sim = simulate([Segment("stand", 6), Segment("bend", peak_deg=60, hold_s=2)], 0.0, seed=seed)
    cal = calibrate(sim.samples.t_s, sim.samples.acc_g)
    up_true, fwd_true = sim.mounting[:, 0], sim.mounting[:, 2]  # body axes: up, left, forward
    assert _angle_deg(cal.up, up_true) < 2.0
    assert _angle_deg(cal.forward, fwd_true) < 2.0
    assert cal.source == "calibration"


def test_a_calibrated_session_needs_no_walking():
    """Sitting and standing only, no walk: with the calibration the angles are right at once."""
    rot = Rotation.from_euler("xyz", [120, 35, -70], degrees=True).as_matrix()
    setup = simulate(
        [Segment("stand", 6), Segment("bend", peak_deg=60, hold_s=2)],
        0.0,
        seed=3,
        random_mounting=False,
    )
    cal = calibrate(setup.samples.t_s, setup.samples.acc_g @ rot.T)
    day = simulate(
        [Segment("sit", 120, lean="slumped"), Segment("stand", 60)],
        100.0,
        seed=4,
        random_mounting=False,
    )
    acc = (day.samples.acc_g @ rot.T).astype(np.float32)
    out = analyze(day.samples.t_s, acc, PipelineConfig(calibration=cal))
    idx = np.searchsorted(day.truth_t_s, out.epochs.t_s)
    err = out.epochs.trunk_deg - day.truth_trunk_deg[idx]
    assert len(out.epochs) >= 175
    assert np.sqrt(np.mean(err**2)) <= 3.0


def test_no_bend_is_a_one_line_error():
    """Standing still only: the error says to bend forward."""
    sim = simulate([Segment("stand", 10)], 0.0, seed=1)
    with pytest.raises(CalibrationError, match="bend forward"):
        calibrate(sim.samples.t_s, sim.samples.acc_g)

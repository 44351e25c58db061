"""Trunk angles against the wearer's upright, whatever the mounting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from backcoach.processing.orientation import angles, reference_from_walk
from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.processing.types import Calibration

UPRIGHT = Calibration(up=(0.0, 0.0, 1.0), forward=(1.0, 0.0, 0.0))


def _reading(theta_deg: float, phi_deg: float = 0.0) -> np.ndarray:
    """Gravity reading for forward flexion θ and right lean φ in the UPRIGHT frame.

    Body axes of UPRIGHT: x forward, y left, z up (right-handed), so right = -y.
    """
    th, ph = np.radians(theta_deg), np.radians(phi_deg)
    return np.array([-np.sin(th) * np.cos(ph), np.sin(ph), np.cos(th) * np.cos(ph)])


@pytest.mark.parametrize(("theta", "phi"), [(0, 0), (30, 0), (-20, 0), (75, 0), (0, 15), (40, -10)])
def test_angles_of_hand_made_readings(theta, phi):
    """A reading built from θ and φ gives back θ, and φ as seen in the frontal plane."""
    fwd, side, total = angles(_reading(theta, phi)[None, :], UPRIGHT)
    th, ph = np.radians(theta), np.radians(phi)
    assert fwd[0] == pytest.approx(theta, abs=1e-4)
    frontal = np.degrees(np.arctan2(np.sin(ph), np.cos(th) * np.cos(ph)))
    assert side[0] == pytest.approx(frontal, abs=1e-4)
    if theta == 0:
        assert side[0] == pytest.approx(phi, abs=1e-4)
    cos_total = np.cos(np.radians(theta)) * np.cos(np.radians(phi))
    assert total[0] == pytest.approx(np.degrees(np.arccos(cos_total)), abs=1e-4)


def test_walking_lean_is_taken_back():
    """The walking direction, leaning 6° forward, yields the true upright and forward."""
    cal = reference_from_walk(_reading(6.0), np.array([1.0, 0.0, 0.3]), 6.0)
    np.testing.assert_allclose(cal.up, UPRIGHT.up, atol=1e-9)
    np.testing.assert_allclose(cal.forward, UPRIGHT.forward, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_static_rotated_signal_angle_within_one_degree(seed):
    """A still sensor at 35° forward, mounted at a random rotation, reads 35° ± 1°."""
    rng = np.random.default_rng(seed)
    rot = Rotation.random(random_state=rng).as_matrix()
    cal = Calibration(tuple(rot @ UPRIGHT.up), tuple(rot @ UPRIGHT.forward))
    n = 50 * 30
    acc = np.tile(rot @ _reading(35.0), (n, 1)) + rng.normal(0, 0.005, (n, 3))
    t = 1000.0 + np.arange(n) / 50.0
    out = analyze(t, acc, PipelineConfig(calibration=cal))
    assert len(out.epochs) == 30
    np.testing.assert_allclose(out.epochs.trunk_deg, 35.0, atol=1.0)
    np.testing.assert_allclose(out.epochs.side_deg, 0.0, atol=1.0)


def test_same_recording_at_another_mounting_gives_the_same_result(short_sim):
    """Rotating every sample by one rotation changes neither postures nor angles."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    rot = Rotation.from_euler("xyz", [70, -40, 155], degrees=True).as_matrix()
    base = analyze(t, a)
    turned = analyze(t, (a @ rot.T).astype(np.float32))
    assert np.mean(base.epochs.posture == turned.epochs.posture) >= 0.99
    np.testing.assert_allclose(base.epochs.trunk_deg, turned.epochs.trunk_deg, atol=0.5)
    assert [e.type for e in base.events] == [e.type for e in turned.events]


def test_a_sensor_put_back_on_differently_is_found_again():
    """Two sessions with different mountings back to back: the second gets its own reference."""
    from backcoach.collector.simulator import Segment, simulate

    script = [
        Segment("walk", 60),
        Segment("stand", 20),
        Segment("bend", peak_deg=70, hold_s=3),
        Segment("stand", 20),
        Segment("sit", 120, lean="upright"),
        Segment("walk", 60),
        Segment("stand", 30),
    ]
    first = simulate(script, 1000.0, seed=1)
    second = simulate(script, 1000.0 + 320.0 + 8.0, seed=2)
    assert not np.allclose(first.mounting, second.mounting)
    t = np.r_[first.samples.t_s, second.samples.t_s]
    a = np.r_[first.samples.acc_g, second.samples.acc_g]
    out = analyze(t, a)
    truth_t = np.r_[first.truth_t_s, second.truth_t_s]
    truth_deg = np.r_[first.truth_trunk_deg, second.truth_trunk_deg]
    late = out.epochs.t_s >= second.truth_t_s[0] + 90  # after the second session's first walk
    idx = np.searchsorted(truth_t, out.epochs.t_s[late])
    err = out.epochs.trunk_deg[late] - truth_deg[idx]
    assert late.sum() > 200
    assert np.sqrt(np.mean(err**2)) <= 3.0

"""Gain and offset learnt from still moments: |a| at rest becomes 1 g whatever the orientation."""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from backcoach.processing.autocal import AutoCalibrator

FS = 25


def _still_orientations(n_orient: int, seconds: int, rng: np.random.Generator) -> np.ndarray:
    """A sensor resting in `n_orient` directions for `seconds` each: unit vectors plus noise."""
    dirs = Rotation.random(n_orient, random_state=rng.integers(1 << 30)).apply([0.0, 0.0, 1.0])
    rows = [np.tile(d, (seconds * FS, 1)) for d in dirs]
    return np.vstack(rows) + rng.normal(0, 0.003, (n_orient * seconds * FS, 3))


def _distort(x: np.ndarray) -> np.ndarray:
    gain, offset = np.array([1.04, 0.97, 1.02]), np.array([0.03, -0.02, 0.05])
    return x * gain + offset


def test_a_distorted_sensor_reads_one_g_at_rest_after_enough_orientations():
    rng = np.random.default_rng(1)
    true = _still_orientations(12, 6, rng)
    raw = _distort(true)
    out = AutoCalibrator(FS).push(0, raw.astype(np.float32))
    before = np.abs(np.linalg.norm(raw, axis=1) - 1)
    after = np.abs(np.linalg.norm(out, axis=1) - 1)
    last = slice(-6 * FS, None)  # the last orientation: calibrated from all before it
    assert before[last].mean() > 0.02
    assert after[last].mean() < 0.006


def test_the_calibration_only_uses_what_came_before_so_chunks_do_not_matter():
    rng = np.random.default_rng(2)
    raw = _distort(_still_orientations(8, 5, rng)).astype(np.float32)
    whole = AutoCalibrator(FS).push(0, raw)
    cal = AutoCalibrator(FS)
    cuts = np.unique(np.r_[0, np.cumsum(rng.integers(1, 60, raw.shape[0] // 20)), raw.shape[0]])
    cuts = cuts[cuts <= raw.shape[0]]
    parts = [cal.push(int(a), raw[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    np.testing.assert_array_equal(whole, np.vstack(parts))


def test_a_rotated_recording_gets_the_rotated_calibration():
    """The fit is the same whatever way the sensor is turned (the pipeline's results are too)."""
    rng = np.random.default_rng(3)
    raw = _distort(_still_orientations(10, 5, rng))
    rot = Rotation.from_euler("xyz", [30, -50, 120], degrees=True).as_matrix()
    a = AutoCalibrator(FS).push(0, raw.astype(np.float32))
    b = AutoCalibrator(FS).push(0, (raw @ rot.T).astype(np.float32))
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1), atol=1e-4)


def test_one_orientation_only_levels_the_reading_there():
    """With nothing else seen, the sensor's |a| at that orientation becomes 1 g; nothing wild."""
    rng = np.random.default_rng(4)
    raw = _distort(_still_orientations(1, 20, rng)).astype(np.float32)
    cal = AutoCalibrator(FS)
    out = cal.push(0, raw)
    assert abs(np.linalg.norm(out[-FS:], axis=1).mean() - 1) < 0.01
    matrix, offset = cal.gain_offset
    assert np.abs(matrix - np.eye(3)).max() < 0.1 and np.abs(offset).max() < 0.1

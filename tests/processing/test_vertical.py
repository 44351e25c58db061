"""Which way the body moved between two still moments, from |a| alone."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.processing.features import G_MS2
from backcoach.processing.vertical import moves

FS = 25


def _epochs_of(height_m: np.ndarray, gravity=(0.0, 0.0, 1.0)) -> tuple[np.ndarray, np.ndarray]:
    """|a| per epoch (n, FS) of a sensor whose height follows `height_m` (one value per sample)."""
    acc = np.gradient(np.gradient(height_m, 1 / FS), 1 / FS) / G_MS2
    mag = (1.0 + acc).reshape(-1, FS)
    g_sub = np.tile(np.asarray(gravity), (mag.shape[0], 5, 1))
    return mag, g_sub


def _move(delta_m: float, back_m: float = 0.0) -> np.ndarray:
    """Still 2 s, a smooth change of height by delta_m over 1.5 s, then back_m, still 2 s."""
    s = np.linspace(0, 1, int(1.5 * FS))
    ramp = 10 * s**3 - 15 * s**4 + 6 * s**5
    parts = [np.zeros(2 * FS), delta_m * ramp]
    if back_m:
        parts.append(delta_m + back_m * ramp)
    n = sum(p.size for p in parts)
    end = parts[-1][-1]
    parts.append(np.full(2 * FS + (-(n + 2 * FS)) % FS, end))
    return np.concatenate(parts)


def test_sitting_down_goes_down_first_and_standing_up_goes_up_first():
    for delta, want in ((-0.45, -1), (0.45, 1)):
        mag, g = _epochs_of(_move(delta))
        m = moves(mag, g, np.array([0]), np.array([mag.shape[0] - 1]))
        assert m.first[0] == want and m.peak_ms[0] > 0.3 and not m.jumped[0]
        assert not m.fell_back[0] and m.dz_m[0] == pytest.approx(delta, abs=0.1)


def test_rising_and_falling_back_into_the_chair_is_a_rise_that_fell_back():
    mag, g = _epochs_of(_move(0.3, back_m=-0.3))
    m = moves(mag, g, np.array([0]), np.array([mag.shape[0] - 1]))
    assert m.first[0] == 1 and m.fell_back[0] and m.peak_ms[0] > 0.2


def test_a_gain_error_at_rest_does_not_make_a_movement():
    """Both still ends read 1.03 g: a linear reference removes it, nothing moved."""
    mag, g = _epochs_of(np.zeros(6 * FS))
    m = moves(mag * 1.03, g, np.array([0]), np.array([5]))
    assert m.peak_ms[0] < 0.01


def test_a_sensor_turned_at_once_is_a_jump_not_a_movement():
    mag, g = _epochs_of(np.zeros(6 * FS))
    g[3:] = [0.0, np.sin(np.radians(25)), np.cos(np.radians(25))]  # from one 0.2 s to the next
    assert moves(mag, g, np.array([0]), np.array([5])).jumped[0]


def test_rolling_sd_sums_in_the_inputs_own_dtype():
    """The speed-up of issue 24 must not move results: the running sums stay in x's dtype, as
    `np.r_[0.0, x]` kept them (float64 sums moved the UCI agreement 0.851 -> 0.859)."""
    from backcoach.processing.vertical import _rolling_sd

    rng = np.random.default_rng(7)
    x = (1.0 + 0.01 * rng.standard_normal(5000)).astype(np.float32)
    w = 50
    c1, c2 = np.cumsum(np.r_[0.0, x]), np.cumsum(np.r_[0.0, x * x])  # the code before
    mean = (c1[w:] - c1[:-w]) / w
    sd = np.sqrt(np.maximum((c2[w:] - c2[:-w]) / w - mean * mean, 0.0))
    got_sd, got_mean = _rolling_sd(x, w)
    assert got_sd.dtype == sd.dtype
    np.testing.assert_array_equal(got_sd, sd)
    np.testing.assert_array_equal(got_mean, mean)

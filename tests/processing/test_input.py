"""Irregular rates and gaps: one internal rate, and no invented data across long gaps."""

from __future__ import annotations

import numpy as np

from backcoach.processing.pipeline import analyze
from backcoach.processing.resample import GridResampler


def test_grid_bins_average_and_fill_short_holes_only():
    """Hand-made samples: bin means, a 2-bin hole interpolated, a 10-bin hole left empty."""
    r = GridResampler(10.0, gap_s=0.5)
    t = np.array([0.00, 0.05, 0.10, 0.40, 1.50])
    a = np.array([[0, 0, 1], [0, 0, 3], [0, 0, 4], [0, 0, 7], [0, 0, 9]], float)
    k0, grid, filled = r.push(t, a, final=True)
    assert k0 == 0
    assert filled.tolist()[:5] == [True, True, False, False, True]
    z = grid[:, 2]
    assert z[0] == 2.0  # mean of 1 and 3
    assert z[1] == 4.0
    np.testing.assert_allclose(z[2:4], [5.0, 6.0])  # interpolated between 4 and 7
    assert z[4] == 7.0
    assert np.all(np.isnan(z[5:15]))  # 1.1 s hole > 0.5 s: a gap
    assert z[15] == 9.0


def test_irregular_low_rate_input_gives_the_same_postures(short_sim):
    """Keeping a random third of the samples (about 17 Hz, irregular) changes few epochs."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    keep = np.random.default_rng(5).random(t.size) < 1 / 3
    full = analyze(t, a)
    sparse = analyze(t[keep], a[keep])
    common, i, j = np.intersect1d(full.epochs.t_s, sparse.epochs.t_s, return_indices=True)
    assert common.size >= 0.98 * len(full.epochs)
    assert np.mean(full.epochs.posture[i] == sparse.epochs.posture[j]) >= 0.93
    assert np.median(np.abs(full.epochs.trunk_deg[i] - sparse.epochs.trunk_deg[j])) < 1.0


def test_a_long_gap_has_no_epochs_and_one_gap_event(short_sim):
    """Two minutes without data: no epochs there, and a gap event that spans them."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    g0, g1 = t[0] + 300.0, t[0] + 420.0
    keep = (t < g0) | (t >= g1)
    out = analyze(t[keep], a[keep])
    inside = (out.epochs.t_s >= g0 + 1) & (out.epochs.t_s < g1 - 1)
    assert not inside.any()
    gaps = [e for e in out.events if e.type == "gap"]
    assert len(gaps) == 1
    assert abs(gaps[0].start_s - g0) <= 2 and abs(gaps[0].end_s - g1) <= 2
    assert not any(e.start_s < g1 - 2 and e.end_s > g0 + 2 for e in out.events if e.type != "gap")


def test_empty_and_tiny_inputs_give_empty_typed_results():
    """No samples, or a single one: empty epochs, no events, no error."""
    out = analyze(np.empty(0), np.empty((0, 3)))
    assert len(out.epochs) == 0 and out.events == ()
    out = analyze(np.array([5.0]), np.array([[0.0, 0.0, 1.0]]))
    assert out.events == () or all(e.type != "lift" for e in out.events)


def test_a_bad_setting_is_a_one_line_backcoach_error():
    """An unknown placement names the valid ones."""
    import pytest

    from backcoach.errors import BackcoachError
    from backcoach.processing.pipeline import PipelineConfig

    with pytest.raises(BackcoachError, match="lower_back, waist, upper_back, chest"):
        PipelineConfig(placement="knee")


def test_a_nan_sample_in_a_steady_recording_is_marked_not_measured():
    """One sample per bin takes a short way (issue 24); a NaN sample among them must still be
    a bin marked as not measured, as the general way marks it (its neighbours are measured)."""
    from backcoach.processing.resample import GridResampler

    fs = 50.0
    t = (np.arange(200) + 0.5) / fs
    acc = np.tile(np.float32([0.0, 0.0, 1.0]), (200, 1))
    acc[:, 0] = np.linspace(0.0, 0.2, 200, dtype=np.float32)
    acc[100] = np.nan
    _start, out, filled = GridResampler(fs, 1.0).push(t, acc, final=True)
    assert not filled[100] and filled[99] and filled[101]
    np.testing.assert_array_equal(out[:100], acc[:100])
    np.testing.assert_array_equal(out[101:], acc[101:])

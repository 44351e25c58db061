"""Which way the body moved between two still moments: down (sitting down) or up (standing up).

Why: a belt or lower-back sensor often reads a seated pelvis within a few degrees of standing, so
the static angle cannot tell a sit from a stand; the movement between them can. The pelvis of a
person sitting down moves down and lands (the vertical velocity is negative, then zero), of one
standing up moves up (positive, then zero), and of one bending or squatting and coming back up
both ways in turn. The velocity is |a| - 1 g integrated once between the two still moments, with
the still moments' own mean |a| as the 1 g reference (linearly between them: a gain or offset
error changes |a| at rest with the orientation) and detrended to zero at both ends (the body is
at rest there). Once-integrated velocity is far less sensitive to those errors than the
twice-integrated displacement.

`balance` = (v_max + v_min) / (v_max - v_min): -1 only down, +1 only up, 0 both alike;
`peak_ms` = the largest |v|. Measured on the SisFall sit-down trials (waist, 18 subjects): the
median balance of sitting down is -0.39, of standing up +0.75.
"""

from __future__ import annotations

import warnings

import numpy as np

from backcoach.processing.features import G_MS2


def vertical_moves(
    mag: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`balance` and `peak_ms` of the movement from epoch `starts[i]` to epoch `ends[i]`.

    `mag` holds |a| per epoch, (n_epochs, fs), NaN where missing; the movement runs from the
    middle of the start epoch to the middle of the end epoch, which are both still.
    """
    k = starts.size
    balance, peak = np.zeros(k), np.zeros(k)
    if k == 0:
        return balance, peak
    fs = mag.shape[1]
    half = fs // 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(mag, axis=1)
    flat = mag.reshape(-1)
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        seg = flat[a * fs + half : b * fs + half + 1]
        if seg.size < 3 or not (np.isfinite(level[a]) and np.isfinite(level[b])):
            continue
        ref = np.linspace(level[a], level[b], seg.size)
        acc = np.where(np.isnan(seg), 0.0, seg - ref) * G_MS2
        v = np.cumsum(acc) / fs
        v -= np.linspace(0.0, v[-1], v.size)
        hi, lo = float(v.max()), float(v.min())
        peak[i] = max(hi, -lo)
        balance[i] = (hi + lo) / (hi - lo) if hi > lo else 0.0
    return balance, peak

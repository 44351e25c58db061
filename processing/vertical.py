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

`first` = the sign of the first velocity excursion that reaches `FIRST_LOBE` of the largest |v|
(`peak_ms`). Measured on the SisFall sit-down trials (waist, 18 subjects, gain and offset
fitted on the recording): sitting down starts downward in 96% of the trials, standing up upward
in 97% (the balance of the whole movement, (v_max + v_min) / (v_max - v_min), tells only 87%
of the sit-downs, whose ends go either way). A rise followed by a fall at least `FALL_BACK` as
fast is marked `fell_back`: an attempt to stand up that ended in the chair again, which the
sitting state weighs as such (`sitstate`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from backcoach.processing.features import G_MS2

FIRST_LOBE = 0.45
FALL_BACK = 0.5
REST_S = 0.3  # the window a movement starts and ends in, at rest
REST_SD_G = 0.015  # |a| varying less than this (standard deviation) over REST_S: at rest
REST_TOL_G = 0.004  # ... or this close to the steadiest, on a noisier sensor
REST_LEVEL_G = 0.03  # and its mean |a| this close to 1 g (the gain is calibrated: `autocal`)
JUMP_DEG = 10.0  # the sensor's direction changed at least this much ...
JUMP_SHARE = 0.6  # ... and this share of it within 0.2 s: it was moved, not the body


@dataclass(frozen=True)
class Moves:
    """The vertical movement of the body between two still moments, one row per movement."""

    first: np.ndarray  # -1 down, +1 up, 0 none: the first excursion reaching FIRST_LOBE
    peak_ms: np.ndarray  # largest |v|
    down_ms: np.ndarray  # largest downward speed (≥ 0)
    up_ms: np.ndarray  # largest upward speed (≥ 0)
    dz_m: np.ndarray  # net height change (m): the velocity integrated once more
    land_g: np.ndarray  # largest |a| - 1 g once the body moved down fastest (a landing)
    fell_back: np.ndarray  # up first, then down at least FALL_BACK as fast: back into the chair
    jumped: np.ndarray  # the sensor itself was turned at once (put back on, moved)


def moves(
    mag: np.ndarray,
    g_sub: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    start_at_s: np.ndarray | None = None,
) -> Moves:
    """The vertical movement from epoch `starts[i]` to `ends[i]`.

    `mag` holds |a| per epoch, (n_epochs, fs), NaN where missing, `g_sub` the gravity per 0.2 s,
    (n_epochs, 5, 3); the movement runs from the last moment at rest (`_rest`) up to the middle
    of the start epoch (from the epoch before it on: a "still" second may hold the start of a
    movement), or from `start_at_s[i]` seconds into it where that is not NaN (the last step of
    a walk, where the body's vertical speed is about zero), to the last moment at rest in the
    end epoch. The integration must start and end at rest; those moments' own mean |a| is the
    1 g reference at each end. `jumped`: the sensor's direction
    changed by
    `JUMP_DEG` or more, most of it at once — faster than a trunk turns: the sensor was put back
    on or moved.
    """
    k = starts.size
    first, peak, down, up, dz, land = (np.zeros(k) for _ in range(6))
    fell, jumped = np.zeros(k, bool), np.zeros(k, bool)
    if k == 0:
        return Moves(first, peak, down, up, dz, land, fell, jumped)
    gs = g_sub / np.maximum(np.linalg.norm(g_sub, axis=2, keepdims=True), 1e-9)
    n_sub = gs.shape[1]
    fs = mag.shape[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(mag, axis=1)
    flat = mag.reshape(-1)
    at = np.full(k, np.nan) if start_at_s is None else np.asarray(start_at_s, float)
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        u = gs[a : b + 1].reshape(-1, 3)[n_sub // 2 : -(n_sub // 2) or None]
        steps = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", u[1:], u[:-1]), -1, 1)))
        total = np.degrees(np.arccos(np.clip(u[0] @ u[-1], -1, 1)))
        jumped[i] = total >= JUMP_DEG and steps.size > 0 and steps.max() >= JUMP_SHARE * total
        if np.isfinite(at[i]):
            s0, lev0 = a * fs + int(round(at[i] * fs)), level[a]
        else:  # the last rest up to the start epoch's middle (the epoch may hold the start)
            s0, lev0 = _rest(flat, max(a - 1, 0) * fs, a * fs + fs // 2 + 1, latest=True, fs=fs)
        s1, lev1 = _rest(flat, b * fs, (b + 1) * fs, latest=True, fs=fs)
        seg = flat[s0 : s1 + 1]
        if seg.size < 3 or not (np.isfinite(lev0) and np.isfinite(lev1)):
            continue
        ref = np.linspace(lev0, lev1, seg.size)
        v = velocity(np.where(np.isnan(seg), 0.0, seg - ref), 1.0 / fs)
        peak[i] = float(np.max(np.abs(v)))
        down[i], up[i] = max(0.0, -float(v.min())), max(0.0, float(v.max()))
        dz[i] = float(np.sum(v)) / fs
        land[i] = float(np.nanmax(seg[int(np.argmin(v)) :])) - 1.0
        first[i] = first_direction(v)
        if first[i] > 0:
            top = int(np.argmax(v))
            fell[i] = -np.min(v[top:]) >= FALL_BACK * v[top]
    return Moves(first, peak, down, up, dz, land, fell, jumped)


def _rolling_sd(x: np.ndarray, w: int) -> np.ndarray:
    """Standard deviation of each window of `w` samples (index = the window's first sample)."""
    # np.concatenate: np.r_ costs more than the sums, once per candidate; the zero in x's own
    # dtype, as np.r_ kept it (a float64 zero would make the sums float64 and move results)
    zero = np.zeros(1, x.dtype)
    c1 = np.cumsum(np.concatenate((zero, x)))
    c2 = np.cumsum(np.concatenate((zero, x * x)))
    mean = (c1[w:] - c1[:-w]) / w
    return np.sqrt(np.maximum((c2[w:] - c2[:-w]) / w - mean * mean, 0.0)), mean


def _rest(flat: np.ndarray, lo: int, hi: int, *, latest: bool, fs: int) -> tuple[int, float]:
    """A moment at rest in samples [lo, hi): the centre of the last (or first) `REST_S` window
    whose |a| varies less than `REST_SD_G` (or, on a noisier sensor, about as little as the
    steadiest there) around 1 g, and its mean |a|. Missing samples: the middle of the range.
    """
    row = flat[lo:hi]
    w = max(3, int(round(REST_S * fs)))
    if np.isnan(row).any() or w >= row.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return (lo + hi) // 2, float(np.nanmean(row))
    sd, mean = _rolling_sd(row, w)
    # Steady is not enough: a slow descent is steady too, but |a| is then off 1 g.
    off = np.abs(mean - 1.0)
    calm = (sd <= max(REST_SD_G, sd.min() + REST_TOL_G)) & (off <= max(REST_LEVEL_G, off.min()))
    ok = np.flatnonzero(calm)
    if ok.size == 0:
        ok = np.array([int(np.argmin(sd + off))])
    j = int(ok[-1] if latest else ok[0])
    return lo + j + w // 2, float(mean[j])


def velocity(excess_g: np.ndarray, dt_s: float | np.ndarray) -> np.ndarray:
    """Vertical velocity (m/s) from |a| - 1 g per sample, at rest at both ends (detrended).

    `dt_s`: the sampling interval, or each sample's interval from the one before.
    """
    v = np.cumsum(excess_g * dt_s) * G_MS2
    return v - np.linspace(0.0, v[-1], v.size)


def first_direction(v: np.ndarray) -> float:
    """Sign of the first velocity excursion reaching `FIRST_LOBE` of the largest |v| (0: none)."""
    peak = float(np.max(np.abs(v))) if v.size else 0.0
    if peak <= 0:
        return 0.0
    return float(np.sign(v[np.flatnonzero(np.abs(v) >= FIRST_LOBE * peak)[0]]))

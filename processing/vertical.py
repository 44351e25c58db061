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
fast has no direction: an attempt to stand up that ended in the chair again.
"""

from __future__ import annotations

import warnings

import numpy as np

from backcoach.processing.features import G_MS2

FIRST_LOBE = 0.45
FALL_BACK = 0.5
JUMP_DEG = 10.0  # the sensor's direction changed at least this much ...
JUMP_SHARE = 0.6  # ... and this share of it within 0.2 s: it was moved, not the body


def vertical_moves(
    mag: np.ndarray,
    g_sub: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    start_at_s: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`first` (-1 down, +1 up), `peak_ms` and `jumped` of the movement from epoch `starts[i]`
    to `ends[i]`.

    `mag` holds |a| per epoch, (n_epochs, fs), NaN where missing, `g_sub` the gravity per 0.2 s,
    (n_epochs, 5, 3); the movement runs from the middle of the start epoch (or `start_at_s[i]`
    seconds into it: the last step of a walk, where the body's vertical speed is about zero) to
    the middle of the end epoch, which is still. `jumped`: the sensor's direction changed by
    `JUMP_DEG` or more, most of it at once — faster than a trunk turns: the sensor was put back
    on or moved.
    """
    k = starts.size
    first, peak, jumped = np.zeros(k), np.zeros(k), np.zeros(k, bool)
    if k == 0:
        return first, peak, jumped
    gs = g_sub / np.maximum(np.linalg.norm(g_sub, axis=2, keepdims=True), 1e-9)
    n_sub = gs.shape[1]
    fs = mag.shape[1]
    half = fs // 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(mag, axis=1)
    flat = mag.reshape(-1)
    offset = np.full(k, half) if start_at_s is None else np.round(start_at_s * fs).astype(int)
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        u = gs[a : b + 1].reshape(-1, 3)[n_sub // 2 : -(n_sub // 2) or None]
        steps = np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", u[1:], u[:-1]), -1, 1)))
        total = np.degrees(np.arccos(np.clip(u[0] @ u[-1], -1, 1)))
        jumped[i] = total >= JUMP_DEG and steps.size > 0 and steps.max() >= JUMP_SHARE * total
        seg = flat[a * fs + int(offset[i]) : b * fs + half + 1]
        if seg.size < 3 or not (np.isfinite(level[a]) and np.isfinite(level[b])):
            continue
        ref = np.linspace(level[a], level[b], seg.size)
        v = velocity(np.where(np.isnan(seg), 0.0, seg - ref), 1.0 / fs)
        peak[i] = float(np.max(np.abs(v)))
        first[i] = first_direction(v)
        if first[i] == 0:
            continue
        # Up, then down as far: an attempt to stand that fell back into the chair.
        top = int(np.argmax(v))
        if first[i] > 0 and -np.min(v[top:]) >= FALL_BACK * v[top]:
            first[i] = 0.0
    return first, peak, jumped


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

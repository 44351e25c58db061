"""Provisional epochs for the newest seconds, before the pipeline has finished them.

Why: the pipeline looks ahead (4 s of context per epoch, more while a walk or a sit-down is being
decided), so a rule such as "over 60° for 15 s" (G4) would warn seconds after the wearer crossed
the line. A posture trainer must buzz within a second. These epochs are made from the newest
samples alone, per whole second: the trunk angle against the pipeline's current reference, the
intensity, and the posture the pipeline last decided (a sit-down or a walk is only known later;
the angle, which most live rules watch, is known now). The rules run on them ahead of the
pipeline; the pipeline's own epochs confirm or correct them later (`live/warnings.py`).

Lifts (G3) the same way: the pipeline decides a lift `COME_BACK_S` after it ended (did the trunk
come back, was the wearer seated, how did the body move), about 11 s in all.
`provisional_lifts` judges a dip of the trunk the moment it comes back up, with the pipeline's
own style model on the figures these samples already hold (the angle against the still posture
before it, the body's vertical speed); the pipeline's lift confirms it or not.

Pure and cheap: a few seconds of samples per call, no state.
"""

from __future__ import annotations

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.events import MIN_BEND_S
from backcoach.processing.features import N_SUB
from backcoach.processing.lift_figures import LOWER_PRE_S, MOVE_PAD_S, measure, raw_window
from backcoach.processing.lift_style import classify, deep_from_deg
from backcoach.processing.orientation import angles
from backcoach.processing.types import POSTURE_CODE, Calibration, Epochs, Event

_WALKING = (POSTURE_CODE["walking"], POSTURE_CODE["running"])
_SITTING = POSTURE_CODE["sitting"]
STILL_G = 0.03  # below this intensity a walk has stopped
MOVING_G = 0.06  # at or over this intensity a seated wearer has got up (a slow walk: 0.08 g)
MIN_SAMPLES = 5  # a second needs this many samples to be judged
HELD_DEG = 1.5  # a trunk turning less than this per 0.2 s is held still


def provisional_epochs(
    t_s: np.ndarray,
    acc_g: np.ndarray,
    from_s: float,
    calibration: Calibration | None,
    last_posture: int,
) -> Epochs:
    """Whole seconds from `from_s` up to the last complete one of the samples.

    `last_posture` is the posture code of the pipeline's newest epoch: it carries on, except
    that a walk whose intensity has dropped is standing. Without a reference (a sensor never
    seen and not yet walked) there is no trunk angle to give: no epochs.
    """
    if calibration is None or t_s.size == 0:
        return Epochs.empty()
    first = int(np.ceil(from_s - 1e-9))
    last = int(np.floor(t_s[-1]))  # the second containing the newest sample is not complete
    if last <= first:
        return Epochs.empty()
    sec = np.floor(t_s).astype(np.int64)
    keep = (sec >= first) & (sec < last)
    if not keep.any():
        return Epochs.empty()
    sec, acc = sec[keep] - first, acc_g[keep].astype(np.float64)
    n = last - first
    count = np.bincount(sec, minlength=n)
    ok = count >= MIN_SAMPLES
    g = np.stack([np.bincount(sec, acc[:, k], minlength=n) for k in range(3)], axis=1)
    g = g / np.maximum(count, 1)[:, None]
    mag = np.linalg.norm(acc, axis=1)
    mean_mag = np.bincount(sec, mag, minlength=n) / np.maximum(count, 1)
    activity = np.bincount(sec, np.abs(mag - mean_mag[sec]), minlength=n) / np.maximum(count, 1)
    fwd, side, _ = angles(g[ok], calibration)
    posture = np.full(int(ok.sum()), last_posture, np.int8)
    if last_posture in _WALKING:
        posture[activity[ok] < STILL_G] = POSTURE_CODE["standing"]
    elif last_posture == _SITTING:  # moving like this, the wearer has stood up
        posture[activity[ok] >= MOVING_G] = POSTURE_CODE["other"]
    t = (first + np.arange(n, dtype=np.float64))[ok]
    zeros = np.zeros(t.size)
    return Epochs(t, posture, fwd, side, activity[ok], zeros.astype(np.int16))


def provisional_lifts(
    t_s: np.ndarray,
    acc_g: np.ndarray,
    after_s: float,
    calibration: Calibration | None,
    base_deg: float,
    config: PipelineConfig,
) -> tuple[Event, ...]:
    """Back-lifts among the samples that ended after `after_s` (the trunk is back up).

    A lift is a dip of the forward angle (5 Hz, as the pipeline's) of at least `lift_dip_deg`
    beyond `base_deg`, the pipeline's still posture before the movement, for 0.4 s up to
    `lift_max_s`, both of its ends inside the samples, not held still for `lift_hold_s` (that
    is a held bend), reaching `lift_min_deg`; it is returned when the pipeline's style model
    (`lift_style.classify`) calls it `back` from what is known at once: the angle and the
    body's vertical speed from these samples (the lowering between still phases, when the
    samples hold them). Squat-like and unsure movements are not returned: no live rule watches
    them.
    """
    cfg = config
    if calibration is None or t_s.size == 0 or not np.isfinite(base_deg):
        return ()
    win = np.floor(t_s * N_SUB).astype(np.int64)
    first = int(win[0])
    k = win - first
    n = int(k[-1])  # the newest window is not complete
    if n < 3:
        return ()
    keep = k < n
    k, acc = k[keep], acc_g[keep].astype(np.float64)
    count = np.bincount(k, minlength=n)
    g = np.stack([np.bincount(k, acc[:, j], minlength=n) for j in range(3)], axis=1)
    have = count > 0
    fwd = np.full(n, np.nan)
    fwd[have] = angles(g[have] / count[have, None], calibration)[0]
    rel = fwd - base_deg
    dip = np.where(have, rel >= cfg.lift_dip_deg, False).astype(np.int8)
    edges = np.diff(np.r_[0, dip, 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = []
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if a == 0 or b >= n:
            continue  # began before the samples kept or still going: not judged yet
        start_s, end_s = (first + a) / N_SUB, (first + b) / N_SUB
        dur = end_s - start_s
        peak = float(np.nanmax(rel[a:b]))
        if end_s <= after_s or not MIN_BEND_S - 1e-9 <= dur <= cfg.lift_max_s:
            continue
        if peak < cfg.lift_min_deg:
            continue
        if _held_s(fwd[a:b]) >= cfg.lift_hold_s:
            continue  # held still bent: work in a bent posture (G4), the pipeline's new base
        near = (t_s >= start_s - LOWER_PRE_S) & (t_s < end_s + MOVE_PAD_S + 1.0)
        ang_t = (first + np.arange(n)) / N_SUB
        flex = cfg.sensor_above_hip_m * (1.0 - np.cos(np.radians(min(peak, 90.0))))
        fig = measure(
            raw_window(t_s[near], acc_g[near]),
            ang_t,
            np.where(np.isnan(rel), 0.0, rel),
            start_s,
            end_s,
            end_s,
            flex,
            deep_from_deg(cfg.placement),
        )
        style, p_back = classify(fig, cfg.placement)
        if style != "back":
            continue  # a squat-like or unsure movement: no live rule watches it
        attrs = {**fig.attrs(), "p_back": p_back, "provisional": 1.0}
        out.append(
            Event(
                "lift",
                start_s,
                end_s,
                peak_deg=float(np.nanmax(fwd[a:b])),
                style=style,
                attrs=attrs,
            )
        )
    return tuple(out)


def _held_s(fwd: np.ndarray) -> float:
    """Longest time the 5 Hz angle stayed within `HELD_DEG` of its previous value."""
    calm = np.abs(np.diff(fwd)) < HELD_DEG
    edges = np.diff(np.r_[0, calm.astype(np.int8), 0])
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)
    return float(runs.max() + 1) / N_SUB if runs.size else 0.0


def tilt_from(acc_g: np.ndarray, up: np.ndarray) -> float:
    """Unsigned inclination (degrees) of the samples' mean gravity from the direction `up`.

    For a sensor never seen: without a reference there is no forward and no trusted up, but
    the wearer's tilt from how the session began (taken as upright) is known at once.
    """
    g = np.asarray(acc_g, np.float64).mean(axis=0)
    u = np.asarray(up, np.float64)
    cos = float(g @ u) / max(float(np.linalg.norm(g) * np.linalg.norm(u)), 1e-9)
    return float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))

"""Step candidates from the band-passed acceleration magnitude: the local rhythm decides.

Why: one fixed threshold on maxima (0.04 g, any two peaks 0.24 s apart) misses the weak steps of
daily life (a turn, setting off, slow or careful gait), so chains of steps break and short walks
go uncounted, while slow gait's double peaks (impact, then push-off) count twice. Published
step detectors for a trunk sensor use the signal's own rhythm instead: Paraschiv-Ionescu et al.
(2019, GSD: steps are maxima and minima of the filtered norm, in pulse trains), Shin & Park
(2011, with Ionescu's 2020 improvements: one step per cycle of the filtered norm) and McCamley
et al. (2012, the cycle from a wavelet of the vertical acceleration). This module keeps their
ideas and writes them for rows of fixed windows (`features`: each epoch sees 2 s before and 4 s
after), vectorised and therefore streaming-exact:

1. Rhythm (`step_rhythm`): the normalised autocorrelation of the band-passed |a| over
   `RHYTHM_WINDOW_S` around the epoch, at lags of `STEP_PERIOD_S`. Regularity = its highest
   local maximum (Moe-Nilssen & Helbostad 2004: step or stride regularity); step period = the
   first local maximum at least half as high (a stride peak is taken for two steps when a peak
   stands at half its lag).
2. Spacing: a candidate is the highest peak within ±`SPACING` × the step period (at least
   `MIN_SPACING_S`, at most `MAX_SPACING_S`) when the epoch is regular, else within
   ±`DEFAULT_SPACING_S` (the old fixed rule): one step's impact and push-off count once.
3. Peaks and troughs: a candidate's amplitude is its height over the deeper of the troughs on
   its shallower side within the spacing (a prominence): a step is a rise and a fall, a bump is
   not.
4. Thresholds: a peak above `StepParams.thr_g` is a candidate as before; in a regular epoch a
   weaker one counts too when its amplitude reaches `weak_amp_g` (hysteresis by rhythm).

Whether candidates are steps is decided from chains of them (`gait`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d

LEFT_S = 2  # the rows' context before their epoch (features.LEFT_S)
RHYTHM_WINDOW_S = (-1.5, 2.5)  # around the epoch's start: 4 s, the epoch in its middle
STEP_PERIOD_S = (0.28, 1.5)  # step periods looked for: 40-215 steps/min
MIN_ENERGY_G = 0.008  # rms of the band-passed |a| below which nothing moves: no rhythm
SPACING = 0.6  # of the step period: candidates closer than this are one step
MIN_SPACING_S = 0.2
MAX_SPACING_S = 0.45
DEFAULT_SPACING_S = 0.24  # without a rhythm: cadence ≤ 250 steps/min, as before


@dataclass(frozen=True)
class StepParams:
    """Thresholds of step candidates (`PipelineConfig.step_*`)."""

    thr_g: float = 0.04  # a peak this high is a candidate, rhythm or not
    weak_amp_g: float = 0.04  # ... in a regular epoch, a peak this far above its troughs
    min_reg: float = 0.5  # autocorrelation that makes an epoch regular


def step_rhythm(hp: np.ndarray, fs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the step period (s, NaN without a rhythm) and the regularity (0-1)."""
    n = hp.shape[0]
    a = int(round((LEFT_S + RHYTHM_WINDOW_S[0]) * fs))
    b = int(round((LEFT_S + RHYTHM_WINDOW_S[1]) * fs))
    x = hp[:, a:b]
    period = np.full(n, np.nan)
    reg = np.zeros(n)
    x = x - x.mean(axis=1, keepdims=True)
    live = np.flatnonzero(np.sqrt(np.mean(x * x, axis=1)) >= MIN_ENERGY_G)
    if live.size == 0:
        return period, reg
    x = x[live]
    w = x.shape[1]
    lags = np.arange(int(round(STEP_PERIOD_S[0] * fs)) - 1, int(round(STEP_PERIOD_S[1] * fs)) + 2)
    r = np.empty((live.size, lags.size))
    c2 = np.cumsum(np.c_[np.zeros(live.size), x * x], axis=1)
    for j, lag in enumerate(lags):  # one pass per lag (about 35), vectorised over rows
        num = np.einsum("ij,ij->i", x[:, : w - lag], x[:, lag:])
        den = np.sqrt((c2[:, w - lag] - c2[:, 0]) * (c2[:, w] - c2[:, lag]))
        r[:, j] = num / np.maximum(den, 1e-12)
    # Local maxima inside the lag range (the outer lags only serve as their neighbours).
    inner = r[:, 1:-1]
    is_max = (inner >= r[:, :-2]) & (inner > r[:, 2:]) & (inner > 0)
    best = np.where(is_max, inner, 0.0).max(axis=1)
    first = np.argmax(is_max & (inner >= 0.5 * best[:, None]), axis=1)
    lag_s = lags[1:-1] / fs
    p = lag_s[first]
    # A stride peak with a peak at half its lag: the step is the half.
    half = np.abs(lag_s[None, :] - p[:, None] / 2) <= 1.5 / fs
    halved = (is_max & half).any(axis=1)
    p = np.where(halved, p / 2, p)
    ok = best > 0
    period[live[ok]] = p[ok]
    reg[live] = best
    return period, reg


def step_candidates(
    hp: np.ndarray, fs: int, period: np.ndarray, reg: np.ndarray, params: StepParams
) -> np.ndarray:
    """Per row and sample of `hp`: is a step candidate.

    Rows that cannot hold one (the band-passed |a| never rises as far as either threshold asks)
    are skipped: most of a day is still."""
    regular = (reg >= params.min_reg) & np.isfinite(period)
    spacing = np.where(
        regular,
        np.clip(SPACING * np.nan_to_num(period), MIN_SPACING_S, MAX_SPACING_S),
        DEFAULT_SPACING_S,
    )
    radius = np.round(spacing * fs).astype(int)
    peak = np.zeros(hp.shape, bool)
    hi = hp.max(axis=1)
    live = (hi > params.thr_g) | (regular & (hi - hp.min(axis=1) >= params.weak_amp_g))
    for r in np.unique(radius[live]):
        rows = np.flatnonzero(live & (radius == r))
        h = hp[rows]
        top = h == maximum_filter1d(h, 2 * r + 1, axis=1, mode="nearest")
        top[:, 1:] &= h[:, 1:] > h[:, :-1]  # the first sample of a plateau
        top[:, 0] = False
        strong = top & (h > params.thr_g)
        weak = top & regular[rows, None] & (h > 0.0) & ~strong
        if weak.any():
            # 3. The troughs on either side within the radius; the shallower side decides.
            left = minimum_filter1d(h, r + 1, axis=1, origin=r // 2, mode="nearest")
            right = minimum_filter1d(h, r + 1, axis=1, origin=-((r + 1) // 2), mode="nearest")
            weak &= h - np.maximum(left, right) >= params.weak_amp_g
        peak[rows] = strong | weak
    return peak

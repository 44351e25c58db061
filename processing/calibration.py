"""Guided calibration: stand upright for a few seconds, then bend forward.

Why: the automatic reference (walking, then bends) needs some minutes of everyday movement and
assumes a typical walking lean. A guided calibration gives the wearer's own upright and forward at
once; `PipelineConfig(calibration=...)` then overrides the automatic reference.

1. Up = the mean reading over the first `upright_s` seconds (it must be still: low spread).
2. Forward = the opposite of the direction the reading tilts away from up at the deepest point
   of the bend that follows (it must reach `min_bend_deg`).
"""

from __future__ import annotations

import numpy as np

from backcoach.errors import BackcoachError
from backcoach.processing.orientation import tilt_away, unit
from backcoach.processing.types import Calibration

MAX_STILL_SPREAD_G = 0.05  # per-axis standard deviation allowed while standing still
SMOOTH_S = 0.5


class CalibrationError(BackcoachError):
    """The calibration recording does not show a still upright phase and a forward bend."""


def calibrate(
    t_s: np.ndarray,
    acc_g: np.ndarray,
    *,
    upright_s: float = 5.0,
    min_bend_deg: float = 30.0,
) -> Calibration:
    """Up and forward from a recording of `upright_s` still standing followed by a forward bend."""
    t = np.asarray(t_s, np.float64).reshape(-1)
    a = np.asarray(acc_g, np.float64).reshape(-1, 3)
    if t.size < 10 or t[-1] - t[0] < upright_s + 1.0:
        raise CalibrationError(
            f"calibration needs at least {upright_s + 1:.0f} s of data; record again: "
            f"stand upright {upright_s:.0f} s, then bend forward"
        )
    still = t - t[0] < upright_s
    if np.any(a[still].std(axis=0) > MAX_STILL_SPREAD_G):
        raise CalibrationError(
            f"the first {upright_s:.0f} s were not still; stand upright without moving, then bend"
        )
    up = unit(a[still].mean(axis=0))
    # Smooth the rest with a moving mean over SMOOTH_S, then find the deepest tilt.
    rest = a[~still]
    fs = (t.size - 1) / (t[-1] - t[0])
    k = max(1, int(round(SMOOTH_S * fs)))
    kernel = np.ones(k) / k
    smooth = np.column_stack([np.convolve(rest[:, i], kernel, mode="valid") for i in range(3)])
    if smooth.shape[0] == 0:
        raise CalibrationError("no data after the upright phase; bend forward after standing")
    g = unit(smooth)
    incl = np.degrees(np.arccos(np.clip(g @ up, -1.0, 1.0)))
    i = int(np.argmax(incl))
    if incl[i] < min_bend_deg:
        raise CalibrationError(
            f"the bend reached only {incl[i]:.0f}°; bend forward at least {min_bend_deg:.0f}°"
        )
    forward = -tilt_away(g[i], up)
    return Calibration(tuple(map(float, up)), tuple(map(float, forward)), source="calibration")

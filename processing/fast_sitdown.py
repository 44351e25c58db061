"""A sit-down seen the moment the body lands, for the fast lane.

Why: the fast lane (`fastlane.py`) carries the pipeline's last posture forward, so it cannot see a
sit-down; the pipeline decides one only with its look-ahead, 5-10 s later. That is too late for
one warning: a wearer past the sitting limit who stands up for less than the tolerated break
and sits down again gets G1 ("stand up and walk") at that sit-down.

How: the same evidence as `vertical.py`, on the newest raw samples instead of finished epochs.
The samples must end in a still stretch (|a| steady for `LANDED_S`: the body has landed). The
vertical velocity from the first still moment within `LOOK_S` before it (a slow sit-down has
steady moments on its way; from the last one only its end would be seen) to that landing is
|a| - 1 g integrated once, with the still stretches' own |a| as the 1 g reference and detrended
to zero at both ends. A sit-down goes down first (its first lobe reaching `FIRST_LOBE` of the
largest |v| is downward), fast enough (`MIN_DROP_MS`), does not come back up (a rise after it at
most `FALL_BACK` of the drop: a squat or a bend that came back up is not a sit), and lands with
the trunk less than `MAX_FORWARD_DEG` forward (a stoop, most held squats, lying down). Straight
from a walk there is no still moment to start from: the velocity starts `LOOK_S` back (a walk's
mean vertical speed is zero), and a stop's last step dips too, so the drop must reach
`WALKED_IN_DROP_MS` (chosen on the simulator's stops, -0.25 to -0.44 m/s, against its
walk-to-seat -0.5 to -0.6 m/s: no real walk-to-seat recordings here to check it on).

Measured by `bench/fast_sitdown.py` on SisFall: it finds most sit-downs, not all (the others
wait for the pipeline, as before), and fires on some held squats and jumps. So the fast lane
uses it only during a tolerated break in a sitting bout already past its limit, where a missed
sit-down costs seconds and a wrong one is a G1 the pipeline does not confirm: logged and kept
as provisional.
Pure and cheap: a few seconds of samples per call, no state.
"""

from __future__ import annotations

import numpy as np

from backcoach.processing.orientation import angles
from backcoach.processing.types import Calibration
from backcoach.processing.vertical import FALL_BACK, first_direction, velocity

LANDED_S = 0.5  # |a| steady this long after the movement: the body has landed
STILL_WIN_S = 0.3  # window of the steadiness measure
STILL_SD_G = 0.02  # |a|'s standard deviation in that window below this: still
LOOK_S = 4.0  # the movement is looked at from the first still moment this far back
MIN_MOVE_S = 0.4  # and at least this long
MIN_DROP_MS = 0.25  # its downward speed reaches at least this (m/s)
WALKED_IN_DROP_MS = 0.5  # ... and this, straight from a walk (no pause before it)
MAX_FORWARD_DEG = 25.0  # the trunk at the landing: more forward is a squat or bend, not a seat


def landed_after_sit_down(
    t_s: np.ndarray, acc_g: np.ndarray, calibration: Calibration | None
) -> float | None:
    """Time the body landed, if the samples end in a sit-down and a still stretch; else None."""
    n = t_s.size
    if n < 10 or t_s[-1] - t_s[0] < LANDED_S + MIN_MOVE_S:
        return None
    fs = (n - 1) / float(t_s[-1] - t_s[0])
    mag = np.linalg.norm(np.asarray(acc_g, np.float64), axis=1)
    w = max(int(round(STILL_WIN_S * fs)), 3)
    if n <= w:
        return None
    c1 = np.cumsum(np.r_[0.0, mag])
    c2 = np.cumsum(np.r_[0.0, mag * mag])
    mean = (c1[w:] - c1[:-w]) / w
    sd = np.sqrt(np.maximum((c2[w:] - c2[:-w]) / w - mean * mean, 0.0))
    still = np.zeros(n, bool)
    still[w - 1 :] = sd < STILL_SD_G  # window ending at each sample
    if not still[-1]:
        return None
    moving = np.flatnonzero(~still)
    if moving.size == 0:
        return None  # still throughout: no movement to judge
    land = int(moving[-1]) + 1  # first sample of the trailing still stretch
    if t_s[-1] - t_s[land] < LANDED_S:
        return None
    ref1 = mag[land:].mean()
    edges = np.diff(np.r_[0, still[:land].astype(np.int8), 0])
    runs = np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)  # still runs before land
    rest = np.repeat(runs >= int(LANDED_S * fs), runs)  # a pause, not a calm moment of a move
    calm = np.flatnonzero(still[:land])
    before = calm[rest & (t_s[calm] >= t_s[land] - LOOK_S)]
    if before.size:
        begin = int(before[0]) - w + 1  # that window's first sample
        ref0 = mag[begin : begin + w].mean()
    else:  # walked into the seat: from LOOK_S before, where a walk's mean vertical speed is 0
        begin = int(np.searchsorted(t_s, t_s[land] - LOOK_S))
        if begin == 0 or t_s[land] - t_s[begin] < LOOK_S - 0.1:
            return None  # the samples kept do not reach back that far
        ref0 = ref1
    if t_s[land] - t_s[begin] < MIN_MOVE_S:
        return None
    seg = slice(begin, land + 1)
    tt = t_s[seg]
    ref = np.interp(tt, [tt[0], tt[-1]], [ref0, ref1])
    v = velocity(mag[seg] - ref, np.diff(tt, prepend=tt[0]))
    if float(np.abs(v).max()) < MIN_DROP_MS:
        return None
    if before.size == 0 and -v.min() < WALKED_IN_DROP_MS:
        return None  # from a walk: a stop's last step dips too, a seat takes a deeper drop
    if first_direction(v) > 0 or v.max() > FALL_BACK * -v.min():
        return None  # went up first, or came back up: not a sit-down
    if calibration is not None:
        g = np.asarray(acc_g[land:], np.float64).mean(axis=0, keepdims=True)
        if float(angles(g, calibration)[0][0]) > MAX_FORWARD_DEG:
            return None
    return float(t_s[land])

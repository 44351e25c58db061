"""The simulated wearer's walking: step by step, as it happens in daily life.

Why not one sinusoid: real walking speeds up and slows down, sets off and stops with smaller
steps, turns (shorter, weaker, slower steps and a sideways lean), and comes slow and shuffling
in a kitchen or with impaired gait; a carried box changes the trunk's lean and sway. The
pipeline must find all of it, so the simulator makes all of it.

At the lower back each step gives one cycle of the vertical acceleration (peak at the initial
contact), the forward acceleration follows it by a fraction of a step, and the sideways one
swings once per stride (two steps). The phase advances at the momentary cadence, so a step is
one completed cycle and the truth counts them exactly.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

#: Gait styles: (cadence range in steps/s, vertical / forward / sideways amplitude in g).
GAITS = {
    "normal": ((1.7, 2.0), (0.25, 0.12, 0.07)),
    "slow": ((0.8, 1.3), (0.12, 0.06, 0.05)),  # impaired or careful gait
    "shuffle": ((1.3, 1.7), (0.08, 0.04, 0.03)),  # small steps indoors
    "carry": ((1.5, 1.8), (0.18, 0.07, 0.04)),  # a box held in front
    "run": ((2.5, 2.9), (0.9, 0.3, 0.15)),
    # Stairs: up slower, pushing the body up and forward; down quicker, landing on each step.
    "stairs_up": ((1.3, 1.7), (0.22, 0.14, 0.06)),
    "stairs_down": ((1.6, 2.0), (0.35, 0.10, 0.08)),
}
CARRY_LEAN_DEG = -4.0  # a load held in front: the trunk leans back to balance it
TURN_S = 2.5  # a turn lasts this long ...
TURN_STEP = 0.55  # ... with steps this much weaker
TURN_CADENCE = 0.8  # ... and slower
TURN_SIDE_DEG = 6.0  # ... and the trunk leaning into it
SET_OFF_STEPS = 2.0  # the first and last steps of a bout ramp up and down over this many


def render_gait(
    n: int,
    fs: float,
    gait: str,
    cadence_hz: float,
    turns: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Dynamic acceleration (n, 3) in the body frame, forward lean and sideways lean (deg) per
    sample, and the number of steps, for a bout of `n` samples."""
    t = np.arange(n) / fs
    dur = n / fs
    amp_v, amp_ap, amp_ml = GAITS[gait][1]
    # Cadence drifts by a few percent and jitters step to step.
    drift = gaussian_filter1d(rng.normal(0.0, 1.0, n), sigma=3.0 * fs) * np.sqrt(6.0 * fs)
    cad = cadence_hz * (1.0 + 0.04 * drift + 0.02 * rng.normal(0.0, 1.0))
    # Turns: at random moments, weaker and slower steps and a lean into the turn.
    weak = np.zeros(n)
    side = np.zeros(n)
    for _ in range(turns):
        if dur < 2 * TURN_S:
            break
        mid = rng.uniform(TURN_S, dur - TURN_S)
        bump = np.exp(-0.5 * ((t - mid) / (TURN_S / 3.0)) ** 2)
        weak = np.maximum(weak, bump)
        side += TURN_SIDE_DEG * rng.choice([-1.0, 1.0]) * bump
    cad = cad * (1.0 - (1.0 - TURN_CADENCE) * weak)
    phase = 2.0 * np.pi * np.cumsum(cad) / fs + rng.uniform(0.0, 0.3)
    steps = int(np.floor(phase[-1] / (2.0 * np.pi))) if n else 0
    # Setting off and stopping: the first and last steps are smaller.
    ramp_s = SET_OFF_STEPS / max(cadence_hz, 0.5)
    env = np.clip(np.minimum(t, dur - t) / ramp_s, 0.35, 1.0)
    env *= 1.0 - (1.0 - TURN_STEP) * weak
    env *= 1.0 + 0.08 * gaussian_filter1d(rng.normal(0.0, 1.0, n), sigma=fs) * np.sqrt(2 * fs)
    dyn = np.zeros((n, 3))
    dyn[:, 0] = env * amp_v * (np.sin(phase) + 0.3 * np.sin(2 * phase))
    dyn[:, 2] = env * amp_ap * np.sin(phase + 0.8)
    dyn[:, 1] = env * amp_ml * np.sin(phase / 2)
    lean = 1.5 * env * np.sin(phase) + (CARRY_LEAN_DEG if gait == "carry" else 0.0)
    return dyn, lean, side, steps

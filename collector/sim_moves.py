"""The simulated wearer's other movements: squats, jumps and standing at work.

Why: a real day is not only sitting, walking and bending. People squat at a low cupboard, jump
to reach a high shelf and stand at a counter shifting their weight; each moves a back-worn
sensor the way a sit-down, a step or a lift does, and the pipeline must not mistake them
(issue 18: on SisFall, 80% of squat trials and 61% of jumps were read as sitting).

Every function returns per-sample trunk inclination θ and sideways lean φ (deg), pelvis height
(m, negative down, smoothed later by the simulator) and body-frame dynamic acceleration (g;
axes 0 up, 1 left, 2 forward) that is added unsmoothed: an impact or a flight lasts tens of
milliseconds, which the simulator's posture smoothing would erase.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter1d

G_MS2 = 9.80665
SQUAT_MOVE_S = 1.3  # down (and up again) into a squat
JUMP_DIP_M = (0.08, 0.16)  # countermovement before the push-off
JUMP_FLIGHT_S = (0.18, 0.3)  # a gentle jump: 4-11 cm of rise
JUMP_LANDING_S = 0.22  # knees absorb the landing over this long ...
JUMP_LANDING_DIP_M = (0.08, 0.15)  # ... lowering the pelvis this far
JUMP_IMPACT_G = (0.8, 2.0)  # the heel strike's jolt at the lower back
JUMP_S = 2.6  # the whole jump, standing still before and after included
SHIFT_M = (0.03, 0.06)  # a weight shift moves the pelvis sideways this far ...
SHIFT_S = (0.6, 1.0)  # ... over this long
SHIFT_SIDE_DEG = (1.5, 3.5)  # ... leaning the trunk into the loaded side
REPOSITION_P = 0.25  # a shift that comes with one or two steps on the spot
WORK_NOISE_G = 0.012  # arms working at a counter shake the trunk a little (rms per axis)


def min_jerk(n: int) -> np.ndarray:
    """0→1 over n samples with zero velocity and acceleration at both ends."""
    s = np.linspace(0.0, 1.0, max(n, 2))
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def _second_derivative(x: np.ndarray, fs: float) -> np.ndarray:
    return np.gradient(np.gradient(x, 1.0 / fs), 1.0 / fs)


def squat(
    n: int, fs: float, peak_deg: float, drop_m: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Down into a squat (knees bent, trunk fairly upright, pelvis `drop_m` lower), held, up.

    The hold is not a seat: the body balances on bent knees, so the trunk sways a little and
    small corrections shake it (unlike sitting, which is still)."""
    k = min(int(round(SQUAT_MOVE_S * fs)), n // 2)
    prof = np.concatenate([min_jerk(k), np.ones(n - 2 * k), min_jerk(k)[::-1]])[:n]
    sway = gaussian_filter1d(rng.normal(0, 1, n), sigma=fs) * np.sqrt(fs) * 0.8
    theta = peak_deg * prof + sway * prof
    phi = 0.5 * sway * prof
    height = drop_m * prof
    dyn = rng.normal(0.0, 0.008, (n, 3)) * prof[:, None]
    return theta, phi, height, dyn


def jump(n: int, fs: float, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """A gentle jump to reach something high: dip, push off, flight, landing, recover.

    The pelvis path is built piecewise (a min-jerk dip, a push-off that leaves the floor with
    the speed the flight needs, a free fall, a landing that stops the fall within
    `JUMP_LANDING_S`, a min-jerk recovery) and differentiated twice; during the flight the
    sensor reads no gravity at all, and the landing adds a damped impact jolt."""
    dt = 1.0 / fs
    dip = float(rng.uniform(*JUMP_DIP_M))
    flight = float(rng.uniform(*JUMP_FLIGHT_S))
    land = float(rng.uniform(*JUMP_LANDING_DIP_M))
    v0 = G_MS2 * flight / 2.0
    n_dip, n_push = int(0.45 * fs), int(0.25 * fs)
    n_fly, n_land, n_rec = int(round(flight * fs)), int(round(JUMP_LANDING_S * fs)), int(0.7 * fs)
    lead = max(0, (n - (n_dip + n_push + n_fly + n_land + n_rec)) // 2)
    h = [np.zeros(lead), -dip * min_jerk(n_dip)]
    # Push-off: cubic Hermite from (-dip, 0 m/s) to (0, v0).
    s = np.arange(1, n_push + 1) / n_push
    tp = n_push * dt
    h.append(-dip * (2 * s**3 - 3 * s**2 + 1) + v0 * tp * (s**3 - s**2))
    tf = np.arange(1, n_fly + 1) * dt
    h.append(v0 * tf - 0.5 * G_MS2 * tf**2)
    # Landing: Hermite from (h_end, -v0) to (h_end - land, 0).
    h0 = float(h[-1][-1]) if n_fly else 0.0
    s = np.arange(1, n_land + 1) / n_land
    tl = n_land * dt
    h.append(
        h0 * (2 * s**3 - 3 * s**2 + 1)
        + (h0 - land) * (-2 * s**3 + 3 * s**2)
        - v0 * tl * (s**3 - 2 * s**2 + s)
    )
    h.append((h0 - land) * (1.0 - min_jerk(n_rec)))
    height = np.concatenate(h)
    height = np.pad(height, (0, max(0, n - height.size)))[:n]
    dyn = np.zeros((n, 3))
    dyn[:, 0] = _second_derivative(height, fs) / G_MS2
    t_land = (lead + n_dip + n_push + n_fly) * dt
    t = np.arange(n) * dt - t_land
    impact = float(rng.uniform(*JUMP_IMPACT_G))
    dyn[:, 0] += np.where(t >= 0, impact * np.exp(-t / 0.03) * np.cos(2 * np.pi * 12 * t), 0.0)
    dyn[:, 2] += np.where(t >= 0, 0.3 * impact * np.exp(-t / 0.04) * np.sin(2 * np.pi * 9 * t), 0)
    # The trunk leans forward into the dip, then back up and a little beyond, reaching up.
    theta = np.zeros(n)
    a, rest = lead + n_dip, max(0, n - lead - n_dip)
    theta[lead:a] = 12.0 * min_jerk(n_dip)[: max(0, a - lead)]
    after = np.arange(rest) * dt
    theta[a:] = 12.0 * (1.0 - min_jerk(rest)) - 4.0 * np.exp(-0.5 * ((after - 0.4) / 0.25) ** 2)
    return theta, np.zeros(n), np.zeros(n), dyn


def work_stand(
    n: int, fs: float, shifts_per_min: float, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Standing at a counter or a standing desk: sway, weight shifts from leg to leg, now and
    then a step or two on the spot, and the arms at work shaking the trunk a little.

    Returns θ, φ, height, dynamic acceleration and the number of steps on the spot (not a walk:
    too few to make one)."""
    dt = 1.0 / fs
    sway = gaussian_filter1d(rng.normal(0, 1, n), sigma=2 * fs) * np.sqrt(2 * fs)
    theta = rng.normal(2.0, 2.0) + 1.5 * sway
    phi = np.zeros(n)
    lateral = np.zeros(n)  # pelvis, m, positive left
    height = np.zeros(n)
    dyn = np.zeros((n, 3))
    dur = n * dt
    n_shift = rng.poisson(shifts_per_min * dur / 60.0)
    side, steps = 1.0, 0
    for t_shift in np.sort(rng.uniform(0.0, max(dur - 1.5, 0.0), n_shift)):
        a = int(t_shift * fs)
        k = int(round(rng.uniform(*SHIFT_S) * fs))
        ramp = min_jerk(k)[: n - a]
        new_y = side * rng.uniform(*SHIFT_M)
        lateral[a : a + ramp.size] = lateral[a] + (new_y - lateral[a]) * ramp
        lateral[a + ramp.size :] = new_y
        new_phi = -side * rng.uniform(*SHIFT_SIDE_DEG)
        phi[a : a + ramp.size] = phi[a] + (new_phi - phi[a]) * ramp
        phi[a + ramp.size :] = new_phi
        height[a : a + ramp.size] -= 0.01 * np.sin(np.pi * np.linspace(0, 1, ramp.size))
        side = -side
        if rng.random() < REPOSITION_P:  # a step or two on the spot
            m = int(rng.integers(1, 3))
            k = int(round(m * 0.55 * fs))
            ph = np.linspace(0.0, 2 * np.pi * m, k)[: n - a]
            amp = rng.uniform(0.06, 0.14)
            dyn[a : a + ph.size, 0] += amp * np.sin(ph) * np.sin(ph / (2 * m)) ** 2
            dyn[a : a + ph.size, 1] += 0.4 * amp * np.sin(ph / 2)
            steps += m
    dyn[:, 1] += _second_derivative(lateral, fs) / G_MS2
    # Arms at work: band-limited shaking, on and off.
    busy = gaussian_filter1d((rng.random(n) < 0.5).astype(float), sigma=5 * fs) > 0.5
    shake = gaussian_filter1d(rng.normal(0, 1, (n, 3)), sigma=0.08 * fs, axis=0)
    shake *= WORK_NOISE_G / max(float(shake.std()), 1e-12)
    dyn += shake * busy[:, None]
    return theta, phi, height, dyn, steps

"""A simulated wearer: a back-worn accelerometer's signal for a scripted day, with its ground truth.

Why: every part of backcoach (pipeline, stores, warnings, dashboard, BLE emulator) needs a
realistic signal whose truth is known, and no sensor is at hand in tests or in `backcoach demo`.

Model (body frame axes: 0 = up, 1 = left, 2 = forward; a sensor at rest reads +1 g on "up"):
1. A script is a list of `Segment`s (lying, sit, stand, walk, run, bend, lift, and since issue 18
   squat, stairs, jump, and standing at work: a stand with weight shifts).
2. Each segment renders, per sample, the trunk's forward inclination θ and sideways lean φ
   (degrees, against the wearer's upright standing), the pelvis height change (m, negative down;
   stairs carry the floor up or down for everything after them) and the dynamic acceleration
   (g) of gait, impacts and small movements (`sim_gait`, `sim_moves`).
3. θ, φ and height are smoothed (Gaussian, σ 0.35 s), so posture changes are continuous.
4. The sensor sits `SENSOR_ABOVE_HIP_M` above the hip joint, so trunk flexion also moves it down
   and forward; its vertical acceleration is the second derivative of its height.
5. Specific force in the body frame = (1 g + vertical acceleration) along world-up expressed in
   the body frame, plus the gait terms; then the mounting rotation, a constant bias and white noise.

The truth is one posture per second (the segment's posture; bends, lifts and squats count as
standing, as in ActiPASS, stairs as walking, a jump as other), the true trunk angle per second,
the activity per second (`ACTIVITIES`: what the wearer was doing, finer than the posture) and the
events the pipeline should find (a flight of stairs is a walk with `attrs["stairs"]` ±1).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from backcoach.collector import sim_moves
from backcoach.collector.sim_gait import render_gait
from backcoach.collector.sim_script import (
    ACTIVITIES,
    DAY_S,
    LIFT_RANGES,
    SEGMENT_KINDS,
    Segment,
    activity_of,
    day_script,
)
from backcoach.processing.types import POSTURE_CODE, Event, Samples

G_MS2 = 9.80665
SENSOR_ABOVE_HIP_M = 0.15  # lower back (L4) above the hip joint: flexion lowers the sensor
SMOOTH_SIGMA_S = 0.35  # how quickly a posture change happens
NOISE_G = 0.008  # white noise per axis, a typical MEMS accelerometer at 50 Hz
BIAS_G = 0.01  # constant offset per axis (drawn once per day)

#: Static trunk inclination (deg) of the lower back in each sitting style, against upright standing.
SIT_LEAN_DEG = {"upright": -12.0, "slumped": 26.0, "back": -28.0}
WALK_LEAN_DEG = 6.0  # people lean slightly forward when walking (ActiPASS uses the same fact)
SIT_DROP_M = -0.45  # pelvis height change from standing to sitting
LANDING_S = 1.0  # the pelvis meets the seat this long after a sitting segment starts
SIT_DESCENT_S = 0.6  # ... whose pelvis starts down this long after it starts (while leaning)
STAIR_RISE_M = 0.17  # one step of a staircase
STAIRS_LEAN_DEG = {1: 8.0, -1: 0.0}  # more forward lean going up than on the level

__all__ = [
    "ACTIVITIES",
    "LIFT_RANGES",
    "SEGMENT_KINDS",
    "Segment",
    "SimulatedDay",
    "day_script",
    "iter_chunks",
    "simulate",
    "simulate_day",
]


@dataclass(frozen=True)
class SimulatedDay:
    """A simulated recording and what really happened in it."""

    samples: Samples
    truth_t_s: np.ndarray  # start of each second
    truth_posture: np.ndarray  # index into POSTURES, per second
    truth_trunk_deg: np.ndarray  # mean true forward inclination per second
    truth_events: tuple[Event, ...]
    mounting: np.ndarray  # 3×3 rotation, body frame → sensor frame
    script: tuple[Segment, ...]
    truth_activity: np.ndarray  # index into ACTIVITIES, per second
    segment_s: np.ndarray  # (n, 2) start and end of each segment of the script

    @property
    def steps(self) -> int:
        """Steps in walks (stairs included): what the pipeline should count."""
        return int(sum(e.steps or 0 for e in self.truth_events if e.type == "walk"))

    def spans(self, activity: str) -> list[tuple[float, float]]:
        """(start, end) of every segment of one of `ACTIVITIES`, in time order."""
        if activity not in ACTIVITIES:
            raise ValueError(f"unknown activity {activity!r}; use one of {ACTIVITIES}")
        return [
            (float(a), float(b))
            for seg, (a, b) in zip(self.script, self.segment_s, strict=True)
            if activity_of(seg) == activity
        ]


def _excursion(n_move: int, n_hold: int) -> np.ndarray:
    """Down (min-jerk), hold, back up: a unit-peak profile for bends, lifts and sit transitions."""
    up = sim_moves.min_jerk(n_move)
    return np.concatenate([up, np.ones(n_hold), up[::-1]])


def _render(
    seg: Segment,
    fs: float,
    rng: np.random.Generator,
    t0: float,
    after_sit: bool,
    rise_after: bool = False,
):
    """Per-sample θ, φ, height and dynamic acceleration (body frame) of one segment.

    `after_sit`: the segment before was a seat too (no descent); `rise_after`: the wearer
    stands up from this seat at its end (the next segment is neither a seat nor lying)."""
    n = int(round(seg.duration_s * fs))
    theta = np.zeros(n)
    phi = np.zeros(n)
    height = np.zeros(n)
    dyn = np.zeros((n, 3))
    posture = "standing"
    events: list[Event] = []
    t = np.arange(n) / fs
    if seg.kind == "lying":
        posture = "lying"
        theta[:] = -90.0 + rng.normal(0, 3)
        phi[:] = 85.0 * seg.side
        height[:] = -0.8
        events.append(Event("lying", t0, t0 + seg.duration_s))
    elif seg.kind == "sit":
        posture = "sitting"
        theta[:] = SIT_LEAN_DEG[seg.lean] + rng.normal(0, 2) + 1.5 * np.sin(2 * np.pi * t / 240)
        height[:] = SIT_DROP_M
        # Sitting down and getting up: a forward lean of ~30° while the pelvis moves (from
        # standing the pelvis goes down as the trunk leans, `SIT_DESCENT_S` into the segment;
        # getting up mirrors it: the pelvis leaves the seat at the deepest lean and rises as
        # the trunk straightens, up `SIT_DESCENT_S` before the segment ends).
        k = min(int(2.0 * fs), n // 3)
        bump = 30.0 * np.sin(np.linspace(0, np.pi, k)) ** 2
        theta[:k] += bump
        theta[n - k :] += bump
        if not after_sit:
            height[: min(int(SIT_DESCENT_S * fs), k)] = 0.0
        if rise_after:
            height[n - min(int(SIT_DESCENT_S * fs), k) :] = 0.0
        # Landing on the seat: a short, damped jolt of the pelvis (absent from a squat).
        land = np.arange(n) / fs - LANDING_S
        jolt = np.where(land >= 0, np.exp(-land / 0.12) * np.sin(2 * np.pi * 5.0 * land), 0.0)
        dyn[:, 0] += float(rng.uniform(0.15, 0.35)) * jolt
        events.append(Event("sitting_bout", t0, t0 + seg.duration_s))
    elif seg.kind == "stand" and seg.shifts > 0:
        theta, phi, height, dyn, _ = sim_moves.work_stand(n, fs, seg.shifts, rng)
    elif seg.kind == "stand":
        # Postural sway: slow random drift of about a degree.
        drift = gaussian_filter1d(rng.normal(0, 1, n), sigma=2 * fs) * np.sqrt(2 * fs) * 0.5
        theta[:] = rng.normal(0, 1) + drift
        dyn += rng.normal(0, 0.01, (n, 3))
    elif seg.kind in ("walk", "run", "stairs"):
        running = seg.kind == "run"
        posture = "running" if running else "walking"
        gait = "run" if running else seg.gait
        attrs = {}
        if seg.kind == "stairs":
            gait = "stairs_up" if seg.climb > 0 else "stairs_down"
            attrs["stairs"] = float(seg.climb)
        dyn, lean, side, steps = render_gait(n, fs, gait, seg.cadence_hz, seg.turns, rng)
        theta[:] = WALK_LEAN_DEG + (4.0 if running else 0.0) + lean
        phi[:] = side
        if seg.kind == "stairs":
            theta += STAIRS_LEAN_DEG[seg.climb]
            height[:] = seg.climb * STAIR_RISE_M * steps * sim_moves.min_jerk(n)
        attrs["cadence_spm"] = 60.0 * steps / seg.duration_s
        events.append(Event("walk", t0, t0 + seg.duration_s, steps=steps, attrs=attrs))
    elif seg.kind == "squat":
        theta, phi, height, dyn = sim_moves.squat(n, fs, seg.peak_deg, seg.drop_m, rng)
    elif seg.kind == "jump":
        posture = "other"
        theta, phi, height, dyn = sim_moves.jump(n, fs, rng)
    else:  # bend or lift
        move_s = 1.5 + seg.peak_deg / 60.0
        prof = _excursion(int(round(move_s * fs)), n - 2 * int(round(move_s * fs)))[:n]
        prof = np.pad(prof, (0, n - prof.size), mode="edge")
        theta[:] = seg.peak_deg * prof
        if seg.kind == "lift":
            height[:] = seg.drop_m * prof
            events.append(
                Event("lift", t0, t0 + seg.duration_s, peak_deg=seg.peak_deg, style=seg.style)
            )
        else:
            events.append(Event("bend", t0, t0 + seg.duration_s, peak_deg=seg.peak_deg))
    return theta, phi, height, dyn, posture, events


def simulate(
    script: Sequence[Segment],
    start_s: float,
    *,
    fs_hz: float = 50.0,
    seed: int = 0,
    random_mounting: bool = True,
) -> SimulatedDay:
    """Render a script into a sensor signal starting at `start_s` (unix seconds)."""
    rng = np.random.default_rng(seed)
    parts = []
    truth_posture: list[np.ndarray] = []
    truth_activity: list[np.ndarray] = []
    events: list[Event] = []
    spans: list[tuple[float, float]] = []
    t_cursor = 0.0
    floor_m = 0.0  # stairs carry the floor: only the change of height moves the sensor
    prev = None
    for i, seg in enumerate(script):
        after_sit = prev is not None and prev.kind == "sit"
        rise = i + 1 < len(script) and script[i + 1].kind not in ("sit", "lying")
        theta, phi, height, dyn, posture, seg_events = _render(
            seg, fs_hz, rng, start_s + t_cursor, after_sit, rise
        )
        prev = seg
        parts.append((theta, phi, height + floor_m, dyn))
        if seg.kind == "stairs" and height.size:
            floor_m += float(height[-1])
        n_s = int(round(seg.duration_s * fs_hz))
        truth_posture.append(np.full(n_s, POSTURE_CODE[posture], np.int8))
        truth_activity.append(np.full(n_s, ACTIVITIES.index(activity_of(seg)), np.int8))
        events.extend(seg_events)
        spans.append((start_s + t_cursor, start_s + t_cursor + n_s / fs_hz))
        t_cursor += n_s / fs_hz
    theta = np.concatenate([p[0] for p in parts])
    phi = np.concatenate([p[1] for p in parts])
    height = np.concatenate([p[2] for p in parts])
    dyn = np.concatenate([p[3] for p in parts])
    sigma = SMOOTH_SIGMA_S * fs_hz
    theta = gaussian_filter1d(theta, sigma)
    phi = gaussian_filter1d(phi, sigma)
    height = gaussian_filter1d(height, sigma)

    # Step 4: the sensor's height follows the pelvis and the trunk's rotation about the hip.
    th, ph = np.radians(theta), np.radians(phi)
    sensor_z = height - SENSOR_ABOVE_HIP_M * (1 - np.cos(th))
    a_vert_g = np.gradient(np.gradient(sensor_z, 1 / fs_hz), 1 / fs_hz) / G_MS2

    # Step 5: world-up in the body frame (forward flexion θ, lean to the right φ).
    up_body = np.stack([np.cos(th) * np.cos(ph), np.sin(ph), -np.sin(th) * np.cos(ph)], axis=1)
    f_body = (1.0 + a_vert_g)[:, None] * up_body + dyn
    mounting = Rotation.random(random_state=rng).as_matrix() if random_mounting else np.eye(3)
    bias = rng.uniform(-BIAS_G, BIAS_G, 3)
    acc = f_body @ mounting.T + bias + rng.normal(0, NOISE_G, f_body.shape)

    n = acc.shape[0]
    t = start_s + np.arange(n) / fs_hz
    posture = np.concatenate(truth_posture)
    sec = (np.arange(n) / fs_hz).astype(np.int64)
    n_sec = int(sec[-1]) + 1 if n else 0
    per_sec = np.bincount(sec, weights=theta, minlength=n_sec) / np.bincount(sec, minlength=n_sec)
    idx = np.searchsorted(sec, np.arange(n_sec))
    return SimulatedDay(
        samples=Samples(t, acc.astype(np.float32)),
        truth_t_s=start_s + np.arange(n_sec, dtype=np.float64),
        truth_posture=posture[idx],
        truth_trunk_deg=per_sec.astype(np.float32),
        truth_events=_merge_adjacent(events),
        mounting=mounting,
        script=tuple(script),
        truth_activity=np.concatenate(truth_activity)[idx],
        segment_s=np.asarray(spans, np.float64).reshape(-1, 2),
    )


def _merge_adjacent(events: list[Event]) -> tuple[Event, ...]:
    """Back-to-back segments of sitting or lying are one bout to the wearer's back."""
    out: list[Event] = []
    for e in events:
        prev = out[-1] if out else None
        if (
            prev is not None
            and e.type == prev.type
            and e.type in ("sitting_bout", "lying")
            and e.start_s - prev.end_s < 1.0
        ):
            out[-1] = Event(prev.type, prev.start_s, e.end_s)
        else:
            out.append(e)
    return tuple(out)


def simulate_day(
    day_start_s: float,
    *,
    day_s: float = DAY_S,
    fs_hz: float = 50.0,
    seed: int = 0,
    random_mounting: bool = True,
) -> SimulatedDay:
    """A whole simulated day from `day_start_s` (the wearer's local midnight, unix seconds) to
    `day_s` later (the next midnight: 23 or 25 hours on a DST change)."""
    day = simulate(
        day_script(seed, day_s),
        day_start_s,
        fs_hz=fs_hz,
        seed=seed,
        random_mounting=random_mounting,
    )
    # Each segment is rounded to whole samples, so the day may run a sample or two into the
    # next one: cut there (a day is [midnight, next midnight)).
    keep = day.samples.t_s < day_start_s + day_s
    if keep.all():
        return day
    n_sec = int(np.ceil(day_s))
    return replace(
        day,
        samples=Samples(day.samples.t_s[keep], day.samples.acc_g[keep]),
        truth_t_s=day.truth_t_s[:n_sec],
        truth_posture=day.truth_posture[:n_sec],
        truth_trunk_deg=day.truth_trunk_deg[:n_sec],
        truth_activity=day.truth_activity[:n_sec],
    )


def iter_chunks(
    samples: Samples, chunk_s: float = 1.0, *, speed: float | None = None
) -> Iterator[Samples]:
    """Yield consecutive chunks; `speed` paces them (1 = real time, 60 = a minute a second)."""
    if len(samples) == 0:
        return
    t = samples.t_s
    edges = np.arange(t[0], t[-1] + chunk_s, chunk_s)
    bounds = np.searchsorted(t, edges)
    wall0 = time.monotonic()
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        if b <= a:
            continue
        if speed:
            due = wall0 + (t[b - 1] - t[0]) / speed
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield Samples(t[a:b], samples.acc_g[a:b])
    if bounds[-1] < len(t):
        yield Samples(t[bounds[-1] :], samples.acc_g[bounds[-1] :])

"""A simulated wearer: a back-worn accelerometer's signal for a scripted day, with its ground truth.

Why: every part of backcoach (pipeline, stores, warnings, dashboard, BLE emulator) needs a
realistic signal whose truth is known, and no sensor is at hand in tests or in `backcoach demo`.

Model (body frame axes: 0 = up, 1 = left, 2 = forward; a sensor at rest reads +1 g on "up"):
1. A script is a list of `Segment`s (lying, sit, stand, walk, run, bend, lift).
2. Each segment renders, per sample, the trunk's forward inclination θ and sideways lean φ
   (degrees, against the wearer's upright standing), the pelvis height change (m, negative down)
   and the gait's dynamic acceleration (g).
3. θ, φ and height are smoothed (Gaussian, σ 0.35 s), so posture changes are continuous.
4. The sensor sits `SENSOR_ABOVE_HIP_M` above the hip joint, so trunk flexion also moves it down
   and forward; its vertical acceleration is the second derivative of its height.
5. Specific force in the body frame = (1 g + vertical acceleration) along world-up expressed in
   the body frame, plus the gait terms; then the mounting rotation, a constant bias and white noise.

The truth is one posture per second (the segment's posture; bends and lifts count as standing, as
in ActiPASS), the true trunk angle per second, and the events the pipeline should find.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.spatial.transform import Rotation

from backcoach.collector.sim_gait import GAITS, render_gait
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
#: Lift style → (peak trunk angle range, deg; pelvis drop range, m): a stoop bends deep and
#: barely lowers, a squat lowers 30-50 cm with a moderate lean (data README's D15/D16 ranges).
LIFT_RANGES = {"back": (70.0, 95.0, 0.0, 0.08), "legs": (25.0, 45.0, 0.30, 0.50)}


@dataclass(frozen=True)
class Segment:
    """One scripted activity. `kind` is lying, sit, stand, walk, run, bend or lift.

    Parameters by kind: sit `lean` (upright|slumped|back); lying `side` (-1 left, 0 back, 1 right);
    walk/run `cadence_hz` (steps per second), `gait` (`sim_gait.GAITS`: normal, slow, shuffle,
    carry) and `turns`; bend `peak_deg`, `hold_s`; lift `style` (back|legs), `peak_deg`,
    `drop_m`, `hold_s`. `duration_s` for bends and lifts is derived.
    """

    kind: str
    duration_s: float = 0.0
    lean: str = "upright"
    side: int = 0
    cadence_hz: float = 1.85
    peak_deg: float = 70.0
    hold_s: float = 2.0
    style: str = "back"
    drop_m: float = 0.0
    gait: str = "normal"
    turns: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("lying", "sit", "stand", "walk", "run", "bend", "lift"):
            raise ValueError(f"unknown segment kind {self.kind!r}")
        if self.gait not in GAITS:
            raise ValueError(f"unknown gait {self.gait!r}; use one of {', '.join(GAITS)}")
        if self.kind in ("bend", "lift"):
            move_s = 1.5 + self.peak_deg / 60.0  # down and up take longer for deeper bends
            object.__setattr__(self, "duration_s", 2 * move_s + self.hold_s)
        if self.duration_s <= 0:
            raise ValueError(f"segment {self.kind} needs a positive duration")


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

    @property
    def steps(self) -> int:
        return int(sum(e.steps or 0 for e in self.truth_events if e.type == "walk"))


def _min_jerk(n: int) -> np.ndarray:
    """0→1 over n samples with zero velocity and acceleration at both ends."""
    s = np.linspace(0.0, 1.0, max(n, 2))
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def _excursion(n_move: int, n_hold: int) -> np.ndarray:
    """Down (min-jerk), hold, back up: a unit-peak profile for bends, lifts and sit transitions."""
    up = _min_jerk(n_move)
    return np.concatenate([up, np.ones(n_hold), up[::-1]])


def _render(seg: Segment, fs: float, rng: np.random.Generator, t0: float, after_sit: bool):
    """Per-sample θ, φ, height and dynamic acceleration (body frame) of one segment."""
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
        # standing the pelvis goes down as the trunk leans, `SIT_DESCENT_S` into the segment).
        k = min(int(2.0 * fs), n // 3)
        bump = 30.0 * np.sin(np.linspace(0, np.pi, k)) ** 2
        theta[:k] += bump
        theta[n - k :] += bump
        if not after_sit:
            height[: min(int(SIT_DESCENT_S * fs), k)] = 0.0
        # Landing on the seat: a short, damped jolt of the pelvis (absent from a squat).
        land = np.arange(n) / fs - LANDING_S
        jolt = np.where(land >= 0, np.exp(-land / 0.12) * np.sin(2 * np.pi * 5.0 * land), 0.0)
        dyn[:, 0] += float(rng.uniform(0.15, 0.35)) * jolt
        events.append(Event("sitting_bout", t0, t0 + seg.duration_s))
    elif seg.kind == "stand":
        # Postural sway: slow random drift of about a degree.
        drift = gaussian_filter1d(rng.normal(0, 1, n), sigma=2 * fs) * np.sqrt(2 * fs) * 0.5
        theta[:] = rng.normal(0, 1) + drift
        dyn += rng.normal(0, 0.01, (n, 3))
    elif seg.kind in ("walk", "run"):
        running = seg.kind == "run"
        posture = "running" if running else "walking"
        gait = "run" if running else seg.gait
        dyn, lean, side, steps = render_gait(n, fs, gait, seg.cadence_hz, seg.turns, rng)
        theta[:] = WALK_LEAN_DEG + (4.0 if running else 0.0) + lean
        phi[:] = side
        cadence = 60.0 * steps / seg.duration_s
        events.append(
            Event("walk", t0, t0 + seg.duration_s, steps=steps, attrs={"cadence_spm": cadence})
        )
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
    events: list[Event] = []
    t_cursor = 0.0
    prev = None
    for seg in script:
        after_sit = prev is not None and prev.kind == "sit"
        theta, phi, height, dyn, posture, seg_events = _render(
            seg, fs_hz, rng, start_s + t_cursor, after_sit
        )
        prev = seg
        parts.append((theta, phi, height, dyn))
        n_s = int(round(seg.duration_s * fs_hz))
        truth_posture.append(np.full(n_s, POSTURE_CODE[posture], np.int8))
        events.extend(seg_events)
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


def day_script(seed: int = 0) -> list[Segment]:
    """A plausible office worker's 24 hours, varied by `seed`.

    Walking comes as it does in daily life: indoors in bouts of a few steps to half a minute,
    slow or shuffling now and then, with turns and short pauses; outdoors in longer walks with
    stops. Bends are quick reaches or work in a bent posture held for tens of seconds; lifts
    (pick-ups from the floor, with the back or the legs) come with carrying between them.
    """
    rng = np.random.default_rng(seed)
    s: list[Segment] = []

    def stand(minutes: float) -> None:
        s.append(Segment("stand", minutes * 60))

    def bout(seconds: float, gait: str = "normal", turns: int = 0) -> None:
        lo, hi = GAITS[gait][0]
        cad = float(rng.uniform(lo, hi))
        s.append(Segment("walk", seconds, cadence_hz=cad, gait=gait, turns=turns))

    def outdoors(minutes: float) -> None:
        """A walk outside: minutes at a time, a turn now and then, stops at crossings."""
        left = minutes * 60
        while left > 0:
            part = min(left, float(rng.uniform(60, 300)))
            bout(part, turns=int(part // 120))
            left -= part
            if left > 0:
                s.append(Segment("stand", float(rng.uniform(5, 40))))

    def indoors(minutes: float) -> None:
        """Moving about a room: short bouts, mostly under 30 s, pauses between them."""
        left = minutes * 60
        while left > 0:
            gait = str(rng.choice(["normal", "slow", "shuffle"], p=[0.6, 0.2, 0.2]))
            part = float(rng.uniform(4, 30))
            bout(part, gait, turns=int(rng.random() < 0.4 and part > 6))
            s.append(Segment("stand", float(rng.uniform(1.5, 20))))
            left -= part + s[-1].duration_s

    def reaches(n: int) -> None:
        for _ in range(n):
            stand(float(rng.uniform(0.3, 1.0)))
            s.append(
                Segment("bend", peak_deg=float(rng.uniform(20, 35)), hold_s=rng.uniform(0.5, 2))
            )

    def work_bends(n: int) -> None:
        """Working bent over (a low table, the garden, a drawer): held tens of seconds."""
        for _ in range(n):
            stand(float(rng.uniform(0.5, 2.0)))
            s.append(
                Segment("bend", peak_deg=float(rng.uniform(25, 95)), hold_s=rng.uniform(8, 40))
            )

    def lifts(n_back: int, n_legs: int) -> None:
        """Picking things up from the floor and carrying them a few steps."""
        styles = ["back"] * n_back + ["legs"] * n_legs
        rng.shuffle(styles)
        for style in styles:
            stand(float(rng.uniform(0.2, 0.8)))
            peak_lo, peak_hi, drop_lo, drop_hi = LIFT_RANGES[style]
            s.append(
                Segment(
                    "lift",
                    style=style,
                    peak_deg=float(rng.uniform(peak_lo, peak_hi)),
                    drop_m=float(-rng.uniform(drop_lo, drop_hi)),
                    hold_s=float(rng.uniform(0.8, 2.0)),
                )
            )
            stand(float(rng.uniform(0.1, 0.3)))
            bout(float(rng.uniform(5, 15)), "carry")

    def desk(minutes: float) -> None:
        left = minutes
        while left > 0:
            part = min(left, float(rng.uniform(5, 20)))
            lean = str(rng.choice(["upright", "slumped", "back"], p=[0.5, 0.35, 0.15]))
            s.append(Segment("sit", part * 60, lean=lean))
            left -= part

    # Night: lying, turning now and then.
    night_left = 7 * 60.0
    while night_left > 0:
        part = min(night_left, float(rng.uniform(60, 120)))
        s.append(Segment("lying", part * 60, side=int(rng.choice([-1, 0, 1]))))
        night_left -= part
    s.append(Segment("sit", 90, lean="upright"))  # edge of the bed
    indoors(3)
    reaches(2)
    work_bends(int(rng.integers(1, 3)))  # making the bed, shoes
    indoors(4)
    s.append(Segment("sit", 20 * 60, lean="upright"))  # breakfast
    outdoors(float(rng.uniform(10, 20)))  # commute
    # Morning at the desk: bouts of varying length, some far over 30 min.
    for b in rng.permutation([45.0, 25.0, 55.0, 30.0, 40.0, 50.0, 35.0]):
        desk(float(b) + float(rng.uniform(-5, 5)))
        indoors(float(rng.uniform(1.5, 4)))
        if rng.random() < 0.6:
            reaches(1)
    outdoors(10)  # lunch
    s.append(Segment("sit", 20 * 60, lean="upright"))
    outdoors(10)
    lifts(int(rng.integers(1, 4)), int(rng.integers(2, 6)))  # carrying boxes
    for b in rng.permutation([35.0, 20.0, 50.0, 40.0, 25.0, 45.0, 30.0]):
        desk(float(b) + float(rng.uniform(-5, 5)))
        indoors(float(rng.uniform(1.5, 3)))
    outdoors(float(rng.uniform(15, 30)))  # home
    work_bends(int(rng.integers(2, 6)))  # chores
    lifts(int(rng.integers(0, 3)), int(rng.integers(1, 4)))
    if rng.random() < 0.3:
        s.append(Segment("run", float(rng.uniform(10, 20)) * 60, cadence_hz=2.7))
    s.append(Segment("sit", 30 * 60, lean="upright"))  # dinner
    indoors(5)
    indoors(float(rng.uniform(20, 40)))  # dishes, tidying up
    reaches(int(rng.integers(1, 4)))
    outdoors(float(rng.uniform(10, 25)))  # evening stroll
    s.append(Segment("sit", float(rng.uniform(70, 110)) * 60, lean="back"))  # sofa
    indoors(2)
    s.append(Segment("sit", float(rng.uniform(60, 90)) * 60, lean="back"))
    stand(3)
    used = sum(seg.duration_s for seg in s)
    excess = used - (86400.0 - 1800.0)  # keep at least half an hour in bed before midnight
    if excess > 0:
        sofa = s[-2]
        s[-2] = Segment("sit", sofa.duration_s - excess, lean=sofa.lean)
        used -= excess
    s.append(Segment("lying", 86400.0 - used))
    return s


def simulate_day(
    day_start_s: float,
    *,
    fs_hz: float = 50.0,
    seed: int = 0,
    random_mounting: bool = True,
) -> SimulatedDay:
    """A whole simulated day from `day_start_s` (the wearer's local midnight, unix seconds)."""
    return simulate(
        day_script(seed), day_start_s, fs_hz=fs_hz, seed=seed, random_mounting=random_mounting
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

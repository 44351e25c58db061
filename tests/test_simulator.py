"""The simulated wearer: physically plausible signal and self-consistent ground truth."""

from __future__ import annotations

import numpy as np

from backcoach.collector.sim_gait import render_gait
from backcoach.collector.simulator import Segment, day_script, iter_chunks, simulate, simulate_day
from backcoach.processing.types import POSTURE_CODE

T0 = 1_700_000_000.0


def test_static_standing_reads_one_g_along_the_mounting_up_axis():
    sim = simulate([Segment("stand", 20)], T0, seed=3, random_mounting=True)
    mean = sim.samples.acc_g.mean(axis=0)
    up_in_sensor = sim.mounting @ np.array([1.0, 0.0, 0.0])
    assert abs(np.linalg.norm(mean) - 1.0) < 0.03
    assert np.degrees(np.arccos(np.dot(mean / np.linalg.norm(mean), up_in_sensor))) < 3.0


def test_a_stoop_tilts_gravity_by_its_peak_angle():
    sim = simulate(
        [Segment("stand", 5), Segment("bend", peak_deg=80, hold_s=4)], T0, random_mounting=False
    )
    acc = sim.samples.acc_g
    angle = np.degrees(np.arctan2(-acc[:, 2], acc[:, 0]))
    assert 75 < angle.max() < 85
    assert sim.truth_events[-1].type == "bend"
    assert sim.truth_events[-1].peak_deg == 80


def _lowest_point_m(style: str, peak: float, drop: float) -> float:
    """Double-integrate |acc| - 1 g over a lift: how far the sensor went down, in metres."""
    sim = simulate(
        [
            Segment("stand", 3),
            Segment("lift", style=style, peak_deg=peak, drop_m=drop, hold_s=1.0),
            Segment("stand", 2),
        ],
        T0,
        random_mounting=True,
        seed=1,
    )
    lift = next(e for e in sim.truth_events if e.type == "lift")
    mag = np.linalg.norm(sim.samples.acc_g, axis=1)
    t = sim.samples.t_s
    baseline = np.median(mag[t < T0 + 2.5])
    win = (t >= lift.start_s - 0.5) & (t <= lift.end_s + 0.5)
    v = np.cumsum((mag[win] - baseline) * 9.80665) / 50.0
    v -= np.linspace(0.0, v[-1], v.size)  # at rest before and after: zero velocity at both ends
    x = np.cumsum(v) / 50.0
    return float(x.min())


def test_a_squat_lowers_the_sensor_but_a_stoop_barely_does():
    """The vertical displacement is the evidence the pipeline uses for the lift style."""
    squat = _lowest_point_m("legs", 35, -0.4)
    stoop = _lowest_point_m("back", 85, -0.02)
    assert -0.55 < squat < -0.3
    assert -0.25 < stoop < -0.05


def test_a_day_lasts_24_hours_with_truth_per_second():
    sim = simulate_day(T0, fs_hz=25.0, seed=4)
    assert abs(sim.samples.t_s[-1] - sim.samples.t_s[0] - 86400) < 1
    assert len(sim.truth_posture) == len(sim.truth_t_s) == len(sim.truth_trunk_deg)
    assert abs(len(sim.truth_t_s) - 86400) <= 1
    lying_h = np.mean(sim.truth_posture == POSTURE_CODE["lying"]) * 24
    sitting_h = np.mean(sim.truth_posture == POSTURE_CODE["sitting"]) * 24
    assert 7 <= lying_h <= 10
    assert 6 <= sitting_h <= 14
    types = {e.type for e in sim.truth_events}
    assert {"sitting_bout", "walk", "bend", "lift", "lying"} <= types
    assert any(e.duration_s > 30 * 60 for e in sim.truth_events if e.type == "sitting_bout")
    assert sim.steps > 3000


def test_walking_has_a_step_rhythm_at_the_scripted_cadence():
    """The cadence drifts a few percent, as real walking does; the steps are counted cycles."""
    sim = simulate([Segment("walk", 60, cadence_hz=1.8)], T0, random_mounting=True, seed=2)
    mag = np.linalg.norm(sim.samples.acc_g, axis=1)
    spec = np.abs(np.fft.rfft(mag - mag.mean()))
    freqs = np.fft.rfftfreq(len(mag), 1 / 50)
    assert abs(freqs[np.argmax(spec)] - 1.8) < 0.1
    assert abs(sim.truth_events[0].steps - 108) <= 5


def test_daily_walking_comes_mostly_in_short_bouts_with_slow_gait_and_turns():
    """In daily life most walking bouts are under 30 s; the day has slow and shuffling gait."""
    script = day_script(seed=1)
    walks = [seg for seg in script if seg.kind == "walk"]
    short = [w for w in walks if w.duration_s < 30]
    assert len(short) / len(walks) > 0.6
    assert {"slow", "shuffle", "carry"} <= {w.gait for w in walks}
    assert any(w.turns for w in walks)


def test_a_turn_weakens_and_slows_the_steps():
    """Steps in a turn are weaker than on the straight (the pipeline must still find them)."""
    dyn, _, side, _ = render_gait(50 * 30, 50.0, "normal", 1.8, 1, np.random.default_rng(3))
    turn = np.abs(side) > 3.0
    assert turn.any() and (~turn).any()
    assert np.abs(dyn[turn, 0]).max() < 0.8 * np.abs(dyn[~turn, 0]).max()


def test_same_seed_same_day_other_seed_other_day():
    a = simulate([Segment("stand", 5)], T0, seed=7)
    b = simulate([Segment("stand", 5)], T0, seed=7)
    c = simulate([Segment("stand", 5)], T0, seed=8)
    assert np.array_equal(a.samples.acc_g, b.samples.acc_g)
    assert not np.array_equal(a.samples.acc_g, c.samples.acc_g)


def test_chunks_cover_every_sample_once():
    sim = simulate([Segment("walk", 13.3)], T0)
    chunks = list(iter_chunks(sim.samples, 2.5))
    t = np.concatenate([c.t_s for c in chunks])
    assert np.array_equal(t, sim.samples.t_s)

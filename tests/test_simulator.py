"""The simulated wearer: physically plausible signal and self-consistent ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.sim_gait import render_gait
from backcoach.collector.simulator import (
    ACTIVITIES,
    Segment,
    day_script,
    iter_chunks,
    simulate,
    simulate_day,
)
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


def _vertical_travel_m(sim, start_s: float, end_s: float) -> np.ndarray:
    """The sensor's vertical path over [start, end] from |acc| - 1 g, still at both ends."""
    mag = np.linalg.norm(sim.samples.acc_g, axis=1).astype(np.float64)
    t = sim.samples.t_s
    baseline = np.median(mag[t < start_s - 0.5])
    win = (t >= start_s - 0.5) & (t <= end_s + 0.5)
    v = np.cumsum((mag[win] - baseline) * 9.80665) / 50.0
    v -= np.linspace(0.0, v[-1], v.size)
    return np.cumsum(v) / 50.0


def test_a_squat_lowers_the_pelvis_with_the_trunk_fairly_upright():
    """Knees bent, pelvis 0.4 m down, trunk 20° forward, held: standing in the posture truth."""
    sim = simulate(
        [Segment("stand", 4), Segment("squat", peak_deg=20, drop_m=-0.4, hold_s=6)],
        T0,
        seed=2,
        random_mounting=True,
    )
    ((a, b),) = sim.spans("squat")
    assert b - a == pytest.approx(6 + 2 * 1.3)
    x = _vertical_travel_m(sim, a, a + 2.6)
    assert -0.55 < x.min() < -0.3
    held = (sim.truth_t_s >= a + 2) & (sim.truth_t_s < b - 2)
    assert 15 < sim.truth_trunk_deg[held].mean() < 25
    assert (sim.truth_posture[held] == POSTURE_CODE["standing"]).all()
    assert (sim.truth_activity[held] == ACTIVITIES.index("squat")).all()


def test_a_jump_has_a_flight_without_gravity_and_a_landing_jolt():
    sim = simulate([Segment("stand", 3), Segment("jump"), Segment("stand", 3)], T0, seed=5)
    ((a, b),) = sim.spans("jump")
    mag = np.linalg.norm(sim.samples.acc_g, axis=1)
    t = sim.samples.t_s
    inside = (t >= a) & (t < b)
    flying = inside & (mag < 0.3)
    assert flying.sum() / 50.0 >= 0.1  # at least 0.1 s weightless
    assert mag[inside & (t > t[flying][-1])].max() > 1.8  # the landing after it
    assert np.all(sim.truth_posture[(sim.truth_t_s >= a) & (sim.truth_t_s < b)] == 5)  # other


@pytest.mark.parametrize("climb", [1, -1])
def test_stairs_are_a_walk_that_changes_the_floor(climb):
    """A flight is a walk with `stairs` set; the body ends 0.17 m higher (lower) per step, and
    standing afterwards reads plain gravity: the new floor carries on."""
    sim = simulate(
        [
            Segment("stand", 4),
            Segment("stairs", 9, cadence_hz=1.6, climb=climb),
            Segment("stand", 6),
        ],
        T0,
        seed=3,
        random_mounting=False,
    )
    walk = next(e for e in sim.truth_events if e.type == "walk")
    assert walk.attrs["stairs"] == climb and abs(walk.steps - 14) <= 1
    x = _vertical_travel_m(sim, walk.start_s, walk.end_s)
    assert x[-1] == pytest.approx(climb * 0.17 * walk.steps, rel=0.25)
    after = sim.samples.t_s > walk.end_s + 1.5
    assert np.linalg.norm(sim.samples.acc_g[after].mean(axis=0)) == pytest.approx(1.0, abs=0.02)
    name = "stairs_up" if climb > 0 else "stairs_down"
    assert sim.spans(name) == [(walk.start_s, walk.end_s)]


def test_standing_at_work_shifts_the_weight_without_walking():
    """Weight shifts sway the pelvis sideways; a step on the spot now and then is no walk."""
    sim = simulate([Segment("stand", 120, shifts=4.0)], T0, seed=6, random_mounting=False)
    side = sim.samples.acc_g[:, 1]
    assert np.abs(side).max() > 0.03  # the shifts' sideways accelerations
    assert not [e for e in sim.truth_events if e.type == "walk"] and sim.steps == 0
    assert (sim.truth_activity == ACTIVITIES.index("work_stand")).all()
    assert (sim.truth_posture == POSTURE_CODE["standing"]).all()


def test_a_day_holds_squats_stairs_jumps_and_standing_work_and_is_the_same_for_a_seed():
    a = simulate_day(T0, fs_hz=25.0, seed=9)
    b = simulate_day(T0, fs_hz=25.0, seed=9)
    np.testing.assert_array_equal(a.samples.acc_g, b.samples.acc_g)
    np.testing.assert_array_equal(a.truth_activity, b.truth_activity)
    for name in ("squat", "stairs_up", "stairs_down", "jump", "work_stand"):
        assert a.spans(name), name
    stairs = [e for e in a.truth_events if e.type == "walk" and "stairs" in e.attrs]
    assert sum(e.attrs["stairs"] * e.steps for e in stairs) == pytest.approx(0, abs=40)

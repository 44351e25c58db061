"""Sitting as a state: each movement weighs in both ways, a rise judges the seat once more."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.processing.sitstate import (
    DWELL_DESCENT_M,
    DWELL_S,
    REVISE_S,
    MovementFeatures,
    SitFilter,
    Steps,
    chair_rise_llr,
    p_sit_down,
    p_stand_up,
    seated_before_llr,
)
from backcoach.processing.types import POSTURE_CODE
from tests.processing.conftest import DAY_START_S

SITTING = POSTURE_CODE["sitting"]


def _move(**kw) -> MovementFeatures:
    """One movement; unnamed features are those of a movement that went nowhere."""
    row = dict(
        first=0.0, down_ms=0.0, up_ms=0.0, dz_m=0.0, fell_back=False, walked=False,
        lean_deg=0.0, end_deg=0.0, undone_deg=0.0, jolt_g=0.0,
    )  # fmt: skip
    row |= kw
    row["undone_deg"] = row["lean_deg"] - row["end_deg"]
    return MovementFeatures(**{k: np.array([v]) for k, v in row.items()})


# Typical movements of the SisFall development subjects (medians, bench/fit_sitting.py).
SIT_DOWN = _move(first=-1.0, down_ms=0.62, up_ms=0.2, dz_m=-0.25, lean_deg=35.0, end_deg=-5.0,
                 jolt_g=0.5)  # fmt: skip
SQUAT_DOWN = _move(first=-1.0, down_ms=0.5, up_ms=0.05, dz_m=-0.4, lean_deg=30.0, end_deg=28.0,
                   jolt_g=0.15)  # fmt: skip
CHAIR_RISE = _move(first=1.0, down_ms=0.1, up_ms=0.8, dz_m=0.4, lean_deg=38.0, end_deg=5.0)
CROUCH_RISE = _move(first=1.0, down_ms=0.03, up_ms=0.6, dz_m=0.45, lean_deg=3.0, end_deg=-25.0)
FAILED_RISE = _move(first=1.0, down_ms=0.7, up_ms=0.4, dz_m=0.0, fell_back=True, lean_deg=50.0)


def _steps(moves: list[MovementFeatures], t_s: list[float], forward_deg: float = 10.0) -> Steps:
    fields = MovementFeatures.__dataclass_fields__
    m = MovementFeatures(**{k: np.concatenate([getattr(x, k) for x in moves]) for k in fields})
    n = len(m)
    return Steps(
        t_s=np.asarray(t_s, float),
        reset=np.full(n, np.nan),
        angle_deg=np.full(n, np.nan),
        moved=np.ones(n, bool),
        first=m.first,
        p_down=p_sit_down(m, forward_deg),
        p_up=p_stand_up(m),
        llr_rise=chair_rise_llr(m),
        llr_before=seated_before_llr(m),
        llr_back=np.zeros(n),
        seat_like=np.ones(n, bool),
        descent=((m.first < 0) & (m.dz_m <= -DWELL_DESCENT_M)) | m.walked,
        timer=np.zeros(n, bool),
    )


def test_a_sit_down_is_a_seat_and_a_squat_is_not():
    assert p_sit_down(SIT_DOWN)[0] > 0.7
    assert p_sit_down(SQUAT_DOWN)[0] < 0.3  # the lean is kept: the body stays over the feet


def test_a_stand_up_leaves_the_seat_and_a_failed_rise_does_not():
    seated = SitFilter(b=0.95)
    b, _ = seated.run(_steps([CHAIR_RISE], [10.0]))
    assert b[-1] < 0.5
    b, _ = SitFilter(b=0.95).run(_steps([FAILED_RISE], [10.0]))
    assert b[-1] >= 0.5


def test_the_rise_judges_the_seat_again_a_crouch_is_revised_to_standing():
    """Down as into a seat, then up the way one rises from a crouch within REVISE_S: the
    period between is revised; the same descent followed by a chair's rise is kept."""
    half_seat = _move(first=-1.0, down_ms=0.8, up_ms=0.1, dz_m=-0.3, lean_deg=25.0,
                      end_deg=5.0, jolt_g=0.3)  # fmt: skip
    f = SitFilter(b=0.02)
    b, revised = f.run(_steps([half_seat, CROUCH_RISE], [100.0, 100.0 + REVISE_S - 1]))
    assert b[0] >= 0.5, "the descent alone reads as a seat"
    assert revised == [(100.0, 100.0 + REVISE_S - 1, False)]
    b, revised = SitFilter(b=0.02).run(_steps([half_seat, CHAIR_RISE], [100.0, 104.0]))
    assert revised == [] and b[0] >= 0.5 and b[1] < 0.5
    late = SitFilter(b=0.02)  # a rise later than REVISE_S: the period stays as it was read
    _, revised = late.run(_steps([half_seat, CROUCH_RISE], [100.0, 100.0 + REVISE_S + 2]))
    assert revised == []


def test_back_at_the_standing_angle_leaves_a_seat_the_movement_did_not():
    """A seat 25° back of the standing before it; a small rise ends at the standing angle."""
    f = SitFilter(b=0.02)
    st = _steps([SIT_DOWN, _move(first=1.0, up_ms=0.2, dz_m=0.05)], [10.0, 40.0])
    st = Steps(**{**st.__dict__, "angle_deg": np.array([-25.0, 0.5])})
    f.last_deg = 0.0  # standing upright before the sit-down
    b, _ = f.run(st)
    assert b[0] >= 0.5 and b[1] < 0.5


def _then_still(move: MovementFeatures) -> Steps:
    """The movement at 10 s, then `DWELL_S` still with no step (the dwell's timer)."""
    st = _steps([move, move], [10.0, 10.0 + DWELL_S])
    return Steps(**{**st.__dict__, "timer": np.array([False, True])})


def test_still_after_a_descent_is_sitting_still_after_a_jump_is_not():
    """The dwell (40 s still) counts after a movement that lowered the body, not after one
    that came back to where it began: a jump's landing reads a little like a seat, and a
    wearer who stands still at a shelf after three jumps was read as sitting (seed-4 day)."""
    jump = _move(first=-1.0, down_ms=1.1, up_ms=0.85, dz_m=0.16, lean_deg=6.0, end_deg=2.0,
                 jolt_g=1.5)  # fmt: skip
    low = _move(first=-1.0, down_ms=0.4, up_ms=0.15, dz_m=-0.25, lean_deg=20.0, end_deg=4.0,
                jolt_g=0.2)  # fmt: skip
    for move in (jump, low):  # both leave some evidence of a seat, not enough alone
        assert 0.076 < p_sit_down(move)[0] < 0.5
    b, _ = SitFilter(b=0.02).run(_then_still(jump))
    assert b[-1] < 0.5
    b, _ = SitFilter(b=0.02).run(_then_still(low))
    assert b[0] < 0.5 <= b[-1]


@pytest.mark.parametrize("placement", ["lower_back", "waist"])
def test_a_held_squat_is_not_sitting_a_sit_down_is(placement):
    """Simulated: standing, a squat held 3 s, standing; then a real sit of a minute."""
    script = [
        Segment("walk", 40),
        Segment("stand", 10),
        Segment("lift", style="legs", peak_deg=35.0, drop_m=-0.4, hold_s=3.0),
        Segment("stand", 15),
        Segment("sit", 60, lean="upright"),
        Segment("stand", 10),
    ]
    sim = simulate(script, DAY_START_S, seed=7)
    ep = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig(placement=placement)).epochs
    rel = ep.t_s - DAY_START_S
    squat = (rel >= 50) & (rel < 75)
    seat = (rel >= 80) & (rel < 135)
    assert np.sum(ep.posture[squat] == SITTING) < 2
    assert np.mean(ep.posture[seat] == SITTING) > 0.9

"""Sitting as a state with evidence both ways: a causal two-state filter over movements.

Why: one trunk sensor cannot see the thighs, so a wearer's sitting is known only from how they
got there. The earlier rules entered sitting on weak evidence (a still angle 2-3° away, a lean
back) and left it only at a detected stand-up or a walk, so a squat, a landing or a step down
opened a bout that never closed. Here every movement between two still moments weighs in, both
ways, and the state is a probability.

Model (a two-state input-output HMM over movements; Najafi 2002 and Zijlstra 2012 describe the
transitions' signatures):

1. The state is P(seated) `b`. Walking or running sets it to 0 (one walks standing), lying to 1
   (one lies down from and gets up to sitting).
2. A movement between two still moments (or from a walk's last step to a still moment) has
   features (`MovementFeatures`): the body's vertical velocity (`vertical.moves`: which way it
   went first, how fast down and up, whether a rise fell back), the trunk's forward lean over
   the movement against where it started (how far it leaned, how much of it was undone at the
   end), where it ended, whether it came from walking.
3. Two logistic models turn them into P(a sit-down | features) and P(a stand-up | features).
   A sit-down leans forward and comes back as the seat takes the weight (the lean is undone);
   a squat's bottom keeps the lean, since the body's centre must stay over the feet. A
   stand-up goes up first and does not fall back (a failed rise, D11, does).
4. The filter: b ← b·(1 − P(stand-up)) + (1 − b)·P(sit-down); seated while b ≥ 0.5.

The weights are fitted on the SisFall development subjects only (`bench/fit_sitting.py`,
which prints their leave-one-subject-out figures); see docs/pipeline.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Logistic weights, fitted by bench/fit_sitting.py on the development half (bench/split.py).
#: Features in the order of `sit_down_features` / `stand_up_features`, intercept first.
SIT_DOWN_W = np.array([-6.444, 2.551, 1.354, 1.657, -0.187, -1.430, -1.721, 0.693, -0.730])
STAND_UP_W = np.array([0.322, 1.635, 1.115, -0.865, -3.274, 1.430, -1.894])
#: Rising out of a chair against rising out of a crouch (features `rise_features`).
CHAIR_RISE_W = np.array([-3.317, 1.417, 0.373, 2.560])
CHAIR_RISE_PRIOR = 1.325  # log-odds of chair rises among the rises it was fitted on
#: Was the body seated before the movement? (features `before_features`): a seated body can
#: rise or fall back, but not go down far; a standing one can go down, but rise only from a
#: crouch.
SEATED_BEFORE_W = np.array([-4.894, 1.132, 0.389, 1.834, 0.184, -0.384, 0.962, -0.284])
SEATED_BEFORE_PRIOR = -0.963  # log-odds of seated-before among the movements it was fitted on
PRIOR_SEATED = 0.3  # before any evidence
ANGLE_SD_DEG = 5.0  # a still posture's angle around the remembered seated or standing one
ANGLE_LLR_MAX = 3.0  # one still moment's angle moves the belief this far at most
UPRIGHT_DEG = 20.0  # a still moment within this of upright, taken for standing: the reference
RECLINE_FREE_DEG = 8.0  # standing after a movement may end this much more reclined than before
RECLINE_LLR_PER_DEG = 0.3  # ... each degree beyond: log-odds of seated
ANGLE_APART_DEG = 8.0  # seat and standing angles this far apart tell the two apart
#: Still this long, with no step, after a movement that left some evidence of a seat: standing
#: that still for so long right after a descent is rare, sitting common (semi-Markov: the state's
#: duration is evidence). SisFall's trials are too short to fit it on; chosen, not fitted.
DWELL_S = 40.0
DWELL_LLR = 2.5
DWELL_MIN_B = 0.02  # the belief after the movement that makes its still period count
#: ... and only after a descent: the movement went down first and lowered the body this far
#: (SisFall DEV: 86% of sit-downs, median -0.30 m; a jump, a step on the spot or a jog ends
#: about where it began: 10 of D19's 26 down-first movements with P(sit-down) ≥ 0.076 pass),
#: or came straight from a walk or a run, whose last step leaves the direction and the height
#: change unknown (measured from mid-stride: the simulator's walk into a 20-minute seat read
#: +0.2 m, a run into a 30-minute one "up first").
DWELL_DESCENT_M = 0.1
WALK_SEATED = 0.02  # P(seated) right after a walk: the next moment may be a seat
BEFORE_LLR_MAX = 4.0  # one movement moves the belief about the state before it this far at most
BACK_LLR_PER_DEG = 0.25  # log-odds of seated per degree of still lean back beyond sit_back_deg
REVISE_S = 5.0  # a rise ending this long after a descent still judges the period between
RISE_LLR_MAX = 4.0  # a rise's chair-or-crouch evidence, at most (log-odds); an answer surer than
#                    this after the descent is final at once (nothing held)


@dataclass(frozen=True)
class MovementFeatures:
    """One row per movement that ended in a still moment (arrays of equal length)."""

    first: np.ndarray  # -1 down first, +1 up first, 0 neither
    down_ms: np.ndarray  # largest downward speed
    up_ms: np.ndarray  # largest upward speed
    dz_m: np.ndarray  # net height change
    fell_back: np.ndarray  # a rise that fell back as fast (back into the chair)
    walked: np.ndarray  # the movement started from a walk's last step
    lean_deg: np.ndarray  # largest forward lean during it, against its start
    end_deg: np.ndarray  # where it ended, against its start (forward positive)
    undone_deg: np.ndarray  # lean_deg − end_deg: how much of the lean was undone at the end
    jolt_g: np.ndarray  # largest |a| − 1 g after it moved down fastest (landing on a seat)

    def __len__(self) -> int:
        return int(self.first.shape[0])


def sit_down_features(m: MovementFeatures, forward_deg: float = 10.0) -> np.ndarray:
    """(n, 9): the sit-down model's inputs, each clipped to the range it was fitted on.

    Not whether it came from a walk: SisFall holds no walk into a seat to learn that from, and
    a model fitted on it would learn "from a walk: never a sit-down".

    `forward_deg`: how far forward of the standing before a seated trunk may still end
    (`PipelineConfig.sit_forward_deg`, per placement): beyond it the end counts against a seat.
    """
    down = np.maximum(m.down_ms, 1e-3)
    return np.column_stack(
        [
            np.ones(len(m)),
            (m.first < 0).astype(float),
            np.minimum(m.down_ms, 1.5),
            np.clip(m.undone_deg, 0.0, 40.0) / 10,
            np.maximum(0.0, m.end_deg - forward_deg) / 10,  # ended far forward: crouch, bend
            np.maximum(0.0, -30.0 - m.end_deg) / 10,  # ended far back: lying down
            np.minimum(m.up_ms / down, 1.5),  # came back up: a squat or bend in one movement
            np.minimum(m.jolt_g, 1.5),
            m.fell_back.astype(float),
        ]
    )


def stand_up_features(m: MovementFeatures) -> np.ndarray:
    """(n, 7): the stand-up model's inputs."""
    up = np.maximum(m.up_ms, 1e-3)
    return np.column_stack(
        [
            np.ones(len(m)),
            (m.first > 0).astype(float),
            np.minimum(m.up_ms, 1.0),
            m.fell_back.astype(float),
            np.minimum(m.down_ms / up, 1.5),
            np.clip(m.dz_m, -0.5, 0.5) * 2,
            m.walked.astype(float),
        ]
    )


def rise_features(m: MovementFeatures) -> np.ndarray:
    """(n, 4): inputs of the chair-or-crouch model for a rise. Out of a chair the trunk leans
    forward first to bring the body over the feet; out of a crouch it is there already."""
    return np.column_stack(
        [
            np.ones(len(m)),
            np.clip(m.lean_deg, 0.0, 50.0) / 10,
            np.clip(m.end_deg, -50.0, 30.0) / 10,
            np.minimum(m.up_ms, 1.5),
        ]
    )


def before_features(m: MovementFeatures) -> np.ndarray:
    """(n, 8): inputs of the model of the state before a movement."""
    return np.column_stack(
        [
            np.ones(len(m)),
            m.first,
            np.minimum(m.down_ms, 1.5),
            np.minimum(m.up_ms, 1.5),
            np.clip(m.dz_m, -0.6, 0.6) / 0.3,
            m.fell_back.astype(float),
            np.clip(m.lean_deg, 0.0, 60.0) / 10,
            np.clip(m.end_deg, -40.0, 40.0) / 10,
        ]
    )


def seated_before_llr(m: MovementFeatures) -> np.ndarray:
    """log P(movement | seated before it) / P(movement | standing before it)."""
    z = np.clip(before_features(m) @ SEATED_BEFORE_W, -30.0, 30.0) - SEATED_BEFORE_PRIOR
    return np.clip(z, -BEFORE_LLR_MAX, BEFORE_LLR_MAX)


def _logistic(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))


def p_sit_down(m: MovementFeatures, forward_deg: float = 10.0) -> np.ndarray:
    """P(the movement was a sit-down | it started standing)."""
    return _logistic(sit_down_features(m, forward_deg) @ SIT_DOWN_W)


def p_stand_up(m: MovementFeatures) -> np.ndarray:
    """P(the movement was a stand-up | it started seated)."""
    return _logistic(stand_up_features(m) @ STAND_UP_W)


def chair_rise_llr(m: MovementFeatures) -> np.ndarray:
    """log P(rise | out of a chair) / P(rise | out of a crouch) of each movement, at most
    `RISE_LLR_MAX` either way (one rise is one piece of evidence)."""
    llr = np.clip(rise_features(m) @ CHAIR_RISE_W, -30.0, 30.0) - CHAIR_RISE_PRIOR
    return np.clip(llr, -RISE_LLR_MAX, RISE_LLR_MAX)


@dataclass(frozen=True)
class Steps:
    """What the filter is told, in time order, one row per step."""

    t_s: np.ndarray  # the epoch of the step
    reset: np.ndarray  # NaN: a movement ended here in a still epoch; else 0 (walking), 1 (lying)
    angle_deg: np.ndarray  # the trunk's forward angle there (walking: less its lean); NaN: none
    moved: np.ndarray  # the movement changed the body's height (not a fidget)
    first: np.ndarray  # its first vertical direction
    p_down: np.ndarray  # P(sit-down) of the movement
    p_up: np.ndarray  # P(stand-up)
    llr_rise: np.ndarray  # out of a chair or out of a crouch (`chair_rise_llr`)
    llr_before: np.ndarray  # seated or standing before it (`seated_before_llr`)
    llr_back: np.ndarray  # a still lean back beyond standing's spread
    seat_like: np.ndarray  # the still posture there could be a seat (not crouched forward)
    descent: np.ndarray  # down first and `DWELL_DESCENT_M` lower, or straight from a walk
    timer: np.ndarray  # no movement: `DWELL_S` have passed since an earlier step


@dataclass
class SitFilter:
    """P(seated) through movements; the state carried between blocks (see the module doc).

    Besides the movements, the still posture itself weighs in: a seated bout remembers its seat
    angle and the standing angle just before it; while seated, a still moment back at that
    standing angle and far from the seat is evidence of standing (`ANGLE_SD_DEG`). So a crouch
    taken for a seat is left when the wearer stands as before, and a car seat when the wearer
    stands next to it, even where the movement between said little.
    """

    b: float = PRIOR_SEATED
    pending_s: float = float("nan")  # start of a still period the next rise may judge
    pending_logit: float = 0.0  # log-odds of seated just after the descent that began it
    pending_seated: bool = False  # what the filter decided for it
    seat_deg: float = float("nan")  # the seated bout's angle, just after it began
    stand_deg: float = float("nan")  # the angle of the still moment (or walk) before that
    last_deg: float = float("nan")  # the angle at the previous step
    upright_deg: float = float("nan")  # ... at the latest step taken for standing upright
    dwell_s: float = float("nan")  # a still period begun with some evidence of a seat

    def run(self, st: Steps) -> tuple[np.ndarray, list[tuple[float, float, bool]]]:
        """P(seated) after each step, and revisions (start_s, end_s, seated) of periods.

        Per step: a reset sets the state (0 walking, 1 lying). A movement into a still moment:
        1. what it says of the state before it (`llr_before`: a seated body cannot go down
           far), 2. a pending period (begun by a descent from standing) is judged once more
           by a rise that ends within `REVISE_S` (`llr_rise`, added to the log-odds after the
           descent; a revision is returned where that differs from the filter's answer),
        3. the transition b ← b·(1 − p_up) + (1 − b)·p_down, 4. the still posture's own
        evidence (`llr_back`, and the angle against the remembered seated and standing
        ones). A movement that did not change the body's height (a fidget) only adds 4.
        A loop over steps (a few per minute, plus one per walk or lying run), never samples.
        """
        out = np.empty(st.t_s.size)
        revised: list[tuple[float, float, bool]] = []
        for i in range(st.t_s.size):
            t, r = float(st.t_s[i]), st.reset[i]
            seated_before = self.b >= 0.5
            if st.timer[i]:
                if t - self.dwell_s >= DWELL_S - 0.5:
                    self.b = _add_llr(self.b, DWELL_LLR)
                    self.dwell_s = float("nan")
                out[i] = self.b
                continue
            if r == r:
                self.b = max(float(r), WALK_SEATED)
                self.pending_s = self.dwell_s = float("nan")
            elif st.moved[i]:
                self._movement(i, t, st, revised)
                if seated_before:  # a bout going on: is the wearer back at the standing angle?
                    self.b = _add_llr(self.b, self._angle_llr(st.angle_deg[i]))
                else:  # ended reclined against the standing before: the pelvis tilts back seated
                    back = self.upright_deg - st.angle_deg[i] - RECLINE_FREE_DEG
                    self.b = _add_llr(self.b, RECLINE_LLR_PER_DEG * back if back > 0 else 0.0)
                self.b = _add_llr(self.b, st.llr_back[i])
                armed = DWELL_MIN_B <= self.b < 0.5 and st.seat_like[i] and st.descent[i]
                self.dwell_s = t if armed else float("nan")
            else:
                self.b = _add_llr(self.b, st.llr_back[i])
            self._remember(st.angle_deg[i], seated_before=seated_before)
            out[i] = self.b
        return out, revised

    def _movement(self, i: int, t: float, st: Steps, revised: list) -> None:
        if self.pending_s == self.pending_s:
            if st.first[i] > 0 and t - self.pending_s <= REVISE_S:
                post = self.pending_logit + st.llr_rise[i]
                if (post >= 0) != self.pending_seated:
                    revised.append((self.pending_s, t, bool(post >= 0)))
                self.b = 1.0 / (1.0 + math.exp(-float(post)))
            self.pending_s = float("nan")
        self.b = _add_llr(self.b, st.llr_before[i])
        before = self.b
        self.b = self.b * (1.0 - st.p_up[i]) + (1.0 - self.b) * st.p_down[i]
        # A descent from standing whose answer a rise could still turn (no rise moves the
        # log-odds more than RISE_LLR_MAX): pending, its epochs held (`sithold`).
        if st.first[i] < 0 and before < 0.5 and abs(_logit(self.b)) < RISE_LLR_MAX:
            self.pending_s, self.pending_logit = t, _logit(self.b)
            self.pending_seated = self.b >= 0.5

    def _angle_llr(self, deg: float) -> float:
        """While seated: log p(angle | seated) / p(angle | standing) around the bout's own seat
        and the standing before it, only ever towards standing (one sits still for hours)."""
        if self.b < 0.5 or not abs(self.seat_deg - self.stand_deg) >= ANGLE_APART_DEG:
            return 0.0  # NaN (no bout, walking before it) or too close to tell
        d_seat, d_stand = deg - self.seat_deg, deg - self.stand_deg
        llr = (d_stand * d_stand - d_seat * d_seat) / (2 * ANGLE_SD_DEG**2)
        return float(np.clip(llr, -ANGLE_LLR_MAX, 0.0))

    def _remember(self, deg: float, *, seated_before: bool) -> None:
        """A new seated bout: its seat angle, and the standing angle just before it."""
        if self.b >= 0.5 and not seated_before:
            self.stand_deg, self.seat_deg = self.last_deg, float(deg)
        self.last_deg = float(deg)
        if self.b < 0.5 and abs(deg) <= UPRIGHT_DEG:
            self.upright_deg = float(deg)


def _logit(b: float) -> float:
    bb = min(max(float(b), 1e-9), 1 - 1e-9)  # a Python float: in float32, 1 - 1e-9 is 1
    return math.log(bb / (1 - bb))


def _add_llr(b: float, llr: float) -> float:
    if llr == 0:
        return b
    return 1.0 / (1.0 + math.exp(-(_logit(b) + float(llr))))

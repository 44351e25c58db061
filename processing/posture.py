"""Posture of each epoch from one trunk sensor: lying, sitting, standing, walking, running, other.

Why this way: a single trunk sensor cannot see the thighs, so sitting and standing look alike when
the trunk is upright. The evidence used, in order of strength:

1. Walking and running: inside a bout of step trains (`gait`); running by intensity.
2. Lying: the trunk more than `lying_deg` from upright and not a forward bend; from sitting
   (or with a guessed reference) in any direction, since one lies down from sitting.
3. Sitting is a state with evidence both ways (`sitstate`): each movement between moments at
   rest (`movements`) updates P(seated), walking sets it near 0 and lying to 1, the still
   posture's angle and a still period's duration weigh in; seated while P ≥ 0.5. A rise
   within `sitstate.REVISE_S` judges the seat once more (`sithold` holds those epochs).
4. Otherwise standing, or `other` when active without steps.

Only `SitCarry` is carried between chunks, so chunking cannot change the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures
from backcoach.processing.movements import MoveCarry, movements
from backcoach.processing.orientation import angles
from backcoach.processing.sitstate import (
    BACK_LLR_PER_DEG,
    DWELL_DESCENT_M,
    DWELL_S,
    REVISE_S,
    SitFilter,
    Steps,
    chair_rise_llr,
    p_sit_down,
    p_stand_up,
    seated_before_llr,
)
from backcoach.processing.types import POSTURE_CODE, Calibration

LYING, SITTING, STANDING = POSTURE_CODE["lying"], POSTURE_CODE["sitting"], POSTURE_CODE["standing"]
WALKING, RUNNING, OTHER = POSTURE_CODE["walking"], POSTURE_CODE["running"], POSTURE_CODE["other"]


@dataclass(frozen=True)
class Classified:
    """Per-epoch results of one block."""

    posture: np.ndarray  # int8 codes
    trunk_deg: np.ndarray
    side_deg: np.ndarray
    total_deg: np.ndarray
    trunk_sub_deg: np.ndarray  # (n, N_SUB) forward inclination at 5 Hz
    sit_state: int  # carried to the next block: 1 sitting, 0 not, -1 unknown

    def __len__(self) -> int:
        return int(self.posture.shape[0])

    @classmethod
    def concat(cls, parts: list[Classified]) -> Classified:
        """Blocks in order; the last one's `sit_state`."""
        if len(parts) == 1:
            return parts[0]
        cols = [np.concatenate([getattr(p, n) for p in parts]) for n in _CLASSIFIED_COLUMNS]
        return cls(*cols, parts[-1].sit_state)

    def take(self, index: slice) -> Classified:
        return Classified(*[getattr(self, n)[index] for n in _CLASSIFIED_COLUMNS], self.sit_state)

    def with_posture(self, posture: np.ndarray) -> Classified:
        return replace(self, posture=posture)


_CLASSIFIED_COLUMNS = ("posture", "trunk_deg", "side_deg", "total_deg", "trunk_sub_deg")


def walk_candidates(f: EpochFeatures, cfg: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """Walking and running epochs from the step trains (`gait`; no orientation needed)."""
    return f.walking, f.running


@dataclass
class SitCarry:
    """What the sitting state carries between blocks."""

    state: int = -1  # 1 seated, 0 not, -1 unknown (no evidence yet)
    filter: SitFilter = field(default_factory=SitFilter)  # P(seated) and what it remembers
    #: (start_s, end_s, seated) of judged periods not yet applied (`sithold.SitHold` takes them)
    revisions: list = field(default_factory=list)
    prev_fwd: float = np.nan
    recent_steps: np.ndarray = field(default_factory=lambda: np.empty(0))  # for dwell timers
    moves: MoveCarry = field(default_factory=MoveCarry)  # where movements begin (`movements`)


def _sit_state(
    f: EpochFeatures,
    still: np.ndarray,
    moving: np.ndarray,
    lying: np.ndarray,
    fwd: np.ndarray,
    cal: Calibration,
    cfg: PipelineConfig,
    carry: SitCarry,
) -> np.ndarray:
    """Per epoch 1 (seated) or 0, -1 while nothing is known yet; updates `carry`.

    Steps in time order: a walk sets P(seated) to 0, lying to 1 (the last epoch of each run
    stands for the run), a movement into a still moment updates it (`sitstate.run_filter`); one
    that held lying never stands up at once (one sits up first). Before any step, a still
    backward lean beyond `sit_back_deg` is sitting (nobody stands still leaning back).
    """
    n = len(f)
    if n == 0:
        return np.empty(0, np.int8)
    prev_t = carry.moves.prev_t
    tidx, mv, lay = movements(
        f.t_s, still, moving, lying, fwd, f.mag, f.g_sub, f.peak_t, cal, cfg, carry.moves
    )
    has_moves = tidx.size > 0
    p_down = p_sit_down(mv, cfg.sit_forward_deg) if has_moves else mv.first
    p_up = np.where(lay, 0.0, p_stand_up(mv)) if has_moves else mv.first
    moved = np.maximum(mv.down_ms, mv.up_ms) >= cfg.sit_flat_ms
    reset = np.full(n, np.nan)
    reset[lying] = 1.0
    reset[moving] = 0.0
    is_reset = ~np.isnan(reset)
    run_end = is_reset.copy()
    run_end[:-1] &= reset[1:] != reset[:-1]  # the last epoch of each run of equal resets
    unknown = (carry.state == -1) & (np.cumsum(is_reset) == 0)
    if moved.any():
        unknown[tidx[np.argmax(moved)] :] = False
    lean_back = unknown & still & (fwd <= cfg.sit_back_deg)
    reset[lean_back] = 1.0
    run_end |= lean_back
    at = run_end.copy()
    at[tidx] = True
    timer = _timers(f.t_s, np.flatnonzero(at), prev_t, carry)
    is_timer = np.zeros(n, bool)
    is_timer[timer] = True
    at |= is_timer
    steps = np.flatnonzero(at)
    if steps.size == 0:  # no step, no revision: a pending period may only expire
        if f.t_s[-1] - carry.filter.pending_s >= REVISE_S:
            carry.filter.pending_s = np.nan
        state = np.full(n, carry.state, np.int8)
        state[moving] = 0
        state[lying] = 1
        carry.state = int(state[-1])
        return state
    cols = np.zeros((9, n))
    if has_moves:
        cols[:, tidx] = (
            p_down,
            p_up,
            mv.first,
            chair_rise_llr(mv),
            seated_before_llr(mv),
            moved,
            BACK_LLR_PER_DEG * np.maximum(0.0, cfg.sit_back_deg - fwd[tidx]),
            np.ones(tidx.size),
            ((mv.first < 0) & (mv.dz_m <= -DWELL_DESCENT_M)) | mv.walked,
        )
    pd_all, pu_all, first, rise, before, mov, back, is_move, descent = cols[:, steps]
    angle = np.where(moving, fwd - cfg.walk_lean_deg, np.where(lying, np.nan, fwd))[steps]
    st = Steps(
        t_s=f.t_s[steps],
        reset=np.where(is_move > 0, np.nan, reset[steps]),
        angle_deg=angle,
        moved=mov > 0,
        first=first,
        p_down=pd_all,
        p_up=pu_all,
        llr_rise=rise,
        llr_before=before,
        llr_back=back,
        seat_like=angle <= cfg.sit_forward_deg,
        descent=descent > 0,
        timer=is_timer[steps] & ~(is_move > 0) & np.isnan(reset[steps]),
    )
    b, revised = carry.filter.run(st)
    carry.revisions.extend(revised)
    if f.t_s[-1] - carry.filter.pending_s >= REVISE_S:
        carry.filter.pending_s = np.nan  # no rise can judge it any more
    code = np.full(n, -1, np.int8)
    code[steps] = b >= 0.5
    last = np.where(code >= 0, np.arange(n), -1)
    np.maximum.accumulate(last, out=last)
    state = np.where(last >= 0, code[np.maximum(last, 0)], carry.state).astype(np.int8)
    state[moving] = 0
    state[lying] = 1
    carry.state = int(state[-1])
    return state


def _timers(t: np.ndarray, steps: np.ndarray, prev_t: float, carry: SitCarry) -> np.ndarray:
    """Epochs `DWELL_S` after a step with no gap between (the filter's dwell evidence), and
    the recent step times carried to the next block."""
    n = t.size
    if steps.size == 0 and carry.recent_steps.size == 0:
        return steps
    gaps = np.cumsum(np.concatenate(([t[0] - prev_t > 1.5], np.diff(t) > 1.5)))
    t_steps = np.concatenate((carry.recent_steps, t[steps]))
    g_steps = np.concatenate((np.zeros(len(carry.recent_steps), int), gaps[steps]))
    j = np.searchsorted(t, t_steps + DWELL_S)
    ok = j < n
    j, g_steps, due = j[ok], g_steps[ok], (t_steps + DWELL_S)[ok]
    ok = (gaps[j] == g_steps) & (t[j] - due < 1.0)
    carry.recent_steps = t_steps[t_steps > t[-1] - DWELL_S]
    return np.unique(j[ok])


def classify(
    f: EpochFeatures, cal: Calibration, cfg: PipelineConfig, carry: SitCarry
) -> Classified:
    """Classify a block of epochs given the reference and the sitting logic's carried state."""
    n = len(f)
    fwd, side, total = angles(f.g_mean, cal)
    fwd_sub = angles(f.g_sub.reshape(-1, 3), cal)[0].reshape(n, -1)
    walking, running = walk_candidates(f, cfg)
    upright_enough = total < cfg.walk_max_incl_deg
    walking &= upright_enough
    running &= upright_enough
    moving = walking | running
    # Forward only tells lying from a deep bend when forward is known (it is, from walking).
    sure = cal.source != "auto-guessed"
    lying = (total >= cfg.lying_deg) & ((fwd < cfg.lying_max_fwd_deg) | (not sure)) & ~moving
    # 3. Sitting as a state (`sitstate`): every movement between still moments updates P(seated).
    quiet = f.activity_g < cfg.other_activity_g
    turn = np.abs(np.diff(np.r_[carry.prev_fwd, fwd]))
    carry.prev_fwd = float(fwd[-1]) if n else carry.prev_fwd
    steady = ~(turn >= cfg.still_turn_deg)  # NaN (first epoch) counts as steady
    # ... or steady within itself (its 0.2 s parts within `still_turn_deg` of their mean): a
    # brief seated moment between landing and rising is still, though the epoch before moved.
    gs = f.g_sub / np.maximum(np.linalg.norm(f.g_sub, axis=2, keepdims=True), 1e-9)
    gm = gs.mean(axis=1, keepdims=True)
    gm = gm / np.maximum(np.linalg.norm(gm, axis=2, keepdims=True), 1e-9)
    spread = np.degrees(np.arccos(np.clip(np.sum(gs * gm, axis=2), -1, 1))).max(axis=1)
    steady |= spread < 0.5 * cfg.still_turn_deg
    still = (f.activity_g < cfg.still_activity_g) & steady & ~moving & ~lying
    before = carry.state
    state = _sit_state(f, still, moving, lying, fwd, cal, cfg, carry)
    # Lying down starts from sitting: a deep forward-looking inclination reached while seated is
    # lying (a belt sensor can read lying on the back as far "forward"), from standing a bend.
    prev_state = np.r_[before, state[:-1]]
    deep = (total >= cfg.lying_deg) & ~moving & ~lying & (prev_state == 1)
    lying |= deep
    # 4. Combine.
    posture = np.full(n, STANDING, np.int8)
    posture[~quiet] = OTHER
    posture[state == 1] = SITTING
    posture[walking] = WALKING
    posture[running] = RUNNING
    posture[lying] = LYING
    return Classified(posture, fwd, side, total, fwd_sub, carry.state)

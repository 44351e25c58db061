"""Posture of each epoch from one trunk sensor: lying, sitting, standing, walking, running, other.

Why this way: a single trunk sensor cannot see the thighs, so sitting and standing look alike when
the trunk is upright. The evidence used, in order of strength:

1. Walking and running: inside a bout of step trains (`gait`); running by intensity.
2. Lying: the trunk more than `lying_deg` from upright and not a forward bend; from sitting
   (or with a guessed reference) in any direction, since one lies down from sitting.
3. Sitting is a state set and cleared per transition (`_transitions`): at the first still
   epoch after a movement, the latest large vertical displacement decides (lowering: sat down,
   rise: stood up); without one, the change of static inclination does (sitting down leaves
   the pelvis and lower back more reclined than the near-upright standing before). A still
   backward lean beyond `sit_back_deg` (nobody stands still leaning back) and lying also set
   it; walking clears it.
4. Otherwise standing, or `other` when active without steps.

Only `SitCarry` is carried between chunks, so chunking cannot change the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures
from backcoach.processing.orientation import angles
from backcoach.processing.sitstate import (
    BACK_LLR_PER_DEG,
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
from backcoach.processing.types import POSTURE_CODE, Calibration
from backcoach.processing.vertical import moves

GRAVITY_TOL_G = 0.2  # a 0.2 s mean this close to 1 g is taken for gravity (the trunk's angle)
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
    #: (start_s, end_s, seated) of judged periods not yet applied (`SitRevisions` takes them)
    revisions: list = field(default_factory=list)
    last_static_t: float = -np.inf  # the last still epoch before the current movement
    prev_fwd: float = np.nan
    prev_t: float = -np.inf
    prev_static: bool = False
    # The epochs from the last still one on (|a| per grid sample, gravity per 0.2 s), for the
    # next movement's features, and whether that still epoch was walking.
    tail_mag: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_gsub: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 3)))
    tail_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    tail_peak: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_fwd: np.ndarray = field(default_factory=lambda: np.empty(0))
    tail_anchor: int = -1  # the last anchor's row in the tail (-1: none)
    tail_walk: bool = False
    tail_lying: bool = False  # lying since the last still epoch
    last_moving: bool = False  # the block's last epoch was walking or running
    recent_steps: np.ndarray = field(default_factory=lambda: np.empty(0))  # for dwell timers
    #: bench/fit_sitting.py collects each movement's features here (None: not collected)
    trace: list | None = None


def _transitions(
    t: np.ndarray,
    still: np.ndarray,
    moving: np.ndarray,
    lying: np.ndarray,
    fwd: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    cal: Calibration,
    cfg: PipelineConfig,
    carry: SitCarry,
) -> tuple[np.ndarray, MovementFeatures, np.ndarray]:
    """The still epochs at which a movement ended, that movement's features, and whether the
    body lay down in it.

    A movement runs from the last still epoch (or walking epoch: one may sit down straight
    from a walk) to the next still one, without a gap and within `transition_max_s`.
    """
    n = t.size
    c = carry
    none = (np.empty(0, int), _no_moves(), np.empty(0, bool))
    if n == 0:
        return none
    # Walking also anchors a movement, at its standing angle (less the walking lean).
    fwd = np.where(moving, fwd - cfg.walk_lean_deg, fwd)
    quiet_before = np.r_[c.prev_static, still[:-1]]  # a still (not walking) epoch just before
    anchor = still | moving
    gap = np.r_[t[0] - c.prev_t > 1.5, np.diff(t) > 1.5]
    gaps_upto = np.cumsum(gap)  # gaps at or before each epoch
    lay_upto = np.cumsum(lying)
    idx = np.flatnonzero(anchor)
    m = idx.size
    out = none
    if m:
        prev_t = np.r_[c.last_static_t, t[idx[:-1]]]
        gaps_before = np.r_[0, gaps_upto[idx[:-1]]]
        no_gap = gaps_upto[idx] - gaps_before == 0
        ok = ~quiet_before[idx] & no_gap & (t[idx] - prev_t <= cfg.transition_max_s)
        ok &= ~moving[idx]  # ending in a walk: walking decides (standing)
        lay = np.r_[c.tail_lying or lay_upto[idx[0]] > 0, np.diff(lay_upto[idx]) > 0]
        walked = moving | np.r_[c.last_moving, moving[:-1]]
        use, mv = _movements(t, idx, walked, mag, g_sub, peak_t, fwd, ok, cal, c)
        out = (idx[use], mv, lay[use])
        last = idx[-1]
        c.last_static_t = float(t[last]) if gaps_upto[-1] - gaps_upto[last] == 0 else -np.inf
        c.tail_lying = bool(lay_upto[-1] - lay_upto[last] > 0)
    else:
        if gaps_upto[-1] > 0:
            c.last_static_t = -np.inf
        c.tail_lying = c.tail_lying or bool(lay_upto[-1] > 0)
    walked = moving | np.r_[c.last_moving, moving[:-1]]  # walking in it or just before
    c.prev_t, c.prev_static = float(t[-1]), bool(still[-1] and not moving[-1])
    c.last_moving = bool(moving[-1])
    _keep_tail(c, t, mag, g_sub, peak_t, fwd, idx, int(cfg.transition_max_s + 2))
    if m:
        c.tail_walk = bool(walked[idx[-1]])
    return out


def _keep_tail(
    c: SitCarry,
    t: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    fwd: np.ndarray,
    idx: np.ndarray,
    n_keep: int,
) -> None:
    """Keep the epochs from the one before the last anchor on (at most `n_keep`): the next
    movement starts at that anchor, and may look one epoch further back (a walk's last step,
    the last moment at rest), whatever the chunking."""
    has = c.tail_t.size > 0
    n_tail = c.tail_t.size if has else 0
    cols = {"mag": mag, "gsub": g_sub, "t": t, "peak": peak_t, "fwd": fwd}
    joined = {
        k: np.concatenate([getattr(c, f"tail_{k}"), v]) if has else v for k, v in cols.items()
    }
    anchor = n_tail + int(idx[-1]) if idx.size else (c.tail_anchor if has else -1)
    start = max(anchor - 1, 0, joined["t"].size - n_keep)
    for k, v in joined.items():
        setattr(c, f"tail_{k}", v[start:])
    c.tail_anchor = anchor - start if anchor >= start else -1


def _no_moves() -> MovementFeatures:
    z = np.empty(0)
    return MovementFeatures(z, z, z, z, z.astype(bool), z.astype(bool), z, z, z, z)


def _movements(
    t: np.ndarray,
    idx: np.ndarray,
    walked: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    fwd: np.ndarray,
    ok: np.ndarray,
    cal: Calibration,
    c: SitCarry,
) -> tuple[np.ndarray, MovementFeatures]:
    """Which of the movements ending at `idx` could be measured, and their features.

    Between two still epochs the movement is measured from the middle of the first; from
    walking from the walk's last step, where the body's vertical speed is about zero, or not at
    all when that step is not at hand.
    """
    m = idx.size
    has_tail = c.tail_mag.size > 0
    allmag = np.concatenate([c.tail_mag if has_tail else mag[:0], mag])
    allg = np.concatenate([c.tail_gsub if has_tail else g_sub[:0], g_sub])
    allt = np.concatenate([c.tail_t if has_tail else t[:0], t])
    allpeak = np.concatenate([c.tail_peak if has_tail else peak_t[:0], peak_t])
    allfwd = np.concatenate([c.tail_fwd if has_tail else fwd[:0], fwd])
    n_tail = allt.size - t.size
    cur = n_tail + idx
    prev = np.r_[c.tail_anchor if n_tail else -1, cur[:-1]]
    prev_walk = np.r_[c.tail_walk, walked[idx[:-1]]]
    # From walking: the last step in the epoch before the still one, or in the one before that.
    start_at = np.full(m, np.nan)
    for j in np.flatnonzero(ok & prev_walk & (prev >= 0)):
        p = int(prev[j])
        for q in (p, p - 1):
            if q >= 0 and np.isfinite(allpeak[q]).any():
                last = float(np.nanmax(allpeak[q]))
                prev[j], start_at[j] = q, last - allt[q]
                break
    use = ok & (prev >= 0) & (~prev_walk | np.isfinite(start_at))
    if not use.any():
        return use, _no_moves()
    a, b = prev[use], cur[use]
    start_s = start_at[use]  # NaN: from the start epoch's last quiet moment
    v = moves(allmag, allg, a, b, start_s)
    # The trunk's forward lean over each movement (5 Hz), against where it started.
    n_sub = allg.shape[1]
    fsub = angles(allg.reshape(-1, 3), cal)[0].reshape(-1, n_sub)
    # Only where the 0.2 s mean is about 1 g is it gravity: not in a jump's flight or landing.
    fsub = np.where(np.abs(np.linalg.norm(allg, axis=2) - 1.0) <= GRAVITY_TOL_G, fsub, -np.inf)
    spans = list(zip(a.tolist(), b.tolist(), strict=True))
    lean = np.array([float(np.max(fsub[i : j + 1])) for i, j in spans])
    lean = np.where(np.isfinite(lean), lean, allfwd[a])
    start_deg = allfwd[a]
    walked_in = prev_walk[use]
    lean = lean - start_deg
    end_deg = allfwd[b] - start_deg
    mv = MovementFeatures(
        first=v.first,
        down_ms=v.down_ms,
        up_ms=v.up_ms,
        dz_m=v.dz_m,
        fell_back=v.fell_back,
        walked=walked_in,
        lean_deg=lean,
        end_deg=end_deg,
        undone_deg=lean - end_deg,
        jolt_g=v.land_g,
    )
    if c.trace is not None:
        c.trace.append((allt[a], allt[b], mv, v.jumped))
    return use, mv


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
    prev_t = carry.prev_t
    tidx, mv, lay = _transitions(
        f.t_s, still, moving, lying, fwd, f.mag, f.g_sub, f.peak_t, cal, cfg, carry
    )
    p_down = p_sit_down(mv, cfg.sit_forward_deg)
    p_up = np.where(lay, 0.0, p_stand_up(mv))
    moved = np.maximum(mv.down_ms, mv.up_ms) >= cfg.sit_flat_ms
    reset = np.full(n, np.nan)
    reset[lying] = 1.0
    reset[moving] = 0.0
    is_reset = ~np.isnan(reset)
    run_end = is_reset & ~(np.r_[reset[1:], np.nan] == reset)
    unknown = (carry.state == -1) & (np.cumsum(is_reset) == 0)
    if moved.any():
        unknown[tidx[np.argmax(moved)] :] = False
    lean_back = unknown & still & (fwd <= cfg.sit_back_deg)
    reset[lean_back] = 1.0
    run_end |= lean_back
    steps = np.union1d(np.flatnonzero(run_end), tidx)
    timer = _timers(f.t_s, steps, prev_t, carry)
    steps = np.union1d(steps, timer)
    cols = np.zeros((8, n))
    cols[:, tidx] = (
        p_down,
        p_up,
        mv.first,
        chair_rise_llr(mv),
        seated_before_llr(mv),
        moved,
        BACK_LLR_PER_DEG * np.maximum(0.0, cfg.sit_back_deg - fwd[tidx]),
        np.ones(tidx.size),
    )
    pd_all, pu_all, first, rise, before, mov, back, is_move = cols[:, steps]
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
        timer=np.isin(steps, timer) & ~(is_move > 0) & np.isnan(reset[steps]),
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
    gaps = np.cumsum(np.r_[t[0] - prev_t > 1.5, np.diff(t) > 1.5])
    t_steps = np.r_[carry.recent_steps, t[steps]]
    g_steps = np.r_[np.zeros(len(carry.recent_steps), int), gaps[steps]]
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

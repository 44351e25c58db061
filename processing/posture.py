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

from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures
from backcoach.processing.orientation import angles
from backcoach.processing.types import POSTURE_CODE, Calibration
from backcoach.processing.vertical import vertical_moves

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


def walk_candidates(f: EpochFeatures, cfg: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """Walking and running epochs from the step trains (`gait`; no orientation needed)."""
    return f.walking, f.running


@dataclass
class SitCarry:
    """What the sitting logic carries between blocks."""

    state: int = -1  # 1 sitting, 0 not, -1 unknown
    last_static_t: float = -np.inf  # the last still epoch before the current transition
    last_static_deg: float = 0.0
    last_sig: int = 0  # sign of the latest large displacement since that still epoch
    prev_fwd: float = np.nan
    prev_t: float = -np.inf
    prev_static: bool = False
    # The epochs from the last still one on (|a| per grid sample), for the next transition's
    # vertical movement, and whether that still epoch was walking.
    tail_mag: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_gsub: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 3)))
    tail_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    tail_peak: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_walk: bool = False
    last_moving: bool = False  # the block's last epoch was walking or running
    last_move_t: float = -np.inf  # when walking or running was last seen
    static_move_t: float = -np.inf  # ... as of the last still epoch


def _transitions(
    t: np.ndarray,
    still: np.ndarray,
    moving: np.ndarray,
    fwd: np.ndarray,
    dz: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    cfg: PipelineConfig,
    carry: SitCarry,
) -> np.ndarray:
    """Per epoch +1 (sat down), 0 (stood up) or -1, decided at the first still epoch after a
    transition from what happened since the last still epoch before it.

    The direction of the body's vertical movement decides first (`vertical`: mostly down and
    ending near upright, sat down; mostly up, stood up), then a transition's latest lowering or
    rise beyond `sit_drop_m`; without either, the change of static inclination does
    (`sit_delta_deg`: the pelvis and lower back tilt back when seated, so sitting down leaves
    the trunk more reclined than the standing before, which must have been near upright: coming
    back from a held bend is not sitting down); a forward change only means standing up when it
    ends near upright (`stand_max_deg`), since slumping forward on a chair is a forward change
    too.
    """
    n = t.size
    code = np.full(n, -1, np.int8)
    c = carry
    if n == 0:
        return code
    # Walking also anchors a transition (at its standing angle: less the walking lean), and its
    # last epoch's displacement counts: that window already holds the start of a sit-down.
    fwd = np.where(moving, fwd - cfg.walk_lean_deg, fwd)
    quiet_before = np.r_[c.prev_static, still[:-1]]  # a still (not walking) epoch just before
    still = still | moving
    gap = np.r_[t[0] - c.prev_t > 1.5, np.diff(t) > 1.5]
    gaps_upto = np.cumsum(gap)  # gaps at or before each epoch
    move_t = np.maximum.accumulate(np.r_[c.last_move_t, np.where(moving, t, -np.inf)])[1:]
    idx = np.flatnonzero(still)
    m = idx.size
    # Non-still epochs belong to the segment after the m-th still epoch (0 = before the first).
    sid = np.cumsum(still)
    # The last displacement beyond `sit_drop_m` in each segment (0 = none): the latest movement
    # decides (a bend followed by a sit-down ends seated; a squat's rise ends standing). A still
    # epoch's own displacement looks 2.5-3.5 s ahead, so it belongs to the movement after it
    # (its `sid` already names that segment): the rise out of a squat's brief still bottom.
    sig = np.where(dz >= cfg.sit_drop_m, 1, np.where(dz <= -cfg.sit_drop_m, -1, 0))
    pos = np.flatnonzero(sig)
    lastpos = np.full(m + 1, -1)
    np.maximum.at(lastpos, sid[pos], pos)
    lastsig = np.where(lastpos >= 0, sig[np.maximum(lastpos, 0)], 0)
    # The largest rise in each segment: coming up out of a forward crouch (a squat) rises
    # less cleanly than a stand-up from a chair, so half of `sit_drop_m` suffices there.
    rise = np.zeros(m + 1)
    np.maximum.at(rise, sid, np.maximum(dz, 0.0))
    if lastpos[0] < 0:
        lastsig[0] = c.last_sig
    if m:
        prev_t = np.r_[c.last_static_t, t[idx[:-1]]]
        prev_deg = np.r_[c.last_static_deg, fwd[idx[:-1]]]
        prev_still = quiet_before[idx]
        gaps_before = np.r_[0, gaps_upto[idx[:-1]]]
        no_gap = gaps_upto[idx] - gaps_before == 0
        ok = ~prev_still & no_gap & (t[idx] - prev_t <= cfg.transition_max_s)
        delta = fwd[idx] - prev_deg
        walked = moving | np.r_[c.last_moving, moving[:-1]]
        vdir, flat, jumped = _vertical_direction(t, idx, walked, mag, g_sub, peak_t, ok, cfg, c)
        # Sitting down straight from walking is not measured (steps move the body too), so a
        # recline that settles it may follow: height kept counts only once walking is past.
        with np.errstate(invalid="ignore"):
            flat &= prev_t - np.r_[c.static_move_t, move_t[idx[:-1]]] >= cfg.settle_s
        up_from_crouch = (
            (lastsig[:m] == 0)
            & (rise[:m] >= 0.5 * cfg.sit_drop_m)
            & (prev_deg > cfg.stand_max_deg)
            & (np.abs(fwd[idx]) <= cfg.stand_max_deg)
        )
        # Ends near upright, or near where it started (the sensor may sit a little off): a held
        # stoop or lying down ends far from both. Sitting slumped leans further forward.
        near_upright = (np.abs(fwd[idx]) <= cfg.stand_max_deg) | (
            np.abs(delta) <= cfg.stand_max_deg
        )
        seat_like = (fwd[idx] <= cfg.sit_max_fwd_deg) & (fwd[idx] >= -cfg.sit_max_fwd_deg)
        # The strongest evidence first; -1 keeps the state as it was.
        end_deg = fwd[idx]
        evidence = [
            (up_from_crouch, 0),
            (flat & ~jumped, -1),
            ((vdir < 0) & (near_upright | seat_like), 1),
            ((vdir > 0) & near_upright, 0),
            (lastsig[:m] < 0, 1),
            (lastsig[:m] > 0, 0),
            ((delta <= -cfg.sit_delta_deg) & (np.abs(prev_deg) <= cfg.stand_max_deg), 1),
            ((delta >= cfg.sit_delta_deg) & (np.abs(end_deg) <= cfg.stand_max_deg), 0),
            (end_deg <= cfg.sit_back_deg, 1),  # nobody stands still leaning back
        ]
        dec = np.select([c for c, _ in evidence], [v for _, v in evidence], default=-1)
        code[idx] = np.where(ok, dec, -1)
        last = idx[-1]
        c.last_static_t, c.last_static_deg = float(t[last]), float(fwd[last])
        c.static_move_t = float(move_t[last])
        c.last_sig = int(lastsig[m])
        if gaps_upto[-1] - gaps_upto[last] > 0:
            c.last_static_t = -np.inf
    else:
        c.last_sig = int(lastsig[0])
        if gaps_upto[-1] > 0:
            c.last_static_t = -np.inf
    walked = moving | np.r_[c.last_moving, moving[:-1]]  # walking in it or just before
    c.prev_t, c.prev_static = float(t[-1]), bool(still[-1] and not moving[-1])
    c.last_moving = bool(moving[-1])
    c.last_move_t = float(move_t[-1])
    keep = 0 if m == 0 else int(idx[-1])
    n_keep = int(cfg.transition_max_s + 2)
    if m == 0 and c.tail_mag.size:
        c.tail_mag = np.concatenate([c.tail_mag, mag])[-n_keep:]
        c.tail_gsub = np.concatenate([c.tail_gsub, g_sub])[-n_keep:]
        c.tail_t = np.concatenate([c.tail_t, t])[-n_keep:]
        c.tail_peak = np.concatenate([c.tail_peak, peak_t])[-n_keep:]
    else:
        c.tail_mag, c.tail_gsub = mag[keep:][-n_keep:], g_sub[keep:][-n_keep:]
        c.tail_t, c.tail_peak = t[keep:][-n_keep:], peak_t[keep:][-n_keep:]
    if m:
        c.tail_walk = bool(walked[idx[-1]])
    return code


def _vertical_direction(
    t: np.ndarray,
    idx: np.ndarray,
    walked: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    ok: np.ndarray,
    cfg: PipelineConfig,
    c: SitCarry,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per transition -1 (the body went down), +1 (up) or 0 (neither clearly, or not measured),
    and whether the body kept its height (measured, and slower than `sit_flat_ms` throughout:
    whatever the trunk did, nobody sat down or stood up), and whether the sensor itself was
    moved in it (`vertical.vertical_moves`).

    Between two still epochs the movement is measured from the middle of the first; from
    walking (one may sit down straight from it) from the walk's last step, where the body's
    vertical speed is about zero, or not at all when that step is not at hand.
    """
    m = idx.size
    has_tail = c.tail_mag.size > 0
    allmag = np.concatenate([c.tail_mag if has_tail else mag[:0], mag])
    allg = np.concatenate([c.tail_gsub if has_tail else g_sub[:0], g_sub])
    allt = np.concatenate([c.tail_t if has_tail else t[:0], t])
    allpeak = np.concatenate([c.tail_peak if has_tail else peak_t[:0], peak_t])
    n_tail = allt.size - t.size
    cur = n_tail + idx
    prev = np.r_[0 if n_tail else -1, cur[:-1]]
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
    out = np.zeros(m, np.int8)
    flat = np.zeros(m, bool)
    jumped = np.zeros(m, bool)
    if not use.any():
        return out, flat, jumped
    half = 0.5 * np.ones(m)
    start_s = np.where(np.isfinite(start_at), start_at, half)[use]
    first, peak, jumped[use] = vertical_moves(allmag, allg, prev[use], cur[use], start_s)
    flat[use] = peak < cfg.sit_flat_ms
    out[use] = np.where(peak >= cfg.sit_move_ms, first, 0)
    return out, flat, jumped
    first, peak, jumped[use] = vertical_moves(allmag, allg, prev[use], cur[use])
    flat[use] = peak < cfg.sit_flat_ms
    out[use] = np.where(peak >= cfg.sit_move_ms, first, 0)
    return out, flat, jumped


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
    # 3. Sitting as a state: +1 enters, 0 leaves, -1 keeps; strongest evidence applied last.
    quiet = f.activity_g < cfg.other_activity_g
    turn = np.abs(np.diff(np.r_[carry.prev_fwd, fwd]))
    carry.prev_fwd = float(fwd[-1]) if n else carry.prev_fwd
    steady = ~(turn >= cfg.still_turn_deg)  # NaN (first epoch) counts as steady
    still = (f.activity_g < cfg.still_activity_g) & steady & ~moving & ~lying
    # The 4 s displacement windows assume rest at both ends: meaningless while running.
    dz = np.where(running, 0.0, f.dz_net_m)
    code = _transitions(f.t_s, still, moving, fwd, dz, f.mag, f.g_sub, f.peak_t, cfg, carry)
    # Before any transition has been seen, a still backward lean is sitting.
    unknown = (carry.state == -1) & (np.cumsum((code >= 0) | lying | moving) == 0)
    code[unknown & still & (fwd <= cfg.sit_back_deg)] = 1
    code[lying] = 1
    code[moving] = 0
    last = np.where(code >= 0, np.arange(n), -1)
    np.maximum.accumulate(last, out=last)
    state = np.where(last >= 0, code[np.maximum(last, 0)], carry.state)
    # Lying down starts from sitting: a deep forward-looking inclination reached while seated is
    # lying (a belt sensor can read lying on the back as far "forward"), from standing a bend.
    prev_state = np.r_[carry.state, state[:-1]]
    deep = (total >= cfg.lying_deg) & ~moving & ~lying & (prev_state == 1)
    lying |= deep
    carry.state = int(state[-1]) if n else carry.state
    # 4. Combine.
    posture = np.full(n, STANDING, np.int8)
    posture[~quiet] = OTHER
    posture[state == 1] = SITTING
    posture[walking] = WALKING
    posture[running] = RUNNING
    posture[lying] = LYING
    return Classified(posture, fwd, side, total, fwd_sub, carry.state)

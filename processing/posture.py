"""Posture of each epoch from one trunk sensor: lying, sitting, standing, walking, running, other.

Why this way: a single trunk sensor cannot see the thighs, so sitting and standing look alike when
the trunk is upright. The evidence used, in order of strength:

1. Walking and running: rhythmic steps (`steps3`) with enough intensity; running by intensity.
2. Lying: the trunk more than `lying_deg` from upright and not a forward bend.
3. Sitting is a state entered by evidence and left by evidence (forward-filled per epoch):
   entered by sitting down (the sensor lowers by more than `sit_drop_m` over a 4 s window), by a
   static backward lean beyond `sit_back_deg` (nobody stands still leaning back), or by lying
   (after lying one sits up); left by walking or by standing up (a rise of `sit_drop_m`).
4. Otherwise standing, or `other` when active without steps.

The sitting state is the only thing carried between chunks (plus nothing else), so chunking
cannot change the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures
from backcoach.processing.orientation import angles
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


def walk_candidates(f: EpochFeatures, cfg: PipelineConfig) -> tuple[np.ndarray, np.ndarray]:
    """Walking and running epochs by steps and intensity alone (no orientation needed)."""
    rhythmic = (
        (f.steps3 >= cfg.walk_steps3_min)
        & (f.steps3 <= cfg.walk_steps3_max)
        & (f.activity_g >= cfg.walk_activity_g)
        & (f.regularity >= cfg.walk_regularity_min)
    )
    running = rhythmic & (f.activity_g >= cfg.run_activity_g)
    return rhythmic & ~running, running


@dataclass
class SitCarry:
    """What the sitting logic carries between blocks."""

    state: int = -1  # 1 sitting, 0 not, -1 unknown
    last_static_t: float = -np.inf  # the last still epoch before the current transition
    last_static_deg: float = 0.0
    min_dz: float = np.inf  # displacement extremes since that still epoch
    max_dz: float = -np.inf
    prev_t: float = -np.inf
    prev_static: bool = False


def _transitions(
    t: np.ndarray,
    still: np.ndarray,
    fwd: np.ndarray,
    dz: np.ndarray,
    cfg: PipelineConfig,
    carry: SitCarry,
) -> np.ndarray:
    """Per epoch +1 (sat down), 0 (stood up) or -1, decided at the first still epoch after a
    transition from what happened since the last still epoch before it.

    A transition's lowering or rise (`sit_drop_m`, only when one-signed) decides first; without
    it, the change of static inclination does (`sit_delta_deg`: the pelvis and lower back tilt
    back when seated, so sitting down leaves the trunk more reclined than the standing before).
    """
    n = t.size
    code = np.full(n, -1, np.int8)
    c = carry
    if n == 0:
        return code
    gap = np.r_[t[0] - c.prev_t > 1.5, np.diff(t) > 1.5]
    gaps_upto = np.cumsum(gap)  # gaps at or before each epoch
    idx = np.flatnonzero(still)
    m = idx.size
    # Non-still epochs belong to the segment after the m-th still epoch (0 = before the first).
    sid = np.cumsum(still)
    ns = ~still
    mins = np.full(m + 1, np.inf)
    maxs = np.full(m + 1, -np.inf)
    np.minimum.at(mins, sid[ns], dz[ns])
    np.maximum.at(maxs, sid[ns], dz[ns])
    mins[0], maxs[0] = min(mins[0], c.min_dz), max(maxs[0], c.max_dz)
    if m:
        prev_t = np.r_[c.last_static_t, t[idx[:-1]]]
        prev_deg = np.r_[c.last_static_deg, fwd[idx[:-1]]]
        prev_still = np.r_[c.prev_static, still[:-1]][idx]
        gaps_before = np.r_[0, gaps_upto[idx[:-1]]]
        no_gap = gaps_upto[idx] - gaps_before == 0
        ok = ~prev_still & no_gap & (t[idx] - prev_t <= cfg.transition_max_s)
        drop = mins[:m] <= -cfg.sit_drop_m
        rise = maxs[:m] >= cfg.sit_drop_m
        delta = fwd[idx] - prev_deg
        dec = np.where(
            drop != rise,
            np.where(drop, 1, 0),
            np.where(delta <= -cfg.sit_delta_deg, 1, np.where(delta >= cfg.sit_delta_deg, 0, -1)),
        )
        code[idx] = np.where(ok, dec, -1)
        last = idx[-1]
        c.last_static_t, c.last_static_deg = float(t[last]), float(fwd[last])
        c.min_dz, c.max_dz = float(mins[m]), float(maxs[m])
        if gaps_upto[-1] - gaps_upto[last] > 0:
            c.last_static_t = -np.inf
    else:
        c.min_dz, c.max_dz = float(mins[0]), float(maxs[0])
        if gaps_upto[-1] > 0:
            c.last_static_t = -np.inf
    c.prev_t, c.prev_static = float(t[-1]), bool(still[-1])
    return code


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
    lying = (total >= cfg.lying_deg) & (fwd < cfg.lying_max_fwd_deg) & ~moving
    # 3. Sitting as a state: +1 enters, 0 leaves, -1 keeps; strongest evidence applied last.
    quiet = f.activity_g < cfg.other_activity_g
    still = (f.activity_g < cfg.still_activity_g) & ~moving & ~lying
    code = _transitions(f.t_s, still, fwd, f.dz_net_m, cfg, carry)
    code[still & (fwd <= cfg.sit_back_deg)] = 1
    code[lying] = 1
    code[moving] = 0
    last = np.where(code >= 0, np.arange(n), -1)
    np.maximum.accumulate(last, out=last)
    state = np.where(last >= 0, code[np.maximum(last, 0)], carry.state)
    carry.state = int(state[-1]) if n else carry.state
    # 4. Combine.
    posture = np.full(n, STANDING, np.int8)
    posture[~quiet] = OTHER
    posture[state == 1] = SITTING
    posture[walking] = WALKING
    posture[running] = RUNNING
    posture[lying] = LYING
    return Classified(posture, fwd, side, total, fwd_sub, carry.state)

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
    )
    running = rhythmic & (f.activity_g >= cfg.run_activity_g)
    return rhythmic & ~running, running


def classify(f: EpochFeatures, cal: Calibration, cfg: PipelineConfig, sit_carry: int) -> Classified:
    """Classify a block of epochs given the reference and the sitting state before it."""
    n = len(f)
    fwd, side, total = angles(f.g_mean, cal)
    fwd_sub = angles(f.g_sub.reshape(-1, 3), cal)[0].reshape(n, -1)
    walking, running = walk_candidates(f, cfg)
    upright_enough = total < cfg.walk_max_incl_deg
    walking &= upright_enough
    running &= upright_enough
    moving = walking | running
    lying = (total >= cfg.lying_deg) & (fwd < cfg.lying_max_fwd_deg) & ~moving
    # 3. Sitting as a state: +1 enters, 0 leaves, -1 keeps.
    quiet = f.activity_g < cfg.other_activity_g
    enter = (~moving & ~lying & (f.dz_net_m <= -cfg.sit_drop_m)) | (
        ~moving & ~lying & quiet & (fwd <= cfg.sit_back_deg)
    )
    enter |= lying
    leave = moving | ((f.dz_net_m >= cfg.sit_drop_m) & ~lying)
    code = np.where(enter, 1, np.where(leave, 0, -1))
    last = np.where(code >= 0, np.arange(n), -1)
    np.maximum.accumulate(last, out=last)
    state = np.where(last >= 0, code[np.maximum(last, 0)], sit_carry)
    # 4. Combine, strongest evidence last.
    posture = np.full(n, STANDING, np.int8)
    posture[~quiet] = OTHER
    posture[state == 1] = SITTING
    posture[walking] = WALKING
    posture[running] = RUNNING
    posture[lying] = LYING
    new_carry = int(state[-1]) if n else sit_carry
    return Classified(posture, fwd, side, total, fwd_sub, new_carry)

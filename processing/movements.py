"""Where a movement begins and ends, and what it looked like: the sitting state's input.

Why a module of its own: the sitting state (`posture`, `sitstate`) is decided per movement
between two moments at rest, and finding those moments across chunks (a movement may start in
one block and end in the next) needs its own carried state. A movement runs from the last
anchor (a still epoch, or a walking one: one may sit down straight from a walk) to the next
still epoch, without a gap and within `transition_max_s`; its vertical velocity comes from
`vertical.moves` (measured between moments at rest), its trunk lean from the 0.2 s angles.
Only `MoveCarry` is carried between blocks, so chunking cannot change the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.orientation import angles
from backcoach.processing.sitstate import MovementFeatures
from backcoach.processing.types import Calibration
from backcoach.processing.vertical import moves

WALK_TO_STILL_S = 2.5  # a sit-down from a walk takes this long at least, to its first still second
GRAVITY_TOL_G = 0.2  # a 0.2 s mean this close to 1 g is taken for gravity (the trunk's angle)


@dataclass
class MoveCarry:
    """What the movement finder carries between blocks."""

    last_static_t: float = -np.inf  # the last still epoch before the current movement
    prev_t: float = -np.inf
    prev_static: bool = False
    # The epochs from two before the last anchor on (|a| per grid sample, gravity per
    # 0.2 s, angle), for the next movement's features, and whether that anchor was walking.
    tail_mag: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_gsub: np.ndarray = field(default_factory=lambda: np.empty((0, 0, 3)))
    tail_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    tail_peak: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    tail_fwd: np.ndarray = field(default_factory=lambda: np.empty(0))
    tail_anchor: int = -1  # the last anchor's row in the tail (-1: none)
    tail_walk: bool = False
    tail_lying: bool = False  # lying since the last still epoch
    last_moving: bool = False  # the block's last epoch was walking or running
    #: bench/fit_sitting.py collects each movement's features here (None: not collected)
    trace: list | None = None


def movements(
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
    carry: MoveCarry,
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
    quiet_before = _after(c.prev_static, still)  # a still (not walking) epoch just before
    anchor = still | moving
    gap = _after(t[0] - c.prev_t > 1.5, np.diff(t) > 1.5, shift=False)
    gaps_upto = np.cumsum(gap)  # gaps at or before each epoch
    lay_upto = np.cumsum(lying)
    idx = np.flatnonzero(anchor)
    m = idx.size
    out = none
    if m:
        prev_t = _after(c.last_static_t, t[idx])
        gaps_before = _after(0, gaps_upto[idx])
        no_gap = gaps_upto[idx] - gaps_before == 0
        ok = ~quiet_before[idx] & no_gap & (t[idx] - prev_t <= cfg.transition_max_s)
        ok &= ~moving[idx]  # ending in a walk: walking decides (standing)
        lay = _after(c.tail_lying or lay_upto[idx[0]] > 0, np.diff(lay_upto[idx]) > 0, shift=False)
        walked = moving | _after(c.last_moving, moving)
        use, mv = _movements(t, idx, walked, mag, g_sub, peak_t, fwd, ok, cal, c)
        out = (idx[use], mv, lay[use])
        last = idx[-1]
        c.last_static_t = float(t[last]) if gaps_upto[-1] - gaps_upto[last] == 0 else -np.inf
        c.tail_lying = bool(lay_upto[-1] - lay_upto[last] > 0)
    else:
        if gaps_upto[-1] > 0:
            c.last_static_t = -np.inf
        c.tail_lying = c.tail_lying or bool(lay_upto[-1] > 0)
    walked = moving | _after(c.last_moving, moving)  # walking in it or just before
    c.prev_t, c.prev_static = float(t[-1]), bool(still[-1] and not moving[-1])
    c.last_moving = bool(moving[-1])
    _keep_tail(c, t, mag, g_sub, peak_t, fwd, idx, int(cfg.transition_max_s + 2))
    if m:
        c.tail_walk = bool(walked[idx[-1]])
    return out


def _after(first: float | bool, x: np.ndarray, *, shift: bool = True) -> np.ndarray:
    """`first` followed by x[:-1] (`shift`) or by all of x: np.r_ without its overhead (this
    runs per block, and a live session's blocks are a quarter of a second)."""
    rest = x[:-1] if shift else x
    out = np.empty(rest.size + 1, dtype=np.result_type(rest.dtype, type(first)))
    out[0] = first
    out[1:] = rest
    return out


def _keep_tail(
    c: MoveCarry,
    t: np.ndarray,
    mag: np.ndarray,
    g_sub: np.ndarray,
    peak_t: np.ndarray,
    fwd: np.ndarray,
    idx: np.ndarray,
    n_keep: int,
) -> None:
    """Keep the epochs from two before the last anchor on (at most `n_keep`): the next
    movement starts at that anchor, and may look further back (a walk's last step, the last
    moment at rest), whatever the chunking."""
    has = c.tail_t.size > 0
    n_tail = c.tail_t.size if has else 0
    cols = {"mag": mag, "gsub": g_sub, "t": t, "peak": peak_t, "fwd": fwd}
    joined = {
        k: np.concatenate([getattr(c, f"tail_{k}"), v]) if has else v for k, v in cols.items()
    }
    anchor = n_tail + int(idx[-1]) if idx.size else (c.tail_anchor if has else -1)
    start = max(anchor - 2, 0, joined["t"].size - n_keep)
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
    c: MoveCarry,
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
    # From walking: the walk's last step, at least `WALK_TO_STILL_S` before the still epoch's
    # middle (the walk's bout may reach into a sit-down, whose landing peaks like a step).
    start_at = np.full(m, np.nan)
    for j in np.flatnonzero(ok & prev_walk & (prev >= 0)):
        p, latest = int(prev[j]), float(allt[cur[j]]) + 0.5 - WALK_TO_STILL_S
        for q in (p, p - 1, p - 2):
            if q < 0:
                break
            peaks = allpeak[q][allpeak[q] <= latest]
            if peaks.size:
                prev[j], start_at[j] = q, float(peaks.max()) - allt[q]
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

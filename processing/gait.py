"""Walking from trains of steps: which epochs lie inside a walking bout, and how many steps.

Why trains: in daily life walking comes in short bouts (3-20 s) with turns, slow or impaired
gait and objects carried. A per-second test (enough peaks, a periodic signal) misses slow and
turning gait and splits bouts at every pause. At the lower back each step (initial contact)
gives a peak of the vertical acceleration, so a bout is a *train* of step candidates (the
published form is mobgap's `GsdIonescu`; Mobilise-D defines a walking bout from its initial
contacts). Steps:

1. Step candidates come from `features` (band-passed |a| peaks spaced and thresholded by the
   local rhythm, `steps`) with the gravity direction at each.
2. Consecutive candidates form a chain while they are at most `step_max_gap_s` apart (a
   cadence of at least 40 steps/min) and the trunk keeps its direction between them (within
   `step_max_tilt_deg`): walking carries the trunk, while standing up, sitting down, bending
   or handling things turns it.
3. A chain of at least `train_min_steps` candidates is a train.
4. Chains less than `bout_bridge_s` apart join (Mobilise-D merges walking bouts separated by
   pauses under 3 s), so a pause to open a door does not split a walk, and the few slow steps
   of a turn or of setting off belong to it — unless the trunk turned between them (`_groups`).
   A group that holds a train is a bout; it spans its first to its last candidate (as a
   reference walking bout spans its first to its last initial contact).
5. An epoch is in a bout when at least half of it is covered; running when, in addition,
   its intensity or its cadence is a runner's (`_label`). Its steps (`steps`, their times
   `step_t`) are its candidates that belong to trains, or, inside a bout, to chains of at
   least `step_chain_min` (a weak step or two, unseen, broke the train; the walk went on).

Streaming: an epoch is held until nothing still to come can change its cover (a group that
may yet get a train, or a bout that may yet get longer), then released with the same result
as the batch run. While no step candidates come, nothing is held.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures


@dataclass
class _State:
    held: EpochFeatures = field(default_factory=EpochFeatures.empty)
    cand_t: np.ndarray = field(default_factory=lambda: np.empty(0))  # the open group's
    cand_up: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    prev_bout: tuple[float, float] | None = None  # the last closed bout
    step_t: np.ndarray = field(default_factory=lambda: np.empty(0))  # steps of held epochs
    step_dt: np.ndarray = field(default_factory=lambda: np.empty(0))  # ... since the step before


class StepTrains:
    """Streaming epoch features → the same features with `walking`, `running`, `steps` set."""

    def __init__(self, cfg: PipelineConfig) -> None:
        self.cfg = cfg
        self.state = _State()

    def push(self, f: EpochFeatures, *, final: bool = False) -> EpochFeatures:
        """Add epochs (in time order); return those whose walking is now decided."""
        st, cfg = self.state, self.cfg
        held = EpochFeatures.concat([st.held, f])
        if len(held) == 0:
            return held
        new_t, new_up = _candidates(f)
        t = np.r_[st.cand_t, new_t]
        up = np.concatenate([st.cand_up, new_up])
        known_s = float(held.t_s[-1]) + 1.0  # every candidate before this is known
        chains = _chains(t, up, cfg)
        groups = _groups(chains, t, up, cfg)
        spans = [(float(t[chains[i][0]]), float(t[chains[j][1] - 1]), w) for i, j, w in groups]
        # 1. The last group may still grow: a chain yet to come may join it (or, while its
        #    last chain is open, become a train). Its cover is not final from its start (no
        #    train yet: it may become a bout) or its end (a bout: it may get longer), and the
        #    candidates of an open chain that is no train yet may still become steps.
        last_open = False
        final_s = np.inf if final else known_s
        if groups and not final:
            start, end, walking = spans[-1]
            a, b = chains[groups[-1][1]]
            last_open = (
                known_s - end <= cfg.bout_bridge_s or known_s - t[b - 1] <= cfg.step_max_gap_s
            )
            if last_open:
                final_s = min(final_s, end if walking else start)
            if known_s - t[b - 1] <= cfg.step_max_gap_s and b - a < cfg.train_min_steps:
                final_s = min(final_s, float(t[a]))
        bouts = ([st.prev_bout] if st.prev_bout else []) + [(a, b) for a, b, w in spans if w]
        trains = _counted(chains, groups, cfg)
        new_t = np.concatenate([t[a:b] for a, b in trains] or [[]])
        new_dt = (
            np.concatenate([np.r_[np.nan, np.diff(t[a:b])] for a, b in trains])
            if trains
            else np.empty(0)
        )
        st.step_t, keep = np.unique(np.r_[st.step_t, new_t], return_index=True)
        st.step_dt = np.r_[st.step_dt, new_dt][keep]
        # 2. Release the epochs that end before it.
        n_out = int(np.searchsorted(held.t_s + 1.0, final_s, side="right"))
        out = _label(held.take(slice(0, n_out)), bouts, st.step_t, st.step_dt, cfg)
        st.held = held.take(slice(n_out, None))
        if len(st.held):
            kept = st.step_t >= st.held.t_s[0]
            st.step_t, st.step_dt = st.step_t[kept], st.step_dt[kept]
        # 3. Keep what the next push needs: the open group's candidates and the last bout.
        closed = spans[:-1] if last_open else spans
        done = [(a, b) for a, b, w in closed if w]
        if done:
            st.prev_bout = done[-1]
        if last_open:
            first = chains[groups[-1][0]][0]
            st.cand_t, st.cand_up = t[first:], up[first:]
        else:
            st.cand_t, st.cand_up = np.empty(0), np.empty((0, 3))
        if final:
            self.state = _State()
        return out


def _candidates(f: EpochFeatures) -> tuple[np.ndarray, np.ndarray]:
    """All step candidates of a block, in time order."""
    ok = ~np.isnan(f.peak_t)
    return f.peak_t[ok], f.peak_up[ok]


def _chains(t: np.ndarray, up: np.ndarray, cfg: PipelineConfig) -> list[tuple[int, int]]:
    """[start, end) index ranges of consecutive candidates that belong together."""
    if t.size == 0:
        return []
    cos = np.einsum("ij,ij->i", up[1:], up[:-1])
    turned = cos < np.cos(np.radians(cfg.step_max_tilt_deg))
    brk = np.flatnonzero((np.diff(t) > cfg.step_max_gap_s) | turned) + 1
    edges = np.r_[0, brk, t.size]
    return list(zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True))


def _groups(
    chains: list[tuple[int, int]], t: np.ndarray, up: np.ndarray, cfg: PipelineConfig
) -> list[tuple[int, int, bool]]:
    """Chains joined across pauses: (first chain, last chain, holds a train).

    Two neighbouring chains join when the pause between them is at most `bout_bridge_s` and
    the trunk kept its direction across it (or both are trains): so the few slow steps of a
    turn or of setting off join the walk they belong to, while standing up or bending does
    not. A group is a walking bout when it holds a train.
    """
    if not chains:
        return []
    k = cfg.train_min_steps
    size = np.array([b - a for a, b in chains])
    first = np.array([a for a, _ in chains])
    last = np.array([b - 1 for _, b in chains])
    gap = t[first[1:]] - t[last[:-1]]
    kept = np.einsum("ij,ij->i", up[first[1:]], up[last[:-1]]) >= np.cos(
        np.radians(cfg.step_max_tilt_deg)
    )
    trains = size >= k
    big = size >= cfg.join_min_steps
    link = (
        (gap <= cfg.bout_bridge_s)
        & (kept | (trains[1:] & trains[:-1]))
        & (big[1:] | trains[:-1])
        & (big[:-1] | trains[1:])
    )
    edges = np.r_[0, np.flatnonzero(~link) + 1, len(chains)]
    return [
        (int(a), int(b) - 1, bool(trains[a:b].any()))
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]


def _counted(
    chains: list[tuple[int, int]], groups: list[tuple[int, int, bool]], cfg: PipelineConfig
) -> list[tuple[int, int]]:
    """The chains whose candidates are steps: trains, and in a walking bout also the shorter
    chains of `step_chain_min` or more (a weak step or two broke the train, the walk went on);
    a lone candidate widens a bout but is no step."""
    out = []
    for i, j, walking in groups:
        for a, b in chains[i : j + 1]:
            if b - a >= cfg.train_min_steps or (walking and b - a >= cfg.step_chain_min):
                out.append((a, b))
    return out


def _label(
    f: EpochFeatures,
    bouts: list[tuple[float, float]],
    step_t: np.ndarray,
    step_dt: np.ndarray,
    cfg: PipelineConfig,
) -> EpochFeatures:
    """Set `walking`, `running` and `steps` of released epochs from the bouts and the steps
    (the candidates of trains: a lone candidate joined to a bout widens it but is no step).

    Running: the intensity of running (`run_activity_g`), or a running cadence
    (`run_cadence_spm`, from the epoch's steps' intervals) with at least `run_min_activity_g`:
    intensity alone depends on the sensor's rate and mounting; on SisFall, quick walking reaches
    at most 134 steps/min and slow jogging at least 148."""
    n = len(f)
    if n == 0:
        return f
    cover = np.zeros(n)
    for a, b in bouts:
        cover += np.clip(np.minimum(f.t_s + 1.0, b) - np.maximum(f.t_s, a), 0.0, None)
    in_bout = cover >= 0.5
    if step_t.size:
        idx = np.minimum(np.searchsorted(step_t, f.peak_t), step_t.size - 1)
        is_step = step_t[idx] == f.peak_t
        dt = np.where(is_step, step_dt[idx], np.nan)
    else:
        is_step = np.zeros(f.peak_t.shape, bool)
        dt = np.full(f.peak_t.shape, np.nan)
    steps = is_step.sum(axis=1)
    # The median interval of the epochs with steps only: the others (most) have none, and
    # nanmedian would warn once per such row (half a million warnings a week).
    cadence_spm = np.full(n, np.nan)
    with_steps = np.flatnonzero(np.isfinite(dt).any(axis=1))
    if with_steps.size:
        cadence_spm[with_steps] = 60.0 / np.nanmedian(dt[with_steps], axis=1)
    running = in_bout & (
        (f.activity_g >= cfg.run_activity_g)
        | ((cadence_spm >= cfg.run_cadence_spm) & (f.activity_g >= cfg.run_min_activity_g))
    )
    step_t = np.where(is_step, f.peak_t, np.nan)
    return replace(f, walking=in_bout & ~running, running=running, steps=steps, step_t=step_t)

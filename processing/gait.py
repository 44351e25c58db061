"""Walking from trains of steps: which epochs lie inside a walking bout, and how many steps.

Why trains: in daily life walking comes in short bouts (3-20 s) with turns, slow or impaired
gait and objects carried. A per-second test (enough peaks, a periodic signal) misses slow and
turning gait and splits bouts at every pause. At the lower back each step (initial contact)
gives a peak of the vertical acceleration, so a bout is a *train* of step candidates (the
published form is mobgap's `GsdIonescu`; Mobilise-D defines a walking bout from its initial
contacts). Steps:

1. Step candidates come from `features` (band-passed |a| peaks, one per ±0.24 s) with the
   gravity direction at each.
2. Consecutive candidates form a chain while they are at most `step_max_gap_s` apart (a
   cadence of at least 40 steps/min) and the trunk keeps its direction between them (within
   `step_max_tilt_deg`): walking carries the trunk, while standing up, sitting down, bending
   or handling things turns it.
3. A chain of at least `train_min_steps` candidates is a train. It spans its first to its
   last candidate (as a reference walking bout spans its first to its last initial contact).
4. Trains less than `bout_bridge_s` apart are one bout (Mobilise-D merges walking bouts
   separated by pauses under 3 s), so a pause to open a door does not split a walk.
5. An epoch is in a bout when at least half of it is covered; running when, in addition,
   its intensity reaches `run_activity_g`. Its steps are the candidates inside the bout.

Streaming: an epoch is held until nothing still to come can change its cover (a chain that
may yet reach `train_min_steps`, or a bout that may yet be bridged), then released with the
same result as the batch run. While nothing is walking, nothing is held.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures


@dataclass
class _State:
    held: EpochFeatures = field(default_factory=EpochFeatures.empty)
    chain_t: np.ndarray = field(default_factory=lambda: np.empty(0))  # the open chain
    chain_up: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    prev_bout: tuple[float, float] | None = None  # the last bout of closed trains


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
        t = np.r_[st.chain_t, new_t]
        up = np.concatenate([st.chain_up, new_up])
        known_s = float(held.t_s[-1]) + 1.0  # every candidate before this is known
        chains = _chains(t, up, cfg)
        last = chains[-1] if chains else None
        open_chain = (
            last is not None and not final and known_s - t[last[1] - 1] <= cfg.step_max_gap_s
        )
        trains = [c for c in chains if c[1] - c[0] >= cfg.train_min_steps]
        open_train = open_chain and bool(trains) and trains[-1] == last
        spans = [(float(t[a]), float(t[b - 1])) for a, b in trains]
        closed = spans[:-1] if open_train else spans
        done = _bridge(([st.prev_bout] if st.prev_bout else []) + closed, cfg.bout_bridge_s)
        bouts = _bridge(done + spans[len(closed) :], cfg.bout_bridge_s)
        # 1. How far the cover is final: a chain that may still become a train, or a bout
        #    that a train yet to come may bridge, can still cover the time after it.
        final_s = np.inf if final else known_s
        if open_chain and last[1] - last[0] < cfg.train_min_steps:
            final_s = min(final_s, float(t[last[0]]))
        ends = [b for _, b in bouts]
        if not final and ends:
            end = ends[-1]
            first_open = float(t[last[0]]) if open_chain else np.inf
            if (
                open_train
                or known_s <= end + cfg.bout_bridge_s
                or (first_open <= end + cfg.bout_bridge_s)
            ):
                final_s = min(final_s, end)
        # 2. Release the epochs that end before it.
        n_out = int(np.searchsorted(held.t_s + 1.0, final_s, side="right"))
        out = _label(held.take(slice(0, n_out)), bouts, cfg)
        st.held = held.take(slice(n_out, None))
        # 3. Keep only what the next push needs: the open chain and the last closed train.
        if done:
            st.prev_bout = done[-1]
        if open_chain:
            st.chain_t, st.chain_up = t[last[0] :], up[last[0] :]
        else:
            st.chain_t, st.chain_up = np.empty(0), np.empty((0, 3))
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


def _bridge(spans: list[tuple[float, float]], bridge_s: float) -> list[tuple[float, float]]:
    """Spans (in time order) closer than `bridge_s` joined into bouts."""
    out: list[tuple[float, float]] = []
    for a, b in spans:
        if out and a - out[-1][1] <= bridge_s:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _label(
    f: EpochFeatures, bouts: list[tuple[float, float]], cfg: PipelineConfig
) -> EpochFeatures:
    """Set `walking`, `running` and `steps` of released epochs from the bouts."""
    n = len(f)
    if n == 0:
        return f
    cover = np.zeros(n)
    inside = np.zeros(f.peak_t.shape, bool)
    for a, b in bouts:
        cover += np.clip(np.minimum(f.t_s + 1.0, b) - np.maximum(f.t_s, a), 0.0, None)
        with np.errstate(invalid="ignore"):
            inside |= (f.peak_t >= a) & (f.peak_t <= b)
    in_bout = cover >= 0.5
    running = in_bout & (f.activity_g >= cfg.run_activity_g)
    return replace(
        f,
        walking=in_bout & ~running,
        running=running,
        steps=np.where(in_bout, inside.sum(axis=1), 0),
    )

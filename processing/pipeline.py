"""The detection pipeline: samples in, 1 s epochs and events out, live or offline alike.

Steps (each its own module, each streaming with explicit state):

1. `resample.GridResampler` — any rate, irregular or with gaps → one internal grid (NaN in gaps).
2. `features.EpochFeaturizer` — grid → per-second, orientation-free features (3 s latency).
3. Reference — until an explicit calibration or enough walking and bending has been seen, epochs
   are held back; then up/forward are fixed (`orientation.reference_from_walk`) and the held
   epochs are released. At `flush`, a recording that never walked falls back to the direction of
   its most active epochs for up (and, without any excursion, an arbitrary forward: angles then
   keep their size but may have the wrong sign).
4. `posture.classify` — posture and trunk angles per epoch.
5. `events.EventBuilder` — sitting bouts, lying, walks, static postures, bends, lifts, gaps.

`analyze(t, acc, cfg)` is exactly one `push` and one `flush`, so any chunking gives the same
output as the batch run (tests/processing/test_streaming.py checks it with random chunk sizes).
"""

from __future__ import annotations

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.events import EventBuilder
from backcoach.processing.features import N_SUB, EpochFeatures, EpochFeaturizer
from backcoach.processing.orientation import (
    any_perpendicular,
    reference_from_walk,
    tilt_away,
    unit,
)
from backcoach.processing.posture import Classified, classify, walk_candidates
from backcoach.processing.resample import GridResampler
from backcoach.processing.runs import RunTracker
from backcoach.processing.types import Calibration, Epochs, PipelineOutput

__all__ = ["PipelineConfig", "StreamingPipeline", "analyze", "find_reference"]

MIN_WALK_RUN_EPOCHS = 5  # walking epochs count for the reference only in runs this long


def _walk_direction(f: EpochFeatures, cfg: PipelineConfig, *, final: bool) -> np.ndarray | None:
    """Mean gravity direction over the first `ref_walk_epochs` epochs of sustained walking."""
    walking, _ = walk_candidates(f, cfg)
    if not walking.any():
        return None
    runs = RunTracker(1.0).push(f.t_s, np.where(walking, 1, -1), final=True)
    idx = np.searchsorted(
        f.t_s, [r.start_s for r in runs if r.end_s - r.start_s >= MIN_WALK_RUN_EPOCHS]
    )
    lens = [int(r.end_s - r.start_s) for r in runs if r.end_s - r.start_s >= MIN_WALK_RUN_EPOCHS]
    rows = (
        np.concatenate([np.arange(i, i + n) for i, n in zip(idx, lens, strict=True)])
        if lens
        else np.empty(0, int)
    )
    if rows.size < cfg.ref_walk_epochs:
        if not final:
            return None
        rows = np.flatnonzero(walking)
    rows = rows[: cfg.ref_walk_epochs] if rows.size >= cfg.ref_walk_epochs else rows
    return unit(unit(f.g_mean[rows]).sum(axis=0))


def _forward_hint(
    f: EpochFeatures, up: np.ndarray, cfg: PipelineConfig, *, final: bool
) -> np.ndarray | None:
    """−(mean tilt direction) over short excursions away from `up` (bends, sit-to-stand)."""
    g = unit(f.g_mean)
    incl = np.degrees(np.arccos(np.clip(g @ up, -1.0, 1.0)))
    walking, running = walk_candidates(f, cfg)
    exc = (incl >= cfg.fwd_min_deg) & (incl <= cfg.fwd_max_deg) & ~walking & ~running
    runs = RunTracker(1.0).push(f.t_s, np.where(exc, 1, -1), final=True)
    last_t = f.t_s[-1] + 1.0 if len(f) else 0.0
    rows: list[np.ndarray] = []
    count = 0
    for r in runs:  # the first closed short runs, in time order, until there are enough epochs
        closed = final or r.end_s < last_t
        if not closed:
            break
        if r.end_s - r.start_s <= cfg.fwd_max_run_s:
            a = int(np.searchsorted(f.t_s, r.start_s))
            rows.append(np.arange(a, a + int(round(r.end_s - r.start_s))))
            count += rows[-1].size
            if count >= cfg.fwd_min_epochs:
                break
    sel = np.concatenate(rows) if rows else np.empty(0, int)
    if sel.size == 0 or (sel.size < cfg.fwd_min_epochs and not final):
        return None
    tilts = tilt_away(g[sel], up)
    mean = unit(tilts.sum(axis=0))
    agree = tilts @ mean > 0.5  # one trimming pass drops the odd backward excursion
    if agree.any():
        mean = unit(tilts[agree].sum(axis=0))
    return -mean


def find_reference(f: EpochFeatures, cfg: PipelineConfig, *, final: bool) -> Calibration | None:
    """Up and forward from held epochs, or None while the evidence is not there yet."""
    if len(f) == 0:
        return None
    w = _walk_direction(f, cfg, final=final)
    if w is None:
        if not final:
            return None
        # Never walked: the most active tenth of the epochs is the most likely upright.
        k = max(1, len(f) // 10)
        top = np.argsort(-f.activity_g, kind="stable")[:k]
        w = unit(unit(f.g_mean[top]).sum(axis=0))
    hint = _forward_hint(f, w, cfg, final=final)
    if hint is None:
        if not final:
            return None
        hint = any_perpendicular(w)
    return reference_from_walk(w, hint, cfg.walk_lean_deg)


class StreamingPipeline:
    """Chunks in, finished epochs and events out; see the module docstring."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()
        cfg = self.config
        self._resampler = GridResampler(cfg.fs_hz, cfg.gap_s)
        self._featurizer = EpochFeaturizer(cfg.fs_hz, cfg.step_thr_g)
        self._events = EventBuilder(cfg)
        self._held: list[EpochFeatures] = []
        self._sit_state = -1
        self.calibration: Calibration | None = cfg.calibration

    def push(self, t_s: np.ndarray, acc_g: np.ndarray) -> PipelineOutput:
        """Add a chunk of samples (t in s, acc (n, 3) in g); return what is now final."""
        return self._run(t_s, acc_g, final=False)

    def flush(self) -> PipelineOutput:
        """End of the recording or session: everything still open is finished and returned."""
        return self._run(np.empty(0), np.empty((0, 3), np.float32), final=True)

    def _run(self, t_s: np.ndarray, acc_g: np.ndarray, *, final: bool) -> PipelineOutput:
        t = np.asarray(t_s, np.float64).reshape(-1)
        a = np.asarray(acc_g, np.float32).reshape(-1, 3)
        if t.shape[0] != a.shape[0]:
            raise ValueError(f"t_s has {t.shape[0]} samples but acc_g has {a.shape[0]}")
        k0, grid = self._resampler.push(t, a, final=final)
        feats = self._featurizer.push(k0, grid, final=final)
        if self.calibration is None:
            self._held.append(feats)
            held = EpochFeatures.concat(self._held)
            self._held = [held] if len(held) else []
            self.calibration = find_reference(held, self.config, final=final)
            if self.calibration is None:
                return PipelineOutput.empty()
            feats, self._held = held, []
        return self._classify(feats, final)

    def _classify(self, f: EpochFeatures, final: bool) -> PipelineOutput:
        if len(f) == 0:
            events = self._events.push(f, _empty_classified(), final=final) if final else []
            return PipelineOutput(Epochs.empty(), tuple(events))
        c = classify(f, self.calibration, self.config, self._sit_state)
        self._sit_state = c.sit_state
        events = self._events.push(f, c, final=final)
        epochs = Epochs(
            t_s=f.t_s,
            posture=c.posture,
            trunk_deg=c.trunk_deg,
            side_deg=c.side_deg,
            activity_g=f.activity_g,
            steps=f.steps,
        )
        return PipelineOutput(epochs, tuple(events))


def _empty_classified() -> Classified:
    z = np.empty(0, np.float32)
    return Classified(np.empty(0, np.int8), z, z, z, np.empty((0, N_SUB), np.float32), -1)


def analyze(
    t_s: np.ndarray, acc_g: np.ndarray, config: PipelineConfig | None = None
) -> PipelineOutput:
    """A whole recording at once: the same as pushing it in any chunks and flushing."""
    sp = StreamingPipeline(config)
    return PipelineOutput.concat([sp.push(t_s, acc_g), sp.flush()])

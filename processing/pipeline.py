"""The detection pipeline: samples in, 1 s epochs and events out, live or offline alike.

Steps (each its own module, each streaming with explicit state):

1. `resample.GridResampler` — any rate, irregular or with gaps → one internal grid (NaN in gaps);
   `autocal.AutoCalibrator` — the sensor's gain and offset, learnt from the still moments so far.
2. `features.EpochFeaturizer` — grid → per-second, orientation-free features (4 s latency),
   then `gait.StepTrains` — walking bouts from trains of step candidates (held while a train
   may still form or a bout be bridged).
3. Reference — until an explicit calibration or enough walking has been seen, epochs
   are held back; then up/forward are fixed (`orientation.reference_from_walk`) and the held
   epochs are released. At `flush`, a recording that never walked falls back to the observed
   direction under which the time is most plausibly spent upright, sitting or lying (and,
   without any excursion, an arbitrary forward: angles then keep their size but may have the
   wrong sign). When walking stays far from the reference's up
   (the sensor was put back on differently, e.g. the next day), the reference is found anew.
4. `posture.classify` — posture and trunk angles per epoch.
5. `events.EventBuilder` — sitting bouts, lying, walks, static postures, bends, lifts, gaps.

`analyze(t, acc, cfg)` is exactly one `push` and one `flush`, so any chunking gives the same
output as the batch run (tests/processing/test_streaming.py checks it with random chunk sizes).
"""

from __future__ import annotations

import numpy as np

from backcoach.errors import InputFormatError
from backcoach.processing.autocal import AutoCalibrator
from backcoach.processing.config import PipelineConfig
from backcoach.processing.events import EventBuilder
from backcoach.processing.features import N_SUB, EpochFeatures, EpochFeaturizer
from backcoach.processing.gait import StepTrains
from backcoach.processing.orientation import (
    any_perpendicular,
    reference_from_walk,
    tilt_away,
    unit,
)
from backcoach.processing.posture import Classified, SitCarry, classify, walk_candidates
from backcoach.processing.resample import GridResampler
from backcoach.processing.runs import RunTracker
from backcoach.processing.sithold import SitHold
from backcoach.processing.types import Calibration, Epochs, PipelineOutput

__all__ = ["PipelineConfig", "StreamingPipeline", "analyze", "find_reference"]

MIN_WALK_RUN_EPOCHS = 5  # walking epochs count for the reference only in runs this long
N_UP_CANDIDATES = 200
GUESSED = "auto-guessed"  # Calibration.source of a reference found without walking
MIN_GAIT_CONSISTENCY = 0.2  # |Σ gait vectors| / Σ |gait vectors| needed to trust gait


def _walk_rows(f: EpochFeatures, cfg: PipelineConfig, *, final: bool) -> np.ndarray | None:
    """The first `ref_walk_epochs` epochs of sustained walking (runs of 5+), or None yet."""
    walking, _ = walk_candidates(f, cfg)
    if not walking.any():
        return None
    runs = RunTracker(1.0).push(f.t_s, np.where(walking, 1, -1), final=True)
    long_runs = [r for r in runs if r.end_s - r.start_s >= MIN_WALK_RUN_EPOCHS]
    starts = np.searchsorted(f.t_s, [r.start_s for r in long_runs]).astype(int)
    lens = [int(round(r.end_s - r.start_s)) for r in long_runs]
    parts = [np.arange(a, a + n) for a, n in zip(starts, lens, strict=True)]
    rows = np.concatenate(parts) if parts else np.empty(0, int)
    if rows.size >= cfg.ref_walk_epochs:
        return rows[: cfg.ref_walk_epochs]
    return np.flatnonzero(walking) if final else None


def _gait_forward(f: EpochFeatures, rows: np.ndarray, up: np.ndarray) -> np.ndarray | None:
    """Forward from the gait cross-correlation (`features._gait_xc`), or None if too weak."""
    total = f.gait_xc[rows].sum(axis=0)
    horiz = total - (total @ up) * up
    spread = np.linalg.norm(f.gait_xc[rows], axis=1).sum()
    if spread <= 0 or np.linalg.norm(horiz) < MIN_GAIT_CONSISTENCY * spread:
        return None
    return -unit(horiz)


def _forward_hint(
    f: EpochFeatures, up: np.ndarray, cfg: PipelineConfig, *, final: bool
) -> np.ndarray | None:
    """The wearer's forward: against the typical direction of short excursions away from `up`.

    An excursion is a run of epochs at least `fwd_min_deg` from up, that starts and ends near
    upright (standing or sitting), lasts at most `fwd_max_run_s` and never goes beyond
    `fwd_max_deg` (that would be lying down). Bends and sit-to-stand leans are forward; the odd
    backward one (sitting back, lying down half-way) is outvoted: the direction supported by most
    runs wins (each run votes with its mean tilt direction). The first `fwd_min_runs` qualifying
    runs decide, so a live session and a batch run pick the same ones.
    """
    g = unit(f.g_mean)
    incl = np.degrees(np.arccos(np.clip(g @ up, -1.0, 1.0)))
    walking, running = walk_candidates(f, cfg)
    exc = (incl >= cfg.fwd_min_deg) & ~walking & ~running
    runs = RunTracker(1.0, {"peak": "max"}).push(
        f.t_s, np.where(exc, 1, -1), {"peak": incl}, final=True
    )
    last_t = f.t_s[-1] + 1.0
    dirs: list[np.ndarray] = []
    for r in runs:
        if not final and r.end_s >= last_t:
            break  # still open
        if r.end_s - r.start_s > cfg.fwd_max_run_s or r.values["peak"] > cfg.fwd_max_deg:
            continue
        a = int(np.searchsorted(f.t_s, r.start_s))
        rows = np.arange(a, a + int(round(r.end_s - r.start_s)))
        dirs.append(unit(tilt_away(g[rows], up).sum(axis=0)))
        if len(dirs) >= cfg.fwd_min_runs:
            break
    if not dirs or (len(dirs) < cfg.fwd_min_runs and not final):
        return None
    d = np.array(dirs)
    votes = np.clip(d @ d.T, 0.0, None).sum(axis=1)
    best = d[int(np.argmax(votes))]
    return -unit(d[d @ best > 0.5].sum(axis=0))


def _upright_without_walking(f: EpochFeatures) -> np.ndarray:
    """The candidate up under which the recording looks most like daily life.

    Without walking there is no upright evidence, so each of up to `N_UP_CANDIDATES` observed
    gravity directions is tried as up and scored by how much of the time would then be upright
    or sitting (0-45° from up) or lying (75-105°); time at 45-75° (only brief bends) and beyond
    120° (upside down) counts against it. Ties go to the earlier candidate.
    """
    g = unit(f.g_mean)
    step = max(1, len(f) // N_UP_CANDIDATES)
    cand = g[::step]
    incl = np.degrees(np.arccos(np.clip(g @ cand.T, -1.0, 1.0)))  # (n, candidates)
    good = ((incl <= 45) | ((incl >= 75) & (incl <= 105))).mean(axis=0)
    bad = (incl > 120).mean(axis=0)
    return cand[int(np.argmax(good - bad))]


def find_reference(f: EpochFeatures, cfg: PipelineConfig, *, final: bool) -> Calibration | None:
    """Up and forward from held epochs, or None while the evidence is not there yet."""
    if len(f) == 0:
        return None
    rows = _walk_rows(f, cfg, final=final)
    hint = None
    if rows is not None:
        w = unit(unit(f.g_mean[rows]).sum(axis=0))
        hint = _gait_forward(f, rows, w)
    else:
        if not final:
            return None
        w = _upright_without_walking(f)
    if hint is None:
        hint = _forward_hint(f, w, cfg, final=final)
    if hint is None:
        if not final:
            return None
        hint = any_perpendicular(w)
    cal = reference_from_walk(w, hint, cfg.walk_lean_deg)
    if rows is None:  # no walking: up is a guess, forward's sign even more so
        cal = Calibration(cal.up, cal.forward, source=GUESSED)
    return cal


class StreamingPipeline:
    """Chunks in, finished epochs and events out; see the module docstring."""

    def __init__(self, config: PipelineConfig | None = None) -> None:
        self.config = config or PipelineConfig()
        cfg = self.config
        self._resampler = GridResampler(cfg.fs_hz, cfg.gap_s)
        self._autocal = AutoCalibrator(cfg.fs_hz)
        self._featurizer = EpochFeaturizer(cfg.fs_hz, cfg.step_params)
        self._gait = StepTrains(cfg)
        self._events = EventBuilder(cfg)
        self._held: list[EpochFeatures] = []
        self._sit = SitCarry()
        self._hold = SitHold(cfg)
        self._remount_run = 0  # walking epochs in a row far from the reference's up
        self.calibration: Calibration | None = cfg.calibration

    @property
    def lift_base_deg(self) -> float:
        """The still trunk angle the next lift would be measured from (NaN before any)."""
        b = self._events.lifts.base_deg
        return b if np.isfinite(b) else float("nan")

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
            raise InputFormatError(
                f"t_s has {t.shape[0]} samples but acc_g has {a.shape[0]}; give one time per row"
            )
        k0, grid, filled = self._resampler.push(t, a, final=final)
        grid = self._autocal.push(k0, grid)
        feats = self._featurizer.push(k0, grid, filled, final=final)
        feats = self._gait.push(feats, final=final)
        parts: list[PipelineOutput] = []
        while True:
            if self.calibration is None:
                if len(feats):
                    self._held.append(feats)
                # Only new walking can complete the reference before the end: skip the search.
                if not final and not walk_candidates(feats, self.config)[0].any():
                    break
                held = EpochFeatures.concat(self._held)
                self._held = [held] if len(held) else []
                self.calibration = find_reference(held, self.config, final=final)
                if self.calibration is None:
                    break
                feats, self._held = held, []
            cut = self._remount_at(feats)
            if cut is None:
                parts.append(self._classify(feats, final))
                break
            # The sensor was put back on differently: find the reference again from here on.
            parts.append(self._classify(feats.take(slice(0, cut)), False))
            feats = feats.take(slice(cut, None))
            self.calibration = None
            self._remount_run = 0
        return PipelineOutput.concat(parts) if parts else PipelineOutput.empty()

    def _remount_at(self, f: EpochFeatures) -> int | None:
        """Index after which the mounting must have changed, or None.

        Walking is never far from upright: `remount_epochs` walking epochs in a row more than
        `remount_deg` away from the reference's up mean the sensor now sits differently.
        """
        cfg = self.config
        if self.calibration.source == "calibration":
            return None  # a guided calibration is the wearer's word: recalibrate after re-attaching
        walking, _ = walk_candidates(f, cfg)
        w = np.flatnonzero(walking)
        if w.size == 0:
            return None
        up = np.asarray(self.calibration.up)
        cos = unit(f.g_mean[w]) @ up
        off = cos < np.cos(np.radians(cfg.remount_deg))
        pos = np.arange(w.size)
        last_ok = np.maximum.accumulate(np.where(~off, pos, -1))
        run = np.where(last_ok >= 0, pos - last_ok, pos + 1 + self._remount_run)
        hit = np.flatnonzero(run >= cfg.remount_epochs)
        if hit.size == 0:
            self._remount_run = int(run[-1])
            return None
        return int(w[hit[0]]) + 1

    def _classify(self, f: EpochFeatures, final: bool) -> PipelineOutput:
        c = classify(f, self.calibration, self.config, self._sit) if len(f) else _empty_classified()
        # The epochs a rise may still judge wait (sithold); what is final goes on.
        f, c = self._hold.push(f, c, self._sit.revisions, self._sit.filter.pending_s, final=final)
        self._sit.revisions = []
        if len(f) == 0:
            events = self._events.push(f, _empty_classified(), final=final) if final else []
            return PipelineOutput(Epochs.empty(), tuple(events))
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

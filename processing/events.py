"""Events from classified epochs: sitting bouts, lying, walks, static postures, bends, lifts, gaps.

Why: the guidance rules count bouts and movements, not seconds. Each event type is a run of a
label (see `runs.RunTracker`), so the open event of a live session is carried between chunks and
emitted only once it has ended (or at flush).

Bends (G4) work at 5 Hz on the forward inclination: a run over `bend_deg` (at least 0.4 s)
while not lying, with its peak and time over 20/45/60° (`over20_s`, ...: the guidance's
upper-back degrees, read on this sensor as `placement.sensor_deg` says). Lifts (G3, movements
down and back up) are found by `lifts.LiftFinder`, which gets each chunk's epochs and the
windowed lowering below (the deepest net displacement of the 4 s windows from 2 s before,
`features.dz_net_m`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import N_SUB, EpochFeatures
from backcoach.processing.lifts import LiftFinder
from backcoach.processing.placement import sensor_deg
from backcoach.processing.posture import (
    LYING,
    RUNNING,
    SITTING,
    WALKING,
    Classified,
)
from backcoach.processing.runs import Run, RunTracker
from backcoach.processing.types import EVENT_TYPES, Event

_KIND_SIT, _KIND_LIE, _KIND_WALK = 0, 1, 2
MIN_BEND_S = 0.4
DZ_LOOKBACK_EPOCHS = 2


@dataclass
class _Tail:
    """The last epochs' displacement and time, for lifts that start at a chunk's first epoch."""

    dz: np.ndarray = field(default_factory=lambda: np.empty(0))
    last_t: float | None = None


class EventBuilder:
    """Streaming epochs → events; `push` returns (decided_s, Event) pairs in a canonical order."""

    def __init__(self, cfg: PipelineConfig) -> None:
        self.cfg = cfg
        self.kinds = RunTracker(1.0, {"steps": "sum"})
        self.static = RunTracker(1.0)
        self.bends = RunTracker(
            1.0 / N_SUB,
            {
                "peak": "max",
                "n20": "sum",
                "n45": "sum",
                "n60": "sum",
                "seated": "sum",
            },
        )
        self.lifts = LiftFinder(cfg)
        self.tail = _Tail()

    def push(self, f: EpochFeatures, c: Classified, *, final: bool = False) -> list[Event]:
        cfg, out = self.cfg, []
        t = f.t_s
        # Gaps: epochs are missing between two epochs more than 1 s apart.
        if len(f):
            prev = np.r_[self.tail.last_t if self.tail.last_t is not None else t[0] - 1, t[:-1]]
            for a, b in zip(prev[t - prev > 1.5] + 1.0, t[t - prev > 1.5], strict=True):
                out.append((float(b), Event("gap", float(a), float(b))))
            self.tail.last_t = float(t[-1])
        p = c.posture
        kind = np.full(len(f), -1)
        kind[p == SITTING] = _KIND_SIT
        kind[p == LYING] = _KIND_LIE
        kind[(p == WALKING) | (p == RUNNING)] = _KIND_WALK
        kind_vals = {"steps": f.steps}
        for r in self.kinds.push(t, kind, kind_vals, final=final):
            out.append((r.decided_s, self._kind_event(r)))
        quiet = (f.activity_g < cfg.static_activity_g) & (p != WALKING) & (p != RUNNING)
        for r in self.static.push(t, np.where(quiet, p, -1), final=final):
            if r.end_s - r.start_s >= cfg.static_min_s:
                out.append((r.decided_s, Event("static", r.start_s, r.end_s)))
        look = self._lowering(f)
        out.extend(self._bends(f, c, look, final))
        out.extend(self.lifts.push(f, c, look, final=final))
        order = {name: i for i, name in enumerate(EVENT_TYPES)}
        out.sort(key=lambda de: (de[0], order[de[1].type], de[1].start_s))
        return [e for _, e in out]

    def _kind_event(self, r: Run) -> Event:
        dur = r.end_s - r.start_s
        if r.label == _KIND_SIT:
            return Event("sitting_bout", r.start_s, r.end_s)
        if r.label == _KIND_LIE:
            return Event("lying", r.start_s, r.end_s)
        steps = int(r.values["steps"])
        return Event(
            "walk", r.start_s, r.end_s, steps=steps, attrs={"cadence_spm": 60.0 * steps / dur}
        )

    def _lowering(self, f: EpochFeatures) -> np.ndarray:
        """Per epoch, the deepest net displacement from DZ_LOOKBACK_EPOCHS before it."""
        n, lb = len(f), DZ_LOOKBACK_EPOCHS
        dz_all = np.r_[np.full(lb - self.tail.dz.size, np.inf), self.tail.dz, f.dz_net_m]
        look = dz_all[lb:].copy()
        for j in range(1, lb + 1):
            look = np.minimum(look, dz_all[lb - j : lb - j + n])
        self.tail.dz = dz_all[-lb:][np.isfinite(dz_all[-lb:])]
        return look

    def _bends(
        self, f: EpochFeatures, c: Classified, look: np.ndarray, final: bool
    ) -> list[tuple[float, Event]]:
        cfg = self.cfg
        seated = np.repeat(c.posture == SITTING, N_SUB)
        ang = c.trunk_sub_deg
        mask = (ang >= cfg.bend_deg) & (c.posture != LYING)[:, None]
        ts = (f.t_s[:, None] + np.arange(N_SUB) / N_SUB).reshape(-1)
        vals = {
            "peak": ang.reshape(-1),
            "n20": (ang >= cfg.bend_deg).reshape(-1),
            "n45": (ang >= sensor_deg(45.0, cfg.placement)).reshape(-1),
            "n60": (ang >= sensor_deg(60.0, cfg.placement)).reshape(-1),
            "seated": seated,
        }
        out = []
        for r in self.bends.push(ts, np.where(mask.reshape(-1), 0, -1), vals, final=final):
            dur = r.end_s - r.start_s
            if dur < MIN_BEND_S - 1e-9:
                continue
            v = r.values
            peak = float(v["peak"])
            if v["seated"] >= 0.5 * dur * N_SUB and peak < cfg.seated_bend_deg:
                continue  # leaning forward on a chair (G10), not a bend
            attrs = {
                "over20_s": v["n20"] / N_SUB,
                "over45_s": v["n45"] / N_SUB,
                "over60_s": v["n60"] / N_SUB,
            }
            out.append((r.decided_s, Event("bend", r.start_s, r.end_s, peak_deg=peak, attrs=attrs)))
        return out

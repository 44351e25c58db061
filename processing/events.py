"""Events from classified epochs: sitting bouts, lying, walks, static postures, bends, lifts, gaps.

Why: the guidance rules count bouts and movements, not seconds. Each event type is a run of a
label (see `runs.RunTracker`), so the open event of a live session is carried between chunks and
emitted only once it has ended (or at flush).

Bends and lifts (G3, G4) work at 5 Hz on the forward inclination while standing or active:
a bend is a run over `bend_deg` (at least 0.4 s) with its peak and time over 20/45/60°. A bend
that is short (≤ `lift_max_s`) and deep (≥ `lift_min_deg`) or that lowers the body
(≥ `lift_drop_m`) is also a lift (a pick-up movement, down and back up). Its style:
`back` when the trunk went to `lift_back_deg` or deeper while the body lowered less than
`lift_drop_m` (stoop), else `legs` (squat). The body's lowering is the deepest net displacement
of the 4 s windows from 2 s before the bend to its end (`features.dz_net_m`), less what the
flexion itself does to a sensor `sensor_above_hip_m` above the hip joint.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import N_SUB, EpochFeatures
from backcoach.processing.posture import (
    LYING,
    RUNNING,
    SITTING,
    STANDING,
    WALKING,
    Classified,
)
from backcoach.processing.runs import Run, RunTracker
from backcoach.processing.types import EVENT_TYPES, Event

_KIND_SIT, _KIND_LIE, _KIND_WALK = 0, 1, 2
MIN_BEND_S = 0.4
DZ_LOOKBACK_EPOCHS = 2
MAX_PLAUSIBLE_DROP_M = 0.8


@dataclass
class _Tail:
    """The last epochs' displacement and time, for lifts that start at a chunk's first epoch."""

    dz: np.ndarray = field(default_factory=lambda: np.empty(0))
    last_t: float | None = None
    base_deg: float = 0.0  # trunk angle of the latest still, near-upright standing epoch


class EventBuilder:
    """Streaming epochs → events; `push` returns (decided_s, Event) pairs in a canonical order."""

    def __init__(self, cfg: PipelineConfig) -> None:
        self.cfg = cfg
        self.kinds = RunTracker(1.0, {"steps": "sum", "peak": "max", "base": "max"})
        self.static = RunTracker(1.0)
        self.bends = RunTracker(
            1.0 / N_SUB,
            {
                "peak": "max",
                "n20": "sum",
                "n45": "sum",
                "n60": "sum",
                "dz": "min",
                "seated": "sum",
                "base": "max",
            },
        )
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
        base = self._base(f, c)
        kind = np.full(len(f), -1)
        kind[p == SITTING] = _KIND_SIT
        kind[p == LYING] = _KIND_LIE
        kind[(p == WALKING) | (p == RUNNING)] = _KIND_WALK
        kind_vals = {"steps": f.steps, "peak": c.trunk_deg, "base": base}
        for r in self.kinds.push(t, kind, kind_vals, final=final):
            out.append((r.decided_s, self._kind_event(r)))
            if r.label == _KIND_SIT and r.end_s - r.start_s <= cfg.squat_max_s:
                # Down and straight back up within seconds: a squat (a lift with the legs) rather
                # than a sit, unless the trunk went deep.
                peak = float(r.values["peak"])
                rel = peak - float(r.values["base"])
                style = "back" if rel >= cfg.lift_back_deg else "legs"
                lift = Event(
                    "lift",
                    r.start_s,
                    r.end_s,
                    peak_deg=peak,
                    style=style,
                    attrs={"rel_peak_deg": rel},
                )
                out.append((r.decided_s, lift))
        quiet = (f.activity_g < cfg.static_activity_g) & (p != WALKING) & (p != RUNNING)
        for r in self.static.push(t, np.where(quiet, p, -1), final=final):
            if r.end_s - r.start_s >= cfg.static_min_s:
                out.append((r.decided_s, Event("static", r.start_s, r.end_s)))
        out.extend(self._bends(f, c, base, final))
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

    def _base(self, f: EpochFeatures, c: Classified) -> np.ndarray:
        """Per epoch, the trunk angle of the latest still, near-upright standing epoch.

        Lift styles compare the peak against it: the same bend reads the same whether the
        sensor (or the wearer's standing posture) sits a few degrees off.
        """
        cfg = self.cfg
        ok = (
            (c.posture == STANDING)
            & (f.activity_g < cfg.still_activity_g)
            & (np.abs(c.trunk_deg) < cfg.bend_deg)
        )
        n = len(f)
        last = np.where(ok, np.arange(n), -1)
        np.maximum.accumulate(last, out=last)
        base = np.where(last >= 0, c.trunk_deg[np.maximum(last, 0)], self.tail.base_deg)
        if n:
            self.tail.base_deg = float(base[-1])
        return base.astype(np.float64)

    def _bends(
        self, f: EpochFeatures, c: Classified, base: np.ndarray, final: bool
    ) -> list[tuple[float, Event]]:
        cfg = self.cfg
        n = len(f)
        # Deepest lowering over the window from DZ_LOOKBACK_EPOCHS before each epoch.
        lb = DZ_LOOKBACK_EPOCHS
        dz_all = np.r_[np.full(lb - self.tail.dz.size, np.inf), self.tail.dz, f.dz_net_m]
        look = dz_all[lb:].copy()
        for j in range(1, lb + 1):
            look = np.minimum(look, dz_all[lb - j : lb - j + n])
        self.tail.dz = dz_all[-lb:][np.isfinite(dz_all[-lb:])]
        seated = np.repeat(c.posture == SITTING, N_SUB)
        ang = c.trunk_sub_deg
        mask = (ang >= cfg.bend_deg) & (c.posture != LYING)[:, None]
        ts = (f.t_s[:, None] + np.arange(N_SUB) / N_SUB).reshape(-1)
        vals = {
            "peak": ang.reshape(-1),
            "n20": (ang >= 20).reshape(-1),
            "n45": (ang >= 45).reshape(-1),
            "n60": (ang >= 60).reshape(-1),
            "dz": np.repeat(look, N_SUB),
            "seated": seated,
            "base": np.repeat(base, N_SUB),
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
            # The sensor sits above the hip, so flexion alone lowers it: that part is not the body.
            flex = cfg.sensor_above_hip_m * (1.0 - np.cos(np.radians(min(peak, 90.0))))
            drop = max(0.0, -float(v["dz"]) - flex)
            if drop > MAX_PLAUSIBLE_DROP_M:
                drop = 0.0  # nobody's pelvis drops this far in a lift: an integration failure
            rel = peak - float(v["base"])
            if dur <= cfg.lift_max_s and (peak >= cfg.lift_min_deg or drop >= cfg.lift_drop_m):
                style = "back" if rel >= cfg.lift_back_deg and drop < cfg.lift_drop_m else "legs"
                out.append(
                    (
                        r.decided_s,
                        Event(
                            "lift",
                            r.start_s,
                            r.end_s,
                            peak_deg=peak,
                            style=style,
                            attrs={"drop_m": drop, "rel_peak_deg": rel},
                        ),
                    )
                )
        return out

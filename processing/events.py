"""Events from classified epochs: sitting bouts, lying, walks, static postures, bends, lifts, gaps.

Why: the guidance rules count bouts and movements, not seconds. Each event type is a run of a
label (see `runs.RunTracker`), so the open event of a live session is carried between chunks and
emitted only once it has ended (or at flush).

Bends and lifts (G3, G4) work at 5 Hz on the forward inclination. A bend is a run over
`bend_deg` (at least 0.4 s) while not lying, with its peak and time over 20/45/60°.
A lift (a pick-up movement, down and back up) is measured against the still posture the movement
started from (`EventBuilder._base`), not against upright and not through the posture label (a
belt sensor often reads a squat as sitting): a run of at least 0.4 s and at most `lift_max_s`
`lift_dip_deg` or more forward of that base, whose peak reaches `lift_min_deg` beyond it or that
lowers the body by `lift_drop_m`. Its style: `back` when the trunk went `lift_back_deg` or
further forward while the body lowered less than `lift_drop_m` (stoop), else `legs` (squat).
The body's lowering is the deepest net displacement of the 4 s windows from 2 s before to the
end (`features.dz_net_m`), less what the flexion itself does to a sensor `sensor_above_hip_m`
above the hip joint.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import G_MS2, N_SUB, EpochFeatures
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
MAX_PLAUSIBLE_DROP_M = 0.8
MAX_PLAUSIBLE_RISE_M = 0.2
LOWER_PRE_S = 3.0  # how far before a lift its starting still phase is looked for
LOWER_AFTER_S = 3.0  # and after it its ending one: a lift is decided this long after its end
LOWER_STILL_G = 0.015  # |a| standard deviation over 0.2 s below which the sensor is still
LOWER_STILL_DEG = 2.0  # and it turns less than this from the 0.2 s before
LOWER_MIN_STILL_S = 0.4  # a still phase lasts at least this long
LOWER_BOTTOM = 0.7  # the bottom of a lift: turned this share of the largest turn or more
COME_BACK_S = 6.0  # a pick-up has the trunk back up within this after its deepest part ...
COME_BACK_SHARE = 0.5  # ... by at least this share of how far it turned


@dataclass(frozen=True)
class _Samples:
    """A few seconds at the internal rate, for the lowering of a lift."""

    t: np.ndarray
    mag: np.ndarray  # |a|
    still: np.ndarray  # the 0.2 s around it is still
    level: np.ndarray  # mean |a| of that 0.2 s
    g: np.ndarray  # gravity direction of that 0.2 s
    fs: float


def _samples(blocks: list, t0: float, t1: float) -> _Samples:
    """Samples of the epochs (t_s, mag, g_sub) that overlap [t0, t1)."""
    parts = []
    for bt, bm, bg in blocks:  # each block's epochs are sorted: slice, then join
        a, b = np.searchsorted(bt, [t0 - 1.0, t1], side="right")
        if b > a:
            parts.append((bt[a:b], bm[a:b], bg[a:b]))
    if not parts:
        return _Samples(*(np.empty(0),) * 4, np.empty((0, 3)), 25.0)
    t = np.concatenate([p[0] for p in parts])
    mag = np.concatenate([p[1] for p in parts])
    g_sub = np.concatenate([p[2] for p in parts])
    n, fs = mag.shape
    k = fs // N_SUB
    sub = mag[:, : k * N_SUB].reshape(n, N_SUB, k)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gs = g_sub.reshape(-1, 3)
        gs = gs / np.maximum(np.linalg.norm(gs, axis=1, keepdims=True), 1e-9)
        cos = np.einsum("ij,ij->i", gs[1:], gs[:-1])
        turn = np.degrees(np.arccos(np.clip(np.r_[1.0, cos], -1.0, 1.0)))
        quiet = (np.std(sub, axis=2) < LOWER_STILL_G).reshape(-1) & (turn < LOWER_STILL_DEG)
        still = np.repeat(quiet, k)
        level = np.repeat(np.mean(sub, axis=2).reshape(-1), k)
    ts = (t[:, None] + np.arange(k * N_SUB) / fs).reshape(-1)
    g = np.repeat(g_sub.reshape(-1, 3), k, axis=0)
    keep = (ts >= t0) & (ts < t1)
    return _Samples(ts[keep], sub.reshape(-1)[keep], still[keep], level[keep], g[keep], float(fs))


def _lowering_m(s: _Samples, start: float, end: float) -> float:
    """The body's lowering over a lift (m, positive down), or NaN when it cannot be told.

    The sensor's |a| is integrated twice from the still phase before the lift to the still
    bottom of it (descent), and from there to the still phase after it (rise, sign reversed);
    the result is their mean. The bottom is the first still phase in which the trunk is
    turned at least `LOWER_BOTTOM` of its largest turn from the posture before (in any
    direction: a squatting pelvis tilts back at the bottom). The 1 g reference is the still
    phases' own mean |a|, linearly between the two ends, which removes the sensor's gain and
    offset error (on a belt sensor they change |a| at rest by up to 0.2 g with the
    orientation), and the velocity is detrended to zero at both ends.
    """
    fs = s.fs
    before = np.flatnonzero(s.still & (s.t < start) & (s.t >= start - LOWER_PRE_S))
    if before.size == 0:
        return float("nan")
    i0 = int(before[-1])
    g = s.g / np.maximum(np.linalg.norm(s.g, axis=1, keepdims=True), 1e-9)
    turn = np.degrees(np.arccos(np.clip(g @ g[i0], -1.0, 1.0)))
    turn[: i0 + 1] = 0.0
    edges = np.flatnonzero(np.diff(np.r_[0, s.still.astype(np.int8), 0])).reshape(-1, 2)
    edges = edges[(edges[:, 0] > i0) & (edges[:, 1] - edges[:, 0] >= LOWER_MIN_STILL_S * fs)]
    if edges.size == 0:
        return float("nan")
    deep = np.array([turn[a:b].mean() for a, b in edges]) >= LOWER_BOTTOM * np.nanmax(turn)
    if not deep.any():
        return float("nan")
    k = int(np.argmax(deep))
    b0, b1 = int(edges[k, 0]), int(edges[k, 1]) - 1
    down = _net_dz(s, i0, b0, fs)
    if k + 1 >= len(edges):
        return -down
    up = _net_dz(s, b1, int(edges[k + 1, 0]), fs)
    return -(down - up) / 2.0


def _net_dz(s: _Samples, i: int, j: int, fs: float) -> float:
    if j <= i + 1:
        return 0.0
    seg = s.mag[i : j + 1]
    ref = np.linspace(s.level[i], s.level[j], seg.size)
    v = np.cumsum((seg - ref) * G_MS2) / fs
    v = v - np.linspace(0.0, v[-1], v.size)
    return float(np.sum(v) / fs)


@dataclass
class _Tail:
    """The last epochs' displacement and time, for lifts that start at a chunk's first epoch."""

    dz: np.ndarray = field(default_factory=lambda: np.empty(0))
    last_t: float | None = None
    base_deg: float = 0.0  # the latest lift baseline (see `EventBuilder._base`)
    prev_deg: float = np.nan  # the last epoch's trunk angle
    base_t: float = -np.inf  # when the base was set
    held: int = 0  # still epochs in a row at the end of the last chunk
    base_moves: int = 0  # epochs with movement since the base was set


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
        self.dips = RunTracker(
            1.0 / N_SUB, {"peak": "max", "rel": "max", "relmin": "min", "base": "min", "dz": "min"}
        )
        self.tail = _Tail()
        self.blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # recent epochs
        self.pending: list[tuple[float, Run]] = []  # lift candidates waiting for LOWER_AFTER_S
        self.postures: list[tuple[np.ndarray, ...]] = []  # recent (t_s, posture, 5 Hz angle)

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
        kind_vals = {"steps": f.steps}
        for r in self.kinds.push(t, kind, kind_vals, final=final):
            out.append((r.decided_s, self._kind_event(r)))
        quiet = (f.activity_g < cfg.static_activity_g) & (p != WALKING) & (p != RUNNING)
        for r in self.static.push(t, np.where(quiet, p, -1), final=final):
            if r.end_s - r.start_s >= cfg.static_min_s:
                out.append((r.decided_s, Event("static", r.start_s, r.end_s)))
        look = self._lowering(f)
        out.extend(self._bends(f, c, look, final))
        out.extend(self._lifts(f, c, base, look, final))
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
        """Per epoch, the trunk angle of the still posture the current movement started from.

        Lifts are measured against it: a bend reads the same whether the sensor (or the
        wearer's standing posture) sits a few degrees off. A still epoch becomes the new base
        unless it is `lift_dip_deg` or more forward of the base (the held part of a stoop) and
        neither held still for `lift_hold_s` nor the base older than `lift_max_s` (a forward
        posture held that long is the new posture, e.g. after the sensor moved).
        Posture is not used: a belt sensor often cannot tell standing from sitting, but a
        still trunk is still. The loop runs over still epochs only, once per second.
        """
        cfg = self.cfg
        n = len(f)
        turn = np.abs(np.diff(np.r_[self.tail.prev_deg, c.trunk_deg]))
        if n:
            self.tail.prev_deg = float(c.trunk_deg[-1])
        still = (
            (f.activity_g < cfg.still_activity_g)
            & ~(turn >= cfg.still_turn_deg)
            & (c.posture != LYING)
            & (c.posture != WALKING)
            & (c.posture != RUNNING)
        )
        # Still epochs in a row up to each one (carried across chunks).
        pos = np.arange(n)
        last_moving = np.maximum.accumulate(np.where(still, -1, pos)) if n else pos
        held = np.where(last_moving >= 0, pos - last_moving, pos + 1 + self.tail.held)
        if n:
            self.tail.held = int(held[-1])
        idx = np.flatnonzero(still)
        taken = np.zeros(idx.size, bool)
        # Epochs with movement since the base: a held stoop follows one; a change of angle
        # without any (the sensor moved on the body, a slow lean) simply is the new posture.
        cum = np.cumsum(f.activity_g >= cfg.lift_move_activity_g)
        b, bt, bc = self.tail.base_deg, self.tail.base_t, -self.tail.base_moves
        dip, age, hold = cfg.lift_dip_deg, cfg.lift_max_s, cfg.lift_hold_s
        rows = zip(
            f.t_s[idx].tolist(),
            c.trunk_deg[idx].tolist(),
            held[idx].tolist(),
            cum[idx].tolist(),
            strict=True,
        )
        back = cfg.lift_back_tilt_deg
        for j, (te, ae, he, ce) in enumerate(rows):
            if b - back < ae < b + dip or te - bt > age or he >= hold or ce == bc:
                b, bt, bc = ae, te, ce
                taken[j] = True
        if n:
            self.tail.base_moves = int(cum[-1] - bc)
        # Each epoch uses the base set before it (the epoch itself may already move).
        set_at = np.full(n, -1)
        set_at[idx[taken]] = idx[taken]
        last = np.maximum.accumulate(np.r_[-1, set_at[:-1]]) if n else set_at
        base = np.where(last >= 0, c.trunk_deg[np.maximum(last, 0)], self.tail.base_deg)
        self.tail.base_deg, self.tail.base_t = b, bt
        return base.astype(np.float64)

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
            "n20": (ang >= 20).reshape(-1),
            "n45": (ang >= 45).reshape(-1),
            "n60": (ang >= 60).reshape(-1),
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

    def _lifts(
        self, f: EpochFeatures, c: Classified, base: np.ndarray, look: np.ndarray, final: bool
    ) -> list[tuple[float, Event]]:
        """Lifts: short dips of the trunk forward of the still posture before them (5 Hz)."""
        cfg = self.cfg
        ang = c.trunk_sub_deg
        rel = ang - base[:, None]
        moving = (c.posture == WALKING) | (c.posture == RUNNING)
        mask = ((rel >= cfg.lift_dip_deg) | (rel <= -cfg.lift_back_tilt_deg)) & ~moving[:, None]
        ts = (f.t_s[:, None] + np.arange(N_SUB) / N_SUB).reshape(-1)
        vals = {
            "peak": ang.reshape(-1),
            "rel": rel.reshape(-1),
            "relmin": rel.reshape(-1),
            "base": np.repeat(base, N_SUB),
            "dz": np.repeat(look, N_SUB),
        }
        if len(f):
            self.blocks.append((f.t_s, f.mag, f.g_sub))
            self.postures.append((f.t_s, c.posture, c.trunk_sub_deg))
        for r in self.dips.push(ts, np.where(mask.reshape(-1), 0, -1), vals, final=final):
            dur = r.end_s - r.start_s
            if MIN_BEND_S - 1e-9 <= dur <= cfg.lift_max_s:
                self.pending.append((r.end_s + max(LOWER_AFTER_S, COME_BACK_S), r))
        horizon = np.inf if final else (ts[-1] if ts.size else -np.inf)
        ready = [(d, r) for d, r in self.pending if d <= horizon]
        self.pending = [(d, r) for d, r in self.pending if d > horizon]
        out = []
        for decided, r in ready:
            v = r.values
            peak, rel_peak = float(v["peak"]), float(v["rel"])
            # The sensor sits above the hip, so flexion alone lowers it: that part is not the body.
            flex_deg = min(max(rel_peak, 0.0), 90.0)
            flex = cfg.sensor_above_hip_m * (1.0 - np.cos(np.radians(flex_deg)))
            drop = max(0.0, -float(v["dz"]) - flex)
            if drop > MAX_PLAUSIBLE_DROP_M:
                drop = 0.0  # nobody's pelvis drops this far in a lift: an integration failure
            tilt_back = -float(v["relmin"])  # the pelvis tilting back: a waist sensor's squat
            squat_tilt = tilt_back >= cfg.lift_back_tilt_deg
            if rel_peak < cfg.lift_min_deg and drop < cfg.lift_drop_m and not squat_tilt:
                continue
            if not self._came_back(r.end_s, float(v["base"]), max(rel_peak, tilt_back)):
                continue  # the trunk stayed turned: a held bend (G4), not a pick-up
            if self._seated_around(r.start_s, r.end_s):
                continue  # a lean from a chair, a sit-down or a stand-up: not a pick-up
            low = _lowering_m(
                _samples(self.blocks, r.start_s - LOWER_PRE_S, r.end_s + LOWER_AFTER_S),
                r.start_s,
                r.end_s,
            )
            if np.isfinite(low):
                low -= flex
            if not -MAX_PLAUSIBLE_RISE_M <= low <= MAX_PLAUSIBLE_DROP_M:
                low = float("nan")  # a lift does not raise the body: an integration failure
            if np.isfinite(low) and cfg.lift_lowering_m < MAX_PLAUSIBLE_DROP_M:
                back = low < cfg.lift_lowering_m and drop < cfg.lift_drop_m
            else:
                back = rel_peak >= cfg.lift_back_deg and drop < cfg.lift_drop_m
            attrs = {"drop_m": drop, "rel_peak_deg": rel_peak}
            if np.isfinite(low):
                attrs["lowering_m"] = float(low)
            lift = Event(
                "lift",
                r.start_s,
                r.end_s,
                peak_deg=peak,
                style="back" if back else "legs",
                attrs=attrs,
            )
            out.append((decided, lift))
        keep_from = horizon - (cfg.lift_max_s + LOWER_PRE_S + max(LOWER_AFTER_S, COME_BACK_S) + 2.0)
        while self.blocks and self.blocks[0][0][-1] < keep_from:
            self.blocks.pop(0)
        while self.postures and self.postures[0][0][-1] < keep_from:
            self.postures.pop(0)
        return out

    def _came_back(self, end_s: float, base_deg: float, turn_deg: float) -> bool:
        """Whether the trunk came back at least `COME_BACK_SHARE` of the way to where it started
        within `COME_BACK_S` after the movement (a pick-up goes down and comes back up; the
        dip may end at a still bottom, which becomes the base, before the trunk rises; a bend
        held longer is work in a bent posture, G4, not a pick-up)."""
        t = np.concatenate([b[0] for b in self.postures])
        ang = np.concatenate([b[2] for b in self.postures])
        ts = (t[:, None] + np.arange(N_SUB) / N_SUB).reshape(-1)
        after = ang.reshape(-1)[(ts >= end_s) & (ts < end_s + COME_BACK_S)]
        if after.size == 0:
            return True
        return bool(np.any(np.abs(after - base_deg) <= (1.0 - COME_BACK_SHARE) * turn_deg))

    def _seated_around(self, start_s: float, end_s: float) -> bool:
        """Whether the wearer sat `lift_seated_guard_s` before a movement, or was seated after
        it (a second before `COME_BACK_S` and still at it): a lean from a chair, a
        stand-up or a sit-down. A squat's bottom may read as a moment of sitting; a lift
        followed at once by a walk is still a lift."""
        guard = self.cfg.lift_seated_guard_s
        if not guard or not self.postures:
            return False
        t = np.concatenate([b[0] for b in self.postures])
        p = np.concatenate([b[1] for b in self.postures])
        # Seated by COME_BACK_S after it (the sitting state begins once the sit-down is still,
        # a few seconds after the lean that led into it) and still then: it ended in a seat.
        when = [start_s - guard, end_s + COME_BACK_S - 1.0, end_s + COME_BACK_S]
        at = np.searchsorted(t, when, side="right") - 1
        seated = (at >= 0) & (p[np.maximum(at, 0)] == SITTING)
        return bool(seated[0] or (seated[1] and seated[2]))

"""Lifts (G3): movements down and back up, found against the still posture they start from.

Why a module of its own: a lift is judged on a few seconds of signal around it, seconds after it
ended (did the trunk come back, was the wearer seated or lying, how did the body move), with
state carried between chunks; `events.EventBuilder` hands each chunk's epochs here.

1. Base: per epoch, the trunk angle of the still posture the current movement started from
   (`LiftFinder._base`): a bend reads the same whether the sensor or the wearer's standing
   posture sits a few degrees off. Lying resets it (getting up ends every movement).
2. Dips: runs (5 Hz) of the trunk `lift_dip_deg` or more forward of the base, or (a belt
   sensor's squat) the pelvis `lift_back_tilt_deg` or more back, while not walking.
3. Halves: at the waist a squat often shows as two dips, the pelvis tipping forward on the way
   down and again on the way up, with the bottom in between at the base angle. A dip whose
   body went down followed within `MERGE_S` by one whose body went up
   (`lift_figures.went_down` / `went_up`) is one movement.
4. A lift: 0.4 s to `lift_max_s` long, reaching `lift_min_deg` beyond the base (or the pelvis
   tilt, or a lowering of `lift_drop_m`), the trunk back at least half-way within
   `COME_BACK_S`, not seated around it (`lift_seated_guard_s`), no lying right after it.
5. Its figures (`lift_figures.measure`) and its style (`lift_style.classify`: back, legs or
   unsure) go on the event. The sensor cannot feel a load: a lift here is a pick-up *movement*.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import N_SUB, EpochFeatures
from backcoach.processing.lift_figures import (
    LOWER_AFTER_S,
    LOWER_PRE_S,
    LiftFigures,
    measure,
    went_down,
    went_up,
    window,
)
from backcoach.processing.lift_style import classify, deep_from_deg
from backcoach.processing.posture import LYING, RUNNING, SITTING, WALKING, Classified
from backcoach.processing.runs import Run, RunTracker
from backcoach.processing.types import Event

MIN_LIFT_S = 0.4
MAX_PLAUSIBLE_DROP_M = 0.8
MAX_PLAUSIBLE_RISE_M = 0.2
COME_BACK_S = 6.0  # a pick-up has the trunk back up within this after its deepest part ...
COME_BACK_SHARE = 0.5  # ... by at least this share of how far it turned
LYING_GUARD_S = 3.0  # lying this soon after a movement: not a pick-up
MERGE_S = 6.0  # a squat's way down and way up, this far apart at most, are one movement
WAIT_S = max(LOWER_AFTER_S, COME_BACK_S)  # a dip is judged this long after it ended


@dataclass
class _BaseState:
    """What the base carries between chunks (see `LiftFinder._base`)."""

    base_deg: float = 0.0  # the latest lift baseline
    prev_deg: float = np.nan  # the last epoch's trunk angle
    base_t: float = -np.inf  # when the base was set
    held: int = 0  # still epochs in a row at the end of the last chunk
    base_moves: int = 0  # epochs with movement since the base was set
    lay_t: float = -np.inf  # the last lying epoch


@dataclass
class LiftFinder:
    """Streaming epochs → lift events; `push` returns (decided_s, Event) pairs."""

    cfg: PipelineConfig
    state: _BaseState = field(default_factory=_BaseState)
    dips: RunTracker = field(
        default_factory=lambda: RunTracker(
            1.0 / N_SUB, {"peak": "max", "rel": "max", "relmin": "min", "base": "min", "dz": "min"}
        )
    )
    pending: list[Run] = field(default_factory=list)  # dips not judged yet, in order
    blocks: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # (t_s, mag, g_sub)
    postures: list[tuple[np.ndarray, ...]] = field(default_factory=list)  # (t_s, posture, 5 Hz)

    @property
    def base_deg(self) -> float:
        """The still trunk angle the next lift would be measured from."""
        return float(self.state.base_deg)

    def push(
        self, f: EpochFeatures, c: Classified, look: np.ndarray, *, final: bool
    ) -> list[tuple[float, Event]]:
        """Steps 1-5 for one chunk of epochs; `look` is the windowed lowering per epoch."""
        cfg = self.cfg
        base = self._base(f, c)
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
        self.pending.extend(
            self.dips.push(ts, np.where(mask.reshape(-1), 0, -1), vals, final=final)
        )
        horizon = np.inf if final else (ts[-1] if ts.size else -np.inf)
        out = self._judge_ready(horizon)
        keep_s = 2 * cfg.lift_max_s + MERGE_S + LOWER_PRE_S + WAIT_S + 2.0
        while self.blocks and self.blocks[0][0][-1] < horizon - keep_s:
            self.blocks.pop(0)
        while self.postures and self.postures[0][0][-1] < horizon - keep_s:
            self.postures.pop(0)
        return out

    def _judge_ready(self, horizon: float) -> list[tuple[float, Event]]:
        """Step 3-4 for every dip that can be judged by `horizon`, in order.

        A dip waits for every dip that started within `MERGE_S` after it (the first plausible
        one may be the same squat's way up): its decision time is the latest of their ends
        plus `WAIT_S`, so it is the same whatever the chunking.
        """
        out = []
        while self.pending:
            a = self.pending[0]
            op = self.dips.open
            if op is not None and op.label >= 0 and op.start_s - a.end_s <= MERGE_S:
                break  # a dip that may be its way up is still going on
            later = []
            for r in self.pending[1:]:  # in order of start
                if r.start_s - a.end_s > MERGE_S:
                    break
                later.append(r)
            decided = max(r.end_s for r in [a, *later]) + WAIT_S
            if decided > horizon:
                break
            self.pending.pop(0)
            if not self._plausible(a):
                continue
            cand = a
            nxt = next((r for r in later if self._plausible(r)), None)
            if nxt is not None and self._halves(a, nxt):
                self.pending.remove(nxt)
                cand = _joined(a, nxt)
            lift = self._lift(cand)
            if lift is not None:
                out.append((decided, lift))
        return out

    def _halves(self, a: Run, b: Run) -> bool:
        """Whether `a` is a squat's way down and `b` its way up (step 3)."""
        if not went_down(self._figures(a)):
            return False
        return went_up(self._figures(b, float(a.values["base"])))

    def _plausible(self, r: Run) -> bool:
        return MIN_LIFT_S - 1e-9 <= r.end_s - r.start_s <= self.cfg.lift_max_s

    def _flex_m(self, rel_peak: float) -> float:
        """How far the trunk's flexion alone lowers the sensor (it sits above the hip)."""
        flex_deg = min(max(rel_peak, 0.0), 90.0)
        return self.cfg.sensor_above_hip_m * (1.0 - np.cos(np.radians(flex_deg)))

    def _figures(self, r: Run, base_deg: float | None = None) -> LiftFigures:
        """The figures of dip `r`; its vertical movement runs until the trunk came back up (at
        most `WAIT_S` - 2 s after the dip: within the samples a decision can rely on)."""
        v = r.values
        base = float(v["base"]) if base_deg is None else base_deg
        t0, t1 = r.start_s - LOWER_PRE_S, r.end_s + WAIT_S - 1
        ang_t, rel_all = self._angles(base, t0, t1)
        turn = max(float(v["rel"]), -float(v["relmin"]))
        back = _back_at(ang_t, rel_all, r.end_s, turn)
        move_end = min(max(r.end_s, back if back is not None else r.end_s), r.end_s + WAIT_S - 2)
        w = window(self.blocks, t0, t1)
        flex = self._flex_m(float(v["rel"]))
        deep = deep_from_deg(self.cfg.placement)
        return measure(w, ang_t, rel_all, r.start_s, r.end_s, move_end, flex, deep)

    def _lift(self, r: Run) -> Event | None:
        """Step 4-5: the lift event of a (joined) dip, or None when it is not a pick-up."""
        cfg, v = self.cfg, r.values
        rel_peak = float(v["rel"])
        drop = max(0.0, -float(v["dz"]) - self._flex_m(rel_peak))
        if drop > MAX_PLAUSIBLE_DROP_M:
            drop = 0.0  # nobody's pelvis drops this far in a lift: an integration failure
        tilt_back = -float(v["relmin"])  # the pelvis tilting back: a waist sensor's squat
        squat_tilt = tilt_back >= cfg.lift_back_tilt_deg
        if rel_peak < cfg.lift_min_deg and drop < cfg.lift_drop_m and not squat_tilt:
            return None
        if not self._came_back(r.end_s, float(v["base"]), max(rel_peak, tilt_back)):
            return None  # the trunk stayed turned: a held bend (G4), not a pick-up
        if self._seated_around(r.start_s, r.end_s):
            return None  # a lean from a chair, a sit-down or a stand-up: not a pick-up
        if self._lying_after(r.end_s):
            return None  # lying down, or turning in bed: not a pick-up
        fig = self._figures(r)
        attrs = {**fig.attrs(), "drop_m": drop}
        low = fig.lowering_m
        if not -MAX_PLAUSIBLE_RISE_M <= low <= MAX_PLAUSIBLE_DROP_M:
            attrs.pop("lowering_m", None)  # a lift does not raise the body: a failed integration
            fig = replace(fig, lowering_m=float("nan"))
        style, p_back = classify(fig, cfg.placement)
        attrs["p_back"] = p_back
        return Event(
            "lift", r.start_s, r.end_s, peak_deg=float(v["peak"]), style=style, attrs=attrs
        )

    def _base(self, f: EpochFeatures, c: Classified) -> np.ndarray:
        """Per epoch, the trunk angle of the still posture the current movement started from.

        A still epoch becomes the new base unless it is `lift_dip_deg` or more forward of the
        base (the held part of a stoop) and neither held still for `lift_hold_s` nor the base
        older than `lift_max_s` (a forward posture held that long is the new posture, e.g.
        after the sensor moved), nor the wearer lay down since the base was set. Posture is
        not used otherwise: a belt sensor often cannot tell standing from sitting, but a still
        trunk is still. The loop runs over still epochs only, once per second.
        """
        cfg, st = self.cfg, self.state
        n = len(f)
        turn = np.abs(np.diff(np.r_[st.prev_deg, c.trunk_deg]))
        if n:
            st.prev_deg = float(c.trunk_deg[-1])
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
        held = np.where(last_moving >= 0, pos - last_moving, pos + 1 + st.held)
        if n:
            st.held = int(held[-1])
        idx = np.flatnonzero(still)
        taken = np.zeros(idx.size, bool)
        # Epochs with movement since the base: a held stoop follows one; a change of angle
        # without any (the sensor moved on the body, a slow lean) simply is the new posture.
        cum = np.cumsum(f.activity_g >= cfg.lift_move_activity_g)
        lay = np.maximum.accumulate(np.where(c.posture == LYING, f.t_s, st.lay_t))
        if n:
            st.lay_t = float(lay[-1])
        b, bt, bc = st.base_deg, st.base_t, -st.base_moves
        dip, age, hold, back = (
            cfg.lift_dip_deg,
            cfg.lift_max_s,
            cfg.lift_hold_s,
            cfg.lift_back_tilt_deg,
        )
        rows = zip(
            f.t_s[idx].tolist(),
            c.trunk_deg[idx].tolist(),
            held[idx].tolist(),
            cum[idx].tolist(),
            lay[idx].tolist(),
            strict=True,
        )
        for j, (te, ae, he, ce, le) in enumerate(rows):
            if b - back < ae < b + dip or te - bt > age or he >= hold or ce == bc or le > bt:
                b, bt, bc = ae, te, ce
                taken[j] = True
        if n:
            st.base_moves = int(cum[-1] - bc)
        # Each epoch uses the base set before it (the epoch itself may already move).
        set_at = np.full(n, -1)
        set_at[idx[taken]] = idx[taken]
        last = np.maximum.accumulate(np.r_[-1, set_at[:-1]]) if n else set_at
        base = np.where(last >= 0, c.trunk_deg[np.maximum(last, 0)], st.base_deg)
        st.base_deg, st.base_t = b, bt
        return base.astype(np.float64)

    def _kept(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept epochs (t_s, posture, 5 Hz angles) that overlap [t0, t1)."""
        parts = []
        for bt, bp, ba in self.postures:  # each block is sorted: slice, then join
            a, b = np.searchsorted(bt, [t0 - 1.0, t1], side="right")
            if b > a:
                parts.append((bt[a:b], bp[a:b], ba[a:b]))
        if not parts:
            return np.empty(0), np.empty(0, np.int8), np.empty((0, N_SUB))
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))

    def _angles(self, base_deg: float, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """The kept 5 Hz trunk angles around [t0, t1) (times, degrees forward of `base_deg`)."""
        t, _, ang = self._kept(t0, t1)
        ts = (t[:, None] + np.arange(N_SUB) / N_SUB).reshape(-1)
        return ts, ang.reshape(-1).astype(np.float64) - base_deg

    def _came_back(self, end_s: float, base_deg: float, turn_deg: float) -> bool:
        """Whether the trunk came back at least `COME_BACK_SHARE` of the way to where it started
        within `COME_BACK_S` after the movement (a pick-up goes down and comes back up; the
        dip may end at a still bottom, which becomes the base, before the trunk rises; a bend
        held longer is work in a bent posture, G4, not a pick-up)."""
        ts, rel = self._angles(base_deg, end_s, end_s + COME_BACK_S)
        return _back_at(ts, rel, end_s, turn_deg) is not None

    def _lying_after(self, end_s: float) -> bool:
        """Whether the wearer lay within `LYING_GUARD_S` after a movement: lying down passes
        through inclinations a pick-up never reaches. (Lying before it is not checked: the base
        is reset after lying, and a deep stoop may itself read as lying at its bottom.)"""
        t, p, _ = self._kept(end_s, end_s + LYING_GUARD_S)
        after = (t >= end_s) & (t < end_s + LYING_GUARD_S)
        return bool(np.any(p[after] == LYING))

    def _seated_around(self, start_s: float, end_s: float) -> bool:
        """Whether the wearer sat `lift_seated_guard_s` before a movement, or was seated after
        it (a second before `COME_BACK_S` and still at it): a lean from a chair, a
        stand-up or a sit-down. A squat's bottom may read as a moment of sitting; a lift
        followed at once by a walk is still a lift."""
        guard = self.cfg.lift_seated_guard_s
        if not guard or not self.postures:
            return False
        # Seated by COME_BACK_S after it (the sitting state begins once the sit-down is still,
        # a few seconds after the lean that led into it) and still then: it ended in a seat.
        when = [start_s - guard, end_s + COME_BACK_S - 1.0, end_s + COME_BACK_S]
        t, p, _ = self._kept(when[0] - 1.0, when[2] + 1.0)
        at = np.searchsorted(t, when, side="right") - 1
        seated = (at >= 0) & (p[np.maximum(at, 0)] == SITTING)
        return bool(seated[0] or (seated[1] and seated[2]))


def _back_at(ts: np.ndarray, rel: np.ndarray, end_s: float, turn_deg: float) -> float | None:
    """When the trunk came back (see `LiftFinder._came_back`) after `end_s`; None if it did not
    within `COME_BACK_S` (`end_s` itself when no angles are kept there)."""
    sel = (ts >= end_s) & (ts < end_s + COME_BACK_S)
    if not sel.any():
        return end_s
    hit = np.flatnonzero(np.abs(rel[sel]) <= (1.0 - COME_BACK_SHARE) * turn_deg)
    return float(ts[sel][hit[0]]) if hit.size else None


def _joined(a: Run, b: Run) -> Run:
    """One movement from a squat's way down `a` and way up `b` (measured from `a`'s base)."""
    va, vb = a.values, b.values
    values = {
        "peak": max(va["peak"], vb["peak"]),
        "rel": max(va["rel"], vb["rel"] + vb["base"] - va["base"]),
        "relmin": min(va["relmin"], vb["relmin"] + vb["base"] - va["base"]),
        "base": va["base"],
        "dz": min(va["dz"], vb["dz"]),
    }
    return Run(a.label, a.start_s, b.end_s, values, b.decided_s)

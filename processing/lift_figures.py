"""What one accelerometer can say about a pick-up movement: its continuous figures.

Why a module of its own: a lift (bending down and coming back up, `events.EventBuilder._lifts`
finds them) is described by a handful of numbers measured on its own few seconds of signal, and
the style (`lift_style`) is decided from those numbers alone. The sensor cannot feel a load: a
stoop to tie a shoe and a stoop to lift a crate read the same, so the figures describe the
movement, never the weight.

Figures (`LiftFigures`, all kept on the lift event beside its style):

1. `rel_peak_deg` — the deepest forward inclination beyond the still posture the movement
   started from, and `deep_deg` how far beyond `deep_from_deg` (a squat keeps the trunk fairly
   upright: beyond that line only a stoop goes); `tilt_back_deg` — the furthest backward (a
   belt sensor's squat tilts the pelvis back at the bottom).
2. `down_ms` / `up_ms` — the fastest vertical speed of the body on the way down and up: |a|
   less its own mean from `MOVE_PAD_S` before to after the movement (at rest at both ends, the
   mean is the 1 g reference whatever the sensor's gain and offset), integrated once. (Integrated
   twice, the same signal does not give the depth: on the SisFall belt |a| at rest still differs
   by up to 0.035 g between standing and bent over after the gain and offset fit, which is
   metres over a few seconds. `lowering_m` uses the still phases' own |a| for that reason.)
   `vert_ms` — the faster of the two: a squat moves the body, a stoop hardly (a squat seen as
   its way down or way up alone still shows it).
3. `lowering_m` — the lowering between the still phases of the movement (`_lowering_m`), where
   it has them (NaN where the bottom was not held still).
4. `fwd_speed_dps` / `back_speed_dps` — the fastest trunk turn on the way down and back up
   (5 Hz); `duration_s` — the time beyond the lift threshold; `bottom_s` — the time within 20%
   of the peak.

All of them are measured the same in a live session and in a file: the samples come from the
epochs the pipeline kept, whatever the chunking.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, astuple, dataclass

import numpy as np

from backcoach.processing.features import G_MS2, N_SUB

LOWER_PRE_S = 3.0  # how far before a lift its starting still phase is looked for
LOWER_AFTER_S = 3.0  # and after it its ending one: a lift is decided this long after its end
LOWER_STILL_G = 0.015  # |a| standard deviation over 0.2 s below which the sensor is still
LOWER_STILL_DEG = 2.0  # and it turns less than this from the 0.2 s before
LOWER_MIN_STILL_S = 0.4  # a still phase lasts at least this long
LOWER_BOTTOM = 0.7  # the bottom of a lift: turned this share of the largest turn or more
MOVE_PAD_S = 1.0  # the vertical movement is integrated from this before a lift to after it
BOTTOM_SHARE = 0.8  # the bottom of a lift: within this share of its peak inclination
LEVEL_FIT_MIN = 0.3  # still samples this far apart in (1 - cos tilt) (about 45°) fit the reference
HALF_MS = 0.2  # a vertical speed this fast, ...
HALF_RATIO = 2.0  # ... this many times the other way's: the body moved one way only


@dataclass(frozen=True)
class Window:
    """A few seconds at the internal rate around one lift."""

    t: np.ndarray
    mag: np.ndarray  # |a|
    still: np.ndarray  # the 0.2 s around it is still
    level: np.ndarray  # mean |a| of that 0.2 s
    g: np.ndarray  # gravity direction of that 0.2 s
    fs: float

    def until(self, t1: float) -> Window:
        """The samples before `t1`."""
        k = int(np.searchsorted(self.t, t1))
        return Window(*(a[:k] for a in astuple(self)[:5]), self.fs)


@dataclass(frozen=True)
class LiftFigures:
    """The continuous figures of one lift (see the module docstring); NaN = not measurable."""

    rel_peak_deg: float
    deep_deg: float
    tilt_back_deg: float
    duration_s: float
    down_ms: float
    up_ms: float
    vert_ms: float
    lowering_m: float
    fwd_speed_dps: float
    back_speed_dps: float
    bottom_s: float

    def attrs(self) -> dict[str, float]:
        """The figures for the event's `attrs` (NaN ones left out)."""
        return {k: float(v) for k, v in asdict(self).items() if np.isfinite(v)}


def window(blocks: list, t0: float, t1: float) -> Window:
    """Samples of the epochs (t_s, mag, g_sub) that overlap [t0, t1)."""
    parts = []
    for bt, bm, bg in blocks:  # each block's epochs are sorted: slice, then join
        a, b = np.searchsorted(bt, [t0 - 1.0, t1], side="right")
        if b > a:
            parts.append((bt[a:b], bm[a:b], bg[a:b]))
    if not parts:
        return Window(*(np.empty(0),) * 4, np.empty((0, 3)), 25.0)
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
        calm = (np.std(sub, axis=2) < LOWER_STILL_G).reshape(-1) & (turn < LOWER_STILL_DEG)
        still = np.repeat(calm, k)
        level = np.repeat(np.mean(sub, axis=2).reshape(-1), k)
    ts = (t[:, None] + np.arange(k * N_SUB) / fs).reshape(-1)
    g = np.repeat(g_sub.reshape(-1, 3), k, axis=0)
    keep = (ts >= t0) & (ts < t1)
    return Window(ts[keep], sub.reshape(-1)[keep], still[keep], level[keep], g[keep], float(fs))


def raw_window(t_s: np.ndarray, acc_g: np.ndarray) -> Window:
    """A `Window` straight from samples (the live fast lane's own), judged per 0.2 s as
    `window` judges the pipeline's epochs."""
    t = np.asarray(t_s, np.float64)
    acc = np.asarray(acc_g, np.float64)
    if t.size < 3:
        return Window(*(np.empty(0),) * 4, np.empty((0, 3)), 25.0)
    mag = np.linalg.norm(acc, axis=1)
    k = np.floor(t * N_SUB).astype(np.int64)
    k -= k[0]
    n = int(k[-1]) + 1
    cnt = np.maximum(np.bincount(k, minlength=n), 1)
    mean = np.bincount(k, mag, minlength=n) / cnt
    std = np.sqrt(np.maximum(np.bincount(k, mag * mag, minlength=n) / cnt - mean**2, 0.0))
    g = np.stack([np.bincount(k, acc[:, j], minlength=n) for j in range(3)], axis=1) / cnt[:, None]
    gs = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-9)
    turn = np.degrees(np.arccos(np.clip(np.r_[1.0, np.einsum("ij,ij->i", gs[1:], gs[:-1])], -1, 1)))
    calm = (std < LOWER_STILL_G) & (turn < LOWER_STILL_DEG)
    fs = float((t.size - 1) / max(t[-1] - t[0], 1e-9))
    return Window(t, mag, calm[k], mean[k], gs[k], fs)


def measure(
    w: Window,
    ang_t: np.ndarray,
    rel_deg: np.ndarray,
    start_s: float,
    end_s: float,
    move_end_s: float,
    flex_m: float,
    deep_from_deg: float,
) -> LiftFigures:
    """The figures of the lift [start_s, end_s) from its window `w` and its 5 Hz inclination
    `rel_deg` against the still posture before it (times `ang_t`).

    `move_end_s`: when the trunk was back up (the dip may end at a held bottom, which becomes
    the new base, before the body rises). `flex_m`: how far the trunk's flexion alone lowers
    the sensor at the peak (it sits above the hip joint); taken off `lowering_m`, which is
    about the body. `deep_from_deg`: where `deep_deg` starts counting
    (`lift_style.deep_from_deg`).
    """
    during = (ang_t >= start_s) & (ang_t < end_s)
    rel = rel_deg[during]
    rel_peak = float(np.max(rel)) if rel.size else float("nan")
    tilt_back = float(max(0.0, -np.min(rel))) if rel.size else float("nan")
    fwd_speed, back_speed, bottom = _turns(ang_t, rel_deg, start_s, end_s, rel_peak)
    down, up = _vertical(w, start_s - MOVE_PAD_S, move_end_s + MOVE_PAD_S, start_s, end_s)
    low = _lowering_m(w.until(end_s + LOWER_AFTER_S), start_s, end_s)
    return LiftFigures(
        rel_peak_deg=rel_peak,
        deep_deg=max(0.0, rel_peak - deep_from_deg) if np.isfinite(rel_peak) else float("nan"),
        tilt_back_deg=tilt_back,
        duration_s=float(end_s - start_s),
        down_ms=down,
        up_ms=up,
        vert_ms=max(down, up),
        lowering_m=low - flex_m,
        fwd_speed_dps=fwd_speed,
        back_speed_dps=back_speed,
        bottom_s=bottom,
    )


def _turns(
    ang_t: np.ndarray, rel: np.ndarray, start_s: float, end_s: float, peak: float
) -> tuple[float, float, float]:
    """Fastest forward and backward turn (deg/s) around the lift, time near its peak (s)."""
    near = (ang_t >= start_s - 1.0) & (ang_t < end_s + 1.0)
    a = rel[near]
    if a.size < 3 or not np.isfinite(peak):
        return float("nan"), float("nan"), float("nan")
    k = int(np.argmax(a))
    d = np.diff(a) * N_SUB
    fwd = float(np.max(d[:k])) if k > 0 else 0.0
    back = float(-np.min(d[k:])) if k < d.size else 0.0
    during = (ang_t >= start_s) & (ang_t < end_s)
    bottom = float(np.sum(rel[during] >= BOTTOM_SHARE * peak)) / N_SUB if peak > 0 else 0.0
    return max(fwd, 0.0), max(back, 0.0), bottom


def _vertical(w: Window, t0: float, t1: float, start_s: float, end_s: float) -> tuple[float, float]:
    """(down_ms, up_ms) of the movement in [t0, t1), at rest at both ends; the dip itself is
    [start_s, end_s).

    The 1 g reference follows the sensor's tilt from where the window starts: on a belt |a| at
    rest still changes by a few hundredths of a g between upright and bent over after the gain
    and offset fit, which integrated over a held stoop reads as a vertical speed of up to
    1 m/s. The reference is `a + b (1 - cos tilt)`, fitted to the window's still samples (for
    `LOWER_MIN_STILL_S` or longer) at rest: outside
    the dip, or at its bottom (within `BOTTOM_SHARE` of the deepest tilt) - the steady
    acceleration of a smooth movement half-way down is calm too. Where they span at least
    `LEVEL_FIT_MIN` of (1 - cos tilt); else a constant. The velocity is then detrended to zero
    at both ends.
    """
    sel = (w.t >= t0) & (w.t < t1)
    mag = w.mag[sel]
    if mag.size < 3 or not np.all(np.isfinite(mag)):
        return float("nan"), float("nan")
    g = w.g[sel] / np.maximum(np.linalg.norm(w.g[sel], axis=1, keepdims=True), 1e-9)
    x = 1.0 - np.clip(g @ g[0], -1.0, 1.0)
    calm = _runs_at_least(w.still[sel], int(round(LOWER_MIN_STILL_S * w.fs)))
    t = w.t[sel]
    calm &= (t < start_s) | (t >= end_s) | (x >= BOTTOM_SHARE * x.max())
    ref = np.full(mag.size, mag.mean())
    if calm.sum() >= 2:
        ref[:] = mag[calm].mean()
        if np.ptp(x[calm]) >= LEVEL_FIT_MIN:
            b, a = np.polyfit(x[calm], mag[calm], 1)
            ref = a + b * x
    v = np.cumsum((mag - ref) * G_MS2) / w.fs
    v = v - np.linspace(0.0, v[-1], v.size)
    return float(max(0.0, -v.min())), float(max(0.0, v.max()))


def _runs_at_least(mask: np.ndarray, n: int) -> np.ndarray:
    """`mask` with its runs of True shorter than `n` samples cleared."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0])).reshape(-1, 2)
    out = np.zeros_like(mask)
    for a, b in edges[edges[:, 1] - edges[:, 0] >= n]:
        out[a:b] = True
    return out


def went_down(fig: LiftFigures) -> bool:
    """The body went down and not back up in this dip: a squat's way down (or a sit-down)."""
    return fig.down_ms >= HALF_MS and fig.down_ms >= HALF_RATIO * fig.up_ms


def went_up(fig: LiftFigures) -> bool:
    """The body went up and had not gone down in this dip: a squat's way up (or a stand-up)."""
    return fig.up_ms >= HALF_MS and fig.up_ms >= HALF_RATIO * fig.down_ms


def _lowering_m(s: Window, start: float, end: float) -> float:
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


def _net_dz(s: Window, i: int, j: int, fs: float) -> float:
    if j <= i + 1:
        return 0.0
    seg = s.mag[i : j + 1]
    ref = np.linspace(s.level[i], s.level[j], seg.size)
    v = np.cumsum((seg - ref) * G_MS2) / fs
    v = v - np.linspace(0.0, v[-1], v.size)
    return float(np.sum(v) / fs)

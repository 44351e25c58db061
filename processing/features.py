"""Per-second features from the internal grid, independent of how the sensor is mounted.

Why: everything after this step works at one row per second, so the hot path (per sample) is
this module only, and it is vectorised over epochs with fixed windows: an epoch's features depend
on the grid from `LEFT_S` before to `RIGHT_S` after it and on nothing else, which makes the
streaming run identical to the batch run.

Features of epoch e (grid bins [e*fs, (e+1)*fs)):
1. `g_mean` and `g_sub` — mean acceleration over the epoch and over `N_SUB` equal parts: the
   gravity direction (a 1 s / 0.2 s box low-pass) in the sensor's own axes.
2. `activity_g` — mean absolute deviation of the acceleration magnitude (rotation invariant).
3. Step candidates — peaks of the band-passed magnitude (0.16 s smooth minus 1 s mean), spaced
   and thresholded by the local rhythm (`steps`): `peak_t` their times inside the epoch,
   `peak_up` the gravity direction (1 s mean) at each, `peaks` their number; `step_period_s`
   and `step_reg` the epoch's rhythm. Whether they are steps is decided from trains of them
   (`gait`).
4. `dz_net_m` — net vertical displacement of the sensor over the 4 s windows [e-1.5, e+2.5)
   and [e-0.5, e+3.5), kept only where both agree in sign (the smaller size): a window that cuts
   a movement in half breaks the rest-at-both-ends assumption and gives a large false value.
   Per window, |a| - 1 g is the vertical acceleration to first order whatever the orientation;
   removing its window mean forces zero velocity at both ends (still before, still after), and
   integrating twice gives the displacement. Sitting down gives about -0.4 m, standing up +0.4 m;
   the descent of a squat lift -0.3 m; a stoop only a little.
5. `gait_xc` — while walking, which way is forward (see `_gait_xc`).

`walking`, `running`, `steps` and `step_t` are left empty here; `gait.StepTrains` fills them in.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.ndimage import uniform_filter1d

from backcoach.processing.steps import StepParams, step_candidates, step_rhythm

G_MS2 = 9.80665
LEFT_S = 2  # context before an epoch (s)
RIGHT_S = 4  # context after an epoch (s): the latency of this step
N_SUB = 5  # sub-epochs for the trunk angle (5 per second)
DZ_BEFORE_S = 1.5
DZ_WINDOW_S = 4.0
STEP_SMOOTH_S = 0.16
STEP_BASE_S = 1.0
GAIT_LAG_S = 0.24  # lags of the gait cross-correlation (about half a step)
GAIT_MIN_ACTIVITY_G = 0.02
MAX_PEAKS = 5  # step candidates an epoch can hold (they are at least 0.2 s apart)
MIN_STEP_RATE_HZ = 10  # samples per second an epoch needs for step candidates
BLOCK_EPOCHS = 2048  # epochs computed together: bounds the (epochs × window) temporaries


@dataclass(frozen=True)
class EpochFeatures:
    """Features of valid epochs (at least half of the epoch's grid holds data)."""

    t_s: np.ndarray  # (n,) epoch starts
    g_mean: np.ndarray  # (n, 3)
    g_sub: np.ndarray  # (n, N_SUB, 3)
    activity_g: np.ndarray  # (n,)
    peaks: np.ndarray  # (n,) int: step candidates in the epoch
    peak_t: np.ndarray  # (n, MAX_PEAKS) their times (s), NaN-padded
    peak_up: np.ndarray  # (n, MAX_PEAKS, 3) unit gravity (1 s mean) at each candidate
    dz_net_m: np.ndarray  # (n,)
    gait_xc: np.ndarray  # (n, 3) lead-minus-lag cross-correlation of vertical with 3-D dynamics
    mag: np.ndarray  # (n, fs) |a| of each grid sample of the epoch, NaN where missing
    walking: np.ndarray  # (n,) bool, set by gait.StepTrains: inside a walking bout, not running
    running: np.ndarray  # (n,) bool, set by gait.StepTrains: inside a bout, running intensity
    steps: np.ndarray  # (n,) int, set by gait.StepTrains: steps counted in the epoch
    step_period_s: np.ndarray  # (n,) the local step period (NaN without a rhythm), `steps`
    step_reg: np.ndarray  # (n,) the local regularity (0-1), `steps`
    step_t: np.ndarray  # (n, MAX_PEAKS) set by gait.StepTrains: times of the counted steps

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def empty(cls) -> EpochFeatures:
        z = np.empty(0)
        return cls(
            t_s=z,
            g_mean=np.empty((0, 3)),
            g_sub=np.empty((0, N_SUB, 3)),
            activity_g=z,
            peaks=z.astype(int),
            peak_t=np.empty((0, MAX_PEAKS)),
            peak_up=np.empty((0, MAX_PEAKS, 3)),
            dz_net_m=z,
            gait_xc=np.empty((0, 3)),
            mag=np.empty((0, 0)),
            walking=z.astype(bool),
            running=z.astype(bool),
            steps=z.astype(int),
            step_period_s=z,
            step_reg=z,
            step_t=np.empty((0, MAX_PEAKS)),
        )

    @classmethod
    def concat(cls, parts: list[EpochFeatures]) -> EpochFeatures:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        names = _FIELDS
        return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in names})

    def take(self, index: np.ndarray | slice) -> EpochFeatures:
        names = _FIELDS
        return EpochFeatures(**{n: getattr(self, n)[index] for n in names})


_FIELDS = (
    "t_s",
    "g_mean",
    "g_sub",
    "activity_g",
    "peaks",
    "peak_t",
    "peak_up",
    "dz_net_m",
    "gait_xc",
    "mag",
    "walking",
    "running",
    "steps",
    "step_period_s",
    "step_reg",
    "step_t",
)


@dataclass
class _State:
    buf: np.ndarray = field(default_factory=lambda: np.empty((0, 4), np.float32))
    buf_k0: int | None = None  # grid index of buf[0]
    next_epoch: int | None = None


class EpochFeaturizer:
    """Streaming grid → epoch features; epochs are emitted once their right context exists."""

    def __init__(self, fs_hz: int, steps: StepParams | None = None) -> None:
        if int(fs_hz) != fs_hz or fs_hz < 10:
            raise ValueError(f"internal rate must be an integer >= 10 Hz, got {fs_hz}")
        self.fs = int(fs_hz)
        self.steps = steps or StepParams()
        self.state = _State()

    def push(
        self,
        k0: int,
        grid: np.ndarray,
        filled: np.ndarray | None = None,
        *,
        final: bool = False,
    ) -> EpochFeatures:
        """Append grid bins starting at index k0 (contiguous with earlier ones); `filled` says
        which bins hold a sample rather than an interpolation (default: all)."""
        st, fs = self.state, self.fs
        if filled is None:
            filled = np.ones(grid.shape[0], bool)
        # The buffer's fourth column: 1 where a sample fell in the bin, 0 where interpolated.
        grid = np.c_[grid.astype(np.float32), filled.astype(np.float32)]
        if st.buf_k0 is None:
            if grid.shape[0] == 0 and not final:
                return EpochFeatures.empty()
            e0 = k0 // fs
            st.next_epoch = e0
            st.buf_k0 = (e0 - LEFT_S) * fs
            st.buf = np.full((k0 - st.buf_k0, 4), np.nan, np.float32)
        expected = st.buf_k0 + st.buf.shape[0]
        if grid.shape[0] and k0 != expected:
            if k0 < expected:
                raise ValueError("grid bins must be pushed in order")
            grid = np.vstack([np.full((k0 - expected, 4), np.nan, np.float32), grid])
        buf = np.vstack([st.buf, grid])
        k_end = st.buf_k0 + buf.shape[0]
        if final:
            last_epoch = -(-k_end // fs)  # ceil: the partial last epoch counts
            pad = (last_epoch + RIGHT_S) * fs - k_end
            buf = np.vstack([buf, np.full((max(pad, 0), 4), np.nan, np.float32)])
            n_ep = last_epoch - st.next_epoch
        else:
            n_ep = (k_end // fs - RIGHT_S) - st.next_epoch - 1 + 1
        if n_ep <= 0:
            st.buf = buf
            return EpochFeatures.empty()
        off = (st.next_epoch - LEFT_S) * fs - st.buf_k0
        parts = []
        for b0 in range(0, n_ep, BLOCK_EPOCHS):  # bounded temporaries; rows are independent
            nb = min(BLOCK_EPOCHS, n_ep - b0)
            seg = buf[off + b0 * fs : off + (b0 + nb + LEFT_S + RIGHT_S) * fs]
            parts.append(self._features(seg, st.next_epoch + b0, nb))
        out = EpochFeatures.concat(parts)
        st.next_epoch += n_ep
        keep_from = (st.next_epoch - LEFT_S) * fs - st.buf_k0
        st.buf = buf[keep_from:]
        st.buf_k0 += keep_from
        return out

    def _features(self, seg4: np.ndarray, e0: int, n_ep: int) -> EpochFeatures:
        fs = self.fs
        win = (LEFT_S + 1 + RIGHT_S) * fs
        seg = seg4[:, :3]
        measured = seg4[LEFT_S * fs : (LEFT_S + n_ep) * fs, 3].reshape(n_ep, fs)
        core = seg[LEFT_S * fs : (LEFT_S + n_ep) * fs].reshape(n_ep, fs, 3)
        n_valid = np.sum(~np.isnan(core[:, :, 0]), axis=1)
        ok = n_valid >= fs / 2
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            return EpochFeatures.empty()
        core = core[idx]
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN sub-epochs in partial ones
            # 1. Gravity per epoch and per sub-epoch.
            # (`np.mean` where nothing is missing, as is usual: the same bits, half the time.)
            mean = np.nanmean if np.isnan(core).any() else np.mean
            g_mean = mean(core, axis=1)
            sub = core.reshape(idx.size, N_SUB, fs // N_SUB if fs % N_SUB == 0 else -1, 3)
            g_sub = mean(sub, axis=2)
            g_sub = np.where(np.isnan(g_sub), g_mean[:, None, :], g_sub)
            # 2. Activity.
            mag_core = np.linalg.norm(core, axis=2)
            activity = mean(np.abs(mag_core - mean(mag_core, axis=1)[:, None]), axis=1)
        mag = np.linalg.norm(seg, axis=1)
        mag = np.where(np.isnan(mag), 1.0, mag)
        rows = sliding_window_view(mag, win)[::fs][:n_ep][idx]
        # 3. Step candidates: peaks of the band-passed |a| (`step_candidates`).
        smooth = uniform_filter1d(rows, max(1, int(round(STEP_SMOOTH_S * fs))), axis=1)
        base = uniform_filter1d(rows, int(round(STEP_BASE_S * fs)), axis=1)
        hp = smooth - base
        period, reg = step_rhythm(hp, fs)
        peak = step_candidates(hp, fs, period, reg, self.steps)
        core_peak = peak[:, LEFT_S * fs : (LEFT_S + 1) * fs] & ~np.isnan(core[:, :, 0])
        # Steps need the signal itself: at under MIN_STEP_RATE_HZ most bins are interpolated.
        dense = np.nansum(measured[idx], axis=1) >= MIN_STEP_RATE_HZ
        core_peak &= dense[:, None]
        peaks = core_peak.sum(axis=1)
        peak_t, peak_up = self._peak_details(core_peak, seg, idx, e0)
        steps3 = peak[:, (LEFT_S - 1) * fs : (LEFT_S + 2) * fs].sum(axis=1)
        # 4. Net vertical displacement over the window.
        a0 = int(round((LEFT_S - DZ_BEFORE_S) * fs))
        nw = int(round(DZ_WINDOW_S * fs))
        dz_a, dz_b = (
            _net_dz(rows[:, a0 : a0 + nw], fs),
            _net_dz(rows[:, a0 + fs : a0 + fs + nw], fs),
        )
        agree = np.sign(dz_a) == np.sign(dz_b)
        dz = np.where(agree, np.sign(dz_a) * np.minimum(np.abs(dz_a), np.abs(dz_b)), 0.0)
        # 5. Gait direction evidence, only where steps are seen (it costs the most).
        xc = np.zeros((idx.size, 3))
        gait = np.flatnonzero((steps3 >= 3) & (activity >= GAIT_MIN_ACTIVITY_G))
        if gait.size:
            lag = int(round(GAIT_LAG_S * fs))
            acc_rows = sliding_window_view(seg, win, axis=0)[::fs][:n_ep][idx[gait]]
            part = acc_rows[:, :, LEFT_S * fs - lag : (LEFT_S + 1) * fs + lag]
            xc[gait] = _gait_xc(part, g_mean[gait], fs, lag)
        t = (e0 + idx).astype(np.float64)
        none = np.zeros(idx.size, bool)
        return EpochFeatures(
            t_s=t,
            g_mean=g_mean,
            g_sub=g_sub,
            activity_g=activity,
            peaks=peaks,
            peak_t=peak_t,
            peak_up=peak_up,
            dz_net_m=dz,
            gait_xc=xc,
            mag=mag_core,
            walking=none,
            running=none.copy(),
            steps=np.zeros(idx.size, int),
            step_period_s=period,
            step_reg=reg,
            step_t=np.full((idx.size, MAX_PEAKS), np.nan),
        )

    def _peak_details(
        self, core_peak: np.ndarray, seg: np.ndarray, idx: np.ndarray, e0: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Times and gravity directions of each epoch's step candidates, NaN-padded."""
        fs = self.fs
        n = idx.size
        peak_t = np.full((n, MAX_PEAKS), np.nan)
        peak_up = np.full((n, MAX_PEAKS, 3), np.nan)
        rows, cols = np.nonzero(core_peak)
        if rows.size == 0:
            return peak_t, peak_up
        slot = np.arange(rows.size) - np.searchsorted(rows, rows)  # rank within its epoch
        keep = slot < MAX_PEAKS
        rows, cols, slot = rows[keep], cols[keep], slot[keep]
        peak_t[rows, slot] = (e0 + idx[rows]) + cols / fs
        # Gravity direction: the 1 s mean of the grid around the candidate (NaN-aware).
        pos = (idx[rows] + LEFT_S) * fs + cols
        half = fs // 2
        win = np.arange(-half, fs - half)
        around = seg[np.clip(pos[:, None] + win[None, :], 0, seg.shape[0] - 1)]
        if np.isnan(around).any():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                up = np.nanmean(around, axis=1)
        else:
            up = np.mean(around, axis=1)
        peak_up[rows, slot] = up / np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-9)
        return peak_t, peak_up


def _gait_xc(part: np.ndarray, g_mean: np.ndarray, fs: int, lag_n: int) -> np.ndarray:
    """Per epoch: Σ over lags 1..lag_n of v(t)·d(t+L) − v(t)·d(t−L), a 3-vector.

    `part` holds each epoch's samples with `lag_n` extra on both sides, (n, 3, fs + 2·lag_n).
    v is the vertical dynamic acceleration (along the epoch's gravity), d the 3-D dynamic
    acceleration. While walking, the trunk brakes (accelerates backward) just after the
    vertical peak of each step, so the horizontal part of this vector points backward — on all
    18 SisFall subjects and in the simulator. It is linear in the signal, hence rotates with the
    sensor and can be summed over epochs.
    """
    d = part - g_mean[:, :, None]
    d = np.where(np.isnan(d), 0.0, d)
    gu = g_mean / np.maximum(np.linalg.norm(g_mean, axis=1, keepdims=True), 1e-9)
    v = np.einsum("nkw,nk->nw", d, gu)
    core = v[:, lag_n : lag_n + fs]
    out = np.zeros((part.shape[0], 3))
    for lag in range(1, lag_n + 1):
        ahead = d[:, :, lag_n + lag : lag_n + lag + fs]
        behind = d[:, :, lag_n - lag : lag_n - lag + fs]
        out += np.einsum("nw,nkw->nk", core, ahead - behind)
    return out / fs


def _net_dz(mag_rows: np.ndarray, fs: int) -> np.ndarray:
    """Net vertical displacement (m) over each row, assuming rest at both ends of the row."""
    av = (mag_rows - 1.0) * G_MS2
    av = av - av.mean(axis=1, keepdims=True)
    v = np.cumsum(av, axis=1) / fs
    return v.sum(axis=1) / fs

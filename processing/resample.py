"""Irregular samples onto one fixed internal grid, chunk by chunk, without inventing data in gaps.

Why: Bluetooth drops packets and research files come at 12.5-200 Hz. Every later step assumes one
rate, so samples are binned onto a grid of `fs_hz` points aligned to whole seconds of the input's
time base (bin k covers [k/fs, (k+1)/fs)).

1. Each bin's value is the mean of the input samples that fall in it (a box anti-alias filter).
2. An empty bin between two filled bins at most `gap_s` apart is linearly interpolated.
3. Bins inside a longer gap stay NaN: later steps emit no epochs there and mark a gap.

Streaming: a bin is final once a sample of a later bin has arrived, and an empty run is final once
the next filled bin has arrived, so `push` returns exactly the bins that a batch run would produce
for the same span, whatever the chunking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ResamplerState:
    """What is carried between chunks: unfinished samples and the last filled bin."""

    pending_t: np.ndarray = field(default_factory=lambda: np.empty(0))
    pending_a: np.ndarray = field(default_factory=lambda: np.empty((0, 3), np.float32))
    next_bin: int | None = None  # first bin index not yet emitted
    last_bin: int | None = None  # index of the last emitted filled bin
    last_val: np.ndarray | None = None  # its value


class GridResampler:
    """Streaming binning of (t, acc) onto a regular grid; see the module docstring."""

    def __init__(self, fs_hz: float, gap_s: float) -> None:
        self.fs_hz = float(fs_hz)
        self.max_fill = max(1, int(round(gap_s * fs_hz)))
        self.state = ResamplerState()

    def push(
        self, t_s: np.ndarray, acc_g: np.ndarray, *, final: bool = False
    ) -> tuple[int, np.ndarray, np.ndarray]:
        """Add samples; return (index of the first bin, values (n, 3) float32 with NaN in gaps,
        and per bin whether a sample fell in it: interpolated bins carry no detail, such as
        steps, of their own)."""
        st = self.state
        t = np.concatenate([st.pending_t, np.asarray(t_s, np.float64)])
        a = np.concatenate([st.pending_a, np.asarray(acc_g, np.float32)])
        if t.size == 0:
            return 0, np.empty((0, 3), np.float32), np.empty(0, bool)
        if np.any(np.diff(t) < 0):
            order = np.argsort(t, kind="stable")
            t, a = t[order], a[order]
        k = np.floor(t * self.fs_hz).astype(np.int64)
        if st.next_bin is not None:  # late samples of bins already emitted are dropped
            keep = k >= st.next_bin
            t, a, k = t[keep], a[keep], k[keep]
            if t.size == 0:
                st.pending_t, st.pending_a = t, a
                return st.next_bin, np.empty((0, 3), np.float32), np.empty(0, bool)
        # Samples of the last bin may be followed by more samples of the same bin: keep them.
        n_done = t.size if final else int(np.searchsorted(k, k[-1], side="left"))
        st.pending_t, st.pending_a = t[n_done:], a[n_done:]
        k, a = k[:n_done], a[:n_done]
        if st.next_bin is None:
            if k.size == 0:
                return 0, np.empty((0, 3), np.float32), np.empty(0, bool)
            st.next_bin = int(k[0])
        start = st.next_bin
        if k.size == 0:
            return start, np.empty((0, 3), np.float32), np.empty(0, bool)
        if (
            k[0] == start
            and k[-1] - k[0] == k.size - 1
            and np.all(k[1:] - k[:-1] == 1)
            and not np.isnan(a[:, 0]).any()
        ):
            # One sample in every bin, none missing (a steady recording at the grid's rate):
            # each bin's mean is its sample, nothing to fill; the general way below gives
            # these very values, at a few times the cost. A NaN sample is a gap the general
            # way fills, so it takes that way.
            st.last_bin, st.last_val = int(k[-1]), a[-1].copy()
            st.next_bin = int(k[-1]) + 1
            return start, a.copy(), np.ones(k.size, bool)
        # 1. Bin means.
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        bins = k[starts]
        counts = np.diff(np.r_[starts, k.size])
        means = (np.add.reduceat(a.astype(np.float64), starts, axis=0) / counts[:, None]).astype(
            np.float32
        )
        # Emit up to the last filled bin (or everything when final): later empty bins wait for
        # their right neighbour.
        end = int(bins[-1]) + 1
        out = np.full((end - start, 3), np.nan, np.float32)
        out[bins - start] = means
        filled = ~np.isnan(out[:, 0])
        # 2. Interpolate short empty runs, including the one that joins the previous chunk.
        if st.last_bin is not None:
            fb = np.r_[st.last_bin, bins]
            fv = np.vstack([st.last_val[None, :], means])
        else:
            fb, fv = bins, means
        self._fill(out, start, fb, fv)
        st.last_bin, st.last_val = int(bins[-1]), means[-1].copy()
        st.next_bin = end
        return start, out, filled

    def _fill(self, out: np.ndarray, start: int, fb: np.ndarray, fv: np.ndarray) -> None:
        """Linear interpolation inside empty runs no longer than `max_fill` bins."""
        if fb.size < 2:
            return
        span = np.diff(fb)
        ok = (span > 1) & (span <= self.max_fill)
        if not ok.any():
            return
        idx = np.arange(start, start + out.shape[0])
        empty = np.isnan(out[:, 0])
        if not empty.any():
            return
        left = np.searchsorted(fb, idx[empty], side="right") - 1
        valid = (left >= 0) & (left < fb.size - 1)
        sel = np.flatnonzero(empty)[valid]
        left = left[valid]
        short = ok[left]
        sel, left = sel[short], left[short]
        w = ((idx[sel] - fb[left]) / (fb[left + 1] - fb[left]))[:, None]
        out[sel] = ((1 - w) * fv[left] + w * fv[left + 1]).astype(np.float32)

"""Per-recording gain and offset of the accelerometer, learnt from its still moments.

Why: a MEMS accelerometer's per-axis offset and gain errors change |a| at rest by up to 0.05 g
with the orientation (0.03 g on average on the SisFall belt sensor, 0.005 g after this step).
Everything that integrates |a| - 1 g (which way the body moved in a sit-to-stand, how far it
lowered in a lift) needs |a| = 1 g at rest whatever the orientation. As GGIR and actipy do
(van Hees et al. 2014), the errors are fitted on still moments: there the true |a| is 1 g, so
scale s and offset o are chosen so that |s ∘ (x + o)| = 1 for the still means x.

Streaming and causal: grid epochs (1 s) are calibrated with what the epochs *before* them
taught, so a live session and a batch run give the same values. Still epochs (every axis'
standard deviation under `STILL_SD_G`) are pooled per orientation cell (`N_CELLS` directions),
so hours of sitting count as one orientation; whenever a cell gets its `CELL_MIN` th epoch the
fit is redone on the cell means. The fit is pulled towards no correction (`RIDGE`), so a few
orientations only level |a| where the wearer has been, and it is kept only where it lowers the
error at rest.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

STILL_SD_G = 0.013  # GGIR's threshold for a still window
N_CELLS = 120  # orientation cells on the sphere (about 20° apart)
CELL_MIN = 3  # still epochs a cell needs before it counts
RIDGE = 0.02  # pull of the fit towards scale 1 and offset 0, per cell
FIT_ITERATIONS = 60
MAX_OFFSET_G = 0.3
MAX_SCALE_ERR = 0.2


def _cells(n: int) -> np.ndarray:
    """Nearly even directions on the sphere (a Fibonacci lattice)."""
    i = np.arange(n) + 0.5
    z = 1 - 2 * i / n
    r = np.sqrt(1 - z**2)
    phi = np.pi * (1 + 5**0.5) * i
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=1)


CELLS = _cells(N_CELLS)


@dataclass
class _State:
    next_k: int | None = None  # grid index of the next bin to arrive
    part: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))  # the open epoch, raw
    cell_sum: np.ndarray = field(default_factory=lambda: np.zeros((N_CELLS, 3)))
    cell_n: np.ndarray = field(default_factory=lambda: np.zeros(N_CELLS, np.int64))
    scale: np.ndarray = field(default_factory=lambda: np.ones(3))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))


class AutoCalibrator:
    """Streaming grid → calibrated grid (same shape); see the module docstring."""

    def __init__(self, fs_hz: int) -> None:
        self.fs = int(fs_hz)
        self.state = _State()

    @property
    def gain_offset(self) -> tuple[np.ndarray, np.ndarray]:
        """The current scale and offset: calibrated = scale * (raw + offset)."""
        return self.state.scale.copy(), self.state.offset.copy()

    def push(self, k0: int, grid: np.ndarray) -> np.ndarray:
        """Calibrate contiguous grid bins starting at index k0."""
        st, fs = self.state, self.fs
        n = grid.shape[0]
        if n == 0:
            return grid
        if st.next_k is None:
            st.next_k = k0 - (k0 % fs)  # the first epoch may start before the data
            st.part = np.full((k0 % fs, 3), np.nan)
        raw = np.vstack([st.part, grid.astype(np.float64)])
        e_first = st.next_k // fs  # epoch of raw[0]
        n_done = raw.shape[0] // fs
        out = np.empty((raw.shape[0], 3))
        scale, offset = st.scale, st.offset
        done = raw[: n_done * fs].reshape(n_done, fs, 3)
        cell, still = self._still_cells(done)
        # Epochs at which a cell reaches CELL_MIN: the fit changes right after them.
        rank = self._rank_in_cell(cell, still)
        trig = np.flatnonzero(still & (rank == CELL_MIN))
        a = 0
        for e in [*trig.tolist(), n_done]:
            out[a * fs : (e + 1) * fs] = scale * (raw[a * fs : (e + 1) * fs] + offset)
            if e == n_done:
                break
            sel = np.arange(a, e + 1)
            sel = sel[still[sel]]
            np.add.at(st.cell_sum, cell[sel], done[sel].mean(axis=1))
            np.add.at(st.cell_n, cell[sel], 1)
            scale, offset = _fit(st.cell_sum, st.cell_n, scale, offset)
            a = e + 1
        sel = np.arange(a, n_done)
        sel = sel[still[sel]]
        np.add.at(st.cell_sum, cell[sel], done[sel].mean(axis=1))
        np.add.at(st.cell_n, cell[sel], 1)
        out[n_done * fs :] = scale * (raw[n_done * fs :] + offset)
        st.scale, st.offset = scale, offset
        st.part = raw[n_done * fs :]
        st.next_k = (e_first + n_done) * fs
        return out[-n:].astype(np.float32)

    def _still_cells(self, epochs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with warnings.catch_warnings(), np.errstate(invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.max(np.std(epochs, axis=1), axis=1)
            mean = np.mean(epochs, axis=1)
        still = np.isfinite(sd) & (sd < STILL_SD_G)
        u = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-9)
        cell = np.argmax(np.nan_to_num(u) @ CELLS.T, axis=1)
        return cell, still

    def _rank_in_cell(self, cell: np.ndarray, still: np.ndarray) -> np.ndarray:
        """Per epoch: how many still epochs its cell holds once it is added (0 if not still)."""
        rank = np.zeros(cell.size, np.int64)
        idx = np.flatnonzero(still)
        if idx.size == 0:
            return rank
        c = cell[idx]
        order = np.argsort(c, kind="stable")
        sc = c[order]
        first = np.searchsorted(sc, sc, side="left")
        within = np.arange(sc.size) - first + 1
        r = np.empty(idx.size, np.int64)
        r[order] = within
        rank[idx] = r + self.state.cell_n[c]
        return rank


def _fit(
    cell_sum: np.ndarray, cell_n: np.ndarray, scale: np.ndarray, offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """GGIR's iteration on the cell means, with a ridge towards no correction."""
    use = cell_n >= CELL_MIN
    if not use.any():
        return scale, offset
    x = cell_sum[use] / cell_n[use, None]
    m = x.shape[0]
    s, o = np.ones(3), np.zeros(3)
    design = np.stack([x, np.ones_like(x)], axis=2)  # (m, 3, 2): per axis [x, 1]
    ata = np.einsum("mki,mkj->kij", design, design) + RIDGE * m * np.eye(2)
    for _ in range(FIT_ITERATIONS):
        c = s * (x + o)
        y = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)
        atb = np.einsum("mki,mk->ki", design, y) + RIDGE * m * np.array([1.0, 0.0])
        ab = np.linalg.solve(ata, atb[..., None])[..., 0]
        s, o = ab[:, 0], ab[:, 1] / ab[:, 0]
    before = np.mean(np.abs(np.linalg.norm(x, axis=1) - 1))
    after = np.mean(np.abs(np.linalg.norm(s * (x + o), axis=1) - 1))
    ok = (
        after < before
        and np.all(np.abs(o) <= MAX_OFFSET_G)
        and np.all(np.abs(s - 1) <= MAX_SCALE_ERR)
    )
    return (s, o) if ok else (np.ones(3), np.zeros(3))

"""Per-recording gain and offset of the accelerometer, learnt from its still moments.

Why: a MEMS accelerometer's per-axis offset and gain errors change |a| at rest by up to 0.05 g
with the orientation (0.03 g on average on the SisFall belt sensor, 0.005 g after this step).
Everything that integrates |a| - 1 g (which way the body moved in a sit-to-stand, how far it
lowered in a lift) needs |a| = 1 g at rest whatever the orientation. As GGIR and actipy do
(van Hees et al. 2014), the errors are fitted on still moments: there the true |a| is 1 g, so
scale s and offset o are chosen so that |s ∘ (x + o)| = 1 for the still means x.

Streaming and causal: grid epochs (1 s) are calibrated with what the epochs *before* them
taught, so a live session and a batch run give the same values. Still epochs (the total
standard deviation of the three axes under `STILL_SD_G`) are pooled by orientation: an epoch
within `POOL_DEG` of an earlier orientation joins it, otherwise it starts a new one (up to
`MAX_POOLS`), so hours of sitting count as one orientation; whenever an orientation gets its
`POOL_MIN` th epoch the fit is redone on the orientations' means. The fit is pulled towards
no correction (`RIDGE`), so a few orientations only level |a| where the wearer has been, and
it is kept only where it lowers the error at rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STILL_SD_G = 0.013  # GGIR's threshold for a still window (here: all three axes together)
POOL_DEG = 15.0  # still epochs this close in orientation are pooled
MAX_POOLS = 200
POOL_MIN = 3  # still epochs an orientation needs before it counts
RIDGE = 0.02  # pull of the fit towards no correction, per orientation
FIT_ITERATIONS = 60
MAX_OFFSET_G = 0.3
MAX_MATRIX_ERR = 0.2


@dataclass
class _State:
    next_k: int | None = None  # grid index of the next bin to arrive
    part: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))  # the open epoch, raw
    anchor: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))  # first direction
    pool_sum: np.ndarray = field(default_factory=lambda: np.empty((0, 3)))
    pool_n: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    matrix: np.ndarray = field(default_factory=lambda: np.eye(3))
    offset: np.ndarray = field(default_factory=lambda: np.zeros(3))


class AutoCalibrator:
    """Streaming grid → calibrated grid (same shape); see the module docstring."""

    def __init__(self, fs_hz: int) -> None:
        self.fs = int(fs_hz)
        self.state = _State()

    @property
    def gain_offset(self) -> tuple[np.ndarray, np.ndarray]:
        """The current matrix and offset: calibrated = matrix @ raw + offset."""
        return self.state.matrix.copy(), self.state.offset.copy()

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
        done = raw[: n_done * fs].reshape(n_done, fs, 3)
        with np.errstate(invalid="ignore"):
            sd, mean = _sd_mean(done)
        idx = np.flatnonzero(np.isfinite(sd) & (sd < STILL_SD_G))
        pool = self._pools(mean[idx])
        idx, pool = idx[pool >= 0], pool[pool >= 0]  # beyond MAX_POOLS orientations: unused
        grow = st.anchor.shape[0] - st.pool_n.size
        st.pool_n = np.r_[st.pool_n, np.zeros(grow, np.int64)]
        st.pool_sum = np.vstack([st.pool_sum, np.zeros((grow, 3))])
        # Still epochs with which an orientation reaches POOL_MIN: the fit changes after them.
        trig = idx[_rank(pool, st.pool_n) == POOL_MIN].tolist()
        a = 0
        # matrix.T made C-contiguous: numpy's matmul takes a far slower path for a transposed
        # (Fortran-ordered) 3×3 (4x here), with the same result.
        for e in trig:
            rows = slice(a * fs, (e + 1) * fs)
            out[rows] = raw[rows] @ np.ascontiguousarray(st.matrix.T) + st.offset
            self._add(idx, pool, mean, a, e)
            st.matrix, st.offset = _fit(st.pool_sum, st.pool_n)
            a = e + 1
        out[a * fs :] = raw[a * fs :] @ np.ascontiguousarray(st.matrix.T) + st.offset
        self._add(idx, pool, mean, a, n_done - 1)
        st.part = raw[n_done * fs :]
        st.next_k = (e_first + n_done) * fs
        return out[-n:].astype(np.float32)

    def _add(self, idx: np.ndarray, pool: np.ndarray, mean: np.ndarray, a: int, e: int) -> None:
        """Still epochs a..e into their orientation pools."""
        sel = (idx >= a) & (idx <= e)
        np.add.at(self.state.pool_sum, pool[sel], mean[idx[sel]])
        np.add.at(self.state.pool_n, pool[sel], 1)

    def _pools(self, x: np.ndarray) -> np.ndarray:
        """The orientation pool of each still epoch mean, opening new pools where needed."""
        st = self.state
        u = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
        cos_max = np.cos(np.radians(POOL_DEG))
        pool = np.full(u.shape[0], -1)
        if st.anchor.size:
            sim = u @ st.anchor.T
            best = np.argmax(sim, axis=1)
            near = sim[np.arange(u.shape[0]), best] >= cos_max
            pool[near] = best[near]
        for i in np.flatnonzero(pool < 0).tolist():  # new orientations: rare, in order
            if st.anchor.size:
                sim = st.anchor @ u[i]
                j = int(np.argmax(sim))
                if sim[j] >= cos_max:
                    pool[i] = j
                    continue
            if st.anchor.shape[0] >= MAX_POOLS:
                continue
            st.anchor = np.vstack([st.anchor, u[i]])
            pool[i] = st.anchor.shape[0] - 1
        return pool


def _sd_mean(done: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per epoch (rows of `done`, (n, fs, 3)): the total standard deviation of the three axes
    and the mean. The steps of `np.var` and `np.mean` (same sums, same divisions, so the same
    bits), with the mean computed once instead of twice."""
    k = done.shape[1]
    mean = np.add.reduce(done, axis=1, keepdims=True)
    mean = np.true_divide(mean, np.intp(k), out=mean, casting="unsafe")
    x = np.subtract(done, mean)
    np.multiply(x, x, out=x)
    var = np.true_divide(np.add.reduce(x, axis=1), np.intp(k))
    return np.sqrt(np.sum(var, axis=1)), mean[:, 0, :]


def _rank(pool: np.ndarray, carried: np.ndarray) -> np.ndarray:
    """How many still epochs each one's pool holds once it is added."""
    if pool.size == 0:
        return pool.astype(np.int64)
    order = np.argsort(pool, kind="stable")
    sp = pool[order]
    within = np.arange(sp.size) - np.searchsorted(sp, sp, side="left") + 1
    rank = np.empty(pool.size, np.int64)
    rank[order] = within
    before = np.zeros(int(pool.max()) + 1, np.int64)
    k = min(carried.size, before.size)
    before[:k] = carried[:k]
    return rank + before[pool]


def _fit(pool_sum: np.ndarray, pool_n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """|A x + b| = 1 on the orientation means, by GGIR's iteration, with a ridge towards I, 0."""
    use = pool_n >= POOL_MIN
    x = pool_sum[use] / pool_n[use, None]
    m = x.shape[0]
    design = np.c_[x, np.ones(m)]  # (m, 4)
    lhs = design.T @ design + RIDGE * m * np.eye(4)
    prior = RIDGE * m * np.vstack([np.eye(3), np.zeros((1, 3))])  # θ = [Aᵀ; bᵀ] near [I; 0]
    theta = prior / (RIDGE * m)
    for _ in range(FIT_ITERATIONS):
        c = design @ theta
        y = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-9)
        theta = np.linalg.solve(lhs, design.T @ y + prior)
    a, b = theta[:3].T, theta[3]
    before = np.mean(np.abs(np.linalg.norm(x, axis=1) - 1))
    after = np.mean(np.abs(np.linalg.norm(x @ a.T + b, axis=1) - 1))
    ok = (
        after < before
        and np.all(np.abs(b) <= MAX_OFFSET_G)
        and np.all(np.abs(a - np.eye(3)) <= MAX_MATRIX_ERR)
    )
    return (a, b) if ok else (np.eye(3), np.zeros(3))

"""Runs of equal labels over time, tracked across chunks: the basis of every event.

Why: a sitting bout, a walk or a bend is a maximal run of rows with the same label. In a live
session a run can span many chunks, so the open run is carried in explicit state and only closed
runs are returned. Accumulators are reduced with min, max or sum of integers/exact values only, so
the result does not depend on where chunks were cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_REDUCE = {"sum": np.add, "min": np.minimum, "max": np.maximum}


@dataclass(frozen=True)
class Run:
    """A closed run: label, [start_s, end_s), reduced values, and when it became known."""

    label: int
    start_s: float
    end_s: float
    values: dict[str, float]
    decided_s: float


@dataclass
class _Open:
    label: int
    start_s: float
    end_s: float
    values: dict[str, float] = field(default_factory=dict)


class RunTracker:
    """Maximal runs of equal non-negative labels on rows spaced `dt_s` apart.

    A run breaks where the label changes or rows are not contiguous in time (a gap).
    `reducers` maps a value name to "sum", "min" or "max".
    """

    def __init__(self, dt_s: float, reducers: dict[str, str] | None = None) -> None:
        self.dt_s = float(dt_s)
        self.reducers = dict(reducers or {})
        self.open: _Open | None = None

    def push(
        self,
        t_s: np.ndarray,
        labels: np.ndarray,
        values: dict[str, np.ndarray] | None = None,
        *,
        final: bool = False,
    ) -> list[Run]:
        values = values or {}
        out: list[Run] = []
        n = int(t_s.shape[0])
        if n == 0:
            if final and self.open is not None:
                out.append(self._close(self.open, np.inf))
                self.open = None
            return out
        t = np.asarray(t_s, np.float64)
        lab = np.asarray(labels, np.int64)
        brk = np.ones(n, bool)
        brk[1:] = (lab[1:] != lab[:-1]) | (
            np.abs(t[1:] - t[:-1] - self.dt_s) > 1e-6 * max(1, self.dt_s)
        )
        starts = np.flatnonzero(brk)
        ends = np.r_[starts[1:], n]
        red = {
            k: _REDUCE[self.reducers[k]].reduceat(np.asarray(v, np.float64), starts)
            for k, v in values.items()
        }
        # The open run from the previous chunk continues if nothing breaks at row 0.
        op = self.open
        first_continues = (
            op is not None
            and op.label == lab[0]
            and abs(t[0] - op.end_s) <= 1e-6 * max(1, self.dt_s)
        )
        if op is not None and not first_continues:
            out.append(self._close(op, t[0]))
            op = None
        for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
            vals = {k: float(r[i]) for k, r in red.items()}
            end_s = float(t[b - 1] + self.dt_s)
            if i == 0 and op is not None:
                merged = {k: float(_REDUCE[self.reducers[k]](op.values[k], vals[k])) for k in vals}
                cur = _Open(op.label, op.start_s, end_s, merged)
            else:
                cur = _Open(int(lab[a]), float(t[a]), end_s, vals)
            if b < n:
                out.append(self._close(cur, float(t[b])))
            else:
                op = cur
        if final:
            out.append(self._close(op, np.inf))
            op = None
        self.open = op
        return [r for r in out if r.label >= 0]

    @staticmethod
    def _close(op: _Open, decided_s: float) -> Run:
        return Run(op.label, op.start_s, op.end_s, dict(op.values), float(decided_s))

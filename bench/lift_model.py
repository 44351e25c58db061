"""The lift-style model: an L2 logistic regression on a lift's continuous figures, in NumPy.

Why here and not in processing/: fitting is a bench's job (it needs labelled recordings);
`processing/lift_style.py` ships only the coefficients this prints, with the data they were
fitted on. Chosen by nested leave-one-subject-out on the development subjects alone:

1. Outer loop: each development subject is held out in turn.
2. Inner loop, on the others: every candidate (feature set, L2 strength) is scored
   leave-one-subject-out, by the share of lifts whose style is right with `unsure` counted as
   wrong (so a penalty that squeezes every p(back) towards one half does not win by saying
   "unsure" often); the best wins (ties: the smaller set, then the stronger penalty).
3. The winner is fitted on all the others and predicts the held-out subject: that prediction,
   pooled over subjects, is the nested figure (nothing in it saw the subject it scores).
4. The shipped model: step 2 on all development subjects, fitted on all of them.

A lift's figures come from its event (`events.json`); a figure that could not be measured
(NaN) is set to the training mean, i.e. it adds no evidence either way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Figures a model may use, with the range each is clipped to (one wild value must not decide).
CLIP = {
    "rel_peak_deg": (0.0, 120.0),
    "deep_deg": (0.0, 60.0),
    "tilt_back_deg": (0.0, 60.0),
    "lowering_m": (-0.2, 0.8),
    "down_ms": (0.0, 1.5),
    "up_ms": (0.0, 1.5),
    "vert_ms": (0.0, 1.5),
    "fwd_speed_dps": (0.0, 300.0),
    "back_speed_dps": (0.0, 300.0),
    "duration_s": (0.0, 20.0),
    "bottom_s": (0.0, 10.0),
}
#: Candidate feature sets, simplest first: trunk angle and lowering (the two figures the
#: guidance names), then the body's vertical speed, then the angle beyond the deep-bend line.
#: Timing (duration, time at the bottom) and the turn's speed are left out on purpose: SisFall's
#: protocol ("slowly") sets them, a lift in daily life does not.
FEATURE_SETS: tuple[tuple[str, ...], ...] = (
    ("rel_peak_deg", "lowering_m"),
    ("rel_peak_deg", "lowering_m", "vert_ms"),
    ("rel_peak_deg", "deep_deg", "lowering_m", "vert_ms"),
)
LAMBDAS = (0.1, 0.3, 1.0, 3.0, 10.0)
UNSURE_P = 0.1  # |p(back) - 0.5| below this: unsure (the figures point both ways)


@dataclass(frozen=True)
class StyleModel:
    """Standardisation and coefficients: p(back) = 1 / (1 + exp(-(b + w·(x - mean) / scale)))."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    lam: float

    def p_back(self, rows: list[dict]) -> np.ndarray:
        x = (_raw(rows, self.features) - self.mean) / self.scale
        x = np.where(np.isnan(x), 0.0, x)
        return 1.0 / (1.0 + np.exp(-(self.intercept + x @ self.coef)))


def style(p_back: np.ndarray) -> list[str]:
    return [
        "unsure" if abs(p - 0.5) < UNSURE_P else ("back" if p >= 0.5 else "legs") for p in p_back
    ]


def _raw(rows: list[dict], features: tuple[str, ...]) -> np.ndarray:
    x = np.array([[float(r.get(f, np.nan)) for f in features] for r in rows], float)
    lo = np.array([CLIP[f][0] for f in features])
    hi = np.array([CLIP[f][1] for f in features])
    return np.clip(x, lo, hi)


def fit(rows: list[dict], y: np.ndarray, features: tuple[str, ...], lam: float) -> StyleModel:
    """L2-penalised logistic regression by Newton's method (the intercept is not penalised)."""
    x = _raw(rows, features)
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    z = np.where(np.isnan(x), 0.0, (x - mean) / scale)
    a = np.c_[np.ones(len(z)), z]
    w = np.zeros(a.shape[1])
    pen = np.full(a.shape[1], lam)
    pen[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a @ w)))
        grad = a.T @ (p - y) + pen * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(pen) + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return StyleModel(features, mean, scale, w[1:], float(w[0]), lam)


def right(p_back: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per lift: the style is right (unsure counts as wrong, as in the bench's tables)."""
    return np.array([s == ("back" if b else "legs") for s, b in zip(style(p_back), y, strict=True)])


def _loso_acc(data: dict[str, tuple[list, np.ndarray]], features, lam) -> float:
    hits = []
    for held in data:
        rows = [r for k in data if k != held for r in data[k][0]]
        y = np.concatenate([data[k][1] for k in data if k != held])
        m = fit(rows, y, features, lam)
        hits.extend(right(m.p_back(data[held][0]), data[held][1]))
    return float(np.mean(hits))


def choose(data: dict[str, tuple[list, np.ndarray]]) -> tuple[tuple[str, ...], float, float]:
    """Step 2: the (features, λ) with the best leave-one-subject-out accuracy, and that accuracy."""
    best: tuple[float, int, float, tuple[str, ...]] | None = None
    for i, feats in enumerate(FEATURE_SETS):
        for lam in LAMBDAS:
            acc = _loso_acc(data, feats, lam)
            key = (acc, -i, lam, feats)
            if best is None or key[:3] > best[:3]:
                best = key
    assert best is not None
    return best[3], best[2], best[0]


def nested(data: dict[str, tuple[list, np.ndarray]]) -> tuple[dict[str, np.ndarray], list]:
    """Steps 1-3: per held-out subject its p(back), and the (features, λ) each fold chose."""
    out, chosen = {}, []
    for held in data:
        inner = {k: v for k, v in data.items() if k != held}
        feats, lam, _ = choose(inner)
        rows = [r for k in inner for r in inner[k][0]]
        y = np.concatenate([inner[k][1] for k in inner])
        out[held] = fit(rows, y, feats, lam).p_back(data[held][0])
        chosen.append((held, feats, lam))
    return out, chosen


def shipped(data: dict[str, tuple[list, np.ndarray]]) -> StyleModel:
    """Step 4: chosen and fitted on every subject given."""
    feats, lam, _ = choose(data)
    rows = [r for k in data for r in data[k][0]]
    y = np.concatenate([data[k][1] for k in data])
    return fit(rows, y, feats, lam)

"""Fit the sitting state's movement models on the SisFall DEVELOPMENT subjects only.

Run:  .venv/bin/python bench/fit_sitting.py [../shared/data] [--placement waist]

Why a script: `processing/sitstate.py` weighs each movement with two small logistic models
(P(sit-down), P(stand-up)); their weights must come from data, from the development half alone
(bench/split.py), and their generalisation must be printed leave-one-subject-out. Nothing
here reads a validation subject.

1. Every development subject's trials are joined into one session (as bench/accuracy_sisfall.py
   does; plain and turned to a random mounting) and streamed through the pipeline with the
   movement trace on (`MoveCarry.trace`): each movement between still moments, with features.
2. Each movement is labelled from the trial it ends in. Trials in which nobody sits: "no
   change while standing". D07-D10 (stand, sit, stand): the first movement that goes down
   first is the sit-down, the last that goes up first after it the stand-up, those between
   "no change while seated". D15 (squat): its descent is "no change while standing", its rise
   a stand-up's positive (from a crouch the pipeline took for a seat, leaving is right). D11
   (seated, a failed rise): "no change while seated". A movement that starts in the trial
   before counts, unless that trial ended seated or lying (a splice).
3. The sit-down model: sit-downs against movements while standing; the stand-up model:
   stand-ups (and squat rises) against movements while seated. L2-regularised logistic
   regression; leave-one-subject-out figures printed, then the weights on all of DEV.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from accuracy_sisfall import ENDS_SEATED_OR_LYING, NO_SIT_CODES, SEED, join_subject
from scipy.optimize import minimize
from scipy.spatial.transform import Rotation
from split import SISFALL_DEV

from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline
from backcoach.processing.sitstate import (
    MovementFeatures,
    before_features,
    rise_features,
    sit_down_features,
    stand_up_features,
)

REPO = Path(__file__).resolve().parents[1]
SIT_DOWN_CODES = ("D07", "D08", "D09", "D10")
MIN_MOVE_MS = 0.2  # a movement this fast counts as the trial's sit-down or stand-up
LAMBDA = 1.0  # L2 penalty on the weights (not the intercept)


def movements(data: Path, placement: str) -> list[dict]:
    """Every DEV movement with its features, subject, trial code and label."""
    folders = sorted(p for p in (data / "sisfall").iterdir() if p.is_dir())
    rng = np.random.default_rng(SEED)
    joined = {f.name: join_subject(f, rng) for f in folders}  # same order as accuracy_sisfall
    rows: list[dict] = []
    for i, (subject, (t, a, trials)) in enumerate(joined.items()):
        if subject not in SISFALL_DEV:
            continue
        rot = Rotation.random(random_state=SEED + i).as_matrix()
        for turned, acc in ((False, a), (True, (a @ rot.T).astype(np.float32))):
            sp = StreamingPipeline(PipelineConfig(placement=placement))
            sp._sit.moves.trace = []
            sp.push(t, acc)
            sp.flush()
            starts = np.array([tr.start for tr in trials])
            for t0, t1, mv, _jumped in sp._sit.moves.trace:
                for j in range(len(mv)):
                    k = int(np.searchsorted(starts, t1[j], side="right")) - 1
                    tr = trials[k]
                    spliced = t0[j] < tr.start
                    if spliced and (k == 0 or trials[k - 1].code in ENDS_SEATED_OR_LYING):
                        continue
                    if spliced and k > 0 and t0[j] < trials[k - 1].start:
                        continue
                    rows.append(
                        {
                            "subject": subject,
                            "key": (subject, turned, k),
                            "code": tr.code,
                            "t": float(t1[j]),
                            "mv": {f: getattr(mv, f)[j] for f in mv.__dataclass_fields__},
                        }
                    )
    _label(rows)
    return rows


def _label(rows: list[dict]) -> None:
    by = defaultdict(list)
    for r in rows:
        r["label"] = None
        by[r["key"]].append(r)
    for ms in by.values():
        ms.sort(key=lambda r: r["t"])
        code = ms[0]["code"]
        if code in NO_SIT_CODES and code != "D15":
            for r in ms:
                r["label"] = "standing"
        elif code == "D11":
            for r in ms:
                r["label"] = "seated"
        elif code in (*SIT_DOWN_CODES, "D15"):
            mv = [r["mv"] for r in ms]
            down = [i for i, m in enumerate(mv) if m["first"] < 0 and _speed(m) >= MIN_MOVE_MS]
            if not down:
                continue
            d = down[0]
            up = [i for i, m in enumerate(mv) if i > d and m["first"] > 0 and _speed(m) >= 0.2]
            u = up[-1] if up else None
            for i, r in enumerate(ms):
                if i < d or (u is not None and i > u):
                    r["label"] = "standing"
                elif i == d:
                    r["label"] = "sit-down" if code != "D15" else "squat-down"
                elif u is None:
                    r["label"] = None
                elif i < u:
                    r["label"] = "seated" if code != "D15" else None
                else:
                    r["label"] = "stand-up" if code != "D15" else "squat-up"


def _speed(m: dict) -> float:
    return max(m["down_ms"], m["up_ms"])


def _features(rows: list[dict], fn) -> np.ndarray:
    fields = MovementFeatures.__dataclass_fields__
    mv = MovementFeatures(**{f: np.array([r["mv"][f] for r in rows]) for f in fields})
    return fn(mv)


def fit_logistic(x: np.ndarray, y: np.ndarray, lam: float = LAMBDA) -> np.ndarray:
    """L2-regularised logistic regression (intercept in column 0, not penalised)."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = np.clip(x @ w, -30, 30)
        p = 1 / (1 + np.exp(-z))
        nll = -np.sum(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
        pen = np.r_[0.0, w[1:]]
        return nll + lam * float(pen @ pen), x.T @ (p - y) + 2 * lam * pen

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x


def fit_model(name: str, rows: list[dict], fn, positive: set, negative: set) -> np.ndarray:
    use = [r for r in rows if r["label"] in positive | negative]
    x = _features(use, fn)
    y = np.array([r["label"] in positive for r in use], float)
    subj = np.array([r["subject"] for r in use])
    held = np.zeros(len(use))
    for s in np.unique(subj):
        w = fit_logistic(x[subj != s], y[subj != s])
        held[subj == s] = 1 / (1 + np.exp(-np.clip(x[subj == s] @ w, -30, 30)))
    w = fit_logistic(x, y)
    print(f"\n{name}: {int(y.sum())} positives, {int((1 - y).sum())} negatives (DEV)")
    labels = np.array([r["label"] for r in use])
    for lab in sorted(set(labels)):
        sel = labels == lab
        print(
            f"  {lab:12s} n={sel.sum():5d}  called {name} leave-one-subject-out "
            f"{np.mean(held[sel] >= 0.5):.3f}"
        )
    print(f"  weights (all DEV): np.array([{', '.join(f'{v:.3f}' for v in w)}])")
    print(
        f"  log-odds of positives among them (the prior): {np.log(y.mean() / (1 - y.mean())):.3f}"
    )
    return w


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data")
    ap.add_argument("--placement", default="waist")
    args = ap.parse_args(argv)
    rows = movements(args.data, args.placement)
    fit_model("sit-down", rows, sit_down_features, {"sit-down"}, {"standing", "squat-down"})
    fit_model("stand-up", rows, stand_up_features, {"stand-up", "squat-up"}, {"seated"})
    fit_model("chair-rise", rows, rise_features, {"stand-up"}, {"squat-up"})
    fit_model(
        "seated-before",
        rows,
        before_features,
        {"seated", "stand-up"},
        {"standing", "sit-down", "squat-down", "squat-up"},
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

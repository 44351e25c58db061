"""Walking and steps on real lower-back recordings with a walking reference (Mobilise-D).

Each recording with reference walking bouts goes through `backcoach analyze --placement
lower_back` (as an anonymous .npz, in the sensor's own axes) and through mobgap's two pipelines
(`peers.mobgap_walking`). Scored per second: a second is reference walking when at least half of
it lies inside a reference bout, and detected walking when backcoach's epoch is walking or
running (mobgap: half of it inside one of its final walking bouts). Steps: backcoach's steps
over the recording (`G6.steps`: step candidates inside its bouts) and mobgap's initial contacts
in its bouts, against the reference initial contacts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import peers
from accuracy_common import run_analyze


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    steps: int = 0
    ref_steps: int = 0
    sitting_in_walk: int = 0
    per: list = field(default_factory=list)

    def add(self, name: str, walk: np.ndarray, ref: np.ndarray, steps: int, ref_steps: int):
        tp, fp, fn = int(np.sum(walk & ref)), int(np.sum(walk & ~ref)), int(np.sum(~walk & ref))
        self.tp, self.fp, self.fn = self.tp + tp, self.fp + fp, self.fn + fn
        self.steps, self.ref_steps = self.steps + steps, self.ref_steps + ref_steps
        self.per.append((name, _f1(tp, fp, fn), tp, fp, fn, steps, ref_steps))

    @property
    def f1(self) -> float:
        return _f1(self.tp, self.fp, self.fn)

    @property
    def step_error(self) -> float:
        return (self.steps - self.ref_steps) / max(1, self.ref_steps)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / max(1, 2 * tp + fp + fn)


def _per_second(n: int, bouts, fs: float = 100.0) -> np.ndarray:
    grid = np.arange(int(n * fs)) / fs
    inside = np.zeros(grid.size, bool)
    for a, b in bouts:
        inside |= (grid >= a) & (grid < b)
    return inside.reshape(n, int(fs)).mean(axis=1) >= 0.5


def load(data: Path) -> dict:
    """Recordings with a walking reference: name → (t, acc, fs, meta, ref bouts, ref ICs)."""
    out = {}
    for f in sorted((data / "mobilised").rglob("*.npz")):
        with np.load(f) as d:
            if len(d["wb_s"]) == 0:
                continue  # no reference walking: nothing to score
            meta = json.loads(str(d["meta"]))
            out[f"{f.parent.name}/{f.stem}"] = (
                d["t"].astype(np.float64),
                d["acc"].astype(np.float32),
                float(d["fs"]),
                meta,
                [tuple(map(float, b)) for b in d["wb_s"]],
                np.asarray(d["ic_s"], np.float64),
            )
    return out


def run(data: Path, *, with_peers: bool) -> dict:
    recs = load(data)
    if not recs:
        print("\nMobilise-D: no recordings with a walking reference under", data / "mobilised")
        return {}
    results = run_analyze({k: (v[0], v[1]) for k, v in recs.items()}, "lower_back")
    ours = Score()
    mob = {"mobgap healthy": Score(), "mobgap impaired": Score()}
    for name, (t, acc, fs, meta, wb, ic) in recs.items():
        n = int(np.ceil(t[-1]))
        ref = _per_second(n, wb)
        et, post, steps, _ = results[name]
        idx = et.astype(int)
        ok = (idx >= 0) & (idx < n)
        walk = np.zeros(n, bool)
        sit = np.zeros(n, bool)
        walk[idx[ok]] = np.isin(post[ok], ["walking", "running"])
        sit[idx[ok]] = post[ok] == "sitting"
        ours.add(name, walk, ref, int(steps.sum()), len(ic))
        ours.sitting_in_walk += int(np.sum(sit & ref))
        if with_peers:
            for label, impaired in (("mobgap healthy", False), ("mobgap impaired", True)):
                bouts, n_ic = peers.mobgap_walking(
                    acc, fs, meta["axis_up"], meta["axis_forward"], impaired=impaired
                )
                mob[label].add(name, _per_second(n, bouts), ref, n_ic, len(ic))
    ref_s = ours.tp + ours.fn
    print(
        f"\nMobilise-D lower back (L5, 100 Hz): {len(recs)} recordings with a walking reference, "
        f"{ref_s} reference walking seconds, {ours.ref_steps} reference initial contacts"
    )
    print(f"  {'recording':26s} {'who':16s} {'F1':>5s} {'tp':>4s} {'fp':>4s} {'fn':>4s} steps")
    rows = [("backcoach", ours)] + (list(mob.items()) if with_peers else [])
    for i in range(len(recs)):
        for who, sc in rows:
            name, f1, tp, fp, fn, st, rst = sc.per[i]
            print(f"  {name:26s} {who:16s} {f1:5.2f} {tp:4d} {fp:4d} {fn:4d} {st}/{rst}")
    print("  all recordings (seconds pooled):")
    for who, sc in rows:
        print(
            f"    {who:16s} walking F1 {sc.f1:.3f} (tp {sc.tp}, fp {sc.fp}, fn {sc.fn}); "
            f"steps {sc.steps}/{sc.ref_steps} ({100 * sc.step_error:+.1f}%)"
        )
    share = ours.sitting_in_walk / max(1, ref_s)
    print(f"    reference walking seconds read as sitting by backcoach: {share:.3f}")
    out = {"walk_f1": ours.f1, "steps_err": ours.step_error, "sit_in_walk": share}
    if with_peers:
        best = max(mob.values(), key=lambda s: s.f1)
        closest = min(mob.values(), key=lambda s: abs(s.step_error))
        out |= {"mobgap_f1": best.f1, "mobgap_steps_err": closest.step_error}
    return out

"""Walking and steps on real recordings: Mobilise-D (lower back, reference system) and SisFall.

Usage: python bench/accuracy_mobilised.py [DATA_DIR] [--no-peers] [--no-sisfall]

1. Mobilise-D recordings with reference walking bouts go through `backcoach analyze --placement
   lower_back` (anonymous .npz, the sensor's own axes) and through mobgap's two pipelines
   (`peers.mobgap_walking`), scored the same way in the same run:
   - walking per second: a second is reference walking when at least half of it lies inside a
     reference bout; detected walking when backcoach's epoch is walking or running (mobgap: half
     of it inside one of its final walking bouts); F1 over the pooled seconds;
   - steps per reference bout: the detected steps (backcoach's counted steps, mobgap's initial
     contacts inside its bouts) within the bout widened by `BOUT_TOL_S` on each side, against
     the reference initial contacts in it; |error| summed over bouts as a share of the
     reference steps (the issue's "per bout" figure), and its sign pooled;
   - extras: detected steps outside every widened reference bout; all steps against all
     reference contacts (pooled: misses and extras may cancel there).
   Printed for DEVELOPMENT and VALIDATION (bench/split.py) apart and for all participants.
2. SisFall (waist belt, trial labels; joined per subject as `accuracy_sisfall` does): walking
   where nobody walks (D07-D17 sit-downs, lying, squats, stoops, the car: trials with 2 s or
   more read as walking or running, share of their seconds, first seconds of each trial left
   out so the trial before does not count), walking dominant in D01/D02, running dominant in
   D03/D04 and walking trials read as sitting; again per half.

Backcoach's step times come from the same streaming steps `analyze` runs (resample, autocal,
features, gait), in process; their count per epoch is checked against `analyze`'s epochs.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import peers
from accuracy_common import rate, run_analyze
from split import mobilised_half, sisfall_half

from backcoach.processing.autocal import AutoCalibrator
from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeaturizer
from backcoach.processing.gait import StepTrains
from backcoach.processing.resample import GridResampler

REPO = Path(__file__).resolve().parents[1]
BOUT_TOL_S = 0.25  # a step this close outside a reference bout still belongs to it
SISFALL_SEED = 20261125  # the joined order of accuracy_sisfall
NO_WALK_CODES = tuple(f"D{i:02d}" for i in range(7, 18))  # sit-downs .. car: nobody walks
SPLICE_S = 3.0  # a trial's first seconds may still hold the trial before it


@dataclass
class Score:
    """One detector's figures over a set of recordings."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    bout_abs: int = 0  # Σ over reference bouts of |detected - reference|
    bout_signed: int = 0  # Σ of (detected - reference)
    bout_ref: int = 0
    extras: int = 0  # detected steps outside every reference bout
    steps: int = 0
    ref_steps: int = 0
    bouts: int = 0

    def add(self, other: Score) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def f1(self) -> float:
        return 2 * self.tp / max(1, 2 * self.tp + self.fp + self.fn)

    @property
    def per_bout(self) -> float:
        return self.bout_abs / max(1, self.bout_ref)

    @property
    def in_bouts(self) -> float:
        return self.bout_signed / max(1, self.bout_ref)

    @property
    def pooled(self) -> float:
        return (self.steps - self.ref_steps) / max(1, self.ref_steps)


@dataclass
class Recording:
    name: str
    participant: str
    t: np.ndarray
    acc: np.ndarray
    fs: float
    meta: dict
    wb: list[tuple[float, float]]
    ic: np.ndarray
    scores: dict[str, Score] = field(default_factory=dict)
    sit_in_walk: int = 0


def score(n: int, walk: np.ndarray, steps_t: np.ndarray, rec: Recording) -> Score:
    """Per-second walking and per-bout steps of one detector on one recording."""
    ref = _per_second(n, rec.wb)
    s = Score(
        tp=int(np.sum(walk & ref)),
        fp=int(np.sum(walk & ~ref)),
        fn=int(np.sum(~walk & ref)),
        steps=int(steps_t.size),
        ref_steps=int(rec.ic.size),
        bouts=len(rec.wb),
    )
    inside = np.zeros(steps_t.size, bool)
    for a, b in rec.wb:
        near = (steps_t >= a - BOUT_TOL_S) & (steps_t <= b + BOUT_TOL_S)
        inside |= near
        got, want = int(near.sum()), int(np.sum((rec.ic >= a) & (rec.ic <= b)))
        s.bout_abs += abs(got - want)
        s.bout_signed += got - want
        s.bout_ref += want
    s.extras = int(np.sum(~inside))
    return s


def _per_second(n: int, bouts, fs: float = 100.0) -> np.ndarray:
    grid = np.arange(int(n * fs)) / fs
    inside = np.zeros(grid.size, bool)
    for a, b in bouts:
        inside |= (grid >= a) & (grid < b)
    return inside.reshape(n, int(fs)).mean(axis=1) >= 0.5


def load(data: Path) -> list[Recording]:
    """Every Mobilise-D recording (also those without reference bouts: they are listed)."""
    out = []
    for f in sorted((data / "mobilised").rglob("*.npz")):
        with np.load(f) as d:
            out.append(
                Recording(
                    name=f"{f.parent.name}/{f.stem}",
                    participant=f.parent.name,
                    t=d["t"].astype(np.float64),
                    acc=d["acc"].astype(np.float32),
                    fs=float(d["fs"]),
                    meta=json.loads(str(d["meta"])),
                    wb=[tuple(map(float, b)) for b in d["wb_s"]],
                    ic=np.asarray(d["ic_s"], np.float64),
                )
            )
    return out


def step_times(t: np.ndarray, acc: np.ndarray, cfg: PipelineConfig) -> tuple[np.ndarray, dict]:
    """The times of backcoach's counted steps, and the count per epoch start (for the check)."""
    res = GridResampler(cfg.fs_hz, cfg.gap_s)
    k0, grid, filled = res.push(t, acc, final=True)
    grid = AutoCalibrator(cfg.fs_hz).push(k0, grid)
    f = EpochFeaturizer(cfg.fs_hz, cfg.step_params).push(k0, grid, filled, final=True)
    f = StepTrains(cfg).push(f, final=True)
    times = np.sort(f.step_t[np.isfinite(f.step_t)])
    return times, dict(zip(f.t_s.tolist(), f.steps.tolist(), strict=True))


def run_mobilised(data: Path, *, with_peers: bool) -> dict:
    recs = load(data)
    if not recs:
        print("\nMobilise-D: no recordings under", data / "mobilised")
        return {}
    scored = [r for r in recs if r.wb]
    cfg = PipelineConfig(placement="lower_back")
    results = run_analyze({r.name: (r.t, r.acc) for r in scored}, "lower_back")
    who = ["backcoach"] + (["mobgap healthy", "mobgap impaired"] if with_peers else [])
    for r in scored:
        n = int(np.ceil(r.t[-1]))
        et, post, steps, _ = results[r.name]
        idx = et.astype(int)
        ok = (idx >= 0) & (idx < n)
        walk, sit = np.zeros(n, bool), np.zeros(n, bool)
        walk[idx[ok]] = np.isin(post[ok], ["walking", "running"])
        sit[idx[ok]] = post[ok] == "sitting"
        times, per_epoch = step_times(r.t, r.acc, cfg)
        cli = dict(zip(et.tolist(), steps.tolist(), strict=True))
        if {k: v for k, v in per_epoch.items() if v} != {k: v for k, v in cli.items() if v}:
            raise SystemExit(f"{r.name}: the in-process steps differ from `analyze`'s epochs")
        r.scores["backcoach"] = score(n, walk, times, r)
        r.sit_in_walk = int(np.sum(sit & _per_second(n, r.wb)))
        if with_peers:
            for label, impaired in (("mobgap healthy", False), ("mobgap impaired", True)):
                bouts, ics = peers.mobgap_walking(
                    r.acc, r.fs, r.meta["axis_up"], r.meta["axis_forward"], impaired=impaired
                )
                r.scores[label] = score(n, _per_second(n, bouts), ics, r)
    n_ic = sum(r.ic.size for r in scored)
    print(
        f"\nMobilise-D lower back (L5, 100 Hz): {len(scored)} recordings with a walking reference "
        f"({n_ic} reference initial contacts); steps per reference bout ±{BOUT_TOL_S} s"
    )
    for r in recs:
        if not r.wb:
            print(
                f"  {r.name} ({mobilised_half(r.participant)}): "
                "no reference walking bout, not scored"
            )
    print(
        f"  {'recording':22s} {'who':16s} {'F1':>5s} {'tp':>4s} {'fp':>4s} {'fn':>4s} "
        f"{'per bout':>9s} {'extras':>6s} {'all steps':>10s}"
    )
    for r in scored:
        for w in who:
            s = r.scores[w]
            print(
                f"  {r.name:22s} {w:16s} {s.f1:5.2f} {s.tp:4d} {s.fp:4d} {s.fn:4d} "
                f"{s.bout_abs:3d}/{s.bout_ref:<5d} {s.extras:6d} {s.steps:4d}/{s.ref_steps}"
            )
    groups = {
        "DEVELOPMENT (" + ", ".join(sorted({r.participant for r in scored if _dev(r)})) + ")": [
            r for r in scored if _dev(r)
        ],
        "VALIDATION (" + ", ".join(sorted({r.participant for r in recs if not _dev(r)})) + ")": [
            r for r in scored if not _dev(r)
        ],
        "ALL (development and validation together)": scored,
        "daily living only (Test11)": [r for r in scored if "Test11" in r.name],
    }
    out: dict = {}
    for label, rows in groups.items():
        print(f"  {label}:")
        if not rows:
            print("    nothing with a walking reference to score")
            continue
        for w in who:
            tot = Score()
            for r in rows:
                tot.add(r.scores[w])
            print(
                f"    {w:16s} walking F1 {tot.f1:.3f} (tp {tot.tp}, fp {tot.fp}, fn {tot.fn}); "
                f"steps per bout |err| {100 * tot.per_bout:5.1f}% ({tot.bout_abs}/{tot.bout_ref}, "
                f"{tot.bouts} bouts, signed {100 * tot.in_bouts:+.1f}%); extras {tot.extras}; "
                f"all steps {tot.steps}/{tot.ref_steps} ({100 * tot.pooled:+.1f}%)"
            )
        sit = sum(r.sit_in_walk for r in rows) / max(
            1, sum(r.scores["backcoach"].tp + r.scores["backcoach"].fn for r in rows)
        )
        print(f"    reference walking seconds read as sitting by backcoach: {sit:.3f}")
        if label.startswith("ALL"):
            tot = Score()
            for r in rows:
                tot.add(r.scores["backcoach"])
            out = {"walk_f1": tot.f1, "steps_err": tot.per_bout, "sit_in_walk": sit}
            if with_peers:
                mob = {}
                for w in who[1:]:
                    m = Score()
                    for r in rows:
                        m.add(r.scores[w])
                    mob[w] = m
                out["mobgap_f1"] = max(m.f1 for m in mob.values())
                out["mobgap_steps_err"] = min(m.per_bout for m in mob.values())
    return out


def _dev(r: Recording) -> bool:
    return mobilised_half(r.participant) == "dev"


def run_sisfall(data: Path) -> dict:
    """Walking where nobody walks, walking and running where they do (SisFall, per half)."""
    from accuracy_sisfall import join_subject  # the same joined sessions as the sitting section

    folder = data / "sisfall"
    if not folder.is_dir():
        print("\nSisFall: no sisfall/ folder under", data)
        return {}
    rng = np.random.default_rng(SISFALL_SEED)
    joined = {
        f.name: join_subject(f, rng) for f in sorted(p for p in folder.iterdir() if p.is_dir())
    }
    results = run_analyze({k: (t, a) for k, (t, a, _) in joined.items()}, "waist")
    print(f"\nSisFall waist belt, walking and steps ({len(joined)} subjects joined per subject)")
    out: dict = {}
    for half in ("dev", "validation", "all"):
        keys = [k for k in joined if half == "all" or sisfall_half(k) == half]
        fw_trials, fw_s, fw_n, walk, run, sit_s, sit_n = [], 0, 0, [], [], 0, 0
        cad, by_code = [], {}
        for k in keys:
            t, post, steps, _ = results[k]
            moving = np.isin(post, ["walking", "running"])
            for tr in joined[k][2]:
                sel = (t >= tr.start) & (t < tr.end)
                p = post[sel]
                names, counts = np.unique(p, return_counts=True)
                dom = str(names[np.argmax(counts)]) if counts.size else "none"
                if tr.code in NO_WALK_CODES:
                    core = (t >= tr.start + SPLICE_S) & (t < tr.end)
                    n_move = int(np.sum(moving[core]))
                    fw_trials.append(n_move >= 2)
                    if n_move >= 2:
                        by_code[tr.code] = by_code.get(tr.code, 0) + 1
                    fw_s, fw_n = fw_s + n_move, fw_n + int(core.sum())
                elif tr.code in ("D01", "D02"):
                    walk.append(dom == "walking")
                    sit_s, sit_n = sit_s + int(np.sum(p == "sitting")), sit_n + p.size
                    w = p == "walking"
                    if w.sum() >= 20:
                        cad.append(60.0 * steps[sel][w].sum() / w.sum())
                elif tr.code in ("D03", "D04"):
                    run.append(dom == "running")
        label = {"dev": "DEVELOPMENT", "validation": "VALIDATION", "all": "ALL"}[half]
        print(f"  [{label}: {', '.join(keys)}]")
        print(
            f"    walking read where nobody walks (D07-D17): trials with 2 s or more "
            f"{rate(fw_trials)}, seconds {fw_s}/{fw_n} ({fw_s / max(1, fw_n):.4f})"
            + (f"; trials by type {dict(sorted(by_code.items()))}" if by_code else "")
        )
        print(
            f"    walking dominant in walking trials (D01/D02) {rate(walk)}; read as sitting "
            f"{sit_s / max(1, sit_n):.4f} of their seconds"
        )
        print(f"    running dominant in jogging trials (D03/D04) {rate(run)}")
        if cad:
            print(
                f"    counted cadence in walking trials: median {np.median(cad):.0f} steps/min "
                f"(10-90%: {np.percentile(cad, 10):.0f}-{np.percentile(cad, 90):.0f})"
            )
        if half == "all":
            out = {
                "false_walk_trials": float(np.mean(fw_trials)),
                "false_walk_s": fw_s / max(1, fw_n),
            }
    return out


def run(data: Path, *, with_peers: bool, sisfall: bool = True) -> dict:
    """Both parts; the figures for bench/accuracy.py's goal table."""
    out = run_mobilised(data, with_peers=with_peers)
    if sisfall:
        out |= run_sisfall(data)
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data")
    ap.add_argument("--no-peers", action="store_true", help="skip mobgap")
    ap.add_argument("--no-sisfall", action="store_true", help="Mobilise-D only")
    args = ap.parse_args(argv)
    with_peers = not args.no_peers
    if with_peers and "mobgap" in peers.missing():
        print("mobgap is not installed: pip install -e '.[bench]' or --no-peers")
        return 2
    run(args.data, with_peers=with_peers, sisfall=not args.no_sisfall)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""SisFall (waist belt, trial labels): every trial type as the wearer's day would hold it.

Per subject, all trials are joined into one continuous recording, in random order after a
walking trial (the sensor stays on the person), written as an anonymous `.npz` and passed to
`backcoach analyze --placement waist`; the same recordings rotated to a random mounting are
analysed again. Per trial:

- sit-down trials (D07-D11): a sit found = ≥ 2 consecutive sitting epochs; a stand-up found =
  sitting followed by an upright epoch by 3 s after the trial (what scikit-digital-health's
  `Sit2Stand` reports, run on the same joined recordings);
- lying (D12-D14): ≥ 2 consecutive lying epochs;
- walking (D01, D02) / jogging (D03, D04): the dominant posture is walking / running;
  false sitting = sitting epochs in walking trials;
- lifts (D15 squat → legs, D16 stoop → back): the longest lift event overlapping the trial, its
  style; the style thresholds are also fitted leave-one-subject-out (held-out figure printed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import peers
from accuracy_common import rate, run_analyze
from scipy.spatial.transform import Rotation

from backcoach.processing.pipeline import PipelineConfig, analyze

SEED = 20261125
WAIST = PipelineConfig(placement="waist")
SIT_CODES = ("D07", "D08", "D09", "D10", "D11")
LIE_CODES = ("D12", "D13", "D14")
WALK_CODES = ("D01", "D02")
RUN_CODES = ("D03", "D04")
LIFT_CODES = {"D15": "legs", "D16": "back"}
STAND_UP_LAG_S = 3.0
POSTURES = ("lying", "sitting", "standing", "walking", "running", "other")


@dataclass
class Trial:
    code: str
    start: float
    end: float


def join_subject(folder: Path, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    """All trials of one subject as one continuous recording: a walking trial, then random order."""
    files = sorted(folder.glob("D*.npz"))
    walk = [f for f in files if f.name.startswith("D01")][:1] or files[:1]
    rest = [f for f in files if f not in walk]
    order = walk + [rest[i] for i in rng.permutation(len(rest))]
    ts, accs, trials, t0 = [], [], [], 0.0
    for f in order:
        with np.load(f) as d:
            t, acc = d["t"].astype(np.float64), d["acc"].astype(np.float32)
            fs = float(d["fs"])
        ts.append(t - t[0] + t0)
        accs.append(acc)
        trials.append(Trial(f.name[:3], t0, t0 + t[-1] - t[0] + 1 / fs))
        t0 = ts[-1][-1] + 1 / fs
    return np.concatenate(ts), np.concatenate(accs), trials


def _consecutive(mask: np.ndarray, n: int = 2) -> bool:
    if mask.size < n:
        return False
    return bool(np.any(np.convolve(mask.astype(int), np.ones(n, int), mode="valid") >= n))


def evaluate_subject(result, trials: list[Trial]) -> dict:
    """Per-trial outcomes for one subject."""
    t, post, _steps, events = result
    lifts = [e for e in events if e["type"] == "lift"]
    keys = ("sit", "stand_up", "lie", "walk", "run", "false_sit", "lift", "lift_feat", "dominant")
    res: dict[str, list] = {k: [] for k in keys}
    for tr in trials:
        sel = (t >= tr.start) & (t < tr.end)
        p = post[sel]
        names, counts = np.unique(p, return_counts=True)
        dominant = str(names[np.argmax(counts)]) if counts.size else "none"
        res["dominant"].append((tr.code, dominant))
        if tr.code in SIT_CODES:
            res["sit"].append(_consecutive(p == "sitting"))
            # A stand-up is decided at the first still epoch after it: allow STAND_UP_LAG_S.
            after = post[(t >= tr.start) & (t < tr.end + STAND_UP_LAG_S)]
            seated = after == "sitting"
            res["stand_up"].append(bool(np.any(seated[:-1] & ~seated[1:] & (after[1:] != "lying"))))
        elif tr.code in LIE_CODES:
            res["lie"].append(_consecutive(p == "lying"))
        elif tr.code in WALK_CODES:
            res["walk"].append(dominant == "walking")
            res["false_sit"].append((int(np.sum(p == "sitting")), int(p.size)))
        elif tr.code in RUN_CODES:
            res["run"].append(dominant == "running")
        elif tr.code in LIFT_CODES:
            over = [e for e in lifts if e["start"] < tr.end and e["end"] > tr.start]
            best = max(over, key=lambda e: e["end"] - e["start"]) if over else None
            res["lift"].append(best is not None and best.get("style") == LIFT_CODES[tr.code])
            feat = (
                (best.get("rel_peak_deg", best["peak_angle"]), best.get("lowering_m", np.nan))
                if best
                else None
            )
            res["lift_feat"].append((LIFT_CODES[tr.code], feat))
    return res


def style_of(feat, th) -> str | None:
    if feat is None:
        return None
    rel, low = feat
    if np.isfinite(low):
        return "legs" if low >= th[0] else "back"
    return "back" if rel >= th[1] else "legs"


def fit_lift_style(samples: list[tuple[str, tuple | None]]) -> tuple[float, float]:
    """The (`lift_lowering_m`, `lift_back_deg`) pair that classifies the most training lifts.

    As in `events`: a lift whose lowering was measured is `back` when it lowered less than
    `lift_lowering_m`; without a measured lowering the peak angle decides (`lift_back_deg`).
    """
    best, best_acc = (0.12, 55.0), -1.0
    for low in np.arange(0.04, 0.32, 0.02):
        for a in np.arange(20.0, 95.0, 2.5):
            acc = float(np.mean([style_of(f, (low, a)) == want for want, f in samples]))
            if acc > best_acc + 1e-12:
                best, best_acc = (float(low), float(a)), acc
    return best


def _confusion(per: dict) -> None:
    table: dict[str, dict[str, int]] = {}
    for k in per:
        for code, dom in per[k]["dominant"]:
            table.setdefault(code, {}).setdefault(dom, 0)
            table[code][dom] += 1
    print("    dominant posture per trial type (trials):")
    print("      code " + " ".join(f"{p[:8]:>8s}" for p in POSTURES))
    for code in sorted(table):
        row = table[code]
        print(f"      {code}  " + " ".join(f"{row.get(p, 0):8d}" for p in POSTURES))


def _print_section(label: str, per: dict) -> dict:
    agg = {m: [v for k in per for v in per[k][m]] for m in ("sit", "stand_up", "lie", "walk")}
    agg |= {m: [v for k in per for v in per[k][m]] for m in ("run", "lift")}
    fs = [v for k in per for v in per[k]["false_sit"]]
    false_sit = sum(a for a, _ in fs) / max(1, sum(b for _, b in fs))
    print(f"\n  [{label}]")
    by_code: dict[str, list[bool]] = {}
    for k in per:
        sit_trials = [c for c, _ in per[k]["dominant"] if c in SIT_CODES]
        for code, hit in zip(sit_trials, per[k]["sit"], strict=True):
            by_code.setdefault(code, []).append(hit)
    print(f"    sit found in sit-down trials    {rate(agg['sit'])}")
    print("      by trial type: " + ", ".join(f"{c} {rate(v)}" for c, v in sorted(by_code.items())))
    print(f"    stand-up found in them          {rate(agg['stand_up'])}")
    print(f"    lying found in lying trials     {rate(agg['lie'])}")
    print(f"    walking dominant in walk trials {rate(agg['walk'])}")
    print(f"    false sitting in walk trials    {false_sit:.4f} of epochs")
    print(f"    running dominant in jogging     {rate(agg['run'])}")
    print(f"    lift style (D15 legs/D16 back)  {rate(agg['lift'])} (shipped thresholds)")
    loso = []
    for held in per:
        train = [x for k in per if k != held for x in per[k]["lift_feat"]]
        th = fit_lift_style(train)
        loso += [style_of(f, th) == want for want, f in per[held]["lift_feat"]]
    th_all = fit_lift_style([x for k in per for x in per[k]["lift_feat"]])
    feats = [f for k in per for _, f in per[k]["lift_feat"]]
    found = [f is not None for f in feats]
    print(
        f"    lift style, thresholds fitted leave-one-subject-out: {rate(loso)} (fit on all: "
        f"{th_all[0]:.2f} m, {th_all[1]:.1f}°; shipped {WAIST.lift_lowering_m:g} m, "
        f"{WAIST.lift_back_deg:g}°)"
    )
    print(f"    lifts found in D15/D16 trials   {rate(found)}")
    _confusion(per)
    return {
        "sit": float(np.mean(agg["sit"])),
        "lift_style_loso": float(np.mean(loso)),
        "lift_found": float(np.mean(found)),
        "run": float(np.mean(agg["run"])),
        "walk": float(np.mean(agg["walk"])),
        "false_sit": false_sit,
    }


def _skdh(joined: dict) -> float:
    hits = []
    for t, a, trials in joined.values():
        starts = peers.skdh_stand_ups(t, a)
        for tr in trials:
            if tr.code in SIT_CODES:
                hits.append(bool(np.any((starts >= tr.start) & (starts < tr.end))))
    print(f"    scikit-digital-health Sit2Stand: stand-up found in sit-down trials {rate(hits)}")
    return float(np.mean(hits))


def loso_sit_delta(joined: dict) -> None:
    """Leave-one-subject-out choice of `sit_delta_deg` (in-process `analyze`, same code path)."""
    grid = (2.0, 3.0, 4.0)
    hits: dict[float, dict[str, list[bool]]] = {}
    for v in grid:
        cfg = replace(WAIST, sit_delta_deg=v)
        hits[v] = {}
        for k, (t, a, trials) in joined.items():
            ep = analyze(t, a, cfg).epochs
            res = evaluate_subject((ep.t_s, ep.posture_names().astype(str), ep.steps, []), trials)
            hits[v][k] = res["sit"]
    loso = []
    for held in joined:
        train = {v: np.mean([x for k in joined if k != held for x in hits[v][k]]) for v in grid}
        loso += hits[max(grid, key=lambda v: (train[v], -abs(v - WAIST.sit_delta_deg)))][held]
    print(
        f"    sit found, sit_delta_deg fitted leave-one-subject-out over {grid}: {rate(loso)} "
        f"(shipped {WAIST.sit_delta_deg:g}°)"
    )


def run(data: Path, *, with_peers: bool, loso_sit: bool) -> dict:
    folders = sorted(p for p in (data / "sisfall").iterdir() if p.is_dir())
    rng = np.random.default_rng(SEED)
    joined = {f.name: join_subject(f, rng) for f in folders}
    rots = {k: Rotation.random(random_state=SEED + i).as_matrix() for i, k in enumerate(joined)}
    plain = run_analyze({k: (t, a) for k, (t, a, _) in joined.items()}, "waist")
    rotated = run_analyze(
        {k: (t, (a @ rots[k].T).astype(np.float32)) for k, (t, a, _) in joined.items()}, "waist"
    )
    hours = sum(t[-1] - t[0] for t, _, _ in joined.values()) / 3600
    print(
        f"\nSisFall waist belt: {len(joined)} subjects, {hours:.1f} h joined "
        f"(`backcoach analyze --placement waist`)"
    )
    out = {}
    for label, results in (("unrotated", plain), ("rotated to a random mounting", rotated)):
        per = {k: evaluate_subject(results[k], joined[k][2]) for k in joined}
        figures = _print_section(label, per)
        out = out or figures
    if with_peers:
        out["skdh_stand_up"] = _skdh(joined)
    if loso_sit:
        loso_sit_delta(joined)
    agree = []
    for k in joined:
        (ta, pa, _, _), (tb, pb, _, _) = plain[k], rotated[k]
        _, ia, ib = np.intersect1d(ta, tb, return_indices=True)
        agree.append((int(np.sum(pa[ia] == pb[ib])), int(ia.size)))
    out["rot"] = sum(a for a, _ in agree) / sum(b for _, b in agree)
    print(f"\n  rotated vs unrotated: {out['rot']:.4f} of epochs agree")
    return out

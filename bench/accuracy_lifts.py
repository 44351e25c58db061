"""Lifts on SisFall, development and validation apart: found, style, and false lifts.

Usage: python bench/accuracy_lifts.py [DATA_DIR] [--placements waist lower_back] [--no-fit]
[--rotated-tables]

SisFall is a **waist-belt** recording (one sensor at the pelvis). The product's default
placement is `lower_back`; its figures here are that configuration run on waist data, which is
what a wearer who wears the sensor low and keeps the default gets, not a lumbar recording.

Per subject, every trial is joined into one continuous session exactly as
`accuracy_sisfall.py` joins them (same seed, same order), written as an anonymous `.npz` and run
through `backcoach analyze --placement P`; the same sessions turned to a random mounting are run
again. Per trial:

- D15 (standing, bending at the knees, getting up → `legs`) and D16 (bending without the knees
  → `back`): found = a lift event overlapping the trial; style = the style of the longest one
  (legs, back, unsure, or not found), as a confusion per class;
- every other trial (no bend asked for): the lift events whose middle lies in it are false
  lifts, per trial type (walking and jogging, stairs, sitting down and up, lying, car, stumble,
  jump);
- rotated against plain: the same outcome per D15/D16 trial.

Nothing nobody tuned is scored as held-back: the lift-style model is fitted on the development
subjects only (`bench/split.py`), with nested leave-one-subject-out (`lift_model.py`), and its
coefficients are shipped in `processing/lift_style.py`; VALIDATION uses those shipped
coefficients as they are. SisFall's "lifts" carry no load (bends only).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import lift_model
import numpy as np
from accuracy_common import rate, run_analyze
from accuracy_sisfall import SEED, join_subject
from scipy.spatial.transform import Rotation
from split import HALVES, sisfall_half

REPO = Path(__file__).resolve().parents[1]
LIFT_CODES = {"D15": "legs", "D16": "back"}
OUTCOMES = ("legs", "back", "unsure", "not found")
#: Trial types without a bend, grouped as the wearer's day would name them.
NO_BEND = {
    "walk/jog D01-04": ("D01", "D02", "D03", "D04"),
    "stairs D05-06": ("D05", "D06"),
    "sit down/up D07-11": ("D07", "D08", "D09", "D10", "D11"),
    "lying D12-14": ("D12", "D13", "D14"),
    "car D17": ("D17",),
    "stumble D18": ("D18",),
    "jump D19": ("D19",),
}


@dataclass
class SubjectLifts:
    """One subject's outcomes: per D15/D16 trial (want, got, the lift's attrs), false lifts."""

    trials: list[tuple[str, str, dict]] = field(default_factory=list)
    false: Counter = field(default_factory=Counter)  # trial code -> lift events in it
    n_trials: Counter = field(default_factory=Counter)  # trial code -> trials
    false_trials: Counter = field(default_factory=Counter)  # trial code -> trials with a lift


def sessions(data: Path) -> dict[str, tuple[np.ndarray, np.ndarray, list]]:
    """The joined sessions of accuracy_sisfall.py (same seed, same subject order)."""
    folders = sorted(p for p in (data / "sisfall").iterdir() if p.is_dir())
    rng = np.random.default_rng(SEED)
    return {f.name: join_subject(f, rng) for f in folders}


def score_subject(events: list[dict], trials: list) -> SubjectLifts:
    lifts = [e for e in events if e["type"] == "lift"]
    mids = np.array([(e["start"] + e["end"]) / 2 for e in lifts])
    out = SubjectLifts()
    for tr in trials:
        out.n_trials[tr.code] += 1
        if tr.code in LIFT_CODES:
            best = _most_overlap(lifts, tr.start, tr.end)
            got = "not found" if best is None else best.get("style") or "unsure"
            out.trials.append((LIFT_CODES[tr.code], got, best or {}))
        elif mids.size:
            n = int(np.sum((mids >= tr.start) & (mids < tr.end)))
            out.false[tr.code] += n
            out.false_trials[tr.code] += int(n > 0)
    return out


def _most_overlap(lifts: list[dict], start: float, end: float) -> dict | None:
    """The lift that overlaps [start, end) most (a lift spilling in from the trial before,
    across the join of two recordings, overlaps it less than the trial's own), or None."""
    over = [(min(e["end"], end) - max(e["start"], start), e) for e in lifts]
    over = [(d, e) for d, e in over if d > 0]
    return max(over, key=lambda de: de[0])[1] if over else None


def confusion(per: dict[str, SubjectLifts]) -> dict[str, Counter]:
    table: dict[str, Counter] = {want: Counter() for want in ("legs", "back")}
    for s in per.values():
        for want, got, _ in s.trials:
            table[want][got] += 1
    return table


def print_half(label: str, per: dict[str, SubjectLifts]) -> dict:
    """The half's table; returns its figures."""
    rows = [(w, g) for s in per.values() for w, g, _ in s.trials]
    found = [g != "not found" for _, g in rows]
    right = [w == g for w, g in rows]
    table = confusion(per)
    print(f"    [{label}] {len(per)} subjects, {len(rows)} D15/D16 trials")
    print(f"      lifts found      {rate(found)}")
    print(f"      style right      {rate(right)}  (unsure and not found count as wrong)")
    decided = [w == g for w, g in rows if g in ("legs", "back")]
    print(f"      style right where decided {rate(decided)}")
    print("      truth \\ read   " + " ".join(f"{o:>9s}" for o in OUTCOMES))
    for want, c in table.items():
        name = "D15 squat" if want == "legs" else "D16 stoop"
        print(f"      {name:15s}" + " ".join(f"{c[o]:9d}" for o in OUTCOMES))
    print("      false lifts in trials without a bend (trials with ≥1 / lifts / trials):")
    total_t = total_hit = total_n = 0
    for group, codes in NO_BEND.items():
        n = sum(s.n_trials[c] for s in per.values() for c in codes)
        lifts = sum(s.false[c] for s in per.values() for c in codes)
        hit = _trials_with_lift(per, codes)
        total_t, total_hit, total_n = total_t + n, total_hit + hit, total_n + lifts
        print(f"        {group:20s} {hit:4d} / {lifts:4d} / {n:4d}")
    share = total_hit / max(1, total_t)
    print(f"        {'all':20s} {total_hit:4d} / {total_n:4d} / {total_t:4d}  ({share:.3f})")
    return {
        "found": float(np.mean(found)) if found else float("nan"),
        "style": float(np.mean(right)) if right else float("nan"),
        "false_trials": share,
        "false_lifts": total_n,
    }


def _trials_with_lift(per: dict[str, SubjectLifts], codes: tuple[str, ...]) -> int:
    """Trials of these codes holding a false lift (counted per trial, not per lift)."""
    return sum(s.false_trials.get(c, 0) for s in per.values() for c in codes)


def run_placement(joined: dict, rots: dict, placement: str, *, tables_rotated: bool) -> dict:
    plain = run_analyze({k: (t, a) for k, (t, a, _) in joined.items()}, placement)
    turned = run_analyze(
        {k: (t, (a @ rots[k].T).astype(np.float32)) for k, (t, a, _) in joined.items()}, placement
    )
    figures: dict = {}
    outcomes = {}
    for how, results in (("plain", plain), ("rotated", turned)):
        per = {k: score_subject(results[k][3], joined[k][2]) for k in joined}
        outcomes[how] = per
        if how == "rotated" and not tables_rotated:
            continue
        print(f"\n  {placement}, {how}:")
        for half in HALVES:
            sub = {k: s for k, s in per.items() if sisfall_half(k) == half}
            figures[(how, half)] = print_half(half.upper(), sub)
    same = [
        a[1] == b[1]
        for k in joined
        for a, b in zip(outcomes["plain"][k].trials, outcomes["rotated"][k].trials, strict=True)
    ]
    print(f"\n  {placement}: D15/D16 outcome the same plain and rotated: {rate(same)}")
    figures["rot"] = float(np.mean(same))
    figures["per"] = outcomes["plain"]
    return figures


def fit_style(per: dict[str, SubjectLifts]) -> dict:
    """The style model on the development subjects: nested LOSO figure and the shipped fit."""
    data = {}
    for k, s in per.items():
        if sisfall_half(k) != "dev":
            continue
        rows = [(want, attrs) for want, got, attrs in s.trials if got != "not found"]
        y = np.array([want == "back" for want, _ in rows], float)
        data[k] = ([a for _, a in rows], y)
    p, chosen = lift_model.nested(data)
    hits = np.concatenate([lift_model.right(p[k], data[k][1]) for k in data])
    n_trials = sum(len(s.trials) for k, s in per.items() if sisfall_half(k) == "dev")
    print("\n  lift style model (bench/lift_model.py), DEVELOPMENT subjects only:")
    print(f"    nested leave-one-subject-out: style right {rate(list(hits))} of the lifts found")
    print(f"      ({int(hits.sum())}/{n_trials} of the D15/D16 trials; unsure counts as wrong)")
    for held, feats, lam in chosen:
        print(f"      without {held}: {', '.join(feats)}; L2 {lam:g}")
    from backcoach.processing import lift_style  # here: the bench also scores older code

    m = lift_model.shipped(data)
    print(f"    fitted on all {len(data)}: {', '.join(m.features)}; L2 {m.lam:g}")
    print(_as_code(m))
    same = _same(m, lift_style.WAIST)
    print(f"    processing/lift_style.py ships this fit: {'yes' if same else 'NO, copy the above'}")
    return {"style_nested": float(np.mean(hits)), "shipped_is_fit": same}


def _as_code(m: lift_model.StyleModel) -> str:
    lo = tuple(lift_model.CLIP[f][0] for f in m.features)
    hi = tuple(lift_model.CLIP[f][1] for f in m.features)

    def fmt(v) -> str:
        return "(" + ", ".join(f"{float(x):.4g}" for x in v) + ("," if len(v) == 1 else "") + ")"

    return (
        "    WAIST = StyleModel(\n"
        f"        features={m.features!r},\n"
        f"        clip_lo={fmt(lo)},\n        clip_hi={fmt(hi)},\n"
        f"        mean={fmt(m.mean)},\n        scale={fmt(m.scale)},\n"
        f"        coef={fmt(m.coef)},\n        intercept={m.intercept:.4g},\n    )"
    )


def _same(m: lift_model.StyleModel, shipped) -> bool:
    if tuple(m.features) != tuple(shipped.features):
        return False
    pairs = ((m.mean, shipped.mean), (m.scale, shipped.scale), (m.coef, shipped.coef))
    close = all(np.allclose(a, b, rtol=1e-3, atol=1e-4) for a, b in pairs)
    return close and abs(m.intercept - shipped.intercept) < 1e-3


def run(
    data: Path, placements: list[str], *, fit: bool = True, tables_rotated: bool = False
) -> dict:
    joined = sessions(data)
    rots = {k: Rotation.random(random_state=SEED + i).as_matrix() for i, k in enumerate(joined)}
    hours = sum(t[-1] - t[0] for t, _, _ in joined.values()) / 3600
    print(
        f"\nLifts on SisFall (a WAIST-belt recording; `lower_back` is the product default run on "
        f"the same waist data): {len(joined)} subjects, {hours:.1f} h joined"
    )
    out = {p: run_placement(joined, rots, p, tables_rotated=tables_rotated) for p in placements}
    if fit and "waist" in out:
        out["fit"] = fit_style(out["waist"]["per"])
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("data", nargs="?", type=Path, default=REPO / ".." / "shared" / "data")
    ap.add_argument("--placements", nargs="+", default=["waist", "lower_back"])
    ap.add_argument("--no-fit", action="store_true", help="skip the style model's fit")
    ap.add_argument("--rotated-tables", action="store_true", help="tables for rotated too")
    args = ap.parse_args(argv)
    if not (args.data / "sisfall").is_dir():
        print(f"no sisfall/ folder under {args.data}; pass the data folder as the argument")
        return 2
    run(args.data, args.placements, fit=not args.no_fit, tables_rotated=args.rotated_tables)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

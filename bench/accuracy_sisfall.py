"""SisFall (waist belt, trial labels): sitting you can trust, scored so that it cannot flatter.

Per subject, all trials are joined into one continuous session (a walking trial first, then
random order: the sensor stays on the person), written as an anonymous `.npz` and passed to
`backcoach analyze`; the same sessions turned to a random mounting are analysed again, and the
figures pool both (as the independent scoring of issue 18 does). Development and validation
subjects (`split.py`) are printed apart. Per trial:

- trials in which nobody sits (D01-D06 walking, jogging, stairs; D15 squat, D16 stoop, D18
  stumble, D19 jump): read as sitting when ≥ 2 consecutive sitting epochs lie inside it; the
  share of its seconds read as sitting. A trial that follows one ending seated or lying (D11-D14)
  is left out: the joined session jumps from seated to standing there with no movement (a
  splice), which no sensor could see;
- sit-down trials (D07-D10): sitting found = a sitting run of ≥ 2 epochs that BEGINS inside the
  trial (no credit for a state carried in); stand-up found = such a run ends in an upright epoch
  by `STAND_UP_LAG_S` after the trial. Those after a trial ending seated or lying are left out
  (the seated state carried over the splice is right there, and no sit-down can begin); the
  figure with them is printed beside;
- D11 (seated, tries to rise, falls back: it starts and ends seated): "stays seated, no false
  stand-up" = no sitting→upright change inside it and sitting over its last 2 s;
- D17 (into a car, seated, out): its own row (a sit-down and a stand-up), not among the goals;
- lying (D12-D14): ≥ 2 consecutive lying epochs; walking (D01, D02) / jogging (D03, D04): the
  dominant posture, and the share of walking seconds read as sitting;
- rotation: the share of epochs on which the plain and the turned session agree;
- lifts (D15 squat → legs, D16 stoop → back): the longest lift event overlapping the trial,
  its style with the shipped thresholds (lift style has its own bench: accuracy_lifts.py).

scikit-digital-health's `Sit2Stand` runs on the same plain sessions: its stand-ups found in the
sit-down trials, and the no-sit trials in which it finds one (its false alarms).

`waist` is the placement SisFall was recorded at; `lower_back` (the product's default) is
scored on the same waist recordings, to see what a wearer who keeps the default would get.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import peers
from accuracy_common import rate, run_analyze
from scipy.spatial.transform import Rotation
from split import HALVES, sisfall_half

SEED = 20261125
PLACEMENTS = ("waist", "lower_back")
SIT_DOWN_CODES = ("D07", "D08", "D09", "D10")
FAILED_RISE = "D11"
CAR = "D17"
LIE_CODES = ("D12", "D13", "D14")
WALK_CODES = ("D01", "D02")
RUN_CODES = ("D03", "D04")
NO_SIT_CODES = ("D01", "D02", "D03", "D04", "D05", "D06", "D15", "D16", "D18", "D19")
ENDS_SEATED_OR_LYING = ("D11", "D12", "D13", "D14")
LIFT_CODES = {"D15": "legs", "D16": "back"}
STAND_UP_LAG_S = 3.0  # a stand-up is decided at the first still epoch after it
MIN_SIT_EPOCHS = 2
UPRIGHT = ("standing", "walking", "running", "other")
POSTURES = ("lying", "sitting", "standing", "walking", "running", "other")


@dataclass
class Trial:
    code: str
    start: float
    end: float
    prev: str  # code of the trial before it in the joined session ("" for the first)


def join_subject(folder: Path, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list]:
    """All trials of one subject as one continuous recording: a walking trial, then random order."""
    files = sorted(folder.glob("D*.npz"))
    walk = [f for f in files if f.name.startswith("D01")][:1] or files[:1]
    rest = [f for f in files if f not in walk]
    order = walk + [rest[i] for i in rng.permutation(len(rest))]
    ts, accs, trials, t0, prev = [], [], [], 0.0, ""
    for f in order:
        with np.load(f) as d:
            t, acc = d["t"].astype(np.float64), d["acc"].astype(np.float32)
            fs = float(d["fs"])
        ts.append(t - t[0] + t0)
        accs.append(acc)
        trials.append(Trial(f.name[:3], t0, t0 + t[-1] - t[0] + 1 / fs, prev))
        prev = f.name[:3]
        t0 = ts[-1][-1] + 1 / fs
    return np.concatenate(ts), np.concatenate(accs), trials


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs of `mask`."""
    edges = np.diff(np.r_[0, mask.astype(np.int8), 0])
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def score_trial(t: np.ndarray, post: np.ndarray, tr: Trial) -> dict:
    """The outcomes of one trial from the session's epochs (start times `t`, posture names)."""
    sel = np.flatnonzero((t >= tr.start) & (t < tr.end))
    out: dict = {"code": tr.code, "prev": tr.prev, "n": int(sel.size)}
    if sel.size == 0:
        return out
    i0, i1 = int(sel[0]), int(sel[-1]) + 1
    p = post[i0:i1]
    names, counts = np.unique(p, return_counts=True)
    out["dominant"] = str(names[np.argmax(counts)])
    sit = post == "sitting"
    # Contiguous epochs only: a run may not bridge a hole in the epochs.
    starts, ends = _runs(sit)
    long = (ends - starts) >= MIN_SIT_EPOCHS
    starts, ends = starts[long], ends[long]
    inside_2 = np.convolve(sit[i0:i1].astype(int), np.ones(MIN_SIT_EPOCHS, int), "valid")
    out["sit_2s"] = bool(np.any(inside_2 >= MIN_SIT_EPOCHS)) if p.size >= MIN_SIT_EPOCHS else False
    out["sit_s"] = int(np.sum(sit[i0:i1]))
    out["ends_sitting"] = bool(sit[i1 - 1])
    out["carried_in"] = bool(i0 > 0 and sit[i0 - 1] and sit[i0])
    begins = (starts >= i0) & (starts < i1)  # runs are maximal: one starting here began here
    out["sit_begins"] = bool(np.any(begins))
    lag_end = tr.end + STAND_UP_LAG_S
    out["stand_up"] = any(
        e < post.size and t[e] < lag_end and post[e] in UPRIGHT for e in ends[begins]
    )
    change = np.flatnonzero(sit[i0 : i1 - 1] & np.isin(post[i0 + 1 : i1], UPRIGHT))
    out["false_stand_up"] = bool(change.size)
    out["seated_end"] = bool(np.all(sit[max(i0, i1 - 2) : i1]))
    out["lie_2s"] = bool(
        p.size >= 2 and np.any(np.convolve((p == "lying").astype(int), [1, 1], "valid") >= 2)
    )
    return out


def score_lifts(events: list[dict], tr: Trial) -> dict:
    lifts = [
        e for e in events if e["type"] == "lift" and e["start"] < tr.end and e["end"] > tr.start
    ]
    best = max(lifts, key=lambda e: e["end"] - e["start"]) if lifts else None
    return {
        "lift_found": best is not None,
        "lift_style": best is not None and best.get("style") == LIFT_CODES[tr.code],
    }


def evaluate(results: dict, joined: dict) -> dict[str, list[dict]]:
    """Per subject, the scored trials of one analysis."""
    out = {}
    for k, (_t, _a, trials) in joined.items():
        t, post, _steps, events = results[k]
        rows = []
        for tr in trials:
            row = score_trial(t, post, tr)
            if tr.code in LIFT_CODES:
                row |= score_lifts(events, tr)
            rows.append(row)
        out[k] = rows
    return out


def _frac(values: list[bool]) -> float:
    return float(np.mean(values)) if values else float("nan")


def _no_sit_table(rows: list[dict]) -> dict:
    counted = [r for r in rows if r["code"] in NO_SIT_CODES and r["n"]]
    kept = [r for r in counted if r["prev"] not in ENDS_SEATED_OR_LYING]
    print("    trials in which nobody sits (left out: after a trial ending seated or lying)")
    print(
        f"      {'code':5s} {'trials':>7s} {'left out':>8s} {'read as sitting':>18s} "
        f"{'of seconds':>10s} {'end sitting':>11s}"
    )
    for code in NO_SIT_CODES:
        rs = [r for r in kept if r["code"] == code]
        if not rs:
            continue
        left = sum(r["code"] == code for r in counted) - len(rs)
        secs = sum(r["sit_s"] for r in rs) / max(1, sum(r["n"] for r in rs))
        ends = sum(r["ends_sitting"] for r in rs)
        print(
            f"      {code:5s} {len(rs):7d} {left:8d} {rate([r['sit_2s'] for r in rs]):>18s} "
            f"{secs:10.3f} {ends:11d}"
        )
    secs = sum(r["sit_s"] for r in kept) / max(1, sum(r["n"] for r in kept))
    trials = [r["sit_2s"] for r in kept]
    print(
        f"      {'all':5s} {len(kept):7d} {len(counted) - len(kept):8d} {rate(trials):>18s} "
        f"{secs:10.3f} {sum(r['ends_sitting'] for r in kept):11d}"
    )
    # The long walking and jogging trials weigh most in the pooled seconds ("of seconds"
    # above); the goal is on the mean of the trials' own shares, which they cannot dilute.
    mean = _frac([r["sit_s"] / r["n"] for r in kept])
    print(f"      seconds read as sitting, mean of the trials' shares: {mean:.3f}")
    return {"nosit_trials": _frac(trials), "nosit_seconds": mean, "nosit_seconds_pooled": secs}


def print_half(label: str, rows: list[dict]) -> dict:
    """One half's tables; returns its figures."""
    print(f"\n  [{label}]")
    fig = _no_sit_table(rows)
    every = [r for r in rows if r["code"] in SIT_DOWN_CODES and r["n"]]
    # After a trial that ends seated or lying the session jumps to standing with no movement:
    # the seated state carried in there is right, and no sit-down can begin. Left out too.
    sd = [r for r in every if r["prev"] not in ENDS_SEATED_OR_LYING]
    by = {c: [r["sit_begins"] for r in sd if r["code"] == c] for c in SIT_DOWN_CODES}
    began = rate([r["sit_begins"] for r in sd])
    print(
        f"    sit-down trials (D07-D10), sitting that begins inside  {began} "
        f"({len(every) - len(sd)} left out after a trial ending seated or lying; with them "
        f"{rate([r['sit_begins'] for r in every])})"
    )
    print("      by trial type: " + ", ".join(f"{c} {rate(v)}" for c, v in by.items()))
    carried = sum(r["carried_in"] for r in sd)
    print(f"      (trials that start with sitting carried in: {carried}/{len(sd)})")
    stood = rate([r["stand_up"] for r in sd])
    print(f"    stand-ups found in them                             {stood}")
    d11 = [r for r in rows if r["code"] == FAILED_RISE and r["n"]]
    stays = [r["seated_end"] and not r["false_stand_up"] for r in d11]
    print(
        f"    D11 failed rise: stays seated, no false stand-up      {rate(stays)} "
        f"(seated at its end {rate([r['seated_end'] for r in d11])}, "
        f"no false stand-up {rate([not r['false_stand_up'] for r in d11])})"
    )
    car = [r for r in rows if r["code"] == CAR and r["n"]]
    print(
        f"    D17 car: sitting begins inside {rate([r['sit_begins'] for r in car])}, "
        f"stand-up {rate([r['stand_up'] for r in car])}"
    )
    lie = [r["lie_2s"] for r in rows if r["code"] in LIE_CODES and r["n"]]
    print(f"    lying found in lying trials (D12-D14)                {rate(lie)}")
    walk = [r for r in rows if r["code"] in WALK_CODES and r["n"]]
    walk_sit = sum(r["sit_s"] for r in walk) / max(1, sum(r["n"] for r in walk))
    print(
        f"    walking dominant in walking trials                   "
        f"{rate([r['dominant'] == 'walking' for r in walk])}"
    )
    print(f"    walking seconds read as sitting                      {walk_sit:.4f}")
    run = [r["dominant"] == "running" for r in rows if r["code"] in RUN_CODES and r["n"]]
    print(f"    running dominant in jogging trials                   {rate(run)}")
    lifts = [r for r in rows if r["code"] in LIFT_CODES and r["n"]]
    print(
        f"    lifts found in D15/D16 {rate([r['lift_found'] for r in lifts])}, right style "
        f"(shipped thresholds) {rate([r['lift_style'] for r in lifts])}"
    )
    fig |= {
        "sit": _frac([r["sit_begins"] for r in sd]),
        "stand_up": _frac([r["stand_up"] for r in sd]),
        "d11_stays": _frac(stays),
        "lie": _frac(lie),
        "walk": _frac([r["dominant"] == "walking" for r in walk]),
        "false_sit": walk_sit,
        "run": _frac(run),
        "lift_found": _frac([r["lift_found"] for r in lifts]),
        "lift_style": _frac([r["lift_style"] for r in lifts]),
    }
    return fig


def _agreement(a: dict, b: dict, keys: list[str]) -> float:
    hit = tot = 0
    for k in keys:
        (ta, pa, _, _), (tb, pb, _, _) = a[k], b[k]
        _, ia, ib = np.intersect1d(ta, tb, return_indices=True)
        hit, tot = hit + int(np.sum(pa[ia] == pb[ib])), tot + int(ia.size)
    return hit / max(1, tot)


def _skdh(joined: dict, keys: list[str]) -> dict:
    """Sit2Stand on the plain sessions: stand-ups in sit-down trials, alarms in no-sit trials."""
    hits, alarms = [], []
    for k in keys:
        t, a, trials = joined[k]
        starts = peers.skdh_stand_ups(t, a)
        for tr in trials:
            inside = bool(np.any((starts >= tr.start) & (starts < tr.end + STAND_UP_LAG_S)))
            if tr.code in SIT_DOWN_CODES and tr.prev not in ENDS_SEATED_OR_LYING:
                hits.append(inside)
            elif tr.code in NO_SIT_CODES and tr.prev not in ENDS_SEATED_OR_LYING:
                alarms.append(bool(np.any((starts >= tr.start) & (starts < tr.end))))
    print(
        f"    scikit-digital-health Sit2Stand (plain sessions): stand-up found in sit-down "
        f"trials {rate(hits)}; a stand-up in no-sit trials {rate(alarms)}"
    )
    return {"skdh_stand_up": _frac(hits), "skdh_nosit_alarm": _frac(alarms)}


def run(
    data: Path,
    *,
    with_peers: bool,
    placements: tuple[str, ...] = PLACEMENTS,
    halves: tuple[str, ...] = HALVES,
) -> dict:
    """Print the tables; return {half: {figure: value}} (waist figures; `lower_back_*` too)."""
    folders = sorted(p for p in (data / "sisfall").iterdir() if p.is_dir())
    rng = np.random.default_rng(SEED)
    joined = {f.name: join_subject(f, rng) for f in folders}
    rots = {k: Rotation.random(random_state=SEED + i).as_matrix() for i, k in enumerate(joined)}
    joined = {k: v for k, v in joined.items() if sisfall_half(k) in halves}
    plain_in = {k: (t, a) for k, (t, a, _) in joined.items()}
    turned_in = {k: (t, (a @ rots[k].T).astype(np.float32)) for k, (t, a, _) in joined.items()}
    hours = sum(t[-1] - t[0] for t, _, _ in joined.values()) / 3600
    halves = {h: [k for k in joined if sisfall_half(k) == h] for h in halves}
    out: dict[str, dict] = {h: {} for h in halves}
    for placement in placements:
        plain = run_analyze(plain_in, placement)
        turned = run_analyze(turned_in, placement)
        scored = {"plain": evaluate(plain, joined), "turned": evaluate(turned, joined)}
        print(
            f"\nSisFall waist belt, scored as `--placement {placement}`"
            + (" (the product default; these are WAIST recordings)" if placement != "waist" else "")
            + f": {len(joined)} subjects, {hours:.1f} h joined, plain and turned to a random "
            "mounting, pooled"
        )
        for half, keys in halves.items():
            rows = [r for v in scored.values() for k in keys for r in v[k]]
            fig = print_half(f"{half.upper()}: {', '.join(keys)}", rows)
            fig["rot"] = _agreement(plain, turned, keys)
            print(f"    rotated vs plain: {fig['rot']:.4f} of epochs agree")
            if with_peers and placement == "waist":
                fig |= _skdh(joined, keys)
            prefix = "" if placement == "waist" else f"{placement}_"
            out[half] |= {prefix + k: v for k, v in fig.items()}
    return out

"""Whole simulated days (`collector/simulator.py`): lifts, steps and sitting among all a day holds.

Usage: python bench/accuracy_days.py [--seeds N]

The simulated wearer's day has desk work and standing work, walks in short and long bouts,
stairs, bends, lifts of both styles, squats, jumps, stand-ups and sit-downs. Scored against the
simulator's truth (per second and per segment):

- lifts: every lift event should be a true lift, every true lift found with its style, and no
  lift read in a squat, a jump or on stairs;
- movements that are no sitting: squats, stairs (up, down), jumps and standing at work, each
  as the share of its segments with 2 s or more read as sitting (also in the 10 s after it, where
  a wrongly entered sitting state would carry on) and the share of its seconds;
- walking: per second F1 (stairs and running count as walking), steps per true walk
  (|error| summed over walks, as for the Mobilise-D reference bouts), steps on stairs, and the
  share of each movement's seconds read as walking (high on stairs, low elsewhere);
- posture agreement per second.

Nothing is tuned on these days (they are synthetic): they show what real days hold, so a rule
that only works on the benches' trials shows here.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import numpy as np

from backcoach.collector.simulator import ACTIVITIES, simulate_day
from backcoach.processing.pipeline import analyze
from backcoach.processing.types import POSTURE_CODE

DAY_START_S = 1_764_028_800.0
NOT_SITTING = ("squat", "stairs_up", "stairs_down", "jump", "work_stand")
AFTER_S = 10.0  # sitting read this soon after a movement is carried from it
NO_LIFT = ("squat", "jump", "stairs_up", "stairs_down")


@dataclass
class _Tally:
    n: int = 0
    sat: int = 0  # segments with 2 s or more read as sitting
    sat_after: int = 0  # ... counting the AFTER_S after it too
    seconds: int = 0
    sat_s: int = 0
    walked_s: int = 0
    lifts: int = 0  # lift events overlapping it


@dataclass
class _Days:
    agree: list = field(default_factory=list)
    lift_true: int = 0
    lift_events: int = 0
    lift_found: int = 0
    lift_style: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    walk_abs: int = 0
    walk_steps: int = 0
    steps: int = 0
    true_steps: int = 0
    stairs: int = 0
    true_stairs: int = 0
    moves: dict = field(default_factory=lambda: {k: _Tally() for k in NOT_SITTING})


def _runs(mask: np.ndarray, n: int = 2) -> bool:
    return bool(mask.size >= n and np.any(np.convolve(mask, np.ones(n, int), "valid") >= n))


def score_day(seed: int, tot: _Days) -> None:
    """One simulated day through `analyze`, added to `tot`."""
    day = simulate_day(DAY_START_S, seed=seed)
    out = analyze(day.samples.t_s, day.samples.acc_g)
    ep = out.epochs
    idx = np.searchsorted(day.truth_t_s, ep.t_s)
    truth = day.truth_posture[idx]
    tot.agree.append(float(np.mean(ep.posture == truth)))
    sit = ep.posture == POSTURE_CODE["sitting"]
    moving = np.isin(ep.posture, [POSTURE_CODE["walking"], POSTURE_CODE["running"]])
    # Lifts.
    lifts = [e for e in out.events if e.type == "lift"]
    true_lifts = [e for e in day.truth_events if e.type == "lift"]
    tot.lift_true += len(true_lifts)
    tot.lift_events += len(lifts)
    for tr in true_lifts:
        over = [e for e in lifts if e.start_s < tr.end_s and e.end_s > tr.start_s]
        tot.lift_found += bool(over)
        tot.lift_style += bool(over) and max(over, key=lambda e: e.duration_s).style == tr.style
    # Movements that are no sitting.
    for kind in NOT_SITTING:
        tally = tot.moves[kind]
        for a, b in day.spans(kind):
            inside = (ep.t_s >= a) & (ep.t_s + 1.0 <= b)
            after = (ep.t_s >= a) & (ep.t_s < b + AFTER_S) & (truth != POSTURE_CODE["sitting"])
            tally.n += 1
            tally.sat += _runs(sit[inside].astype(int))
            tally.sat_after += _runs(sit[after].astype(int))
            tally.seconds += int(inside.sum())
            tally.sat_s += int(np.sum(sit & inside))
            tally.walked_s += int(np.sum(moving & inside))
            if kind in NO_LIFT:
                tally.lifts += sum(1 for e in lifts if e.start_s < b and e.end_s > a)
    # Walking and steps.
    walk_truth = np.isin(
        day.truth_activity[idx],
        [ACTIVITIES.index(k) for k in ("walk", "stairs_up", "stairs_down", "run")],
    )
    tot.tp += int(np.sum(moving & walk_truth))
    tot.fp += int(np.sum(moving & ~walk_truth))
    tot.fn += int(np.sum(~moving & walk_truth))
    tot.steps += int(ep.steps.sum())
    tot.true_steps += day.steps
    # Steps per true walk, from the epochs' counts (a walk's first and last seconds shared with
    # the neighbours: counted by their overlap).
    for e in (e for e in day.truth_events if e.type == "walk"):
        share = np.clip(np.minimum(ep.t_s + 1.0, e.end_s) - np.maximum(ep.t_s, e.start_s), 0, 1)
        got = int(round(float(np.sum(share * ep.steps))))
        tot.walk_abs += abs(got - (e.steps or 0))
        tot.walk_steps += e.steps or 0
        if "stairs" in e.attrs:
            tot.stairs += got
            tot.true_stairs += e.steps or 0


def run(seeds: list[int]) -> dict:
    tot = _Days()
    for seed in seeds:
        score_day(seed, tot)
    days = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    print(f"\nSimulated whole days ({days}, lower back, random mounting)")
    print(f"  posture agreement per second: {np.mean(tot.agree):.3f} (min {np.min(tot.agree):.3f})")
    f1 = 2 * tot.tp / max(1, 2 * tot.tp + tot.fp + tot.fn)
    pooled = 100 * (tot.steps - tot.true_steps) / max(1, tot.true_steps)
    ratio = tot.lift_events / max(1, tot.lift_true)
    print(
        f"  walking per second F1 {f1:.3f} (tp {tot.tp}, fp {tot.fp}, fn {tot.fn}); steps per "
        f"true walk |err| {100 * tot.walk_abs / max(1, tot.walk_steps):.1f}%; all steps "
        f"{tot.steps}/{tot.true_steps} ({pooled:+.1f}%); "
        f"on stairs {tot.stairs}/{tot.true_stairs}"
    )
    print(
        f"  lift events {tot.lift_events} for {tot.lift_true} true lifts "
        f"({ratio:.2f}×); found {tot.lift_found}/{tot.lift_true}, "
        f"with the right style {tot.lift_style}/{tot.lift_true}"
    )
    print(
        f"  {'no sitting here':14s} {'segments':>8s} {'sitting ≥2 s':>13s} {'… or after':>11s} "
        f"{'of seconds':>10s} {'walking':>8s} {'lifts':>5s}"
    )
    out: dict = {}
    for kind, t in tot.moves.items():
        lifts = f"{t.lifts:5d}" if kind in NO_LIFT else f"{'':5s}"
        print(
            f"  {kind:14s} {t.n:8d} {t.sat / max(1, t.n):13.3f} {t.sat_after / max(1, t.n):11.3f} "
            f"{t.sat_s / max(1, t.seconds):10.3f} {t.walked_s / max(1, t.seconds):8.3f} {lifts}"
        )
        out[f"sim_sit_{kind}"] = t.sat / max(1, t.n)
    out |= {
        "lift_ratio": tot.lift_events / max(1, tot.lift_true),
        "lift_days_found": tot.lift_found / max(1, tot.lift_true),
        "sim_walk_f1": f1,
        "sim_steps_per_walk": tot.walk_abs / max(1, tot.walk_steps),
    }
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="simulated days, seeds 1..N (default 5)")
    args = ap.parse_args(argv)
    run(list(range(1, args.seeds + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

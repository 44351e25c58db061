"""Whole simulated days (`collector/simulator.py`): lifts among everything else a day holds.

The simulated wearer's day has desk work, walks in short and long bouts, bends, lifts of both
styles, stand-ups and sit-downs; every lift event backcoach finds should be a true lift, and
every true lift should be found. Also printed: posture agreement per second and steps.
"""

from __future__ import annotations

import numpy as np

from backcoach.collector.simulator import simulate_day
from backcoach.processing.pipeline import analyze
from backcoach.processing.types import POSTURE_CODE

DAY_START_S = 1_764_028_800.0


def run(seeds: list[int]) -> dict:
    n_true = n_events = n_found = n_style = 0
    agree, steps, true_steps, walk_hit, walk_n = [], 0, 0, 0, 0
    for seed in seeds:
        day = simulate_day(DAY_START_S, seed=seed)
        out = analyze(day.samples.t_s, day.samples.acc_g)
        truth = [e for e in day.truth_events if e.type == "lift"]
        found = [e for e in out.events if e.type == "lift"]
        n_true, n_events = n_true + len(truth), n_events + len(found)
        for tr in truth:
            over = [e for e in found if e.start_s < tr.end_s and e.end_s > tr.start_s]
            n_found += bool(over)
            n_style += bool(over) and max(over, key=lambda e: e.duration_s).style == tr.style
        ep = out.epochs
        idx = np.searchsorted(day.truth_t_s, ep.t_s)
        agree.append(float(np.mean(ep.posture == day.truth_posture[idx])))
        steps, true_steps = steps + int(ep.steps.sum()), true_steps + day.steps
        walking = day.truth_posture[idx] == POSTURE_CODE["walking"]
        walk_hit += int(np.sum(walking & (ep.posture == POSTURE_CODE["walking"])))
        walk_n += int(walking.sum())
    print(f"\nSimulated whole days (seeds {seeds[0]}-{seeds[-1]}, lower back, random mounting)")
    print(f"  posture agreement per second: {np.mean(agree):.3f} (min {np.min(agree):.3f})")
    print(f"  walking seconds found: {walk_hit / max(1, walk_n):.3f}")
    print(f"  steps {steps}/{true_steps} ({100 * (steps - true_steps) / max(1, true_steps):+.1f}%)")
    print(
        f"  lift events {n_events} for {n_true} true lifts ({n_events / max(1, n_true):.2f}×); "
        f"found {n_found}/{n_true}, with the right style {n_style}/{n_true}"
    )
    return {"lift_ratio": n_events / max(1, n_true), "lift_days_found": n_found / max(1, n_true)}

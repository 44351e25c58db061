"""Lifts are found against the still posture they start from, and their lowering is measured
between their still phases.

The simulated sensor here has the gain and offset errors of a cheap belt accelerometer (|a| at
rest changes by about 0.1 g with the orientation), which is what made double-integrated |a|
useless over fixed windows. The waist's lowering threshold is fitted on SisFall
(bench/accuracy.py); the simulator's movements are too smooth for its still-phase detection to
find where a squat starts, so the size of the lowering is not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.pipeline import PipelineConfig, analyze

START_S = 1_764_028_800.0 + 10 * 3600
GAIN = np.array([1.05, 0.96, 1.03])
OFFSET_G = np.array([0.06, -0.05, 0.04])


def _lifts(styles: list[str], seed: int):
    script = [Segment("walk", 60), Segment("stand", 10)]
    for style in styles:
        if style == "legs":
            script.append(Segment("lift", style="legs", peak_deg=35, drop_m=-0.4, hold_s=1.5))
        else:
            script.append(Segment("lift", style="back", peak_deg=60, drop_m=-0.03, hold_s=1.5))
        script.append(Segment("stand", 8))
    sim = simulate(script, START_S, seed=seed)
    acc = sim.samples.acc_g * GAIN + OFFSET_G
    out = analyze(sim.samples.t_s, acc, PipelineConfig(placement="waist"))
    truth = [e for e in sim.truth_events if e.type == "lift"]
    found = [e for e in out.events if e.type == "lift"]
    return truth, found


@pytest.mark.parametrize("seed", [1, 2])
def test_every_lift_is_found_with_its_lowering_measured_despite_gain_and_offset_errors(seed):
    styles = ["legs", "back"] * 4
    truth, found = _lifts(styles, seed)
    assert len(truth) == len(styles)
    for tr in truth:
        over = [e for e in found if e.start_s < tr.end_s and e.end_s > tr.start_s]
        assert over, f"no lift found for the {tr.style} lift at {tr.start_s - START_S:.0f} s"
        best = max(over, key=lambda e: e.duration_s)
        assert best.attrs["rel_peak_deg"] == pytest.approx(tr.peak_deg, abs=8)
        low = best.attrs.get("lowering_m")
        assert low is not None and -0.2 <= low <= 0.8, low
    # Nothing else: the standing between the lifts is not a lift.
    assert len(found) == len(styles)


def test_a_deep_stoop_straight_out_of_walking_is_a_back_lift():
    """No standing before it: the lift is still found against the walking posture."""
    script = [
        Segment("walk", 60),
        Segment("lift", style="back", peak_deg=85, drop_m=-0.03, hold_s=1.5),
        Segment("walk", 30),
    ]
    sim = simulate(script, START_S, seed=5)
    out = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig(placement="waist"))
    lifts = [e for e in out.events if e.type == "lift"]
    assert lifts
    best = max(lifts, key=lambda e: e.duration_s)
    assert best.style == "back"
    assert best.attrs["rel_peak_deg"] >= 70.0

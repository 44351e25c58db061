"""Lifts are pick-ups from standing: leans on a chair, sit-downs and stand-ups are not lifts."""

from __future__ import annotations

import numpy as np

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.processing.types import POSTURE_CODE

T0 = 1_700_000_000.0


def _day(seed: int):
    script = [
        Segment("walk", 60),
        Segment("stand", 20),
        Segment("lift", style="legs", peak_deg=35, drop_m=-0.4, hold_s=1.5),
        Segment("stand", 20),
        Segment("sit", 180, lean="back"),
        Segment("sit", 180, lean="slumped"),
        Segment("sit", 120, lean="upright"),
        Segment("stand", 20),
        Segment("lift", style="back", peak_deg=85, drop_m=-0.03, hold_s=1.5),
        Segment("stand", 20),
        Segment("walk", 30),
    ]
    return simulate(script, T0, seed=seed)


def test_only_the_two_pick_ups_are_lifts_and_the_squat_is_never_called_a_stoop():
    """The simulated squat is slow and smooth (0.026 g at most): its lowering between still
    phases reads 0.1 m of its 0.4 m, so the style model may say `unsure`, never `back`."""
    for seed in (1, 2, 3):
        sim = _day(seed)
        out = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig())
        lifts = [e for e in out.events if e.type == "lift"]
        truth = [e for e in sim.truth_events if e.type == "lift"]
        assert len(lifts) == len(truth) == 2, (seed, lifts)
        assert lifts[0].style in ("legs", "unsure") and lifts[1].style == "back", (seed, lifts)
        for found, true in zip(lifts, truth, strict=True):
            assert found.start_s < true.end_s and true.start_s < found.end_s
            assert 0.0 <= found.attrs["p_back"] <= 1.0 and "vert_ms" in found.attrs


def test_standing_after_a_squat_is_standing_not_sitting():
    sim = _day(4)
    out = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig())
    squat = next(e for e in sim.truth_events if e.type == "lift")
    after = out.epochs.between(squat.end_s + 5, squat.end_s + 18)
    assert len(after) > 10
    assert np.all(after.posture == POSTURE_CODE["standing"])

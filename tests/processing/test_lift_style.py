"""A lift's style from its continuous figures, and a belt sensor's squat seen as one movement.

The squat here is built by hand the way a waist belt sees it (SisFall D15): the pelvis tips
forward on the way down, is back near upright at the bottom, tips forward again on the way up,
while the body goes 0.4 m down and up (minimum-jerk).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from backcoach.processing.lift_figures import LiftFigures
from backcoach.processing.lift_style import MODELS, classify
from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline, analyze
from backcoach.processing.placement import TRUNK_SHARE
from backcoach.processing.types import Calibration, PipelineOutput

FS = 50.0
G = 9.80665
T0 = 1_700_000_000.0
CAL = Calibration(up=(0.0, 0.0, 1.0), forward=(1.0, 0.0, 0.0))


def _figures(**kw: float) -> LiftFigures:
    base = dict.fromkeys(LiftFigures.__dataclass_fields__, float("nan"))
    return LiftFigures(**{**base, **kw})


def test_a_deep_bend_without_lowering_is_back_a_lowered_body_is_legs():
    stoop = _figures(rel_peak_deg=95, deep_deg=35, lowering_m=0.0, vert_ms=0.1)
    squat = _figures(rel_peak_deg=25, deep_deg=0, lowering_m=0.4, vert_ms=0.7)
    assert classify(stoop, "waist")[0] == "back"
    assert classify(squat, "waist")[0] == "legs"


def test_figures_that_point_both_ways_are_unsure_not_a_coin_toss():
    """Deep forward (a stoop) while the body went a quarter metre down, briskly (a squat)."""
    mixed = _figures(rel_peak_deg=100, deep_deg=40, lowering_m=0.25, vert_ms=0.6)
    style, p = classify(mixed, "waist")
    assert style == "unsure" and 0.4 < p < 0.6


def test_nothing_measured_is_unsure():
    assert classify(_figures(), "waist")[0] == "unsure"


@pytest.mark.parametrize("placement", ["lower_back", "upper_back", "chest"])
def test_a_sensor_higher_up_reads_more_degrees_for_the_same_movement(placement):
    """The same stoop reads `TRUNK_SHARE` times the trunk angle: the same p(back)."""
    k = TRUNK_SHARE[placement] / TRUNK_SHARE["waist"]
    at_waist = _figures(rel_peak_deg=70, deep_deg=10, lowering_m=0.05, vert_ms=0.2)
    there = replace(at_waist, rel_peak_deg=70 * k, deep_deg=10 * k)
    assert MODELS[placement].p_back(there) == pytest.approx(MODELS["waist"].p_back(at_waist))


def _min_jerk(n: int) -> np.ndarray:
    s = np.linspace(0.0, 1.0, n)
    return 10 * s**3 - 15 * s**4 + 6 * s**5


def _belt_squat(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """20 s standing, a squat (1.2 s down, 2 s at the bottom, 1.2 s up), 20 s standing."""
    rng = np.random.default_rng(seed)
    move, hold = int(1.2 * FS), int(2.0 * FS)
    stand = int(20 * FS)
    z = np.r_[
        np.zeros(stand),
        -0.4 * _min_jerk(move),
        np.full(hold, -0.4),
        -0.4 + 0.4 * _min_jerk(move),
        np.zeros(stand),
    ]
    bump = np.sin(np.linspace(0.0, np.pi, move)) * 25.0  # the pelvis tips forward and back
    tilt = np.r_[np.zeros(stand), bump, np.zeros(hold), bump, np.zeros(stand)]
    acc_v = np.gradient(np.gradient(z, 1 / FS), 1 / FS)
    th = np.radians(tilt)
    f = 1.0 + acc_v / G
    acc = np.stack([-np.sin(th) * f, np.zeros_like(th), np.cos(th) * f], axis=1)
    acc += rng.normal(0.0, 0.004, acc.shape)
    t = T0 + np.arange(len(acc)) / FS
    return t, acc.astype(np.float32)


def test_a_squats_way_down_and_way_up_are_one_lift_with_the_legs():
    t, acc = _belt_squat(1)
    out = analyze(t, acc, PipelineConfig(placement="waist", calibration=CAL))
    lifts = [e for e in out.events if e.type == "lift"]
    assert len(lifts) == 1, lifts
    lift = lifts[0]
    assert lift.start_s < T0 + 21.2 and lift.end_s > T0 + 24.0  # both halves
    assert lift.style == "legs" and lift.attrs["vert_ms"] > 0.4


@pytest.mark.parametrize("seed", [2, 3])
def test_the_joined_squat_is_the_same_for_any_chunking(seed):
    t, acc = _belt_squat(seed)
    cfg = PipelineConfig(placement="waist", calibration=CAL)
    batch = analyze(t, acc, cfg)
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, t.size), size=40, replace=False))
    sp = StreamingPipeline(cfg)
    edges = zip(np.r_[0, cuts], np.r_[cuts, t.size], strict=True)
    parts = [sp.push(t[a:b], acc[a:b]) for a, b in edges]
    streamed = PipelineOutput.concat([*parts, sp.flush()])
    assert streamed.events == batch.events

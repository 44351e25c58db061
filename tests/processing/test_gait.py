"""Walking from trains of steps: hand-made step candidates, and streaming = batch on daily life."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import MAX_PEAKS, EpochFeatures
from backcoach.processing.gait import StepTrains
from backcoach.processing.pipeline import StreamingPipeline, analyze
from backcoach.processing.types import PipelineOutput

T0 = 1_700_000_000.0
UP = np.array([0.0, 0.0, 1.0])


def _epochs(n: int, steps: list[float], up=None, activity: float = 0.1) -> EpochFeatures:
    """`n` one-second epochs from T0 with step candidates at `steps` (seconds from T0)."""
    t = T0 + np.arange(n, dtype=float)
    peak_t = np.full((n, MAX_PEAKS), np.nan)
    peak_up = np.full((n, MAX_PEAKS, 3), np.nan)
    ups = [UP] * len(steps) if up is None else up
    for s, u in zip(steps, ups, strict=True):
        i = int(s)
        k = int(np.sum(np.isfinite(peak_t[i])))
        peak_t[i, k], peak_up[i, k] = T0 + s, u
    z = np.zeros(n)
    return EpochFeatures(
        t_s=t,
        g_mean=np.tile(UP, (n, 1)),
        g_sub=np.tile(UP, (n, 5, 1)),
        activity_g=np.full(n, activity),
        peaks=np.isfinite(peak_t).sum(axis=1),
        peak_t=peak_t,
        peak_up=peak_up,
        dz_net_m=z,
        gait_xc=np.zeros((n, 3)),
        mag=np.ones((n, 25)),
        walking=z.astype(bool),
        running=z.astype(bool),
        steps=z.astype(int),
        step_period_s=np.full(n, np.nan),
        step_reg=z.copy(),
        step_t=np.full((n, MAX_PEAKS), np.nan),
    )


def _batch(f: EpochFeatures) -> EpochFeatures:
    return StepTrains(PipelineConfig()).push(f, final=True)


def test_four_regular_steps_are_a_walk_and_three_are_not():
    """A train needs `train_min_steps` (4) candidates; it spans its first to its last."""
    walk = _batch(_epochs(10, [2.0, 2.55, 3.1, 3.65]))
    assert walk.walking.tolist() == [False] * 2 + [True, True] + [False] * 6
    assert walk.steps.sum() == 4
    three = _batch(_epochs(10, [2.0, 2.55, 3.1]))
    assert not three.walking.any() and three.steps.sum() == 0


def test_a_pause_under_three_seconds_joins_the_bouts_and_a_longer_one_splits_them():
    a = [1.0, 1.5, 2.0, 2.5]
    joined = _batch(_epochs(16, a + [5.2, 5.7, 6.2, 6.7]))  # 2.7 s pause
    assert joined.walking[1:7].all()
    split = _batch(_epochs(16, a + [6.0, 6.5, 7.0, 7.5]))  # 3.5 s pause
    assert split.walking[1:3].all() and not split.walking[3:6].any() and split.walking[6:8].all()


def test_steps_further_apart_than_the_slowest_gait_are_no_train():
    """1.6 s between candidates is slower than 40 steps/min: not a chain."""
    assert not _batch(_epochs(12, [1.0, 2.6, 4.2, 5.8])).walking.any()


def test_a_turn_of_the_trunk_between_candidates_breaks_the_train():
    """Standing up or bending turns the trunk: 20° between two candidates is no walking."""
    tilted = np.array([0.0, np.sin(np.radians(20)), np.cos(np.radians(20))])
    ups = [UP, UP, tilted, tilted]
    assert not _batch(_epochs(8, [1.0, 1.5, 2.0, 2.5], up=ups)).walking.any()


def test_a_lone_candidate_before_a_walk_widens_it_but_is_no_step():
    """Setting off: a weak first step joins the walk 1.5 s later, without counting as a step."""
    out = _batch(_epochs(12, [1.0, 3.0, 3.5, 4.0, 4.5]))
    assert out.walking[1:4].all()
    assert out.steps.sum() == 4


def test_a_train_broken_by_a_missed_step_keeps_the_steps_on_both_sides():
    """Five steps, a weak one unseen (1.7 s), three more: one walk of eight counted steps, also
    when the epochs come one by one; a lone candidate so close is still no step."""
    cands = [1.0, 1.5, 2.0, 2.5, 3.0, 4.7, 5.2, 5.7]
    f = _epochs(10, cands)
    out = _batch(f)
    assert out.walking[1:6].all() and out.steps.sum() == 8
    assert np.sort(out.step_t[np.isfinite(out.step_t)]).tolist() == [T0 + c for c in cands]
    gait = StepTrains(PipelineConfig())
    parts = [gait.push(f.take(slice(i, i + 1))) for i in range(len(f))]
    one_by_one = EpochFeatures.concat([*parts, gait.push(EpochFeatures.empty(), final=True)])
    np.testing.assert_array_equal(one_by_one.steps, out.steps)
    np.testing.assert_array_equal(one_by_one.walking, out.walking)
    lone = _batch(_epochs(10, cands[:5] + [4.7]))
    assert lone.steps.sum() == 5


def test_a_runners_cadence_is_running_even_below_the_running_intensity():
    """Steps 0.36 s apart (167 steps/min) with moderate intensity: running."""
    steps = list(np.arange(1.0, 7.0, 0.36))
    out = _batch(_epochs(10, steps, activity=0.3))
    assert out.running[2:6].all() and not out.walking[2:6].any()
    slow = _batch(_epochs(10, list(np.arange(1.0, 7.0, 0.55)), activity=0.3))
    assert slow.walking[2:6].all() and not slow.running.any()


@pytest.mark.parametrize("seed", [0, 1])
def test_daily_life_walking_streams_like_the_batch(seed):
    """Short bouts, slow and shuffling gait, turns and pauses, cut at random: the same output."""
    script = [Segment("stand", 5)]
    for gait, dur, pause, turns in [
        ("normal", 8, 1.5, 0),
        ("slow", 12, 2.5, 1),
        ("shuffle", 6, 4.0, 0),
        ("carry", 9, 1.0, 0),
        ("normal", 25, 2.0, 1),
    ]:
        script += [Segment("walk", dur, gait=gait, turns=turns), Segment("stand", pause)]
    script += [Segment("sit", 30), Segment("stand", 5)]
    sim = simulate(script, T0, seed=seed)
    t, a = sim.samples.t_s, sim.samples.acc_g
    cfg = PipelineConfig()
    batch = analyze(t, a, cfg)
    assert np.isin(batch.epochs.posture_names(), ["walking"]).sum() > 40
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.r_[0, np.cumsum(rng.integers(1, 400, t.size // 100)), t.size])
    cuts = cuts[cuts <= t.size]
    sp = StreamingPipeline(cfg)
    parts = [sp.push(t[i:j], a[i:j]) for i, j in zip(cuts[:-1], cuts[1:], strict=True)]
    stream = PipelineOutput.concat([*parts, sp.flush()])
    for name in batch.epochs.column_names():
        np.testing.assert_array_equal(getattr(batch.epochs, name), getattr(stream.epochs, name))
    assert batch.events == stream.events

"""Step candidates by the local rhythm: weak regular steps count, slow gait's double peaks once."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline, analyze
from backcoach.processing.steps import step_rhythm
from backcoach.processing.types import PipelineOutput

FS = 50.0
T0 = 1_700_000_000.0


def _upright(v_g: np.ndarray, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An upright sensor (z up) whose vertical acceleration is `v_g`, with 5 mg of noise."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((v_g.size, 3), np.float32)
    acc[:, 2] = 1.0 + v_g
    acc += rng.normal(0.0, 0.005, acc.shape).astype(np.float32)
    return T0 + np.arange(v_g.size) / FS, acc


def _walk(still_s: float, walk_s: float, step: np.ndarray, cadence_hz: float) -> np.ndarray:
    """Still, then `walk_s` of steps of waveform `step` (one step long at 1 Hz), then still."""
    t = np.arange(int((2 * still_s + walk_s) * FS)) / FS
    phase = np.clip((t - still_s) * cadence_hz, 0.0, walk_s * cadence_hz)
    inside = (t >= still_s) & (t < still_s + walk_s)
    frac = phase % 1.0
    idx = np.minimum((frac * step.size).astype(int), step.size - 1)
    return np.where(inside, step[idx], 0.0)


def _steps_and_walking(v_g: np.ndarray) -> tuple[int, int]:
    t, a = _upright(v_g)
    ep = analyze(t, a, PipelineConfig()).epochs
    return int(ep.steps.sum()), int(np.isin(ep.posture_names(), ["walking"]).sum())


def _sine_step(amp_g: float) -> np.ndarray:
    return amp_g * np.sin(2 * np.pi * np.arange(500) / 500)


def _double_bump_step() -> np.ndarray:
    """Slow gait: the heel strike's peak and, 0.3 s later, the push-off's (one step = 1 s)."""
    x = np.arange(1000) / 1000
    bump = lambda c, h, w: h * np.exp(-0.5 * ((x - c) / w) ** 2)  # noqa: E731
    return bump(0.15, 0.16, 0.04) + bump(0.45, 0.12, 0.04) - 0.045


def test_weak_but_regular_steps_are_counted():
    """Steps 0.035 g high (below the fixed 0.04 g threshold) at 108 steps/min for 20 s."""
    steps, walking = _steps_and_walking(_walk(8.0, 20.0, _sine_step(0.035), 1.8))
    assert walking >= 16
    assert abs(steps - 36) <= 4


def test_the_same_amplitude_without_a_rhythm_is_no_walk():
    """Bumps as weak as those steps at random moments (handling things): no walk, no steps."""
    rng = np.random.default_rng(4)
    n = int(36 * FS)
    v = np.zeros(n)
    t = np.arange(n) / FS
    for c in np.sort(rng.uniform(8.0, 28.0, 30)):
        v += rng.uniform(0.02, 0.045) * np.exp(-0.5 * ((t - c) / rng.uniform(0.05, 0.15)) ** 2)
    steps, walking = _steps_and_walking(v - v.mean())
    assert walking == 0 and steps == 0


def test_slow_gaits_two_peaks_per_step_count_once():
    """60 steps/min, each with a heel-strike and a push-off peak 0.3 s apart: 30 steps, not 60."""
    steps, walking = _steps_and_walking(_walk(8.0, 30.0, _double_bump_step(), 1.0))
    assert walking >= 25
    assert abs(steps - 30) <= 3


def test_the_rhythm_is_the_step_period_even_when_steps_alternate():
    """A limp (every other step weaker) keeps the step period; noise has no rhythm."""
    fs = 25
    t = np.arange(7 * fs) / fs
    even = np.sin(2 * np.pi * 1.8 * t)
    limp = even * np.where((np.floor(t * 1.8) % 2) == 0, 1.0, 0.45)
    noise = np.random.default_rng(1).normal(0.0, 0.05, t.size)
    period, reg = step_rhythm(0.1 * np.stack([even, limp, noise]), fs)
    assert period[0] == pytest.approx(1 / 1.8, abs=0.05) and reg[0] > 0.9
    assert period[1] == pytest.approx(1 / 1.8, abs=0.05)
    assert reg[2] < 0.5
    quiet, _ = step_rhythm(np.zeros((1, t.size)), fs)
    assert np.isnan(quiet[0])


@pytest.mark.parametrize("seed", [0, 1])
def test_rhythm_steps_stream_like_the_batch(seed):
    """Weak steps, then slow double-peaked ones, cut into random chunks: the batch's output."""
    v = np.r_[_walk(6.0, 15.0, _sine_step(0.035), 1.8), _walk(6.0, 20.0, _double_bump_step(), 1.0)]
    t, a = _upright(v, seed)
    cfg = PipelineConfig()
    batch = analyze(t, a, cfg)
    rng = np.random.default_rng(seed)
    cuts = np.unique(np.r_[0, np.cumsum(rng.integers(1, 700, t.size // 200)), t.size])
    cuts = cuts[cuts <= t.size]
    sp = StreamingPipeline(cfg)
    parts = [sp.push(t[i:j], a[i:j]) for i, j in zip(cuts[:-1], cuts[1:], strict=True)]
    stream = PipelineOutput.concat([*parts, sp.flush()])
    assert batch.epochs.steps.sum() > 40
    for name in batch.epochs.column_names():
        np.testing.assert_array_equal(getattr(batch.epochs, name), getattr(stream.epochs, name))
    assert batch.events == stream.events

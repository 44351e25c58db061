"""Live chunks of any size give exactly what the offline run gives."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline, analyze
from backcoach.processing.types import PipelineOutput


def _stream(t, a, cuts, cfg):
    sp = StreamingPipeline(cfg)
    parts = [sp.push(t[i:j], a[i:j]) for i, j in zip(cuts[:-1], cuts[1:], strict=True)]
    parts.append(sp.flush())
    return PipelineOutput.concat(parts)


def _assert_same(a: PipelineOutput, b: PipelineOutput) -> None:
    for name in a.epochs.column_names():
        np.testing.assert_array_equal(getattr(a.epochs, name), getattr(b.epochs, name), name)
    assert a.events == b.events


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_chunk_sizes_give_the_batch_result(short_sim, seed):
    """Chunks of 1 to 3000 samples, cut at random, reproduce `analyze` exactly."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    cfg = PipelineConfig()
    batch = analyze(t, a, cfg)
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 3000, size=t.size // 500 + 10)
    cuts = np.unique(np.clip(np.r_[0, np.cumsum(sizes)], 0, t.size))
    if cuts[-1] != t.size:
        cuts = np.r_[cuts, t.size]
    _assert_same(batch, _stream(t, a, cuts, cfg))
    assert len(batch.epochs) > 600 and batch.events


def test_one_sample_chunks_give_the_batch_result(short_sim):
    """The extreme chunking: every sample pushed on its own (first three minutes)."""
    n = 50 * 180
    t, a = short_sim.samples.t_s[:n], short_sim.samples.acc_g[:n]
    cfg = PipelineConfig()
    _assert_same(analyze(t, a, cfg), _stream(t, a, np.arange(n + 1), cfg))


def test_push_returns_only_finished_events(short_sim):
    """A sitting bout still going on is not emitted by `push`, only later once it has ended."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    sp = StreamingPipeline(PipelineConfig())
    mid = t[0] + 400.0  # inside the slumped sitting bout (331-481 s)
    cut = int(np.searchsorted(t, mid))
    first = sp.push(t[:cut], a[:cut])
    rest = PipelineOutput.concat([sp.push(t[cut:], a[cut:]), sp.flush()])
    assert not [e for e in first.events if e.start_s <= mid < e.end_s]
    assert any(e.type == "sitting_bout" and e.start_s < mid < e.end_s for e in rest.events)


def test_chunking_does_not_change_a_remount(short_sim):
    """A recording whose mounting changes halfway: random chunks still give the batch result."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    rot = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])
    t2 = np.r_[t, t + (t[-1] - t[0]) + 1.0]
    a2 = np.r_[a, (a @ rot.T).astype(np.float32)]
    cfg = PipelineConfig()
    batch = analyze(t2, a2, cfg)
    rng = np.random.default_rng(7)
    cuts = np.unique(np.r_[0, np.cumsum(rng.integers(1, 5000, size=t2.size // 2500 + 10))])
    cuts = np.r_[cuts[cuts < t2.size], t2.size]
    _assert_same(batch, _stream(t2, a2, cuts, cfg))


def test_irregular_input_with_gaps_streams_like_the_batch(short_sim):
    """Dropped samples and two long gaps: any chunking still gives the batch result."""
    t, a = short_sim.samples.t_s, short_sim.samples.acc_g
    rng = np.random.default_rng(3)
    keep = rng.random(t.size) < 0.4
    keep &= ~((t > t[0] + 100) & (t < t[0] + 160)) & ~((t > t[0] + 500) & (t < t[0] + 507))
    t, a = t[keep], a[keep]
    cfg = PipelineConfig()
    batch = analyze(t, a, cfg)
    assert any(e.type == "gap" for e in batch.events)
    cuts = np.unique(np.r_[0, np.cumsum(rng.integers(1, 700, size=t.size // 300 + 10))])
    cuts = np.r_[cuts[cuts < t.size], t.size]
    _assert_same(batch, _stream(t, a, cuts, cfg))

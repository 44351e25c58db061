"""A gap read back from the sensor's log: its edge samples (stored live already) are not stored
again, the first missing ones are (`collector.sensor_log.inside`)."""

import numpy as np

from backcoach.backfill import Hole
from backcoach.collector.sensor_log import inside
from backcoach.processing.types import Samples

RATE = 50.0
PERIOD = 1.0 / RATE


def _around(edge_offset_s: float) -> Samples:
    """A hole between stored samples at 10.0 s and 12.0 s; the log's copy of those two edge
    samples placed `edge_offset_s` inside the hole (two clocks a few ms apart), and the missing
    samples between them one period apart, placed the same way."""
    t = np.r_[10.0 + edge_offset_s, np.arange(1, 100) * PERIOD + 10.0, 12.0 - edge_offset_s]
    return Samples(t, np.zeros((t.size, 3), np.float32))


def test_an_edge_sample_read_again_a_third_of_a_period_off_is_not_stored_twice():
    hole = Hole(10.0, 12.0, RATE)
    got = inside(_around(0.3 * PERIOD), hole)  # 6 ms at 50 Hz: was stored twice before
    assert got.t_s.size == 99
    assert got.t_s[0] > 10.0 + 0.5 * PERIOD and got.t_s[-1] < 12.0 - 0.5 * PERIOD


def test_the_first_and_last_missing_samples_are_kept_while_the_clocks_agree_within_half_a_period():
    hole = Hole(10.0, 12.0, RATE)
    late = _around(0.0)
    late = Samples(late.t_s - 0.4 * PERIOD, late.acc_g)  # the log's clock 8 ms early
    got = inside(late, hole)
    np.testing.assert_allclose(got.t_s[[0, -1]], [10.0 + 0.6 * PERIOD, 12.0 - 1.4 * PERIOD])

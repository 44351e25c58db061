"""A simulated day through the pipeline into InfluxDB and into the embedded store: read back
through InfluxQL, counts and values are the same."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from backcoach.processing.days import day_bounds
from backcoach.processing.types import PipelineOutput
from backcoach.storage.influx_schema import DOWNSAMPLED_HZ
from backcoach.storage.sqlite import SQLiteStore
from tests.storage.conftest import SIM_DAY
from tests.storage.contract import assert_epochs_equal


@pytest.fixture(scope="module")
def day(simulated_day):
    """A simulated day and what the pipeline makes of it."""
    from backcoach.processing.pipeline import analyze

    sim = simulated_day
    return sim, analyze(sim.samples.t_s, sim.samples.acc_g), day_bounds(SIM_DAY, "UTC")


@pytest.mark.influx
def test_a_simulated_day_reads_back_from_influxdb_as_from_the_embedded_store(
    day, influxd, influx_db, make_store, tmp_path
):
    """Epochs and events equal the embedded store's; raw is the embedded raw at 5 Hz."""
    sim, out, (start_s, end_s) = day
    out: PipelineOutput
    embedded = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="UTC")
    influx = make_store(influxd.url, influx_db)  # raw = downsampled, the default
    for store in (embedded, influx):
        store.write_samples(sim.samples)
        store.write_epochs(out.epochs)
        store.write_events(out.events)
    influx.flush(60)

    # counts, straight from InfluxQL
    assert influxd.count(influx_db, "epoch", "posture") == len(out.epochs) == 86400
    res = influxd.query('SELECT COUNT("end_s") FROM "event" GROUP BY "type"', db=influx_db)
    per_type = {s["tags"]["type"]: s["values"][0][1] for s in res[0]["series"]}
    assert per_type == dict(Counter(e.type for e in embedded.read_events(start_s, end_s)))
    assert per_type.keys() >= {"sitting_bout", "bend", "lift", "walk"}

    # values, through both stores' read paths
    assert_epochs_equal(influx.read_epochs(start_s, end_s), embedded.read_epochs(start_s, end_s))
    assert influx.read_events(start_s, end_s) == embedded.read_events(start_s, end_s)
    assert influx.data_range() == embedded.data_range()

    # raw: 0.2 s means of the samples written, to a milli-g (the embedded store keeps times as
    # float32 offsets within a written block, too coarse to bin a whole-day block exactly)
    raw = sim.samples
    raw = type(raw)(raw.t_s[raw.t_s < start_s + 3600], raw.acc_g[raw.t_s < start_s + 3600])
    assert len(embedded.read_samples(start_s, start_s + 3600)) == len(raw)
    bins = np.floor(raw.t_s * DOWNSAMPLED_HZ).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(bins) != 0])
    means = (
        np.add.reduceat(raw.acc_g.astype(float), starts)
        / np.diff(np.r_[starts, len(bins)])[:, None]
    )
    back = influx.read_samples(start_s, start_s + 3600)
    assert len(back) == len(starts) == 3600 * DOWNSAMPLED_HZ
    np.testing.assert_allclose(back.t_s, bins[starts] / DOWNSAMPLED_HZ, atol=1e-6)
    np.testing.assert_allclose(back.acc_g, means, atol=1e-3)
    all_bins = np.unique(np.floor(sim.samples.t_s * DOWNSAMPLED_HZ))
    assert influxd.count(influx_db, "raw", "x_g") == len(all_bins)
    embedded.close()

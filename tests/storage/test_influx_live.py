"""The live path (`LiveRun`, as `demo` and `collect` use it) through `open_store` into InfluxDB
stores what it stores into the embedded store."""

from __future__ import annotations

import dataclasses

import pytest

from backcoach.collector.simulator import iter_chunks
from backcoach.config import InfluxSettings, Settings
from backcoach.live.replay import replay
from backcoach.live.run import LiveRun
from backcoach.processing.days import day_bounds
from backcoach.processing.types import Samples
from backcoach.storage import open_store
from backcoach.storage.influx import InfluxStore
from backcoach.storage.sqlite import SQLiteStore
from tests.storage.conftest import SIM_DAY
from tests.storage.contract import assert_epochs_equal


@pytest.mark.influx
def test_a_live_run_stores_the_same_in_influxdb_as_in_the_embedded_store(
    simulated_day, influxd, influx_db, tmp_path
):
    """Two hours of a simulated morning, streamed in 10 s chunks into each store."""
    start_s, end_s = day_bounds(SIM_DAY, "UTC")
    t = simulated_day.samples.t_s
    keep = (t >= start_s + 7 * 3600) & (t < start_s + 9 * 3600)
    morning = Samples(t[keep], simulated_day.samples.acc_g[keep])
    embedded = Settings(data_dir=str(tmp_path / "embedded"), timezone="UTC")
    influx = dataclasses.replace(
        embedded,
        data_dir=str(tmp_path / "influx"),
        storage="influxdb",
        influx=InfluxSettings(url=influxd.url, bucket=influx_db),
    )
    stores = {}
    for name, settings in (("embedded", embedded), ("influx", influx)):
        store = open_store(settings)
        replay(LiveRun(settings, store, session="morning"), iter_chunks(morning, 10.0))
        stores[name] = store
    a, b = stores["embedded"], stores["influx"]
    assert isinstance(a, SQLiteStore) and isinstance(b, InfluxStore)
    b.flush(30)

    assert len(a.read_epochs(start_s, end_s)) == 2 * 3600
    assert_epochs_equal(b.read_epochs(start_s, end_s), a.read_epochs(start_s, end_s))
    assert b.read_events(start_s, end_s) == a.read_events(start_s, end_s)
    assert b.read_warnings(start_s, end_s) == a.read_warnings(start_s, end_s)
    (sa,), (sb,) = a.read_summaries(SIM_DAY, SIM_DAY), b.read_summaries(SIM_DAY, SIM_DAY)
    assert sb.metrics.as_row() == sa.metrics.as_row()
    assert b.read_status().keys() == a.read_status().keys()
    assert influxd.count(influx_db, "raw", "x_g") == 2 * 3600 * 5  # downsampled to 5 Hz
    for store in stores.values():
        store.close()


@pytest.mark.influx
def test_a_sensors_kept_reference_comes_back_from_influxdb(influxd, influx_db, make_store):
    """The per-sensor reference (JSON in a status row) survives InfluxDB's string escaping."""
    from backcoach.processing.types import Calibration
    from backcoach.storage.references import load_reference, save_reference

    store = make_store(influxd.url, influx_db)
    cal = Calibration((0.6, 0.8, 0.0), (0.0, 0.0, 1.0))
    save_reference(store, cal, sensor="C0:FF:EE:00:00:01", origin="walking", at_s=1.5e9)
    kept = load_reference(store, "c0:ff:ee:00:00:01")
    assert kept is not None and kept.origin == "walking" and kept.at_s == 1.5e9
    assert kept.calibration.up == pytest.approx(cal.up)
    assert kept.calibration.forward == pytest.approx(cal.forward)

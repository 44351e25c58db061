"""Re-running a day or a sync on InfluxDB replaces the range: no stale events or warnings remain.

InfluxDB has no transactions, so the range is deleted by the outbox, in order, before the new
points are sent (`InfluxStore.rewrite`); here on the real 1.x server through both write paths.
"""

from __future__ import annotations

import pytest

from backcoach.commands.sync import sync_history
from backcoach.config import load_settings
from backcoach.processing.days import day_bounds
from backcoach.storage.influx import InfluxStore
from backcoach.storage.sqlite import SQLiteStore
from tests.storage.conftest import TAGS
from tests.test_rewrite import DAY, TZ, run_day


def _day(store) -> tuple:
    start, end = day_bounds(DAY, TZ)
    return (
        [e.to_dict() for e in store.read_events(start, end)],
        store.read_warnings(start, end),
        len(store.read_epochs(start, end)),
        [
            {k: repr(v) for k, v in s.metrics.as_row().items()}
            for s in store.read_summaries(DAY, DAY)
        ],
    )


@pytest.fixture
def settings(tmp_path):
    env = {"BACKCOACH_DATA_DIR": str(tmp_path / "data"), "BACKCOACH_TIMEZONE": TZ}
    return load_settings(tmp_path / "none.toml", env=env)


@pytest.fixture
def reference(tmp_path, settings):
    """The day as the second wearer alone leaves it, in a fresh embedded store."""
    store = SQLiteStore(tmp_path / "ref.sqlite", tz_name=TZ)
    run_day(store, settings, seed=2)
    yield _day(store)
    store.close()


@pytest.mark.influx
@pytest.mark.parametrize("path", ["v1", "v2"])
def test_a_day_run_again_on_influxdb_holds_only_the_new_run(
    path, influxd, influx_db, make_store, relay, settings, reference
):
    url = relay.url if path == "v2" else influxd.url
    store: InfluxStore = make_store(url, f"{influx_db}/autogen")
    store.tz_name = TZ
    run_day(store, settings, seed=1)
    first = _day(store)
    assert first[0] != reference[0] and first[1] != reference[1]
    run_day(store, settings, seed=2)
    store.flush(30)
    assert _day(store) == reference, "events or warnings of the first run remain"


@pytest.mark.influx
def test_sync_run_again_after_the_source_changed_leaves_no_stale_points(
    influxd, influx_db, make_store, tmp_path, settings, reference
):
    """The embedded day is replaced after a first sync; `sync --from-start` mirrors it."""
    source = SQLiteStore(tmp_path / "src.sqlite", tz_name=TZ)
    target: InfluxStore = make_store(influxd.url, influx_db)
    target.tz_name = TZ
    try:
        run_day(source, settings, seed=1)
        sync_history(source, target, chunk_s=3600.0)
        assert _day(target)[:2] == _day(source)[:2]
        run_day(source, settings, seed=2)
        assert _day(source) == reference
        sync_history(source, target, chunk_s=3600.0, from_start=True)
        assert _day(target) == reference
        assert TAGS.wearer == target.wearer
    finally:
        source.close()

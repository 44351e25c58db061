"""The Store contract on the embedded store and on a real InfluxDB, through both write paths."""

from __future__ import annotations

import pytest

from backcoach.config import InfluxSettings
from backcoach.storage.influx import InfluxStore
from backcoach.storage.sqlite import SQLiteStore
from tests.storage.conftest import TAGS
from tests.storage.contract import StoreContract


class TestSQLiteContract(StoreContract):
    """The reference: the embedded store."""

    @pytest.fixture
    def store_factory(self, tmp_path):
        return lambda: SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="UTC")


def _influx_factory(url: str, bucket: str, data_dir):
    settings = InfluxSettings(url=url, bucket=bucket, raw="full", timeout_s=10.0)
    return lambda: InfluxStore(settings, data_dir=data_dir, tags=TAGS, tz_name="UTC")


@pytest.mark.influx
class TestInfluxV1Contract(StoreContract):
    """InfluxDB 1.6: the v1 /write path with database and default retention policy."""

    @pytest.fixture
    def store_factory(self, influxd, influx_db, tmp_path):
        return _influx_factory(influxd.url, influx_db, tmp_path)


@pytest.mark.influx
class TestInfluxV2Contract(StoreContract):
    """The influxdb-client path, through InfluxDB 1.8's v2 translation (bucket db/rp)."""

    @pytest.fixture
    def store_factory(self, relay, influx_db, tmp_path):
        return _influx_factory(relay.url, f"{influx_db}/autogen", tmp_path)

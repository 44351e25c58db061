"""A live session into InfluxDB: every point says which sensor (name, address) and model."""

from __future__ import annotations

from pathlib import Path

import pytest

from backcoach import cli
from tests.ble.conftest import DEVICES, Emulator
from tests.storage.conftest import start_server

pytestmark = [pytest.mark.ble, pytest.mark.influx]


def test_live_points_carry_the_sensors_name_address_and_model(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No sensor in the settings: the tags come from the sensor found, not 'unknown'."""
    server = start_server(tmp_path / "influxd")
    try:
        server.query('CREATE DATABASE "live"')
        monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("BACKCOACH_STORAGE", "influxdb")
        monkeypatch.setenv("BACKCOACH_INFLUX_URL", server.url)
        monkeypatch.setenv("BACKCOACH_INFLUX_BUCKET", "live")
        polar = DEVICES["polar"]
        args = ["collect", "--sensor", polar["address"], "--duration", "2", "--rate", "200"]
        assert cli.main(args) == 0
        tags = {}
        for key in ("sensor", "model"):
            (res,) = server.query(f'SHOW TAG VALUES FROM "raw" WITH KEY = "{key}"', db="live")
            tags[key] = {v for _, v in res["series"][0]["values"]}
    finally:
        server.stop()
    assert tags == {"sensor": {f"{polar['name']} ({polar['address']})"}, "model": {"polar"}}

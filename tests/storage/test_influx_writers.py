"""A writer per protocol behind one interface: the server's version picks it, and either one
sends the outbox's writes and range deletions in the outbox's order."""

from __future__ import annotations

import json

import pytest

from backcoach.config import InfluxSettings
from backcoach.storage.influx_http import InfluxConnection
from backcoach.storage.influx_v2 import V2Writer
from backcoach.storage.influx_write import Sender, V1Writer
from backcoach.storage.outbox import DELETE, Batch

WRITERS = {"v1": V1Writer, "v2": V2Writer}


@pytest.mark.influx
@pytest.mark.parametrize("protocol", sorted(WRITERS))
def test_the_server_picks_the_writer_and_a_deletion_between_writes_keeps_their_order(
    protocol, influxd, relay, influx_db
):
    """Debian's 1.6 gets `/write`, a 1.8 (the relay) influxdb-client; a deletion queued between
    two writes removes the first and never the second, on both."""
    url, bucket = (
        (influxd.url, influx_db) if protocol == "v1" else (relay.url, f"{influx_db}/autogen")
    )
    sender = Sender(InfluxConnection(InfluxSettings(url=url, bucket=bucket, timeout_s=10.0)))
    spec = {"measurements": ["probe"], "start_ns": 0, "end_ns": 3 * 10**9, "wearer": "me"}
    try:
        assert type(sender.writer) is WRITERS[protocol]
        sender.send(
            [
                Batch(1, "epoch", 1, "probe,wearer=me value=1 1000000000\n"),
                Batch(2, DELETE, 1, json.dumps(spec)),
                Batch(3, "epoch", 1, "probe,wearer=me value=2 2000000000\n"),
            ]
        )
    finally:
        sender.close()
    rows = influxd.query('SELECT "value" FROM "probe"', db=influx_db)[0]["series"][0]["values"]
    assert [value for _t, value in rows] == [2]

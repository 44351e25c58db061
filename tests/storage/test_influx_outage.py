"""Nothing lost: the server stops mid-stream, writes go on, the server returns, all arrives once."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from backcoach.storage.influx import InfluxStore
from tests.storage.conftest import start_server
from tests.storage.contract import T0, assert_epochs_equal, make_epochs, make_events
from tests.storage.v2_relay import V2Relay

CHUNK = 60  # epochs per write, as a live run hands them over (one minute)
CHUNKS = 30


def _wait_for(predicate, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


@pytest.fixture
def own_server(tmp_path, request):
    """A server of this test's own, since the test stops and restarts it."""
    server = start_server(tmp_path / "influxd")
    server.query('CREATE DATABASE "d"')
    yield server
    if getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed:
        print(f"--- influxd log ---\n{server.log()}")
    server.stop()


@pytest.mark.influx
@pytest.mark.parametrize("path", ["v1", "v2"])
def test_a_server_outage_mid_stream_loses_nothing_and_duplicates_nothing(
    path, own_server, make_store, caplog
):
    """Stop influxd after a third of the stream, keep writing, restart it: every point arrives."""
    caplog.set_level(logging.INFO, logger="backcoach")
    relay = V2Relay(own_server.url).start() if path == "v2" else None
    try:
        store: InfluxStore = make_store(relay.url if relay else own_server.url, "d/autogen")
        epochs = make_epochs(CHUNK * CHUNKS)
        events = make_events()
        for i in range(CHUNKS):
            if i == CHUNKS // 3:
                store.flush(10)
                own_server.stop()
            if i == 2 * CHUNKS // 3:
                _wait_for(lambda: store.drainer.last_error is not None)
                assert store.backlog().points >= CHUNK * (CHUNKS // 3)  # kept, not dropped
                own_server.start()
            store.write_epochs(epochs.select(slice(i * CHUNK, (i + 1) * CHUNK)))
        store.write_events(events)
        store.flush(30)

        assert own_server.count("d", "epoch", "posture") == len(epochs)
        assert own_server.count("d", "event", "end_s") == len(events)
        assert_epochs_equal(store.read_epochs(T0, T0 + len(epochs)), epochs)
        assert store.backlog().points == 0

        outage_lines = [r for r in caplog.records if "retrying" in r.getMessage()]
        assert len(outage_lines) == 1, "the outage is logged once, not per retry"
        assert "unreachable" in outage_lines[0].getMessage() or path == "v2"
        assert any("takes writes again" in r.getMessage() for r in caplog.records)
    finally:
        if relay:
            relay.stop()


@pytest.mark.influx
def test_the_client_retries_an_overloaded_server_itself(relay, influx_db, make_store, influxd):
    """Two 503 answers are absorbed by influxdb-client's back-off within one drain step."""
    store = make_store(relay.url, f"{influx_db}/autogen")
    relay.fail_next_writes(2, status=503)
    epochs = make_epochs(2000)
    store.write_epochs(epochs)
    store.flush(20)
    assert [w.status for w in relay.writes[:3]] == [503, 503, 204]
    assert all(w.gzip for w in relay.writes), "the v2 path sends gzip"
    assert influxd.count(influx_db, "epoch", "posture") == 2000


@pytest.mark.influx
def test_a_backlog_left_by_an_earlier_run_is_sent_by_the_next(influxd, influx_db, make_store):
    """Points queued while the server was away survive the process and go out on next start."""
    from tests.storage.influx_server import free_port

    dead = make_store(f"http://127.0.0.1:{free_port()}", influx_db)
    dead.write_epochs(make_epochs(500))
    dead.drainer.stop()
    dead.outbox.close()  # the process ends with the backlog on disk

    again = make_store(influxd.url, influx_db)  # same data dir, the right server
    again.flush(10)
    assert influxd.count(influx_db, "epoch", "posture") == 500


@pytest.mark.influx
def test_the_drain_progress_is_shown_after_an_outage(own_server, make_store, caplog):
    """A big backlog drains with a progress line and a closing line naming the points."""
    caplog.set_level(logging.INFO, logger="backcoach")
    store = make_store(own_server.url, "d")
    own_server.stop()
    big = make_epochs(120_000, seed=3)  # more than one drain step
    store.write_epochs(big)
    _wait_for(lambda: store.drainer.last_error is not None)
    own_server.start()
    store.flush(60)

    def said(text: str) -> bool:
        return any(text in r.getMessage() for r in caplog.records)

    _wait_for(lambda: said("sent the 120000 points queued"))  # logged just after the last ack
    assert said("outbox: sent "), [r.getMessage() for r in caplog.records]
    assert own_server.count("d", "epoch", "posture") == 120_000
    assert np.isfinite(store.read_epochs(T0, T0 + 10).activity_g).all()


@pytest.mark.influx
def test_a_ten_hour_outage_compressed_in_time_keeps_rows_bounded_and_loses_nothing(
    tmp_path, make_store
):
    """Ten hours of the collector's writes with the server away: status rows stay ~10, the
    collector's own calls still work at the end, and once the server is back every point
    arrives exactly once and the status is the latest."""
    from tests.storage.collector_writes import (
        LIVE_STATUS,
        RAW_EVERY_S,
        SESSION_STATUS,
        Written,
        fill,
        live_second,
    )
    from tests.storage.influx_server import InfluxServer

    server = InfluxServer(tmp_path / "influxd")  # not started: the outage
    store: InfluxStore = make_store(server.url, "d", timeout_s=30.0)
    written, latencies = Written(), []
    hours = 10
    fill(store, T0, hours * 3600, written)
    for s in range(60):  # the collector's own calls after ten hours of outage
        live_second(store, T0 + hours * 3600 + s, written, latencies)
    assert len(latencies) == written.calls and max(latencies) < 5.0  # none blocked on the network

    status_keys = len(set(LIVE_STATUS) | set(SESSION_STATUS))
    per_second = round(1 / RAW_EVERY_S) + 1  # a raw flush a chunk, and an epoch, a second
    data_rows = (hours * 3600 + 60) * per_second + written.events
    assert store.outbox.rows() == data_rows + status_keys, "status rows piled up"
    backlog = store.backlog()
    assert backlog.points == written.raw_written + written.epochs + written.events + status_keys

    server.start()
    try:
        server.query('CREATE DATABASE "d"')
        store.flush(300)
        assert server.count("d", "raw", "x_g") == written.raw
        assert server.count("d", "epoch", "posture") == written.epochs
        assert server.count("d", "event", "end_s") == written.events
        assert store.read_status() == written.status
        assert store.outbox.rows() == 0
    finally:
        server.stop()

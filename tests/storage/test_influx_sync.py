"""`backcoach sync`: the embedded history arrives in InfluxDB, and a second run resumes."""

from __future__ import annotations

import time

import pytest

from backcoach.cli import main
from backcoach.processing.types import DaySummary, DiaryEntry, OverloadWarning
from backcoach.storage.sqlite import SQLiteStore
from tests.storage.contract import DAY, T0, make_epochs, make_events, make_samples


@pytest.fixture
def env(tmp_path, influxd, influx_db, monkeypatch):
    """Settings for a user who kept data embedded and now configured an InfluxDB."""
    data = tmp_path / "data"
    (tmp_path / "none.toml").touch()  # a named settings file must exist
    monkeypatch.setenv("BACKCOACH_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(data))
    monkeypatch.setenv("BACKCOACH_STORAGE", "influxdb")
    monkeypatch.setenv("BACKCOACH_INFLUX_URL", influxd.url)
    monkeypatch.setenv("BACKCOACH_INFLUX_BUCKET", influx_db)
    monkeypatch.setenv("BACKCOACH_INFLUX_RAW", "full")
    monkeypatch.setenv("BACKCOACH_TIMEZONE", "UTC")
    return data


def _embedded(data) -> SQLiteStore:
    return SQLiteStore(data / "backcoach.sqlite", tz_name="UTC")


@pytest.mark.influx
def test_sync_copies_everything_and_resumes_after_what_it_sent(env, influxd, influx_db, capsys):
    """All kinds arrive; a second run sends only newer data; --from-start sends all again."""
    src = _embedded(env)
    src.write_epochs(make_epochs(3 * 3600))
    src.write_events(make_events())
    src.write_samples(make_samples(60))
    src.write_warnings([OverloadWarning(T0 + 5, "G1", 31.0, "sitting", {"minutes": 31.0})])
    src.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.5}))
    src.write_diary(DiaryEntry(DAY, pain=3, note="ok"))
    src.write_status("plan", '{"start": "2026-11-09"}')  # the wearer's plan (docs/plan.md)
    src.close()

    assert main(["sync", "--chunk-hours", "1"]) == 0
    out = capsys.readouterr().out
    assert "synced " in out and " in 3 chunks" in out
    assert influxd.count(influx_db, "epoch", "posture") == 3 * 3600
    assert influxd.count(influx_db, "raw", "x_g") == 60 * 50
    assert influxd.count(influx_db, "event", "end_s") == len(make_events())
    assert influxd.count(influx_db, "warning", "value") == 1
    assert influxd.count(influx_db, "summary", "day") == 1
    assert influxd.count(influx_db, "diary", "pain") == 1
    assert influxd.count(influx_db, "status", "value") == 1  # the plan, nothing live

    influxd.query('DROP MEASUREMENT "epoch"', db=influx_db)  # if sync re-sent, it would show
    src = _embedded(env)
    src.write_epochs(make_epochs(600, t0=T0 + 3 * 3600))  # ten more minutes recorded since
    src.close()
    assert main(["sync"]) == 0
    assert influxd.count(influx_db, "epoch", "posture") == 600

    assert main(["sync", "--from-start"]) == 0
    assert influxd.count(influx_db, "epoch", "posture") == 3 * 3600 + 600


@pytest.mark.influx
def test_sync_without_an_embedded_store_says_where_it_looked(env, capsys):
    assert main(["sync"]) == 1
    err = capsys.readouterr().err
    assert "no embedded store" in err and "BACKCOACH_DATA_DIR" in err


@pytest.mark.influx
def test_sync_to_an_unreachable_server_fails_in_one_line(env, monkeypatch, capsys):
    """The server is checked before anything is copied."""
    from tests.storage.influx_server import free_port

    monkeypatch.setenv("BACKCOACH_INFLUX_URL", f"http://127.0.0.1:{free_port()}")
    src = _embedded(env)
    src.write_epochs(make_epochs(10))
    src.close()
    assert main(["sync"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unreachable" in err[0]


IDLE_S = 5.0  # each wait: one write must fit, also on a busy machine (2 s did not, in parallel)
# A slow server: an hour of raw goes in ~11 writes, so the drain takes > 8 s, more than one wait.
WRITE_DELAY_S = 0.75


def _raw_store(data, hours: float) -> SQLiteStore:
    src = _embedded(data)
    src.write_epochs(make_epochs(int(hours * 3600)))
    for h in range(int(hours * 6)):  # 10-minute raw chunks at 50 Hz, as a replay writes them
        src.write_samples(make_samples(600, t0=T0 + h * 600, seed=h))
    return src


@pytest.mark.influx
def test_sync_keeps_waiting_while_the_server_keeps_taking_points(tmp_path, relay, influx_db):
    """Hours of full-rate raw data take longer than one wait: sync waits while they drain."""
    from backcoach.commands.sync import sync_history
    from backcoach.config import InfluxSettings
    from backcoach.storage.influx import InfluxStore
    from tests.storage.conftest import TAGS

    src = _raw_store(tmp_path / "data", hours=1)
    relay.write_delay_s = WRITE_DELAY_S  # on a fast machine the drain would fit one wait
    settings = InfluxSettings(url=relay.url, bucket=f"{influx_db}/autogen", raw="full")
    target = InfluxStore(settings, data_dir=tmp_path / "data", tags=TAGS, tz_name="UTC")
    try:
        t0 = time.monotonic()
        result = sync_history(src, target, chunk_s=3600.0, idle_s=IDLE_S)
        assert time.monotonic() - t0 > IDLE_S  # else this proves nothing
        assert result.chunks == 1 and result.points >= 3600 * 50
        assert target.backlog().points == 0
    finally:
        target.close()
        src.close()


@pytest.mark.influx
def test_a_rerun_sends_an_unconfirmed_chunk_from_the_outbox_without_queueing_it_again(
    tmp_path, make_store
):
    """The server went away mid-sync: the rerun sends what waits and queues nothing twice."""
    from backcoach.commands.sync import sync_history
    from backcoach.errors import StoreUnavailable
    from tests.storage.conftest import start_server

    server = start_server(tmp_path / "influxd")
    try:
        server.query('CREATE DATABASE "s"')
        src = _raw_store(tmp_path / "data", hours=1)
        server.stop()
        target = make_store(server.url, "s", raw="full", timeout_s=2.0)
        with pytest.raises(StoreUnavailable):
            sync_history(src, target, chunk_s=3600.0)
        waiting = target.backlog().points
        assert waiting >= 3600 * 50
        target.drainer.stop(1.0)
        target.outbox.close()
        server.start()
        again = make_store(server.url, "s", raw="full", timeout_s=10.0)
        result = sync_history(src, again, chunk_s=3600.0)
        assert result.chunks == 0 and again.points_queued == 0  # nothing queued twice
        assert server.count("s", "raw", "x_g") == 3600 * 50
        assert server.count("s", "epoch", "posture") == 3600
        src.close()
    finally:
        server.stop()

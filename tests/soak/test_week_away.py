"""A collector that outlives a week away: sensor away three days, InfluxDB two, push server four.

The live path runs as `backcoach collect` wires it - `SensorLink`, `CollectSession`, `LiveRun`,
the rules and the warning dispatcher posting through apprise to a receiver, the InfluxDB store
with its outbox and sender against a real influxd - on a fake clock (`fake_clock.py`) with the
Polar and its radio played in process (`fake_radio.py`), so four days pass in under a minute.

Monday 09:50 the sensor streams; at 09:52 the push server and InfluxDB go down; at 09:55 the
wearer leaves the sensor at work for three days. InfluxDB returns on Wednesday 09:52, the sensor
on Thursday 09:55 (for ten minutes, then it stays at work overnight again, back on Friday 09:50),
the push server on Friday 09:52. Then: the collector still runs, every sample, epoch,
day summary and warning reached InfluxDB and every warning the receiver, the outbox is empty,
and the log holds a few lines per outage, not one per attempt.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from backcoach.cli import QUIET_LOGGERS
from backcoach.collector.ble import FoundSensor
from backcoach.collector.session import CollectSession
from backcoach.commands.collect import wire_warnings
from backcoach.config import InfluxSettings, Settings, WarningSettings
from backcoach.live.sensor import sensor_live_run
from backcoach.processing.days import day_of
from backcoach.processing.types import Calibration
from backcoach.storage.influx import InfluxStore
from backcoach.storage.influx_schema import Tags
from backcoach.storage.references import save_reference
from tests.ble.emulated_sensors import SCRIPTS
from tests.soak.fake_clock import FakeClock
from tests.soak.fake_radio import FakePolar, FakeRadio
from tests.storage.conftest import start_server
from tests.warnings.receiver import Receiver

pytestmark = pytest.mark.influx

TZ = "Europe/Amsterdam"
MONDAY_0950 = datetime(2025, 6, 2, 9, 50, tzinfo=ZoneInfo(TZ)).timestamp()
MIN, HOUR, DAY = 60.0, 3600.0, 86400.0
RATE_HZ = 50.0
DB = "soak"
#: The log a week may hold (46 lines when written): each outage's first and last line, "still
#: away" after 1, 2, 4 hours and then every 6, the warnings themselves. Before, the link said
#: "reconnecting" every 10 minutes and a day InfluxDB could not summarise every 10 seconds
#: (13,290 lines in this week).
MAX_LOG_LINES = 80


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _real_wait(predicate, what: str, timeout_s: float = 60.0) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not happen within {timeout_s:.0f} s")
        time.sleep(0.01)


def _reference(settings: Settings, store: InfluxStore) -> None:
    """The sensor's up and forward, kept before: epochs (and warnings) come from the start."""
    from backcoach.collector.simulator import simulate

    mounting = simulate(SCRIPTS["day"], 0.0, fs_hz=RATE_HZ, seed=1).mounting
    up, forward = (tuple(float(v) for v in mounting @ axis) for axis in ([1, 0, 0], [0, 0, 1]))
    cal = Calibration(up, forward)
    save_reference(store, cal, sensor=FakePolar.address, origin="calibrate", at_s=MONDAY_0950)


def _count(server, measurement: str, field: str, since_s: float = 0.0) -> int:  # noqa: ANN001
    q = f'SELECT COUNT("{field}") FROM "{measurement}" WHERE time >= {int(since_s * 1e9)}'
    series = server.query(q, db=DB)[0].get("series")
    return int(series[0]["values"][0][1]) if series else 0


def _times(server, measurement: str, field: str) -> np.ndarray:  # noqa: ANN001
    series = server.query(f'SELECT "{field}" FROM "{measurement}"', db=DB)[0].get("series")
    values = series[0]["values"] if series else []
    return np.array([v[0] for v in values], dtype=np.int64) / 1e9


def test_a_week_away_ends_nothing_loses_nothing_and_logs_little(tmp_path: Path) -> None:
    server = start_server(tmp_path / "influxd")
    server.query(f'CREATE DATABASE "{DB}"')
    receiver = Receiver().start()
    lines = _Lines()
    root = logging.getLogger()
    level = root.level
    root.addHandler(lines)
    root.setLevel(logging.INFO)  # as `backcoach collect` logs (backcoach.cli)
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in quiet:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        _play_the_week(tmp_path, server, receiver, lines)
    finally:
        root.removeHandler(lines)
        root.setLevel(level)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)
        receiver.stop()
        server.stop()


def _play_the_week(tmp_path: Path, server, receiver: Receiver, lines: _Lines) -> None:  # noqa: ANN001
    clock = FakeClock(MONDAY_0950)
    t0 = clock.monotonic()
    warnings = WarningSettings(desktop=False, sensor_buzz=False, notify_urls=(receiver.url,))
    influx = InfluxSettings(url=server.url, bucket=DB, raw="full", timeout_s=5.0)
    settings = Settings(
        data_dir=str(tmp_path / "data"),
        storage="influxdb",
        timezone=TZ,
        influx=influx,
        warnings=warnings,
    )
    sensor = FakePolar(clock, rate_hz=RATE_HZ)
    radio = FakeRadio(sensor)
    tags = Tags(wearer="me", sensor=sensor.name, model="polar", placement="lower_back")
    store = InfluxStore(influx, data_dir=settings.data_path, tags=tags, tz_name=TZ, clock=clock)
    _reference(settings, store)
    store.flush(30.0)  # before the clock moves: the server takes it at once

    loop = clock.new_event_loop()
    found = FoundSensor(sensor.name, sensor.address, -60, "polar", sensor.device)
    dispatchers = []
    held: dict[str, object] = {}

    def live_path(session: CollectSession):  # noqa: ANN202 - as `collect` builds it
        dispatchers.append(wire_warnings(session, settings, store, loop))
        return sensor_live_run(session)

    async def collect() -> object:
        session = CollectSession(
            settings,
            store,
            found,
            rate_hz=RATE_HZ,
            live_factory=live_path,
            clock=clock,
            radio=radio,
        )
        held["session"] = session
        return await session.run()

    def run_loop() -> None:
        asyncio.set_event_loop(loop)
        try:
            held["result"] = loop.run_until_complete(collect())
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            held["error"] = exc
        finally:
            loop.close()

    collector = threading.Thread(target=run_loop, name="soak-loop", daemon=True)
    collector.start()
    _real_wait(lambda: "session" in held and held["session"].live is not None, "the live run")
    session: CollectSession = held["session"]  # type: ignore[assignment]
    alive = collector.is_alive

    def at(offset_s: float) -> None:
        clock.run_until(t0 + offset_s, stop=lambda: not alive())
        assert alive(), f"the collector ended: {held.get('error')!r}"

    at(2 * MIN)
    streamed_before = sensor.sent_samples()
    assert streamed_before > 1.5 * MIN * RATE_HZ, "the sensor streamed from the start"
    receiver.stop()
    server.stop()
    at(5 * MIN)
    loop.call_soon_threadsafe(sensor.go_away, 3 * DAY)
    at(2 * DAY + 2 * MIN)
    server.start()
    at(3 * DAY + 5 * MIN)
    back_s = clock.time()
    at(3 * DAY + 15 * MIN)
    loop.call_soon_threadsafe(sensor.go_away, DAY - 15 * MIN)  # left at work overnight
    at(4 * DAY + 2 * MIN)
    receiver.start()
    at(4 * DAY + 10 * MIN)
    loop.call_soon_threadsafe(session.stop)
    clock.run_until(t0 + 5 * DAY, stop=lambda: not alive())
    assert "error" not in held, held.get("error")
    closing = threading.Thread(
        target=lambda: [d.close(30.0) for d in dispatchers] and None, name="soak-close"
    )
    closing.start()
    clock.run_until(t0 + 5 * DAY + HOUR, stop=lambda: not closing.is_alive())
    closing.join(10)
    flushed = threading.Thread(target=store.flush, args=(30.0,), name="soak-flush")
    flushed.start()
    clock.run_until(t0 + 5 * DAY + 2 * HOUR, stop=lambda: not flushed.is_alive())
    flushed.join(10)

    # the collector lived through it all, and the sensor came back into the same session
    assert radio.connects >= 2 and sensor.sent_samples() > streamed_before + 15 * MIN * RATE_HZ
    # nothing lost: every sample, the epochs of every second with samples, each day's summary
    assert store.outbox.backlog().points == 0
    assert _count(server, "raw", "x_g") == sensor.sent_samples()
    raw_s = _times(server, "raw", "x_g")
    assert raw_s.max() > back_s, "samples after the sensor came back"
    seconds, counts = np.unique(np.floor(raw_s), return_counts=True)
    with_raw = seconds[counts >= RATE_HZ / 2]
    missing = np.setdiff1d(with_raw, np.round(_times(server, "epoch", "posture")))
    assert missing.size == 0, f"{missing.size} seconds with samples have no epoch"
    days = {day_of(MONDAY_0950 + d * DAY, TZ) for d in range(5)}
    series = server.query('SELECT "day" FROM "summary"', db=DB)[0].get("series", [])
    summarised = {v[1] for v in series[0]["values"]} if series else set()
    assert days <= summarised, f"days not summarised: {sorted(days - summarised)}"
    # every warning: stored, and delivered once the push server was back
    fired = session.live.warnings
    assert fired, "the wearer's bends and lifts fired warnings"
    assert _count(server, "warning", "value") == len({(w.t_s, w.rule) for w in fired})
    assert len(receiver.posts) == len(fired)
    # and the log stayed short
    said = Counter(r.name for r in lines.records)
    assert len(lines.records) <= MAX_LOG_LINES, said.most_common(8)
    print(f"soak: {clock.steps} moves of the clock; log lines by logger: {dict(said)}")

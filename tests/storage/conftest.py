"""Fixtures for the storage tests: a real `influxd` on a free loopback port, one database per test.

The server is Debian's InfluxDB 1.x (`scripts/bootstrap.sh --test` installs it). When `influxd`
is missing the InfluxDB tests fail with that message: CI must run them, never skip them. When a
test fails, the server's log is printed with it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from backcoach.config import InfluxSettings
from backcoach.storage.influx import InfluxStore
from backcoach.storage.influx_schema import Tags
from tests.shared import made_once
from tests.storage.influx_server import InfluxdMissing, InfluxServer
from tests.storage.v2_relay import V2Relay

SIM_DAY = "2024-03-12"
TAGS = Tags(wearer="me", sensor="AA:BB:CC:DD:EE:FF", model="open", placement="lower_back")
_db_numbers = itertools.count(1)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's outcome on the test item, so fixtures can see a failure."""
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


def _failed(request: pytest.FixtureRequest) -> bool:
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


def start_server(root: Path, *, auth: bool = False) -> InfluxServer:
    """A started influxd, or a test failure that says how to install it."""
    try:
        return InfluxServer(root, auth=auth).start()
    except InfluxdMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InfluxServer]:
    """One influxd for the session (tests that stop a server start their own)."""
    server = start_server(tmp_path_factory.mktemp("influxd"))
    yield server
    server.stop()


@pytest.fixture
def influx_db(influxd: InfluxServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the shared server; prints the server log if the test failed."""
    name = f"t{next(_db_numbers)}"
    influxd.query(f'CREATE DATABASE "{name}"')
    yield name
    if _failed(request):
        print(f"--- influxd log (database {name}) ---\n{influxd.log()}")


@pytest.fixture
def relay(influxd: InfluxServer) -> Iterator[V2Relay]:
    """InfluxDB 1.8's v2 API in front of the shared 1.x server."""
    r = V2Relay(influxd.url).start()
    yield r
    r.stop()


StoreMaker = Callable[..., InfluxStore]


@pytest.fixture
def make_store(tmp_path: Path) -> Iterator[StoreMaker]:
    """Build InfluxStores with their outbox in this test's temp dir; closes them afterwards."""
    made: list[InfluxStore] = []

    def make(url: str, bucket: str, *, data_dir: Path | None = None, **kw) -> InfluxStore:
        kw.setdefault("timeout_s", 10.0)
        store = InfluxStore(
            InfluxSettings(url=url, bucket=bucket, **kw),
            data_dir=data_dir or tmp_path / "data",
            tags=TAGS,
        )
        made.append(store)
        return store

    yield make
    for store in made:
        store.drainer.stop(1.0)
        store.outbox.close()


@pytest.fixture(scope="session")
def simulated_day(tmp_path_factory):
    """One simulated day at 50 Hz (UTC midnight to midnight); made once per run (seconds)."""
    from backcoach.collector.simulator import simulate_day
    from backcoach.processing.days import day_bounds

    start_s = day_bounds(SIM_DAY, "UTC")[0]
    return made_once(tmp_path_factory, "sim-day-7", lambda: simulate_day(start_s, seed=7))

"""What the practice publishes of InfluxDB (issue 19, item 7), through the real Caddyfile.

On main d911343 `/debug/vars` and `/debug/requests` answered anyone (every wearer's database
name, series counts, who queried when), and the Caddyfile passed all of InfluxDB through. Here
the shipped Caddyfile runs in a real Caddy in front of the suite's `influxd` (with
authentication): a wearer's collector still pings, writes and reads back through it, and
nothing else answers. InfluxDB 1.8 in docker-compose guards the same endpoints itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from backcoach.config import InfluxSettings
from backcoach.dashboard import practice_accounts as practice
from backcoach.processing.types import DiaryEntry
from backcoach.storage.influx import InfluxStore
from backcoach.storage.influx_schema import Tags

from .browsing import http_get
from .caddy import REPO, Caddy, CaddyMissing

pytestmark = pytest.mark.influx

UNPUBLISHED = (
    "/debug/vars",
    "/debug/requests?seconds=1",
    "/debug/pprof/",
    "/debug/pprof/cmdline",
    "/metrics",
    "/status",
    "/api/v2/query",
    "/",
)


@pytest.fixture(scope="module")
def caddy(site, tmp_path_factory):
    try:
        proxy = Caddy(
            tmp_path_factory.mktemp("caddy"),
            influx_upstream=f"127.0.0.1:{site.world.server.port}",
            practice_upstream=f"127.0.0.1:{site.port}",
        ).start()
    except CaddyMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    yield proxy
    proxy.stop()


def test_influxdb_debug_endpoints_are_not_published(caddy):
    """No statistics, request log or profile of the server through the published address."""
    for path in UNPUBLISHED:
        status, body = http_get(f"{caddy.influx}{path}")
        assert status == 404, (path, status, body[:300])
        assert b"backcoach_" not in body, path


def test_a_wearers_collector_still_works_through_the_published_address(site, caddy, tmp_path):
    """/ping, a write and the read back of it, with the wearer's own account."""
    status, _ = http_get(f"{caddy.influx}/ping")
    assert status == 204
    store = InfluxStore(
        InfluxSettings(
            url=caddy.influx,
            bucket=f"{practice.DB_PREFIX}ben",
            token=site.world.tokens["ben"],
            timeout_s=10.0,
        ),
        data_dir=tmp_path / "collector",
        tags=Tags(wearer="ben", sensor="sim", model="open", placement="lower_back"),
        tz_name="Europe/Amsterdam",
    )
    try:
        store.write_diary(DiaryEntry("2020-02-02", 3, "through caddy"))
        store.flush()
        assert [e.note for e in store.read_diary("2020-02-02", "2020-02-02")] == ["through caddy"]
    finally:
        store.close()


def test_influxdb_in_compose_keeps_its_debug_endpoints_for_the_admin():
    """InfluxDB 1.8 serves /debug/vars and /debug/requests to anyone unless pprof is on and
    pprof-auth-enabled (then only to an admin): both are set for the practice's server."""
    compose = yaml.safe_load(Path(REPO / "docker-compose.practice.yml").read_text())
    env = compose["services"]["influxdb"]["environment"]
    assert env.get("INFLUXDB_HTTP_AUTH_ENABLED") == "true"
    assert env.get("INFLUXDB_HTTP_PPROF_ENABLED") == "true", env
    assert env.get("INFLUXDB_HTTP_PPROF_AUTH_ENABLED") == "true", env
    assert "ports" not in compose["services"]["influxdb"]  # only Caddy publishes ports

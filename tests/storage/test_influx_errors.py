"""Clear one-line errors (wrong token, missing bucket, unreachable, too old), nothing dropped,
and the token never in a message or a log line."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backcoach.storage import influx as influx_mod
from backcoach.storage.influx import InfluxUnavailable
from tests.storage.conftest import start_server
from tests.storage.contract import make_epochs
from tests.storage.influx_server import free_port
from tests.storage.v2_relay import V2Relay

SECRET = "s3cret-Passw0rd-never-shown"
ADMIN = ("admin", "right-Passw0rd-4711")


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    """An influxd with authentication on and an admin user."""
    server = start_server(tmp_path_factory.mktemp("influxd-auth"), auth=True)
    server.create_admin(*ADMIN)
    yield server
    server.stop()


def _assert_one_line_without_secret(err: BaseException, caplog) -> str:
    msg = str(err)
    assert "\n" not in msg
    assert SECRET not in msg
    assert SECRET not in caplog.text
    assert SECRET[:12] not in caplog.text
    return msg


@pytest.mark.influx
@pytest.mark.parametrize("path", ["v1", "v2"])
def test_a_wrong_token_is_one_clear_line_without_the_token_and_drops_nothing(
    path, auth_server, make_store, caplog, tmp_path
):
    """The write is refused with a fix to apply; once the token is right, all arrives."""
    caplog.set_level(logging.DEBUG)  # every logger, urllib3 and influxdb-client included
    relay = V2Relay(auth_server.url).start() if path == "v2" else None
    url = relay.url if relay else auth_server.url
    db = f"d_{path}"
    auth_server.query(f'CREATE DATABASE "{db}"')
    try:
        wrong = make_store(url, f"{db}/autogen", token=f"admin:{SECRET}", data_dir=tmp_path / "a")
        wrong.write_epochs(make_epochs(300))
        with pytest.raises(InfluxUnavailable) as err:
            wrong.flush(10)
        msg = _assert_one_line_without_secret(err.value, caplog)
        assert err.value.reason == influx_mod.AUTH
        assert "BACKCOACH_INFLUX_TOKEN" in msg
        with pytest.raises(InfluxUnavailable) as read_err:
            wrong.read_status()  # reads say the same, and wait for nothing they cannot send
        _assert_one_line_without_secret(read_err.value, caplog)
        assert wrong.backlog().points == 300  # kept
        wrong.drainer.stop()
        wrong.outbox.close()

        right = make_store(url, f"{db}/autogen", token=":".join(ADMIN), data_dir=tmp_path / "a")
        right.flush(10)
        assert auth_server.count(db, "epoch", "posture") == 300
        assert SECRET not in caplog.text
    finally:
        if relay:
            relay.stop()


@pytest.mark.influx
def test_a_missing_database_is_named_with_the_command_that_creates_it(influxd, make_store, caplog):
    """Writes wait in the outbox until the database exists, then arrive."""
    store = make_store(influxd.url, "not_yet")
    store.write_epochs(make_epochs(120))
    with pytest.raises(InfluxUnavailable) as err:
        store.flush(10)
    assert err.value.reason == influx_mod.NOT_FOUND
    assert 'CREATE DATABASE "not_yet"' in str(err.value)
    assert "\n" not in str(err.value)
    assert store.backlog().points == 120
    influxd.query('CREATE DATABASE "not_yet"')
    store.flush(10)
    assert influxd.count("not_yet", "epoch", "posture") == 120


@pytest.mark.influx
def test_an_unreachable_host_is_one_line_and_writes_do_not_raise(make_store, caplog):
    """The collector's write returns; flush and reads say the server is unreachable."""
    caplog.set_level(logging.INFO, logger="backcoach")
    store = make_store(f"http://127.0.0.1:{free_port()}", "d", timeout_s=2.0)
    for i in range(5):
        store.write_epochs(make_epochs(60, t0=1_700_000_000.0 + 60 * i))  # no exception
    with pytest.raises(InfluxUnavailable) as err:
        store.flush(5)
    assert err.value.reason == influx_mod.UNREACHABLE
    assert "unreachable (connection refused)" in str(err.value)
    assert "BACKCOACH_INFLUX_URL" in str(err.value)
    assert store.backlog().points == 300
    with pytest.raises(InfluxUnavailable, match="unreachable"):
        store.read_epochs(0, 1)


class _FakePing(BaseHTTPRequestHandler):
    version = ""

    def do_GET(self) -> None:
        self.send_response(204)
        if self.version:
            self.send_header("X-Influxdb-Version", self.version)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("version", "reason", "text"),
    [
        ("0.13.0", influx_mod.TOO_OLD, "too old; upgrade to InfluxDB 1.8"),
        ("", influx_mod.NOT_INFLUX, "does not answer like InfluxDB"),
    ],
)
def test_a_server_too_old_or_not_influx_is_refused_at_the_probe(version, reason, text, make_store):
    """Only the /ping answer matters here, so a stand-in HTTP server gives the header."""
    handler = type("Ping", (_FakePing,), {"version": version})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = make_store(f"http://127.0.0.1:{server.server_address[1]}", "d")
        with pytest.raises(InfluxUnavailable) as err:
            store.check()
        assert err.value.reason == reason
        assert text in str(err.value)
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("header", "expected", "api"),
    [
        ("1.6.7~rc0", (1, 6), "v1"),
        ("1.7.11", (1, 7), "v1"),
        ("1.8.10", (1, 8), "v2"),
        ("v2.7.10", (2, 7), "v2"),
        ("3.0.1", (3, 0), "v2"),
        ("unknown", None, None),
    ],
)
def test_versions_choose_the_write_path(header, expected, api):
    """1.x before 1.8 has no /api/v2/write; everything newer gets the client."""
    mm = influx_mod.parse_version(header)
    assert mm == expected
    if mm is not None:
        assert ("v1" if mm < influx_mod.V1_MAX_VERSION else "v2") == api


def test_credentials_in_the_url_are_not_shown():
    assert influx_mod.safe_url("http://bob:pw@db.example:8086/") == "http://db.example:8086"


class _GuardedPing(BaseHTTPRequestHandler):
    """Like InfluxDB 3 with authorization on /ping: 401 without the token, JSON with it."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Token apiv3_token":
            body, status = b'{"error":"unauthorized"}', 401
        else:
            body, status = b'{"version":"3.0.1","revision":"abc"}', 200
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_that_guards_ping_is_probed_again_with_the_token(make_store):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _GuardedPing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        info = make_store(url, "d", token="apiv3_token").server()
        assert (info.version, info.api) == ("3.0.1", "v2")
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.influx
def test_a_batch_the_server_refuses_is_kept_aside_and_the_rest_still_flows(
    influxd, influx_db, make_store, caplog
):
    """A field-type conflict (HTTP 400) cannot be fixed by retrying: set aside, not dropped."""
    import urllib.request

    from tests.storage.contract import T0, make_events

    line = f'epoch,wearer=other posture="a string" {int(T0) * 10**9}'.encode()  # same shard
    urllib.request.urlopen(f"{influxd.url}/write?db={influx_db}", data=line, timeout=10).close()
    store = make_store(influxd.url, influx_db)
    store.write_epochs(make_epochs(50))  # posture is an integer here: the server refuses
    store.write_events(make_events())
    store.flush(10)
    assert store.backlog().points == 0
    rejected = store.outbox.rejected()
    assert {kind for kind, _, _ in rejected} == {"epoch"}
    assert sum(n for _, n, _ in rejected) == 50
    assert all("field type conflict" in why for _, _, why in rejected)
    assert len(store.read_events(T0, T0 + 86400)) == len(make_events())
    assert "rejected a write (HTTP 400" in caplog.text
    assert store.outbox.retry_rejected() == len(rejected)  # after a fix, they can go again

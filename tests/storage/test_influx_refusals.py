"""Refusals and redirects mid-stream: the refused points set aside, everything else arrives once.

The 1.x server is real (Debian's influxd); what 2.x and proxies answer differently is played by
the relay in front of it (`v2_relay.py`): 2.x's 422 for points beyond the bucket's retention, a
proxy's 413 for a large body, a login page's redirect.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from backcoach.processing.types import DiaryEntry
from backcoach.storage import influx_schema as sch
from backcoach.storage.influx import REDIRECT, InfluxUnavailable
from tests.storage.contract import T0, make_epochs, make_events
from tests.storage.v2_relay import V2Relay

CHUNK = 60  # epochs per write, one minute as a live run hands them over
TOKEN = "admin:s3cret-never-forwarded"


def _lines(store, kind: str) -> int:
    return sum(n for k, n, _ in store.outbox.rejected() if k == kind)


@pytest.mark.influx
@pytest.mark.parametrize("version", ["1.8.10", "1.6.4"], ids=["v2-path", "v1-path"])
def test_points_beyond_a_2x_retention_are_set_aside_and_newer_writes_still_arrive(
    version, influxd, influx_db, make_store, caplog
):
    """A 422 partial write mid-stream: only the old points wait aside; nothing newer is blocked."""
    caplog.set_level(logging.INFO, logger="backcoach")
    cutoff_s = T0 + 300.0
    relay = V2Relay(influxd.url, version=version, retention_cutoff_ns=int(cutoff_s * sch.NS))
    relay.start()
    try:
        store = make_store(relay.url, f"{influx_db}/autogen")
        epochs = make_epochs(20 * CHUNK)  # T0 .. T0+1200 s; the first 300 are too old
        for i in range(20):
            store.write_epochs(epochs.select(slice(i * CHUNK, (i + 1) * CHUNK)))
            if i == 10:  # a late diary entry for a day long gone
                store.write_diary(DiaryEntry("2022-01-03", 4, note="late entry"))
        store.write_events(make_events(T0 + 3600))
        store.flush(60)

        assert store.backlog().points == 0
        assert influxd.count(influx_db, "epoch", "posture") == 20 * CHUNK - 300  # once each
        assert influxd.count(influx_db, "event", "end_s") == len(make_events())
        assert _lines(store, "epoch") == 300 and _lines(store, "diary") == 1
        aside = store.outbox.rejected_lines()
        times = sorted(int(line.rsplit(" ", 1)[1]) for line in aside if line.startswith("epoch"))
        assert times == [int(t * sch.NS) for t in epochs.t_s[:300]], "exactly the old points"
        assert any('note="late entry"' in line for line in aside)
        said = [r for r in caplog.records if "kept aside" in r.getMessage()]
        assert len(said) == 1 and said[0].levelno == logging.ERROR, "said once"
        assert "HTTP 422" in said[0].getMessage() and "beyond retention" in said[0].getMessage()
    finally:
        relay.stop()


@pytest.mark.influx
@pytest.mark.parametrize("version", ["1.8.10", "1.6.4"], ids=["v2-path", "v1-path"])
def test_a_proxy_refusing_large_bodies_gets_them_in_halves_and_nothing_is_set_aside(
    version, influxd, influx_db, make_store
):
    """413 mid-stream: the batch is split until each request fits; every point arrives once."""
    relay = V2Relay(influxd.url, version=version, max_body_bytes=40_000).start()
    try:
        store = make_store(relay.url, f"{influx_db}/autogen")
        store.write_epochs(make_epochs(600))  # small: fits
        store.flush(30)
        big = make_epochs(30_000, t0=T0 + 1000, seed=4)
        store.write_epochs(big)
        store.write_events(make_events(T0 + 40_000))
        store.flush(120)
        assert 413 in [w.status for w in relay.writes]
        assert store.outbox.rejected() == [] and store.backlog().points == 0
        assert influxd.count(influx_db, "epoch", "posture") == 600 + 30_000
        assert influxd.count(influx_db, "event", "end_s") == len(make_events())
    finally:
        relay.stop()


@pytest.mark.influx
def test_a_real_1x_retention_refusal_is_set_aside_too(influxd, make_store):
    """InfluxDB 1.6 itself answers 400 "points beyond retention policy dropped=N"."""
    influxd.query('CREATE DATABASE "ret"')
    influxd.query('CREATE RETENTION POLICY "hour" ON "ret" DURATION 1h REPLICATION 1')
    store = make_store(influxd.url, "ret/hour")
    import time

    now = float(int(time.time()))
    old = make_epochs(100, t0=now - 7200)  # two hours ago: beyond the policy
    new = make_epochs(100, t0=now - 600, seed=2)
    store.write_epochs(old)
    store.write_epochs(new)
    store.flush(30)
    res = influxd.query('SELECT COUNT("posture") FROM "ret"."hour"."epoch"', db="ret")
    assert res[0]["series"][0]["values"][0][1] == 100
    assert _lines(store, "epoch") == 100 and store.backlog().points == 0
    assert all("beyond retention" in why for _, _, why in store.outbox.rejected())


class _LoginPage(BaseHTTPRequestHandler):
    """Where a redirect points: a login page that answers anything with 200 and records it."""

    seen: list[tuple[str, str, str]] = []

    def _any(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _LoginPage.seen.append((self.command, self.path, self.headers.get("Authorization", "")))
        body = b"<html><body>Please log in</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _any

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.influx
@pytest.mark.parametrize(
    ("version", "status"),
    [("1.8.10", 302), ("1.8.10", 307), ("1.6.4", 302)],
    ids=["v2-path-302", "v2-path-307", "v1-path-302"],
)
def test_a_redirecting_server_gets_no_token_elsewhere_and_the_batch_stays_queued(
    version, status, influxd, influx_db, make_store, caplog
):
    """A redirect to a login page: not followed, nothing confirmed, one line naming the fix."""
    caplog.set_level(logging.DEBUG)
    _LoginPage.seen = []
    login = ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    threading.Thread(target=login.serve_forever, daemon=True).start()
    other = f"http://localhost:{login.server_address[1]}"  # another host name: a cross-host hop
    relay = V2Relay(influxd.url, version=version, redirect_to=other, redirect_status=status)
    relay.start()
    try:
        store = make_store(relay.url, f"{influx_db}/autogen", token=TOKEN)
        store.write_epochs(make_epochs(300))
        with pytest.raises(InfluxUnavailable) as err:
            store.flush(15)
        assert err.value.reason == REDIRECT and err.value.status == status
        msg = str(err.value)
        assert "\n" not in msg and "redirect" in msg and "influx.url" in msg
        assert "s3cret" not in msg and "s3cret" not in caplog.text
        assert _LoginPage.seen == [], "the redirect was followed"
        assert store.backlog().points == 300  # not confirmed, not dropped
        assert influxd.count(influx_db, "epoch", "posture") == 0
    finally:
        relay.stop()
        login.shutdown()
        login.server_close()


@pytest.mark.influx
def test_a_v1_write_answered_200_with_a_page_is_no_confirmation(make_store):
    """Only 204 confirms a v1 write: a 200 from something else keeps the batch queued."""

    class Impostor(BaseHTTPRequestHandler):
        def _any(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204 if self.path.startswith("/ping") else 200)
            self.send_header("X-Influxdb-Version", "1.6.4")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        store = make_store(f"http://127.0.0.1:{server.server_address[1]}", "d")
        store.write_epochs(make_epochs(50))
        with pytest.raises(InfluxUnavailable, match="HTTP 200 instead of 204"):
            store.flush(10)
        assert store.backlog().points == 50
    finally:
        server.shutdown()
        server.server_close()


def test_a_refused_body_is_split_between_points_not_inside_a_quoted_note():
    """The splitter keeps a diary note's line break inside its point."""
    from backcoach.storage.line_protocol import split_points

    tags = sch.Tags(wearer="me")
    lines = [
        sch.diary_line(tags, DiaryEntry("2024-01-02", 3, note='two\nlines "quoted" \\ ok')),
        sch.event_line(tags, make_events()[1]),
    ]
    assert split_points("\n".join(lines)) == lines
    cols = {"posture": np.array([1, 2, 3])}
    body = "".join(b for b, _ in sch.encode_columns(tags.prefix("epoch"), cols, np.arange(3)))
    assert len(split_points(body)) == 3

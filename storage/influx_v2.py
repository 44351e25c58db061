"""The v2 writer (`influx_write.Writer`): writes and deletes for InfluxDB 1.8+, 2.x and 3.x.

Why apart: it is the only code that imports influxdb-client (lazily: only a write or a delete
loads it), and its batching API reports results through callbacks on its own threads. It holds
its own client, built from the transport's `client_options`. Each drain step hands the outbox
batches to a fresh batching `WriteApi` (the client groups them into gzip requests of
`BATCH_ITEMS` batches and retries 429/5xx and dropped connections with exponential back-off),
then closes it, which waits for every request. Only if every point was confirmed does the
outbox forget the batches. The client's connection pool never follows a redirect (urllib3
would, with the token, by default): a 3xx is reported as such.
"""

from __future__ import annotations

import functools
import threading

from backcoach.storage.influx_http import SERVER, InfluxConnection, InfluxUnavailable, rfc3339_ns
from backcoach.storage.outbox import Batch

BATCH_ITEMS = 4  # outbox batches (≤ 5000 points each) per request
FLUSH_INTERVAL_MS = 200
RETRY_FIRST_MS = 250  # the client's own retries, inside one drain step ...
RETRY_MAX_DELAY_MS = 2_000
RETRY_MAX_TIME_MS = 10_000  # ... after that the outbox's back-off takes over
MAX_RETRIES = 3


class V2Writer:
    """influxdb-client's write and delete APIs, with a client of its own (no redirects)."""

    def __init__(self, conn: InfluxConnection) -> None:
        self.conn = conn
        self._client = None  # influxdb_client.InfluxDBClient, built on first use
        self._lock = threading.Lock()  # the drainer writes while a caller may delete

    def _api_client(self):  # -> influxdb_client.InfluxDBClient (imported lazily)
        from influxdb_client import InfluxDBClient

        with self._lock:
            if self._client is None:
                self._client = InfluxDBClient(**self.conn.client_options(), enable_gzip=True)
                pool = self._client.api_client.rest_client.pool_manager
                pool.urlopen = functools.partial(pool.urlopen, redirect=False)
            return self._client

    def write(self, batches: list[Batch]) -> None:
        """Send batches through the client's batching write API; raise unless all were
        confirmed."""
        from influxdb_client import WriteOptions, WritePrecision
        from reactivex.scheduler import ThreadPoolScheduler

        conn = self.conn
        bodies = [b.body.rstrip("\n") for b in batches]
        expected = sum(b.points for b in batches)
        confirmed, errors = [0], []
        lock = threading.Lock()

        def on_success(_conf, data: bytes) -> None:
            with lock:
                confirmed[0] += data.count(b"\n") + 1  # bodies are joined with "\n"

        def on_error(_conf, _data, exc: BaseException) -> None:
            with lock:
                errors.append(exc)

        scheduler = ThreadPoolScheduler(1)  # one request at a time: the outbox's order is kept
        options = WriteOptions(
            batch_size=BATCH_ITEMS,
            flush_interval=FLUSH_INTERVAL_MS,
            jitter_interval=0,
            retry_interval=RETRY_FIRST_MS,
            max_retries=MAX_RETRIES,
            max_retry_delay=RETRY_MAX_DELAY_MS,
            max_retry_time=RETRY_MAX_TIME_MS,
            exponential_base=2,
            max_close_wait=RETRY_MAX_TIME_MS + 60_000,
            write_scheduler=scheduler,
        )
        api = self._api_client().write_api(
            write_options=options, success_callback=on_success, error_callback=on_error
        )
        try:
            api.write(
                bucket=conn.bucket,
                org=conn.settings.org,
                record=bodies,
                write_precision=WritePrecision.NS,
            )
        finally:
            api.close()  # waits for every request, retries included
            scheduler.executor.shutdown(wait=False)
        if errors:
            raise self._translate(errors[0]) from errors[0]
        if confirmed[0] < expected:
            raise InfluxUnavailable(
                f"{conn.target} confirmed {confirmed[0]} of {expected} points in time; the rest "
                "stays queued and is retried",
                reason=SERVER,
            )

    def delete(self, measurement: str, start_ns: int, end_ns: int, *, wearer: str) -> None:
        """Delete [start_ns, end_ns) of one measurement for one wearer (/api/v2/delete)."""
        wearer = wearer.replace('"', '\\"')
        try:
            self._api_client().delete_api().delete(
                start=rfc3339_ns(start_ns),
                stop=rfc3339_ns(end_ns - 1),  # the delete API's stop is inclusive
                predicate=f'_measurement="{measurement}" AND wearer="{wearer}"',
                bucket=self.conn.bucket,
                org=self.conn.settings.org,
            )
        except Exception as exc:
            raise self._translate(exc) from exc

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _translate(self, exc: BaseException) -> InfluxUnavailable:
        """The client's exception as our one-line error (never with the token in it)."""
        status = getattr(exc, "status", None)
        if isinstance(status, int) and status:
            headers = getattr(exc, "headers", None) or {}
            location = headers.get("Location", "") if hasattr(headers, "get") else ""
            return self.conn.http_error(
                status, getattr(exc, "body", None), "a write", location=location
            )
        return self.conn.unreachable(exc)

"""Writing to InfluxDB: one writer per protocol behind one interface, chosen by the server.

Why: 1.x before 1.8 knows only `/write` (database, retention policy, `user:password`); 1.8+,
2.x and 3.x take influxdb-client's batched `/api/v2/write` with a token. The store and its
drainer should not care which: they hand the outbox's batches to a `Sender`, which asks the
transport (`influx_http.py`) once which server it is and sends through the writer that names.

- `Writer`: the interface: `write(batches)`, `delete(measurement, start_ns, end_ns, wearer=)`,
  `close()`; each raises `InfluxUnavailable` (refused data: `BatchRejected`) when it cannot.
- `V1Writer`: gzip line protocol to `/write` (confirmed by 204 alone), deletions as InfluxQL.
- `V2Writer` (`influx_v2.py`, the only code that imports influxdb-client): the client's
  batching write API and its delete API.
- `Sender.send(batches)`: runs of writes as one call each, range deletions one by one, in order.
"""

from __future__ import annotations

import gzip
import json
import threading
from typing import Protocol

from backcoach.storage.influx_http import InfluxConnection, where
from backcoach.storage.influx_v2 import V2Writer
from backcoach.storage.outbox import DELETE, Batch


class Writer(Protocol):
    """Sends points to one InfluxDB in one protocol; raises `InfluxUnavailable` if it cannot."""

    def write(self, batches: list[Batch]) -> None:
        """Send these write batches in order; return only once every point is confirmed."""

    def delete(self, measurement: str, start_ns: int, end_ns: int, *, wearer: str) -> None:
        """Delete one wearer's points of `measurement` in [start_ns, end_ns)."""

    def close(self) -> None: ...


class V1Writer:
    """InfluxDB 1.x before 1.8: `/write` and InfluxQL `DELETE`, through the transport."""

    def __init__(self, conn: InfluxConnection) -> None:
        self.conn = conn

    def write(self, batches: list[Batch]) -> None:
        params = {"db": self.conn.db, "precision": "ns"}
        if self.conn.rp:
            params["rp"] = self.conn.rp
        body = gzip.compress("\n".join(b.body.rstrip("\n") for b in batches).encode(), 1)
        headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"}
        self.conn.request("/write", params, data=body, headers=headers, expect=204)

    def delete(self, measurement: str, start_ns: int, end_ns: int, *, wearer: str) -> None:
        condition = where(wearer, start_ns, end_ns)
        self.conn.query(f'DELETE FROM "{measurement}" WHERE {condition}', write=True)

    def close(self) -> None:
        """Nothing to let go: every request opens and closes its own connection."""


def writer_for(conn: InfluxConnection) -> Writer:
    """The writer the server's version asks for (probing it, once per connection)."""
    return V1Writer(conn) if conn.server().api == "v1" else V2Writer(conn)


class Sender:
    """The drainer's way out: the outbox's batches, in order, through the server's writer.

    The writer is chosen on the first send, not when the store opens: a server that is down
    then costs the collector nothing (the drainer retries), and one probe serves both.
    """

    def __init__(self, conn: InfluxConnection) -> None:
        self.conn = conn
        self._writer: Writer | None = None
        self._lock = threading.Lock()  # the drainer sends, a caller's delete_range deletes

    @property
    def writer(self) -> Writer:
        with self._lock:
            if self._writer is None:
                self._writer = writer_for(self.conn)
            return self._writer

    def send(self, batches: list[Batch]) -> None:
        """Runs of writes as one call each, range deletions one by one, in the outbox's order."""
        run: list[Batch] = []
        for b in batches:
            if b.kind != DELETE:
                run.append(b)
                continue
            self._write(run)
            run = []
            spec = json.loads(b.body)
            for m in spec["measurements"]:
                self.delete(m, spec["start_ns"], spec["end_ns"], wearer=spec["wearer"])
        self._write(run)

    def delete(self, measurement: str, start_ns: int, end_ns: int, *, wearer: str) -> None:
        """Delete one wearer's points of `measurement` in [start_ns, end_ns), now."""
        self.writer.delete(measurement, start_ns, end_ns, wearer=wearer)

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def _write(self, batches: list[Batch]) -> None:
        if batches:
            self.writer.write(batches)

"""A durable local outbox: every batch for InfluxDB waits here until the server confirms it.

Why: the collector must never lose a sample because the server is restarting, unreachable or
refusing a token, and it must never block or crash on that either. So a write only appends
line protocol to `outbox.sqlite` in the data directory (one SQLite transaction, synchronous=FULL,
durable across a crash or a power cut) and returns; a `Drainer` thread sends the oldest batches
first and deletes them only after the server answered 2xx. Rewrites are idempotent in our schema,
so a batch sent twice (a crash between send and delete) is harmless: at-least-once delivery
becomes exactly-once in effect.

    Outbox    put / take / ack / reject / backlog, plus a small key-value `meta` table
    Drainer   the sending thread: in order, back-off while the server is away, one log line
              per outage, a progress line while a backlog drains, `flush(timeout_s)`

Several processes may share a data directory (collector, dashboard); an advisory file lock lets
only one of them send at a time, the others just append.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from backcoach.errors import StoreUnavailable

try:  # POSIX; on other systems every process drains (duplicates are harmless, see above)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

FILE_NAME = "outbox.sqlite"
MAX_POINTS_PER_SEND = 50_000  # one drain step; the writer splits it into requests
IDLE_POLL_S = 2.0  # look for batches other processes appended
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0  # a restarted server is noticed within half a minute
PROGRESS_EVERY_S = 2.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_s REAL NOT NULL,
    kind TEXT NOT NULL,
    points INTEGER NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    error TEXT);
CREATE INDEX IF NOT EXISTS batches_state ON batches(state, id);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class BatchRejected(StoreUnavailable):
    """The server understood the request and refused the data itself (HTTP 400): do not retry."""


@dataclass(frozen=True)
class Batch:
    id: int
    kind: str
    points: int
    body: str


@dataclass(frozen=True)
class Backlog:
    """What waits: pending batches and points, and batches the server rejected (kept aside)."""

    batches: int
    points: int
    rejected: int
    oldest_s: float | None


def backoff_s(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failure in a row (1, 2, ...)."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2.0 ** max(0, attempt - 1))


class Outbox:
    """FIFO of line-protocol batches in its own SQLite file; safe across threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the InfluxDB outbox {self.path.name} ({exc}); check that the data "
                "directory (BACKCOACH_DATA_DIR) is writable"
            ) from exc
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                with self._db:
                    yield self._db
            except sqlite3.Error as exc:
                raise StoreUnavailable(
                    f"the InfluxDB outbox {self.path.name} refused a write ({exc}); free disk "
                    "space or close other programs, then retry"
                ) from exc

    def put(self, kind: str, items: Iterable[tuple[str, int]]) -> int:
        """Append bodies (line protocol, points) in one transaction; returns points queued."""
        now = time.time()
        rows = [(now, kind, n, zlib.compress(body.encode(), 1)) for body, n in items if n and body]
        if rows:
            with self._tx() as db:
                db.executemany(
                    "INSERT INTO batches(created_s, kind, points, body) VALUES(?,?,?,?)", rows
                )
        return sum(r[2] for r in rows)

    def take(self, max_points: int = MAX_POINTS_PER_SEND) -> list[Batch]:
        """The oldest pending batches, up to `max_points` points (at least one batch)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, points, body FROM batches WHERE state = 'pending' "
                "ORDER BY id LIMIT 1000"
            ).fetchall()
        out, total = [], 0
        for id_, kind, points, body in rows:
            if out and total + points > max_points:
                break
            out.append(Batch(id_, kind, points, zlib.decompress(body).decode()))
            total += points
        return out

    def ack(self, ids: Iterable[int]) -> None:
        """The server confirmed these batches: forget them."""
        with self._tx() as db:
            db.executemany("DELETE FROM batches WHERE id = ?", [(i,) for i in ids])

    def reject(self, ids: Iterable[int], reason: str) -> None:
        """Keep batches the server refused aside (never dropped, never retried automatically)."""
        with self._tx() as db:
            db.executemany(
                "UPDATE batches SET state = 'rejected', error = ? WHERE id = ?",
                [(reason, i) for i in ids],
            )

    def rejected(self) -> list[tuple[str, int, str]]:
        """Batches the server refused: (kind, points, the server's reason), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT kind, points, error FROM batches WHERE state = 'rejected' ORDER BY id"
            ).fetchall()
        return [(str(k), int(n), str(e)) for k, n, e in rows]

    def retry_rejected(self) -> int:
        """Put rejected batches back in the queue (after fixing the cause); returns how many."""
        with self._tx() as db:
            return db.execute(
                "UPDATE batches SET state = 'pending', error = NULL WHERE state = 'rejected'"
            ).rowcount

    def backlog(self) -> Backlog:
        with self._lock:
            n, points, oldest = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(points), 0), MIN(created_s) FROM batches "
                "WHERE state = 'pending'"
            ).fetchone()
            (rejected,) = self._db.execute(
                "SELECT COUNT(*) FROM batches WHERE state = 'rejected'"
            ).fetchone()
        return Backlog(int(n), int(points), int(rejected), oldest)

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class _SendLock:
    """An advisory lock file next to the outbox: one sending process at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if fcntl is None:
            return True
        import os

        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def release(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            import os

            os.close(self._fd)
            self._fd = None


class Drainer:
    """Sends the outbox in order through `send`, in a background thread.

    `send(batches)` returns when the server confirmed all of them; it raises `BatchRejected`
    when the server refuses the data itself, and any other `StoreUnavailable` when the server
    cannot take it now (unreachable, wrong token, missing bucket): those are retried with
    back-off, so a fixed token or a created bucket is picked up without a restart.
    """

    def __init__(
        self,
        outbox: Outbox,
        send: Callable[[list[Batch]], None],
        *,
        target: str,
        max_points: int = MAX_POINTS_PER_SEND,
    ) -> None:
        self.outbox = outbox
        self.send = send
        self.target = target  # for log lines: "InfluxDB at http://host:8086, bucket x"
        self.max_points = max_points
        self.last_error: StoreUnavailable | None = None
        self._send_lock = _SendLock(outbox.path.with_suffix(".lock"))
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._attempts = 0  # drain attempts started
        self._failed_attempt = 0  # number of the last attempt that failed
        self._thread: threading.Thread | None = None
        self._outage: _Outage | None = None

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sending thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="backcoach-outbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """New batches are queued: send now instead of after the idle poll or back-off."""
        self.start()
        self._wake.set()

    def flush(self, timeout_s: float) -> None:
        """Wait until the outbox is empty; raise the server's error if a send fails meanwhile."""
        with self._changed:
            since = self._attempts
        self.wake()
        deadline = time.monotonic() + timeout_s
        while True:
            backlog = self.outbox.backlog()
            if backlog.points == 0:
                return
            with self._changed:
                if self._failed_attempt > since and self.last_error is not None:
                    raise self.last_error
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StoreUnavailable(
                        f"{backlog.points} points still wait in the outbox for {self.target} "
                        f"after {timeout_s:.0f} s; they are kept and sent when it answers"
                    )
                self._changed.wait(min(0.2, remaining))

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop the thread; False if a send still runs after `timeout_s` (it ends by itself)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                return False
        self._send_lock.close()
        return True

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                sent = self._step()
            except BatchRejected:
                sent = True  # set aside by _step; carry on with the rest
            except StoreUnavailable as exc:
                failures += 1
                self._note_failure(exc)
                self._sleep(backoff_s(failures))
                continue
            except Exception as exc:  # never let the thread die silently
                failures += 1
                log.exception("outbox for %s: unexpected error", self.target)
                self._note_failure(StoreUnavailable(f"unexpected error: {exc}"))
                self._sleep(backoff_s(failures))
                continue
            failures = 0 if sent else failures
            if not sent:
                self._sleep(IDLE_POLL_S)

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _step(self) -> bool:
        """Send one slice of the backlog; False when there was nothing (or no lock) to send."""
        if self.outbox.backlog().points == 0:
            self._notify()
            return False
        if not self._send_lock.acquire():
            return False  # another process is sending
        try:
            with self._changed:
                self._attempts += 1
            batches = self.outbox.take(self.max_points)
            if not batches:
                return False
            self._send_all(batches)
        finally:
            self._send_lock.release()
        self._note_success(sum(b.points for b in batches))
        return True

    def _send_all(self, batches: list[Batch]) -> None:
        try:
            self.send(batches)
        except BatchRejected as exc:
            if len(batches) == 1:
                log.error("%s; the batch is kept aside in %s", exc, self.outbox.path.name)
                self.outbox.reject([batches[0].id], str(exc))
                return
            for b in batches:  # find the one the server refuses, send the others
                self._send_all([b])
            return
        self.outbox.ack(b.id for b in batches)

    def _note_failure(self, exc: StoreUnavailable) -> None:
        with self._changed:
            self.last_error = exc
            self._failed_attempt = self._attempts
            self._changed.notify_all()
        if self._outage is None:
            points = self.outbox.backlog().points
            self._outage = _Outage(time.monotonic())
            log.warning(
                "%s; keeping %d points in the outbox (%s) and retrying",
                exc,
                points,
                self.outbox.path.name,
            )

    def _note_success(self, points: int) -> None:
        with self._changed:
            self.last_error = None
            self._changed.notify_all()
        outage = self._outage
        if outage is None:
            return
        outage.sent += points
        left = self.outbox.backlog().points
        now = time.monotonic()
        if left == 0:
            log.info(
                "%s takes writes again: sent the %d points queued during the %.0f s outage",
                self.target,
                outage.sent,
                now - outage.start,
            )
            self._outage = None
        elif now - outage.progress_at >= PROGRESS_EVERY_S:
            outage.progress_at = now
            total = outage.sent + left
            log.info(
                "outbox: sent %d of %d queued points (%d%%)",
                outage.sent,
                total,
                100 * outage.sent // max(total, 1),
            )

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()


@dataclass
class _Outage:
    start: float
    sent: int = 0
    progress_at: float = 0.0

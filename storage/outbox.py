"""A durable local outbox: every batch for InfluxDB waits here until the server confirms it.

Why: the collector must never lose a sample because the server is restarting, unreachable or
refusing a token, and it must never block or crash on that either. So a write only appends
line protocol to `outbox.sqlite` in the data directory (one SQLite transaction) and returns; a
`Drainer` thread (`drainer.py`) sends the oldest batches first and deletes them only after the
server confirmed them.

What `put()` promises (see its docstring): when it returns, the rows are in the WAL file through
the operating system, so a crash or kill of this process loses none of them; the fsync that
makes them survive a power cut too is done by a background thread right after (group commit:
one fsync for every commit made meanwhile), not on the caller's clock. On a busy shared disk an
fsync takes 7-16 ms at p99, far over the collector's 5 ms budget per write (issue 24). Rewrites are
idempotent in our schema, so a batch sent twice (a crash between send and delete) is harmless:
at-least-once delivery becomes exactly-once in effect.

What keeps a long outage cheap (a day of it at the collector's write rate):

1. Rows with an upsert key (the live status facts, overwritten twice a second) replace their
   pending predecessor instead of piling up: ~10 rows, not 28,000 an hour. Their commits ask
   for no fsync of their own (the next data commit's takes them along; a power cut may cost
   the latest status value, never data), which saves three of every four fsyncs.
2. Totals (pending batches, points, bytes; rejected batches) are kept by triggers in a one-row
   table, in the same transaction as every change, so `backlog()` reads one row instead of
   summing the table; the oldest pending row comes from the (state, id) index.
3. A size cap (`max_bytes`): a warning when 80 % is reached, and `OutboxFull` (a
   `StoreUnavailable`, so the live run keeps the data in memory and later on disk) at the cap.

Rows of kind `delete` carry a range deletion (JSON) instead of line protocol: a day that is
rewritten while the server is away is deleted and written again in the right order.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from backcoach.errors import StoreUnavailable
from backcoach.storage.private import private_file

log = logging.getLogger(__name__)

FILE_NAME = "outbox.sqlite"
MAX_POINTS_PER_SEND = 50_000  # one drain step; the writer splits it into requests
DEFAULT_MAX_BYTES = 2 * 1024**3  # ~2 GB: more than a week of outage at the collector's rate
WARN_FRACTION = 0.8  # warn once the outbox is this full
CLOSE_SYNC_S = 10.0  # close() waits this long at most for the last fsync
DELETE = "delete"  # the kind of a row that carries a range deletion
SCHEMA_VERSION = 2

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

# Version 2: upsert keys and trigger-kept totals (files of version 0/1 are migrated in place).
_SCHEMA_V2 = """
ALTER TABLE batches ADD COLUMN upsert_key TEXT;
CREATE INDEX batches_key ON batches(upsert_key) WHERE upsert_key IS NOT NULL;
CREATE TABLE totals(
    id INTEGER PRIMARY KEY CHECK (id = 1),
    batches INTEGER NOT NULL, points INTEGER NOT NULL, bytes INTEGER NOT NULL,
    rejected INTEGER NOT NULL);
INSERT INTO totals SELECT 1,
    COALESCE(SUM(state = 'pending'), 0),
    COALESCE(SUM(CASE WHEN state = 'pending' THEN points ELSE 0 END), 0),
    COALESCE(SUM(length(body)), 0),
    COALESCE(SUM(state = 'rejected'), 0) FROM batches;
CREATE TRIGGER batches_added AFTER INSERT ON batches BEGIN
    UPDATE totals SET
        batches = batches + (NEW.state = 'pending'),
        points = points + CASE WHEN NEW.state = 'pending' THEN NEW.points ELSE 0 END,
        bytes = bytes + length(NEW.body),
        rejected = rejected + (NEW.state = 'rejected');
END;
CREATE TRIGGER batches_removed AFTER DELETE ON batches BEGIN
    UPDATE totals SET
        batches = batches - (OLD.state = 'pending'),
        points = points - CASE WHEN OLD.state = 'pending' THEN OLD.points ELSE 0 END,
        bytes = bytes - length(OLD.body),
        rejected = rejected - (OLD.state = 'rejected');
END;
CREATE TRIGGER batches_changed AFTER UPDATE ON batches BEGIN
    UPDATE totals SET
        batches = batches - (OLD.state = 'pending') + (NEW.state = 'pending'),
        points = points - CASE WHEN OLD.state = 'pending' THEN OLD.points ELSE 0 END
                        + CASE WHEN NEW.state = 'pending' THEN NEW.points ELSE 0 END,
        bytes = bytes - length(OLD.body) + length(NEW.body),
        rejected = rejected - (OLD.state = 'rejected') + (NEW.state = 'rejected');
END;
"""


class BatchRejected(StoreUnavailable):
    """The server understood the request and refused the data itself: do not retry it as is.

    `dropped` is how many points the server said it dropped, when it said so (a partial write).
    """

    dropped: int | None = None


class OutboxFull(StoreUnavailable):
    """The outbox reached its size cap: the write was not taken (the caller keeps it)."""


@dataclass(frozen=True)
class Batch:
    id: int
    kind: str
    points: int
    body: str


@dataclass(frozen=True)
class Backlog:
    """What waits: pending batches, points and bytes, and batches set aside as refused."""

    batches: int
    points: int
    rejected: int
    oldest_s: float | None
    bytes: int = 0


class _WalSync:
    """Group commit: fsyncs the outbox's WAL file soon after commits, off the callers' threads.

    Each `committed()` asks for a sync; one thread runs them one after the other, so commits
    made while an fsync runs share the next one. `wait()` returns once every commit asked for
    before it is on the disk. fsync works on the file, whichever descriptor it is given.
    """

    def __init__(self, wal: Path) -> None:
        self.wal = wal
        self._cv = threading.Condition()
        self._asked = 0  # commits that asked for a sync
        self._done = 0  # of them, on the disk
        self._closing = False
        self._failed = False
        self._thread = threading.Thread(target=self._run, name="outbox-fsync", daemon=True)
        self._thread.start()

    def committed(self) -> None:
        with self._cv:
            self._asked += 1
            self._cv.notify_all()

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once every commit so far is on the disk (False on timeout)."""
        with self._cv:
            target = self._asked
            return self._cv.wait_for(lambda: self._done >= target, timeout_s)

    def close(self, timeout_s: float = CLOSE_SYNC_S) -> None:
        self.wait(timeout_s)
        with self._cv:
            self._closing = True
            self._cv.notify_all()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            with self._cv:
                self._cv.wait_for(lambda: self._asked > self._done or self._closing)
                if self._asked == self._done:
                    return  # closing, nothing left
                target = self._asked
            self._fsync()
            with self._cv:
                self._done = target
                self._cv.notify_all()

    def _fsync(self) -> None:
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # no WAL: every commit was checkpointed into the database, which is synced
        except OSError as exc:
            self._fail(exc)
            return
        try:
            os.fsync(fd)
            if self._failed:
                self._failed = False
                log.info("the InfluxDB outbox %s is synced to the disk again", self.wal.name)
        except OSError as exc:
            self._fail(exc)
        finally:
            os.close(fd)

    def _fail(self, exc: OSError) -> None:
        if not self._failed:
            self._failed = True
            log.error(
                "cannot flush the InfluxDB outbox %s to the disk (%s): what is queued survives a "
                "crash of this program, but not a power cut; check the disk",
                self.wal.name,
                exc.strerror or exc,
            )


class Outbox:
    """FIFO of line-protocol batches in its own SQLite file; safe across threads and processes."""

    def __init__(self, path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._warned_full = False
        try:
            private_file(self.path)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            # A commit is written to the WAL without an fsync: durable across a crash of this
            # process; `_WalSync` makes it durable across a power cut right after (see put()).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._migrate()
            private_file(self.path)  # the -wal and -shm files now exist
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the InfluxDB outbox {self.path.name} ({exc}); check that the data "
                "directory (BACKCOACH_DATA_DIR) is writable"
            ) from exc
        self._lock = threading.Lock()
        self._sync = _WalSync(self.path.with_name(self.path.name + "-wal"))

    def _migrate(self) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")  # one process migrates, the others wait
            (version,) = self._db.execute("PRAGMA user_version").fetchone()
            if version < SCHEMA_VERSION:
                for statement in _split_sql(_SCHEMA_V2):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _tx(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction, committed to the WAL; `durable` asks the group commit to fsync it
        (without: a live fact that the next one replaces; the next fsync takes it along)."""
        with self._lock:
            try:
                with self._db:
                    yield self._db
            except sqlite3.Error as exc:
                raise StoreUnavailable(
                    f"the InfluxDB outbox {self.path.name} refused a write ({exc}); free disk "
                    "space or close other programs, then retry"
                ) from exc
        if durable:
            self._sync.committed()

    def sync(self, timeout_s: float | None = None) -> bool:
        """Wait until every write confirmed so far would survive a power cut (True), or the
        timeout passed (False). The group commit does this by itself within an fsync or two."""
        return self._sync.wait(timeout_s)

    # -- writing ---------------------------------------------------------------------------------
    def put(self, kind: str, items: Iterable[tuple[str, int]], *, key: str | None = None) -> int:
        """Append bodies (line protocol, points) in one transaction; returns points queued.

        The contract: once `put()` returns, its rows are committed to the outbox's WAL through
        the operating system, so nothing it confirmed is lost when this process is killed
        (SIGKILL, a crash, the OOM killer) at any moment after; they are sent by whichever
        process opens the outbox next. Against a power cut or a kernel crash they are safe once
        fsynced, which a background thread does right after the commit (an fsync or two later;
        `sync()` waits for it). Either way the outbox keeps its order: what survives is a prefix
        of the writes, never a later one without an earlier one. Raising means nothing was
        queued. `put()` itself never waits for the disk to flush, so it stays fast on a busy
        disk (bench/outage.py).

        With `key`, the body replaces a pending row of the same key (a live fact that only
        matters in its latest version). Raises `OutboxFull` at the size cap.
        """
        now = time.time()
        rows = [
            (now, kind, n, zlib.compress(body.encode(), 1), key) for body, n in items if n and body
        ]
        if not rows:
            return 0
        size = sum(len(r[3]) for r in rows)
        with self._tx(durable=key is None) as db:
            (held,) = db.execute("SELECT bytes FROM totals").fetchone()
            self._check_size(held, size)
            if key is not None:
                db.execute("DELETE FROM batches WHERE upsert_key = ? AND state = 'pending'", (key,))
            db.executemany(
                "INSERT INTO batches(created_s, kind, points, body, upsert_key) VALUES(?,?,?,?,?)",
                rows,
            )
        return sum(r[2] for r in rows)

    def put_delete(self, spec: dict) -> None:
        """Queue a range deletion (the sender's JSON spec), in order with the writes."""
        self.put(DELETE, [(json.dumps(spec, sort_keys=True), 1)])

    def _check_size(self, held: int, adding: int) -> None:
        if held + adding > self.max_bytes:
            raise OutboxFull(
                f"the InfluxDB outbox {self.path.name} is full ({held / 1e6:.0f} MB, the cap is "
                f"influx.outbox_max_mb = {self.max_bytes / 1e6:.0f}); the server has not taken "
                "writes for a long time - start it or fix influx.url, or raise the cap"
            )
        if held + adding > WARN_FRACTION * self.max_bytes:
            if not self._warned_full:
                self._warned_full = True
                log.warning(
                    "the InfluxDB outbox %s holds %.0f MB of its %.0f MB cap "
                    "(influx.outbox_max_mb); at the cap new writes are kept in memory only - "
                    "bring the server back or raise the cap",
                    self.path.name,
                    (held + adding) / 1e6,
                    self.max_bytes / 1e6,
                )
        elif held + adding < WARN_FRACTION * self.max_bytes / 2:
            self._warned_full = False

    # -- sending ---------------------------------------------------------------------------------
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

    def set_aside(self, id_: int, body: str, points: int, reason: str) -> None:
        """Keep only the refused points of a batch, aside (never dropped, never auto-retried)."""
        with self._tx() as db:
            db.execute(
                "UPDATE batches SET state = 'rejected', error = ?, body = ?, points = ? "
                "WHERE id = ?",
                (reason, zlib.compress(body.encode(), 1), points, id_),
            )

    def reject(self, ids: Iterable[int], reason: str) -> None:
        """Keep whole batches the server refused aside."""
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

    def rejected_lines(self) -> list[str]:
        """The refused points themselves, as line protocol, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT body FROM batches WHERE state = 'rejected' ORDER BY id"
            ).fetchall()
        return [line for (b,) in rows for line in zlib.decompress(b).decode().splitlines()]

    def retry_rejected(self) -> int:
        """Put rejected batches back in the queue (after fixing the cause); returns how many."""
        with self._tx() as db:
            return db.execute(
                "UPDATE batches SET state = 'pending', error = NULL WHERE state = 'rejected'"
            ).rowcount

    def backlog(self) -> Backlog:
        """What waits, from the running totals (no table scan)."""
        with self._lock:
            n, points, size, rejected = self._db.execute(
                "SELECT batches, points, bytes, rejected FROM totals"
            ).fetchone()
            oldest = self._db.execute(
                "SELECT created_s FROM batches WHERE state = 'pending' ORDER BY id LIMIT 1"
            ).fetchone()
        return Backlog(int(n), int(points), int(rejected), oldest and oldest[0], int(size))

    def rows(self) -> int:
        """Rows in the outbox, pending and set aside (a count, for measurements)."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM batches").fetchone()[0])

    # -- small facts (sync's high-water marks) ---------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES(?, ?)", (key, value))

    def close(self) -> None:
        """Close after the last fsync (a clean stop leaves nothing a power cut could take)."""
        self._sync.close()
        with self._lock:
            self._db.close()


def _split_sql(script: str) -> list[str]:
    """Statements of a script, keeping each trigger's BEGIN ... END; body whole."""
    out, cur = [], []
    for line in script.strip().splitlines():
        cur.append(line)
        text = "\n".join(cur).strip()
        if sqlite3.complete_statement(text):
            out.append(text)
            cur = []
    return out

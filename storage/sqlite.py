"""The embedded store: one SQLite file in the data directory, the default for every user.

Why SQLite: no server to run, durable, and in WAL mode the collector can write while the dashboard
reads. Schema (one table per kind; the primary key is the identity, so rewrites overwrite):

    raw_chunks(t_start_s PK, t_end_s, n, session, t_blob, acc_blob)
        raw samples in chunks: times as whole-microsecond steps from t_start_s (int64 deltas,
        exact for chunks of any length; a steady rate compresses to almost nothing), acceleration
        as int16
        milli-g, both zlib-compressed (~3 bytes a sample instead of a row per sample)
    epochs(t_s PK, posture, trunk_deg, side_deg, activity_g, steps)
    events(type, start_s, end_s, peak_deg, style, steps, attrs JSON; PK(type, start_s))
    summaries(day PK, metrics JSON, version, settings)
        version and settings: the provenance (`processing/provenance.py`); '' in rows stored
        before it was kept (the columns are added to an older file when it is opened)
    warnings(t_s, rule, value, variant, figures JSON, note; PK(t_s, rule))
        no words: the reader's are made where a warning is read (`backcoach.i18n`); a store
        from schema 2 kept two sentences (message_en, message_nl), moved into figures on open
    diary(day PK, pain, note, water, breaks_planned, stress)
    status(key PK, value, updated_s)

`rewrite(start_s, end_s)` replaces a time range in one transaction: the range's rows are deleted
and everything written inside the block takes their place; each write is a savepoint within it.
A reader (the dashboard, in WAL mode) or a crash (even SIGKILL) sees the old range or the new one,
never a mix. The file, its folder and SQLite's -wal/-shm files are owner-only (0600/0700).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from backcoach.errors import StoreUnavailable
from backcoach.processing.days import days_inside
from backcoach.processing.metrics import DayMetrics
from backcoach.processing.types import (
    AS_WRITTEN,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Provenance,
    Samples,
)
from backcoach.storage.private import private_file

SCHEMA_VERSION = 3  # 3: warnings as variant and figures, not sentences
MILLI_G = 1000.0

_WARNINGS_TABLE = """
CREATE TABLE IF NOT EXISTS warnings(
    t_s REAL NOT NULL, rule TEXT NOT NULL, value REAL, variant TEXT NOT NULL DEFAULT '',
    figures TEXT NOT NULL DEFAULT '{}', note TEXT NOT NULL DEFAULT '', PRIMARY KEY(t_s, rule))"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS raw_chunks(
    t_start_s REAL PRIMARY KEY, t_end_s REAL NOT NULL, n INTEGER NOT NULL,
    session TEXT NOT NULL DEFAULT '', t_blob BLOB NOT NULL, acc_blob BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS epochs(
    t_s REAL PRIMARY KEY, posture INTEGER NOT NULL, trunk_deg REAL, side_deg REAL,
    activity_g REAL, steps INTEGER) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
    type TEXT NOT NULL, start_s REAL NOT NULL, end_s REAL NOT NULL, peak_deg REAL,
    style TEXT, steps INTEGER, attrs TEXT NOT NULL DEFAULT '{}', PRIMARY KEY(type, start_s));
CREATE INDEX IF NOT EXISTS events_end ON events(end_s);
CREATE TABLE IF NOT EXISTS summaries(
    day TEXT PRIMARY KEY, metrics TEXT NOT NULL,
    version TEXT NOT NULL DEFAULT '', settings TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS diary(
    day TEXT PRIMARY KEY, pain INTEGER NOT NULL, note TEXT NOT NULL DEFAULT '',
    water INTEGER NOT NULL DEFAULT 0, breaks_planned INTEGER NOT NULL DEFAULT 0, stress INTEGER);
CREATE TABLE IF NOT EXISTS status(key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_s REAL);
"""
_SCHEMA += _WARNINGS_TABLE + ";\n"


def _warnings_as_figures(db: sqlite3.Connection) -> None:
    """Schema 2 -> 3: warnings kept as two sentences get the variant `AS_WRITTEN` and the
    sentences as figures {"en", "nl"} (`i18n.warning_text` reads them back into today's
    words); the table is rebuilt in one transaction, so a crash leaves the old one."""
    if not _has_sentences(db):
        return
    with db:
        db.execute("BEGIN IMMEDIATE")  # one process migrates; another waits, then finds it done
        if not _has_sentences(db):
            return
        db.execute("ALTER TABLE warnings RENAME TO warnings_v2")
        db.execute(_WARNINGS_TABLE)
        db.execute(
            "INSERT INTO warnings(t_s, rule, value, variant, figures) SELECT t_s, rule, value, "
            "?, json_object('en', coalesce(message_en, ''), 'nl', coalesce(message_nl, '')) "
            "FROM warnings_v2",
            (AS_WRITTEN,),
        )
        db.execute("DROP TABLE warnings_v2")
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),)
        )


def _has_sentences(db: sqlite3.Connection) -> bool:
    return "message_en" in {row[1] for row in db.execute("PRAGMA table_info(warnings)")}


def _add_provenance_columns(db: sqlite3.Connection) -> None:
    """Give a file made before provenance was kept its summaries' two columns ('' in old rows)."""
    have = {row[1] for row in db.execute("PRAGMA table_info(summaries)")}
    for column in ("version", "settings"):
        if column not in have:
            try:
                db.execute(f"ALTER TABLE summaries ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise


class SQLiteStore:
    """`Store` on a local SQLite file; safe to share between threads of one process."""

    def __init__(
        self, path: str | Path, *, tz_name: str = "", busy_timeout_s: float = 30.0
    ) -> None:
        self.path = Path(path)
        self.tz_name = tz_name
        self._rewriting = False
        try:
            private_file(self.path)  # created 0600 first: SQLite gives -wal/-shm the same mode
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=busy_timeout_s)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            _add_provenance_columns(self._db)
            _warnings_as_figures(self._db)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self._db.commit()
            private_file(self.path)  # tightens -wal/-shm an older version left readable
        except (OSError, sqlite3.Error) as exc:
            raise StoreUnavailable(
                f"cannot open the embedded store {self.path.name} in {self.path.parent.name}/: "
                f"{exc}; check that the data directory (BACKCOACH_DATA_DIR) is writable"
            ) from exc
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path.name!r})"

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction (a savepoint inside a rewrite); a full disk or a locked file becomes a
        one-line StoreUnavailable and leaves nothing of the write behind."""
        with self._lock:
            try:
                if not self._rewriting:
                    with self._db:
                        yield self._db
                    return
                if not self._db.in_transaction:  # SQLite rolled the whole rewrite back itself
                    raise sqlite3.OperationalError("the open rewrite was rolled back")
                self._db.execute("SAVEPOINT write")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK TO write")
                    raise
                finally:
                    self._db.execute("RELEASE write")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(
                    f"the embedded store {self.path.name} refused a write ({exc}); nothing of "
                    "this batch was kept - free disk space or close other programs, then retry"
                ) from exc

    @contextmanager
    def rewrite(self, start_s: float, end_s: float, *, raw: bool = True) -> Iterator[None]:
        """Replace [start_s, end_s) by what is written inside the block, in one transaction."""
        with self._lock:
            if self._rewriting:
                raise RuntimeError("a rewrite is already open on this store")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._delete_range(self._db, start_s, end_s, raw=raw)
            except sqlite3.OperationalError as exc:
                if self._db.in_transaction:
                    self._db.rollback()
                raise StoreUnavailable(
                    f"the embedded store {self.path.name} cannot start replacing a range ({exc});"
                    " nothing was changed - close other programs writing to it, then retry"
                ) from exc
            self._rewriting = True
        try:
            yield
        except BaseException:
            with self._lock:
                self._rewriting = False
                self._db.rollback()
            raise
        with self._lock:
            self._rewriting = False
            try:
                if not self._db.in_transaction:
                    raise sqlite3.OperationalError("SQLite rolled the rewrite back")
                self._db.commit()
            except sqlite3.OperationalError as exc:
                self._db.rollback()
                raise StoreUnavailable(
                    f"the embedded store {self.path.name} could not keep the replaced range "
                    f"({exc}); the old data is kept - free disk space, then run it again"
                ) from exc

    def _query(self, sql: str, args: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- writing -------------------------------------------------------------------------------
    def write_samples(self, samples: Samples, *, session: str = "") -> None:
        if len(samples) == 0:
            return
        t0 = float(samples.t_s[0])
        t_us = np.round((samples.t_s - t0) * 1e6).astype(np.int64)
        steps_us = np.diff(t_us, prepend=np.int64(0))
        acc = np.clip(np.round(samples.acc_g * MILLI_G), -32768, 32767).astype("<i2")
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO raw_chunks VALUES(?,?,?,?,?,?)",
                (
                    t0,
                    float(samples.t_s[-1]),
                    len(samples),
                    session,
                    zlib.compress(steps_us.astype("<i8").tobytes(), 1),
                    zlib.compress(acc.tobytes(), 1),
                ),
            )

    def write_epochs(self, epochs: Epochs) -> None:
        if len(epochs) == 0:
            return
        rows = zip(
            epochs.t_s.tolist(),
            epochs.posture.tolist(),
            _nullable(epochs.trunk_deg),
            _nullable(epochs.side_deg),
            _nullable(epochs.activity_g),
            epochs.steps.tolist(),
            strict=True,
        )
        with self._tx() as db:
            db.executemany("INSERT OR REPLACE INTO epochs VALUES(?,?,?,?,?,?)", rows)

    def write_events(self, events: Sequence[Event]) -> None:
        rows = [
            (e.type, e.start_s, e.end_s, e.peak_deg, e.style, e.steps, json.dumps(dict(e.attrs)))
            for e in events
        ]
        if rows:
            with self._tx() as db:
                db.executemany("INSERT OR REPLACE INTO events VALUES(?,?,?,?,?,?,?)", rows)

    def write_summary(self, summary: DaySummary) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO summaries VALUES(?,?,?,?)",
                (
                    summary.day,
                    json.dumps(summary.metrics.as_row(), allow_nan=True),
                    summary.provenance.version,
                    summary.provenance.settings,
                ),
            )

    def write_warnings(self, warnings: Sequence[OverloadWarning]) -> None:
        rows = [
            (w.t_s, w.rule, w.value, w.variant, json.dumps(dict(w.figures)), w.note)
            for w in warnings
        ]
        if rows:
            with self._tx() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO warnings(t_s, rule, value, variant, figures, note) "
                    "VALUES(?,?,?,?,?,?)",
                    rows,
                )

    def write_diary(self, entry: DiaryEntry) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO diary VALUES(?,?,?,?,?,?)",
                (
                    entry.day,
                    int(entry.pain),
                    entry.note,
                    int(entry.water),
                    int(entry.breaks_planned),
                    entry.stress,
                ),
            )

    def write_status(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO status VALUES(?,?,?)", (key, str(value), time.time())
            )

    # -- reading -------------------------------------------------------------------------------
    def read_samples(self, start_s: float, end_s: float) -> Samples:
        rows = self._query(
            "SELECT t_start_s, t_blob, acc_blob FROM raw_chunks "
            "WHERE t_end_s >= ? AND t_start_s < ? ORDER BY t_start_s",
            (start_s, end_s),
        )
        parts = []
        for t0, t_blob, acc_blob in rows:
            steps_us = np.frombuffer(zlib.decompress(t_blob), "<i8")
            t = t0 + np.cumsum(steps_us) / 1e6
            acc = np.frombuffer(zlib.decompress(acc_blob), "<i2").reshape(-1, 3) / MILLI_G
            keep = (t >= start_s) & (t < end_s)
            parts.append(Samples(t[keep], acc[keep]))
        out = Samples.concat(parts)
        if len(out) > 1 and np.any(np.diff(out.t_s) < 0):  # a chunk that spans a filled hole
            order = np.argsort(out.t_s, kind="stable")
            out = Samples(out.t_s[order], out.acc_g[order])
        return out

    def read_epochs(self, start_s: float, end_s: float) -> Epochs:
        rows = self._query(
            "SELECT t_s, posture, trunk_deg, side_deg, activity_g, steps FROM epochs "
            "WHERE t_s >= ? AND t_s < ? ORDER BY t_s",
            (start_s, end_s),
        )
        if not rows:
            return Epochs.empty()
        cols = list(zip(*rows, strict=True))
        as_float = [np.array(c, dtype=float) for c in cols[2:5]]  # None → NaN
        return Epochs(
            t_s=np.array(cols[0], dtype=np.float64),
            posture=np.array(cols[1]),
            trunk_deg=as_float[0],
            side_deg=as_float[1],
            activity_g=as_float[2],
            steps=np.array(cols[5]),
        )

    def read_events(
        self, start_s: float, end_s: float, types: Sequence[str] | None = None
    ) -> list[Event]:
        sql = (
            "SELECT type, start_s, end_s, peak_deg, style, steps, attrs FROM events "
            "WHERE end_s >= ? AND start_s < ?"
        )
        args: list = [start_s, end_s]
        if types:
            sql += f" AND type IN ({','.join('?' * len(types))})"
            args.extend(types)
        rows = self._query(sql + " ORDER BY start_s, type", args)
        return [
            Event(t, s, e, peak_deg=p, style=st, steps=n, attrs=json.loads(a))
            for t, s, e, p, st, n, a in rows
        ]

    def read_summaries(self, first_day: str, last_day: str) -> list[DaySummary]:
        rows = self._query(
            "SELECT day, metrics, version, settings FROM summaries"
            " WHERE day >= ? AND day <= ? ORDER BY day",
            (first_day, last_day),
        )
        return [
            DaySummary(day, DayMetrics.from_row(json.loads(m)), Provenance(version, settings))
            for day, m, version, settings in rows
        ]

    def read_warnings(self, start_s: float, end_s: float) -> list[OverloadWarning]:
        rows = self._query(
            "SELECT t_s, rule, value, variant, figures, note FROM warnings "
            "WHERE t_s >= ? AND t_s < ? ORDER BY t_s, rule",
            (start_s, end_s),
        )
        return [
            OverloadWarning(t_s, rule, value, variant, json.loads(figures), note)
            for t_s, rule, value, variant, figures, note in rows
        ]

    def read_diary(self, first_day: str, last_day: str) -> list[DiaryEntry]:
        rows = self._query(
            "SELECT day, pain, note, water, breaks_planned, stress FROM diary "
            "WHERE day >= ? AND day <= ? ORDER BY day",
            (first_day, last_day),
        )
        return [DiaryEntry(d, p, n, bool(w), bool(b), s) for d, p, n, w, b, s in rows]

    def read_status(self) -> dict[str, str]:
        return dict(self._query("SELECT key, value FROM status"))

    def data_range(self) -> tuple[float, float] | None:
        lo, hi = self._query("SELECT MIN(t_s), MAX(t_s) FROM epochs")[0]
        return None if lo is None else (float(lo), float(hi))

    # -- owning the data -----------------------------------------------------------------------
    def delete_range(self, start_s: float, end_s: float) -> int:
        """Delete what is time-stamped in [start_s, end_s), and summaries of days wholly inside."""
        with self._tx() as db:
            return self._delete_range(db, start_s, end_s)

    def _delete_range(
        self, db: sqlite3.Connection, start_s: float, end_s: float, *, raw: bool = True
    ) -> int:
        inside = days_inside(start_s, end_s, self.tz_name)
        n = 0
        raw_sql = ("DELETE FROM raw_chunks WHERE t_start_s >= ? AND t_start_s < ?",) if raw else ()
        for sql in (
            *raw_sql,
            "DELETE FROM epochs WHERE t_s >= ? AND t_s < ?",
            "DELETE FROM events WHERE start_s >= ? AND start_s < ?",
            "DELETE FROM warnings WHERE t_s >= ? AND t_s < ?",
        ):
            n += db.execute(sql, (start_s, end_s)).rowcount
        if inside:
            n += db.execute(
                "DELETE FROM summaries WHERE day >= ? AND day <= ?", (inside[0], inside[-1])
            ).rowcount
        return n

    def delete_diary(self, day: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM diary WHERE day = ?", (day,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _nullable(col: np.ndarray) -> list:
    """Floats for SQLite, with NaN as NULL."""
    return [None if v != v else v for v in col.tolist()]

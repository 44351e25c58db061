"""The InfluxDB store: every InfluxDB a user may run, and nothing lost on the way.

Why this shape:
1. The server decides the write path. `/ping`'s `X-Influxdb-Version` header is probed once:
   1.x before 1.8 (Debian, Raspberry Pi OS) gets the v1 `/write` endpoint with database,
   retention policy and optional `user:password`; 1.8+, 2.x and 3.x get influxdb-client's write
   API (`/api/v2/write`, batching, gzip, retries with back-off).
2. Reads use InfluxQL over `/query` on every version (2.x maps each bucket to a virtual DBRP,
   3.x runs InfluxQL but not Flux), so there is one read path to test.
3. Writes never touch the network in the caller's thread: they go to the durable `Outbox`, and a
   `Drainer` thread sends them in order. A server that is down, refuses the token or lacks the
   bucket costs the collector nothing; the data waits and is sent when it is back. Reads first
   wait (up to `influx.timeout_s`) for this process's queued writes, so reads see them.
4. Every failure is one line that says what is wrong and how to fix it. The token is never part
   of a message or a log line. Probing, HTTP, errors and InfluxQL live in the transport
   (`influx_http.py`), sending in a writer per protocol (`influx_write.py`: v1 `/write`;
   `influx_v2.py`: influxdb-client), the schema in `influx_schema.py`.

Settings follow InfluxDB 1.8's convention for 1.x: bucket `database/retention-policy`, token
`user:password` (or empty). See docs/storage.md for the schema and retention advice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from backcoach.clock import SYSTEM, Clock
from backcoach.errors import StoreUnavailable
from backcoach.processing.days import days_inside
from backcoach.processing.types import (
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Samples,
)
from backcoach.storage import influx_schema as sch
from backcoach.storage.drainer import Drainer
from backcoach.storage.influx_http import (  # noqa: F401 - re-exported for callers and tests
    AUTH,
    NOT_FOUND,
    NOT_INFLUX,
    REDIRECT,
    REJECTED,
    SERVER,
    TOO_OLD,
    UNREACHABLE,
    V1_MAX_VERSION,
    InfluxConnection,
    InfluxUnavailable,
    ServerInfo,
    literal,
    parse_version,
    safe_url,
    where,
)
from backcoach.storage.influx_write import Sender
from backcoach.storage.outbox import FILE_NAME, Backlog, Outbox

if TYPE_CHECKING:
    from backcoach.config import InfluxSettings, Settings

log = logging.getLogger(__name__)

EVENT_LOOKBACK_S = 7 * 86400  # the longest event (a gap) read_events looks back for
#: The times a query or delete may name, in ns. Every generation keeps time as int64 ns: 1.x
#: (and 2.x, built on its engine) reserves the two extremes (MinNanoTime = MinInt64 + 2,
#: MaxNanoTime = MaxInt64 - 1), 3.x takes the same int64. A bound outside this range
#: ("every day from 0001 to 9999") is clamped to it instead of failing the query.
TIME_RANGE_NS = {"v1": (-(2**63) + 2, 2**63 - 2), "v2": (-(2**63) + 2, 2**63 - 2)}
MIN_NS = max(lo for lo, _ in TIME_RANGE_NS.values())
MAX_NS = min(hi for _, hi in TIME_RANGE_NS.values())


def clamp_ns(t_ns: int) -> int:
    """A time in ns inside what every InfluxDB generation accepts."""
    return max(MIN_NS, min(MAX_NS, int(t_ns)))


def seconds_ns(t_s: float) -> int:
    """Unix seconds → ns (exactly, `influx_schema.to_ns`), clamped to TIME_RANGE_NS."""
    if t_s <= MIN_NS / sch.NS:
        return MIN_NS
    if t_s >= MAX_NS / sch.NS:
        return MAX_NS
    return clamp_ns(int(sch.to_ns(t_s)))


class InfluxStore:
    """`Store` on InfluxDB; writes go through the durable outbox (see module docstring)."""

    def __init__(
        self,
        influx: InfluxSettings,
        *,
        data_dir: str | Path,
        tags: sch.Tags,
        tz_name: str = "",
        clock: Clock = SYSTEM,
    ) -> None:
        self.settings = influx
        self.conn = InfluxConnection(influx)
        self.url, self.bucket, self.target = self.conn.url, self.conn.bucket, self.conn.target
        self.tags = tags
        self.tz_name = tz_name
        self.points_queued = 0  # by this instance, since it was opened
        self.outbox = Outbox(Path(data_dir) / FILE_NAME, max_bytes=influx.outbox_max_bytes)
        self.sender = Sender(self.conn)  # the writer for the server's protocol
        self.drainer = Drainer(self.outbox, self.sender.send, target=self.target, clock=clock)
        _quiet_client_logs()
        if self.outbox.backlog().points:
            self.drainer.wake()  # send what an earlier run could not

    @classmethod
    def from_settings(cls, settings: Settings) -> InfluxStore:
        tags = sch.Tags(
            wearer=settings.wearer,
            sensor=settings.sensor.name,
            model=settings.sensor.profile,
            placement=settings.sensor.placement,
        )
        return cls(
            settings.influx, data_dir=settings.data_path, tags=tags, tz_name=settings.timezone
        )

    def __repr__(self) -> str:
        return f"InfluxStore({safe_url(self.url)!r}, bucket={self.bucket!r})"

    # -- the server ------------------------------------------------------------------------------
    def server(self) -> ServerInfo:
        """Which InfluxDB this is, and which write path it gets (probed once)."""
        return self.conn.server()

    def check(self) -> ServerInfo:
        """Probe the server and prove the credentials and bucket by a read; raise if not."""
        return self.conn.check()

    # -- writing ---------------------------------------------------------------------------------
    def _queue(self, kind: str, items: Iterable[tuple[str, int]]) -> None:
        """Bodies of line protocol into the outbox (one transaction), then wake the sender."""
        queued = self.outbox.put(kind, items)
        if queued:
            self.points_queued += queued
            self.drainer.wake()

    def write_samples(self, samples: Samples, *, session: str = "") -> None:
        """Raw acceleration at `influx.raw` resolution (full, downsampled to 5 Hz, or off)."""
        cols, t_ns = sch.samples_columns(samples, self.settings.raw)
        if len(t_ns):
            self._queue(sch.RAW, sch.encode_columns(self.tags.prefix(sch.RAW), cols, t_ns))

    def write_epochs(self, epochs: Epochs) -> None:
        if len(epochs):
            prefix = self.tags.prefix(sch.EPOCH)
            cols, t_ns = sch.epochs_columns(epochs), sch.to_ns(epochs.t_s)
            lines = sch.encode_columns(prefix, cols, t_ns, mark_nonfinite=True)
            self._queue(sch.EPOCH, lines)

    def _queue_lines(self, kind: str, lines: list[str]) -> None:
        step = sch.POINTS_PER_BODY
        chunks = [lines[a : a + step] for a in range(0, len(lines), step)]
        self._queue(kind, (("\n".join(c), len(c)) for c in chunks))

    def write_events(self, events: Sequence[Event]) -> None:
        self._queue_lines(sch.EVENT, [sch.event_line(self.tags, e) for e in events])

    def write_summary(self, summary: DaySummary) -> None:
        self._queue_lines(sch.SUMMARY, [sch.summary_line(self.tags, summary)])

    def write_warnings(self, warnings: Sequence[OverloadWarning]) -> None:
        self._queue_lines(sch.WARNING, [sch.warning_line(self.tags, w) for w in warnings])

    def write_diary(self, entry: DiaryEntry) -> None:
        self._queue_lines(sch.DIARY, [sch.diary_line(self.tags, entry)])

    def write_status(self, key: str, value: str) -> None:
        """A live fact; while it waits in the outbox, a newer value replaces it there."""
        now = time.time()
        line = sch.status_line(self.tags, key, value, now)
        identity = f"{self.tags.prefix(sch.STATUS)}|{key}|{int(now // 86400)}"  # point identity
        queued = self.outbox.put(sch.STATUS, [(line, 1)], key=identity)
        self.points_queued += queued
        self.drainer.wake()

    @contextmanager
    def rewrite(self, start_s: float, end_s: float, *, raw: bool = True) -> Iterator[None]:
        """Replace [start_s, end_s): its deletion is queued in order before the block's writes."""
        a, b = self._ns(start_s, end_s)
        wearer = self.wearer
        timed = [m for m in sch.TIMED if raw or m != sch.RAW]
        self.outbox.put_delete(
            {"measurements": timed, "start_ns": a, "end_ns": b, "wearer": wearer}
        )
        inside = days_inside(start_s, end_s, self.tz_name)
        if inside:
            lo, hi = self._day_ns(inside[0], inside[-1])
            self.outbox.put_delete(
                {"measurements": [sch.SUMMARY], "start_ns": lo, "end_ns": hi, "wearer": wearer}
            )
        self.drainer.wake()
        yield

    # -- the outbox ------------------------------------------------------------------------------
    def backlog(self) -> Backlog:
        """Points waiting in the outbox (and batches the server rejected, kept aside)."""
        return self.outbox.backlog()

    def flush(self, timeout_s: float | None = None) -> None:
        """Wait until the server confirmed every queued point; raise its error if it cannot."""
        self.drainer.flush(self.settings.timeout_s if timeout_s is None else timeout_s)

    def _settle(self) -> None:
        """Reads see this data dir's queued writes: wait for them first (up to timeout_s).

        If they cannot be sent, the read goes ahead: a server that cannot be used says so
        itself, and one that is merely slow gives what it has (the rest follows). During a
        known outage reads do not wait at all.
        """
        if self.outbox.backlog().points and self.drainer.last_error is None:
            try:
                self.flush()
            except StoreUnavailable as exc:
                log.debug("reading before the outbox drained: %s", exc)

    # -- reading ---------------------------------------------------------------------------------
    @property
    def wearer(self) -> str:
        """The wearer tag as stored (an empty name is stored as 'unknown')."""
        return self.tags.wearer or "unknown"

    def _is_wearer(self) -> str:
        """The InfluxQL condition selecting this wearer's points."""
        return '"wearer" = ' + literal(self.wearer)

    def _where(self, start_ns: int, end_ns: int) -> str:
        return where(self.wearer, start_ns, end_ns)

    def _select(self, measurement: str, start_ns: int, end_ns: int, extra: str = "") -> list[dict]:
        self._settle()
        q = f'SELECT * FROM "{measurement}" WHERE {self._where(start_ns, end_ns)}{extra}'
        return self.conn.query(q).get(measurement, [])

    def read_samples(self, start_s: float, end_s: float) -> Samples:
        return sch.rows_to_samples(self._select(sch.RAW, *self._ns(start_s, end_s)))

    def read_epochs(self, start_s: float, end_s: float) -> Epochs:
        return sch.rows_to_epochs(self._select(sch.EPOCH, *self._ns(start_s, end_s)))

    def read_events(
        self, start_s: float, end_s: float, types: Sequence[str] | None = None
    ) -> list[Event]:
        """Events overlapping [start_s, end_s): started at most EVENT_LOOKBACK_S before it."""
        extra = f' AND "end_s" >= {float(start_s)!r}'
        if types:
            extra += " AND (" + " OR ".join(f'"type" = {literal(t)}' for t in types) + ")"
        a, b = self._ns(start_s - EVENT_LOOKBACK_S, end_s)
        events = [sch.row_to_event(r) for r in self._select(sch.EVENT, a, b, extra)]
        return sch.dedupe(events, key=lambda e: (e.start_s, e.type))

    def read_summaries(self, first_day: str, last_day: str) -> list[DaySummary]:
        rows = self._select(sch.SUMMARY, *self._day_ns(first_day, last_day))
        return sch.dedupe([sch.row_to_summary(r) for r in rows], key=lambda s: s.day)

    def read_warnings(self, start_s: float, end_s: float) -> list[OverloadWarning]:
        rows = self._select(sch.WARNING, *self._ns(start_s, end_s))
        return sch.dedupe([sch.row_to_warning(r) for r in rows], key=lambda w: (w.t_s, w.rule))

    def read_diary(self, first_day: str, last_day: str) -> list[DiaryEntry]:
        rows = self._select(sch.DIARY, *self._day_ns(first_day, last_day))
        return sch.dedupe([sch.row_to_diary(r) for r in rows], key=lambda d: d.day)

    def read_status(self) -> dict[str, str]:
        self._settle()
        q = f'SELECT LAST("value") AS "value" FROM status WHERE {self._is_wearer()} GROUP BY "key"'
        return {str(r["key"]): str(r["value"]) for r in self.conn.query(q).get(sch.STATUS, [])}

    def data_range(self) -> tuple[float, float] | None:
        self._settle()
        w = f"WHERE {self._is_wearer()}"
        first = self.conn.query(f'SELECT FIRST("posture") FROM "epoch" {w}').get(sch.EPOCH)
        last = self.conn.query(f'SELECT LAST("posture") FROM "epoch" {w}').get(sch.EPOCH)
        if not first or not last:
            return None
        return float(sch.from_ns(first[0]["time"])), float(sch.from_ns(last[0]["time"]))

    @staticmethod
    def _ns(start_s: float, end_s: float) -> tuple[int, int]:
        return seconds_ns(start_s), seconds_ns(end_s)

    @staticmethod
    def _day_ns(first_day: str, last_day: str) -> tuple[int, int]:
        return clamp_ns(sch.day_ns(first_day)), clamp_ns(sch.day_ns(last_day) + 86400 * sch.NS)

    # -- owning the data -------------------------------------------------------------------------
    def delete_range(self, start_s: float, end_s: float) -> int:
        """Delete what is time-stamped in [start_s, end_s) and summaries of days wholly inside.

        Queued writes are sent first (a later send would bring deleted points back), so this
        raises when the server cannot take them.
        """
        self.flush()  # strictly: a later send would bring deleted points back
        a, b = self._ns(start_s, end_s)
        spans = [(m, a, b) for m in sch.TIMED]
        inside = days_inside(start_s, end_s, self.tz_name)
        if inside:
            spans.append((sch.SUMMARY, *self._day_ns(inside[0], inside[-1])))
        counted = {"raw": "x_g", "epoch": "posture", "event": "end_s", "warning": "value"}
        counted["summary"] = "day"
        n = 0
        for m, lo, hi in spans:
            rows = self.conn.query(
                f'SELECT COUNT("{counted[m]}") FROM "{m}" WHERE {self._where(lo, hi)}'
            )
            n += sum(int(r.get("count") or 0) for r in rows.get(m, []))
            self._delete(m, lo, hi)
        return n

    def delete_diary(self, day: str) -> None:
        self.flush()
        self._delete(sch.DIARY, clamp_ns(sch.day_ns(day)), clamp_ns(sch.day_ns(day) + 1))

    def _delete(self, measurement: str, start_ns: int, end_ns: int) -> None:
        self.sender.delete(measurement, start_ns, end_ns, wearer=self.wearer)

    def close(self) -> None:
        """Send what is queued (briefly); what is left stays in the outbox for the next run."""
        try:
            if self.outbox.backlog().points:
                self.drainer.flush(min(self.settings.timeout_s, 5.0))
        except StoreUnavailable as exc:
            log.warning(
                "%s; %d points stay in %s and are sent when backcoach next runs",
                exc,
                self.outbox.backlog().points,
                self.outbox.path.name,
            )
        if self.drainer.stop():
            self.outbox.close()  # else the sending thread still needs it; it is a daemon
        self.sender.close()


class _DropClientNoise(logging.Filter):
    """influxdb-client and urllib3 log every failed or retried write; the Drainer logs once."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (
            "/api/v2/write" in text
            or "wasn't processed successfully" in text
            or "retriable error" in text
        )


_NOISE = _DropClientNoise()


def _quiet_client_logs() -> None:
    for name in (
        "influxdb_client.client.write_api",
        "influxdb_client.client.write.retry",
        "urllib3.connectionpool",
    ):
        logger = logging.getLogger(name)
        if _NOISE not in logger.filters:
            logger.addFilter(_NOISE)

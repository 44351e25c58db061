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
   of a message or a log line (`_Secret` scrubs it from server text too).

Settings follow InfluxDB 1.8's convention for 1.x: bucket `database/retention-policy`, token
`user:password` (or empty). See docs/storage.md for the schema and retention advice.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

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
from backcoach.storage.outbox import FILE_NAME, Backlog, Batch, BatchRejected, Drainer, Outbox

if TYPE_CHECKING:
    from backcoach.config import InfluxSettings, Settings

log = logging.getLogger(__name__)

V1_MAX_VERSION = (1, 8)  # from 1.8 on, InfluxDB 1.x also serves /api/v2/write
MIN_VERSION = (1, 0)  # /write, /query and /ping as used here exist since 1.0
EVENT_LOOKBACK_S = 7 * 86400  # the longest event (a gap) read_events looks back for
QUERY_CHUNK = 20_000
UNREACHABLE, AUTH, NOT_FOUND, TOO_OLD, NOT_INFLUX, SERVER, REJECTED = (
    "unreachable",
    "auth",
    "not_found",
    "too_old",
    "not_influx",
    "server",
    "rejected",
)


class InfluxUnavailable(StoreUnavailable):
    """InfluxDB cannot take or give data now; `reason` says why (see the constants above)."""

    def __init__(self, message: str, *, reason: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class _Rejected(BatchRejected, InfluxUnavailable):
    """HTTP 400 on a write: the data itself is refused (kept aside in the outbox)."""


@dataclass(frozen=True)
class ServerInfo:
    version: str
    major_minor: tuple[int, int]
    api: str  # "v1" (/write) or "v2" (influxdb-client)


def parse_version(header: str) -> tuple[int, int] | None:
    """'1.6.7~rc0' → (1, 6); 'v2.7.10' → (2, 7); '3.0.1' → (3, 0); junk → None."""
    m = re.match(r"\s*v?(\d+)\.(\d+)", header or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def split_bucket(bucket: str) -> tuple[str, str]:
    """'db/rp' → ('db', 'rp'); 'bucket' → ('bucket', '') (the default retention policy)."""
    db, _, rp = bucket.partition("/")
    return db, rp


def safe_url(url: str) -> str:
    """The URL without any user:password@ part, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _one_line(text: object, limit: int = 200) -> str:
    s = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _server_message(body: bytes | str | None) -> str:
    """The error text of an InfluxDB response body ({"error": ...} on 1.x, {"message": ...} 2.x)."""
    if not body:
        return ""
    try:
        doc = json.loads(body)
        if isinstance(doc, dict):
            return _one_line(doc.get("error") or doc.get("message") or doc)
    except ValueError:
        pass
    return _one_line(body)


class _Secret:
    """Holds the token; scrubs it (and its user/password halves) out of any text."""

    def __init__(self, token: str) -> None:
        self.token = token
        self._parts = sorted({p for p in [token, *token.split(":", 1)] if len(p) >= 4}, key=len)

    def scrub(self, text: str) -> str:
        for p in reversed(self._parts):
            text = text.replace(p, "****")
        return text


class InfluxStore:
    """`Store` on InfluxDB; writes go through the durable outbox (see module docstring)."""

    def __init__(
        self,
        influx: InfluxSettings,
        *,
        data_dir: str | Path,
        tags: sch.Tags,
        tz_name: str = "",
    ) -> None:
        self.settings = influx
        self.url = influx.url.rstrip("/")
        self.bucket = influx.bucket
        self.db, self.rp = split_bucket(influx.bucket)
        self.tags = tags
        self.tz_name = tz_name
        self._secret = _Secret(influx.resolved_token())
        self._info: ServerInfo | None = None
        self._client = None  # influxdb_client.InfluxDBClient, built for the v2 path
        self._probe_lock = threading.Lock()
        self.points_queued = 0  # by this instance, since it was opened
        self.target = f"InfluxDB at {safe_url(self.url)} (bucket {self.bucket!r})"
        self.outbox = Outbox(Path(data_dir) / FILE_NAME)
        self.drainer = Drainer(self.outbox, self._send, target=self.target)
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
        """Probe `/ping` once: which InfluxDB is it, and which write path does it get."""
        with self._probe_lock:
            if self._info is None:
                self._info = self._probe()
                log.info(
                    "%s is InfluxDB %s; writing through %s",
                    self.target,
                    self._info.version,
                    "v1 /write" if self._info.api == "v1" else "influxdb-client (/api/v2/write)",
                )
            return self._info

    def _probe(self) -> ServerInfo:
        version = self._ping_version({})
        if not version and self._secret.token:
            # InfluxDB 3 may guard /ping with the token (and then name itself only to a client
            # that has one)
            version = self._ping_version({"Authorization": f"Token {self._secret.token}"})
        mm = parse_version(version)
        if mm is None:
            raise InfluxUnavailable(
                f"{safe_url(self.url)} does not answer like InfluxDB (no version on /ping); "
                "check influx.url / BACKCOACH_INFLUX_URL",
                reason=NOT_INFLUX,
            )
        if mm < MIN_VERSION:
            raise InfluxUnavailable(
                f"{self.target} runs version {version}, which is too old; upgrade to InfluxDB "
                "1.8 or newer (2.7 recommended)",
                reason=TOO_OLD,
            )
        return ServerInfo(version, mm, "v1" if mm < V1_MAX_VERSION else "v2")

    def _ping_version(self, headers: dict[str, str]) -> str:
        """The version /ping names, in its header or (3.x) its JSON body; '' if none."""
        req = urllib.request.Request(f"{self.url}/ping", headers=headers, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout_s) as resp:
                found, body = resp.headers, resp.read(4096)
        except urllib.error.HTTPError as exc:
            found, body = exc.headers, b""
        except (OSError, urllib.error.URLError) as exc:
            raise self._unreachable(exc) from exc
        version = found.get("X-Influxdb-Version", "") if found else ""
        if not version and body:
            try:
                version = str(json.loads(body).get("version", ""))
            except (ValueError, AttributeError):
                version = ""
        return version

    def check(self) -> ServerInfo:
        """Probe the server and prove the credentials and bucket by a read; raise if not."""
        info = self.server()
        self._query("SHOW MEASUREMENTS LIMIT 1")
        return info

    # -- errors ----------------------------------------------------------------------------------
    def _unreachable(self, exc: BaseException) -> InfluxUnavailable:
        text = str(getattr(exc, "reason", None) or exc).lower()
        known = ("refused", "timed out", "not known", "unreachable", "reset", "no route")
        why = next((k for k in known if k in text), type(exc).__name__)
        why = {"refused": "connection refused", "not known": "unknown host"}.get(why, why)
        return InfluxUnavailable(
            f"{self.target} is unreachable ({_one_line(why, 80)}); start it, or fix influx.url "
            "/ BACKCOACH_INFLUX_URL",
            reason=UNREACHABLE,
        )

    def _http_error(self, status: int, body: bytes | str | None, what: str) -> InfluxUnavailable:
        """One line for an HTTP error status, with the fix."""
        msg = self._secret.scrub(_server_message(body))
        if status in (401, 403):
            return InfluxUnavailable(
                f"{self.target} refused the credentials (HTTP {status}) for {what}; set "
                "BACKCOACH_INFLUX_TOKEN or influx.token_file to a token that may use this "
                "bucket (1.x: user:password)",
                reason=AUTH,
                status=status,
            )
        if status == 404 or "not found" in msg:
            return InfluxUnavailable(
                f"{self.target} has no such bucket or database (HTTP {status}: {msg}); create "
                f'it (2.x: influx bucket create -n {self.db}; 1.x: CREATE DATABASE "{self.db}") '
                "or fix BACKCOACH_INFLUX_BUCKET",
                reason=NOT_FOUND,
                status=status,
            )
        if status == 400:
            return _Rejected(
                f"{self.target} rejected {what} (HTTP 400: {msg})", reason=REJECTED, status=400
            )
        return InfluxUnavailable(
            f"{self.target} failed {what} (HTTP {status}: {msg}); it is retried",
            reason=SERVER,
            status=status,
        )

    # -- HTTP ------------------------------------------------------------------------------------
    def _auth_header(self, api: str) -> dict[str, str]:
        token = self._secret.token
        if not token:
            return {}
        if api == "v1":
            if ":" not in token:
                return {}
            return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}
        return {"Authorization": f"Token {token}"}

    def _request(
        self, path: str, params: dict[str, str], *, data: bytes | None, headers: dict[str, str]
    ) -> bytes:
        info = self.server()
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(
            url, data=data, headers={**headers, **self._auth_header(info.api)}
        )
        try:
            with urllib.request.urlopen(req, timeout=self.settings.timeout_s) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            what = {"/write": "a write", "/query": "a query"}.get(path, path)
            raise self._http_error(exc.code, body, what) from None
        except (OSError, urllib.error.URLError) as exc:
            raise self._unreachable(exc) from exc

    def _query(self, q: str, *, write: bool = False) -> dict[str, list[dict]]:
        """Run InfluxQL; rows per series name (tags merged into rows), across all chunks."""
        params = {"db": self.db, "q": q, "epoch": "ns", "chunked": "true"}
        params["chunk_size"] = str(QUERY_CHUNK)
        if self.rp:
            params["rp"] = self.rp
        body = self._request(
            "/query",
            {} if write else params,
            data=urllib.parse.urlencode(params).encode() if write else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"} if write else {},
        )
        out: dict[str, list[dict]] = {}
        for line in body.splitlines():
            if not line.strip():
                continue
            for result in json.loads(line).get("results", []):
                if "error" in result:
                    status = 404 if "not found" in result["error"] else 400
                    if "authoriz" in result["error"]:
                        status = 403
                    err = self._http_error(status, json.dumps(result), "a query")
                    raise InfluxUnavailable(str(err), reason=err.reason, status=status)
                for series in result.get("series", []):
                    rows = out.setdefault(series.get("name", ""), [])
                    tags = series.get("tags", {})
                    cols = series["columns"]
                    rows.extend(
                        {**tags, **dict(zip(cols, v, strict=True))} for v in series["values"]
                    )
        return out

    # -- sending (the drainer's thread) ----------------------------------------------------------
    def _send(self, batches: list[Batch]) -> None:
        if self.server().api == "v1":
            self._send_v1(batches)
        else:
            self._send_v2(batches)

    def _send_v1(self, batches: list[Batch]) -> None:
        params = {"db": self.db, "precision": "ns"}
        if self.rp:
            params["rp"] = self.rp
        body = gzip.compress("\n".join(b.body.rstrip("\n") for b in batches).encode(), 1)
        headers = {"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"}
        self._request("/write", params, data=body, headers=headers)

    def _send_v2(self, batches: list[Batch]) -> None:
        from backcoach.storage.influx_v2 import write_batches

        write_batches(self, batches)

    # -- writing ---------------------------------------------------------------------------------
    def _queue(self, kind: str, items) -> None:
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
            lines = sch.encode_columns(prefix, sch.epochs_columns(epochs), sch.to_ns(epochs.t_s))
            self._queue(sch.EPOCH, lines)

    def _queue_lines(self, kind: str, lines: list[str]) -> None:
        step = sch.POINTS_PER_BODY
        self._queue(
            kind,
            (
                ("\n".join(lines[a : a + step]), len(lines[a : a + step]))
                for a in range(0, len(lines), step)
            ),
        )

    def write_events(self, events: Sequence[Event]) -> None:
        self._queue_lines(sch.EVENT, [sch.event_line(self.tags, e) for e in events])

    def write_summary(self, summary: DaySummary) -> None:
        self._queue_lines(sch.SUMMARY, [sch.summary_line(self.tags, summary)])

    def write_warnings(self, warnings: Sequence[OverloadWarning]) -> None:
        self._queue_lines(sch.WARNING, [sch.warning_line(self.tags, w) for w in warnings])

    def write_diary(self, entry: DiaryEntry) -> None:
        self._queue_lines(sch.DIARY, [sch.diary_line(self.tags, entry)])

    def write_status(self, key: str, value: str) -> None:
        import time

        self._queue_lines(sch.STATUS, [sch.status_line(self.tags, key, value, time.time())])

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
        itself, and one that is merely slow gives what it has (the rest follows).
        """
        if self.outbox.backlog().points:
            try:
                self.flush()
            except StoreUnavailable as exc:
                log.debug("reading before the outbox drained: %s", exc)

    # -- reading ---------------------------------------------------------------------------------
    def _is_wearer(self) -> str:
        """The InfluxQL condition selecting this wearer's points."""
        return '"wearer" = ' + _literal(self.tags.wearer)

    def _where(self, start_ns: int, end_ns: int) -> str:
        return f"{self._is_wearer()} AND time >= {int(start_ns)} AND time < {int(end_ns)}"

    def _select(self, measurement: str, start_ns: int, end_ns: int, extra: str = "") -> list[dict]:
        self._settle()
        q = f'SELECT * FROM "{measurement}" WHERE {self._where(start_ns, end_ns)}{extra}'
        return self._query(q).get(measurement, [])

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
            extra += " AND (" + " OR ".join(f'"type" = {_literal(t)}' for t in types) + ")"
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
        return {str(r["key"]): str(r["value"]) for r in self._query(q).get(sch.STATUS, [])}

    def data_range(self) -> tuple[float, float] | None:
        self._settle()
        w = f"WHERE {self._is_wearer()}"
        first = self._query(f'SELECT FIRST("posture") FROM "epoch" {w}').get(sch.EPOCH)
        last = self._query(f'SELECT LAST("posture") FROM "epoch" {w}').get(sch.EPOCH)
        if not first or not last:
            return None
        return float(sch.from_ns(first[0]["time"])), float(sch.from_ns(last[0]["time"]))

    @staticmethod
    def _ns(start_s: float, end_s: float) -> tuple[int, int]:
        return int(sch.to_ns(start_s)), int(sch.to_ns(end_s))

    @staticmethod
    def _day_ns(first_day: str, last_day: str) -> tuple[int, int]:
        return sch.day_ns(first_day), sch.day_ns(last_day) + 86400 * sch.NS

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
            rows = self._query(
                f'SELECT COUNT("{counted[m]}") FROM "{m}" WHERE {self._where(lo, hi)}'
            )
            n += sum(int(r.get("count") or 0) for r in rows.get(m, []))
            self._delete(m, lo, hi)
        return n

    def delete_diary(self, day: str) -> None:
        self.flush()
        self._delete(sch.DIARY, sch.day_ns(day), sch.day_ns(day) + 1)

    def _delete(self, measurement: str, start_ns: int, end_ns: int) -> None:
        info = self.server()
        if info.api == "v1":
            self._query(
                f'DELETE FROM "{measurement}" WHERE {self._where(start_ns, end_ns)}', write=True
            )
            return
        from backcoach.storage.influx_v2 import delete_points

        delete_points(self, measurement, start_ns, end_ns)

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
        self.drainer.stop()
        self.outbox.close()
        if self._client is not None:
            self._client.close()
            self._client = None


def _literal(text: str) -> str:
    """An InfluxQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def rfc3339_ns(t_ns: int) -> str:
    """An RFC 3339 UTC time with nanoseconds, as /api/v2/delete wants it."""
    sec, ns = divmod(int(t_ns), sch.NS)
    return dt.datetime.fromtimestamp(sec, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


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

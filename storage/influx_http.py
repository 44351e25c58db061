"""The InfluxDB transport: which server it is, HTTP with its credentials, one-line errors, InfluxQL.

Why apart from the store and the writers: this is where the token is handled, so the rules that
keep it out of messages and logs live in one place, and the store reads as storage logic only.
It imports no other InfluxDB module: the writers (`influx_write.py`, `influx_v2.py`), the store,
the practice's accounts and its fleet reader all send through it.

1. `/ping` is probed once: its version (header, or 3.x's JSON body) says which writer sends
   (`influx_write.writer_for`): 1.x before 1.8 the v1 `/write` endpoint with database, retention
   policy and optional `user:password` (HTTP basic auth); 1.8+, 2.x and 3.x influxdb-client
   (`influx_v2.py`) with `Authorization: Token ...` (`client_options`).
2. InfluxQL over `/query` on every version, chunked, times in ns.
3. HTTP failures become `InfluxUnavailable` with a `reason` and one line naming the fix; server
   text is scrubbed of the token before it is shown. 400, 413 and 422 on a write refuse the data
   itself (`BatchRejected`: the drainer splits the batch and sets the refused points aside).
4. Redirects are never followed (they would carry the credentials to another host, and a
   302 on POST /write turned into a GET whose 200 login page counted as a confirmation): a 3xx
   is an error that names the address to configure. A v1 write is confirmed by 204 alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backcoach.errors import StoreUnavailable
from backcoach.storage.outbox import BatchRejected

if TYPE_CHECKING:
    from backcoach.config import InfluxSettings

log = logging.getLogger(__name__)

V1_MAX_VERSION = (1, 8)  # from 1.8 on, InfluxDB 1.x also serves /api/v2/write
MIN_VERSION = (1, 0)  # /write, /query and /ping as used here exist since 1.0
QUERY_CHUNK = 20_000
UNREACHABLE, AUTH, NOT_FOUND, TOO_OLD, NOT_INFLUX, SERVER, REJECTED, REDIRECT = (
    "unreachable",
    "auth",
    "not_found",
    "too_old",
    "not_influx",
    "server",
    "rejected",
    "redirect",
)
#: Answers that refuse the data of a write itself: malformed or conflicting (400), a body too
#: large for a proxy (413), points outside the bucket's retention in 2.x (422).
REFUSED_STATUSES = (400, 413, 422)


class InfluxUnavailable(StoreUnavailable):
    """InfluxDB cannot take or give data now; `reason` says why (see the constants above)."""

    def __init__(self, message: str, *, reason: str, status: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status


class _Rejected(BatchRejected, InfluxUnavailable):
    """HTTP 400/413/422 on a write: the data itself is refused (its points are set aside)."""

    def __init__(self, message: str, *, status: int, dropped: int | None) -> None:
        super().__init__(message, reason=REJECTED, status=status)
        self.dropped = dropped


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turn every 3xx into an HTTPError instead of following it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


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


def literal(text: str) -> str:
    """An InfluxQL string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ident(name: str) -> str:
    """An InfluxQL identifier in double quotes."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def where(wearer: str, start_ns: int, end_ns: int) -> str:
    """The InfluxQL condition for one wearer's points in [start_ns, end_ns)."""
    return f'"wearer" = {literal(wearer)} AND time >= {int(start_ns)} AND time < {int(end_ns)}'


def rfc3339_ns(t_ns: int) -> str:
    """An RFC 3339 UTC time with nanoseconds, as /api/v2/delete wants it."""
    sec, ns = divmod(int(t_ns), 1_000_000_000)
    return dt.datetime.fromtimestamp(sec, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


class InfluxConnection:
    """One configured InfluxDB: its probe, requests with credentials, InfluxQL, errors.

    `server` is what an earlier probe of the same server found (no second probe or log line).
    It holds no open resource (a request opens and closes its own), so it needs no closing.
    """

    def __init__(self, influx: InfluxSettings, *, server: ServerInfo | None = None) -> None:
        self.settings = influx
        self.url = influx.url.rstrip("/")
        self.bucket = influx.bucket
        self.db, self.rp = split_bucket(influx.bucket)
        self._secret = _Secret(influx.resolved_token())
        self._info = server
        self._probe_lock = threading.Lock()
        self.target = f"InfluxDB at {safe_url(self.url)} (bucket {self.bucket!r})"

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
            with _OPENER.open(req, timeout=self.settings.timeout_s) as resp:
                found, body = resp.headers, resp.read(4096)
        except urllib.error.HTTPError as exc:
            found, body = exc.headers, b""
        except (OSError, urllib.error.URLError) as exc:
            raise self.unreachable(exc) from exc
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
        self.query("SHOW MEASUREMENTS LIMIT 1")
        return info

    # -- errors ----------------------------------------------------------------------------------
    def unreachable(self, exc: BaseException) -> InfluxUnavailable:
        text = str(getattr(exc, "reason", None) or exc).lower()
        known = ("refused", "timed out", "not known", "unreachable", "reset", "no route")
        why = next((k for k in known if k in text), type(exc).__name__)
        why = {"refused": "connection refused", "not known": "unknown host"}.get(why, why)
        return InfluxUnavailable(
            f"{self.target} is unreachable ({_one_line(why, 80)}); start it, or fix influx.url "
            "/ BACKCOACH_INFLUX_URL",
            reason=UNREACHABLE,
        )

    def http_error(
        self, status: int, body: bytes | str | None, what: str, *, location: str = ""
    ) -> InfluxUnavailable:
        """One line for an HTTP error status, with the fix."""
        msg = self._secret.scrub(_server_message(body))
        if 300 <= status < 400:
            where = f" to {safe_url(location)}" if location else ""
            return InfluxUnavailable(
                f"{self.target} answered {what} with a redirect (HTTP {status}{where}); backcoach "
                "does not follow redirects, so your token goes nowhere else: set influx.url / "
                "BACKCOACH_INFLUX_URL to the address InfluxDB itself serves",
                reason=REDIRECT,
                status=status,
            )
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
        if status in REFUSED_STATUSES:
            dropped = re.search(r"dropped=(\d+)", msg)
            return _Rejected(
                f"{self.target} rejected {what} (HTTP {status}: {msg})",
                status=status,
                dropped=int(dropped.group(1)) if dropped else None,
            )
        return InfluxUnavailable(
            f"{self.target} failed {what} (HTTP {status}: {msg}); it is retried",
            reason=SERVER,
            status=status,
        )

    def client_options(self) -> dict[str, object]:
        """What influxdb-client needs to reach this server (the v2 writer's client), the token
        included: for that client only, never to be shown."""
        return {
            "url": self.url,
            "token": self._secret.token or None,
            "org": self.settings.org,
            "timeout": int(self.settings.timeout_s * 1000),
        }

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

    def request(
        self,
        path: str,
        params: dict[str, str],
        *,
        data: bytes | None,
        headers: dict[str, str],
        expect: int | None = None,
    ) -> bytes:
        """One request with the credentials; never follows a redirect.

        With `expect`, only that status counts as success (a v1 write is confirmed by 204).
        """
        info = self.server()
        url = f"{self.url}{path}?{urllib.parse.urlencode(params)}"
        req = urllib.request.Request(
            url, data=data, headers={**headers, **self._auth_header(info.api)}
        )
        what = {"/write": "a write", "/query": "a query"}.get(path, path)
        try:
            with _OPENER.open(req, timeout=self.settings.timeout_s) as resp:
                body = resp.read()
                status = resp.status
        except urllib.error.HTTPError as exc:
            body = exc.read()
            location = exc.headers.get("Location", "") if exc.headers else ""
            raise self.http_error(exc.code, body, what, location=location) from None
        except (OSError, urllib.error.URLError) as exc:
            raise self.unreachable(exc) from exc
        if expect is not None and status != expect:
            raise InfluxUnavailable(
                f"{self.target} answered {what} with HTTP {status} instead of {expect}, which "
                "is not InfluxDB confirming it; the data stays queued - check influx.url / "
                "BACKCOACH_INFLUX_URL",
                reason=NOT_INFLUX,
                status=status,
            )
        return body

    def query(self, q: str, *, write: bool = False) -> dict[str, list[dict]]:
        """Run InfluxQL; rows per series name (tags merged into rows), across all chunks."""
        out: dict[str, list[dict]] = {}
        for result in self.statements(q, write=write).values():
            if isinstance(result, InfluxUnavailable):
                raise result
            for name, rows in result.items():
                out.setdefault(name, []).extend(rows)
        return out

    def statements(
        self, q: str, *, write: bool = False
    ) -> dict[int, dict[str, list[dict]] | InfluxUnavailable]:
        """Run one or more InfluxQL statements (`;`-separated); per statement id its rows per
        series name, or the error that statement met (one refused database spoils no other)."""
        params = {"db": self.db, "q": q, "epoch": "ns", "chunked": "true"}
        params["chunk_size"] = str(QUERY_CHUNK)
        if self.rp:
            params["rp"] = self.rp
        body = self.request(
            "/query",
            {} if write else params,
            data=urllib.parse.urlencode(params).encode() if write else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"} if write else {},
        )
        out: dict[int, dict[str, list[dict]] | InfluxUnavailable] = {}
        for line in body.splitlines():
            if not line.strip():
                continue
            for result in json.loads(line).get("results", []):
                sid = int(result.get("statement_id", 0))
                if "error" in result:
                    out[sid] = self._statement_error(result)
                    continue
                found = out.setdefault(sid, {})
                if isinstance(found, InfluxUnavailable):
                    continue
                for series in result.get("series", []):
                    rows = found.setdefault(series.get("name", ""), [])
                    tags = series.get("tags", {})
                    cols = series["columns"]
                    rows.extend(
                        {**tags, **dict(zip(cols, v, strict=True))}
                        for v in series.get("values", [])
                    )
        return out

    def _statement_error(self, result: dict) -> InfluxUnavailable:
        status = 404 if "not found" in result["error"] else 400
        if "authoriz" in result["error"]:
            status = 403
        err = self.http_error(status, json.dumps(result), "a query")
        return InfluxUnavailable(str(err), reason=err.reason, status=status)

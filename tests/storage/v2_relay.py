"""Test-only: InfluxDB 1.8's v2 compatibility layer, in front of Debian's InfluxDB 1.6.

Why: the 1.x server we can install has no `/api/v2/write`, yet the v2 write path (influxdb-client
with its batching, gzip and retries) must run against a real server. The relay does what 1.8
does: `/api/v2/write?bucket=db/rp` → `/write?db=db&rp=rp`, `Authorization: Token user:password`
→ HTTP basic auth, `/api/v2/delete` → InfluxQL `DELETE`; `/query` and `/ping` pass through, with
`/ping` naming version 1.8 so the store picks the v2 path. Tests can make the next writes fail
(`fail_next_writes`) to see the client's retries work, and read what arrived in `writes`.

It also plays what sits between a user and a server, for the fault tests: InfluxDB 2.x's
retention check (`retention_cutoff_ns`: older points are dropped, the rest written, and the answer
is 2.x's 422 "partial write ... dropped=N"), a proxy's body limit (`max_body_bytes`: 413), and a
proxy or login page that redirects writes (`redirect_to`). With `version="1.6.4"` it names itself
as the old server and forwards v1 `/write` (with the same faults), so the v1 path meets them too.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RELAY_VERSION = "1.8.10"


@dataclass(frozen=True)
class WriteSeen:
    status: int
    gzip: bool
    body_bytes: int


class V2Relay:
    """A loopback HTTP server translating v2 write/delete calls onto a 1.x server."""

    def __init__(
        self,
        upstream_url: str,
        *,
        version: str = RELAY_VERSION,
        retention_cutoff_ns: int | None = None,
        max_body_bytes: int | None = None,
        redirect_to: str | None = None,
        redirect_status: int = 307,
        write_delay_s: float = 0.0,
    ) -> None:
        self.upstream = upstream_url.rstrip("/")
        self.version = version
        self.retention_cutoff_ns = retention_cutoff_ns
        self.max_body_bytes = max_body_bytes
        self.redirect_to = redirect_to
        self.redirect_status = redirect_status
        self.write_delay_s = write_delay_s  # a slow server: each write answers this much later
        self.writes: list[WriteSeen] = []
        self._fail: list[int] = []
        self._lock = threading.Lock()
        relay = self

        class Handler(_Handler):
            owner = relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> V2Relay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next_writes(self, n: int, status: int = 503) -> None:
        """Answer the next `n` write requests with `status` (as an overloaded server would)."""
        with self._lock:
            self._fail.extend([status] * n)

    def _take_failure(self) -> int | None:
        with self._lock:
            return self._fail.pop(0) if self._fail else None

    def _record(self, seen: WriteSeen) -> None:
        with self._lock:
            self.writes.append(seen)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: V2Relay

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass

    # -- routing ---------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, query = self._split()
        if path == "/ping":
            self._reply(204, b"", {"X-Influxdb-Version": self.owner.version})
        elif path == "/query":
            self._forward("GET", "/query", query, None, {})
        else:
            self._reply(404, b'{"code":"not found","message":"no such path"}')

    do_HEAD = do_GET

    def do_POST(self) -> None:
        path, query = self._split()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path in ("/api/v2/write", "/write"):
            if self.owner.write_delay_s:
                time.sleep(self.owner.write_delay_s)
            if not self._fault(body):
                self._write(path, query, body)
        elif path == "/api/v2/delete":
            self._delete(query, body)
        elif path == "/query":
            ctype = {"Content-Type": self.headers.get("Content-Type", "")}
            self._forward("POST", "/query", query, body, ctype)
        else:
            self._reply(404, b'{"code":"not found","message":"no such path"}')

    # -- faults ----------------------------------------------------------------------------------
    def _gzip(self) -> bool:
        return self.headers.get("Content-Encoding", "") == "gzip"

    def _fault(self, body: bytes) -> bool:
        """A proxy's redirect or body limit; True when it answered instead of the server."""
        owner = self.owner
        if owner.redirect_to:
            owner._record(WriteSeen(owner.redirect_status, self._gzip(), len(body)))
            location = {"Location": f"{owner.redirect_to}{self.path}"}
            self._reply(owner.redirect_status, b"", location)
            return True
        if owner.max_body_bytes is not None and len(body) > owner.max_body_bytes:
            owner._record(WriteSeen(413, self._gzip(), len(body)))
            self._reply(413, b"<html><body><h1>413 Request Entity Too Large</h1></body></html>")
            return True
        return False

    def _retain(self, body: bytes, gz: bool) -> tuple[bytes, bool, int]:
        """2.x's retention check: (body to write, still gzip, points dropped as too old)."""
        cutoff = self.owner.retention_cutoff_ns
        if cutoff is None:
            return body, gz, 0
        text = (gzip.decompress(body) if gz else body).decode()
        points = [p for p in text.split("\n") if p.strip()]
        kept = [p for p in points if int(p.rsplit(" ", 1)[1]) >= cutoff]
        if len(kept) == len(points):
            return body, gz, 0
        return "\n".join(kept).encode(), False, len(points) - len(kept)

    # -- translations ----------------------------------------------------------------------------
    def _write(self, path: str, query: dict[str, str], body: bytes) -> None:
        gz = self._gzip()
        failure = self.owner._take_failure()
        if failure is not None:
            self.owner._record(WriteSeen(failure, gz, len(body)))
            self._reply(failure, b'{"code":"unavailable","message":"injected by the relay"}')
            return
        if path == "/write":
            params = query
        else:
            db, _, rp = query.get("bucket", "").partition("/")
            params = {"db": db, "precision": query.get("precision", "ns")}
            if rp:
                params["rp"] = rp
        data, data_gz, dropped = self._retain(body, gz)
        status, answer = 204, b""
        if data.strip():
            headers = {"Content-Encoding": "gzip"} if data_gz else {}
            status, answer = self._upstream("POST", "/write", params, data, headers)
        if dropped and status < 300:
            status = 422
            msg = (
                "failure writing points to database: partial write: points beyond retention "
                f"policy dropped={dropped}"
            )
            answer = json.dumps({"code": "unprocessable entity", "message": msg}).encode()
        elif status >= 400 and answer.startswith(b'{"error"') and path != "/write":
            answer = json.dumps({"code": "error", "message": json.loads(answer)["error"]}).encode()
        self.owner._record(WriteSeen(status, gz, len(body)))
        self._reply(status, answer)

    def _delete(self, query: dict[str, str], body: bytes) -> None:
        req = json.loads(body)
        db, _, rp = query.get("bucket", "").partition("/")
        cond = req.get("predicate", "")
        m = re.fullmatch(r'\s*_measurement\s*=\s*"([^"]+)"(.*)', cond)
        if not m:
            self._reply(400, b'{"code":"invalid","message":"relay: unsupported predicate"}')
            return
        where = re.sub(
            r'(\w+)\s*=\s*"([^"]*)"', lambda t: f"\"{t[1]}\" = '{t[2]}'", m.group(2)
        ).strip()
        span = f"time >= '{req['start']}' AND time <= '{req['stop']}'"
        q = f'DELETE FROM "{m.group(1)}" WHERE {span} {where}'.strip()
        params = {"db": db, "q": q}
        if rp:
            params["rp"] = rp
        form = urllib.parse.urlencode(params).encode()
        ctype = {"Content-Type": "application/x-www-form-urlencoded"}
        status, data = self._upstream("POST", "/query", {}, form, ctype)
        if status != 200:
            self._reply(status, data)
        elif b'"error"' in data:
            self._reply(400, data)
        else:
            self._reply(204, b"")

    # -- plumbing --------------------------------------------------------------------------------
    def _split(self) -> tuple[str, dict[str, str]]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, dict(urllib.parse.parse_qsl(parts.query))

    def _auth(self) -> dict[str, str]:
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Token ") and ":" in auth:
            cred = base64.b64encode(auth[len("Token ") :].encode()).decode()
            return {"Authorization": f"Basic {cred}"}
        return {"Authorization": auth} if auth.startswith("Basic ") else {}

    def _upstream(
        self, method: str, path: str, params: dict[str, str], body: bytes | None, headers: dict
    ) -> tuple[int, bytes]:
        url = f"{self.owner.upstream}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        req = urllib.request.Request(
            url, data=body, method=method, headers={**headers, **self._auth()}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()
        except OSError:  # the 1.x server is down: answer like a proxy would
            return 503, b'{"code":"unavailable","message":"upstream InfluxDB is down"}'

    def _forward(
        self, method: str, path: str, params: dict[str, str], body: bytes | None, headers: dict
    ) -> int:
        status, data = self._upstream(method, path, params, body, headers)
        if status >= 400 and data.startswith(b'{"error"'):
            msg = json.loads(data)["error"]
            data = json.dumps({"code": "error", "message": msg}).encode()
        self._reply(status, data)
        return status

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

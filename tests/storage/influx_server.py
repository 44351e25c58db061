"""A real `influxd` (Debian's InfluxDB 1.x) on a free loopback port, its data in a temp dir.

Used by the storage tests' fixtures and by `bench/store_write.py`. Why a real server: a fake
cannot prove that our line protocol, InfluxQL and error mapping match what InfluxDB does.
Health is polled on `/ping` (no fixed sleeps); the server's log is kept so a failing test can
show it.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

START_TIMEOUT_S = 30.0  # influxd 1.6 opens an empty data dir in about a second
STOP_TIMEOUT_S = 15.0

_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = {auth}
  log-enabled = false
  max-body-size = 0
  max-row-limit = 0

[continuous_queries]
  enabled = false
"""


class InfluxdMissing(RuntimeError):
    """The `influxd` binary is not installed."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class InfluxServer:
    """One influxd process: `start()`, `stop()`, `start()` again on the same port and data."""

    def __init__(self, root: Path, *, auth: bool = False) -> None:
        binary = shutil.which("influxd")
        if binary is None:
            raise InfluxdMissing(
                "influxd is not installed; run `scripts/bootstrap.sh --test` (Debian package "
                "'influxdb') - the InfluxDB storage tests need a real server"
            )
        self.binary = binary
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.config = self.root / "influxdb.conf"
        self.config.write_text(
            _CONFIG.format(
                root=self.root,
                http_port=self.port,
                rpc_port=free_port(),
                auth="true" if auth else "false",
            )
        )
        self.log_path = self.root / "influxd.log"
        self.admin: tuple[str, str] | None = None
        self._proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> InfluxServer:
        """Start influxd and return once `/ping` answers 204."""
        log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [self.binary, "run", "-config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"influxd exited with {self._proc.returncode}:\n{self.log()}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"influxd did not answer /ping within {START_TIMEOUT_S} s:\n{self.log()}"
        )

    def stop(self) -> None:
        """Stop influxd (SIGTERM, then SIGKILL) and wait for it to exit."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(STOP_TIMEOUT_S)
        self._proc = None

    def ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1.0) as resp:
                return resp.status == 204
        except (OSError, urllib.error.URLError):
            return False

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20_000:]
        except OSError:
            return "(no log)"

    # -- admin helpers for tests -----------------------------------------------------------------
    def create_admin(self, user: str, password: str) -> None:
        """Create the first admin user (allowed without credentials on an auth-enabled server)."""
        self.query(f"CREATE USER \"{user}\" WITH PASSWORD '{password}' WITH ALL PRIVILEGES")
        self.admin = (user, password)

    def query(self, q: str, db: str = "") -> list[dict]:
        """Run InfluxQL as admin (POST /query); returns the statement results, raising on error."""
        params = {"q": q, "epoch": "ns"}
        if db:
            params["db"] = db
        req = urllib.request.Request(
            f"{self.url}/query", data=urllib.parse.urlencode(params).encode(), method="POST"
        )
        if self.admin:
            cred = base64.b64encode(f"{self.admin[0]}:{self.admin[1]}".encode()).decode()
            req.add_header("Authorization", f"Basic {cred}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            results = json.loads(resp.read())["results"]
        for r in results:
            if "error" in r:
                raise RuntimeError(f"InfluxQL {q!r} failed: {r['error']}")
        return results

    def count(self, db: str, measurement: str, field: str) -> int:
        """How many points of `measurement` hold `field` (0 if none)."""
        res = self.query(f'SELECT COUNT("{field}") FROM "{measurement}"', db=db)
        series = res[0].get("series")
        return int(series[0]["values"][0][1]) if series else 0

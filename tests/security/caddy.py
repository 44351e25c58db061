"""The repository's `Caddyfile`, served by a real Caddy (Debian's) in front of local upstreams.

The practice's names become plain-HTTP loopback addresses on free ports and the upstreams
local servers (the Caddyfile's `{$...}` placeholders); everything else is the file as shipped.
Caddy's admin endpoint is turned off in the adapted JSON, so several runs never clash on
its port 2019.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.dashboard.serve import free_port

REPO = Path(__file__).resolve().parents[2]
CADDYFILE = REPO / "Caddyfile"
START_TIMEOUT_S = 30.0


class CaddyMissing(RuntimeError):
    """The `caddy` binary is not installed."""


class Caddy:
    """`caddy run` with the repository's Caddyfile; `.influx` and `.practice` are its sites."""

    def __init__(self, root: Path, *, influx_upstream: str, practice_upstream: str) -> None:
        binary = shutil.which("caddy")
        if binary is None:
            raise CaddyMissing(
                "caddy is not installed; run `scripts/bootstrap.sh --test` (Debian package "
                "'caddy') - the practice's published addresses are tested through it"
            )
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.influx = f"http://127.0.0.1:{free_port()}"
        self.practice = f"http://127.0.0.1:{free_port()}"
        self.env = {
            **os.environ,
            "HOME": str(self.root),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "INFLUX_DOMAIN": self.influx,
            "PRACTICE_DOMAIN": self.practice,
            "INFLUX_UPSTREAM": influx_upstream,
            "PRACTICE_UPSTREAM": practice_upstream,
        }
        adapted = subprocess.run(
            [binary, "adapt", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        config = json.loads(adapted.stdout)
        config["admin"] = {"disabled": True, "config": {"persist": False}}
        self.config = self.root / "caddy.json"
        self.config.write_text(json.dumps(config))
        self.binary = binary
        self.log_path = self.root / "caddy.log"
        self._proc: subprocess.Popen | None = None

    def start(self) -> Caddy:
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [self.binary, "run", "--config", str(self.config)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"caddy exited with {self._proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.influx}/ping", timeout=1.0):
                    return self
            except urllib.error.HTTPError:
                return self  # Caddy answers (whatever the upstream says)
            except OSError:
                time.sleep(0.05)  # polling until it listens
        self.stop()
        raise RuntimeError(f"caddy did not listen within {START_TIMEOUT_S} s:\n{self.log()}")

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        self._proc = None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-10_000:]
        except OSError:
            return "(no log)"

"""`backcoach dashboard` as a user starts it, on a free port, for the real-browser tests."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float) -> None:
    """Poll Streamlit's health endpoint until it answers 'ok' (or the server dies)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # polling interval, not a fixed wait
    raise TimeoutError(f"dashboard not healthy after {timeout_s:.0f} s")


def start_dashboard(env: Mapping[str, str], log_path: Path, *args: str) -> subprocess.Popen:
    """`backcoach dashboard ARGS` as a user starts it, its output (the link) in `log_path`."""
    exe = shutil.which("backcoach", path=str(Path(sys.executable).parent)) or "backcoach"
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            [exe, "dashboard", *args],
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def printed_link(log_path: Path) -> str:
    """The link with the per-launch secret that `backcoach dashboard` prints once."""
    link = re.search(r"Open (http://\S+\?token=[\w-]+)", log_path.read_text())
    assert link, log_path.read_text()
    return link.group(1)


@contextlib.contextmanager
def dashboard(
    args: Sequence[str], env: Mapping[str, str], log_path: Path
) -> Iterator[tuple[str, str]]:
    """`backcoach dashboard ARGS --port N` until the block ends; yields (base URL, the printed
    link that carries the per-launch secret).

    The server's output goes to `log_path` and is printed when the block fails.
    """
    port = free_port()
    proc = start_dashboard(env, log_path, *args, "--port", str(port))
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, START_TIMEOUT_S)
        yield url, printed_link(log_path)
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        stop(proc)

"""Two programs on one embedded store (or outbox): nothing written is hidden, lost or malformed.

The collector keeps the store open all day while the dashboard, `export` and `warnings test` open
and close it. SQLite's WAL belongs to whoever holds its locks; a program that drops its own
POSIX locks (by closing any descriptor of the database file, as `private_file` once did after
connecting) lets the next program that closes believe it is the last, and the WAL it deletes
takes every later commit with it. Real processes here, as a user runs them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from backcoach.storage.outbox import Outbox
from backcoach.storage.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]


class Writer:
    """`tests/storage/shared_writer.py` in its own process: writes when told, holds the file."""

    def __init__(self, kind: str, path: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.storage.shared_writer", kind, str(path)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.total = 0

    def write(self, n: int) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        self.total += n
        assert answer == f"wrote {self.total}", (answer, self.proc.stderr.read()[-2000:])

    def deleted_files(self) -> list[str]:
        """Files the writer still holds that no longer have a name (an unlinked WAL or SHM)."""
        fds = Path(f"/proc/{self.proc.pid}/fd")
        links = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
        return [link for link in links if link.endswith("(deleted)")]

    def kill(self) -> str:
        self.proc.send_signal(signal.SIGKILL)
        _, err = self.proc.communicate(timeout=30)
        return err


def _backcoach(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _open_and_close(kind: str, path: Path) -> subprocess.CompletedProcess:
    """A third program that only opens the file through backcoach and closes it again."""
    cls = "SQLiteStore" if kind == "store" else "Outbox"
    module = "sqlite" if kind == "store" else "outbox"
    code = f"from backcoach.storage.{module} import {cls}; {cls}({str(path)!r}).close()"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def _exported_epochs(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as z:
        return len(z.read("epochs.csv").decode().strip().splitlines()) - 1


def _stored_epochs(path: Path) -> int:
    store = SQLiteStore(path)
    try:
        return len(store.read_epochs(0, 4e9))
    finally:
        store.close()


def _queued(path: Path) -> int:
    box = Outbox(path)
    try:
        return sum(1 for b in box.take(10**9) if b.kind == "epoch")
    finally:
        box.close()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, BACKCOACH_DATA_DIR=str(tmp_path / "data"), BACKCOACH_LANGUAGE="en")


def test_export_and_warnings_test_beside_a_running_writer_hide_and_lose_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """The collector's commits stay visible to every later reader and survive its SIGKILL."""
    path = tmp_path / "data" / "backcoach.sqlite"
    writer = Writer("store", path)
    outputs: list[str] = []
    try:
        writer.write(40)
        export = _backcoach("export", "--out", str(tmp_path / "first.zip"), env=env)
        assert export.returncode == 0, export.stderr
        assert _exported_epochs(tmp_path / "first.zip") == 40
        test = _backcoach("warnings", "test", env=env)
        opened = _open_and_close("store", path)
        outputs += [export.stderr, test.stdout + test.stderr, opened.stderr]
        assert opened.returncode == 0, opened.stderr

        writer.write(40)  # after the others came and went
        again = _backcoach("export", "--out", str(tmp_path / "second.zip"), env=env)
        outputs.append(again.stderr)
        assert again.returncode == 0, again.stderr
        assert _exported_epochs(tmp_path / "second.zip") == 80, "a later reader misses commits"
        assert writer.deleted_files() == [], "the running writer's WAL or SHM was removed"

        writer.write(40)
        assert _stored_epochs(path) == 120
    finally:
        outputs.append(writer.kill())
    assert _stored_epochs(path) == 120, "commits of the killed writer were lost"
    assert not [o for o in outputs if "malformed" in o], outputs


def test_programs_opening_the_outbox_beside_a_running_writer_hide_and_lose_nothing(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """The outbox (InfluxDB's durable queue) shared by the collector, `warnings test` and more."""
    path = tmp_path / "data" / "outbox.sqlite"
    influx = dict(env, BACKCOACH_STORAGE="influxdb", BACKCOACH_INFLUX_URL="http://127.0.0.1:9")
    writer = Writer("outbox", path)
    outputs: list[str] = []
    try:
        writer.write(40)
        test = _backcoach("warnings", "test", env=influx)  # opens the outbox, queues its point
        opened = _open_and_close("outbox", path)
        outputs += [test.stdout + test.stderr, opened.stderr]
        assert opened.returncode == 0, opened.stderr

        writer.write(40)
        assert _queued(path) == 80, "a later reader misses batches"
        assert writer.deleted_files() == [], "the running writer's WAL or SHM was removed"
        writer.write(40)
    finally:
        outputs.append(writer.kill())
    assert _queued(path) == 120, "batches of the killed writer were lost"
    assert not [o for o in outputs if "malformed" in o], outputs

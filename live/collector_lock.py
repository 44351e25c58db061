"""One collector per store: `collector.lock` in the data folder, held while `collect` runs.

Why: two collectors on one store and sensor fight. The second takes the link over (a connected
sensor does not advertise, so it looks like a killed run's), processes the first's newest raw
samples as what "an earlier run left without epochs", and both write the same seconds; tried
by hand, 85 samples were lost and nobody said "already running". The service's collector and
one started by hand are two collectors too.

The lock is `flock` on a file of its own (never the database: closing a descriptor of that would
drop SQLite's locks). The kernel releases it when its holder ends in any way, SIGKILL included,
so a crashed collector never blocks the next; the holder's PID is in the file for the message.
On systems without `fcntl` (Windows) there is no lock.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from backcoach.errors import BackcoachError
from backcoach.storage.private import FILE_MODE, private_dir

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FILE_NAME = "collector.lock"


class CollectorRunning(BackcoachError):
    """Another collector holds the store; `pid` is its process id (None if unknown)."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


class CollectorLock:
    """The data folder's collector lock (see the module docstring)."""

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, or raise CollectorRunning naming the collector that holds it."""
        if fcntl is None or self._fd is not None:
            return
        private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            pid = self.holder()
            who = f"PID {pid}" if pid else "its PID unknown"
            raise CollectorRunning(
                f"another collector ({who}) already collects into {self.path.parent}; stop it "
                "first (Ctrl-C in its terminal, or `systemctl --user stop backcoach` for the "
                "service), or give this one another BACKCOACH_DATA_DIR",
                pid,
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def holder(self) -> int | None:
        """The PID written by the collector that holds (or last held) the lock."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def held_by_other(self) -> int | None:
        """The running collector's PID (0 if its PID is unknown), or None when none runs."""
        if fcntl is None or not self.path.exists():
            return None
        try:
            self.acquire()
        except CollectorRunning as exc:
            return exc.pid or 0
        self.release()
        return None

    def __enter__(self) -> CollectorLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

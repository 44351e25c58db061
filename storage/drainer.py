"""The outbox's sending thread: in order, with back-off, through refusals, and never dying.

Why apart from the outbox: the outbox is storage (a table and its totals); this is behaviour over
time, and each rule here answers a way data was lost or stuck before:

1. Back-off is a deadline that survives wake-ups. A write during an outage does not start an
   attempt (before, 2,500 writes made 2,503 attempts); only the deadline or an explicit
   `flush()` does. It is `backcoach.backoff`'s, bounded for any number of failures.
2. The thread never dies: every error, ours included, is logged and followed by a back-off.
3. A batch the server refuses (HTTP 400, 413, 422) is split in halves until the refused points
   are found; the rest is sent, only those points are set aside in the outbox (with the
   server's reason), and it is said once. A partial write that names as many dropped points
   as were sent ends the search at once. So one stale point never blocks the queue.
4. One log line per outage, a progress line while a backlog drains, one line when it is gone.
5. During an outage a retry sends only the oldest batch: once it is taken, the next attempt
   follows at once with a full slice (a two-day outage costs a few thousand small attempts, not
   as many 50,000-point compressions).

Several processes may share a data directory (collector, dashboard); an advisory file lock lets
only one of them send at a time, the others just append.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from backcoach.backoff import Backoff
from backcoach.clock import SYSTEM, Clock
from backcoach.errors import StoreUnavailable
from backcoach.storage.line_protocol import split_points
from backcoach.storage.outbox import MAX_POINTS_PER_SEND, Batch, BatchRejected, Outbox

try:  # POSIX; on other systems every process drains (duplicates are harmless)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

IDLE_POLL_S = 10.0  # look for batches other processes left (their own sender sends the rest)
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0  # a restarted server is noticed within half a minute
PROGRESS_EVERY_S = 2.0

Send = Callable[[list[Batch]], None]


def backoff_s(
    attempt: int, first_s: float = BACKOFF_FIRST_S, max_s: float = BACKOFF_MAX_S
) -> float:
    """Seconds to wait after the `attempt`-th failure in a row (1, 2, ...); bounded for any n."""
    return Backoff(first_s, max_s).delay_s(attempt)


class _SendLock:
    """An advisory lock file next to the outbox: one sending process at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if fcntl is None:
            return True
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def release(self) -> None:
        if fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class Drainer:
    """Sends the outbox in order through `send`, in a background thread.

    `send(batches)` returns when the server confirmed all of them; it raises `BatchRejected`
    when the server refuses the data itself, and any other `StoreUnavailable` when the server
    cannot take it now (unreachable, wrong token, missing bucket, a redirect): those are retried
    with back-off, so a fixed token or a created bucket is picked up without a restart.
    """

    def __init__(
        self,
        outbox: Outbox,
        send: Send,
        *,
        target: str,
        max_points: int = MAX_POINTS_PER_SEND,
        backoff_first_s: float = BACKOFF_FIRST_S,
        backoff_max_s: float = BACKOFF_MAX_S,
        clock: Clock = SYSTEM,
    ) -> None:
        self.outbox = outbox
        self.clock = clock
        self.send = send
        self.target = target  # for log lines: "InfluxDB at http://host:8086, bucket x"
        self.max_points = max_points
        self.backoff_first_s = backoff_first_s
        self.backoff_max_s = backoff_max_s
        self.last_error: StoreUnavailable | None = None
        self._send_lock = _SendLock(outbox.path.with_suffix(".lock"))
        self._wake = clock.event()
        self._force = threading.Event()  # a flush: try now, even during a back-off
        self._stop = threading.Event()
        self._changed = clock.condition()
        self._attempts = 0  # drain attempts started
        self._failed_attempt = 0  # number of the last attempt that failed
        self._failures = 0  # failures in a row
        self._refusals_said: set[int | None] = set()
        self._thread: threading.Thread | None = None
        self._outage: _Outage | None = None

    @property
    def attempts(self) -> int:
        """Drain attempts started so far (for tests and measurements)."""
        return self._attempts

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- control ---------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the sending thread (idempotent)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="backcoach-outbox", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """New batches are queued: send now if idle; during a back-off they wait for its end."""
        self.start()
        self._wake.set()

    def flush(self, timeout_s: float) -> None:
        """Try now and wait until the outbox is empty; raise the server's error if a send fails."""
        with self._changed:
            since = self._attempts
        self._force.set()
        self.wake()
        deadline = self.clock.monotonic() + timeout_s
        while True:
            backlog = self.outbox.backlog()
            if backlog.points == 0:
                return
            with self._changed:
                if self._failed_attempt > since and self.last_error is not None:
                    raise self.last_error
                remaining = deadline - self.clock.monotonic()
                if remaining <= 0:
                    raise StoreUnavailable(
                        f"{backlog.points} points still wait in the outbox for {self.target} "
                        f"after {timeout_s:.0f} s; they are kept and sent when it answers"
                    )
                self._changed.wait(min(0.2, remaining))

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop the thread; False if a send still runs after `timeout_s` (it ends by itself)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                return False
        self._send_lock.close()
        return True

    # -- the thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                pause = self._cycle()
            except Exception:  # even our own bookkeeping failing must not end the sender
                log.exception("outbox sender for %s: unexpected error; it keeps going", self.target)
                pause = self.backoff_max_s
            self._pause(pause)

    def _cycle(self) -> float:
        """One attempt; returns how long to wait before the next."""
        try:
            sent = self._step()
        except StoreUnavailable as exc:
            return self._failed(exc)
        except Exception as exc:
            log.exception("outbox for %s: unexpected error", self.target)
            return self._failed(StoreUnavailable(f"unexpected error while sending: {exc}"))
        if sent:
            self._failures = 0
            return 0.0
        return IDLE_POLL_S

    def _failed(self, exc: StoreUnavailable) -> float:
        self._failures += 1
        delay = backoff_s(self._failures, self.backoff_first_s, self.backoff_max_s)
        self._note_failure(exc)
        return delay

    def _pause(self, seconds: float) -> None:
        """Wait `seconds`; a write ends an idle wait, only a flush (or stop) ends a back-off."""
        deadline = self.clock.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(remaining):
                self._wake.clear()
                if self._force.is_set() or self._failures == 0:
                    self._force.clear()
                    return

    def _step(self) -> bool:
        """Send one slice of the backlog; False when there was nothing (or no lock) to send."""
        if self.outbox.backlog().points == 0:
            self._failures = 0
            self._notify()
            return False
        if not self._send_lock.acquire():
            return False  # another process is sending
        try:
            with self._changed:
                self._attempts += 1
            # during an outage, only the oldest batch: each retry would otherwise read,
            # join and compress a whole slice (50,000 points) to find the server still away
            batches = self.outbox.take(1 if self._failures else self.max_points)
            if not batches:
                return False
            self._deliver(batches)
        finally:
            self._send_lock.release()
        self._note_success(sum(b.points for b in batches))
        return True

    # -- refusals --------------------------------------------------------------------------------
    def _deliver(self, batches: list[Batch]) -> None:
        """Send; points the server refuses are found by halving and set aside, the rest acked."""
        refused: dict[int, list[str]] = {}
        reasons: list[BatchRejected] = []
        self._send_or_split(batches, refused, reasons)
        self.outbox.ack([b.id for b in batches if b.id not in refused])
        if not refused:
            return
        reason = reasons[0]
        for b in batches:
            if b.id in refused:
                lines = refused[b.id]
                self.outbox.set_aside(b.id, "\n".join(lines), len(lines), str(reason))
        n = sum(len(v) for v in refused.values())
        status = getattr(reason, "status", None)
        level = logging.DEBUG if status in self._refusals_said else logging.ERROR
        self._refusals_said.add(status)
        log.log(
            level,
            "%s; %d of %d points are kept aside in %s, the rest was sent",
            reason,
            n,
            sum(b.points for b in batches),
            self.outbox.path.name,
        )

    def _send_or_split(
        self, parts: list[Batch], refused: dict[int, list[str]], reasons: list[BatchRejected]
    ) -> None:
        try:
            self.send(parts)
        except BatchRejected as exc:
            points = sum(p.points for p in parts)
            single = len(parts) == 1 and len(split_points(parts[0].body)) <= 1
            if points <= 1 or single or exc.dropped == points:
                reasons.append(exc)
                for p in parts:
                    refused.setdefault(p.id, []).extend(split_points(p.body) or [p.body])
                return
            for half in _halves(parts):
                self._send_or_split(half, refused, reasons)

    # -- telling the user ------------------------------------------------------------------------
    def _note_failure(self, exc: StoreUnavailable) -> None:
        with self._changed:
            self.last_error = exc
            self._failed_attempt = self._attempts
            self._changed.notify_all()
        if self._outage is None:
            points = self.outbox.backlog().points
            self._outage = _Outage(self.clock.monotonic())
            log.warning(
                "%s; keeping %d points in the outbox (%s) and retrying",
                exc,
                points,
                self.outbox.path.name,
            )

    def _note_success(self, points: int) -> None:
        with self._changed:
            self.last_error = None
            self._changed.notify_all()
        outage = self._outage
        if outage is None:
            return
        outage.sent += points
        left = self.outbox.backlog().points
        now = self.clock.monotonic()
        if left == 0:
            log.info(
                "%s takes writes again: sent the %d points queued during the %.0f s outage",
                self.target,
                outage.sent,
                now - outage.start,
            )
            self._outage = None
        elif now - outage.progress_at >= PROGRESS_EVERY_S:
            outage.progress_at = now
            total = outage.sent + left
            log.info(
                "outbox: sent %d of %d queued points (%d%%)",
                outage.sent,
                total,
                100 * outage.sent // max(total, 1),
            )

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _halves(parts: list[Batch]) -> tuple[list[Batch], list[Batch]]:
    """Two halves of a send: by batches, or by the points of a single batch."""
    if len(parts) > 1:
        mid = len(parts) // 2
        return parts[:mid], parts[mid:]
    b = parts[0]
    lines = split_points(b.body)
    mid = len(lines) // 2
    first, second = lines[:mid], lines[mid:]
    return (
        [Batch(b.id, b.kind, len(first), "\n".join(first))],
        [Batch(b.id, b.kind, len(second), "\n".join(second))],
    )


@dataclass
class _Outage:
    start: float
    sent: int = 0
    progress_at: float = 0.0

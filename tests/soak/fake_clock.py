"""A clock the test moves: the collector's threads and its event loop wait on it, days in seconds.

`backcoach.clock.Clock` is the seam: the link, the session, the live run, the outbox's sender and
the warning channels ask their clock for the time and for the events and conditions they wait on.
`FakeClock` answers with fake time, and its event loop (`new_event_loop`) takes `time()` from it,
so every asyncio sleep and timeout is fake too. Nothing of `time` is patched.

The test moves time with `run_until(t)`: it waits (in real time) until every part is idle - the
threads backcoach keeps for good (named `backcoach-...`: the outbox's sender, each warning
channel) wait on the clock again and the loop has nothing to run - then jumps to the earliest
moment anyone waits for, and again, until `t`. Work itself takes no fake time (a fast machine),
and a week without the sensor passes in seconds. Other threads may wait on the clock too (a
worker building the live run); their deadlines count, their work is not waited for.
"""

from __future__ import annotations

import asyncio
import math
import selectors
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

INF = math.inf
SETTLE_TIMEOUT_S = 60.0  # real seconds a part may stay busy before the test calls it stuck
TRACKED = "backcoach-"  # names of the threads backcoach keeps for good


@dataclass(eq=False)
class _Wait:
    thread: threading.Thread
    deadline: float
    ready: Callable[[], bool] = field(repr=False)


class FakeClock:
    """`backcoach.clock.Clock` on fake time (see the module docstring)."""

    def __init__(self, wall_s: float) -> None:
        self._cv = threading.Condition()
        self._mono = 10_000.0
        self._offset = wall_s - self._mono
        self._waits: set[_Wait] = set()
        self._threads: set[threading.Thread] = set()
        self._loop: FakeTimeLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._loop_next: float | None = None  # the loop waits for I/O until then (None: busy)
        self.steps = 0  # moves of time so far (for the test's own report)

    # -- the Clock protocol --------------------------------------------------------------------
    def time(self) -> float:
        return self._mono + self._offset

    def monotonic(self) -> float:
        return self._mono

    def sleep(self, seconds: float) -> None:
        FakeEvent(self).wait(seconds)

    def event(self) -> FakeEvent:
        return FakeEvent(self)

    def condition(self) -> FakeCondition:
        return FakeCondition(self)

    def new_event_loop(self) -> FakeTimeLoop:
        self._loop = FakeTimeLoop(self)
        return self._loop

    # -- waiting (callers hold self._cv) -------------------------------------------------------
    def _wait(self, timeout: float | None, ready: Callable[[], bool]) -> bool:
        deadline = INF if timeout is None else self._mono + max(timeout, 0.0)
        w = _Wait(threading.current_thread(), deadline, ready)
        if w.thread.name.startswith(TRACKED):
            self._threads.add(w.thread)
        self._waits.add(w)
        self._cv.notify_all()
        try:
            while not ready() and self._mono < deadline:
                self._cv.wait()
            return ready()
        finally:
            self._waits.discard(w)

    def _parked(self) -> set[threading.Thread]:
        """Threads waiting for a moment still to come, with nothing else to wake them."""
        return {w.thread for w in self._waits if w.deadline > self._mono and not w.ready()}

    def _idle(self) -> bool:
        parked = self._parked()
        self._threads = {t for t in self._threads if t.is_alive()}
        busy = self._threads - parked - {self._loop_thread}
        loop = self._loop
        loop_idle = (  # a loop made here but not yet running is busy: it is about to start
            loop is None
            or loop.is_closed()
            or (self._loop_thread is not None and not self._loop_thread.is_alive())
            or (self._loop_next is not None and self._loop_next > self._mono)
            or self._loop_thread in parked
        )
        return not busy and loop_idle

    def _next_due(self) -> float:
        due = [w.deadline for w in self._waits]
        if self._loop_next is not None:
            due.append(self._loop_next)
        return min(due, default=INF)

    # -- moving time ---------------------------------------------------------------------------
    def settle(self) -> None:
        """Wait (real time) until every part is idle."""
        end = time.monotonic() + SETTLE_TIMEOUT_S
        with self._cv:
            while not self._idle():
                if time.monotonic() > end:
                    busy = self._threads - self._parked()
                    raise AssertionError(f"still busy after {SETTLE_TIMEOUT_S:.0f} s: {busy}")
                self._cv.wait(0.005)

    def run_until(self, mono_s: float, *, stop: Callable[[], bool] | None = None) -> None:
        """Move time to `mono_s`, one due moment after another (or until `stop()` is true)."""
        while True:
            self.settle()
            if stop is not None and stop():
                return
            with self._cv:
                target = min(self._next_due(), mono_s)
                if target <= self._mono:
                    return
                self._mono = target
                self.steps += 1
                self._cv.notify_all()
                loop = self._loop if self._loop_next is not None else None
                self._loop_next = None  # woken below: busy until it waits again
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(_nothing)

    def advance(self, seconds: float, *, stop: Callable[[], bool] | None = None) -> None:
        self.run_until(self._mono + seconds, stop=stop)


def _nothing() -> None:
    """A callback that only wakes the loop, so it looks at its timers again."""


class FakeEvent:
    """`threading.Event` on fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._flag = False

    def is_set(self) -> bool:
        return self._flag

    def set(self) -> None:
        with self._clock._cv:
            self._flag = True
            self._clock._cv.notify_all()

    def clear(self) -> None:
        with self._clock._cv:
            self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        with self._clock._cv:
            return self._clock._wait(timeout, lambda: self._flag)


class FakeCondition:
    """`threading.Condition` on fake time (a plain lock: no re-entry)."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._notified = 0

    def __enter__(self) -> FakeCondition:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def notify(self, n: int = 1) -> None:
        self.notify_all()

    def notify_all(self) -> None:
        with self._clock._cv:
            self._notified += 1
            self._clock._cv.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        cv = self._clock._cv
        with cv:
            seen = self._notified
        self._lock.release()  # a notifier needs this lock, so no notify is missed in between
        try:
            with cv:
                return self._clock._wait(timeout, lambda: self._notified != seen)
        finally:
            self._lock.acquire()


class _Selector(selectors.BaseSelector):
    """The loop's selector: a wait for I/O with a timeout is a wait for fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock
        self._real = selectors.DefaultSelector()

    def register(self, fileobj, events, data=None):  # noqa: ANN001, ANN201 - the selectors API
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj):  # noqa: ANN001, ANN201
        return self._real.unregister(fileobj)

    def modify(self, fileobj, events, data=None):  # noqa: ANN001, ANN201
        return self._real.modify(fileobj, events, data)

    def get_map(self):  # noqa: ANN201
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    def select(self, timeout: float | None = None):  # noqa: ANN201
        if timeout is not None and timeout <= 0:
            return self._real.select(0)
        c = self._clock
        with c._cv:
            c._loop_thread = threading.current_thread()
            c._loop_next = INF if timeout is None else c._mono + timeout
            c._cv.notify_all()
        try:
            return self._real.select(None)  # until a thread calls in, or the clock moves
        finally:
            with c._cv:
                c._loop_next = None


class FakeTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose time is the fake clock's."""

    def __init__(self, clock: FakeClock) -> None:
        self._fake_clock = clock
        super().__init__(_Selector(clock))

    def time(self) -> float:
        return self._fake_clock.monotonic()

"""The one clock of the long-running parts: the collector, its live run, the outbox, the warnings.

Why a seam: what must hold over days (a sensor away for three, a server down for two, back-off
that never overflows, logs that stay short) can only be tested on a clock a test moves. Each of
those parts takes a `Clock` (default `SYSTEM`) and asks it, never the `time` module, for the
time, for intervals, and for the thread primitives it waits on; asyncio code waits on its event
loop, whose time a test's loop takes from the same clock (`tests/soak/fake_clock.py`).
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Waitable(Protocol):
    """What the parts use of `threading.Event`."""

    def is_set(self) -> bool: ...
    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...


class Condition(Protocol):
    """What the parts use of `threading.Condition`."""

    def __enter__(self) -> object: ...
    def __exit__(self, *exc: object) -> None: ...
    def wait(self, timeout: float | None = None) -> bool: ...
    def notify(self, n: int = 1) -> None: ...
    def notify_all(self) -> None: ...


class Clock(Protocol):
    """Wall time, monotonic time, and waiting on them."""

    def time(self) -> float:
        """Unix seconds (the wall clock: sample times, day boundaries)."""
        ...

    def monotonic(self) -> float:
        """Seconds for intervals; the same clock as the asyncio loop's `time()`."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block this thread for `seconds`."""
        ...

    def event(self) -> Waitable:
        """A new `threading.Event` whose `wait(timeout)` runs on this clock."""
        ...

    def condition(self) -> Condition:
        """A new `threading.Condition` whose `wait(timeout)` runs on this clock."""
        ...


class SystemClock:
    """The machine's clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def event(self) -> Waitable:
        return threading.Event()

    def condition(self) -> Condition:
        return threading.Condition()


SYSTEM: Clock = SystemClock()

"""The thread the live path runs on, so the radio's event loop only receives; and what the
collector asks of the live path (`LivePath`), so it never imports the wiring that builds it.

Why: the pipeline, the store's writes and a day's summary take time (an InfluxDB read may wait
10 s for a server that is away, a busy disk a second per write); run on bleak's event loop they
held up every notification behind them, and a sensor's buffer overflows in a few seconds. The
session hands each call for the live path to `LiveThread.call`, which queues it and returns an
awaitable: the loop goes on receiving while the thread works, and the calls run one at a time in
the order they were made (the live path is never used from two threads at once).

The thread waits on the clock's condition (`backcoach.clock`), so a test on a fake clock sees it
idle or busy as it is.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from backcoach.clock import SYSTEM, Clock

if TYPE_CHECKING:
    from backcoach.backfill import Resume
    from backcoach.processing.pipeline import StreamingPipeline
    from backcoach.processing.types import (
        DaySummary,
        Event,
        OverloadWarning,
        PipelineOutput,
        Samples,
    )
    from backcoach.storage.status import StatusWriter

log = logging.getLogger(__name__)

THREAD_NAME = "backcoach-live"  # "backcoach-": a thread the soak test's fake clock follows

T = TypeVar("T")
_Job = tuple[Callable[[], Any], asyncio.AbstractEventLoop, asyncio.Future]


class LivePath(Protocol):
    """The live run as the collector uses it (`live.run.LiveRun`, handed in by the command)."""

    pipeline: StreamingPipeline
    status: StatusWriter

    @property
    def stored_through_s(self) -> float: ...

    def recover(self) -> float: ...
    def push(self, samples: Samples) -> PipelineOutput: ...
    def write_events(self, events: list[Event]) -> None: ...
    def close_days(self, now_s: float) -> list[DaySummary]: ...
    def finish(self) -> list[DaySummary]: ...
    def snapshot(self) -> Resume: ...
    def adopt(self, resume: Resume) -> None: ...
    def drain_or_raise(self) -> None: ...
    def note_rewritten(self, start_s: float, end_s: float) -> None: ...
    def past_rules(self) -> Callable[[PipelineOutput], list[OverloadWarning]] | None: ...


class LiveThread:
    """One thread running calls in order; `call` awaits a call's result on the caller's loop."""

    def __init__(self, clock: Clock = SYSTEM, name: str = THREAD_NAME) -> None:
        self._cond = clock.condition()
        self._jobs: deque[_Job] = deque()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `fn(*args, **kwargs)` on the thread after the calls before it; its result or
        its exception. Cancelling the wait does not take the call back: it still runs, in
        order, so the calls after it see what it did."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._cond:
            if self._closed:
                raise RuntimeError("the live thread was closed")
            self._jobs.append((functools.partial(fn, *args, **kwargs), loop, future))
            self._cond.notify_all()
        return await future

    def close(self, timeout_s: float | None = None) -> None:
        """End the thread once the calls queued are done (waits up to `timeout_s`)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout_s)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closed:
                    self._cond.wait(None)
                if not self._jobs:
                    return
                job, loop, future = self._jobs.popleft()
            try:
                result, error = job(), None
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's await
                result, error = None, exc
            try:
                loop.call_soon_threadsafe(_settle, future, result, error)
            except RuntimeError:  # the loop is closed: no one waits any more
                if error is not None:
                    log.error("the live path failed after its session ended: %s", error)


def _settle(future: asyncio.Future, result: object, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)

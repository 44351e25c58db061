"""Delivery beside the collector: one thread per channel, retries with back-off, never blocking.

Why a thread per channel: an HTTP push may take seconds to time out, a desktop bus may hang; the
collector's loop must keep reading the sensor, and one slow channel must not delay the others.
`submit` only appends to each channel's queue and returns.

Each channel worker:
1. waits for a warning (or for its retry time);
2. sends the oldest waiting warning; on success drops it, on failure keeps it and waits
   `backoff_s(attempt)` before trying again, so warnings arrive in order once the channel is back;
3. logs a failure once when an outage starts and once when it ends ("recovered"), not per attempt;
4. keeps at most `max_pending` warnings; older ones are dropped first (logged once per outage).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from backcoach.alerts.base import Channel, ChannelResult, DeliveryError
from backcoach.backoff import Backoff
from backcoach.clock import SYSTEM, Clock
from backcoach.processing.types import OverloadWarning

log = logging.getLogger(__name__)

MAX_PENDING = 500  # warnings a channel keeps while it is down (a day holds a few dozen)
CHANNEL_BACKOFF = Backoff(base_s=2.0, cap_s=300.0)  # a push service down for days: every 5 min
JOIN_SLACK_S = 0.5  # extra time `close` gives a worker stuck inside a channel's send


@dataclass(frozen=True)
class ChannelStatus:
    """How a channel is doing, for status pages and tests."""

    name: str
    delivered: int
    pending: int
    dropped: int
    failing_since_s: float | None  # monotonic time the current outage started
    failures: int  # failed attempts in the current outage
    last_error: str


class _Worker:
    """One channel's queue and thread."""

    def __init__(
        self,
        channel: Channel,
        lang: str,
        backoff: Backoff,
        max_pending: int,
        on_sent: Callable[[str, OverloadWarning], None] | None,
        clock: Clock,
    ) -> None:
        self.channel = channel
        self.clock = clock
        self.lang = lang
        self.backoff = backoff
        self.on_sent = on_sent
        self.pending: deque[OverloadWarning] = deque(maxlen=max_pending)
        self.cond = clock.condition()
        self.delivered = 0
        self.dropped = 0
        self.drop_logged = False
        self.attempt = 0
        self.retry_at = 0.0
        self.failing_since: float | None = None
        self.last_error = ""
        self.stopping = False
        self.deadline = float("inf")
        self.thread = threading.Thread(
            target=self._run, name=f"backcoach-alert-{channel.name}", daemon=True
        )
        self.thread.start()

    def put(self, warning: OverloadWarning) -> None:
        with self.cond:
            if len(self.pending) == self.pending.maxlen:
                self.dropped += 1
                if not self.drop_logged:
                    self.drop_logged = True
                    log.warning(
                        "warning channel %s holds %d undelivered warnings; dropping the oldest",
                        self.channel.name,
                        self.pending.maxlen,
                    )
            self.pending.append(warning)
            self.cond.notify()

    def _next(self) -> OverloadWarning | None:
        """Step 1: the oldest warning once it is due, or None when the worker should end."""
        with self.cond:
            while True:
                now = self.clock.monotonic()
                if self.stopping and (not self.pending or now >= self.deadline):
                    return None
                if self.pending and now >= self.retry_at:
                    return self.pending[0]
                wake = self.retry_at if self.pending else float("inf")
                if self.stopping:
                    wake = min(wake, self.deadline)
                self.cond.wait(None if wake == float("inf") else max(wake - now, 0.0))

    def _run(self) -> None:
        while (warning := self._next()) is not None:
            try:
                # Step 2: the channel may block; the lock is not held meanwhile.
                self.channel.send(warning, self.lang)
            except Exception as exc:  # any failure of any channel: keep the warning, retry later
                self._failed(exc)
                continue
            self._sent(warning)

    def _failed(self, exc: Exception) -> None:
        now = self.clock.monotonic()
        with self.cond:
            self.attempt += 1
            self.retry_at = now + self.backoff.delay_s(self.attempt)
            self.last_error = str(exc) or type(exc).__name__
            if self.failing_since is None:  # step 3: once per outage
                self.failing_since = now
                log.warning(
                    "warning channel %s failed (%s); keeping %d warning(s) and retrying with "
                    "back-off",
                    self.channel.name,
                    self.last_error,
                    len(self.pending),
                )

    def _sent(self, warning: OverloadWarning) -> None:
        with self.cond:
            if self.pending and self.pending[0] is warning:
                self.pending.popleft()
            self.delivered += 1
            if self.failing_since is not None:
                log.info(
                    "warning channel %s recovered after %.0f s; %d waiting warning(s) follow",
                    self.channel.name,
                    self.clock.monotonic() - self.failing_since,
                    len(self.pending),
                )
            self.failing_since, self.attempt, self.retry_at = None, 0, 0.0
            self.drop_logged = False
        if self.on_sent is not None:
            self.on_sent(self.channel.name, warning)

    def stop(self, deadline: float) -> None:
        with self.cond:
            self.stopping, self.deadline = True, deadline
            self.cond.notify()

    def status(self) -> ChannelStatus:
        with self.cond:
            return ChannelStatus(
                self.channel.name,
                self.delivered,
                len(self.pending),
                self.dropped,
                self.failing_since,
                self.attempt,
                self.last_error,
            )


class Dispatcher:
    """Hands each warning to every channel without blocking the caller.

    Parameters
    ----------
    channels
        Where warnings go; each gets its own worker thread.
    lang
        'en' or 'nl': the message language sent.
    backoff
        Retry delays of a failing channel.
    on_sent
        Called as `on_sent(channel_name, warning)` after each delivery (status, benches).
    """

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        lang: str = "en",
        backoff: Backoff | None = None,
        max_pending: int = MAX_PENDING,
        on_sent: Callable[[str, OverloadWarning], None] | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.lang = lang
        self.channels = tuple(channels)
        self._backoff = backoff or CHANNEL_BACKOFF
        self._clock = clock
        self._workers = [
            _Worker(c, lang, self._backoff, max_pending, on_sent, clock) for c in self.channels
        ]
        self._closed = False

    def __repr__(self) -> str:
        return f"Dispatcher({[c.name for c in self.channels]}, lang={self.lang!r})"

    def submit(self, warning: OverloadWarning) -> None:
        """Queue a warning for every channel; returns at once."""
        if self._closed:
            log.debug("dispatcher closed; warning %s not sent", warning.rule)
            return
        for w in self._workers:
            w.put(warning)

    def submit_all(self, warnings: Iterable[OverloadWarning]) -> None:
        for warning in warnings:
            self.submit(warning)

    def status(self) -> list[ChannelStatus]:
        return [w.status() for w in self._workers]

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no channel holds a warning; False on timeout (for tests and demo)."""
        end = time.monotonic() + timeout_s
        while any(s.pending for s in self.status()):
            if time.monotonic() >= end:
                return False
            time.sleep(0.01)
        return True

    def close(self, timeout_s: float = 5.0) -> int:
        """Deliver what is waiting for up to `timeout_s`, then stop; returns warnings left."""
        self._closed = True
        for w in self._workers:
            w.stop(self._clock.monotonic() + timeout_s)
        joined_by = time.monotonic() + timeout_s + JOIN_SLACK_S  # threads end in real time
        for w in self._workers:
            w.thread.join(max(joined_by - time.monotonic(), 0.0))
        left = sum(s.pending for s in self.status())
        if left:
            log.warning("%d warning(s) were not delivered before shutdown", left)
        return left

    def __enter__(self) -> Dispatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def send_test(
    channels: Sequence[Channel], warning: OverloadWarning, *, lang: str, timeout_s: float
) -> list[ChannelResult]:
    """Send one warning to each channel now, in parallel, and report every outcome.

    A channel still busy after `timeout_s` is reported as timed out; its thread is left to
    finish on its own (daemon), so a hanging service cannot hang the command.
    """
    results: dict[str, ChannelResult] = {}
    threads = []
    for ch in channels:

        def attempt(ch: Channel = ch) -> None:
            t0 = time.monotonic()
            try:
                ch.send(warning, lang)
            except Exception as exc:  # report any failure, never raise
                reason = exc.reason if isinstance(exc, DeliveryError) else str(exc)
                results[ch.name] = ChannelResult(ch.name, False, reason, time.monotonic() - t0)
            else:
                results[ch.name] = ChannelResult(ch.name, True, "delivered", time.monotonic() - t0)

        th = threading.Thread(target=attempt, name=f"backcoach-test-{ch.name}", daemon=True)
        th.start()
        threads.append((ch, th))
    end = time.monotonic() + timeout_s
    for _ch, th in threads:
        th.join(max(end - time.monotonic(), 0.0))
    return [
        results.get(ch.name, ChannelResult(ch.name, False, f"no answer within {timeout_s:g} s"))
        for ch, _ in threads
    ]

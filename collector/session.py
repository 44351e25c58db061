"""A live collecting session: one sensor link delivering its samples to the live path.

Why separate from `ble.py`: the link knows bytes and time; the session delivers what it
receives. It batches samples into short chunks and hands them, with each gap as a `gap` event
and the link's facts for the live status, to the live path it was given (`LivePath`: the
command builds `live.run.LiveRun` through `live_factory`), and offers `buzz()` to the warnings'
delivery. Every call into the live path runs on the session's `LiveThread`, never on this
event loop, which only receives: the live path is built there while the link comes up and first
processes what a killed run left (its samples wait), and days close on the wall clock while no
samples come.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from backcoach.backfill import Hole, Resume
from backcoach.clock import SYSTEM, Clock
from backcoach.collector.ble import FoundSensor, LinkStats, SensorLink
from backcoach.collector.gap_filler import FillTotals, GapFiller
from backcoach.collector.live_thread import LivePath, LiveThread
from backcoach.collector.radio import Radio
from backcoach.collector.sensor_log import driver_for
from backcoach.config import Settings
from backcoach.errors import StoreUnavailable
from backcoach.processing.types import (
    DaySummary,
    Event,
    OverloadWarning,
    PipelineOutput,
    Samples,
)
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

CHUNK_S = 0.25  # wall seconds of samples handed to the pipeline at once (latency)
IDLE_S = 60.0  # while no samples come (sensor away): look this often, or when samples arrive
STATUS_S = 1.0  # wall seconds between status writes
RATE_WINDOW_S = 5.0  # the measured rate averages over this long
DAYS_EVERY_S = 10.0  # wall seconds between checks whether a day is due (daybook)

OutputHook = Callable[[PipelineOutput], list[OverloadWarning] | None]
DayHook = Callable[[DaySummary], list[OverloadWarning] | None]
LiveFactory = Callable[["CollectSession"], LivePath]


@dataclass(frozen=True)
class SessionResult:
    """What a finished session did, for the terminal and tests."""

    session: str
    samples: int
    lost_samples: int
    lost_packets: int
    corrupt: dict[str, int]
    connects: int
    watchdog_trips: int
    battery: int | None
    filled: FillTotals | None = None  # what the sensor's memory gave back (None: it has none)


class CollectSession:
    """Samples from one sensor, through the live path, into the store, until stopped.

    The live path is built by `live_factory(session)` on the session's live thread once `run()`
    has started the link: its imports (SciPy, the rules) take a second or more, and a collector
    restarted after a crash should be streaming again by then (its samples wait).
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        found: FoundSensor,
        *,
        live_factory: LiveFactory,
        rate_hz: float | None = None,
        range_g: float | None = None,
        watchdog_s: float | None = None,
        acquire_notify: bool = False,
        on_output: list[OutputHook] | None = None,
        on_day: list[DayHook] | None = None,
        session: str = "",
        clock: Clock = SYSTEM,
        radio: Radio | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.found = found
        self.clock = clock
        self.session = session or f"ble-{found.address}-{int(clock.time())}"
        self._turn = asyncio.Lock()  # held while the live path takes chunks or a gap is filled
        self.link = SensorLink(
            found,
            on_samples=self._on_samples,
            on_gap=self._on_gap,
            rate_hz=rate_hz,
            range_g=range_g,
            watchdog_s=watchdog_s or settings.sensor.watchdog_s,
            acquire_notify=acquire_notify,
            clock=clock,
            radio=radio,
            on_state=lambda _state: self._nudge.set(),
            on_link=self._on_link,
            claims=self._claims,
        )
        memory = driver_for(self.link.profile, self.link.timing, clock)
        self.filler = (  # the sensor's own memory fills the holes of the stream, where it has one
            None
            if memory is None
            else GapFiller(
                memory,
                store=store,
                stream_rate_hz=self.link.rate_hz,
                live=lambda: self.live,
                in_live=self._in_live,
                turn=self._turn,
                placement=settings.sensor.placement,
                session=self.session,
                clock=clock,
            )
        )
        self.on_output: list[OutputHook] = list(on_output or [])  # e.g. the warnings engine
        self.on_day: list[DayHook] = list(on_day or [])
        self.live: LivePath | None = None
        self._live_factory = live_factory
        self._thread: LiveThread | None = None  # runs every call into the live path (run())
        self._buffer: list[Samples | Hole] = []  # samples, and the holes between them
        self._gaps: list[Event] = []
        self._rate: list[tuple[float, int]] = []  # (wall time, samples so far) for the rate
        self.rate_hz = 0.0  # samples per second received, over the last RATE_WINDOW_S
        self._prepared = False  # the live path is built and has processed what a killed run left
        self._nudge = asyncio.Event()  # samples came, or streaming began or ended
        self.stop_event = asyncio.Event()

    @property
    def stats(self) -> LinkStats:
        return self.link.stats

    async def run(self, duration_s: float | None = None) -> SessionResult:
        """Collect until `stop()` (or Ctrl-C cancels) or `duration_s` passed; flush everything."""
        self._thread = LiveThread(self.clock)
        link = asyncio.create_task(self.link.run(self.stop_event))
        preparing = asyncio.ensure_future(self._in_live(self._prepare))
        filling = None
        if self.filler is not None:
            filling = asyncio.create_task(self.filler.run(self.stop_event))
        clock = self.clock
        deadline = None if duration_s is None else clock.monotonic() + duration_s
        days_at = clock.monotonic()
        # asyncio.wait, not wait_for: on Python 3.11 a Ctrl-C (the task's cancel) that meets
        # wait_for's timeout is swallowed as a TimeoutError, and collect ran on (CI saw it)
        stopped = asyncio.ensure_future(self.stop_event.wait())
        try:
            while not link.done():
                # a gap's commit holds the turn: the samples wait (no await between a check and
                # the call it lets through, so nothing slips in behind the commit's drain)
                if preparing.done() and not self._turn.locked():  # until then the samples wait
                    if preparing.exception() is not None:
                        break
                    self._prepared = True
                    await self._flush()
                    due = clock.monotonic() - days_at >= DAYS_EVERY_S
                    if due and not self._turn.locked():
                        days_at = clock.monotonic()
                        await self._in_live(self.live.close_days, clock.time())
                if not self._turn.locked():
                    await self._status()
                if deadline is not None and clock.monotonic() >= deadline:
                    self.stop_event.set()
                await self._next_turn(stopped, deadline)
                if self.stop_event.is_set():
                    await link
        finally:
            self.stop_event.set()
            stopped.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await link
            if filling is not None:  # a commit it started ends first (its thread must finish)
                with contextlib.suppress(asyncio.CancelledError):
                    await filling
            await asyncio.wait({preparing})  # built (or failed) before anything else is asked
            try:
                if self.live is not None and preparing.exception() is None:
                    self._prepared = True
                    await self._flush()
                    await self._in_live(self.live.finish)
                    await self._status(force=True)
            finally:
                await asyncio.to_thread(self._thread.close)
        preparing.result()  # the live path could not be built (e.g. a bad notify URL): say so
        return self.result()

    async def _next_turn(self, stopped: asyncio.Future, deadline: float | None) -> None:
        """Wait CHUNK_S while streaming; else until samples come or streaming ends (or IDLE_S:
        the days still close, the status still shows the collector alive)."""
        left_s = float("inf") if deadline is None else deadline - self.clock.monotonic()
        if self.link.stats.state == "streaming" or self._buffer:
            await asyncio.wait({stopped}, timeout=max(0.0, min(CHUNK_S, left_s)))
            return
        self._nudge.clear()
        arrived = asyncio.ensure_future(self._nudge.wait())
        try:
            await asyncio.wait(
                {stopped, arrived},
                timeout=max(0.0, min(IDLE_S, left_s)),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            arrived.cancel()

    def _prepare(self) -> None:
        """(On the live thread.) Build the live path, then process what a killed run left."""
        self.live = self._live_factory(self)
        try:
            self.live.recover()
        except StoreUnavailable as exc:
            log.warning("what an earlier run left was not processed: %s", exc)

    def stop(self) -> None:
        self.stop_event.set()

    async def buzz(self, duration_s: float = 0.5) -> bool:
        """Vibrate the sensor where it has a motor; a no-op (debug log) where it has none."""
        return await self.link.buzz(duration_s)

    def result(self) -> SessionResult:
        s = self.link.stats
        return SessionResult(
            self.session,
            s.samples,
            s.lost_samples,
            s.lost_packets,
            dict(s.corrupt),
            s.connects,
            s.watchdog_trips,
            s.battery,
            None if self.filler is None else self.filler.totals,
        )

    # -- internals -------------------------------------------------------------------------------
    async def _in_live(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run a call into the live path on the live thread, in order; the loop keeps receiving."""
        if self._thread is None:
            raise RuntimeError("the live thread starts with run()")
        return await self._thread.call(fn, *args, **kwargs)

    def _on_samples(self, samples: Samples) -> None:
        self._buffer.append(samples)
        self._nudge.set()

    def _on_link(self, client: object | None) -> None:
        if self.filler is not None:
            self.filler.link(client)

    def _claims(self, payload: bytes) -> bool:
        return self.filler is not None and self.filler.memory.claims(payload)

    def _on_gap(self, start_s: float, end_s: float, lost: int) -> None:
        log.info(
            "%s: %d samples lost (%.2f s), recorded as a gap",
            self.found.address,
            lost,
            end_s - start_s,
        )
        self._gaps.append(Event("gap", start_s, end_s, attrs={"samples_lost": float(lost)}))
        if self.filler is not None:  # the live state just before it is the backfill's start
            self._buffer.append(
                Hole(start_s, end_s, self.link.rate_hz, self.link.last_gap_sensor_s)
            )

    async def _flush(self) -> None:
        """Hand buffered samples and pending gaps to the live path (on its thread); then tell
        the gap filler, in the same order, what it took."""
        items, self._buffer = self._buffer, []
        gaps, self._gaps = self._gaps, []
        if not items and not gaps:
            return
        async with self._turn:
            taken = await self._in_live(self._hand_on, items, gaps)
            if self.filler is not None:
                for chunk, hole, resume in taken:
                    if hole is not None:
                        self.filler.hole(hole, resume)
                    else:
                        self.filler.pushed(chunk)

    def _hand_on(
        self, items: list[Samples | Hole], gaps: list[Event]
    ) -> list[tuple[Samples | None, Hole | None, Resume | None]]:
        """(On the live thread.) Push each run of samples; at a hole the filler will fill, take
        the live state first (`snapshot`, before the first samples after it). Gaps go through
        the live run's backlog: never lost."""
        live = self.live
        taken: list[tuple[Samples | None, Hole | None, Resume | None]] = []
        run: list[Samples] = []
        snapped = False  # one backfill starts per batch; later holes join it
        for item in items:
            if isinstance(item, Hole):
                taken += self._push(live, run)
                run = []
                wanted = (
                    not snapped and self.filler is not None and self.filler.wants_snapshot(item)
                )
                snapped = snapped or wanted
                taken.append((None, item, live.snapshot() if wanted else None))
            else:
                run.append(item)
        taken += self._push(live, run)
        if gaps:
            live.write_events(gaps)
        return taken

    @staticmethod
    def _push(live: LivePath, parts: list[Samples]) -> list[tuple[Samples, None, None]]:
        if not parts:
            return []
        chunk = Samples.concat(parts)
        live.push(chunk)
        return [(chunk, None, None)]

    async def _status(self, force: bool = False) -> None:
        """The link's facts to the live run's status writer (it writes what changed); until
        the live run is built they wait."""
        now = self.clock.monotonic()
        if not force and self._rate and now - self._rate[-1][0] < STATUS_S:
            return
        s = self.link.stats
        self._rate.append((now, s.samples))
        self._rate = [(t, n) for t, n in self._rate if now - t <= RATE_WINDOW_S]
        t0, n0 = self._rate[0]
        rate = (s.samples - n0) / (now - t0) if now > t0 else 0.0
        self.rate_hz = rate
        if not self._prepared:  # the live path is still being built: said once it is
            return
        await self._in_live(
            self.live.status.update,
            state=s.state,
            sensor=f"{self.found.name} {self.found.address} ({self.found.profile})",
            rate_hz=rate,
            packets_lost=s.lost_packets,
            battery=s.battery,
            **({} if s.last_sample_s is None else {"last_sample_s": s.last_sample_s}),
        )

"""A live session's holes filled from the sensor's memory while the stream goes on.

Why a unit of its own: the link (`ble.py`) knows bytes, the live run (`live.run.LiveRun`) knows
what samples are for; filling a hole needs both, and time. The session hands it every hole it
saw and every chunk it pushed; `run()` (a task beside the link) does the rest:

1. After each (re)connect, the sensor's memory is prepared (`sensor_log`): logging, at its rate.
2. A hole of at least `MIN_FILL_S` starts a `backfill.Backfill` from the live run's snapshot
   (taken by the session on the live thread just before the first chunk after the hole; see
   `wants_snapshot`); later holes join it.
3. The hole is read back (window by window, beside the live stream) into the backfill; a long
   one is committed every `backfill.PIECE_S` of filled time. When every hole is read and the
   backfill has caught up with the stream, the live path pauses (the session's `turn` is held:
   it holds its samples, a second or so), the last commit is written in a worker thread, and
   the live run goes on from the backfill's pipeline (`LiveRun.adopt`).
4. Only then, and every `RELEASE_EVERY_S` of streaming, the sensor erases what the store has
   confirmed (`confirmed_through_s`); a hole not yet filled is never erased. A hole whose
   read-out did not bring back all of it stays "unread": nothing from its first missing sample
   on is erased, and what the store still lacks in it is read again every `UNREAD_RETRY_S`
   (and after each connect) until it has been read again by the sensor's own clock (the hole's
   ends on it: what still does not come back, the sensor does not hold), the sensor's oldest
   sample is past it (it never kept that time: a full memory) or it is older than `MAX_AGE_S`.
   A read-out that finds nothing (a wrong range, a log that misbehaves) so leaves the night on
   the sensor for the next try.
5. Holes from before this session (a collector killed mid-read-out, a computer switched off)
   are found in the store once the clock has settled, and filled with `backfill.RangeRefill`.

A read that fails (the link went again) leaves the hole open; it is read again after the next
connect, from where the committed part ends. Every call into the live run goes through the
session's live thread (`in_live`), in order with the chunks it hands on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from backcoach.backfill import PIECE_S, Backfill, FillReport, Hole, RangeRefill, stored_holes
from backcoach.clock import SYSTEM, Clock
from backcoach.collector.sensor_log import ERASE_MARGIN_S, LOG_ERRORS, Anchors, MemoryDriver
from backcoach.errors import StoreUnavailable
from backcoach.processing.days import day_of
from backcoach.processing.types import Samples

if TYPE_CHECKING:
    from backcoach.backfill import Resume
    from backcoach.collector.live_thread import LivePath as LiveRun
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)

MIN_FILL_S = 5.0  # shorter holes are bridged by the pipeline anyway (PipelineConfig.gap_s)
MIN_EARLIER_S = 0.2  # ... but an earlier run's end (a kill loses < 1 s) is filled from 0.2 s
RELEASE_EVERY_S = 60.0  # host seconds between erasing what the store has confirmed
SETTLE_S = 20.0  # host seconds of streaming before holes of an earlier run are looked for
MAX_AGE_S = 24 * 3600.0  # an earlier run's holes are filled from at most this far back
RETRY_S = 5.0  # after a failed read, wait this long (host seconds) before the next try
UNREAD_RETRY_S = 600.0  # host seconds between reading a hole's missing part again
ANCHOR_S = 2.0  # stream kept before a hole (a log on a clock of its own is placed by it)
ANCHOR_SAMPLES = 64  # ... and samples kept after it


@dataclass
class FillTotals:
    """Everything filled in this session: for the terminal, the session result and the bench."""

    holes: int = 0
    filled: int = 0  # samples read back
    filled_s: float = 0.0
    missing_s: float = 0.0  # time in holes the sensor did not keep
    warnings: int = 0  # warnings for past moments (stored, not sent)
    read_s: float = 0.0  # host seconds spent reading back
    paused_s: float = 0.0  # longest pause of the live path for a final commit (wall seconds)
    reports: list[FillReport] = field(default_factory=list)

    def add(self, report: FillReport) -> None:
        self.holes += 1
        self.filled += report.filled
        self.filled_s += report.filled_s
        self.missing_s += report.missing_s
        self.warnings += report.warnings
        self.reports.append(report)


class GapFiller:
    """Fills a live session's holes from the sensor's memory; see the module docstring."""

    def __init__(
        self,
        memory: MemoryDriver,
        *,
        store: Store,
        stream_rate_hz: float,
        live: Callable[[], LiveRun | None],
        in_live: Callable[..., Awaitable[Any]],
        turn: asyncio.Lock,
        placement: str = "lower_back",
        session: str = "",
        clock: Clock = SYSTEM,
    ) -> None:
        self.memory = memory
        self.clock = clock
        self.store = store
        self.rate_hz = stream_rate_hz
        self._live = live
        self._in_live = in_live  # runs a call into the live run on its thread, in order
        self._turn = turn  # held by the session while it hands chunks on
        self.placement = placement
        self.session = session
        self.paused = False  # the session holds its samples while a final commit is written
        self.totals = FillTotals()
        self.backfill: Backfill | None = None
        self._waiting: list[Hole] = []  # holes seen before the live path was ready
        self._client: object | None = None
        self._ready = False  # the memory is prepared on this connection
        self._connected = asyncio.Event()
        self._wake = asyncio.Event()
        self._released_at = self.clock.time()
        self._first_s: float | None = None  # the session's first sample (host time)
        self._earlier_done = False
        self._retry_at = 0.0
        self._recent: list[Samples] = []  # the last ANCHOR_S of the stream
        self._anchors: dict[Hole, tuple[Samples, list[Samples]]] = {}  # before, after
        self._unread: list[Hole] = []  # holes not all read back: never erased past their start
        self._unread_at = 0.0  # host time of the next try at them

    # -- called by the session and the link (loop thread, never blocking) -------------------------
    def link(self, client: object | None) -> None:
        """The link is up (a client) or gone (None)."""
        self._client = client
        self._ready = False
        self._unread_at = 0.0  # a new link: try the unread holes again
        if client is None:
            self._connected.clear()
            self.memory.disconnected()
        else:
            self._connected.set()
        self._wake.set()

    def wants_snapshot(self, hole: Hole) -> bool:
        """(On the live thread, the session's turn held.) Whether this hole starts a backfill,
        so the live state is to be taken before the first chunk after it is pushed."""
        return hole.duration_s >= MIN_FILL_S and self.backfill is None

    def hole(self, hole: Hole, resume: Resume | None = None) -> None:
        """A hole of the stream, handed on just before the first chunk after it; `resume` is
        the live state taken there when `wants_snapshot` said so."""
        if hole.duration_s < MIN_FILL_S:
            return
        self._anchors[hole] = (Samples.concat(self._recent), [])
        if self.backfill is not None:
            self.backfill.add_hole(hole)
        elif resume is not None:
            self.backfill = Backfill(hole, resume)
        else:
            self._waiting.append(hole)
        self._wake.set()

    def pushed(self, chunk: Samples) -> None:
        """A chunk the live path took (after any snapshot): the backfill follows it."""
        if not len(chunk):
            return
        if self._first_s is None:
            self._first_s = float(chunk.t_s[0])
        self._recent = [c for c in self._recent if c.t_s[-1] > chunk.t_s[-1] - ANCHOR_S] + [chunk]
        for _before, after in self._anchors.values():
            if sum(len(c) for c in after) < ANCHOR_SAMPLES:
                after.append(chunk)
        if self.backfill is not None:
            self.backfill.add_live(chunk)

    # -- the task ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Prepare, fill and release until `stop`; failures wait for the next connect."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 1.0)
            self._wake.clear()
            if stop.is_set() or self._client is None:
                continue
            try:
                await self._step()
            except (*LOG_ERRORS, StoreUnavailable) as exc:
                log.info("reading the sensor's memory paused: %s", exc)
                self._retry_at = self.clock.time() + RETRY_S

    async def _step(self) -> None:
        client = self._client
        if not self._ready:
            self._ready = await self.memory.prepare(client)
            if not self._ready:
                return
        if self.clock.time() < self._retry_at:
            return
        live = self._live()
        if live is None:
            return
        if self.backfill is not None:
            await self._fill(live)
        elif not self._earlier_done and self._settled():
            await self._fill_earlier(live)
        elif self._unread and self.clock.time() >= self._unread_at:
            await self._fill_unread(live)
        elif self.clock.time() - self._released_at >= RELEASE_EVERY_S:
            await self._release(live)

    async def _fill(self, live: LiveRun) -> None:
        bf = self.backfill
        while bf.current is not None:
            hole = bf.current
            read_from = self.clock.time()
            trimmed = Hole(
                max(hole.host_from_s, bf.cursor_s), hole.host_to_s, hole.rate_hz, hole.sensor_s
            )
            async for samples in self.memory.read(trimmed, self._anchors_of(hole)):
                bf.add_filled(samples)
                if bf.held_s >= PIECE_S:
                    await self._commit(live, final=False)
            self.totals.read_s += self.clock.time() - read_from
            report = bf.hole_done()
            self._anchors.pop(hole, None)
            self._say(report)
            self.totals.add(report)
            if report.missing_s > 0.0:
                self._unread.append(hole)  # never erased past until the sensor is seen not to
                self._unread_at = self.clock.time() + UNREAD_RETRY_S  # hold it (or it is read)
        await self._commit(live, final=True)
        await self._release(live)

    async def _commit(self, live: LiveRun, *, final: bool) -> None:
        """Write the backfill's range; the final one swaps the live pipeline (live path paused)."""
        bf = self.backfill
        async with self._turn:  # the session hands nothing on meanwhile
            self.paused = True
            paused_at = self.clock.monotonic()
            try:
                # nothing the live path produced may land after the commit
                await self._in_live(live.drain_or_raise)
                lo, hi = await asyncio.to_thread(bf.commit, self.store, final=final)
                if final:
                    await self._in_live(live.adopt, bf.resume())
                    self.backfill = None
                await self._in_live(live.note_rewritten, lo, hi)
            finally:
                self.paused = False
                if final:
                    waited = self.clock.monotonic() - paused_at
                    self.totals.paused_s = max(self.totals.paused_s, waited)

    async def _release(self, live: LiveRun) -> None:
        """Erase on the sensor what the store has confirmed."""
        self._released_at = self.clock.time()
        through = self.confirmed_through_s(live)
        if np.isfinite(through):
            await self.memory.release(through)

    def confirmed_through_s(self, live: LiveRun) -> float:
        """Every sample taken before this host time is in the store (or not worth keeping)."""
        through = live.stored_through_s
        if self.backfill is not None:
            through = min(through, self.backfill.committed_through_s)
        for hole in (*self._waiting, *self._unread):
            through = min(through, hole.host_from_s)
        return through

    def _anchors_of(self, hole: Hole) -> Anchors | None:
        before, after = self._anchors.get(hole, (Samples.empty(), []))
        return Anchors(before, Samples.concat(after)) if len(before) or after else None

    def _settled(self) -> bool:
        return self._first_s is not None and self.clock.time() - self._first_s >= SETTLE_S

    async def _fill_earlier(self, live: LiveRun) -> None:
        """Holes from before this session that the sensor's memory still covers."""
        self._earlier_done = True
        holes = list(self._waiting)
        self._waiting = []
        state = await self.memory.state()
        if state is not None and state.oldest_s is not None and self._first_s is not None:
            since = max(state.oldest_s, self.clock.time() - MAX_AGE_S)
            holes += await asyncio.to_thread(
                stored_holes, self.store, since, self._first_s, self.rate_hz, MIN_EARLIER_S
            )
        if not holes:
            await self._release(live)
            return
        for hole in sorted(holes, key=lambda h: h.host_from_s):
            report = await self._refill(live, hole)
            self._say(report, earlier=True)
            self.totals.add(report)
        await self._release(live)

    async def _fill_unread(self, live: LiveRun) -> None:
        """Read again what the store still lacks of the holes not all read back; let go of
        what was read again by the sensor's own clock, what the sensor no longer holds (its
        oldest sample is past it) and what is too old."""
        self._unread_at = self.clock.time() + UNREAD_RETRY_S
        state = await self.memory.state()
        oldest = None if state is None else state.oldest_s
        if state is not None and state.held == 0:
            oldest = float("inf")  # an empty log holds none of them
        too_old = self.clock.time() - MAX_AGE_S
        keep: list[Hole] = []
        for hole in self._unread:
            # the stored stream on either side is looked at too: a range ending inside a
            # second would otherwise show the stored stream after it as missing
            left = await asyncio.to_thread(
                stored_holes,
                self.store,
                hole.host_from_s - ANCHOR_S,
                hole.host_to_s + ANCHOR_S,
                self.rate_hz,
                MIN_EARLIER_S,
            )
            left = [
                _within(part, hole)
                for part in left
                if part.host_from_s < hole.host_to_s
                and part.host_to_s > max(hole.host_from_s, too_old)
                and (oldest is None or part.host_to_s - ERASE_MARGIN_S > oldest)
            ]
            if not left:
                log.info(
                    "%.0f s out of range: what the sensor kept of it is stored", hole.duration_s
                )
                continue
            for part in left:
                report = await self._refill(live, part)
                if report.filled:  # a part read again: counted as filled time, not a new hole
                    self.totals.filled += report.filled
                    self.totals.filled_s += report.filled_s
                    self.totals.warnings += report.warnings
                    self.totals.reports.append(report)
                    self._say(report)
            if all(part.sensor_s is not None for part in left):
                # read again by the sensor's own clock: what did not come back, it does not hold
                log.info(
                    "%.0f s out of range: read again; the sensor did not keep what is missing",
                    hole.duration_s,
                )
                continue
            keep.append(hole)  # read through the clock mapping: tried again later
        self._unread = keep
        await self._release(live)

    async def _refill(self, live: LiveRun, hole: Hole) -> FillReport:
        """Read one hole the store lacks (not the live one) and write it as one change; the
        caller counts it."""
        rules = await self._in_live(live.past_rules)  # the rules' state, copied in order
        reference = await self._in_live(lambda: live.pipeline.calibration)
        refill = RangeRefill(
            self.store,
            holes=[hole],
            reference=reference,
            placement=self.placement,
            engine_factory=lambda: rules,
            session=self.session,
        )
        read_from = self.clock.time()
        anchors = await asyncio.to_thread(stored_anchors, self.store, hole)
        async for samples in self.memory.read(hole, anchors):
            refill.add(samples)
        self.totals.read_s += self.clock.time() - read_from
        (report,) = await asyncio.to_thread(refill.finish)
        await self._in_live(live.note_rewritten, *refill.span)
        return report

    def _say(self, report: FillReport, *, earlier: bool = False) -> None:
        hole = report.hole
        when = day_of(hole.host_from_s) if earlier else "the gap"
        if report.filled == 0:
            log.info(
                "%.0f s out of range (%s): not in the sensor's memory; it stays a gap",
                hole.duration_s,
                when,
            )
            return
        log.info(
            "%.0f s out of range: %.0f s read back from the sensor's memory (%d samples)%s%s",
            hole.duration_s,
            report.filled_s,
            report.filled,
            f", {report.missing_s:.0f} s it did not keep stay a gap" if report.missing_s else "",
            f", {report.warnings} warnings for that time stored (not sent)"
            if report.warnings
            else "",
        )


def _within(part: Hole, hole: Hole) -> Hole:
    """A part of a hole, its ends on the sensor clock by the hole's own line where it has one
    (the log is then read by its own clock, not through the mapping of a later stream)."""
    if hole.sensor_s is None or hole.duration_s <= 0:
        return part
    (s_a, s_b), h_a = hole.sensor_s, hole.host_from_s
    scale = (s_b - s_a) / hole.duration_s
    ends = (s_a + (part.host_from_s - h_a) * scale, s_a + (part.host_to_s - h_a) * scale)
    return Hole(part.host_from_s, part.host_to_s, part.rate_hz, ends)


def stored_anchors(store: Store, hole: Hole) -> Anchors:
    """The stored samples just around a hole (`sensor_log.align`)."""
    before = store.read_samples(hole.host_from_s - ANCHOR_S, hole.host_from_s + 1e-6)
    after = store.read_samples(hole.host_to_s - 1e-6, hole.host_to_s + ANCHOR_S)
    return Anchors(before, after)

"""A sensor's own memory over Bluetooth: keep it logging, read a hole back, erase what is stored.

Why: the link to a desk computer drops whenever the wearer walks off, and those minutes are the
ones the guidance counts. Sensors that log on board (the open profile's log, MetaWear's logging
module) keep logging while connected too, so whatever the link loses is in their memory. One
driver per family speaks its protocol (bytes in `profiles/open_log.py`,
`profiles/metamotion_log.py`) behind the same four calls:

1. `prepare(client)` after every (re)connect: is there a log? make sure it is logging, at
   `LOG_RATE_HZ` where the family can choose (the pipeline's own rate: nothing it uses is lost);
2. `read(hole)`: the samples taken inside a hole, in order, on the host clock. The open profile
   keeps the stream's clock, so a hole the session saw has both ends on both clocks and every
   sample between is placed by interpolating between them (the drift model of `ble_timing`,
   linear across the gap); otherwise (MetaWear's tick clock, a hole from an earlier run) times
   come from the clock mapping and only samples strictly inside the hole are kept, so nothing
   stored is duplicated;
3. `release(host_s)`: erase every sample taken before `host_s`, which the caller promises the
   store has confirmed (erased late rather than early: `ERASE_MARGIN_S`);
4. `state()`: what the memory holds, for the log lines and `scan`.

A read-out runs beside the live stream (the open profile on its own characteristic; MetaWear's
entries on the shared notify characteristic, routed here by `claims`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from bleak.exc import BleakError

from backcoach.backfill import Hole
from backcoach.clock import SYSTEM, Clock
from backcoach.collector.ble_timing import SampleClock
from backcoach.collector.profiles import metamotion_log as mw
from backcoach.collector.profiles import open_log, open_profile
from backcoach.collector.profiles.base import DecodeError, Profile
from backcoach.processing.types import Samples

log = logging.getLogger(__name__)

LOG_RATE_HZ = 25.0  # the pipeline's internal rate (PipelineConfig.fs_hz): enough for every step
REPLY_TIMEOUT_S = 5.0  # a log command unanswered this long failed
PROBE_TIMEOUT_S = 2.0  # a MetaWear without a logging module never answers its info read
READ_WINDOW_S = 600.0  # sensor seconds asked for per read (re-read whole if a packet is lost)
READ_STALL_S = 10.0  # a read-out silent this long has stalled (the link is bad)
READ_TRIES = 3
ERASE_MARGIN_S = 2.0  # erase this much short of what the store confirmed
TIME_READS = 3  # MetaWear time reads per sync (the fastest answer is the truest)
CHUNK_SAMPLES = 1000  # MetaWear samples handed on at once


@dataclass(frozen=True)
class MemoryState:
    """What a sensor's memory holds now (host times; None where it is empty or unknown)."""

    oldest_s: float | None
    newest_s: float | None
    held: int  # samples
    capacity: int  # samples
    rate_hz: float
    full: bool

    @property
    def capacity_h(self) -> float:
        return self.capacity / self.rate_hz / 3600.0 if self.rate_hz else 0.0


class MemoryDriver(Protocol):
    """One sensor family's log, as the session uses it (see the module docstring)."""

    family: str
    rate_hz: float

    async def prepare(self, client: object) -> bool: ...

    def read(self, hole: Hole, anchors: Anchors | None = None) -> AsyncIterator[Samples]: ...

    async def release(self, host_s: float) -> None: ...

    async def state(self) -> MemoryState | None: ...

    def claims(self, payload: bytes) -> bool: ...

    def disconnected(self) -> None: ...


class LogFailed(Exception):
    """The log did not answer as its protocol says (internal; the fill is retried later)."""


#: What talking to a sensor's log may raise: the link's failures and the log's own.
LOG_ERRORS = (BleakError, TimeoutError, EOFError, OSError, KeyError, LogFailed, DecodeError)


def driver_for(profile: Profile, timing: SampleClock, clock: Clock = SYSTEM) -> MemoryDriver | None:
    """The memory driver of a profile's family, or None where backcoach reads no log (yet).
    `timing` is the stream's sample clock (`SensorLink.timing`), `clock` the runtime's."""
    if profile.name == "open":
        return OpenMemory(timing, clock)
    if profile.name == "metamotion":
        return MetaWearMemory(timing, clock)
    return None


#: Whether a family's gaps are filled from its memory, and how or why not (`scan`, the docs).
GAP_FILL: dict[str, tuple[bool, str]] = {
    "open": (True, "its on-board log, where the firmware has one (docs/sensor-protocol.md)"),
    "metamotion": (True, "MetaWear's logging module"),
    "polar": (
        False,
        "left out: an H10 records heart rate only, no motion; a Verity Sense's offline "
        "recording needs Polar's file transfer (PFTP), which backcoach does not speak yet",
    ),
    "movesense": (
        False,
        "left out: its DataLogger is read as Logbook files whose layout depends on the "
        "firmware build; backcoach does not read them yet",
    ),
    "witmotion": (False, "it has no on-board log"),
    "thingy": (False, "it has no on-board log"),
}


def _anchored(hole: Hole) -> Callable[[np.ndarray], np.ndarray] | None:
    """Host times of sensor times inside a hole the session saw: linear between its two ends."""
    if hole.sensor_s is None:
        return None
    (s_a, s_b), h_a, h_b = hole.sensor_s, hole.host_from_s, hole.host_to_s
    if s_b <= s_a:
        return None
    scale = (h_b - h_a) / (s_b - s_a)
    return lambda s: h_a + (np.asarray(s, np.float64) - s_a) * scale


@dataclass(frozen=True)
class Anchors:
    """Stored samples just before and just after a hole: a log that keeps the same samples on
    a clock of its own is placed by finding them (`align`)."""

    before: Samples
    after: Samples


ANCHOR_RUN = 5  # samples that must match in a row to anchor a log on the stream


def align(log_t: np.ndarray, log_acc: np.ndarray, ref: Samples, *, at_end: bool) -> float | None:
    """The shift (s) that puts log times on the stream's own, from a run of samples both hold.

    `at_end`: match the last samples of `ref` (the stream before a hole), else its first ones
    (after it). Samples are compared exactly: both sides decode the same counts the same way.
    None when the run is not found, or found more than once (a sensor lying perfectly still).
    """
    n = ANCHOR_RUN
    if len(ref) < n or log_t.size < n:
        return None
    run = ref.acc_g[-n:] if at_end else ref.acc_g[:n]
    first = np.flatnonzero(np.all(log_acc[: log_t.size - n + 1] == run[0], axis=1))
    hits = [j for j in first if np.array_equal(log_acc[j : j + n], run)]
    if len(hits) != 1:
        return None
    j = hits[0]
    return float(ref.t_s[-1] - log_t[j + n - 1]) if at_end else float(ref.t_s[0] - log_t[j])


def anchored(t: np.ndarray, acc: np.ndarray, anchors: Anchors) -> np.ndarray:
    """Log times shifted onto the stream's by the samples found on either side of a hole
    (linearly between them: the crystals' drift over the gap); as they were if none is found."""
    before = align(t, acc, anchors.before, at_end=True)
    after = align(t, acc, anchors.after, at_end=False)
    if before is None or after is None:
        shift = before if before is not None else after
        return t if shift is None else t + shift
    a, b = float(anchors.before.t_s[-1]), float(anchors.after.t_s[0])
    w = np.clip((t - a) / (b - a), 0.0, 1.0) if b > a else np.zeros_like(t)
    return t + (1 - w) * before + w * after


def inside(samples: Samples, hole: Hole) -> Samples:
    """The samples strictly inside a hole, half a stream period clear of its ends.

    A hole's ends are stored samples; the log holds those very samples too, placed by the
    hole's own clock line, which can sit a few ms from where the live stream put them. Half a
    period is the even split: the edge sample read again is dropped and the first missing one
    (a period inside) kept while the two clocks differ by less than half a period (a quarter
    let an edge sample 5 ms off at 50 Hz be stored twice)."""
    margin = 0.5 / hole.rate_hz
    keep = (samples.t_s > hole.host_from_s + margin) & (samples.t_s < hole.host_to_s - margin)
    return Samples(samples.t_s[keep], samples.acc_g[keep])


class _Replies:
    """Responses awaited one command at a time (a log answers each command once)."""

    def __init__(self) -> None:
        self._waiting: tuple[Callable[[object], bool], asyncio.Future] | None = None

    def expect(self, match: Callable[[object], bool]) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self._waiting = (match, fut)
        return fut

    def offer(self, response: object) -> bool:
        if self._waiting is None:
            return False
        match, fut = self._waiting
        if fut.done() or not match(response):
            return False
        fut.set_result(response)
        self._waiting = None
        return True

    def fail(self, exc: BaseException) -> None:
        if self._waiting is not None and not self._waiting[1].done():
            self._waiting[1].set_exception(exc)
        self._waiting = None


class OpenMemory:
    """The open profile's log (docs/sensor-protocol.md, "On-board log")."""

    family = "open"

    def __init__(self, timing: SampleClock, clock: Clock = SYSTEM) -> None:
        self.timing = timing
        self.clock = clock
        self.rate_hz = LOG_RATE_HZ
        self.range_g = 8.0
        self._client = None
        self._replies = _Replies()
        self._packets: list[tuple[int, float, np.ndarray]] = []  # (counter, first s, acc_g)
        self._read_done: asyncio.Future | None = None
        self._lock = asyncio.Lock()

    # -- the protocol ------------------------------------------------------------------------
    async def prepare(self, client: object) -> bool:
        services = getattr(client, "services", None)
        if services is None or services.get_characteristic(open_log.LOG_CONTROL_UUID) is None:
            return False
        self._client = client
        await client.start_notify(open_log.LOG_CONTROL_UUID, self._on_control)
        await client.start_notify(open_log.LOG_DATA_UUID, self._on_data)
        # a read-out an earlier run left going (it was killed) would keep the log busy
        await client.write_gatt_char(open_log.LOG_CONTROL_UUID, open_log.abort(), True)
        status = await self._command(open_log.status())
        if not status.logging and not status.full:
            status = await self._command(open_log.start(LOG_RATE_HZ, self.range_g))
            log.info("the sensor logs on board at %g Hz from now on", status.rate_hz)
        self.rate_hz = status.rate_hz or LOG_RATE_HZ
        return True

    async def state(self) -> MemoryState | None:
        if self._client is None:
            return None
        s = await self._command(open_log.status())
        to_host = self.timing.host_of
        return MemoryState(
            None if s.oldest_s is None else float(to_host(s.oldest_s)),
            None if s.newest_s is None else float(to_host(s.newest_s)),
            s.count,
            s.capacity,
            s.rate_hz,
            s.full,
        )

    async def read(self, hole: Hole, anchors: Anchors | None = None) -> AsyncIterator[Samples]:
        """The logged samples inside `hole`, window by window, oldest first (the log keeps the
        stream's clock: `anchors` are not needed)."""
        place = _anchored(hole)
        if hole.sensor_s is not None:
            start_s, end_s = hole.sensor_s[0] + 1e-6, hole.sensor_s[1]
        else:
            start_s = self.timing.sensor_of(hole.host_from_s)
            end_s = self.timing.sensor_of(hole.host_to_s)
        if place is None:
            place = self.timing.host_of
        log.debug(
            "reading the log over sensor s %.3f..%.3f for host s %.3f..%.3f",
            start_s,
            end_s,
            hole.host_from_s,
            hole.host_to_s,
        )
        a = start_s
        while a < end_s:
            b = min(end_s, a + READ_WINDOW_S)
            t_sensor, acc = await self._read_window(a, b)
            if t_sensor.size:
                yield inside(Samples(place(t_sensor), acc), hole)
            a = b

    async def release(self, host_s: float) -> None:
        if self._client is None:
            return
        through = self.timing.sensor_of(host_s - ERASE_MARGIN_S)
        if through > 0:
            await self._command(open_log.erase(through))

    def claims(self, payload: bytes) -> bool:
        return False  # the open profile's log has characteristics of its own

    def disconnected(self) -> None:
        self._client = None
        self._replies.fail(LogFailed("the link went"))
        if self._read_done is not None and not self._read_done.done():
            self._read_done.set_exception(LogFailed("the link went during a read"))

    # -- internals ---------------------------------------------------------------------------
    async def _command(self, payload: bytes) -> open_log.LogStatus:
        """Send a status-answering command; its status (raises LogFailed on a refusal)."""
        async with self._lock:
            op = payload[0]
            fut = self._replies.expect(lambda r: isinstance(r, open_log.Response) and r.op == op)
            await self._client.write_gatt_char(open_log.LOG_CONTROL_UUID, payload, True)
            reply: open_log.Response = await asyncio.wait_for(fut, REPLY_TIMEOUT_S)
        if not reply.ok or reply.status is None:
            what = open_log.RESULTS.get(reply.result, reply.result)
            raise LogFailed(f"log command {op} refused: {what}")
        return reply.status

    async def _read_window(self, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        """Samples logged in [a, b) (sensor seconds); a window with a lost packet is re-read."""
        for attempt in range(1, READ_TRIES + 1):
            async with self._lock:
                self._packets = []
                self._read_done = asyncio.get_running_loop().create_future()
                await self._client.write_gatt_char(
                    open_log.LOG_CONTROL_UUID, open_log.read(a, b), True
                )
                done = await self._wait_read()
            counters = [p[0] for p in self._packets]
            whole = (
                counters == list(range(done.packets))
                and sum(p[2].shape[0] for p in self._packets) == done.samples
            )
            if whole:
                return self._assemble()
            log.info("a read-out packet was lost (try %d); reading that stretch again", attempt)
        raise LogFailed("the read-out kept losing packets")

    async def _wait_read(self) -> open_log.ReadDone:
        """The read's end; a read-out silent for READ_STALL_S has stalled."""
        count = -1
        while True:
            try:
                reply = await asyncio.wait_for(asyncio.shield(self._read_done), READ_STALL_S)
            except TimeoutError:
                if len(self._packets) == count:
                    with contextlib.suppress(Exception):
                        await self._client.write_gatt_char(
                            open_log.LOG_CONTROL_UUID, open_log.abort(), True
                        )
                    raise LogFailed("the read-out stalled") from None
                count = len(self._packets)
                continue
            return reply

    def _assemble(self) -> tuple[np.ndarray, np.ndarray]:
        if not self._packets:
            return np.empty(0), np.empty((0, 3), np.float32)
        period = 1.0 / self.rate_hz
        t = np.concatenate(
            [first + np.arange(acc.shape[0]) * period for _, first, acc in self._packets]
        )
        acc = np.concatenate([p[2] for p in self._packets])
        order = np.argsort(t, kind="stable")
        return t[order], acc[order]

    def _on_control(self, _char: object, data: bytearray) -> None:
        try:
            reply = open_log.decode_response(bytes(data))
        except DecodeError as exc:
            log.debug("log control: %s", exc)
            return
        reading = self._read_done is not None and not self._read_done.done()
        if reading and reply.op == open_log.OP_READ:
            if reply.done is not None:
                self._read_done.set_result(reply.done)
            else:
                what = open_log.RESULTS.get(reply.result, reply.result)
                self._read_done.set_exception(LogFailed(f"the log refused a read: {what}"))
            return
        self._replies.offer(reply)

    def _on_data(self, _char: object, data: bytearray) -> None:
        try:
            frame = open_profile.decode(bytes(data))
        except DecodeError as exc:
            log.debug("log data: %s", exc)
            return
        self._packets.append((int(frame.seq), float(frame.first_t_s), frame.acc_g))


class TickClock:
    """MetaWear's logging clock (ticks of 48/32768 s) on the host clock.

    Each time read is answered after a delivery delay, so the smallest offset (arrival minus
    tick time) is the truest; a line through the per-sync minima follows the crystal's drift
    over a long session (as `ble_timing.SampleClock` does for the stream).
    """

    def __init__(self) -> None:
        self._points: list[tuple[float, float]] = []  # (tick seconds, min offset)

    def add(self, pairs: list[tuple[int, float]]) -> None:
        if pairs:
            offsets = [(tick * mw.TICK_S, rx - tick * mw.TICK_S) for tick, rx in pairs]
            self._points.append(min(offsets, key=lambda p: p[1]))
            self._points = self._points[-60:]

    @property
    def ready(self) -> bool:
        return bool(self._points)

    def host_of(self, ticks: np.ndarray) -> np.ndarray:
        s = np.asarray(ticks, np.float64) * mw.TICK_S
        x = np.array([p[0] for p in self._points])
        y = np.array([p[1] for p in self._points])
        if x.size < 3 or x[-1] - x[0] < 300.0:
            return s + y.min()
        slope, intercept = np.polyfit(x - x[0], y, 1)
        return s + intercept + slope * (s - x[0])

    def tick_of(self, host_s: float) -> float:
        lo, hi = 0.0, 2.0**33
        for _ in range(80):  # host_of is monotonic: bisect
            mid = (lo + hi) / 2
            if float(self.host_of(np.array([mid]))[0]) < host_s:
                lo = mid
            else:
                hi = mid
        return lo


class MetaWearMemory:
    """MetaWear's logging module for the accelerometer (MetaMotion)."""

    family = "metamotion"

    def __init__(self, timing: SampleClock, clock: Clock = SYSTEM) -> None:
        self.stream_clock = timing
        self.clock = clock
        self.rate_hz = timing.rate_hz  # logs what it streams (one data signal)
        self.range_g = 8.0
        self.ticks = TickClock()
        self.capacity = 0
        self.reset_uid: int | None = None
        self.ids = (0, 1)
        self._client = None
        self._replies = _Replies()
        self._entries: list[mw.Entries] = []
        self._left: asyncio.Future | None = None
        self._lock = asyncio.Lock()
        self._last_sync = 0.0

    def claims(self, payload: bytes) -> bool:
        """Logging-module notifications on the data characteristic are the log's."""
        if not mw.is_logging(payload):
            return False
        try:
            response = mw.decode(payload)
        except DecodeError as exc:
            log.debug("log: %s", exc)
            return True
        if isinstance(response, mw.Entries):
            self._entries.append(response)
        elif isinstance(response, mw.Progress) and response.left == 0:
            if self._left is not None and not self._left.done():
                self._left.set_result(0)
        elif response is not None:
            self._replies.offer(response)
        return True

    async def prepare(self, client: object) -> bool:
        self._client = client
        try:
            info = await self._ask(mw.read_info(), mw.Info, PROBE_TIMEOUT_S)
        except TimeoutError:
            self._client = None
            return False  # no logging module answered
        self.capacity = info.capacity // 2
        ids = []
        for trigger_id in (0, 1):
            cfg = await self._ask(mw.read_trigger(trigger_id), mw.TriggerConfig)
            ids.append((cfg.offset, cfg.length) if cfg.module == mw.ACC_MODULE else None)
        if ids != [mw.XY_SPEC, mw.Z_SPEC]:
            await self._send(mw.remove_all())
            xy = await self._ask(mw.add_trigger(*mw.XY_SPEC), mw.TriggerAdded)
            z = await self._ask(mw.add_trigger(*mw.Z_SPEC), mw.TriggerAdded)
            self.ids = (xy.id, z.id)
            log.info("the sensor logs its accelerometer on board from now on")
        await self._send(mw.circular(False))  # memory full: keep the oldest
        await self._send(mw.enable(True))
        await self._sync_time()
        return True

    async def state(self) -> MemoryState | None:
        if self._client is None:
            return None
        n = (await self._ask(mw.read_length(), mw.Length)).entries
        return MemoryState(None, None, n // 2, self.capacity, self.rate_hz, n >= 2 * self.capacity)

    async def read(self, hole: Hole, anchors: Anchors | None = None) -> AsyncIterator[Samples]:
        """Every entry from the oldest to now is read (MetaWear reads from the oldest); the
        samples inside the hole are handed on, a thousand at a time, once the read is whole.

        The logging clock's ticks are placed by the time reads (`TickClock`), then shifted onto
        the stream's own times where the samples around the hole are found in the log (it holds
        what was streamed until that is erased), linearly between the two ends: the hole's
        first and last samples sit one period from the stored ones, never on top of them.
        """
        await self._sync_time()
        async with self._lock:
            n = (await self._ask(mw.read_length(), mw.Length)).entries
            if n == 0:
                return
            self._entries, self._left = [], asyncio.get_running_loop().create_future()
            await self._send(mw.notify(mw.READOUT_NOTIFY, True))
            await self._send(mw.notify(mw.READOUT_PROGRESS, True))
            await self._send(mw.readout(n, max(n // 10, 1)))
            parts: list[tuple[np.ndarray, np.ndarray]] = []
            finished = False
            while not finished:
                finished = await self._wait_entries(2 * CHUNK_SAMPLES)
                ticks, acc, self._entries = self._whole_samples(finished)
                parts.append((ticks, acc))
        ticks = np.concatenate([p[0] for p in parts])
        acc = np.concatenate([p[1] for p in parts])
        t = self.ticks.host_of(ticks)
        if anchors is not None:
            t = anchored(t, acc, anchors)
        samples = inside(Samples(t, acc), hole)
        for a in range(0, len(samples), CHUNK_SAMPLES):
            yield Samples(samples.t_s[a : a + CHUNK_SAMPLES], samples.acc_g[a : a + CHUNK_SAMPLES])

    async def release(self, host_s: float) -> None:
        """Drop the entries taken before `host_s`: the oldest one's tick says how many."""
        if self._client is None:
            return
        async with self._lock:
            n = (await self._ask(mw.read_length(), mw.Length)).entries
            if n < 2:
                return
            self._entries, self._left = [], asyncio.get_running_loop().create_future()
            await self._send(mw.notify(mw.READOUT_NOTIFY, True))
            await self._send(mw.readout(2, 0))
            deadline = self.clock.monotonic() + REPLY_TIMEOUT_S
            while sum(e.ids.size for e in self._entries) < 2 and self.clock.monotonic() < deadline:
                await asyncio.sleep(0.02)
            if not self._entries:
                return
            first = self._entries[0]
            oldest_tick = int(first.ticks[0])
            through = self.ticks.tick_of(host_s - ERASE_MARGIN_S)
            samples = int(np.floor((through - oldest_tick) * mw.TICK_S * self.rate_hz))
            drop = 2 * samples - (1 if first.ids[0] == self.ids[1] else 0)
            drop = min(max(drop, 0), n)
            if drop:
                await self._send(mw.drop(drop))
            self._entries = []

    def disconnected(self) -> None:
        self._client = None
        self._replies.fail(LogFailed("the link went"))
        if self._left is not None and not self._left.done():
            self._left.set_exception(LogFailed("the link went during a read-out"))

    # -- internals ---------------------------------------------------------------------------
    async def _send(self, payload: bytes) -> None:
        from backcoach.collector.profiles.metamotion import COMMAND_UUID

        await asyncio.wait_for(
            self._client.write_gatt_char(COMMAND_UUID, payload, True), REPLY_TIMEOUT_S
        )

    async def _ask(self, payload: bytes, kind: type, timeout_s: float = REPLY_TIMEOUT_S):
        fut = self._replies.expect(lambda r: isinstance(r, kind))
        await self._send(payload)
        return await asyncio.wait_for(fut, timeout_s)

    async def _sync_time(self) -> None:
        """A few time reads: ticks against host arrival times."""
        pairs = []
        for _ in range(TIME_READS):
            sent = self.clock.time()
            t = await self._ask(mw.read_time(), mw.Time)
            pairs.append((t.tick, (sent + self.clock.time()) / 2))
            self.reset_uid = t.reset_uid
        self.ticks.add(pairs)
        self._last_sync = self.clock.monotonic()

    async def _wait_entries(self, enough: int) -> bool:
        """Until `enough` entries came (False) or the read-out ended (True); a read-out that
        sends nothing for READ_STALL_S has stalled (the link is bad: LogFailed)."""
        got, since = -1, self.clock.monotonic()
        while True:
            if self._left.done():
                self._left.result()  # raises if the link went
                return True
            now_got = sum(e.ids.size for e in self._entries)
            if now_got >= enough:
                return False
            if now_got != got:
                got, since = now_got, self.clock.monotonic()
            elif self.clock.monotonic() - since > READ_STALL_S:
                raise LogFailed("the read-out stalled")
            await asyncio.sleep(0.02)

    def _whole_samples(self, finished: bool) -> tuple[np.ndarray, np.ndarray, list[mw.Entries]]:
        """(ticks, acc_g) of the whole samples among the entries so far, and the entries left
        over (an x/y entry whose z has not come yet); samples from before a sensor restart
        (another reset uid: another clock) are skipped."""
        if not self._entries:
            return np.empty(0, np.int64), np.empty((0, 3), np.float32), []
        cols = [
            np.concatenate([getattr(e, k) for e in self._entries])
            for k in ("ids", "reset_uids", "ticks", "data")
        ]
        rest: list[mw.Entries] = []
        if not finished and cols[0][-1] == self.ids[0]:
            rest = [mw.Entries(*(c[-1:] for c in cols))]
            cols = [c[:-1] for c in cols]
        ticks, acc, uids = mw.samples_from_entries(mw.Entries(*cols), *self.ids, self.range_g)
        same_boot = uids == (self.reset_uid or 0)
        if not same_boot.all():
            skipped = int((~same_boot).sum())
            log.info("%d logged samples are from before a sensor restart: skipped", skipped)
        return ticks[same_boot], acc[same_boot], rest

"""The emulated sensors' on-board logs: what they keep, and how they answer for it.

Why apart from `emulated_sensors.py`: that module is what a sensor streams; this one is what it
remembers. Both logs are kept lazily as runs of sensor sample indices (a sample is the wearer's
signal at that index, as streamed), so a night of logging costs nothing until it is read:

- `SampleLog`: runs of logged indices at a step (the open profile logs every k-th streamed
  sample), a capacity, and the "keep the oldest" policy: when full, logging stops until an
  erase frees room (the time in between is never logged).
- `OpenLog`: the open profile's log commands (docs/sensor-protocol.md), answered with the
  profile's own encoders (`collector/profiles/open_log.py`).
- `MetaWearLog`: MbientLab's logging module (0x0B) for the accelerometer's two loggers (x/y and
  z entries, one tick each), from the published register map.

Read-outs are paced by the emulated link's throughput (`readout_bps`, bytes per second of the
paced clock) and run beside the live stream, as on a real link.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from backcoach.collector.profiles import metamotion_log as mw
from backcoach.collector.profiles import open_log, open_profile

READOUT_BPS = 20_000.0  # the emulated link's read-out throughput (an assumption, not measured)
OPEN_PER_PACKET = 38  # samples per read-out packet (ATT MTU 247)
OPEN_CAPACITY = 2_000_000  # samples: 2 MB of flash at 6 bytes a sample, minus some for the index
MW_CAPACITY = 1_000_000  # entries: a MetaMotion RL's 8 MB (MbientLab: "~1M entries")


@dataclass
class SampleLog:
    """Logged sensor sample indices as runs [first, end) at `step`; oldest kept when full."""

    capacity: int  # samples
    step: int = 1
    runs: list[list[int | None]] = field(default_factory=list)  # [first, end or None (open)]
    full: bool = False
    skip_first: int = 0  # entries of the oldest sample already dropped (MetaWear: 0 or 1)

    @property
    def open(self) -> bool:
        return bool(self.runs) and self.runs[-1][1] is None

    def count(self, now: int) -> int:
        """Samples held at sensor index `now` (after `settle`)."""
        return sum(self._run_len(r, now) for r in self.runs)

    def _run_len(self, run: list[int | None], now: int) -> int:
        first, end = run[0], run[1] if run[1] is not None else now
        return max(0, -(-(end - first) // self.step))

    def settle(self, now: int) -> None:
        """Close the open run where the memory filled up (the oldest are kept)."""
        if not self.open:
            return
        held = self.count(now)
        if held > self.capacity:
            over = held - self.capacity
            self.runs[-1][1] = now - over * self.step
            self.full = True

    def start(self, now: int) -> None:
        if self.open or self.full:
            return
        first = -(-now // self.step) * self.step  # on the step's grid, like the sensor's timer
        self.runs.append([first, None])

    def stop(self, now: int) -> None:
        self.settle(now)
        if self.open:
            self.runs[-1][1] = now
        self.runs = [r for r in self.runs if r[1] is None or r[1] > r[0]]

    def indices(self, now: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Logged indices in [lo, hi), oldest first."""
        self.settle(now)
        parts = []
        for first, end in self.runs:
            end = now if end is None else end
            a = max(first, -(-(lo - first) // self.step) * self.step + first)
            b = end if hi is None else min(end, hi)
            if b > a:
                parts.append(np.arange(a, b, self.step, dtype=np.int64))
        return np.concatenate(parts) if parts else np.empty(0, np.int64)

    def drop_before(self, now: int, index: int, logging: bool) -> None:
        """Erase every sample taken before `index`; a full log logs again from `now`."""
        self.settle(now)
        for run in self.runs:
            if run[0] < index:
                run[0] = run[0] + -(-(index - run[0]) // self.step) * self.step
        self.runs = [r for r in self.runs if r[1] is None or r[1] > r[0]]
        self.skip_first = 0
        self._resume(now, logging)

    def drop_oldest(self, now: int, samples: int, logging: bool) -> None:
        held = self.indices(now)
        if samples >= len(held):
            self.runs = [r for r in self.runs if r[1] is None]
            if self.runs:
                self.runs[-1][0] = now
            self.skip_first = 0
        else:
            self.drop_before(now, int(held[samples]), logging)
            return
        self._resume(now, logging)

    def _resume(self, now: int, logging: bool) -> None:
        if self.full and self.count(now) < self.capacity:
            self.full = False
            if logging and not self.open:
                self.start(now)


class Pacer:
    """Sends at most `bps` bytes per second of the paced clock (the emulated link's throughput)."""

    def __init__(self, bps: float, speed: float) -> None:
        self.wall_bps = bps * speed
        self._budget = 0.0
        self._at = time.monotonic()

    async def take(self, nbytes: int) -> None:
        while True:
            now = time.monotonic()
            self._budget = min(self._budget + (now - self._at) * self.wall_bps, 4 * 244.0)
            self._at = now
            if self._budget >= nbytes:
                self._budget -= nbytes
                return
            await asyncio.sleep(max(0.002, (nbytes - self._budget) / self.wall_bps))


@dataclass
class LogStats:
    """What a test or the bench can ask of a log."""

    reads: int = 0
    read_samples: int = 0
    read_packets: int = 0
    erases: list[float] = field(default_factory=list)  # sensor seconds (open) or entries (mw)
    started: int = 0
    #: (monotonic time, what): every read finished ("read", from, to, samples sent) and every
    #: erase ("erase", through), in order: whether a stretch was erased before it was read
    history: list[tuple] = field(default_factory=list)


class OpenLog:
    """The open profile's log: commands on the log control characteristic."""

    def __init__(self, dev, spec: dict) -> None:
        self.dev = dev  # the emulated Device (sensor_index_now, signal_at, rate_hz, notify)
        self.stream_rate = dev.rate_hz
        self.rate_hz = float(spec.get("rate_hz", 25.0))
        self.log = SampleLog(int(spec.get("capacity", OPEN_CAPACITY)), 1)
        self.bps = float(spec.get("readout_bps", READOUT_BPS))
        self.range_g = 8.0
        self.logging = False
        self.stats = LogStats()
        self._reading: asyncio.Task | None = None

    def status_of(self, now: int) -> open_log.LogStatus:
        held = self.log.indices(now)
        return open_log.LogStatus(
            logging=self.logging,
            full=self.log.full,
            rate_hz=self.rate_hz,
            range_g=self.range_g,
            count=int(held.size),
            capacity=self.log.capacity,
            oldest_s=float(held[0]) / self.stream_rate if held.size else None,
            newest_s=float(held[-1]) / self.stream_rate if held.size else None,
        )

    def on_write(self, value: bytes, reply: Callable[[bytes], None]) -> None:
        now = self.dev.sensor_index_now()
        try:
            op, args = open_log.parse_command(value)
        except Exception:  # noqa: BLE001 - a firmware answers "unknown" to anything it cannot read
            reply(open_log.encode_error(value[0] if value else 0, open_log.RESULT_UNKNOWN))
            return
        busy = self._reading is not None and not self._reading.done()
        if op == open_log.OP_START:
            rate, self.range_g = args
            step = self.stream_rate / rate if rate > 0 else 0
            if step < 1 or abs(step - round(step)) > 1e-9:
                reply(open_log.encode_error(op, open_log.RESULT_BAD_ARGUMENT))
                return
            if not self.logging:
                self.rate_hz, self.log.step = rate, int(round(step))
                self.logging = True
                self.stats.started += 1
                self.dev.ensure_origin()
                self.log.start(now)
        elif op == open_log.OP_STOP:
            self.logging = False
            self.log.stop(now)
        elif op == open_log.OP_ERASE:
            if busy:
                reply(open_log.encode_error(op, open_log.RESULT_BUSY))
                return
            self.log.drop_before(now, int(np.ceil(args[0] * self.stream_rate - 1e-6)), self.logging)
            self.stats.erases.append(args[0])
            self.stats.history.append((time.monotonic(), "erase", args[0]))
        elif op == open_log.OP_READ:
            if busy:
                reply(open_log.encode_error(op, open_log.RESULT_BUSY))
                return
            self._reading = asyncio.get_running_loop().create_task(self._read(*args, reply))
            return
        elif op == open_log.OP_ABORT:
            if self._reading is not None:
                self._reading.cancel()
            return
        reply(open_log.encode_status(op, self.status_of(now)))

    async def _read(self, from_s: float, to_s: float, reply: Callable[[bytes], None]) -> None:
        """Send the logged samples in [from_s, to_s) in packets, at the link's pace."""
        rate = self.stream_rate
        lo, hi = int(np.ceil(from_s * rate - 1e-6)), int(np.ceil(to_s * rate - 1e-6))
        idx = self.log.indices(self.dev.sensor_index_now(), lo, hi)
        self.stats.reads += 1
        pacer = Pacer(self.bps, self.dev.speed)
        sent = packets = 0
        next_s = to_s
        try:
            breaks = np.flatnonzero(np.diff(idx) != self.log.step) + 1
            for run in np.split(idx, breaks) if idx.size else []:
                for a in range(0, run.size, OPEN_PER_PACKET):
                    part = run[a : a + OPEN_PER_PACKET]
                    t_us = round(int(part[0]) / rate * 1e6)
                    payload = open_profile.encode(packets, t_us, self.dev.signal_at(part))
                    await pacer.take(len(payload) + 3)
                    if not self.dev.notify(open_log.LOG_DATA_UUID, payload):
                        return  # the link went: the read is over
                    sent += part.size
                    packets += 1
                    self.stats.read_samples += part.size
                    self.stats.read_packets += 1
                    next_s = (int(part[-1]) + 1) / rate
            done = open_log.ReadDone(sent, packets, to_s)
            self.stats.history.append((time.monotonic(), "read", from_s, to_s, sent))
            reply(open_log.encode_read_done(open_log.OP_READ, done))
        except asyncio.CancelledError:
            done = open_log.ReadDone(sent, packets, next_s)
            reply(open_log.encode_read_done(open_log.OP_ABORT, done))

    def stop_reading(self) -> None:
        if self._reading is not None:
            self._reading.cancel()

    def summary(self) -> dict:
        now = self.dev.sensor_index_now()
        s = self.status_of(now)
        return {
            "logging": s.logging,
            "full": s.full,
            "count": s.count,
            "capacity": s.capacity,
            "rate_hz": s.rate_hz,
            "oldest_s": s.oldest_s,
            "newest_s": s.newest_s,
            "runs": [[int(a), None if b is None else int(b)] for a, b in self.log.runs],
            "step": self.log.step,
            "reads": self.stats.reads,
            "read_samples": self.stats.read_samples,
            "erases": self.stats.erases,
            "started": self.stats.started,
            "history": self.stats.history,
        }


class MetaWearLog:
    """MbientLab's logging module for the accelerometer's data signal."""

    def __init__(self, dev, spec: dict) -> None:
        self.dev = dev
        self.log = SampleLog(int(spec.get("capacity", MW_CAPACITY)) // 2, 1)
        self.capacity_entries = self.log.capacity * 2
        self.bps = float(spec.get("readout_bps", READOUT_BPS))
        self.triggers: dict[int, tuple[int, int, int, int]] = {}  # id -> module, reg, offset, len
        self.enabled = False
        self.acc_on = False
        self.reset_uid = 0
        self.notify_on = {mw.READOUT_NOTIFY: False, mw.READOUT_PROGRESS: False}
        self.stats = LogStats()
        self._reading: asyncio.Task | None = None

    # -- what the log holds ----------------------------------------------------------------
    def _logging(self) -> bool:
        xy = (mw.ACC_MODULE, mw.ACC_DATA, *mw.XY_SPEC) in self.triggers.values()
        return self.enabled and self.acc_on and xy

    def _sync(self, now: int) -> None:
        """Open or close the run of logged samples as logging and the accelerometer go."""
        if self._logging():
            self.dev.ensure_origin()
            self.log.start(now)
        else:
            self.log.stop(now)

    def tick_of(self, index: np.ndarray) -> np.ndarray:
        """The logging clock's tick when sample `index` was taken (the same crystal)."""
        return np.floor(np.asarray(index) / self.dev.rate_hz / mw.TICK_S).astype(np.int64)

    def entries(self, now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, ticks, data words) of every entry held, oldest first."""
        idx = self.log.indices(now)
        ids = self._ids()
        counts = np.clip(np.round(self.dev.signal_at(idx) * (32768.0 / 8.0)), -32768, 32767)
        c = counts.astype("<i2")
        xy = np.frombuffer(c[:, :2].copy().tobytes(), "<u4")
        z = np.frombuffer(np.hstack([c[:, 2:3], np.zeros_like(c[:, 2:3])]).tobytes(), "<u4")
        ticks = np.repeat(self.tick_of(idx), 2)
        data = np.empty(2 * idx.size, np.uint32)
        data[0::2], data[1::2] = xy, z
        kinds = np.tile(np.array(ids, np.int64), idx.size)
        skip = self.log.skip_first
        return kinds[skip:], ticks[skip:], data[skip:]

    def _ids(self) -> tuple[int, int]:
        by_spec = {(o, n): i for i, (_m, _r, o, n) in self.triggers.items()}
        return by_spec.get(mw.XY_SPEC, 0), by_spec.get(mw.Z_SPEC, 1)

    # -- commands --------------------------------------------------------------------------
    def on_acc_power(self, on: bool) -> None:
        self.acc_on = on
        self._sync(self.dev.sensor_index_now())

    def on_write(self, value: bytes, reply: Callable[[bytes], None]) -> None:
        now = self.dev.sensor_index_now()
        reg, body = value[1], value[2:]
        if reg == mw.INFO | mw.READ:
            cap = struct.pack("<I", self.capacity_entries)
            reply(bytes([mw.LOGGING, reg, 0, 3, 8]) + cap + struct.pack("<H", 16))
        elif reg == mw.TIME | mw.READ:
            tick = int(self.tick_of(np.array([now]))[0])
            reply(bytes([mw.LOGGING, reg]) + struct.pack("<IB", tick, self.reset_uid))
        elif reg == mw.LENGTH | mw.READ:
            entries = int(2 * self.log.indices(now).size - self.log.skip_first)
            reply(bytes([mw.LOGGING, reg]) + struct.pack("<I", entries))
        elif reg == mw.TRIGGER and len(body) == 4:
            free = next(i for i in range(32) if i not in self.triggers)
            spec = body[3]
            self.triggers[free] = (body[0], body[1], spec & 0x1F, (spec >> 5) + 1)
            reply(bytes([mw.LOGGING, mw.TRIGGER, free]))
            self._sync(now)
        elif reg == mw.TRIGGER | mw.READ and body:
            t = self.triggers.get(body[0])
            if t is None:
                reply(bytes([mw.LOGGING, reg]))
            else:
                spec = ((t[3] - 1) << 5) | t[2]
                reply(bytes([mw.LOGGING, reg, t[0], t[1], mw.NO_INDEX, spec]))
        elif reg == mw.REMOVE_ALL:
            self.triggers.clear()
            self._sync(now)
        elif reg == mw.ENABLE and body:
            self.enabled = body[0] == 1
            self._sync(now)
        elif reg == mw.CIRCULAR:
            pass  # always "stop when full": what backcoach asks for (the only mode modelled)
        elif reg in self.notify_on and body:
            self.notify_on[reg] = body[0] == 1
        elif reg == mw.READOUT and len(body) >= 8:
            n, every = struct.unpack_from("<II", body)
            if self._reading is None or self._reading.done():
                loop = asyncio.get_running_loop()
                self._reading = loop.create_task(self._readout(n, every, reply))
        elif reg == mw.DROP and len(body) >= 4:
            (n,) = struct.unpack_from("<I", body)
            self._drop(now, n)
            self.stats.erases.append(float(n))

    def _drop(self, now: int, n: int) -> None:
        total = self.log.skip_first + n
        self.log.drop_oldest(now, total // 2, self._logging())
        if self.log.indices(now).size:
            self.log.skip_first = total % 2

    async def _readout(self, n: int, every: int, reply: Callable[[bytes], None]) -> None:
        now = self.dev.sensor_index_now()
        ids, ticks, data = self.entries(now)
        n = min(n, ids.size)
        self.stats.reads += 1
        pacer = Pacer(self.bps, self.dev.speed)
        sent = 0
        for a in range(0, n, 2):
            b = min(a + 2, n)
            payload = mw.encode_entries(
                ids[a:b].tolist(), self.reset_uid, ticks[a:b].tolist(), data[a:b].tolist()
            )
            await pacer.take(len(payload) + 3)
            if self.notify_on[mw.READOUT_NOTIFY] and not self.dev.notify_data(payload):
                return
            sent = b
            self.stats.read_packets += 1
            self.stats.read_samples += (b - a) // 2
            if every and self.notify_on[mw.READOUT_PROGRESS] and sent % every < 2 and sent < n:
                reply(bytes([mw.LOGGING, mw.READOUT_PROGRESS]) + struct.pack("<I", n - sent))
        if self.notify_on[mw.READOUT_PROGRESS]:
            reply(bytes([mw.LOGGING, mw.READOUT_PROGRESS]) + struct.pack("<I", 0))

    def stop_reading(self) -> None:
        if self._reading is not None:
            self._reading.cancel()

    def summary(self) -> dict:
        now = self.dev.sensor_index_now()
        idx = self.log.indices(now)
        return {
            "logging": self._logging(),
            "full": self.log.full,
            "count": int(idx.size),
            "entries": int(2 * idx.size - self.log.skip_first),
            "capacity": self.capacity_entries,
            "oldest_index": int(idx[0]) if idx.size else None,
            "runs": [[int(a), None if b is None else int(b)] for a, b in self.log.runs],
            "reads": self.stats.reads,
            "read_samples": self.stats.read_samples,
            "erases": self.stats.erases,
            "triggers": {str(k): list(v) for k, v in self.triggers.items()},
        }

"""The open profile's on-board log: command and response bytes (docs/sensor-protocol.md, "Log").

Why a log: the link to a desk computer drops whenever the wearer walks off; a sensor that keeps
what it measured can hand it over when it is back in range. This module is bytes only (pure,
testable without Bluetooth); `collector/sensor_log.py` holds the conversation.

Log control characteristic (write with response; responses come back as notifications on it):

    01 start   u16 log rate (Hz), u8 range (g)      -> status
    02 stop                                         -> status
    03 status                                       -> status
    04 read    u64 from (µs), u64 to (µs)           -> packets on log data, then "read done"
    05 erase   u64 through (µs): drop samples < it  -> status
    06 abort   (a running read)                     -> read done

    response: u8 op | 0x80, u8 result (0 ok, 1 unknown op, 2 bad argument, 3 busy), payload
    status:   u8 flags (bit 0 logging, bit 1 full), u16 rate Hz, u8 range g, u32 samples held,
              u32 capacity (samples), u64 oldest µs, u64 newest µs
    read done: u32 samples sent, u16 packets sent, u64 next µs (where a resumed read starts)

Read-out packets on the log data characteristic have the data packets' layout (version 1); their
counter counts the packets of this read from 0, and a packet never spans a hole in the log.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from backcoach.collector.profiles.base import DecodeError

LOG_CONTROL_UUID = "b0acc005-7a5e-4f1b-9c3d-5e2f6a8b1c0d"
LOG_DATA_UUID = "b0acc006-7a5e-4f1b-9c3d-5e2f6a8b1c0d"

OP_START, OP_STOP, OP_STATUS, OP_READ, OP_ERASE, OP_ABORT = 1, 2, 3, 4, 5, 6
RESULT_OK, RESULT_UNKNOWN, RESULT_BAD_ARGUMENT, RESULT_BUSY = 0, 1, 2, 3
RESULTS = {
    RESULT_OK: "ok",
    RESULT_UNKNOWN: "unknown command",
    RESULT_BAD_ARGUMENT: "bad argument",
    RESULT_BUSY: "busy",
}
FLAG_LOGGING, FLAG_FULL = 0x01, 0x02

STATUS = struct.Struct("<BHBIIQQ")
READ_DONE = struct.Struct("<IHQ")
_RANGE = struct.Struct("<QQ")


@dataclass(frozen=True, slots=True)
class LogStatus:
    """What the log holds; times in seconds on the sensor's clock (None when it is empty)."""

    logging: bool
    full: bool
    rate_hz: float
    range_g: float
    count: int
    capacity: int
    oldest_s: float | None
    newest_s: float | None


@dataclass(frozen=True, slots=True)
class ReadDone:
    """The end of a read: what the sensor sent, and where a read of the rest would start."""

    samples: int
    packets: int
    next_s: float


@dataclass(frozen=True, slots=True)
class Response:
    """One notification on the log control characteristic."""

    op: int
    result: int
    status: LogStatus | None = None
    done: ReadDone | None = None

    @property
    def ok(self) -> bool:
        return self.result == RESULT_OK


def _us(t_s: float) -> int:
    return max(0, int(round(t_s * 1e6)))


def start(rate_hz: float, range_g: float) -> bytes:
    return struct.pack("<BHB", OP_START, int(rate_hz), int(range_g))


def stop() -> bytes:
    return bytes([OP_STOP])


def status() -> bytes:
    return bytes([OP_STATUS])


def read(from_s: float, to_s: float) -> bytes:
    """Read the samples taken at sensor times in [from_s, to_s)."""
    return bytes([OP_READ]) + _RANGE.pack(_us(from_s), _us(to_s))


def erase(through_s: float) -> bytes:
    """Drop every sample taken before `through_s` (sensor time)."""
    return bytes([OP_ERASE]) + struct.pack("<Q", _us(through_s))


def abort() -> bytes:
    return bytes([OP_ABORT])


def decode_response(payload: bytes) -> Response:
    """A log control notification; raises DecodeError (kind 'log') for anything else."""
    payload = bytes(payload)
    if len(payload) < 2 or not payload[0] & 0x80:
        raise DecodeError("open", "log", f"{payload[:4].hex()} is not a log response")
    op, result = payload[0] & 0x7F, payload[1]
    body = payload[2:]
    if result != RESULT_OK:
        return Response(op, result)
    if op in (OP_START, OP_STOP, OP_STATUS, OP_ERASE):
        if len(body) != STATUS.size:
            raise DecodeError("open", "log", f"status of {len(body)} bytes, expected {STATUS.size}")
        flags, rate, rng, count, capacity, oldest, newest = STATUS.unpack(body)
        return Response(
            op,
            result,
            status=LogStatus(
                logging=bool(flags & FLAG_LOGGING),
                full=bool(flags & FLAG_FULL),
                rate_hz=float(rate),
                range_g=float(rng),
                count=count,
                capacity=capacity,
                oldest_s=oldest * 1e-6 if count else None,
                newest_s=newest * 1e-6 if count else None,
            ),
        )
    if op in (OP_READ, OP_ABORT):
        if len(body) != READ_DONE.size:
            raise DecodeError("open", "log", f"read done of {len(body)} bytes")
        samples, packets, next_us = READ_DONE.unpack(body)
        return Response(op, result, done=ReadDone(samples, packets, next_us * 1e-6))
    raise DecodeError("open", "log", f"unknown response op {op}")


def encode_status(op: int, s: LogStatus, result: int = RESULT_OK) -> bytes:
    """The status response a sensor sends (the emulator and firmware tests use it)."""
    flags = (FLAG_LOGGING if s.logging else 0) | (FLAG_FULL if s.full else 0)
    oldest = _us(s.oldest_s) if s.oldest_s is not None else 0
    newest = _us(s.newest_s) if s.newest_s is not None else 0
    body = STATUS.pack(flags, int(s.rate_hz), int(s.range_g), s.count, s.capacity, oldest, newest)
    return bytes([op | 0x80, result]) + body


def encode_read_done(op: int, done: ReadDone) -> bytes:
    return bytes([op | 0x80, RESULT_OK]) + READ_DONE.pack(
        done.samples, done.packets & 0xFFFF, _us(done.next_s)
    )


def encode_error(op: int, result: int) -> bytes:
    return bytes([op | 0x80, result])


def parse_command(payload: bytes) -> tuple[int, tuple[float, ...]]:
    """(op, arguments in Hz/g/seconds) of a command (the emulator and firmware tests use it)."""
    payload = bytes(payload)
    if not payload:
        raise DecodeError("open", "log", "empty command")
    op, body = payload[0], payload[1:]
    if op == OP_START and len(body) == 3:
        rate, rng = struct.unpack("<HB", body)
        return op, (float(rate), float(rng))
    if op in (OP_STOP, OP_STATUS, OP_ABORT) and not body:
        return op, ()
    if op == OP_READ and len(body) == _RANGE.size:
        a, b = _RANGE.unpack(body)
        return op, (a * 1e-6, b * 1e-6)
    if op == OP_ERASE and len(body) == 8:
        return op, (struct.unpack("<Q", body)[0] * 1e-6,)
    raise DecodeError("open", "log", f"command {payload[:4].hex()} of {len(payload)} bytes")

"""MetaWear's logging module (0x0B) as bytes, from MbientLab's published protocol.

Source: the MetaWear API specification (github.com/mbientlab/MetaWear-API,
docs/api-specification.md, "0x0B - Logging Module") and the register numbers of
MetaWear-SDK-Cpp's `logging_register.h`; implemented from those documented facts, not from the
SDK's code (its licence limits it to MbientLab hardware). Pure bytes; the conversation is in
`collector/sensor_log.py`.

- Commands go to the command characteristic as `[0x0B, register, payload]`; a read sets bit 7
  of the register (`0x84` reads the time). Responses arrive on the notify characteristic.
- A logger ("trigger") logs 1-4 bytes of a data signal: `[0B 02 module register index
  (length-1)<<5 | offset]` answers `[0B 02 id]`. An accelerometer sample (6 bytes) needs two:
  x, y (offset 0, 4 bytes) and z (offset 4, 2 bytes).
- Each log entry is `id | reset_uid << 5` (1 byte), a tick (u32, 48/32768 s), 4 data bytes;
  read-out notifications `[0B 07 entry entry?]` carry one or two entries (11 or 20 bytes).
- Time `[0B 84]` -> `[0B 84 tick(u32) reset_uid]`; length `[0B 85]` -> `[0B 85 entries(u32)]`;
  module info `[0B 80]` -> `[0B 80 impl rev triggers capacity(u32) min_readout(u16)]`.
- Read-out `[0B 06 n(u32) notify_every(u32)]` sends the oldest n entries, progress
  `[0B 08 left(u32)]` every `notify_every` entries and at the end (0). Entries stay in flash
  until dropped: `[0B 09 n(u32)]` drops the oldest n. (Page-complete notifications, which
  clear each page when the host confirms it, are left off: backcoach drops entries only after
  the store has them.)
- Circular buffer `[0B 0B 0]`: logging stops when the memory is full (the oldest are kept).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from backcoach.collector.profiles.base import DecodeError

LOGGING = 0x0B
INFO, ENABLE, TRIGGER, REMOVE, TIME, LENGTH = 0x00, 0x01, 0x02, 0x03, 0x04, 0x05
READOUT, READOUT_NOTIFY, READOUT_PROGRESS, DROP, REMOVE_ALL, CIRCULAR = 6, 7, 8, 9, 0x0A, 0x0B
PAGE_COMPLETED, PAGE_CONFIRM = 0x0D, 0x0E
READ = 0x80
ACC_MODULE, ACC_DATA, NO_INDEX = 0x03, 0x04, 0xFF
TICK_S = 48.0 / 32768.0  # one tick of the logging clock
ENTRY = struct.Struct("<BII")  # id | reset_uid << 5, tick, data
XY_SPEC, Z_SPEC = (0, 4), (4, 2)  # (offset, length) of the two loggers of one sample


@dataclass(frozen=True, slots=True)
class Info:
    revision: int
    capacity: int  # entries


@dataclass(frozen=True, slots=True)
class Time:
    tick: int
    reset_uid: int


@dataclass(frozen=True, slots=True)
class Length:
    entries: int


@dataclass(frozen=True, slots=True)
class TriggerAdded:
    id: int


@dataclass(frozen=True, slots=True)
class TriggerConfig:
    """A logger as read back: what it logs (empty `module` = no logger with that id)."""

    id: int
    module: int | None = None
    register: int | None = None
    offset: int = 0
    length: int = 0


@dataclass(frozen=True, slots=True)
class Entries:
    """Log entries as columns: id, reset uid, tick, 4 data bytes (u32)."""

    ids: np.ndarray
    reset_uids: np.ndarray
    ticks: np.ndarray
    data: np.ndarray


@dataclass(frozen=True, slots=True)
class Progress:
    left: int


Response = Info | Time | Length | TriggerAdded | TriggerConfig | Entries | Progress


def _cmd(register: int, payload: bytes = b"") -> bytes:
    return bytes([LOGGING, register]) + payload


def read_info() -> bytes:
    return _cmd(INFO | READ)


def read_time() -> bytes:
    return _cmd(TIME | READ)


def read_length() -> bytes:
    return _cmd(LENGTH | READ)


def add_trigger(offset: int, length: int) -> bytes:
    """A logger for `length` bytes at `offset` of the accelerometer's data signal."""
    spec = ((length - 1) << 5) | offset
    return _cmd(TRIGGER, bytes([ACC_MODULE, ACC_DATA, NO_INDEX, spec]))


def read_trigger(trigger_id: int) -> bytes:
    return _cmd(TRIGGER | READ, bytes([trigger_id]))


def remove_all() -> bytes:
    return _cmd(REMOVE_ALL)


def enable(on: bool) -> bytes:
    return _cmd(ENABLE, bytes([1 if on else 0]))


def circular(overwrite: bool) -> bytes:
    return _cmd(CIRCULAR, bytes([1 if overwrite else 0]))


def notify(register: int, on: bool) -> bytes:
    """Switch the read-out's entry (0x07) or progress (0x08) notifications on or off."""
    return _cmd(register, bytes([1 if on else 0]))


def readout(entries: int, notify_every: int = 0) -> bytes:
    return _cmd(READOUT, struct.pack("<II", entries, notify_every))


def drop(entries: int) -> bytes:
    """Drop the oldest `entries` log entries (0xFFFFFFFF: all)."""
    return _cmd(DROP, struct.pack("<I", entries))


def is_logging(payload: bytes) -> bool:
    """Whether a notification belongs to the logging module (the stream's are 03 04 ...)."""
    return len(payload) >= 2 and payload[0] == LOGGING


def decode(payload: bytes) -> Response | None:
    """A logging module notification; None for one backcoach does not use (page complete)."""
    payload = bytes(payload)
    if not is_logging(payload):
        raise DecodeError("metamotion", "log", f"{payload[:2].hex()} is not a logging message")
    reg, body = payload[1], payload[2:]
    try:
        if reg == INFO | READ:
            return Info(body[1], struct.unpack_from("<I", body, 3)[0])
        if reg == TIME | READ:
            return Time(struct.unpack_from("<I", body)[0], body[4] if len(body) > 4 else 0)
        if reg == LENGTH | READ:
            return Length(int.from_bytes(body[:4], "little"))
        if reg == TRIGGER:
            return TriggerAdded(body[0])
        if reg == TRIGGER | READ:
            if len(body) < 4:
                return TriggerConfig(-1)
            spec = body[3]
            return TriggerConfig(-1, body[0], body[1], spec & 0x1F, (spec >> 5) + 1)
        if reg == READOUT_NOTIFY:
            return decode_entries(body)
        if reg == READOUT_PROGRESS:
            return Progress(struct.unpack_from("<I", body)[0])
    except (IndexError, struct.error) as exc:
        raise DecodeError("metamotion", "log", f"register {reg:#x}: {exc}") from None
    return None


def decode_entries(body: bytes) -> Entries:
    """One or two 9-byte entries."""
    if len(body) not in (ENTRY.size, 2 * ENTRY.size):
        raise DecodeError("metamotion", "log", f"{len(body)} bytes is not one or two entries")
    rows = [ENTRY.unpack_from(body, i) for i in range(0, len(body), ENTRY.size)]
    head = np.array([r[0] for r in rows], np.uint8)
    return Entries(
        head & 0x1F,
        head >> 5,
        np.array([r[1] for r in rows], np.uint32),
        np.array([r[2] for r in rows], np.uint32),
    )


def encode_entries(ids: list[int], reset_uid: int, ticks: list[int], data: list[int]) -> bytes:
    """A read-out notification of one or two entries (the emulator and tests use it)."""
    body = b"".join(
        ENTRY.pack((i & 0x1F) | (reset_uid << 5), t & 0xFFFFFFFF, d & 0xFFFFFFFF)
        for i, t, d in zip(ids, ticks, data, strict=True)
    )
    return _cmd(READOUT_NOTIFY, body)


def samples_from_entries(
    entries: Entries, xy_id: int, z_id: int, range_g: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ticks, acc_g (n, 3), reset uids) of whole samples: an x/y entry and the z entry after it.

    An x/y entry without its z (the read-out ended between them) is not a sample yet; the
    caller keeps the entries from the first unpaired one and reads again from there.
    """
    ids = entries.ids
    is_xy = ids[:-1] == xy_id
    pair = np.flatnonzero(is_xy & (ids[1:] == z_id) & (entries.ticks[1:] == entries.ticks[:-1]))
    xy = entries.data[pair].astype("<u4").view("<i2").reshape(-1, 2)
    z = entries.data[pair + 1].astype("<u4").view("<i2").reshape(-1, 2)[:, :1]
    counts = np.hstack([xy, z]).astype(np.float32)
    acc = counts * np.float32(range_g / 32768.0)
    return entries.ticks[pair].astype(np.int64), acc, entries.reset_uids[pair]


def encode_sample_entries(acc_counts: np.ndarray) -> tuple[int, int]:
    """The two data words (x/y, z) an accelerometer sample is logged as."""
    c = np.asarray(acc_counts, "<i2").reshape(3)
    xy = int(np.frombuffer(c[:2].tobytes(), "<u4")[0])
    z = int(np.frombuffer(c[2:3].tobytes() + b"\0\0", "<u4")[0])
    return xy, z

"""Polar H10 / Verity Sense, PMD service: accelerometer frames, raw and delta-compressed.

Data notification: u8 measurement type (2 = ACC), u64 timestamp (ns since 2000-01-01 on the
sensor's clock, of the LAST sample), u8 frame type, then samples in milli-g:
  0x00/0x01/0x02  raw int8/int16/int24 x, y, z per sample
  0x80 (bit 7)    delta-compressed: one int16 reference sample, then blocks of
                  (u8 bit width, u8 sample count, count × 3 signed deltas packed LSB first);
                  each delta sample is added to the previous sample.
Sample times run backwards from the timestamp at the configured rate (why `decode` needs it).
Control point: `[op, type, (setting, 1, u16 value)...]`, op 2 = start, 3 = stop; the H10 rejects
an ACC start without the resolution setting. Responses are indications `F0 op type status`.
Sources: polarofficial/polar-ble-sdk technical documentation, fsmeraldi/bleakheart.
"""

from __future__ import annotations

import struct

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ACC = 2
HEADER = struct.Struct("<BQB")  # measurement type, timestamp ns, frame type
RAW_WIDTH = {0x00: 1, 0x01: 2, 0x02: 3}
COMPRESSED = 0x80
MG = np.float32(1e-3)
SETTING_RATE, SETTING_RESOLUTION, SETTING_RANGE = 0, 1, 2


def decode(payload: bytes, rate_hz: float = 200.0, range_g: float = 8.0) -> Frame:
    """One PMD data notification → a Frame timed on the sensor clock."""
    payload = bytes(payload)
    if len(payload) < HEADER.size + 3:
        raise DecodeError("polar", "short", f"{len(payload)} bytes, need at least 13")
    mtype, t_ns, ftype = HEADER.unpack_from(payload)
    if mtype != ACC:
        raise DecodeError("polar", "type", f"measurement type {mtype}, expected ACC (2)")
    body = payload[HEADER.size :]
    if ftype & COMPRESSED:
        mg = _decode_compressed(body)
    elif ftype in RAW_WIDTH:
        mg = _decode_raw(body, RAW_WIDTH[ftype])
    else:
        raise DecodeError("polar", "frame", f"frame type 0x{ftype:02x} is not an ACC frame")
    n = mg.shape[0]
    first_t_s = t_ns * 1e-9 - (n - 1) / rate_hz
    return Frame(mg.astype(np.float32) * MG, first_t_s=first_t_s)


def _decode_raw(body: bytes, width: int) -> np.ndarray:
    if not body or len(body) % (3 * width):
        raise DecodeError("polar", "length", f"{len(body)} sample bytes, not xyz of {width} bytes")
    if width == 3:
        b = np.frombuffer(body, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        return np.where(v >= 1 << 23, v - (1 << 24), v).reshape(-1, 3)
    return np.frombuffer(body, {1: "<i1", 2: "<i2"}[width]).reshape(-1, 3).astype(np.int32)


def _decode_compressed(body: bytes) -> np.ndarray:
    """Reference sample, then (width, count, packed deltas) blocks; deltas are cumulative."""
    if len(body) < 6:
        raise DecodeError("polar", "short", "compressed frame without a whole reference sample")
    parts = [np.frombuffer(body, "<i2", count=3).astype(np.int64).reshape(1, 3)]
    pos = 6
    while pos < len(body):
        if pos + 2 > len(body):
            raise DecodeError("polar", "block", "a delta block header is cut off")
        width, count = body[pos], body[pos + 1]
        pos += 2
        if not 1 <= width <= 32:
            raise DecodeError("polar", "block", f"delta width {width} bits is outside 1..32")
        n_bits = width * 3 * count
        n_bytes = (n_bits + 7) // 8
        if pos + n_bytes > len(body):
            raise DecodeError(
                "polar", "block", f"block needs {n_bytes} bytes, has {len(body) - pos}"
            )
        bits = np.unpackbits(np.frombuffer(body, np.uint8, n_bytes, pos), bitorder="little")
        weights = np.left_shift(np.int64(1), np.arange(width, dtype=np.int64))
        values = bits[:n_bits].reshape(-1, width).astype(np.int64) @ weights
        values = np.where(values >= 1 << (width - 1), values - (1 << width), values)
        parts.append(values.reshape(count, 3))
        pos += n_bytes
    return np.cumsum(np.concatenate(parts), axis=0)


def encode(t_last_ns: int, mg: np.ndarray, *, compressed: bool = False) -> bytes:
    """A PMD ACC frame for integer milli-g samples (the emulator and tests use it)."""
    mg = np.asarray(mg, np.int64).reshape(-1, 3)
    if not compressed:
        return HEADER.pack(ACC, t_last_ns, 0x01) + mg.astype("<i2").tobytes()
    out = bytearray(HEADER.pack(ACC, t_last_ns, COMPRESSED))
    out += mg[0].astype("<i2").tobytes()
    deltas = np.diff(mg, axis=0)
    for a in range(0, deltas.shape[0], 255):
        block = deltas[a : a + 255]
        peak = int(np.max(np.abs(block))) if block.size else 0
        width = max(int(peak).bit_length() + 1, 1)
        twos = np.where(block < 0, block + (1 << width), block).reshape(-1)
        bits = ((twos[:, None] >> np.arange(width)) & 1).astype(np.uint8).reshape(-1)
        out += bytes([width, block.shape[0]]) + np.packbits(bits, bitorder="little").tobytes()
    return bytes(out)


def start(rate_hz: float, range_g: float) -> list[Command]:
    settings = [
        (SETTING_RATE, int(rate_hz)),
        (SETTING_RESOLUTION, 16),
        (SETTING_RANGE, int(range_g)),
    ]
    body = b"".join(struct.pack("<BBH", sid, 1, value) for sid, value in settings)
    return [Command(CONTROL_UUID, bytes([0x02, ACC]) + body)]


def stop() -> list[Command]:
    return [Command(CONTROL_UUID, bytes([0x03, ACC]))]


def control_error(payload: bytes) -> str | None:
    """A refusal in a control-point response (`F0 op type status`), else None."""
    if len(payload) >= 4 and payload[0] == 0xF0 and payload[3] != 0:
        return f"PMD refused op {payload[1]} for type {payload[2]} (status {payload[3]})"
    return None


PROFILE = Profile(
    name_prefixes=("Polar H10", "Polar Sense"),
    name="polar",
    title="Polar H10 / Verity Sense (PMD)",
    service_uuid=SERVICE_UUID,
    data_uuid=DATA_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=(25.0, 50.0, 100.0, 200.0),
    default_rate_hz=50.0,
    ranges_g=(2.0, 4.0, 8.0),
    default_range_g=8.0,
    notify_uuids=(CONTROL_UUID,),
    control_error=control_error,
    start_grace_s=60.0,  # the first ACC frame can take a minute while the link settles
)

"""The backcoach open profile, for DIY sensors (nRF52 / ESP32 + IMU); see docs/sensor-protocol.md.

Data notification (little-endian), 12-byte header then samples:

    0  u8   version (1)
    1  u8   full-scale range in g (2, 4, 8 or 16); sample g = value * range / 32768
    2  u16  packet counter, +1 per notification, wraps at 65536
    4  u64  sensor time of the FIRST sample, microseconds on the sensor's own clock
    12 n × (i16 x, i16 y, i16 z)

Config characteristic (write): u16 rate_hz, u8 range_g, u8 streaming (1 start, 0 stop).
Buzz characteristic (write, optional): u16 duration_ms.
"""

from __future__ import annotations

import struct

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile, int16_triples

SERVICE_UUID = "b0acc001-7a5e-4f1b-9c3d-5e2f6a8b1c0d"
DATA_UUID = "b0acc002-7a5e-4f1b-9c3d-5e2f6a8b1c0d"
CONFIG_UUID = "b0acc003-7a5e-4f1b-9c3d-5e2f6a8b1c0d"
BUZZ_UUID = "b0acc004-7a5e-4f1b-9c3d-5e2f6a8b1c0d"

VERSION = 1
HEADER = struct.Struct("<BBHQ")
RATES_HZ = (25.0, 50.0, 100.0, 200.0, 400.0)
RANGES_G = (2.0, 4.0, 8.0, 16.0)


def decode(payload: bytes, rate_hz: float = 50.0, range_g: float = 8.0) -> Frame:
    """One data notification → a Frame (the range comes from the packet, not the argument)."""
    if len(payload) < HEADER.size + 6:
        raise DecodeError("open", "short", f"{len(payload)} bytes, need at least 18")
    version, packet_range, seq, t_us = HEADER.unpack_from(payload)
    if version != VERSION:
        raise DecodeError("open", "version", f"version {version}, this decoder reads {VERSION}")
    if packet_range not in (2, 4, 8, 16):
        raise DecodeError("open", "header", f"range byte {packet_range} is not 2, 4, 8 or 16")
    counts = int16_triples(payload, HEADER.size, "open")
    acc = counts.astype(np.float32) * np.float32(packet_range / 32768.0)
    return Frame(acc, first_t_s=t_us * 1e-6, seq=seq)


def encode(seq: int, t_first_us: int, acc_g: np.ndarray, range_g: float = 8.0) -> bytes:
    """The packet a sensor sends for `acc_g` (used by firmware authors' tests and the emulator)."""
    counts = np.clip(np.round(np.asarray(acc_g) * (32768.0 / range_g)), -32768, 32767)
    header = HEADER.pack(VERSION, int(range_g), seq & 0xFFFF, t_first_us)
    return header + counts.astype("<i2").tobytes()


def config(rate_hz: float, range_g: float, streaming: bool) -> bytes:
    return struct.pack("<HBB", int(rate_hz), int(range_g), 1 if streaming else 0)


def start(rate_hz: float, range_g: float) -> list[Command]:
    return [Command(CONFIG_UUID, config(rate_hz, range_g, True))]


def stop() -> list[Command]:
    return [Command(CONFIG_UUID, config(0, 8, False))]


def buzz(duration_s: float) -> list[Command]:
    return [Command(BUZZ_UUID, struct.pack("<H", min(int(duration_s * 1000), 0xFFFF)))]


PROFILE = Profile(
    name="open",
    title="backcoach open profile (DIY)",
    service_uuid=SERVICE_UUID,
    data_uuid=DATA_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=RATES_HZ,
    default_rate_hz=50.0,
    ranges_g=RANGES_G,
    default_range_g=8.0,
    seq_modulo=1 << 16,
    buzz=buzz,
)

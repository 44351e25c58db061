"""Nordic Thingy:52 motion service: raw data notifications, one sample each.

Raw data (EF680406, 18 bytes): 9 × int16 — accelerometer Q6.10 (÷1024 → g), gyroscope Q11.5,
compass Q12.4. Config (EF680401, 9 bytes): step-counter, temperature-compensation and
magnetometer-compensation intervals (uint16 ms), motion processing rate (uint16 Hz, 1–200),
wake-on-motion (uint8). No counter or timestamp: times come from counting at the set rate.
Source: NordicSemiconductor/Nordic-Thingy52-FW (ble_tms.h, m_motion.c).
"""

from __future__ import annotations

import struct

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile

SERVICE_UUID = "ef680400-9b35-4933-9b10-52ffa9740042"
CONFIG_UUID = "ef680401-9b35-4933-9b10-52ffa9740042"
RAW_UUID = "ef680406-9b35-4933-9b10-52ffa9740042"

RAW_LEN = 18
ACC_SCALE = np.float32(1.0 / 1024.0)


def decode(payload: bytes, rate_hz: float = 50.0, range_g: float = 16.0) -> Frame:
    """One raw-data notification → a one-sample Frame."""
    if len(payload) != RAW_LEN:
        raise DecodeError("thingy", "length", f"{len(payload)} bytes, raw data has {RAW_LEN}")
    acc = np.frombuffer(bytes(payload), dtype="<i2", count=3).astype(np.float32) * ACC_SCALE
    return Frame(acc.reshape(1, 3))


def encode(acc_g: np.ndarray) -> bytes:
    """One raw-data notification for one sample (gyro and compass zero)."""
    counts = np.clip(np.round(np.asarray(acc_g).reshape(3) / ACC_SCALE), -32768, 32767)
    return counts.astype("<i2").tobytes() + bytes(12)


def config(rate_hz: float) -> bytes:
    return struct.pack("<HHHHB", 1000, 500, 500, int(rate_hz), 0)


def start(rate_hz: float, range_g: float) -> list[Command]:
    return [Command(CONFIG_UUID, config(rate_hz))]


def stop() -> list[Command]:
    return []


PROFILE = Profile(
    name_prefixes=("Thingy",),
    name="thingy",
    title="Nordic Thingy:52",
    service_uuid=SERVICE_UUID,
    data_uuid=RAW_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=(10.0, 25.0, 50.0, 100.0),
    default_rate_hz=50.0,
    ranges_g=(16.0,),
    default_range_g=16.0,
)

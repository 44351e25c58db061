"""Movesense sensors with the gatt_sensordata_app firmware: subscribe to /Meas/Acc/<rate>.

Write characteristic 34800001: subscribe `0x01, ref, ASCII path` (e.g. `/Meas/Acc/52`),
unsubscribe `0x02, ref`. Notify characteristic 34800002: `u8 type (2 = data), u8 ref,
u32 timestamp (ms on the sensor's clock, of the first sample)`, then float32 x, y, z in m/s²
per sample. Rates 13, 26, 52, 104, 208, 416 Hz; range ±8 g unless configured otherwise.
Not handled yet: the split "data part 2" packets newer firmware sends for large arrays, and the
sensor's battery (it has no standard Battery Service; /System/Energy would need a GET).
"""

from __future__ import annotations

import struct

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"

REF = 0x42  # our subscription's reference number, echoed in every data notification
DATA = 2
HEADER = struct.Struct("<BBI")
G_MS2 = 9.80665
RATES_HZ = (13.0, 26.0, 52.0, 104.0, 208.0, 416.0)


def decode(payload: bytes, rate_hz: float = 52.0, range_g: float = 8.0) -> Frame:
    """One data notification → a Frame timed on the sensor clock (ms resolution)."""
    payload = bytes(payload)
    if len(payload) < HEADER.size + 12:
        raise DecodeError("movesense", "short", f"{len(payload)} bytes, need at least 18")
    kind, ref, t_ms = HEADER.unpack_from(payload)
    if kind != DATA or ref != REF:
        raise DecodeError("movesense", "header", f"type {kind} ref {ref}, expected data for {REF}")
    body = len(payload) - HEADER.size
    if body % 12:
        raise DecodeError("movesense", "length", f"{body} sample bytes, not float32 x, y, z")
    ms2 = np.frombuffer(payload, "<f4", offset=HEADER.size).reshape(-1, 3)
    if not np.all(np.isfinite(ms2)):
        raise DecodeError("movesense", "value", "a sample is not a finite number")
    acc = np.clip(ms2 / np.float32(G_MS2), -64.0, 64.0).astype(np.float32)
    return Frame(acc, first_t_s=t_ms * 1e-3)


def encode(t_first_ms: int, acc_g: np.ndarray) -> bytes:
    """A data notification for `acc_g` (the emulator and tests use it)."""
    ms2 = (np.asarray(acc_g, np.float64) * G_MS2).astype("<f4")
    return HEADER.pack(DATA, REF, t_first_ms & 0xFFFFFFFF) + ms2.tobytes()


def start(rate_hz: float, range_g: float) -> list[Command]:
    path = f"/Meas/Acc/{int(rate_hz)}".encode("ascii")
    return [Command(WRITE_UUID, bytes([0x01, REF]) + path)]


def stop() -> list[Command]:
    return [Command(WRITE_UUID, bytes([0x02, REF]))]


PROFILE = Profile(
    name="movesense",
    title="Movesense (gatt_sensordata_app)",
    service_uuid=SERVICE_UUID,
    data_uuid=NOTIFY_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=RATES_HZ,
    default_rate_hz=52.0,
    ranges_g=(8.0,),
    default_range_g=8.0,
    has_battery=False,
    name_prefixes=("Movesense",),
)

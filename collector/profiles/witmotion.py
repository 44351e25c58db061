"""WitMotion WT901BLE family (BWT901BLECL5.0, WT9011DCL): 0x55 0x61 packets over FFE4.

Packet (20 bytes): 0x55 0x61, then 9 × int16: acceleration (÷32768 × 16 g), angular rate
(÷32768 × 2000 °/s), angle (÷32768 × 180°). A notification may carry several packets or start
mid-packet, so the decoder resynchronises on every 0x55 0x61 that leaves room for a whole packet.
The sensor sends no counter or timestamp: sample times come from counting at the set rate.
Rate register (0x03) codes from the WT901 manual: 0x06 10 Hz, 0x07 20 Hz, 0x08 50 Hz,
0x09 100 Hz, 0x0B 200 Hz; writes need the unlock sequence first.
"""

from __future__ import annotations

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
DATA_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

SYNC = b"\x55\x61"
PACKET_LEN = 20
RATE_CODES = {10.0: 0x06, 20.0: 0x07, 50.0: 0x08, 100.0: 0x09, 200.0: 0x0B}
UNLOCK = bytes([0xFF, 0xAA, 0x69, 0x88, 0xB5])
ACC_SCALE = np.float32(16.0 / 32768.0)


def packet_starts(payload: bytes) -> list[int]:
    """Offsets of whole packets, scanning left to right and skipping bytes that are not a sync."""
    starts: list[int] = []
    i = payload.find(SYNC)
    while i >= 0 and i + PACKET_LEN <= len(payload):
        starts.append(i)
        i = payload.find(SYNC, i + PACKET_LEN)
    return starts


def decode(payload: bytes, rate_hz: float = 50.0, range_g: float = 16.0) -> Frame:
    """Every whole packet in one notification → a Frame of their accelerations."""
    starts = packet_starts(bytes(payload))
    if not starts:
        raise DecodeError("witmotion", "sync", f"no whole 0x55 0x61 packet in {len(payload)} bytes")
    buf = np.frombuffer(bytes(payload), dtype=np.uint8)
    idx = np.asarray(starts)[:, None] + 2 + np.arange(6)[None, :]
    counts = buf[idx].copy().view("<i2").reshape(-1, 3)
    return Frame(counts.astype(np.float32) * ACC_SCALE)


def encode(acc_g: np.ndarray) -> bytes:
    """Packets as the sensor sends them (gyro and angle zero), for the emulator and tests."""
    acc = np.clip(np.round(np.asarray(acc_g) / ACC_SCALE), -32768, 32767).astype("<i2")
    body = np.zeros((acc.shape[0], 9), "<i2")
    body[:, :3] = acc
    rows = np.zeros((acc.shape[0], PACKET_LEN), np.uint8)
    rows[:, 0], rows[:, 1] = 0x55, 0x61
    rows[:, 2:] = body.view(np.uint8).reshape(-1, 18)
    return rows.tobytes()


def start(rate_hz: float, range_g: float) -> list[Command]:
    code = RATE_CODES[min(RATE_CODES, key=lambda r: abs(r - rate_hz))]
    return [Command(WRITE_UUID, UNLOCK), Command(WRITE_UUID, bytes([0xFF, 0xAA, 0x03, code, 0x00]))]


def stop() -> list[Command]:
    return []


PROFILE = Profile(
    name_prefixes=("WT901", "WT9011", "BWT901"),
    name="witmotion",
    title="WitMotion WT901BLE",
    service_uuid=SERVICE_UUID,
    data_uuid=DATA_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=tuple(RATE_CODES),
    default_rate_hz=50.0,
    ranges_g=(16.0,),
    default_range_g=16.0,
    has_battery=False,
)

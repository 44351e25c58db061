"""MbientLab MetaMotion (MetaWear firmware, BMI160/BMI270 accelerometer) and its haptic motor.

Messages on the command characteristic (326A9001) are `[module, register, payload]`; the
accelerometer is module 0x03: power mode 0x01, data-interrupt enable 0x02, data config 0x03,
data 0x04. Data notifications (326A9006) are `03 04` then int16 x, y, z, one sample each, at
16384/8192/4096/2048 counts per g for ±2/4/8/16 g. No counter or timestamp: times come from
counting at the set rate. Data config: `03 03 acc_conf acc_range` with the BMI160 codes (output
data rate in the low nibble, normal filter mode 2 in the high nibble; ranges 3/5/8/12).
Haptic module 0x08, register 0x01: `duty (0..248), u16 pulse width ms, 0 = motor`.
Implemented from the documented register facts (the SDK's licence limits it to MbientLab
hardware); not yet checked against a real board, and the packed-data register is not used.
"""

from __future__ import annotations

import numpy as np

from backcoach.collector.profiles.base import Command, DecodeError, Frame, Profile

SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"

ACC, POWER, INTERRUPT, CONFIG, DATA = 0x03, 0x01, 0x02, 0x03, 0x04
HAPTIC, PULSE = 0x08, 0x01
ODR_CODES = {12.5: 0x05, 25.0: 0x06, 50.0: 0x07, 100.0: 0x08, 200.0: 0x09, 400.0: 0x0A}
RANGE_CODES = {2.0: 0x03, 4.0: 0x05, 8.0: 0x08, 16.0: 0x0C}
FILTER_NORMAL = 0x20


def decode(payload: bytes, rate_hz: float = 50.0, range_g: float = 8.0) -> Frame:
    """One accelerometer data notification → a one-sample Frame."""
    payload = bytes(payload)
    if len(payload) < 2 or payload[0] != ACC or payload[1] != DATA:
        raise DecodeError("metamotion", "header", "not an accelerometer data message (03 04)")
    if len(payload) != 8:
        raise DecodeError("metamotion", "length", f"{len(payload)} bytes, data has 8")
    counts = np.frombuffer(payload, "<i2", count=3, offset=2).astype(np.float32)
    return Frame((counts * np.float32(range_g / 32768.0)).reshape(1, 3))


def encode(acc_g: np.ndarray, range_g: float = 8.0) -> bytes:
    """One data notification for one sample (the emulator and tests use it)."""
    counts = np.clip(np.round(np.asarray(acc_g).reshape(3) * (32768.0 / range_g)), -32768, 32767)
    return bytes([ACC, DATA]) + counts.astype("<i2").tobytes()


def start(rate_hz: float, range_g: float) -> list[Command]:
    odr = ODR_CODES[min(ODR_CODES, key=lambda r: abs(r - rate_hz))]
    rng = RANGE_CODES[min(RANGE_CODES, key=lambda r: abs(r - range_g))]
    return [
        Command(COMMAND_UUID, bytes([ACC, CONFIG, FILTER_NORMAL | odr, rng])),
        Command(COMMAND_UUID, bytes([ACC, INTERRUPT, 0x01, 0x00])),
        Command(COMMAND_UUID, bytes([ACC, POWER, 0x01])),
    ]


def stop() -> list[Command]:
    return [
        Command(COMMAND_UUID, bytes([ACC, POWER, 0x00])),
        Command(COMMAND_UUID, bytes([ACC, INTERRUPT, 0x00, 0x01])),
    ]


def buzz(duration_s: float) -> list[Command]:
    width_ms = min(int(duration_s * 1000), 0xFFFF)
    return [
        Command(COMMAND_UUID, bytes([HAPTIC, PULSE, 248]) + width_ms.to_bytes(2, "little") + b"\0")
    ]


PROFILE = Profile(
    name="metamotion",
    title="MbientLab MetaMotion (MetaWear)",
    service_uuid=SERVICE_UUID,
    data_uuid=NOTIFY_UUID,
    decode=decode,
    start=start,
    stop=stop,
    rates_hz=tuple(ODR_CODES),
    default_rate_hz=50.0,
    ranges_g=tuple(RANGE_CODES),
    default_range_g=8.0,
    buzz=buzz,
    name_prefixes=("MetaWear", "MetaMotion"),
)

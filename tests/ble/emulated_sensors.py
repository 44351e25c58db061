"""The emulated sensors' side: wire formats, GATT layout and reactions to writes, per profile.

Why apart from `bluez_emulator.py`: that module is D-Bus plumbing (BlueZ's objects); this one is
what each sensor does — which characteristics it has, which bytes start and stop it, how it packs
and quantises samples, how a broken packet looks. The packing uses the profiles' own `encode`
helpers, so a decoder bug and an encoder bug could hide each other; the decoder tests in
tests/profiles replay hand-worked bytes to rule that out.
"""

from __future__ import annotations

import numpy as np

from backcoach.collector.profiles import (
    base,
    metamotion,
    movesense,
    open_log,
    open_profile,
    polar,
    thingy,
    witmotion,
)
from backcoach.collector.simulator import Segment, simulate

EPOCH_2000_S = 946684800.0  # Polar timestamps count from 2000-01-01

#: Characteristics besides the data one, per profile: (uuid, flags, before the data char?)
EXTRA_CHARS: dict[str, list[tuple[str, list[str], bool]]] = {
    "open": [
        (open_profile.CONFIG_UUID, ["read", "write"], False),
        (open_profile.BUZZ_UUID, ["write"], False),
    ],
    "polar": [(polar.CONTROL_UUID, ["read", "write", "indicate"], True)],
    "witmotion": [(witmotion.WRITE_UUID, ["write-without-response", "write"], False)],
    "thingy": [(thingy.CONFIG_UUID, ["read", "write"], True)],
    "movesense": [(movesense.WRITE_UUID, ["write"], True)],
    "metamotion": [(metamotion.COMMAND_UUID, ["write", "write-without-response"], True)],
}


SCRIPTS = {
    # two minutes of a day: stand, bend, sit, walk, lift
    "day": [
        Segment("stand", 20.0),
        Segment("bend", peak_deg=70.0),
        Segment("sit", 40.0),
        Segment("walk", 30.0),
        Segment("lift", style="back", peak_deg=60.0),
        Segment("stand", 15.0),
    ],
    # the cold-start bench: walking first (a new sensor's reference), then standing and bending
    "coldstart": [
        Segment("walk", 25.0),
        Segment("stand", 10.0),
        Segment("bend", peak_deg=70.0, hold_s=3.0),
        Segment("stand", 10.0),
        Segment("sit", 20.0),
        Segment("stand", 5.0),
        Segment("bend", peak_deg=70.0, hold_s=3.0),
        Segment("stand", 10.0),
    ],
    # what a wearer does during `backcoach calibrate --upright 3`
    "calibrate": [Segment("stand", 3.5), Segment("bend", peak_deg=60.0), Segment("stand", 30.0)],
    # a desk morning (bench/sensor_memory.py): 45 min at the desk, then a 20-min walk (out of
    # range), back to the desk; the first walk lets a new sensor find its up and forward
    "desk": [
        Segment("walk", 60.0),
        Segment("stand", 30.0),
        Segment("sit", 45 * 60.0),
        Segment("walk", 20 * 60.0),
        Segment("stand", 30.0),
        Segment("sit", 40 * 60.0),
        Segment("stand", 5 * 60.0),
        Segment("walk", 60.0),
        Segment("sit", 9 * 60.0),
    ],
}


def wearer_signal(rate_hz: float, seed: int, script: str = "day") -> np.ndarray:
    """A simulated wearer's signal, looped by the sender from the first sample it streams."""
    samples = simulate(SCRIPTS[script], 0.0, fs_hz=rate_hz, seed=seed).samples
    return samples.acc_g.astype(np.float64)


class Wire:
    """One profile's packets: quantises samples as the sensor does and packs them."""

    def __init__(self, profile: str, rate_hz: float, boot_epoch_s: float, compressed: bool):
        self.profile = profile
        self.rate_hz = rate_hz
        self.boot_epoch_s = boot_epoch_s  # unix time of the sensor clock's zero
        self.compressed = compressed
        self.per_packet = {
            "open": max(1, min(38, int(rate_hz // 10))),
            "polar": max(1, int(rate_hz // 10)),
            "witmotion": max(1, min(10, int(rate_hz // 20))),
            "thingy": 1,
            "movesense": max(1, min(19, int(rate_hz // 10))),
            "metamotion": 1,
        }[profile]
        self.seq = 0

    def quantise(self, acc_g: np.ndarray) -> np.ndarray:
        """The values the collector should decode (what the sensor's ADC would give)."""
        if self.profile == "movesense":  # float32 m/s² on the wire
            ms2 = (acc_g * movesense.G_MS2).astype(np.float32)
            return ms2.astype(np.float64) / movesense.G_MS2
        lsb = {"open": 8.0 / 32768, "polar": 1e-3, "witmotion": 16.0 / 32768, "thingy": 1 / 1024}
        lsb["metamotion"] = 8.0 / 32768
        step = lsb[self.profile]
        return np.round(acc_g / step) * step

    def packet(self, first_index: int, acc_g: np.ndarray) -> bytes:
        """The notification for samples first_index.. (sensor time = index / rate)."""
        seq, self.seq = self.seq, (self.seq + 1) & 0xFFFF
        t_first_s = first_index / self.rate_hz
        if self.profile == "open":
            return open_profile.encode(seq, round(t_first_s * 1e6), acc_g)
        if self.profile == "polar":
            t_last = t_first_s + (len(acc_g) - 1) / self.rate_hz
            t_ns = round((self.boot_epoch_s - EPOCH_2000_S + t_last) * 1e9)
            return polar.encode(t_ns, np.round(acc_g * 1000), compressed=self.compressed)
        if self.profile == "witmotion":
            return witmotion.encode(acc_g)
        if self.profile == "movesense":
            return movesense.encode(round(t_first_s * 1000), acc_g)
        if self.profile == "metamotion":
            return metamotion.encode(acc_g[0])
        return thingy.encode(acc_g[0])

    @property
    def streams_when_subscribed(self) -> bool:
        """WitMotion and Thingy stream once subscribed; the others wait for a start command."""
        return self.profile in ("witmotion", "thingy")

    def layout(self, has_log: bool = False) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """Services and their characteristics (uuid, flags), in handle order.

        `has_log`: the open profile's optional log characteristics are there (a MetaWear's
        logging module lives behind its command characteristic and needs none).
        """
        p = base.get(self.profile)
        extra = EXTRA_CHARS[self.profile]
        chars = [(u, f) for u, f, first in extra if first]
        chars += [(p.data_uuid, ["notify"])] + [(u, f) for u, f, first in extra if not first]
        if has_log and self.profile == "open":
            chars += [
                (open_log.LOG_CONTROL_UUID, ["write", "notify"]),
                (open_log.LOG_DATA_UUID, ["notify"]),
            ]
        services = [(p.service_uuid, chars)]
        if p.has_battery:
            services.append((base.BATTERY_SERVICE_UUID, [(base.BATTERY_LEVEL_UUID, ["read"])]))
        return services

    def initial_value(self, uuid: str, battery: int) -> bytes:
        if uuid == base.BATTERY_LEVEL_UUID:
            return bytes([battery])
        if uuid == polar.CONTROL_UUID:
            return bytes([0x0F, 0x05, 0x00])  # ECG and ACC supported
        return b""

    def on_write(self, uuid: str, value: bytes) -> tuple[bool | None, tuple[str, bytes] | None]:
        """(start / stop / neither, and a response to send on a characteristic) for a write."""
        if uuid == open_profile.CONFIG_UUID and len(value) == 4:
            return bool(value[3]), None
        if uuid == metamotion.COMMAND_UUID and value[:2] == bytes([0x03, 0x01]):
            return value[2:] == b"\x01", None
        if uuid == movesense.WRITE_UUID and len(value) >= 2:
            if value[0] == 0x01 and value[2:] == f"/Meas/Acc/{int(self.rate_hz)}".encode():
                return True, None
            return (False, None) if value[0] == 0x02 else (None, None)
        if uuid == polar.CONTROL_UUID and len(value) >= 2:
            op, status = value[0], 0 if value[1] == polar.ACC else 1
            start = True if op == 2 and status == 0 else False if op == 3 else None
            return start, (polar.CONTROL_UUID, bytes([0xF0, op, value[1], status]))
        return None, None

    def corrupt(self, good: bytes, k: int) -> bytes:
        """A broken notification the decoder must refuse: cut short, or with its header spoilt."""
        if self.profile == "witmotion":
            return good.replace(witmotion.SYNC, b"\x00\x00")
        if k % 2 and self.profile in ("open", "polar", "movesense"):
            return bytes([0xEE]) + good[1:]
        return good[:5]

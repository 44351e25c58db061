"""A Polar H10 and the Bluetooth stack around it, on the fake clock: in range, or away for days.

The emulated BlueZ of tests/ble runs in real time, so a week away cannot be played there. This is
the same sensor in process (`tests.ble.emulated_sensors`: its wire format, the wearer it streams,
its answers to the start and stop commands) behind `collector.radio.Radio`, the seam `SensorLink`
reaches the stack through; its packets are timed by the event loop, that is, by the fake clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from backcoach.collector.profiles import base, polar
from tests.ble.emulated_sensors import Wire, wearer_signal
from tests.soak.fake_clock import FakeClock

BATTERY_PERCENT = 80


@dataclass
class FakePolar:
    """The sensor, sampling since its boot; away (no link, no adverts) until `away_until`."""

    clock: FakeClock
    address: str = "C0:FF:EE:00:50:AC"
    name: str = "Polar H10 50AC50AC"
    rate_hz: float = 50.0
    away_until: float = -np.inf  # monotonic
    sent: list[np.ndarray] = field(default_factory=list)  # sample indexes delivered
    client: FakeClient | None = None

    def __post_init__(self) -> None:
        self.boot_mono = self.clock.monotonic() - 1000.0
        self.wire = Wire("polar", self.rate_hz, self.clock.time() - 1000.0, compressed=True)
        self.signal = self.wire.quantise(wearer_signal(self.rate_hz, seed=1))
        self.device = BLEDevice(self.address, self.name, None)

    @property
    def away(self) -> bool:
        return self.clock.monotonic() < self.away_until

    def index_now(self) -> int:
        return int((self.clock.monotonic() - self.boot_mono) * self.rate_hz)

    def go_away(self, seconds: float) -> None:
        """(On the loop.) Out of range: the link drops now; no adverts or links until then."""
        self.away_until = self.clock.monotonic() + seconds
        if self.client is not None:
            self.client.drop()

    def sent_samples(self) -> int:
        return int(sum(a.size for a in self.sent))

    def sent_times(self) -> np.ndarray:
        """When each delivered sample was taken (wall seconds, as the emulator's Dump)."""
        idx = np.concatenate(self.sent) if self.sent else np.empty(0, np.int64)
        return self.wire.boot_epoch_s + idx / self.rate_hz


class _Char:
    def __init__(self, uuid: str) -> None:
        self.uuid = uuid


class _Services:
    def get_characteristic(self, uuid: str) -> _Char | None:
        return _Char(uuid) if uuid == base.BATTERY_LEVEL_UUID else None


class FakeClient:
    """A connected link: notifications, writes and reads as bleak's client offers them."""

    def __init__(self, sensor: FakePolar, on_lost: Callable[[], None]) -> None:
        self.sensor = sensor
        self.on_lost = on_lost
        self.is_connected = True
        self.services = _Services()
        self._handlers: dict[str, Callable[[object, bytearray], None]] = {}
        self._stream: asyncio.Task | None = None

    async def read_gatt_char(self, uuid: str) -> bytearray:
        return bytearray([BATTERY_PERCENT])

    async def start_notify(self, uuid: str, handler: Callable, **_kw: object) -> None:
        self._handlers[uuid] = handler

    async def stop_notify(self, uuid: str) -> None:
        self._handlers.pop(uuid, None)

    async def write_gatt_char(self, uuid: str, payload: bytes, response: bool = False) -> None:
        if not self.is_connected:
            raise BleakError("not connected")
        start, reply = self.sensor.wire.on_write(uuid, bytes(payload))
        if reply is not None and reply[0] in self._handlers:
            self._handlers[reply[0]](None, bytearray(reply[1]))
        if start and self._stream is None:
            self._stream = asyncio.get_running_loop().create_task(self._streaming())
        elif start is False and self._stream is not None:
            self._stream.cancel()
            self._stream = None

    async def disconnect(self) -> bool:
        self._end()
        return True

    def drop(self) -> None:
        """The radio link is gone (out of range)."""
        self._end()
        self.on_lost()

    def _end(self) -> None:
        self.is_connected = False
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None
        if self.sensor.client is self:
            self.sensor.client = None

    async def _streaming(self) -> None:
        """Send every packet whose last sample was taken, a packet's time apart."""
        s = self.sensor
        n = s.wire.per_packet
        next_i = s.index_now()
        while self.is_connected:
            while next_i + n <= s.index_now():
                idx = np.arange(next_i, next_i + n)
                handler = self._handlers.get(polar.DATA_UUID)
                if handler is not None:
                    payload = s.wire.packet(next_i, s.signal[idx % s.signal.shape[0]])
                    s.sent.append(idx)
                    handler(None, bytearray(payload))
                next_i += n
            await asyncio.sleep(n / s.rate_hz)


class FakeRadio:
    """`collector.radio.Radio` with one `FakePolar` in the world."""

    def __init__(self, sensor: FakePolar) -> None:
        self.sensor = sensor
        self.scans = 0
        self.connects = 0

    async def held(self, address: str, profile: str) -> list[BLEDevice]:
        client = self.sensor.client
        return [self.sensor.device] if client is not None and client.is_connected else []

    async def release(self, address: str) -> None:
        if self.sensor.client is not None:
            await self.sensor.client.disconnect()

    async def find(self, address: str, timeout_s: float) -> BLEDevice | None:
        self.scans += 1
        s = self.sensor
        if s.away:  # nothing heard for the whole scan, or until it is back in range
            await asyncio.sleep(min(timeout_s, s.away_until - s.clock.monotonic()))
            if s.away:
                return None
        await asyncio.sleep(0.1)  # its next advert
        return s.device

    async def connect(
        self, device: BLEDevice, name: str, on_lost: Callable[[], None]
    ) -> FakeClient:
        self.connects += 1
        if self.sensor.away:
            raise BleakError(f"{device.address} was not found")
        client = FakeClient(self.sensor, on_lost)
        self.sensor.client = client
        return client

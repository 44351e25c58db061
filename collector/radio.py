"""What a sensor link asks of the Bluetooth stack, as one small seam: held links, a scan, a connect.

Why a seam: `SensorLink` must keep a sensor for days through every kind of absence, and days
cannot be played against a real stack (the emulated BlueZ in tests/ble runs in real time). The
link asks a `Radio` for these four things only; `BleakRadio` is bleak and bleak-retry-connector,
and a test can hand in a radio that plays a week on a fake clock (`tests/soak/`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection

from backcoach.collector import ble_held

CONNECT_ATTEMPTS = 3  # bleak-retry-connector's attempts per connect; the link retries around it


class Radio(Protocol):
    """The Bluetooth stack as a sensor link sees it."""

    async def held(self, address: str, profile: str) -> list[BLEDevice]:
        """The sensor among the links the system already holds (a killed run's), else []."""
        ...

    async def release(self, address: str) -> None:
        """Let go of a link the system holds to `address`, so the sensor advertises again."""
        ...

    async def find(self, address: str, timeout_s: float) -> BLEDevice | None:
        """Scan for `address` for up to `timeout_s`; None when it did not advertise."""
        ...

    async def connect(
        self, device: BLEDevice, name: str, on_lost: Callable[[], None]
    ) -> BleakClient:
        """A connected client; `on_lost()` is called when the link drops."""
        ...


class BleakRadio:
    """The real stack: bleak's scanner and BlueZ's connections, bleak-retry-connector's connect."""

    async def held(self, address: str, profile: str) -> list[BLEDevice]:
        return [device for device, _ in await ble_held.connected_sensors(address, profile)]

    async def release(self, address: str) -> None:
        await ble_held.release(address)

    async def find(self, address: str, timeout_s: float) -> BLEDevice | None:
        return await BleakScanner.find_device_by_address(address, timeout_s)

    async def connect(
        self, device: BLEDevice, name: str, on_lost: Callable[[], None]
    ) -> BleakClient:
        return await establish_connection(
            BleakClientWithServiceCache,
            device,
            name,
            disconnected_callback=lambda _client: on_lost(),
            max_attempts=CONNECT_ATTEMPTS,
        )

"""Sensors the system is already connected to: found without a scan, taken over or let go.

Why: a connected sensor does not advertise, so a scan never sees it. After the collector was
killed (SIGKILL, a crash, the OOM killer) BlueZ keeps the dead process's link up until someone
calls Disconnect, and a restarted collector that only scans waits in vain. Home Assistant's way
out, followed here:

1. look among the devices the system already holds a connection to (bleak's
   `BleakAdapter.get_connected_devices`, which reads BlueZ's ObjectManager on Linux) for the
   sensor asked for, one profile's service at a time so the profile is known;
2. take that link over: bleak skips `Connect` for a device that is connected, and the link's
   start sends the profile's stop commands first, so the sensor starts afresh with our settings;
3. if taking it over fails, let it go (`close_stale_connections_by_address`, from
   bleak-retry-connector) so the sensor advertises again and a normal scan finds it.
"""

from __future__ import annotations

import logging

from bleak import BleakAdapter
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError
from bleak_retry_connector import close_stale_connections_by_address

from backcoach.collector.profiles import base
from backcoach.collector.profiles.base import Profile

log = logging.getLogger(__name__)

#: What asking the system for its connections may raise where there is no usable stack; the
#: scan that follows then reports it in its own words (BluetoothUnavailable).
QUERY_ERRORS = (BleakError, OSError, NotImplementedError, ValueError, EOFError, TimeoutError)


def _named(device: BLEDevice, sensor: str) -> bool:
    """True when `sensor` (a name or an address, any case; empty = any) is this device."""
    if not sensor:
        return True
    return sensor.lower() in (device.address.lower(), (device.name or "").lower())


async def connected_sensors(sensor: str = "", profile: str = "") -> list[tuple[BLEDevice, Profile]]:
    """Connected devices that are the sensor asked for, with their profile (empty on failure)."""
    profiles = [base.get(profile)] if profile else base.all_profiles()
    try:
        adapter = await BleakAdapter.get()
        found: list[tuple[BLEDevice, Profile]] = []
        for p in profiles:
            for device in await adapter.get_connected_devices([p.service_uuid]):
                if _named(device, sensor) and all(device.address != d.address for d, _ in found):
                    found.append((device, p))
    except QUERY_ERRORS as exc:
        log.debug("cannot list the connected devices: %s", exc)
        return []
    return found


async def release(address: str) -> None:
    """Disconnect a link the system still holds to `address` (a no-op where there is none)."""
    try:
        await close_stale_connections_by_address(address)
    except QUERY_ERRORS as exc:
        log.debug("%s: cannot close the stale connection: %s", address, exc)

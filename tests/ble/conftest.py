"""Fixtures: a private system bus with the emulated BlueZ, and the emulator's test controls.

These tests never skip: without dbus-daemon they fail, naming the package to install.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from tests.ble.bluez_emulator import CONTROL_NAME, CONTROL_PATH
from tests.ble.dbus_bus import emulator, private_bus

#: One emulated sensor per test that changes a sensor's state, so tests stay independent.
DEVICES = {
    "scan_open": {"address": "C0:FF:EE:00:00:01", "name": "BC-DIY-1", "profile": "open"},
    "exact": {
        "address": "C0:FF:EE:00:00:02",
        "name": "BC-DIY-2",
        "profile": "open",
        "rate_hz": 100,
    },
    "drop": {"address": "C0:FF:EE:00:00:03", "name": "BC-DIY-3", "profile": "open", "rate_hz": 50},
    "polar": {
        "address": "C0:FF:EE:00:00:04",
        "name": "Polar H10 0A1B2C3D",
        "profile": "polar",
        "rate_hz": 200,
        "compressed": True,
        "ppm": -60,
    },
    "stall": {"address": "C0:FF:EE:00:00:05", "name": "Polar Sense 77", "profile": "polar"},
    "witmotion": {"address": "C0:FF:EE:00:00:06", "name": "WT901BLE68", "profile": "witmotion"},
    "thingy": {"address": "C0:FF:EE:00:00:07", "name": "Thingy", "profile": "thingy"},
    "acquire": {
        "address": "C0:FF:EE:00:00:08",
        "name": "BC-DIY-8",
        "profile": "open",
        "rate_hz": 400,
    },
    "calibrate": {
        "address": "C0:FF:EE:00:00:0A",
        "name": "BC-DIY-C",
        "profile": "open",
        "script": "calibrate",
        "seed": 5,
    },
    "metamotion": {"address": "C0:FF:EE:00:00:0B", "name": "MetaWear", "profile": "metamotion"},
    "movesense": {"address": "C0:FF:EE:00:00:09", "name": "Movesense 2245", "profile": "movesense"},
    "restart": {"address": "C0:FF:EE:00:00:0C", "name": "Polar H10 5E5E5E5E", "profile": "polar"},
    "away": {"address": "C0:FF:EE:00:00:0D", "name": "BC-DIY-A", "profile": "open", "rate_hz": 50},
    "twice": {"address": "C0:FF:EE:00:00:0F", "name": "Polar H10 0F0F0F0F", "profile": "polar"},
    # sensors that log on board (tests/ble/test_sensor_memory.py)
    "memory": {
        "address": "C0:FF:EE:00:00:10",
        "name": "BC-DIY-L",
        "profile": "open",
        "rate_hz": 50,
        "log": {},
    },
    "memory_full": {
        "address": "C0:FF:EE:00:00:11",
        "name": "BC-DIY-F",
        "profile": "open",
        "rate_hz": 50,
        "log": {"capacity": 250},  # 10 s at 25 Hz
    },
    "memory_kill": {
        "address": "C0:FF:EE:00:00:12",
        "name": "BC-DIY-K",
        "profile": "open",
        "rate_hz": 50,
        "log": {"readout_bps": 600.0},  # a slow link: the read-out takes long enough to be killed
    },
    "memory_retry": {  # its first read-out finds nothing (the test makes it so)
        "address": "C0:FF:EE:00:00:14",
        "name": "BC-DIY-R",
        "profile": "open",
        "rate_hz": 50,
        "log": {},
    },
    "memory_mw": {
        "address": "C0:FF:EE:00:00:13",
        "name": "MetaWear",
        "profile": "metamotion",
        "log": {},
    },
    # streams into a slow store (tests/ble/test_slow_store.py)
    "slow": {"address": "C0:FF:EE:00:00:15", "name": "BC-DIY-S", "profile": "open", "rate_hz": 100},
    # a name that reads as Rich markup: printed as it is, never parsed
    "markup": {
        "address": "C0:FF:EE:00:00:0E",
        "name": "Polar Sense [/] [bold]",
        "profile": "polar",
    },
}


@dataclass
class Emulator:
    bus_address: str
    devices: dict[str, dict]

    async def call(self, member: str, *args: object, signature: str = "") -> object:
        """Call a test control (Drop, Stall, Lose, Corrupt, Stats, Dump) on the emulator."""
        bus = await MessageBus(bus_address=self.bus_address, bus_type=BusType.SYSTEM).connect()
        try:
            reply = await bus.call(
                Message(
                    destination=CONTROL_NAME,
                    path=CONTROL_PATH,
                    interface="org.backcoach.Emulator1",
                    member=member,
                    signature=signature,
                    body=list(args),
                )
            )
        finally:
            bus.disconnect()
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body[0] if reply.body else None

    async def stats(self, address: str) -> dict:
        return json.loads(await self.call("Stats", address, signature="s"))


@pytest.fixture(scope="session")
def bluez(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """The emulated BlueZ with every device of DEVICES, on its own private system bus."""
    tmp = tmp_path_factory.mktemp("bluez")
    with private_bus(tmp) as address:
        old = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address  # before bleak's first call
        try:
            with emulator(address, list(DEVICES.values())):
                yield Emulator(address, DEVICES)
        finally:
            if old is None:
                os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
            else:
                os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = old

"""An emulated BlueZ: the `org.bluez` D-Bus object tree that bleak's BlueZ backend talks to.

Why: CI has no Bluetooth hardware, kernel support or bluetoothd, yet the collector must be tested
with the real, unmodified bleak. This process exports an adapter (hci0) with discovery, and one
Device1 per emulated sensor with Connect/Disconnect and GATT services whose notifications are
PropertiesChanged signals of `Value` (or, after AcquireNotify, packets on a socket). Each device
plays one profile, streaming a simulated wearer's signal in that sensor's exact wire format,
timed by its own slightly drifting crystal; what each sensor sends and how it reacts to writes
lives in `emulated_sensors.py`, the D-Bus side here.

Test controls (`org.backcoach.Emulator1` on a second bus connection, named
`org.backcoach.Emulator`): Drop (link loss), Away (out of range for a while), Stall (no data,
link up), Lose (skip packets), Corrupt (broken packets), Stats (JSON) and Dump (the samples
sent, as .npz).

Run: `python -m tests.ble.bluez_emulator --bus ADDRESS --devices JSON`; it prints "ready" once
`org.bluez` is owned. Facts that matter (see issue 7): export objects before claiming the name;
Adapter1 needs Powered and Roles=["central"]; handles are the last four hex digits of paths;
Connected=true → export GATT → ServicesResolved=true; devices are seen only through property
changes while discovering; never assign `self.name` in a ServiceInterface. As in BlueZ, a link
outlives the client that made it (a SIGKILLed collector) until Disconnect, a connected device
does not advertise, and a client's notification sessions end when it leaves the bus.
"""

# No `from __future__ import annotations`: dbus-fast reads the D-Bus signatures from annotations.

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import sys
import time

import numpy as np
from dbus_fast import BusType, DBusError, Message, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, dbus_property, method

from backcoach.collector.profiles import base, metamotion, metamotion_log, open_log
from tests.ble.emulated_memory import MetaWearLog, OpenLog
from tests.ble.emulated_sensors import Wire, wearer_signal

log = logging.getLogger("bluez_emulator")

# D-Bus signatures; dbus-fast reads them from the annotations of exported methods/properties.
STR, PATH, PATHS, BYTES, BYTE, BOOL = "s", "o", "ao", "ay", "y", "b"
STRS, U16, I16, U32, DOUBLE = "as", "q", "n", "u", "d"
DICT, MFR, FD_MTU = "a{sv}", "a{qv}", "hq"

ADAPTER_PATH = "/org/bluez/hci0"
CONTROL_NAME = "org.backcoach.Emulator"
CONTROL_PATH = "/org/backcoach/Emulator"
ADVERTISE_EVERY_S = 0.1


def device_path(address: str) -> str:
    return f"{ADAPTER_PATH}/dev_{address.upper().replace(':', '_')}"


class Characteristic(ServiceInterface):
    def __init__(self, dev: "Device", path: str, service_path: str, uuid: str, flags: list[str]):
        super().__init__("org.bluez.GattCharacteristic1")
        self.dev, self.path, self.service_path = dev, path, service_path
        self.uuid, self.flags = uuid, flags
        self.value = b""
        self.notifying = False
        self.acquired: socket.socket | None = None  # our end of an AcquireNotify socketpair
        self.subscriber = ""  # unique bus name of the client that started notifications

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> STR:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Service(self) -> PATH:
        return self.service_path

    @dbus_property(access=PropertyAccess.READ)
    def Value(self) -> BYTES:
        return self.value

    @dbus_property(access=PropertyAccess.READ)
    def Notifying(self) -> BOOL:
        return self.notifying

    @dbus_property(access=PropertyAccess.READ)
    def NotifyAcquired(self) -> BOOL:
        return self.acquired is not None

    @dbus_property(access=PropertyAccess.READ)
    def Flags(self) -> STRS:
        return self.flags

    @dbus_property(access=PropertyAccess.READ)
    def MTU(self) -> U16:
        return 247

    @method()
    def ReadValue(self, options: DICT) -> BYTES:
        self.dev.check_connected()
        return self.value

    @method()
    def WriteValue(self, value: BYTES, options: DICT):
        self.dev.check_connected()
        self.dev.on_write(self.uuid, bytes(value))

    @method()
    def StartNotify(self):
        self.dev.check_connected()
        self.notifying = True
        self.emit_properties_changed({"Notifying": True})
        self.dev.on_notify(self.uuid, True)

    @method()
    def StopNotify(self):
        self.notifying = False
        self.emit_properties_changed({"Notifying": False})
        self.dev.on_notify(self.uuid, False)

    @method()
    def AcquireNotify(self, options: DICT) -> FD_MTU:
        """Notifications through a SEQPACKET socket instead of D-Bus signals (BlueZ's fast path)."""
        self.dev.check_connected()
        if self.notifying:
            raise DBusError("org.bluez.Error.InProgress", "notifications already started")
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.setblocking(False)
        self.acquired = ours
        fd = theirs.detach()
        # our copy of the caller's end must be closed once the reply (which dup's it) is out
        asyncio.get_running_loop().call_later(1.0, os.close, fd)
        self.notifying = True
        self.dev.acquires += 1
        self.dev.on_notify(self.uuid, True)
        return [fd, 247]

    def notify(self, value: bytes) -> None:
        self.value = value
        if self.acquired is not None:
            try:
                self.acquired.send(value)
            except OSError:  # the client closed its end: notifications stopped
                self.release()
        elif self.notifying:
            self.emit_properties_changed({"Value": value})

    def client_gone(self, client: str) -> None:
        """BlueZ ends a notification session when its D-Bus client leaves (a killed process)."""
        if client and client == self.subscriber:
            self.subscriber = ""
            self.release()
            if self.notifying:
                self.notifying = False
                self.dev.on_notify(self.uuid, False)

    def release(self) -> None:
        if self.acquired is not None:
            self.acquired.close()
            self.acquired = None
            self.notifying = False
            self.dev.on_notify(self.uuid, False)


class Service(ServiceInterface):
    def __init__(self, device_path: str, uuid: str):
        super().__init__("org.bluez.GattService1")
        self.device_path, self.uuid = device_path, uuid

    @dbus_property(access=PropertyAccess.READ)
    def UUID(self) -> STR:
        return self.uuid

    @dbus_property(access=PropertyAccess.READ)
    def Primary(self) -> BOOL:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Device(self) -> PATH:
        return self.device_path

    @dbus_property(access=PropertyAccess.READ)
    def Includes(self) -> PATHS:
        return []


class Device(ServiceInterface):
    """One emulated sensor: advertising, connection, GATT tree and the sample stream."""

    def __init__(self, bus: MessageBus, adapter: "Adapter", spec: dict):
        super().__init__("org.bluez.Device1")
        self.bus, self.adapter = bus, adapter
        self.address: str = spec["address"]
        self.local_name: str = spec["name"]
        self.profile = base.get(spec["profile"])
        self.path = device_path(self.address)
        self.rate_hz = float(spec.get("rate_hz", self.profile.default_rate_hz))
        self.ppm = float(spec.get("ppm", 40.0))
        self.rssi = -60
        self.connected = False
        self.resolved = False
        # a paced clock (bench/sensor_memory.py): the sensor's time runs `speed` times the wall
        # clock, and "now" is t0 + (monotonic - mono0) * speed, as in the collector's process
        clock = spec.get("clock") or {}
        self.speed = float(clock.get("speed", 1.0))
        self.boot_mono = time.monotonic() - float(spec.get("uptime_s", 1000.0)) / self.speed
        now_s = time.time()
        if clock:
            now_s = float(clock["t0"]) + (time.monotonic() - float(clock["mono0"])) * self.speed
        self.wire = Wire(
            self.profile.name,
            self.rate_hz,
            now_s - (time.monotonic() - self.boot_mono) * self.speed,
            bool(spec.get("compressed", False)),
        )
        if spec.get("per_packet"):
            self.wire.per_packet = int(spec["per_packet"])
        signal = wearer_signal(self.rate_hz, int(spec.get("seed", 1)), spec.get("script", "day"))
        self.signal = self.wire.quantise(signal)
        self.origin: int | None = None  # sensor sample index where the signal starts
        self.battery = int(spec.get("battery", 87))
        self.gatt: list[tuple[str, ServiceInterface]] = []
        self.chars: dict[str, Characteristic] = {}
        self.streaming = False
        self.stream_task: asyncio.Task | None = None
        self.stall_until = 0.0
        self.away_until = 0.0  # out of range: no advertising, no connection, link lost
        self.lose_packets = 0
        self.corrupt_packets = 0
        self.sent_index: list[np.ndarray] = []
        self.packets = 0
        self.connects = 0
        self.acquires = 0  # AcquireNotify calls (the socket path)
        self.writes: list[str] = []
        self.away_at: list[int] = []  # sensor sample index at each Away (the truth of a gap)
        self.memory: OpenLog | MetaWearLog | None = None  # the on-board log, where it has one
        if spec.get("log") is not None and self.profile.name == "open":
            self.memory = OpenLog(self, dict(spec["log"]))
        elif spec.get("log") is not None and self.profile.name == "metamotion":
            self.memory = MetaWearLog(self, dict(spec["log"]))

    # -- Device1 -------------------------------------------------------------------------------
    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> STR:
        return self.address

    @dbus_property(access=PropertyAccess.READ)
    def AddressType(self) -> STR:
        return "random"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> STR:
        return self.local_name

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> STR:
        return self.local_name

    @dbus_property(access=PropertyAccess.READ)
    def Adapter(self) -> PATH:
        return ADAPTER_PATH

    @dbus_property(access=PropertyAccess.READ)
    def Paired(self) -> BOOL:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Bonded(self) -> BOOL:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Trusted(self) -> BOOL:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Blocked(self) -> BOOL:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def LegacyPairing(self) -> BOOL:
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> BOOL:
        return self.connected

    @dbus_property(access=PropertyAccess.READ)
    def ServicesResolved(self) -> BOOL:
        return self.resolved

    @dbus_property(access=PropertyAccess.READ)
    def RSSI(self) -> I16:
        return self.rssi

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> STRS:
        uuids = [self.profile.service_uuid]
        return [*uuids, base.BATTERY_SERVICE_UUID] if self.profile.has_battery else uuids

    @dbus_property(access=PropertyAccess.READ)
    def ManufacturerData(self) -> MFR:
        return {}

    @dbus_property(access=PropertyAccess.READ)
    def ServiceData(self) -> DICT:
        return {}

    @method()
    async def Connect(self):
        if self.connected:
            return  # BlueZ: an LE link that is up already (e.g. held for a dead client) is reused
        if time.monotonic() < self.away_until:
            await asyncio.sleep(1.0)  # the real BlueZ tries for longer before it gives up
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-local")
        await asyncio.sleep(0.02)  # a real link takes a moment; lets the caller's watcher settle
        self.connected = True
        self.connects += 1
        self.emit_properties_changed({"Connected": True})
        self._export_gatt()
        self.resolved = True
        self.emit_properties_changed({"ServicesResolved": True})

    @method()
    def Disconnect(self):
        self.drop_link()

    @method()
    def Pair(self):
        raise DBusError("org.bluez.Error.NotSupported", "pairing is not emulated")

    @method()
    def CancelPairing(self):
        pass

    # -- behaviour -----------------------------------------------------------------------------
    def check_connected(self) -> None:
        if not self.connected:
            raise DBusError("org.bluez.Error.NotConnected", f"{self.address} is not connected")

    def drop_link(self) -> None:
        """Link lost (or closed): Connected=false first, then the GATT objects go."""
        if not self.connected:
            return
        self.streaming = False
        if self.stream_task:
            self.stream_task.cancel()
            self.stream_task = None
        self.connected = False
        self.resolved = False
        self.emit_properties_changed({"Connected": False, "ServicesResolved": False})
        for path, iface in reversed(self.gatt):
            self.bus.unexport(path, iface)
        for char in self.chars.values():
            char.release()
        self.gatt.clear()
        self.chars.clear()
        if self.memory is not None:
            self.memory.stop_reading()  # a read-out ends with the link; the log keeps logging

    def _export_gatt(self) -> None:
        handle = 0x0010
        for service_uuid, service_chars in self.wire.layout(isinstance(self.memory, OpenLog)):
            spath = f"{self.path}/service{handle:04x}"
            service = Service(self.path, service_uuid)
            self.bus.export(spath, service)
            self.gatt.append((spath, service))
            for uuid, flags in service_chars:
                handle += 2
                char = Characteristic(self, f"{spath}/char{handle:04x}", spath, uuid, flags)
                char.value = self.wire.initial_value(uuid, self.battery)
                self.bus.export(char.path, char)
                self.gatt.append((char.path, char))
                self.chars[uuid] = char
            handle += 4

    def on_notify(self, uuid: str, on: bool) -> None:
        if on and uuid == self.profile.data_uuid and self.wire.streams_when_subscribed:
            self._start_stream()

    def on_write(self, uuid: str, value: bytes) -> None:
        self.writes.append(value.hex())
        if isinstance(self.memory, OpenLog) and uuid == open_log.LOG_CONTROL_UUID:
            self.memory.on_write(value, lambda v: self.notify(open_log.LOG_CONTROL_UUID, v))
            return
        if uuid == metamotion.COMMAND_UUID and metamotion_log.is_logging(value):
            if isinstance(self.memory, MetaWearLog):  # a board without logging never answers
                self.memory.on_write(value, self.notify_data)
            return
        accelerometer_power = value[:2] == bytes([0x03, 0x01]) and len(value) > 2
        if isinstance(self.memory, MetaWearLog) and accelerometer_power:
            self.memory.on_acc_power(value[2] == 1)
        start, reply = self.wire.on_write(uuid, value)
        if start is True:
            self._start_stream()
        elif start is False:
            self.streaming = False
        if reply is not None and reply[0] in self.chars:
            self.chars[reply[0]].notify(reply[1])

    def _start_stream(self) -> None:
        self.streaming = True
        if self.stream_task is None or self.stream_task.done():
            self.stream_task = asyncio.get_running_loop().create_task(self._stream())

    def sensor_index_now(self) -> int:
        """Samples taken so far by the sensor's own (drifting) clock."""
        sensor_s = (time.monotonic() - self.boot_mono) * self.speed * (1 + self.ppm * 1e-6)
        return int(sensor_s * self.rate_hz)

    def ensure_origin(self) -> None:
        """The wearer's script starts at the first sample streamed or logged."""
        if self.origin is None:
            self.origin = self.sensor_index_now()

    def notify(self, uuid: str, value: bytes) -> bool:
        """Send a notification on `uuid` if a client listens; False when the link is gone."""
        char = self.chars.get(uuid)
        if not self.connected or char is None:
            return False
        if char.notifying or char.acquired is not None:
            char.notify(value)
        return True

    def notify_data(self, value: bytes) -> bool:
        return self.notify(self.profile.data_uuid, value)

    async def _stream(self) -> None:
        """Send every packet whose last sample is due; samples while not sending are dropped."""
        n = self.wire.per_packet
        next_i = self.sensor_index_now()
        if self.origin is None:
            self.origin = next_i
        period = n / self.rate_hz / self.speed  # wall seconds per packet
        while self.streaming and self.connected:
            due = self.sensor_index_now()
            while next_i + n <= due:
                self._send(next_i, n)
                next_i += n
            await asyncio.sleep(period / 2)

    def _send(self, first: int, n: int) -> None:
        idx = np.arange(first, first + n)
        data = self.chars.get(self.profile.data_uuid)
        if time.monotonic() < self.stall_until or data is None or not data.notifying:
            return
        if self.lose_packets:
            self.lose_packets -= 1
            self.wire.seq = (self.wire.seq + 1) & 0xFFFF  # the counter shows the loss
            return
        payload = self.wire.packet(first, self.signal_at(idx))
        if self.corrupt_packets:
            self.corrupt_packets -= 1
            payload = self.wire.corrupt(payload, self.corrupt_packets)
        else:
            self.sent_index.append(idx)
        self.packets += 1
        data.notify(payload)

    def advertise(self) -> None:
        if not self.connected and time.monotonic() >= self.away_until:
            self.rssi = -60 - (self.rssi + 61) % 3  # a changing RSSI is what scanners see
            self.emit_properties_changed({"RSSI": self.rssi})

    def stats(self) -> dict:
        """Counters; `dropped_samples` = samples between the first and last sent that were not."""
        sent = int(sum(a.shape[0] for a in self.sent_index))
        span = int(self.sent_index[-1][-1] - self.sent_index[0][0] + 1) if sent else 0
        return {
            "sent_samples": sent,
            "dropped_samples": span - sent,
            "packets": self.packets,
            "connects": self.connects,
            "acquires": self.acquires,
            "origin": self.origin,  # sensor index where the wearer's script starts (truth)
            "connected": self.connected,
            "streaming": self.streaming,
            "writes": self.writes,
            "boot_epoch_s": self.wire.boot_epoch_s,  # host time of the sensor clock's zero
            "index_now": self.sensor_index_now(),
            "away_at": self.away_at,
        }

    def truth(self, first: int, last: int, path: str) -> None:
        """Every sample the sensor took with index in [first, last): what a log should give."""
        idx = np.arange(first, last)
        t_s = self.wire.boot_epoch_s + idx / self.rate_hz / (1 + self.ppm * 1e-6)
        np.savez(path, index=idx, acc_g=self.signal_at(idx), t_s=t_s)

    def dump(self, path: str) -> None:
        idx = np.concatenate(self.sent_index) if self.sent_index else np.empty(0, np.int64)
        # when each sample was taken, on the host's wall clock (the sensor clock runs ppm fast)
        t_s = self.wire.boot_epoch_s + idx / self.rate_hz / (1 + self.ppm * 1e-6)
        np.savez(path, index=idx, acc_g=self.signal_at(idx), t_s=t_s)

    def signal_at(self, idx: np.ndarray) -> np.ndarray:
        return self.signal[(idx - (self.origin or 0)) % self.signal.shape[0]]


class Adapter(ServiceInterface):
    def __init__(self):
        super().__init__("org.bluez.Adapter1")
        self.discovering = False
        self.devices: dict[str, Device] = {}
        self._adv_task: asyncio.Task | None = None

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> STR:
        return "00:1A:7D:DA:71:13"

    @dbus_property(access=PropertyAccess.READ)
    def Name(self) -> STR:
        return "emulated-hci0"

    @dbus_property(access=PropertyAccess.READ)
    def Alias(self) -> STR:
        return "emulated-hci0"

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> BOOL:
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Discovering(self) -> BOOL:
        return self.discovering

    @dbus_property(access=PropertyAccess.READ)
    def Roles(self) -> STRS:
        return ["central", "peripheral"]

    @dbus_property(access=PropertyAccess.READ)
    def UUIDs(self) -> STRS:
        return []

    @method()
    def SetDiscoveryFilter(self, properties: DICT):
        pass

    @method()
    def GetDiscoveryFilters(self) -> STRS:
        return ["UUIDs", "RSSI", "Transport", "DuplicateData"]

    @method()
    def StartDiscovery(self):
        self.discovering = True
        self.emit_properties_changed({"Discovering": True})
        if self._adv_task is None or self._adv_task.done():
            self._adv_task = asyncio.get_running_loop().create_task(self._advertise())

    @method()
    def StopDiscovery(self):
        self.discovering = False
        self.emit_properties_changed({"Discovering": False})

    @method()
    def RemoveDevice(self, device: PATH):
        pass  # emulated sensors stay known: they come back as soon as they advertise again

    async def _advertise(self) -> None:
        while self.discovering:
            for dev in self.devices.values():
                dev.advertise()
            await asyncio.sleep(ADVERTISE_EVERY_S)


class Control(ServiceInterface):
    """What tests do to the emulated sensors (on its own bus connection and name)."""

    def __init__(self, adapter: Adapter):
        super().__init__("org.backcoach.Emulator1")
        self.adapter = adapter

    def _dev(self, address: str) -> Device:
        try:
            return self.adapter.devices[address.upper()]
        except KeyError:
            raise DBusError("org.backcoach.Error.NoDevice", f"no emulated {address}") from None

    @method()
    def Drop(self, address: STR):
        self._dev(address).drop_link()

    @method()
    def Away(self, address: STR, seconds: DOUBLE):
        """The sensor leaves radio range for `seconds`: link lost, silent, unreachable."""
        dev = self._dev(address)
        dev.away_until = time.monotonic() + seconds
        dev.away_at.append(dev.sensor_index_now())
        dev.drop_link()

    @method()
    def Stall(self, address: STR, seconds: DOUBLE):
        self._dev(address).stall_until = time.monotonic() + seconds

    @method()
    def Lose(self, address: STR, packets: U32):
        self._dev(address).lose_packets += packets

    @method()
    def Corrupt(self, address: STR, packets: U32):
        self._dev(address).corrupt_packets += packets

    @method()
    def SetBattery(self, address: STR, percent: BYTE):
        dev = self._dev(address)
        dev.battery = percent
        char = dev.chars.get(base.BATTERY_LEVEL_UUID)
        if char:
            char.value = bytes([percent])

    @method()
    def Stats(self, address: STR) -> STR:
        return json.dumps(self._dev(address).stats())

    @method()
    def Dump(self, address: STR, path: STR):
        self._dev(address).dump(path)

    @method()
    def Truth(self, address: STR, first: U32, last: U32, path: STR):
        self._dev(address).truth(first, last, path)

    @method()
    def LogStats(self, address: STR) -> STR:
        """JSON: what the sensor's log holds and what was asked of it ({} without a log)."""
        dev = self._dev(address)
        return json.dumps({} if dev.memory is None else dev.memory.summary())


def track_clients(bus: MessageBus, adapter: Adapter) -> None:
    """Note which client starts notifications, and end its sessions when it leaves the bus.

    Real BlueZ keeps a notification session per D-Bus client and drops it (disabling the
    characteristic's notifications) when that client disconnects, e.g. a SIGKILLed collector;
    the LE link itself stays up until someone calls Disconnect.
    """

    def on_message(msg: Message) -> None:
        if msg.member in ("StartNotify", "AcquireNotify") and msg.sender:
            for dev in adapter.devices.values():
                for char in dev.chars.values():
                    if char.path == msg.path:
                        char.subscriber = msg.sender
        elif msg.member == "NameOwnerChanged" and msg.body and msg.body[2] == "":
            for dev in adapter.devices.values():
                for char in list(dev.chars.values()):
                    char.client_gone(msg.body[0])

    bus.add_message_handler(on_message)


async def serve(bus_address: str, specs: list[dict]) -> None:
    bus = await MessageBus(
        bus_address=bus_address, bus_type=BusType.SYSTEM, negotiate_unix_fd=True
    ).connect()
    adapter = Adapter()
    bus.export(ADAPTER_PATH, adapter)
    for spec in specs:
        dev = Device(bus, adapter, spec)
        adapter.devices[dev.address.upper()] = dev
        bus.export(dev.path, dev)
    track_clients(bus, adapter)
    await bus.call(
        Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member="AddMatch",
            signature="s",
            body=["type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'"],
        )
    )
    await bus.request_name("org.bluez")  # only after the tree exists (bleak reads it at once)
    control_bus = await MessageBus(bus_address=bus_address).connect()
    control_bus.export(CONTROL_PATH, Control(adapter))
    await control_bus.request_name(CONTROL_NAME)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()
    for dev in adapter.devices.values():  # bleak learns of a disconnect only from Connected
        dev.drop_link()
    await asyncio.sleep(0.05)
    bus.disconnect()
    control_bus.disconnect()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bus", required=True, help="D-Bus address of the private system bus")
    ap.add_argument("--devices", required=True, help="JSON list of device specs")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve(args.bus, json.loads(args.devices)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

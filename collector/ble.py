"""Bluetooth LE: find a sensor, connect, stream, and keep streaming through drop-outs.

Where bytes enter backcoach. `async_scan`/`async_find` use bleak's scanner and the profiles'
advertised services; `SensorLink.run` owns one sensor for a whole session:

1. connect with bleak-retry-connector (it retries the transient BlueZ failures); a link the
   system still holds (left by a killed collector) is taken over (`ble_held`);
2. read the Battery Level, subscribe to the data (and control) characteristics, send the
   profile's start commands;
3. decode every notification (a broken one is counted and logged once per kind, never raised),
   time its samples with `SampleClock` and hand them on; loss becomes a gap, never invented data;
4. a watchdog ends the connection when no data came for `watchdog_s` (a silent sensor, or a
   peer that vanished without BlueZ noticing), and the link is rebuilt with back-off
   (`backcoach.backoff`, every 30 s however long the sensor stays away; a line in the log
   after 1, 2 and 4 hours away, then every 6 hours). The clock and counters survive, so a
   reconnect resumes the same session. No error, foreseen or not, ends `run`: a sensor left
   at work overnight must not end the collector.

The Bluetooth stack is reached through a `Radio` (`radio.py`) and time through a `Clock`
(`backcoach.clock`), so a week away can be played on a fake clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError

from backcoach.backoff import Backoff
from backcoach.clock import SYSTEM, Clock
from backcoach.collector.ble_held import connected_sensors
from backcoach.collector.ble_timing import SampleClock
from backcoach.collector.profiles import base
from backcoach.collector.profiles.base import Command, DecodeError, Profile
from backcoach.collector.radio import BleakRadio, Radio
from backcoach.errors import BluetoothUnavailable, SensorNotFound
from backcoach.processing.types import Samples

log = logging.getLogger(__name__)
T = TypeVar("T")

WATCHDOG_S = 5.0  # no data for this long means the stream is dead (issue 7 default)
FIND_TIMEOUT_S = 10.0  # scan this long for the sensor before saying it is not there
COMMAND_TIMEOUT_S = 5.0  # a GATT write or read that takes longer has failed
BATTERY_EVERY_S = 60.0
BACKOFF_MAX_S = 30.0  # a sensor out of range is looked for this often, however long it stays away
#: After the first attempts, a sensor still away is said after 1, 2, 4 h, then every 6 h.
AWAY_LOG = Backoff(base_s=3600.0, cap_s=6 * 3600.0)
DRAIN_S = 0.2  # after the stop command, notifications sent before it may still be in the bus
LINK_ERRORS = (BleakError, TimeoutError, EOFError, OSError, KeyError)


LINK_BACKOFF = Backoff(base_s=0.5, cap_s=BACKOFF_MAX_S)


def backoff_s(attempt: int) -> float:
    """Wait before reconnect attempt `attempt` (1, 2, ...): 0.5 s doubling to 30 s, for any n."""
    return LINK_BACKOFF.delay_s(attempt)


async def _write_all(client: BleakClient, commands: list[Command]) -> None:
    """Write a profile's commands in order, each within COMMAND_TIMEOUT_S."""
    for cmd in commands:
        await asyncio.wait_for(
            client.write_gatt_char(cmd.char_uuid, cmd.payload, cmd.response), COMMAND_TIMEOUT_S
        )


class _Stopped(Exception):
    """The session was stopped while waiting for the sensor (internal)."""


async def _unless_stopped(stop: asyncio.Event, aw: Awaitable[T]) -> T:
    """Await `aw`, but give up (cancelling it) as soon as `stop` is set: Ctrl-C never waits."""
    task = asyncio.ensure_future(aw)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, *LINK_ERRORS):
        await task
    raise _Stopped


@dataclass(frozen=True)
class FoundSensor:
    """A nearby sensor that matches a known profile."""

    name: str
    address: str
    rssi: int
    profile: str
    device: BLEDevice = field(repr=False, compare=False)
    held: bool = False  # the system already holds a connection to it (no scan saw it)


def _match(device: BLEDevice, adv: AdvertisementData, sensor: str, profile: str) -> Profile | None:
    """The profile of an advertising device if it is the sensor asked for, else None."""
    name = device.name or adv.local_name or ""
    named = bool(sensor) and sensor.lower() in (device.address.lower(), name.lower())
    if sensor and not named:
        return None
    found = base.detect(adv.service_uuids, name)
    if profile and named and found is None:
        return base.get(profile)  # asked for by name: trust the profile the user gave
    if found is None or (profile and found.name != profile):
        return None
    return found


@contextlib.asynccontextmanager
async def _scanning(on_adv: Callable[[BLEDevice, AdvertisementData], None]):
    """A running BleakScanner; no Bluetooth stack at all becomes one clear BluetoothUnavailable."""
    scanner = BleakScanner(detection_callback=on_adv)
    try:
        await scanner.start()
    except (BleakError, OSError) as exc:
        raise BluetoothUnavailable(
            f"Bluetooth is not available here ({type(exc).__name__}: {exc}); on Linux install "
            "BlueZ (package bluez), start it (systemctl start bluetooth) and switch the adapter "
            "on; or try `backcoach demo` without a sensor"
        ) from exc
    try:
        yield scanner
    finally:
        with contextlib.suppress(BleakError, OSError):
            await scanner.stop()


async def async_scan(timeout_s: float = 5.0, *, profile: str = "") -> list[FoundSensor]:
    """Every sensor of a known profile heard within `timeout_s`, strongest first."""
    if profile:
        base.get(profile)  # an unknown name fails before scanning
    seen: dict[str, FoundSensor] = {}

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        p = _match(device, adv, "", profile)
        if p is not None:
            seen[device.address] = FoundSensor(
                device.name or adv.local_name or "", device.address, adv.rssi, p.name, device
            )

    async with _scanning(on_adv):
        await asyncio.sleep(timeout_s)
    return sorted(seen.values(), key=lambda s: -s.rssi)


async def async_find(
    sensor: str = "", profile: str = "", timeout_s: float = FIND_TIMEOUT_S
) -> FoundSensor:
    """The first sensor heard that matches a name or address and a profile (empty = any).

    A sensor the system is still connected to (a killed collector's link) does not advertise;
    it is found among the system's connections first, and taken over.
    """
    if profile:
        base.get(profile)
    for device, p in await connected_sensors(sensor, profile):
        log.info("%s is still connected (a link left by an earlier run); taking it over", device)
        return FoundSensor(device.name or "", device.address, 0, p.name, device, held=True)
    hit: asyncio.Future[FoundSensor] = asyncio.get_running_loop().create_future()
    heard: dict[str, str] = {}  # sensors of a known profile that are not the one asked for

    def on_adv(device: BLEDevice, adv: AdvertisementData) -> None:
        name = device.name or adv.local_name or ""
        p = _match(device, adv, sensor, profile)
        if p is not None and not hit.done():
            hit.set_result(FoundSensor(name, device.address, adv.rssi, p.name, device))
        elif p is None and _match(device, adv, "", profile) is not None:
            heard[device.address] = f"{name} ({device.address})" if name else device.address

    async with _scanning(on_adv):
        try:
            return await asyncio.wait_for(hit, timeout_s)
        except TimeoutError:
            raise _not_found(sensor, profile, timeout_s, sorted(heard.values())) from None


def _not_found(sensor: str, profile: str, timeout_s: float, heard: list[str]) -> SensorNotFound:
    """No answer: say which sensors were heard instead (a mistyped name shows at once)."""
    what = f"sensor {sensor!r}" if sensor else "sensor"
    kind = f" with the {profile} profile" if profile else " of a known profile"
    if heard:
        fix = f"heard instead: {', '.join(heard)}; check the name (`backcoach scan`)"
    else:
        fix = "switch it on, bring it close, and check `backcoach scan`"
    exc = SensorNotFound(f"no {what}{kind} answered within {timeout_s:.0f} s; {fix}")
    exc.heard = tuple(heard)
    return exc


@dataclass
class LinkStats:
    """Counters of one sensor link, for the status line and the store."""

    state: str = "starting"
    packets: int = 0
    samples: int = 0
    lost_samples: int = 0
    lost_packets: int = 0
    corrupt: dict[str, int] = field(default_factory=dict)
    connects: int = 0
    watchdog_trips: int = 0
    battery: int | None = None
    last_sample_s: float | None = None


class SensorLink:
    """One sensor for one session: connect, stream, watchdog, reconnect with back-off."""

    def __init__(
        self,
        found: FoundSensor,
        *,
        on_samples: Callable[[Samples], None],
        on_gap: Callable[[float, float, int], None] | None = None,
        profile: Profile | None = None,
        rate_hz: float | None = None,
        range_g: float | None = None,
        watchdog_s: float = WATCHDOG_S,
        acquire_notify: bool = False,
        clock: Clock = SYSTEM,
        radio: Radio | None = None,
        on_state: Callable[[str], None] | None = None,
    ) -> None:
        self.found = found
        self.on_state = on_state  # told when streaming starts or ends
        self.clock = clock
        self.radio = radio or BleakRadio()
        self.profile = profile or base.get(found.profile)
        self.rate_hz = self.profile.pick_rate(rate_hz)
        self.range_g = self.profile.pick_range(range_g)
        self.watchdog_s = watchdog_s
        self.acquire_notify = acquire_notify  # BlueZ's socket path: fewer drops at high rates
        self.on_samples = on_samples
        self.on_gap = on_gap
        self.timing = SampleClock(self.rate_hz)
        self.stats = LinkStats()
        self._client: BleakClient | None = None
        self._last_rx = 0.0  # monotonic time of the last notification
        self._last_seq: int | None = None
        self._data_since_connect = False
        self._takeover = found.held  # this connect takes over a link the system held
        self._release_held = False  # taking a held link over failed: disconnect it, then scan
        self._logged: set[str] = set()

    # -- the session loop ------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Stream until `stop` is set; every failure leads to a reconnect, never to an exception."""
        attempt = 0
        away_since: float | None = None  # when the last streaming ended
        said_at, said = 0.0, 0  # the last "still away" line, and how many since it left
        while not stop.is_set():
            streamed_before = self.stats.packets
            try:
                await self._connected_session(stop)
            except _Stopped:
                break
            except LINK_ERRORS as exc:
                self._once(f"link:{type(exc).__name__}", f"{self.found.address}: {exc}")
            except Exception as exc:  # ours or a library's bug: keep the sensor all the same
                self._once(
                    f"error:{type(exc).__name__}",
                    f"{self.found.address}: unexpected {type(exc).__name__} ({exc}); reconnecting",
                )
            if stop.is_set():
                break
            streamed = self.stats.packets > streamed_before
            self._release_held = self._takeover and not streamed
            attempt = 1 if streamed else attempt + 1
            now = self.clock.monotonic()
            if streamed or away_since is None:
                away_since, said = now, 0
            self._set_state("reconnecting")
            delay = backoff_s(attempt)
            if attempt <= 3:
                said_at = now
                log.info(
                    "%s: reconnecting in %.1f s (attempt %d)", self.found.address, delay, attempt
                )
            elif now - said_at >= AWAY_LOG.delay_s(said + 1):  # away for days: a few lines
                said_at, said = now, said + 1
                log.info(
                    "%s: still away after %.0f h; looking for it every %.0f s",
                    self.found.address,
                    (now - away_since) / 3600,
                    BACKOFF_MAX_S,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        self._set_state("stopped")

    async def _connected_session(self, stop: asyncio.Event) -> None:
        lost = asyncio.Event()
        self._set_state("connecting")
        device = await _unless_stopped(stop, self._locate())
        client = await _unless_stopped(
            stop, self.radio.connect(device, self.found.name or self.found.address, lost.set)
        )
        self._client = client
        self.stats.connects += 1
        try:
            await self._start(client)
            if self.stats.connects > 1:
                log.info("%s: streaming again (recovered)", self.found.address)
            await self._watch(client, stop, lost)
        finally:
            self._client = None
            if stop.is_set() and client.is_connected:
                with contextlib.suppress(*LINK_ERRORS):
                    await _write_all(client, self.profile.stop())
                    await asyncio.wait_for(
                        client.stop_notify(self.profile.data_uuid), COMMAND_TIMEOUT_S
                    )
                    await asyncio.sleep(DRAIN_S)  # notifications already on their way still count
            with contextlib.suppress(*LINK_ERRORS):
                await asyncio.wait_for(client.disconnect(), COMMAND_TIMEOUT_S)

    async def _locate(self) -> BLEDevice:
        """The sensor as the system knows it now: a link it still holds, else found by a scan."""
        if self.stats.connects == 0 and not self._release_held:
            return self.found.device
        self._set_state("searching")
        held = await self.radio.held(self.found.address, self.found.profile)
        self._takeover = bool(held) and not self._release_held
        if self._takeover:
            return held[0]
        if held:
            log.info("%s: letting go of the link the system held; scanning", self.found.address)
            await self.radio.release(self.found.address)
        device = await self.radio.find(self.found.address, FIND_TIMEOUT_S)
        if device is None:
            raise BleakError(f"{self.found.address} is not advertising")
        return device

    async def _start(self, client: BleakClient) -> None:
        if self._takeover:  # it may still stream with another run's settings: start afresh
            with contextlib.suppress(*LINK_ERRORS):
                await _write_all(client, self.profile.stop())
        await self._read_battery(client)
        for uuid in self.profile.notify_uuids:
            await client.start_notify(uuid, self._on_control)
        await client.start_notify(
            self.profile.data_uuid,
            self._on_data,
            bluez={"use_start_notify": not self.acquire_notify},
        )
        await _write_all(client, self.profile.start(self.rate_hz, self.range_g))
        self._last_rx = self.clock.monotonic()
        self._data_since_connect = False
        self._set_state("streaming")

    async def _watch(self, client: BleakClient, stop: asyncio.Event, lost: asyncio.Event) -> None:
        """Wait for stop, a disconnect, or silence longer than the watchdog allows."""
        battery_at = self.clock.monotonic()
        tick = min(0.25, self.watchdog_s / 4)
        while not stop.is_set():
            if lost.is_set():
                log.warning("%s: connection lost", self.found.address)
                return
            silent_s = self.clock.monotonic() - self._last_rx
            # some sensors take long to start streaming (Polar: up to a minute)
            limit_s = self.watchdog_s
            if not self._data_since_connect:
                limit_s = max(limit_s, self.profile.start_grace_s)
            if silent_s > limit_s:
                self.stats.watchdog_trips += 1
                log.warning(
                    "%s: no data for %.1f s (watchdog %.1f s); reconnecting",
                    self.found.address,
                    silent_s,
                    limit_s,
                )
                return
            if self.clock.monotonic() - battery_at > BATTERY_EVERY_S:
                battery_at = self.clock.monotonic()
                await self._read_battery(client)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), tick)

    async def _read_battery(self, client: BleakClient) -> None:
        if (
            not self.profile.has_battery
            or client.services.get_characteristic(base.BATTERY_LEVEL_UUID) is None
        ):
            return
        try:
            value = await asyncio.wait_for(
                client.read_gatt_char(base.BATTERY_LEVEL_UUID), COMMAND_TIMEOUT_S
            )
        except LINK_ERRORS as exc:
            self._once("battery", f"{self.found.address}: cannot read the battery level: {exc}")
            return
        if value:
            self.stats.battery = int(value[0])

    # -- notifications ---------------------------------------------------------------------------
    def _on_data(self, _char: object, data: bytearray) -> None:
        rx_s = self.clock.time()
        self._last_rx = self.clock.monotonic()
        self._data_since_connect = True
        try:
            frame = self.profile.decode(bytes(data), self.rate_hz, self.range_g)
        except DecodeError as exc:
            self.stats.corrupt[exc.kind] = self.stats.corrupt.get(exc.kind, 0) + 1
            self._once(f"decode:{exc.kind}", f"{self.found.address}: {exc} (counted, skipped)")
            return
        self.stats.packets += 1
        seq_lost = 0
        seq_restart = False
        if frame.seq is not None and self.profile.seq_modulo:
            if self._last_seq is not None:
                seq_lost = (frame.seq - self._last_seq - 1) % self.profile.seq_modulo
                # a counter that went back (more than half its range "lost") was restarted,
                # even when the restarted sensor clock happens to read later than the old one
                seq_restart = seq_lost > self.profile.seq_modulo // 2
            self._last_seq = frame.seq
        placed = self.timing.place(len(frame), rx_s, frame.first_t_s, restart=seq_restart)
        if placed.restarted:  # a rebooted sensor counts its packets from scratch
            log.info("%s: the sensor's clock restarted", self.found.address)
            seq_lost = 0
        # the counter shows packets lost in flight; the clock also sees samples never sent
        # (link down, sensor stalled), counted in packets of this packet's size
        self.stats.lost_packets += max(seq_lost, math.ceil(placed.lost_samples / len(frame)))
        if placed.lost_samples:
            self.stats.lost_samples += placed.lost_samples
            if self.on_gap and placed.gap_start_s is not None and placed.gap_end_s is not None:
                self.on_gap(placed.gap_start_s, placed.gap_end_s, placed.lost_samples)
        self.stats.samples += len(frame)
        self.stats.last_sample_s = float(placed.t_s[-1])
        self.on_samples(Samples(placed.t_s, frame.acc_g))

    def _on_control(self, _char: object, data: bytearray) -> None:
        if self.profile.control_error and (error := self.profile.control_error(bytes(data))):
            log.warning("%s: %s", self.found.address, error)

    # -- extras ----------------------------------------------------------------------------------
    async def buzz(self, duration_s: float = 0.5) -> bool:
        """Make the sensor vibrate; False (and a debug line) where it has no motor or no link."""
        client = self._client
        if self.profile.buzz is None or client is None or not client.is_connected:
            log.debug(
                "%s: cannot buzz (no motor in this profile, or not connected)", self.found.address
            )
            return False
        try:
            await _write_all(client, self.profile.buzz(duration_s))
        except LINK_ERRORS as exc:
            log.warning("%s: buzz failed: %s", self.found.address, exc)
            return False
        return True

    def _set_state(self, state: str) -> None:
        was, self.stats.state = self.stats.state, state
        if self.on_state is not None and "streaming" in (was, state) and was != state:
            self.on_state(state)

    def _once(self, key: str, message: str) -> None:
        """Log a kind of failure once at warning level; repeats go to debug."""
        if key in self._logged:
            log.debug(message)
        else:
            self._logged.add(key)
            log.warning(message)

"""What a sensor profile is: UUIDs, a pure decoder and the bytes that start and stop streaming.

Why a profile is data plus a pure function: the BLE code (`collector/ble.py`) never needs to know
which sensor it talks to, and every decoder can be tested with bytes alone. A profile module
defines one `PROFILE`; `get(name)` imports it lazily and `detect(service_uuids)` picks the profile
whose service a device advertises.

Decoders turn one notification into a `Frame`: accelerations in g and, where the sensor sends
them, its packet counter and the sensor-clock time of the first sample. Timestamps on the host
clock are made later, by `collector/ble_timing.py`, because that needs state across packets.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from backcoach.errors import BackcoachError

#: Standard Battery Service and Battery Level characteristic (uint8, percent).
BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

#: Profile name → module that defines `PROFILE` (imported on first use).
PROFILE_MODULES: dict[str, str] = {
    "open": "backcoach.collector.profiles.open_profile",
    "polar": "backcoach.collector.profiles.polar",
    "witmotion": "backcoach.collector.profiles.witmotion",
    "thingy": "backcoach.collector.profiles.thingy",
    "movesense": "backcoach.collector.profiles.movesense",
    "metamotion": "backcoach.collector.profiles.metamotion",
}


class DecodeError(BackcoachError):
    """A notification could not be decoded; `kind` names the defect (short, header, ...)."""

    def __init__(self, profile: str, kind: str, detail: str) -> None:
        super().__init__(f"{profile}: {kind} packet: {detail}")
        self.profile = profile
        self.kind = kind


@dataclass(frozen=True, slots=True)
class Frame:
    """The samples of one notification.

    acc_g       (n, 3) float32 accelerations in the sensor's axes, in g
    first_t_s   sensor-clock time of the first sample in seconds, or None if the sensor sends none
    seq         the sensor's packet counter, or None
    """

    acc_g: np.ndarray
    first_t_s: float | None = None
    seq: int | None = None

    def __len__(self) -> int:
        return int(self.acc_g.shape[0])


@dataclass(frozen=True, slots=True)
class Command:
    """Bytes to write to one characteristic (with response unless `response` is False)."""

    char_uuid: str
    payload: bytes
    response: bool = True


@dataclass(frozen=True)
class Profile:
    """One sensor family: how to find it, start it, decode it and (where it can) buzz it.

    `decode(payload, rate_hz, range_g)` is pure and raises only `DecodeError`.
    `start(rate_hz, range_g)` returns the commands that start accelerometer streaming after the
    data characteristic is subscribed; `stop()` the ones that stop it.
    """

    name: str
    title: str
    service_uuid: str
    data_uuid: str
    decode: Callable[[bytes, float, float], Frame]
    start: Callable[[float, float], list[Command]]
    stop: Callable[[], list[Command]]
    rates_hz: tuple[float, ...]
    default_rate_hz: float
    ranges_g: tuple[float, ...] = (8.0,)
    default_range_g: float = 8.0
    seq_modulo: int | None = None  # the packet counter wraps here
    has_battery: bool = True
    buzz: Callable[[float], list[Command]] | None = None  # duration_s → commands; None = no motor
    notify_uuids: tuple[str, ...] = field(default=())  # further characteristics to subscribe to
    #: Reads a control-point response; returns an error text when the sensor refused a command.
    control_error: Callable[[bytes], str | None] | None = None
    name_prefixes: tuple[str, ...] = ()  # advertised names that identify the sensor
    start_grace_s: float = 10.0  # silence allowed between the start command and the first data

    def pick_rate(self, rate_hz: float | None) -> float:
        """The supported rate closest to `rate_hz` (the default when None)."""
        if rate_hz is None:
            return self.default_rate_hz
        return min(self.rates_hz, key=lambda r: abs(r - rate_hz))

    def pick_range(self, range_g: float | None) -> float:
        if range_g is None:
            return self.default_range_g
        return min(self.ranges_g, key=lambda r: abs(r - range_g))


def get(name: str) -> Profile:
    """The profile called `name` (open, polar, witmotion, thingy, movesense, metamotion)."""
    try:
        module = PROFILE_MODULES[name]
    except KeyError:
        raise UnknownProfile(name) from None
    return importlib.import_module(module).PROFILE


def all_profiles() -> list[Profile]:
    return [get(name) for name in PROFILE_MODULES]


def detect(service_uuids: Iterable[str], name: str = "") -> Profile | None:
    """The profile whose service is advertised, else the one whose name prefix `name` has.

    Names matter because some sensors advertise only a standard service (the Polar H10 shows
    Heart Rate, not PMD) and a small advertisement may leave out 128-bit UUIDs.
    """
    advertised = {u.lower() for u in service_uuids}
    profiles = all_profiles()
    for profile in profiles:
        if profile.service_uuid.lower() in advertised:
            return profile
    for profile in profiles:
        if name and name.startswith(profile.name_prefixes):
            return profile
    return None


class UnknownProfile(BackcoachError):
    """A profile name that backcoach does not know."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"unknown sensor profile {name!r}; use one of {', '.join(PROFILE_MODULES)}"
        )
        self.profile = name


def int16_triples(payload: bytes, offset: int, profile: str) -> np.ndarray:
    """Little-endian int16 x, y, z triples from `offset` to the end, as an (n, 3) int16 array."""
    body = len(payload) - offset
    if body <= 0 or body % 6:
        raise DecodeError(profile, "length", f"{len(payload)} bytes is not a header plus xyz int16")
    return np.frombuffer(payload, dtype="<i2", offset=offset).reshape(-1, 3)

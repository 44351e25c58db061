"""One error family, so the command line can print any failure as one line and exit cleanly.

Subclasses exist only where a caller acts differently. Messages say what failed, for what, and
what to do; data goes in attributes, never to be parsed back out of the message.
"""

from __future__ import annotations


class BackcoachError(Exception):
    """Base of every error backcoach raises on purpose; the CLI prints it as one line."""


class ConfigError(BackcoachError):
    """A setting is missing or has a value that cannot work."""


class InputFormatError(BackcoachError):
    """An input file cannot be read as accelerometer data."""


class StoreUnavailable(BackcoachError):
    """The configured store cannot be reached or refused the request."""


class SensorNotFound(BackcoachError):
    """No matching sensor answered a scan; `heard` names the sensors that did."""

    heard: tuple[str, ...] = ()


class SensorLost(BackcoachError):
    """A connected sensor stopped delivering data and could not be brought back."""


class BluetoothUnavailable(BackcoachError):
    """This machine has no usable Bluetooth stack (no BlueZ, no D-Bus, no adapter)."""

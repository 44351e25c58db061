"""Where backcoach keeps data: the `Store` protocol and its embedded and InfluxDB homes.

`open_store(settings)` is the one way in (and `open_fleet` for a practice's many wearers);
callers never construct a store class themselves, so switching `storage = "influxdb"` in the
settings changes every command and the dashboard at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backcoach.errors import ConfigError
from backcoach.storage.base import FleetReader, Store, WearerDays

if TYPE_CHECKING:
    from collections.abc import Sequence

    from backcoach.config import Settings

__all__ = ["FleetReader", "Store", "WearerDays", "open_fleet", "open_store"]


def open_store(settings: Settings) -> Store:
    """The store the settings select (embedded SQLite by default)."""
    if settings.storage == "embedded":
        from backcoach.storage.sqlite import SQLiteStore

        return SQLiteStore(settings.sqlite_path, tz_name=settings.timezone)
    if settings.storage == "influxdb":
        from backcoach.storage.influx import InfluxStore

        return InfluxStore.from_settings(settings)
    raise ConfigError(
        f"storage {settings.storage!r} is not available in this build; use storage = 'embedded'"
    )


def open_fleet(settings: Settings, wearers: Sequence[tuple[str, str]]) -> FleetReader:
    """The reader of many wearers' days, each (name, bucket), through `settings.influx`'s account:
    a practice's overview (docs/practice.md). Only InfluxDB keeps many wearers."""
    if settings.storage != "influxdb":
        raise ConfigError(
            f"a practice reads its wearers from InfluxDB, not from storage {settings.storage!r}; "
            "set storage = 'influxdb' (BACKCOACH_STORAGE=influxdb) and influx.url"
        )
    from backcoach.storage.influx_fleet import InfluxFleet

    return InfluxFleet(settings.influx, wearers)

"""Where backcoach keeps data: the `Store` protocol and its embedded and InfluxDB homes.

`open_store(settings)` is the one way in; callers never construct a store class themselves, so
switching `storage = "influxdb"` in the settings changes every command and the dashboard at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backcoach.errors import ConfigError
from backcoach.storage.base import Store

if TYPE_CHECKING:
    from backcoach.config import Settings

__all__ = ["Store", "open_store"]


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

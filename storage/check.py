"""Reading commands on a store that is not there or holds nothing: say so, and where we looked.

Why: a mistyped BACKCOACH_DATA_DIR used to give `export` "0 epochs" and exit 0, and created the
mistyped folder on the way. Commands that only read or remove data open the store through
`open_for_reading`, which never creates an embedded store, and `require_data` turns an empty one
into one line naming the store and the setting that chose it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backcoach.errors import BackcoachError

if TYPE_CHECKING:
    from backcoach.config import Settings
    from backcoach.storage.base import Store

#: Wide enough for any diary or summary day a store can hold (as `dashboard/export.py` reads).
ALL_DAYS = ("0001-01-01", "9999-12-31")


class EmptyStore(BackcoachError):
    """The store holds no data (or is not there); `where` says which store was looked at."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


def where(settings: Settings) -> str:
    """The store the settings select, as a person would look for it: a file or a bucket."""
    if settings.storage == "embedded":
        return f"the embedded store {settings.sqlite_path}"
    return f"InfluxDB bucket {settings.influx.bucket!r} at {settings.influx.url}"


def _hint(settings: Settings) -> str:
    if settings.storage == "embedded":
        return (
            "if your data is elsewhere, check BACKCOACH_DATA_DIR or data_dir in the settings "
            "file (`backcoach config show`); to try backcoach, run `backcoach demo`"
        )
    return "check BACKCOACH_INFLUX_BUCKET and BACKCOACH_INFLUX_URL (`backcoach config show`)"


def open_for_reading(settings: Settings) -> Store:
    """The configured store, without creating an embedded one where there is none."""
    from backcoach.storage import open_store

    if settings.storage == "embedded" and not settings.sqlite_path.exists():
        raise EmptyStore(
            f"no data: there is no store at {settings.sqlite_path}; {_hint(settings)}",
            where(settings),
        )
    return open_store(settings)


def is_empty(store: Store) -> bool:
    """True when the store holds no recordings, summaries or diary entries."""
    if store.data_range() is not None:
        return False
    return not store.read_summaries(*ALL_DAYS) and not store.read_diary(*ALL_DAYS)


def require_data(store: Store, settings: Settings) -> None:
    """Raise EmptyStore, naming the store and how to point at another, when it is empty."""
    if is_empty(store):
        raise EmptyStore(f"no data: {where(settings)} is empty; {_hint(settings)}", where(settings))

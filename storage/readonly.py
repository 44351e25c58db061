"""A `Store` that only reads: what the practice dashboard holds of a wearer.

Why, when the practice's reader account may not write anyway: the pages must not even offer a
change (no diary edit, no delete), and a page that tried would otherwise queue the write in the
outbox and fail later, in the background. Here it fails at once, in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backcoach.errors import StoreUnavailable
from backcoach.storage.base import Store

#: The `Store` methods that change data.
CHANGES = frozenset(
    {
        "write_samples",
        "write_epochs",
        "write_events",
        "write_summary",
        "write_warnings",
        "write_diary",
        "write_status",
        "delete_range",
        "delete_diary",
        "rewrite",
    }
)


class ReadOnlyStore:
    """Wraps a store: reads pass through, every change raises `StoreUnavailable`."""

    def __init__(self, store: Store, *, whose: str) -> None:
        self._store = store
        self._whose = whose

    def __getattr__(self, name: str) -> Any:
        if name in CHANGES:
            return self._refuse(name)
        return getattr(self._store, name)

    def _refuse(self, name: str) -> Callable[..., Any]:
        def refuse(*_args: Any, **_kw: Any) -> Any:
            raise StoreUnavailable(
                f"{self._whose}'s data is read-only here ({name} refused): changes are made on "
                "the wearer's own dashboard"
            )

        return refuse

    def close(self) -> None:
        self._store.close()

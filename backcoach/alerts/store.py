"""The store channel: warnings written to the store, so the dashboard shows its banner and list.

`LiveRun` already stores the warnings its hooks return; give the dispatcher this channel only
where warnings do not pass through `LiveRun` (writing twice is harmless: the key is time + rule).
"""

from __future__ import annotations

from backcoach.alerts.base import DeliveryError
from backcoach.errors import BackcoachError
from backcoach.processing.types import OverloadWarning
from backcoach.storage.base import Store


class StoreChannel:
    """`Store.write_warnings` as a channel; a refusing store is retried by the dispatcher."""

    name = "store"

    def __init__(self, store: Store) -> None:
        self.store = store

    def send(self, warning: OverloadWarning, lang: str) -> None:
        try:
            self.store.write_warnings([warning])
        except BackcoachError as exc:
            raise DeliveryError(self.name, str(exc)) from exc

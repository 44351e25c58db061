"""The sensor channel: a haptic buzz or LED on sensors that have one, through the collector.

The collector hands in a callable (e.g. one that schedules a GATT write on its event loop with
`loop.call_soon_threadsafe`); it is called from the dispatcher's thread and must not block long.
"""

from __future__ import annotations

from collections.abc import Callable

from backcoach.alerts.base import DeliveryError
from backcoach.processing.types import OverloadWarning


class BuzzChannel:
    """Calls `buzz(warning)`; any exception it raises means "not delivered, try again"."""

    name = "sensor"

    def __init__(self, buzz: Callable[[OverloadWarning], None]) -> None:
        self.buzz = buzz

    def send(self, warning: OverloadWarning, lang: str) -> None:
        try:
            self.buzz(warning)
        except Exception as exc:  # the collector's callable may fail in any way; we retry
            raise DeliveryError(self.name, f"{type(exc).__name__}: {exc}") from exc

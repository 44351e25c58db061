"""The alert channel contract: one warning in, delivered or a `DeliveryError` out.

Every channel (log, store, desktop, apprise URL, sensor buzz) honours `Channel`; the `Dispatcher`
runs each in its own thread, so a channel may block (HTTP, D-Bus) without holding up the collector
or the other channels. A channel never retries itself: the dispatcher owns retries and back-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from backcoach.errors import BackcoachError
from backcoach.processing.types import OverloadWarning

__all__ = ["Channel", "ChannelResult", "DeliveryError", "Skipped"]


class DeliveryError(BackcoachError):
    """A channel could not deliver a warning now; the dispatcher retries it later."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"warning channel {channel} failed: {reason}")
        self.channel = channel
        self.reason = reason


@runtime_checkable
class Channel(Protocol):
    """Somewhere a warning can be delivered. `name` is safe to show (no secrets)."""

    name: str

    def send(self, warning: OverloadWarning, lang: str) -> None:
        """Deliver the warning in `lang` ('en' or 'nl', words from `backcoach.i18n`); raise
        DeliveryError if not."""


@dataclass(frozen=True)
class Skipped:
    """A configured channel that cannot work on this machine, and why."""

    name: str
    reason: str


@dataclass(frozen=True)
class ChannelResult:
    """The outcome of one test delivery (`backcoach warnings test`)."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0

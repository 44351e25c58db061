"""Warning delivery: the rule engine's warnings to the log, the store, the desktop, push services
and the sensor, beside the collector and never blocking it.

What the commands build delivery from:

- `engine_from_settings(settings)` - the `RuleEngine` with the settings' thresholds, cooldown,
  quiet hours and time zone;
- `build_dispatcher(settings, store, buzz=None)` - a running `Dispatcher` with every configured
  channel (`plan_channels` says which were skipped and why);
- the live run's hook that submits to it is `live.warnings.warning_hook`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from backcoach.alerts.base import Channel, ChannelResult, DeliveryError, Skipped
from backcoach.alerts.dispatcher import Backoff, ChannelStatus, Dispatcher, send_test
from backcoach.clock import SYSTEM, Clock
from backcoach.config import Settings
from backcoach.errors import ConfigError
from backcoach.i18n import default_language
from backcoach.processing.rules import RuleEngine
from backcoach.processing.types import OverloadWarning
from backcoach.storage.base import Store

__all__ = [
    "Backoff",
    "Channel",
    "ChannelResult",
    "ChannelStatus",
    "DeliveryError",
    "Dispatcher",
    "Skipped",
    "build_dispatcher",
    "engine_from_settings",
    "message_lang",
    "plan_channels",
    "send_test",
]

log = logging.getLogger(__name__)


def message_lang(settings: Settings) -> str:
    """'nl' or 'en': the settings' language, or for 'auto' the machine's locale, decided as the
    dashboard decides it (`i18n.default_language`: LC_ALL, LC_MESSAGES, LANGUAGE, LANG)."""
    return default_language(settings.language)


def engine_from_settings(settings: Settings) -> RuleEngine:
    """The rule engine as the settings describe it (cooldown in minutes, quiet hours HH:MM)."""
    w = settings.warnings
    try:
        return RuleEngine(
            settings.rules,
            w.cooldown_min * 60.0,
            w.quiet_start,
            w.quiet_end,
            settings.timezone,
            placement=settings.sensor.placement,
        )
    except ValueError as exc:
        raise ConfigError(f"warnings settings: {exc}; fix it in [warnings] of config.toml") from exc


def plan_channels(
    settings: Settings,
    store: Store | None = None,
    buzz: Callable[[OverloadWarning], None] | None = None,
) -> tuple[list[Channel], list[Skipped]]:
    """The channels the settings ask for, and those that cannot work here (with the reason).

    Raises ConfigError for a notify URL apprise does not understand: a typo should be fixed,
    not silently ignored.
    """
    from backcoach.alerts.buzz import BuzzChannel
    from backcoach.alerts.console import LogChannel
    from backcoach.alerts.desktop import desktop_channel
    from backcoach.alerts.push import AppriseChannel
    from backcoach.alerts.store import StoreChannel

    w = settings.warnings
    channels: list[Channel] = [LogChannel()]
    skipped: list[Skipped] = []
    if store is not None:
        channels.append(StoreChannel(store))
    if w.desktop:
        desk = desktop_channel()
        if desk is None:
            skipped.append(
                Skipped("desktop", "no desktop notification service apprise can use here")
            )
        else:
            channels.append(desk)
    for url in w.notify_urls:
        channels.append(AppriseChannel(url))
    if w.sensor_buzz:
        if buzz is None:
            skipped.append(Skipped("sensor", "no sensor connected (only during a live session)"))
        else:
            channels.append(BuzzChannel(buzz))
    return channels, skipped


def build_dispatcher(
    settings: Settings,
    store: Store | None = None,
    buzz: Callable[[OverloadWarning], None] | None = None,
    *,
    backoff: Backoff | None = None,
    clock: Clock = SYSTEM,
) -> Dispatcher:
    """A running dispatcher with every configured channel that works on this machine.

    With `warnings.enabled = false` it has no channels, so callers need no special case.
    """
    lang = message_lang(settings)
    if not settings.warnings.enabled:
        return Dispatcher([], lang=lang, clock=clock)
    channels, skipped = plan_channels(settings, store, buzz)
    for s in skipped:
        log.debug("warning channel %s skipped: %s", s.name, s.reason)
    return Dispatcher(channels, lang=lang, backoff=backoff, clock=clock)


class QuietHoursNotice:
    """A `LiveRun.on_output` hook that logs once per night that warnings are held.

    Why: in quiet hours no warning fires, and a silent collector reads as a wearer doing well.
    It looks at each push's newest sample time (`on_samples`), so it speaks as the quiet starts.
    """

    def __init__(self, engine: RuleEngine) -> None:
        self.engine = engine
        self._quiet = False

    def on_samples(self, samples: object, _pipeline: object) -> None:
        t_s = getattr(samples, "t_s", None)
        if t_s is None or not len(t_s):
            return
        quiet = self.engine.in_quiet_hours(float(t_s[-1]))
        if quiet and not self._quiet:
            log.info("warnings are held until %s (quiet hours)", self.engine.quiet_end)
        self._quiet = quiet

    def __call__(self, _out: object) -> None:
        return None  # the pipeline's output changes nothing: the samples' time decides

"""Push channels through apprise URLs: ntfy, Telegram, e-mail, Home Assistant, Gotify, JSON ...

One `AppriseChannel` per URL, so a failing service is retried on its own and the others are not
sent duplicates. The URL holds secrets (tokens, passwords): only its masked form is ever shown.
"""

from __future__ import annotations

import logging

import apprise

from backcoach.alerts.base import DeliveryError, text_of, title_of
from backcoach.config import _mask_url
from backcoach.errors import ConfigError
from backcoach.processing.types import OverloadWarning

#: apprise logs every failed attempt itself; the dispatcher logs once per outage instead.
_APPRISE_LOG = logging.getLogger("apprise")


def quiet_apprise_logs() -> None:
    """Leave apprise's per-attempt messages out unless its level was set on purpose."""
    if _APPRISE_LOG.level == logging.NOTSET and not logging.getLogger().isEnabledFor(logging.DEBUG):
        _APPRISE_LOG.setLevel(logging.ERROR)


class AppriseChannel:
    """One apprise URL (see https://github.com/caronc/apprise/wiki for the schemes)."""

    def __init__(self, url: str, *, name: str | None = None) -> None:
        self.name = name or _mask_url(url)
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise ConfigError(
                f"notify URL {self.name} is not understood by apprise (or its scheme needs a "
                "package this machine lacks); check it against the apprise wiki and "
                "BACKCOACH_NOTIFY_URLS"
            )
        quiet_apprise_logs()

    def send(self, warning: OverloadWarning, lang: str) -> None:
        result = self._apprise.notify(
            body=text_of(warning, lang),
            title=title_of(warning, lang),
            notify_type=apprise.NotifyType.WARNING,
        )
        if not result:
            raise DeliveryError(self.name, _reason(result))


def _reason(result: object) -> str:
    """The last warning or error apprise recorded for a failed call, without URLs' secrets."""
    logs = getattr(result, "logs", None)
    entries = [e for e in logs() if e.level in ("WARNING", "ERROR")] if callable(logs) else []
    return entries[-1].message if entries else "the service did not accept the notification"

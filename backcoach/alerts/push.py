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
    """Keep apprise's per-attempt messages out of the service log (unless logging at DEBUG).

    They still reach `AppriseChannel.send` through apprise's log callback, which names the cause.
    """
    if logging.getLogger().isEnabledFor(logging.DEBUG) or not _APPRISE_LOG.propagate:
        return
    _APPRISE_LOG.propagate = False
    _APPRISE_LOG.addHandler(logging.NullHandler())


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
        problems: list[str] = []
        ok = self._apprise.notify(
            body=text_of(warning, lang),
            title=title_of(warning, lang),
            notify_type=apprise.NotifyType.WARNING,
            log_callback=lambda entry, _plugin: problems.append(entry.message),
            log_level=logging.WARNING,
        )
        if not ok:
            # apprise's own messages name host and cause, never the URL's credentials.
            reason = problems[-1] if problems else "the service did not accept the notification"
            raise DeliveryError(self.name, reason.rstrip("."))

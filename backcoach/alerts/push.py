"""Push channels through apprise URLs: ntfy, Telegram, e-mail, Home Assistant, Gotify, JSON ...

One `AppriseChannel` per URL, so a failing service is retried on its own and the others are not
sent duplicates. The URL holds secrets (tokens, passwords, an ntfy topic that is the only key
to its messages): only its masked form is ever shown. apprise's own words name them too ("Failed
to send ntfy notification to topic 'my-topic'", "Unparseable URL ntfy://..."), so everything
apprise says passes `scrub()` first: in a channel's failure (the `warnings test` table, the
collector's log) and in apprise's log records (a filter on its logger, set on import, before any
URL is parsed).
"""

from __future__ import annotations

import logging
import re
import threading
import urllib.parse

import apprise

from backcoach.alerts.base import DeliveryError
from backcoach.config import _mask_url
from backcoach.errors import ConfigError
from backcoach.i18n import warning_text, warning_title
from backcoach.processing.types import OverloadWarning

#: apprise logs every failed attempt itself; the dispatcher logs once per outage instead.
_APPRISE_LOG = logging.getLogger("apprise")
#: Any URL in a text: masked like a channel's name (scheme and a plain host name only).
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]*")
_MIN_SECRET_CHARS = 3  # shorter pieces of a URL ("v1", a port) are masked only as part of it
_SECRETS: set[str] = set()  # the pieces of every configured URL that its masked form hides
_SECRETS_LOCK = threading.Lock()


def _pieces(url: str) -> set[str]:
    """The pieces of a URL its masked name does not show: user, password, a token in the host's
    place, path segments (an ntfy topic), query values (not their names); also URL-decoded;
    each at least _MIN_SECRET_CHARS long."""
    shown = _mask_url(url).split("://", 1)[-1].split("/")[0].split(":")
    rest = url.split("://", 1)[-1]
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    raw = re.split(r"[@:]", netloc) + path.split("/") + [fragment]
    for _name, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        raw += value.split(",")
    found = set()
    for piece in raw:
        for form in (piece, urllib.parse.unquote(piece)):
            if len(form) >= _MIN_SECRET_CHARS and form not in shown:
                found.add(form)
    return found


def scrub(text: str) -> str:
    """`text` with every URL masked and every secret piece of a configured URL hidden."""
    text = _URL_IN_TEXT.sub(lambda m: _mask_url(m.group(0)), text)
    with _SECRETS_LOCK:
        pieces = sorted(_SECRETS, key=len, reverse=True)
    for piece in pieces:
        text = re.sub(rf"(?<![\w-]){re.escape(piece)}(?![\w-])", "****", text)
    return text


class _ScrubApprise(logging.Filter):
    """apprise's log records, scrubbed before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), ()
        return True


_APPRISE_LOG.addFilter(_ScrubApprise())


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
        with _SECRETS_LOCK:
            _SECRETS.update(_pieces(url))  # before apprise parses (and may log) the URL
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
        try:
            ok = self._apprise.notify(
                body=warning_text(warning, lang),
                title=warning_title(warning, lang),
                notify_type=apprise.NotifyType.WARNING,
                log_callback=lambda entry, _plugin: problems.append(entry.message),
                log_level=logging.WARNING,
            )
        except Exception as exc:  # whatever a plugin raises may quote the URL
            raise DeliveryError(self.name, scrub(str(exc) or type(exc).__name__)) from None
        if not ok:
            # apprise's messages name host and cause, and sometimes a topic: scrubbed.
            reason = problems[-1] if problems else "the service did not accept the notification"
            raise DeliveryError(self.name, scrub(reason).rstrip("."))

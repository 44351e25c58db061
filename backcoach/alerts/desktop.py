"""Desktop notifications through apprise's desktop schemes, where this machine has one.

Why apprise and not notify-send or plyer: one dependency for every channel, and apprise already
knows D-Bus (freedesktop), GNOME, KDE, Windows and macOS. A scheme is "available" when apprise
reports it enabled (its optional bindings are installed) and accepts it.
"""

from __future__ import annotations

import apprise

from backcoach.alerts.push import AppriseChannel

#: Tried in order; the first one apprise can use wins.
DESKTOP_SCHEMES: tuple[str, ...] = (
    "dbus://",
    "glib://",
    "gnome://",
    "kde://",
    "windows://",
    "macosx://",
)


def _enabled(scheme: str) -> bool:
    """Whether apprise's plugin for `scheme` has what it needs here, asked without log noise."""
    try:
        from apprise.manager_plugins import NotificationManager

        return bool(getattr(NotificationManager()[scheme], "enabled", False))
    except (ImportError, KeyError):
        return False


def desktop_scheme() -> str | None:
    """The first desktop scheme apprise can use on this machine, or None."""
    for url in DESKTOP_SCHEMES:
        if _enabled(url[:-3]) and apprise.Apprise().add(url):
            return url
    return None


def desktop_channel() -> AppriseChannel | None:
    """A channel for this machine's desktop notifications, or None where there are none."""
    url = desktop_scheme()
    return AppriseChannel(url, name=f"desktop ({url[:-3]})") if url else None

"""Checks on settings as they load: a value that cannot work is one line naming the setting.

Why here and not where a value is used: `timezone = "Europe/Amsterdm"` used to pass
`config show` and then end `demo` in a 33-line traceback. Each check names the setting, where it
was set (a BACKCOACH_* variable or the file) and how to fix it.

Each `check_*` looks at one value and returns a `Problem` (or None); `config.check_settings`
runs them all over a `Settings` and raises the first.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
import urllib.parse
import zoneinfo
from dataclasses import fields
from pathlib import Path
from typing import Any

from backcoach.errors import ConfigError
from backcoach.processing.guidance import RuleThresholds

#: Rule thresholds that are shares of time (0..1) rather than amounts.
_SHARE_RULES = frozenset(f.name for f in fields(RuleThresholds) if "share" in f.name)


def config_env_name() -> str:
    """'BACKCOACH_CONFIG' when that variable names the settings file, else ''."""
    return "BACKCOACH_CONFIG" if os.environ.get("BACKCOACH_CONFIG") else ""


def require_named_file(path: Path, named_by: str, default: Path) -> None:
    """A settings file someone named (`--config`, BACKCOACH_CONFIG) must be there."""
    if not named_by or path.exists():
        return
    drop = "leave out --config" if named_by == "--config" else "unset BACKCOACH_CONFIG"
    raise ConfigError(
        f"settings file {path} (named by {named_by}) does not exist; fix the path, create the "
        f"file (it may be empty), or {drop} to use {default}"
    )


#: A failed check: (setting name, its value, what is wrong and how to fix it).
Problem = tuple[str, Any, str] | None


def check_timezone(name: str) -> Problem:
    if not name:
        return None
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
    if close:
        fix = f'is not a known time zone; did you mean "{close[0]}"?'
    else:
        fix = 'is not a known time zone; use an IANA name such as "Europe/Amsterdam"'
    return ("timezone", name, fix + " (leave it empty for this machine's zone)")


def instant_s(text: str) -> float:
    """Unix seconds of an ISO 8601 instant that carries its UTC offset ('...+02:00' or 'Z').

    Why the offset is required: without it the instant would depend on the machine's zone, and
    a fixed `now` must be the same instant for the CLI, the dashboard and the test that set it.
    """
    when = dt.datetime.fromisoformat(text.strip())
    if when.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return when.timestamp()


def check_now(text: str) -> Problem:
    if not text:
        return None
    try:
        instant_s(text)
        return None
    except ValueError:
        return (
            "now",
            text,
            "is not an instant; write it as ISO 8601 with its UTC offset, e.g. "
            "2026-03-29T12:00:00+02:00 (leave it empty for the real clock)",
        )


def check_data_dir(path: Path) -> Problem:
    if path.exists() and not path.is_dir():
        return ("data_dir", str(path), "is a file, not a folder; name a folder for the data")
    return None


_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def check_clock(name: str, value: str) -> Problem:
    if _HHMM.fullmatch(value.strip()):
        return None
    return (name, value, "is not a time of day; write it as HH:MM, e.g. 22:00")


def check_number(
    name: str, value: float, *, low: float, high: float = math.inf, open_low: bool = False
) -> Problem:
    too_low = value <= low if open_low else value < low
    if math.isfinite(value) and not too_low and value <= high:
        return None
    if math.isfinite(high):
        bound = f"from {low:g} to {high:g}"
    else:
        bound = f"above {low:g}" if open_low else f"of at least {low:g}"
    return (name, value, f"is out of range; give a number {bound}")


def check_port(port: int) -> Problem:
    if 1 <= port <= 65535:
        return None
    return ("dashboard.port", port, "is not a port; give a number from 1 to 65535, e.g. 8501")


def check_url(url: str) -> Problem:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("http", "https") and parts.hostname:
        return None
    return ("influx.url", url, "is not an http(s) URL; write it like http://127.0.0.1:8086")


def check_rules(rules: RuleThresholds) -> list[Problem]:
    out: list[Problem] = []
    for f in fields(RuleThresholds):
        value = getattr(rules, f.name)
        if isinstance(value, bool):
            continue
        high = 1.0 if f.name in _SHARE_RULES else math.inf
        low = 1.0 if isinstance(value, int) else 0.0
        out.append(check_number(f"rules.{f.name}", value, low=low, high=high))
    if not rules.acwr_low < rules.acwr_high <= rules.acwr_spike:
        out.append(
            (
                "rules.acwr_high",
                rules.acwr_high,
                f"must lie above rules.acwr_low ({rules.acwr_low:g}) and not above "
                f"rules.acwr_spike ({rules.acwr_spike:g})",
            )
        )
    return out

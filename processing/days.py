"""Calendar days in the wearer's time zone: the unit of every summary and of the dashboard.

A day is [local midnight, next local midnight), which is 23 or 25 hours on DST changes.
`tz_name` empty means this machine's local time zone.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def zone(tz_name: str = "") -> dt.tzinfo:
    """The tzinfo for an IANA name, or the machine's local zone for ''."""
    if tz_name:
        return ZoneInfo(tz_name)
    return dt.datetime.now().astimezone().tzinfo or dt.UTC


def day_bounds(day: str | dt.date, tz_name: str = "") -> tuple[float, float]:
    """Unix seconds of the day's local midnight and of the next one."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    tz = zone(tz_name)
    start = dt.datetime.combine(d, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(d + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.timestamp(), end.timestamp()


def at_local(day: str | dt.date, clock: dt.time, tz_name: str = "") -> float:
    """Unix seconds of a time on the wall clock of a day: 21:00 is 21:00 on a 23- or 25-hour
    day too, not 21 hours after midnight."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime.combine(d, clock, tzinfo=zone(tz_name)).timestamp()


def day_of(t_s: float, tz_name: str = "") -> str:
    """The ISO day in which a unix time falls."""
    return dt.datetime.fromtimestamp(t_s, zone(tz_name)).date().isoformat()


def days_between(first_s: float, last_s: float, tz_name: str = "") -> list[str]:
    """Every ISO day touched by [first_s, last_s]."""
    d0 = dt.date.fromisoformat(day_of(first_s, tz_name))
    d1 = dt.date.fromisoformat(day_of(last_s, tz_name))
    return [(d0 + dt.timedelta(days=i)).isoformat() for i in range((d1 - d0).days + 1)]


def days_inside(start_s: float, end_s: float, tz_name: str = "") -> list[str]:
    """ISO days that lie wholly inside [start_s, end_s)."""
    return [
        d
        for d in days_between(start_s, max(start_s, end_s - 1e-6), tz_name)
        if day_bounds(d, tz_name)[0] >= start_s and day_bounds(d, tz_name)[1] <= end_s
    ]

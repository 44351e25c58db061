"""The tests' calendar: the product's "now" (`Settings.now`, BACKCOACH_NOW) at chosen instants.

Why: the dashboard, the weekly report, `demo` and the exports pick their days from the settings'
`now_s()`. Tests that let the real clock decide passed or failed with the day they ran (every
Monday: 7 December 2026). So the whole suite runs at `SUITE_NOW` (tests/conftest.py sets
BACKCOACH_NOW before any test, for the tests and every process they start, unless it is set
already: `BACKCOACH_NOW=2027-01-01T00:30:00+01:00 pytest` runs the suite at that instant), and
the date-sensitive tests run at each of `DATES` through the `each_date` fixture.

Tests ask this module, never `datetime.now()`, what today is; the product's own clock reads go
through the settings. Times that measure (a collector's samples, timeouts) stay real.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator

from backcoach.config_checks import instant_s
from backcoach.processing.days import zone

ENV = "BACKCOACH_NOW"
TZ = "Europe/Amsterdam"  # the wearers' zone in the tests: it has DST changes

#: The suite's instant unless BACKCOACH_NOW says otherwise: an ordinary Tuesday morning.
SUITE_NOW = "2026-12-01T10:00:00+01:00"

#: The instants where calendars break, each in Europe/Amsterdam's own offset.
DATES: dict[str, str] = {
    # a practice reviews the last week on Monday morning: this week has no day yet
    "monday": "2026-11-30T08:30:00+01:00",
    # the week is nearly over but not complete: the last complete week is the one before
    "sunday": "2026-12-06T22:30:00+01:00",
    # 31 December 2026 is the Thursday of ISO week 2026-W53 (2026 has 53 ISO weeks)
    "dec31": "2026-12-31T23:30:00+01:00",
    # 1 January 2027 is a Friday still in ISO week 2026-W53; yesterday was 31 December
    "jan1": "2027-01-01T00:30:00+01:00",
    # the 23-hour day, just after 02:00 became 03:00
    "dst-spring": "2026-03-29T03:30:00+02:00",
    # the morning after it: yesterday had 23 hours, the last complete week holds it
    "after-dst-spring": "2026-03-30T07:00:00+02:00",
    # the 25-hour day, in its second 02:30 (after 03:00 became 02:00 again)
    "dst-autumn": "2026-10-25T02:30:00+01:00",
    # the morning after it: yesterday had 25 hours
    "after-dst-autumn": "2026-10-26T07:00:00+01:00",
}


def instant() -> str:
    """The instant the product sees now (what BACKCOACH_NOW holds)."""
    return os.environ.get(ENV) or SUITE_NOW


def now_s() -> float:
    """Unix seconds of `instant()`: write "live" data relative to this, not time.time()."""
    return instant_s(instant())


def today(tz_name: str = TZ) -> dt.date:
    return dt.datetime.fromtimestamp(now_s(), zone(tz_name)).date()


def yesterday(tz_name: str = TZ) -> dt.date:
    return today(tz_name) - dt.timedelta(days=1)


def today_at(name: str, tz_name: str = TZ) -> dt.date:
    """The day of `DATES[name]` in the zone, without changing what the product sees."""
    return dt.datetime.fromtimestamp(instant_s(DATES[name]), zone(tz_name)).date()


@contextlib.contextmanager
def fixed(when: str) -> Iterator[None]:
    """BACKCOACH_NOW = `when` inside the block (for fixtures wider than one test)."""
    old = os.environ.get(ENV)
    os.environ[ENV] = when
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = old

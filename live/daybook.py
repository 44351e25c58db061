"""Which days a live run touched, and when each is due for its daily messages and its summary.

Why: a collector that runs for days (a service) never reaches `finish()` on most days, and a
SIGKILL never at all; so each day is handled as it passes, by the clock:

1. at 21:00 on the wearer's clock (`DAILY_MESSAGE_AT`; on a 23- or 25-hour day too) the day is
   summarised so far and the daily messages (G7 load spike, G8 pain trend) go out, after the
   day's load is known and before the usual quiet hours;
2. `CLOSE_AFTER_S` after its end (the pipeline's last epochs of it are out by then) the day is
   summarised for good; its messages go out then if 21:00 was missed (the collector not running);
3. a closed day that receives late data (epochs held back until a reference was found, a
   sitting bout that ran past midnight) is summarised again, without sending its messages twice;
   `messaged_through` carries that over a restart (the day an earlier run last messaged).

Time is what the caller says it is: the newest sample's time (replays) or the wall clock (a live
session with no data, e.g. a sensor out of range all night, or after a laptop's sleep).
Beside the book: `summary_of` (a day summarised from the store) and `daily_hook` (the daily
messages themselves, the rules G7/G8 run on a day's summary and its 28 days of history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from backcoach import provenance
from backcoach.processing.days import at_local, day_bounds, day_of, days_between
from backcoach.processing.summary import summarize_day

if TYPE_CHECKING:
    from collections.abc import Callable

    from backcoach.alerts import Dispatcher
    from backcoach.config import Settings
    from backcoach.processing.rules import RuleEngine
    from backcoach.processing.types import DaySummary, OverloadWarning
    from backcoach.storage.base import Store

HISTORY_DAYS = 28  # the chronic window of the acute:chronic ratio (G7)
DAILY_MESSAGE_AT = dt.time(21)  # daily messages go out at 21:00, after the day's load is known
CLOSE_AFTER_S = 60.0  # > the pipeline's latency (features look 4 s ahead) with room to spare


def message_time_s(day: str, tz_name: str = "") -> float:
    """When `day`'s daily messages are due: `DAILY_MESSAGE_AT` on the wearer's clock."""
    return at_local(day, DAILY_MESSAGE_AT, tz_name)


@dataclass(frozen=True)
class Due:
    """One day to act on now: summarise it, and send its messages if `message`."""

    day: str
    message: bool
    final: bool  # the day is over: this summary is its last (until late data arrives)


@dataclass
class DayBook:
    """Days touched by a run; `due(now_s)` says which to summarise, `done()` records it."""

    tz_name: str = ""
    _open: set[str] = field(default_factory=set)  # touched since their last final summary
    _messaged: set[str] = field(default_factory=set)
    _closed: set[str] = field(default_factory=set)
    _messaged_through: str = ""  # ISO day: its messages and all before went out (earlier run)
    _times: dict[str, tuple[float, float]] = field(default_factory=dict)  # (messages, end)

    def touch(self, first_s: float, last_s: float) -> None:
        """Data for [first_s, last_s] was stored: its days need a (new) summary."""
        for day in days_between(first_s, last_s, self.tz_name):
            self._open.add(day)
            self._closed.discard(day)

    def messaged_through(self, day: str) -> None:
        """An earlier run sent the daily messages of `day` and of every day before it."""
        self._messaged_through = max(self._messaged_through, day)

    def _was_messaged(self, day: str) -> bool:
        return day in self._messaged or day <= self._messaged_through

    @property
    def days(self) -> list[str]:
        """Every day touched so far, in order."""
        return sorted(self._open | self._closed)

    def due(self, now_s: float) -> list[Due]:
        """The days to act on at `now_s`, oldest first."""
        out = []
        for day in sorted(self._open):
            message_s, end_s = self._day_times(day)
            if now_s >= end_s + CLOSE_AFTER_S:
                out.append(Due(day, not self._was_messaged(day), final=True))
            elif now_s >= message_s and not self._was_messaged(day):
                out.append(Due(day, True, final=False))
        return out

    def remaining(self) -> list[Due]:
        """At the end of a run: every open day, summarised with what there is."""
        return [Due(d, not self._was_messaged(d), final=True) for d in sorted(self._open)]

    def done(self, due: Due) -> None:
        """`due` was carried out (summary written, messages sent if asked)."""
        if due.message:
            self._messaged.add(due.day)
        if due.final:
            self._open.discard(due.day)
            self._closed.add(due.day)

    def _day_times(self, day: str) -> tuple[float, float]:
        """When the day's messages are due and when it ends (its end: 23 or 25 hours on DST)."""
        if day not in self._times:
            self._times[day] = (message_time_s(day, self.tz_name), day_bounds(day, self.tz_name)[1])
        return self._times[day]


def summary_of(store: Store, settings: Settings, day: str) -> DaySummary:
    """A whole day summarised from the store (so a day of several sessions, or of time filled
    in afterwards, is complete), with the 28 days before it as G7's history."""
    start_s, end_s = day_bounds(day, settings.timezone)
    first = day_of(start_s - HISTORY_DAYS * 86400 + 3600, settings.timezone)
    before = day_of(start_s - 3600, settings.timezone)
    summary = summarize_day(
        store.read_epochs(start_s, end_s),
        store.read_events(start_s, end_s),
        day=day,
        day_start_s=start_s,
        day_end_s=end_s,
        rules=settings.rules,
        history=store.read_summaries(first, before),
        placement=settings.sensor.placement,
        tz_name=settings.timezone,
    )
    return replace(
        summary, provenance=provenance.current(settings.sensor.placement, settings.rules)
    )


def daily_hook(
    settings: Settings, store: Store, engine: RuleEngine, dispatcher: Dispatcher
) -> Callable[[DaySummary], list[OverloadWarning]]:
    """A `LiveRun.on_day` hook: the daily rules (G7 load spike, G8 pain trend) at 21:00."""

    def hook(summary: DaySummary) -> list[OverloadWarning]:
        start_s, end_s = day_bounds(summary.day, settings.timezone)
        first = day_of(start_s - HISTORY_DAYS * 86400 + 3600, settings.timezone)
        fired = engine.daily(
            store.read_summaries(first, summary.day),
            store.read_diary(first, summary.day),
            at_s=min(message_time_s(summary.day, settings.timezone), end_s - 1),
        )
        dispatcher.submit_all(fired)
        return fired

    return hook

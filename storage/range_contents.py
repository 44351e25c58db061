"""What a range of days holds, counted before it is deleted, in words a person can check.

Why: "Delete all data from X to Y?" asked the same for an empty range as for a year, and kept
the diary while saying "all". `backcoach delete` now shows these counts first, says what stays,
and says when there is nothing to delete.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backcoach.processing.days import day_bounds

if TYPE_CHECKING:
    from backcoach.storage.base import Store


@dataclass(frozen=True)
class RangeContents:
    """Counts of what is time-stamped in the days first..last (inclusive)."""

    first: dt.date
    last: dt.date
    epochs: int  # one per recorded second; raw samples go with them
    events: int
    warnings: int
    summaries: int
    diary: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def empty(self, with_diary: bool) -> bool:
        """Nothing that `delete` would remove (the diary counts only when it is included)."""
        removed = self.epochs + self.events + self.warnings + self.summaries
        return removed == 0 and not (with_diary and self.diary)

    def removed(self, with_diary: bool) -> str:
        """What `delete` removes, counted, e.g. '2.0 h of recordings (...), 3 events, ...'."""
        parts = []
        if self.epochs:
            parts.append(
                f"{self.epochs / 3600:.1f} h of recordings ({self.epochs:,} one-second epochs "
                "and their raw samples)"
            )
        parts += [
            _n(self.events, "event"),
            _n(self.warnings, "warning"),
            _n(self.summaries, "day summary", "day summaries"),
        ]
        if with_diary:
            parts.append(_n(self.diary, "diary entry", "diary entries"))
        return ", ".join(parts)

    def diary_note(self, with_diary: bool) -> str:
        """What happens to the diary of those days, when it is not deleted ('' when it is)."""
        if with_diary:
            return ""
        if self.diary:
            entries = _n(self.diary, "diary entry", "diary entries")
            return f"the diary's {entries} on those days stay (add --diary to delete them too)"
        return "the diary has no entries on those days"


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def count_range(store: Store, first: dt.date, last: dt.date, tz_name: str) -> RangeContents:
    """Count what the store holds in the days first..last, as `Store.delete_range` sees it.

    Epochs are read one day at a time, and only where the store has any, so memory stays at one
    day's worth however long the range.
    """
    start_s, _ = day_bounds(first, tz_name)
    _, end_s = day_bounds(last, tz_name)
    epochs = 0
    rng = store.data_range()
    if rng is not None and rng[0] < end_s and rng[1] >= start_s:
        day = first
        while day <= last:
            d0, d1 = day_bounds(day, tz_name)
            if d1 > rng[0] and d0 <= rng[1]:
                epochs += len(store.read_epochs(d0, d1))
            day += dt.timedelta(days=1)
    events = sum(start_s <= e.start_s < end_s for e in store.read_events(start_s, end_s))
    return RangeContents(
        first,
        last,
        epochs,
        events,
        len(store.read_warnings(start_s, end_s)),
        len(store.read_summaries(first.isoformat(), last.isoformat())),
        len(store.read_diary(first.isoformat(), last.isoformat())),
    )

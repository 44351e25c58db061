"""A collector that runs for days: each day is summarised as it closes, not only at the end."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from backcoach.collector.simulator import Segment
from backcoach.config import Settings
from backcoach.live.daybook import CLOSE_AFTER_S, DayBook, message_time_s
from backcoach.live.run import LiveRun
from backcoach.processing.days import day_bounds
from backcoach.storage.sqlite import SQLiteStore
from tests import clock
from tests.live.conftest import SENSOR, mounting, push_all, worn

TZ = clock.TZ
DAY = "2026-03-02"
NINE_PM = message_time_s(DAY, TZ)
SCRIPT = [Segment("walk", 60.0), Segment("stand", 30.0), Segment("sit", 150.0)]


def test_days_are_summarised_as_they_pass_and_messages_go_out_once_at_21h(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name=TZ)
    _, end_s = day_bounds(DAY, TZ)
    calls: list[tuple[str, float]] = []
    run: LiveRun

    def daily(summary):
        calls.append((summary.day, run._last_s))
        return []

    run = LiveRun(Settings(data_dir=str(tmp_path), timezone=TZ), store, on_day=[daily])
    rot = mounting([0, 90, 0])
    evening, _ = worn(SCRIPT, NINE_PM - 120, rot)
    push_all(run, evening)  # 20:58 - 21:02
    assert [d for d, _ in calls] == [DAY]
    assert NINE_PM <= calls[0][1] < NINE_PM + 1
    assert store.read_summaries(DAY, DAY), "the 21:00 summary is written with the messages"

    assert run.close_days(end_s + CLOSE_AFTER_S - 1) == []  # not over yet
    (closed,) = run.close_days(end_s + CLOSE_AFTER_S)  # the wall clock, no samples needed
    assert closed.day == DAY and len(calls) == 1, "messages sent twice"

    night, _ = worn(SCRIPT, end_s - 120, rot, seed=2)  # 23:58 - 00:02, into the next day
    push_all(run, night)
    late = store.read_summaries(DAY, DAY)[0]  # summarised again with the late evening in it
    assert late.metrics != closed.metrics and len(calls) == 1
    summaries = run.finish()
    assert [s.day for s in summaries] == ["2026-03-03"]
    assert [d for d, _ in calls] == [DAY, "2026-03-03"]  # its 21:00 never came: at the end


def test_a_restarted_collector_summarises_the_last_day_and_sends_no_message_twice(tmp_path):
    """Killed at 21:03 after the day's messages; started again at 21:30, runs past midnight."""
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name=TZ)
    settings = Settings(data_dir=str(tmp_path), timezone=TZ)
    _, end_s = day_bounds(DAY, TZ)
    sent: list[str] = []
    killed = LiveRun(settings, store, sensor=SENSOR, on_day=[lambda s: sent.append(s.day)])
    evening, _ = worn(SCRIPT, NINE_PM - 60, mounting([0, 90, 0]))
    push_all(killed, evening)  # 20:59 - 21:03, then SIGKILL: no finish()
    at_21h = store.read_summaries(DAY, DAY)[0]

    again = LiveRun(settings, store, sensor=SENSOR, on_day=[lambda s: sent.append(s.day)])
    again.recover(now_s=NINE_PM + 1800)
    again.close_days(NINE_PM + 1800)
    again.close_days(end_s + CLOSE_AFTER_S)
    assert sent == [DAY], "the day's messages went out again after the restart"
    whole = store.read_summaries(DAY, DAY)[0]
    assert whole.metrics != at_21h.metrics, "the day was not summarised with its last minutes"


def _wall(t_s: float) -> str:
    return dt.datetime.fromtimestamp(t_s, ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M")


def test_each_calendar_day_is_messaged_at_21h_on_the_wall_clock_and_closed_after_its_end(
    each_date,
):
    """A 23- and a 25-hour day too: 21:00 is not 21 hours after midnight there."""
    day = clock.today().isoformat()
    start_s, end_s = day_bounds(day, TZ)
    nine_pm = message_time_s(day, TZ)
    assert _wall(nine_pm) == f"{day} 21:00"
    book = DayBook(TZ)
    book.touch(start_s, start_s + 60)
    assert book.due(nine_pm - 1) == []
    (due,) = book.due(nine_pm)
    assert (due.day, due.message, due.final) == (day, True, False)
    book.done(due)
    assert book.due(end_s + CLOSE_AFTER_S - 1) == []  # the 23rd or 25th hour is still the day's
    (due,) = book.due(end_s + CLOSE_AFTER_S)
    assert (due.day, due.message, due.final) == (day, False, True)
    assert _wall(end_s) == f"{dt.date.fromisoformat(day) + dt.timedelta(days=1)} 00:00"


@pytest.mark.parametrize("date", ["monday", "dst-spring", "dst-autumn"])
def test_a_live_run_sends_each_days_messages_at_21h_on_the_wall_clock(tmp_path, date):
    """The samples' own time decides, through the whole live path, on an ordinary day and on
    the days of 23 and 25 hours (the day book's own test covers every date)."""
    day = clock.today_at(date, TZ).isoformat()
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name=TZ)
    calls: list[float | None] = []
    run: LiveRun
    run = LiveRun(
        Settings(data_dir=str(tmp_path), timezone=TZ),
        store,
        on_day=[lambda summary: calls.append(run._last_s) or []],
    )
    evening, _ = worn(SCRIPT, message_time_s(day, TZ) - 120, mounting([0, 90, 0]))
    push_all(run, evening, chunk_s=5.0)  # 20:58 - 21:02 on the wall clock
    (at_s,) = calls
    assert at_s is not None and _wall(at_s) == f"{day} 21:00"
    store.close()

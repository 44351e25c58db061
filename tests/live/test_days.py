"""A collector that runs for days: each day is summarised as it closes, not only at the end."""

from __future__ import annotations

from backcoach.collector.simulator import Segment
from backcoach.config import Settings
from backcoach.daybook import CLOSE_AFTER_S, DAILY_MESSAGE_S
from backcoach.processing.days import day_bounds
from backcoach.service import LiveRun
from backcoach.storage.sqlite import SQLiteStore
from tests.live.conftest import SENSOR, mounting, push_all, worn

TZ = "Europe/Amsterdam"
DAY = "2026-03-02"
SCRIPT = [Segment("walk", 60.0), Segment("stand", 30.0), Segment("sit", 150.0)]


def test_days_are_summarised_as_they_pass_and_messages_go_out_once_at_21h(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name=TZ)
    start_s, end_s = day_bounds(DAY, TZ)
    calls: list[tuple[str, float]] = []
    run: LiveRun

    def daily(summary):
        calls.append((summary.day, run._last_s))
        return []

    run = LiveRun(Settings(data_dir=str(tmp_path), timezone=TZ), store, on_day=[daily])
    rot = mounting([0, 90, 0])
    evening, _ = worn(SCRIPT, start_s + DAILY_MESSAGE_S - 120, rot)
    push_all(run, evening)  # 20:58 - 21:02
    assert [d for d, _ in calls] == [DAY]
    assert start_s + DAILY_MESSAGE_S <= calls[0][1] < start_s + DAILY_MESSAGE_S + 1
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
    start_s, end_s = day_bounds(DAY, TZ)
    sent: list[str] = []
    killed = LiveRun(settings, store, sensor=SENSOR, on_day=[lambda s: sent.append(s.day)])
    evening, _ = worn(SCRIPT, start_s + DAILY_MESSAGE_S - 60, mounting([0, 90, 0]))
    push_all(killed, evening)  # 20:59 - 21:03, then SIGKILL: no finish()
    at_21h = store.read_summaries(DAY, DAY)[0]

    again = LiveRun(settings, store, sensor=SENSOR, on_day=[lambda s: sent.append(s.day)])
    again.recover(now_s=start_s + DAILY_MESSAGE_S + 1800)
    again.close_days(start_s + DAILY_MESSAGE_S + 1800)
    again.close_days(end_s + CLOSE_AFTER_S)
    assert sent == [DAY], "the day's messages went out again after the restart"
    whole = store.read_summaries(DAY, DAY)[0]
    assert whole.metrics != at_21h.metrics, "the day was not summarised with its last minutes"

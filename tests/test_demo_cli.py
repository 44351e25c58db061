"""`backcoach demo` end to end: a simulated day goes through the live path into a scratch store."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from backcoach.dashboard.weekly import has_data
from backcoach.processing.days import day_bounds
from backcoach.processing.types import POSTURE_CODE, Epochs, Event
from backcoach.storage.sqlite import SQLiteStore
from tests import clock
from tests.warnings.receiver import Receiver

TZ = clock.TZ


def _run(args, data_dir, **extra_env):
    (data_dir / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(data_dir),
        "BACKCOACH_CONFIG": str(data_dir / "none.toml"),
        "BACKCOACH_NOTIFY_URLS": "",
        "BACKCOACH_TIMEZONE": TZ,
        "COLUMNS": "160",
        **extra_env,
    }
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_stores_a_whole_day_and_prints_its_summary(tmp_path):
    res = _run(["demo", "--days", "1", "--seed", "3"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "sitting h" in res.stdout
    assert "backcoach dashboard" in res.stdout

    yesterday = _yesterday()
    start_s, end_s = day_bounds(yesterday, TZ)
    store = SQLiteStore(tmp_path / "backcoach.sqlite")
    epochs = store.read_epochs(start_s, end_s)
    assert len(epochs) > 86000  # one epoch a second, the whole day
    sitting_h = np.mean(epochs.posture == POSTURE_CODE["sitting"]) * 24
    assert 4 < sitting_h < 15
    events = store.read_events(start_s, end_s)
    kinds = {e.type for e in events}
    assert {"sitting_bout", "walk", "bend"} <= kinds
    summaries = store.read_summaries(yesterday, yesterday)
    assert [s.day for s in summaries] == [yesterday]
    assert len(store.read_samples(start_s, start_s + 600)) == 50 * 600


def test_demo_refuses_a_silly_number_of_days_in_one_line(tmp_path):
    res = _run(["demo", "--days", "0"], tmp_path)
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0
    assert "--days" in res.stderr


def _real_day(data_dir, day):
    """Real recordings for `day`, as `backcoach collect` leaves them (epochs and an event)."""
    start_s, _ = day_bounds(day, TZ)
    store = SQLiteStore(data_dir / "backcoach.sqlite", tz_name=TZ)
    n = 3600
    store.write_epochs(
        Epochs(start_s + np.arange(n), np.ones(n), np.full(n, 5.0), *(np.zeros(n),) * 3)
    )
    store.write_events([Event("sitting_bout", start_s, start_s + n)])
    store.close()
    return start_s, n


def _yesterday() -> str:
    return clock.yesterday(TZ).isoformat()


@pytest.mark.parametrize("days_back", [1, 20])
def test_demo_never_writes_into_a_store_with_real_recordings(tmp_path, days_back):
    """Neither over the real day itself nor beside it: it says how to run apart, in one line."""
    day = (clock.today(TZ) - dt.timedelta(days=days_back)).isoformat()
    start_s, n = _real_day(tmp_path, day)
    res = _run(["demo"], tmp_path)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1, res.stderr
    assert day in res.stderr and str(tmp_path / "backcoach.sqlite") in res.stderr
    assert "backcoach demo --store demo" in res.stderr
    assert "backcoach dashboard --store demo" in res.stderr
    store = SQLiteStore(tmp_path / "backcoach.sqlite")
    y0, y1 = day_bounds(_yesterday(), TZ)
    assert store.data_range() == (start_s, start_s + n - 1)  # nothing simulated was added
    assert len(store.read_epochs(y0, y1)) == (n if days_back == 1 else 0)
    assert "demo.days" not in store.read_status()


def test_demo_writes_to_the_terminal_only_and_its_warning_lines_carry_the_simulated_time(
    tmp_path,
):
    """Into an empty store (as a newcomer runs it), twice; the configured push URL stays quiet."""
    phone = Receiver().start()
    try:
        first = _run(["demo", "--seed", "3"], tmp_path, BACKCOACH_NOTIFY_URLS=phone.url)
        again = _run(["demo", "--seed", "3"], tmp_path, BACKCOACH_NOTIFY_URLS=phone.url)
    finally:
        phone.stop()
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr  # its own earlier days may be overwritten
    assert phone.posts == []
    lines = [ln for ln in first.stderr.splitlines() if " WARNING backcoach.warnings: " in ln]
    assert len(lines) > 10
    stamp = re.compile(rf"^{_yesterday()} \d\d:\d\d:\d\d WARNING ")
    assert all(stamp.match(ln) for ln in lines), lines[:3]
    times = [ln.split()[1] for ln in lines]
    assert times == sorted(times) and times[0] != times[-1]  # the day's clock, not the run's
    assert f"Stored in the embedded store {tmp_path / 'backcoach.sqlite'}." in first.stdout


def test_demo_in_its_own_store_with_notify_reaches_the_channels(tmp_path):
    start_s, n = _real_day(tmp_path, _yesterday())
    phone = Receiver().start()
    try:
        res = _run(
            ["demo", "--store", "demo", "--notify"], tmp_path, BACKCOACH_NOTIFY_URLS=phone.url
        )
    finally:
        phone.stop()
    assert res.returncode == 0, res.stderr
    demo_db = tmp_path / "demo" / "backcoach.sqlite"
    assert f"Stored in the embedded store {demo_db}." in res.stdout
    assert "backcoach dashboard --store demo" in res.stdout
    assert len(phone.posts) > 10  # asked for: every simulated warning went out
    y0, y1 = day_bounds(_yesterday(), TZ)
    assert len(SQLiteStore(demo_db).read_epochs(y0, y1)) > 86000
    own = SQLiteStore(tmp_path / "backcoach.sqlite")
    assert len(own.read_epochs(y0, y1)) == n and own.read_warnings(y0, y1) == []


@pytest.mark.parametrize("date", ["jan1", "after-dst-spring", "after-dst-autumn"])
def test_demo_simulates_yesterday_from_midnight_to_midnight(tmp_path, at_date, date):
    """Yesterday on the wearer's calendar, whole and alone: 31 December, and the days of 23 and
    25 hours (a day of 24 spilled an hour into today, or left one out). An ordinary yesterday:
    `test_demo_stores_a_whole_day_and_prints_its_summary`."""
    at_date(date)
    res = _run(["demo", "--days", "1", "--rate", "25", "--seed", "3"], tmp_path)
    assert res.returncode == 0, res.stderr
    yesterday = _yesterday()
    start_s, end_s = day_bounds(yesterday, TZ)
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name=TZ)
    try:
        first_s, last_s = store.data_range()
        assert start_s <= first_s and last_s < end_s, "samples outside yesterday"
        assert abs(len(store.read_epochs(start_s, end_s)) - (end_s - start_s)) <= 5
        summaries = store.read_summaries("2000-01-01", "2100-01-01")
        assert [s.day for s in summaries if has_data(s)] == [yesterday]
    finally:
        store.close()

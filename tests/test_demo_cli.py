"""`backcoach demo` end to end: a simulated day goes through the live path into a scratch store."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import numpy as np

from backcoach.processing.days import day_bounds
from backcoach.processing.types import POSTURE_CODE
from backcoach.storage.sqlite import SQLiteStore


def _run(args, data_dir, **extra_env):
    (data_dir / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(data_dir),
        "BACKCOACH_CONFIG": str(data_dir / "none.toml"),
        "BACKCOACH_NOTIFY_URLS": "",
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

    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    start_s, end_s = day_bounds(yesterday)
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

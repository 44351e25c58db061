"""`backcoach export` and `backcoach delete`: the wearer can take their data or remove it."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd

from backcoach.processing.days import day_bounds
from backcoach.processing.types import DaySummary, DiaryEntry, Epochs, Event
from backcoach.storage.sqlite import SQLiteStore
from tests import clock

DAYS = ("2026-03-02", "2026-03-03", "2026-03-04")


def _fill(data_dir):
    store = SQLiteStore(data_dir / "backcoach.sqlite", tz_name="Europe/Amsterdam")
    for day in DAYS:
        start, _ = day_bounds(day, "Europe/Amsterdam")
        n = 600
        store.write_epochs(
            Epochs(
                start + np.arange(n),
                np.ones(n),
                np.full(n, 12.5),
                np.zeros(n),
                np.zeros(n),
                np.zeros(n),
            )
        )
        store.write_events([Event("sitting_bout", start, start + n)])
        store.write_summary(DaySummary(day, {"G1.sitting_min": 10.0}))
        store.write_diary(DiaryEntry(day, pain=3, note=f"note {day}"))
    store.close()


def _run(data_dir, *args, data_dir_env=None):
    (data_dir / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(data_dir_env or data_dir),
        "BACKCOACH_CONFIG": str(data_dir / "none.toml"),
        "BACKCOACH_TIMEZONE": "Europe/Amsterdam",
    }
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_export_writes_every_table_as_csv_and_parquet(tmp_path):
    _fill(tmp_path)
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"all.{fmt}.zip"
        res = _run(tmp_path, "export", "--out", str(out), "--format", fmt)
        assert res.returncode == 0, res.stderr
        with zipfile.ZipFile(out) as zf:
            names = sorted(zf.namelist())
            assert names == sorted(
                f"{t}.{fmt}" for t in ("epochs", "events", "summaries", "warnings", "diary")
            )
            raw = io.BytesIO(zf.read(f"epochs.{fmt}"))
            ep = pd.read_csv(raw) if fmt == "csv" else pd.read_parquet(raw)
            assert len(ep) == 1800
            assert set(ep["posture"]) == {"sitting"}
            assert np.allclose(ep["trunk_angle"], 12.5)


def test_export_speaks_analyze_s_columns_and_writes_into_a_folder(tmp_path):
    """--out dir/ writes a dated zip inside; epochs have analyze's header; --raw adds samples."""
    from backcoach.analysis.tables import EPOCH_HEADER

    _fill(tmp_path)
    folder = tmp_path / "exports"
    folder.mkdir()
    res = _run(tmp_path, "export", "--out", str(folder) + "/", "--raw")
    assert res.returncode == 0, res.stderr
    (zipped,) = folder.iterdir()
    assert zipped.name == f"backcoach-export-{clock.today()}-csv.zip"  # the wearer's today
    assert str(zipped) in res.stdout
    with zipfile.ZipFile(zipped) as zf:
        assert zf.read("epochs.csv").decode().splitlines()[0] == EPOCH_HEADER
        assert zf.read("raw.csv").decode().splitlines()[0] == "time,x,y,z"
    help_text = _run(tmp_path, "export", "--help").stdout
    assert "raw samples" in help_text and "--raw" in help_text


def test_delete_removes_exactly_the_days_asked_and_needs_confirmation(tmp_path):
    _fill(tmp_path)
    refused = _run(tmp_path, "delete", "--from", DAYS[1], "--to", DAYS[1])
    assert refused.returncode == 1 and "--yes" in refused.stderr

    res = _run(tmp_path, "delete", "--from", DAYS[1], "--to", DAYS[1], "--yes", "--diary")
    assert res.returncode == 0, res.stderr
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="Europe/Amsterdam")
    kept = [d for d in DAYS if len(store.read_epochs(*day_bounds(d, "Europe/Amsterdam")))]
    assert kept == [DAYS[0], DAYS[2]]
    assert [s.day for s in store.read_summaries(DAYS[0], DAYS[2])] == [DAYS[0], DAYS[2]]
    assert [e.day for e in store.read_diary(DAYS[0], DAYS[2])] == [DAYS[0], DAYS[2]]


def test_delete_with_a_malformed_day_is_one_clear_line(tmp_path):
    res = _run(tmp_path, "delete", "--from", "yesterday", "--to", DAYS[0], "--yes")
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0
    assert "YYYY-MM-DD" in res.stderr


def test_export_from_a_mistyped_data_dir_says_there_is_no_store_and_creates_nothing(tmp_path):
    _fill(tmp_path)
    typo = tmp_path / "dta"
    env_dir = tmp_path / "cfg"
    env_dir.mkdir()
    res = _run(env_dir, "export", "--out", str(tmp_path / "all.zip"), data_dir_env=typo)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1, res.stderr
    assert str(typo / "backcoach.sqlite") in res.stderr and "BACKCOACH_DATA_DIR" in res.stderr
    assert not typo.exists() and not (tmp_path / "all.zip").exists()


def test_export_from_an_empty_store_says_it_is_empty_and_where_it_looked(tmp_path):
    SQLiteStore(tmp_path / "backcoach.sqlite").close()
    res = _run(tmp_path, "export", "--out", str(tmp_path / "all.zip"))
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1, res.stderr
    assert "is empty" in res.stderr and str(tmp_path / "backcoach.sqlite") in res.stderr
    assert not (tmp_path / "all.zip").exists()


def test_delete_says_what_it_deletes_with_counts_and_that_the_diary_stays(tmp_path):
    _fill(tmp_path)
    refused = _run(tmp_path, "delete", "--from", DAYS[1], "--to", DAYS[2])
    assert refused.returncode == 1
    assert "1,200 one-second epochs" in refused.stderr and "2 events" in refused.stderr

    res = _run(tmp_path, "delete", "--from", DAYS[1], "--to", DAYS[2], "--yes")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "1,200 one-second epochs" in out and "2 events" in out and "2 day summaries" in out
    assert "diary's 2 diary entries on those days stay" in out and "--diary" in out
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="Europe/Amsterdam")
    assert len(store.read_diary(DAYS[1], DAYS[2])) == 2  # kept, as it said

    gone = _run(tmp_path, "delete", "--from", DAYS[1], "--to", DAYS[2], "--yes", "--diary")
    assert gone.returncode == 0, gone.stderr
    assert "2 diary entries" in gone.stdout and "stay" not in gone.stdout
    assert store.read_diary(DAYS[1], DAYS[2]) == []


def test_delete_of_an_empty_range_says_so_without_asking(tmp_path):
    _fill(tmp_path)
    res = _run(tmp_path, "delete", "--from", "2025-01-01", "--to", "2025-01-31")  # no --yes
    assert res.returncode == 0, res.stderr
    assert "nothing to delete from 2025-01-01 to 2025-01-31" in res.stdout
    assert f"recordings from {DAYS[0]} to {DAYS[2]}" in res.stdout


def test_delete_asks_with_the_counts_at_a_terminal(tmp_path):
    _fill(tmp_path)
    primary, secondary = pty.openpty()
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_TIMEZONE": "Europe/Amsterdam",
    }
    (tmp_path / "none.toml").touch()
    proc = subprocess.Popen(
        [sys.executable, "-m", "backcoach", "delete", "--from", DAYS[0], "--to", DAYS[0]],
        env=env,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    seen = b""
    while b"[y/N]" not in seen:
        chunk = os.read(primary, 4096)
        assert chunk, seen
        seen += chunk
    os.write(primary, b"n\n")
    assert proc.wait(timeout=60) == 1
    os.close(primary)
    text = seen.decode()
    assert f"The days from {DAYS[0]} to {DAYS[0]} (1 day) in " in text
    assert "Delete all of it? This cannot be undone. [y/N]" in text
    assert "600 one-second epochs" in text and "1 event," in text and "1 day summary" in text
    assert "1 diary entry on those days stay" in text
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="Europe/Amsterdam")
    assert len(store.read_epochs(*day_bounds(DAYS[0], "Europe/Amsterdam"))) == 600  # kept


def test_export_and_delete_take_the_demo_store_as_the_demo_and_dashboard_do(tmp_path):
    """`--store demo` exports and deletes the demo's own store; the wearer's stays whole."""
    (tmp_path / "demo").mkdir()
    _fill(tmp_path / "demo")
    res = _run(tmp_path, "export", "--store", "demo", "--out", str(tmp_path / "demo.zip"))
    assert res.returncode == 0, res.stderr
    with zipfile.ZipFile(tmp_path / "demo.zip") as z:
        assert any(name.startswith("epochs") for name in z.namelist())
    res = _run(tmp_path, "delete", "--store", "demo", "--from", DAYS[0], "--to", DAYS[2], "--yes")
    assert res.returncode == 0, res.stderr
    demo = SQLiteStore(tmp_path / "demo" / "backcoach.sqlite", tz_name="Europe/Amsterdam")
    assert demo.data_range() is None
    assert not (tmp_path / "backcoach.sqlite").exists()  # the own store was never touched

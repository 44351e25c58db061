"""`backcoach import`: a recording made without the collector, into the store's holes only."""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, iter_chunks, simulate
from backcoach.config import Settings
from backcoach.live.run import LiveRun
from backcoach.processing.types import POSTURE_CODE, Samples
from backcoach.storage import open_store

T0 = 1_772_442_000.0  # 2026-03-02 09:00 UTC
SCRIPT = [
    Segment("walk", 60.0),
    Segment("stand", 20.0),
    Segment("sit", 15 * 60.0),
    Segment("walk", 10 * 60.0),
    Segment("stand", 30.0),
    Segment("sit", 5 * 60.0),
]
HOLE = (T0 + 80.0 + 15 * 60.0 + 10.0, T0 + 80.0 + 25 * 60.0 - 10.0)  # the walk, unrecorded


@pytest.fixture(scope="module")
def day():
    return simulate(SCRIPT, T0, fs_hz=50.0, seed=7).samples


def _env(tmp_path) -> dict[str, str]:
    (tmp_path / "none.toml").touch()
    return {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_TIMEZONE": "UTC",
    }


def _import(tmp_path, *files) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backcoach", "import", *map(str, files)],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _settings(tmp_path) -> Settings:
    return Settings(data_dir=str(tmp_path / "data"), timezone="UTC")


def _stream_with_a_hole(tmp_path, day: Samples) -> None:
    """What a live session stored: the whole day but the walk, which it never saw."""
    lost = (day.t_s > HOLE[0]) & (day.t_s < HOLE[1])
    store = open_store(_settings(tmp_path))
    live = LiveRun(_settings(tmp_path), store, raw_flush_s=0.5)
    for chunk in iter_chunks(Samples(day.t_s[~lost], day.acc_g[~lost]), 0.25):
        live.push(chunk)
    live.finish()
    store.close()


def _metabase_csv(path, day: Samples) -> None:
    """MetaBase's export: Unix ms, its local time, elapsed seconds, x/y/z in g."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "epoc (ms)",
                "timestamp (+0000)",
                "elapsed (s)",
                "x-axis (g)",
                "y-axis (g)",
                "z-axis (g)",
            ]
        )
        for t, (x, y, z) in zip(day.t_s, day.acc_g, strict=True):
            w.writerow(
                [round(t * 1000), "-", f"{t - day.t_s[0]:.3f}", f"{x:.4f}", f"{y:.4f}", f"{z:.4f}"]
            )


def test_a_vendor_export_fills_the_hole_and_duplicates_nothing(tmp_path, day):
    """The walk the collector missed comes from the file; what was streamed is not taken
    twice; the filled time is analysed (walking), marked `imported`, the day re-summarised."""
    _stream_with_a_hole(tmp_path, day)
    store = open_store(_settings(tmp_path))
    before = len(store.read_samples(0, 4e9))
    summary_before = store.read_summaries("2026-03-02", "2026-03-02")[0].metrics
    store.close()
    export = tmp_path / "metabase.csv"
    _metabase_csv(export, day)
    done = _import(tmp_path, export)
    assert done.returncode == 0, done.stderr
    assert "metabase.csv: 9.7 min taken in" in done.stderr and "2026-03-02" in done.stderr
    store = open_store(_settings(tmp_path))
    raw = store.read_samples(0, 4e9)
    lost = (day.t_s > HOLE[0]) & (day.t_s < HOLE[1])
    assert len(raw) - before == lost.sum() - 1 or len(raw) - before == lost.sum()
    assert np.all(np.diff(raw.t_s) > 0.01), "a sample taken twice"
    epochs = store.read_epochs(HOLE[0] + 10, HOLE[1] - 10)
    assert np.mean(epochs.posture == POSTURE_CODE["walking"]) > 0.95
    (imported,) = store.read_events(0, 4e9, ["imported"])
    assert abs(imported.start_s - HOLE[0]) < 0.1 and abs(imported.end_s - HOLE[1]) < 0.1
    summary = store.read_summaries("2026-03-02", "2026-03-02")[0].metrics
    assert summary.walking_min > summary_before.walking_min + 9.0
    store.close()
    again = _import(tmp_path, export)
    assert again.returncode == 0 and "nothing new" in again.stderr


def test_a_file_it_cannot_place_or_read_is_one_line_and_the_rest_goes_in(tmp_path, day):
    """Relative times and a broken file: one line each, exit 1; the good file is taken in."""
    relative = tmp_path / "relative.csv"
    with open(relative, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "x", "y", "z"])
        for t, (x, y, z) in zip(day.t_s[:5000] - T0, day.acc_g[:5000], strict=True):
            w.writerow([f"{t:.3f}", x, y, z])
    broken = tmp_path / "broken.csv"
    broken.write_text("time,x,y,z\n1,a,b,c\n")
    good = tmp_path / "good.npz"
    np.savez(good, t=day.t_s[:30000], acc=day.acc_g[:30000])
    done = _import(tmp_path, relative, broken, good)
    assert done.returncode == 1
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("backcoach: error:")]
    assert len(lines) == 2 and "Traceback" not in done.stderr
    assert any("relative.csv: its times count from its start" in ln for ln in lines)
    assert any("broken.csv" in ln for ln in lines)
    assert "good.npz: 10.0 min taken in" in done.stderr
    store = open_store(_settings(tmp_path))
    assert len(store.read_samples(0, 4e9)) == 30000
    assert store.read_summaries("2026-03-02", "2026-03-02")
    store.close()

"""The embedded store: compact raw samples, round trips, WAL reads during writes, a full disk."""

from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest

from backcoach.errors import StoreUnavailable
from backcoach.processing.types import DaySummary, Epochs, Event, Provenance, Samples
from backcoach.storage.sqlite import SQLiteStore

T0 = 1_700_000_000.0


def _epochs(n: int, t0: float = T0) -> Epochs:
    rng = np.random.default_rng(0)
    return Epochs(
        t_s=t0 + np.arange(n, dtype=float),
        posture=rng.integers(0, 6, n),
        trunk_deg=rng.normal(10, 20, n),
        side_deg=rng.normal(0, 5, n),
        activity_g=rng.random(n),
        steps=rng.integers(0, 3, n),
    )


def test_raw_samples_round_trip_to_a_milli_g_and_take_little_space(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    rng = np.random.default_rng(1)
    n = 50 * 600
    t = T0 + np.arange(n) / 50.0
    acc = rng.normal(0, 0.5, (n, 3)).astype(np.float32)
    for a in range(0, n, 500):  # 10 s chunks, as LiveRun writes them
        store.write_samples(Samples(t[a : a + 500], acc[a : a + 500]))
    back = store.read_samples(T0, T0 + 600)
    assert len(back) == n
    np.testing.assert_allclose(back.t_s, t, atol=1e-4)
    np.testing.assert_allclose(back.acc_g, acc, atol=0.0006)
    store.close()
    assert (tmp_path / "s.sqlite").stat().st_size < n * 12  # smaller than raw float32


def test_sample_times_of_a_whole_day_in_one_chunk_stay_exact_to_a_microsecond(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    t = T0 + np.sort(np.random.default_rng(2).uniform(0, 86400, 20000))
    store.write_samples(Samples(t, np.zeros((t.size, 3))))
    back = store.read_samples(T0, T0 + 86400)
    assert np.max(np.abs(back.t_s - t)) < 1e-6 * 1.01


def test_a_reader_sees_committed_epochs_while_a_writer_writes(tmp_path):
    path = tmp_path / "s.sqlite"
    writer = SQLiteStore(path)
    reader = SQLiteStore(path)
    writer.write_epochs(_epochs(100))
    with writer._tx() as db:  # an open write transaction ...
        db.execute("INSERT INTO status VALUES('k', 'v', 0)")
        assert len(reader.read_epochs(T0, T0 + 1000)) == 100  # ... does not block WAL readers
    assert writer.read_status() == {"k": "v"}


def test_rewriting_overwrites_instead_of_duplicating(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    store.write_epochs(_epochs(60))
    store.write_epochs(_epochs(60))
    ev = Event("bend", T0 + 5, T0 + 9, peak_deg=70.0, attrs={"over60_s": 1.5})
    store.write_events([ev, ev])
    assert len(store.read_epochs(T0, T0 + 60)) == 60
    assert store.read_events(T0, T0 + 60) == [ev]


def test_a_full_disk_is_one_clear_error_and_keeps_what_was_stored(tmp_path):
    path = tmp_path / "s.sqlite"
    store = SQLiteStore(path)
    store.write_epochs(_epochs(100))
    with store._lock:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        store._db.execute(f"PRAGMA max_page_count = {pages + 2}")  # the disk is now "full"
    with pytest.raises(StoreUnavailable) as err:
        store.write_epochs(_epochs(20000, T0 + 1000))
    assert "\n" not in str(err.value)
    assert "disk" in str(err.value)
    assert len(store.read_epochs(T0, T0 + 100_000)) == 100  # the failed batch left no half
    assert isinstance(err.value.__cause__, sqlite3.OperationalError)


def test_an_unwritable_data_dir_says_how_to_fix_it(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreUnavailable, match="BACKCOACH_DATA_DIR"):
        SQLiteStore(blocker / "sub" / "s.sqlite")


def test_a_summary_stored_by_an_earlier_version_still_reads(tmp_path):
    """A row as versions before `DayMetrics` wrote it (NaN tokens, the bare `load`/`acwr`
    names beside G7's, a metric since removed, no provenance columns) reads into the typed
    metrics, and the file takes new summaries with their provenance."""
    path = tmp_path / "s.sqlite"
    old = (
        '{"G1.sitting_min": 65.0, "G3.leg_lift_share": NaN, "load": 7.0, "G7.load": 7.0,'
        ' "acwr": 1.2, "G7.acwr": 1.2, "G0.retired_metric": 3.0, "coverage_h": 9.5}'
    )
    with sqlite3.connect(path) as db:  # the table as it was before provenance was kept
        db.execute("CREATE TABLE summaries(day TEXT PRIMARY KEY, metrics TEXT NOT NULL)")
        db.execute("INSERT INTO summaries VALUES(?, ?)", ("2026-03-02", old))
    db.close()
    store = SQLiteStore(path)
    (summary,) = store.read_summaries("2026-03-02", "2026-03-02")
    assert not summary.provenance.known  # analysed before provenance was kept
    m = summary.metrics
    assert (m.sitting_min, m.load, m.acwr, m.coverage_h) == (65.0, 7.0, 1.2, 9.5)
    assert math.isnan(m.leg_lift_share) and math.isnan(m.walking_min)  # unknown either way
    new = DaySummary("2026-03-03", {"G1.sitting_min": 1.0}, Provenance("9.9", "abc"))
    store.write_summary(new)
    assert store.read_summaries("2026-03-03", "2026-03-03") == [new]
    store.close()

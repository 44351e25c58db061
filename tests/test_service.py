"""LiveRun: the live path keeps everything when the store refuses writes for a while."""

from __future__ import annotations

import sqlite3
import stat

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, iter_chunks, simulate
from backcoach.config import load_settings
from backcoach.errors import StoreUnavailable
from backcoach.live import panel
from backcoach.live import run as service
from backcoach.live.run import LiveRun
from backcoach.processing.days import day_of
from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.storage.sqlite import SQLiteStore

T0 = 1_700_000_000.0


def _script():
    return [
        Segment("walk", 60),
        Segment("stand", 20),
        Segment("sit", 300, lean="slumped"),
        Segment("walk", 40),
        Segment("bend", peak_deg=75, hold_s=3),
        Segment("stand", 30),
    ]


def _limit_pages(store: SQLiteStore, extra: int | None) -> None:
    with store._lock:
        pages = store._db.execute("PRAGMA page_count").fetchone()[0]
        limit = 1_000_000_000 if extra is None else pages + extra
        store._db.execute(f"PRAGMA max_page_count = {limit}")


def test_a_full_disk_for_a_while_loses_nothing_once_space_is_back(tmp_path, caplog):
    settings = load_settings(tmp_path / "none.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    sim = simulate(_script(), T0, seed=5)
    store = SQLiteStore(tmp_path / "s.sqlite")
    run = LiveRun(settings, store)
    chunks = list(iter_chunks(sim.samples, 5.0))
    half = len(chunks) // 2

    _limit_pages(store, 1)  # the disk is full
    for chunk in chunks[:half]:
        run.push(chunk)  # never raises into the source
    assert len(run.backlog) > 0
    warned = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(warned) == 1  # said once, not once per chunk

    _limit_pages(store, None)  # space again
    for chunk in chunks[half:]:
        run.push(chunk)
    run.finish()
    assert len(run.backlog) == 0

    expected = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig())
    stored = store.read_epochs(T0, T0 + 10_000)
    np.testing.assert_array_equal(stored.t_s, expected.epochs.t_s)
    np.testing.assert_array_equal(stored.posture, expected.epochs.posture)
    assert len(store.read_samples(T0, T0 + 10_000)) == len(sim.samples)
    assert len(store.read_events(T0, T0 + 10_000)) == len(
        {(e.type, e.start_s) for e in expected.events}
    )


class _Lock:
    """Another program holding the embedded store's write lock (a second real connection)."""

    def __init__(self, path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None)

    def take(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")


def _expected(sim):
    return analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig())


def test_a_database_locked_between_two_writes_of_a_push_does_not_end_the_run(tmp_path, monkeypatch):
    """The lock is taken right after the epochs of a push were written: the status writes that
    follow wait in the backlog instead of raising out of push(); all arrives once it is free."""
    monkeypatch.setattr(panel, "STATUS_EVERY_S", 0.0)
    settings = load_settings(tmp_path / "none.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    sim = simulate(_script(), T0, seed=5)
    store = SQLiteStore(settings.sqlite_path, busy_timeout_s=0.05)
    lock = _Lock(settings.sqlite_path)
    with_epochs = [0]

    def grab_the_lock(out):
        with_epochs[0] += bool(len(out.epochs))
        if with_epochs[0] == 3:
            lock.take()  # between this push's epochs and its status facts

    run = LiveRun(settings, store, on_output=[grab_the_lock])
    chunks = list(iter_chunks(sim.samples, 5.0))
    for chunk in chunks[: len(chunks) // 2]:
        run.push(chunk)  # never raises
    assert len(run.backlog) > 0
    lock.release()
    for chunk in chunks[len(chunks) // 2 :]:
        run.push(chunk)
    run.finish()
    assert len(run.backlog) == 0
    stored = store.read_epochs(T0, T0 + 10_000)
    np.testing.assert_array_equal(stored.t_s, _expected(sim).epochs.t_s)
    assert len(store.read_samples(T0, T0 + 10_000)) == len(sim.samples)
    assert store.read_status()["collector.last_sample_s"] == f"{sim.samples.t_s[-1]:.3f}"


def test_what_finish_cannot_write_is_saved_and_written_by_the_next_run(tmp_path, monkeypatch):
    """A store locked through the end: finish() retries, saves the backlog to disk (owner-only)
    and says where; the next run writes it and summarises the day the first could not."""
    monkeypatch.setattr(service, "FINISH_RETRIES_S", (0.01, 0.01))
    settings = load_settings(tmp_path / "none.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    sim = simulate(_script(), T0, seed=5)
    store = SQLiteStore(settings.sqlite_path, busy_timeout_s=0.05)
    lock = _Lock(settings.sqlite_path)
    run = LiveRun(settings, store, session="ble-test")
    chunks = list(iter_chunks(sim.samples, 5.0))
    for chunk in chunks[:10]:
        run.push(chunk)
    lock.take()  # and never released while this run lives
    for chunk in chunks[10:]:
        run.push(chunk)
    with pytest.raises(StoreUnavailable, match=r"saved in unsaved/ble-test-\d+\.sqlite") as err:
        run.finish()
    assert "\n" not in str(err.value)
    saved = list((tmp_path / "unsaved").glob("*.sqlite"))
    assert len(saved) == 1 and stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "unsaved").stat().st_mode) == 0o700
    lock.release()
    store.close()

    store = SQLiteStore(settings.sqlite_path)
    again = LiveRun(settings, store)  # the next start: takes the saved writes over
    assert list((tmp_path / "unsaved").iterdir()) == []
    summaries = again.finish()
    day = day_of(T0, settings.timezone)
    assert [s.day for s in summaries] == [day]
    assert [s.day for s in store.read_summaries(day, day)] == [day]
    stored = store.read_epochs(T0, T0 + 10_000)
    np.testing.assert_array_equal(stored.t_s, _expected(sim).epochs.t_s)
    assert len(store.read_samples(T0, T0 + 10_000)) == len(sim.samples)
    events = {(e.type, e.start_s) for e in _expected(sim).events}
    assert {(e.type, e.start_s) for e in store.read_events(T0, T0 + 10_000)} == events


def test_a_new_run_never_shows_an_earlier_runs_last_break(tmp_path):
    """A break from an earlier run (the demo's day) is not this session's: the panel shows none."""
    from backcoach.dashboard.views import live_panel
    from backcoach.storage.status import LiveStatus

    settings = load_settings(tmp_path / "none.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    store = SQLiteStore(tmp_path / "s.sqlite")
    store.write_status("collector.last_break_s", f"{T0 - 6 * 3600:.3f}")  # yesterday's demo
    run = LiveRun(settings, store)
    for chunk in iter_chunks(simulate([Segment("sit", 120)], T0, seed=5).samples, 5.0):
        run.push(chunk)
    status = store.read_status()
    assert status["collector.last_break_s"] == ""
    assert live_panel(LiveStatus.from_rows(status), T0 + 120).since_break_s is None
    run.finish()
    store.close()

"""LiveRun: the live path keeps everything when the store refuses writes for a while."""

from __future__ import annotations

import numpy as np

from backcoach.collector.simulator import Segment, iter_chunks, simulate
from backcoach.config import load_settings
from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.service import LiveRun
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
    assert run.backlog > 0
    warned = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert len(warned) == 1  # said once, not once per chunk

    _limit_pages(store, None)  # space again
    for chunk in chunks[half:]:
        run.push(chunk)
    run.finish()
    assert run.backlog == 0

    expected = analyze(sim.samples.t_s, sim.samples.acc_g, PipelineConfig())
    stored = store.read_epochs(T0, T0 + 10_000)
    np.testing.assert_array_equal(stored.t_s, expected.epochs.t_s)
    np.testing.assert_array_equal(stored.posture, expected.epochs.posture)
    assert len(store.read_samples(T0, T0 + 10_000)) == len(sim.samples)
    assert len(store.read_events(T0, T0 + 10_000)) == len(
        {(e.type, e.start_s) for e in expected.events}
    )

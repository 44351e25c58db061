"""After a crash: raw samples the dead run stored but never turned into epochs are processed."""

from __future__ import annotations

import logging

import numpy as np

from backcoach.collector.simulator import Segment, iter_chunks
from backcoach.config import Settings
from backcoach.live import recovery
from backcoach.live.run import LiveRun
from backcoach.processing.types import Samples
from backcoach.storage.references import load_reference
from backcoach.storage.sqlite import SQLiteStore
from tests.live.conftest import RATE_HZ, SENSOR, T0, mounting, push_all, worn

SCRIPT = [
    Segment("walk", 40.0),
    Segment("stand", 20.0),
    Segment("sit", 40.0),
    Segment("stand", 10.0),
    Segment("bend", peak_deg=70.0, hold_s=3.0),
    Segment("stand", 20.0),
]
KILL_S = 85.0  # into the recording: seated, epochs still held back by the look-ahead
HOLE_S = 1.5  # the restart's hole in the raw samples


def _seconds_with_raw(samples: Samples) -> np.ndarray:
    seconds, counts = np.unique(np.floor(samples.t_s), return_counts=True)
    return seconds[counts >= RATE_HZ / 2]


def test_a_restarted_run_turns_what_the_killed_one_left_into_epochs(tmp_path):
    settings = Settings(data_dir=str(tmp_path), timezone="UTC")
    store = SQLiteStore(tmp_path / "s.sqlite")
    samples, _ = worn(SCRIPT, T0, mounting([10, 80, 40]))
    t = samples.t_s
    kill_s = T0 + KILL_S

    dead = LiveRun(settings, store, sensor=SENSOR, raw_flush_s=0.5)
    before = Samples(t[t < kill_s], samples.acc_g[t < kill_s])
    push_all(dead, before)  # ... and SIGKILL: no finish(), its pipeline's tail is gone
    left = store.read_epochs(0, 4e9)
    assert left.t_s[-1] < kill_s - 3, "nothing was left to recover"

    kept = load_reference(store, SENSOR)
    restarted = LiveRun(settings, store, sensor=SENSOR, reference=kept.calibration)
    assert restarted.recover(now_s=kill_s + HOLE_S) > 3.0
    after = t >= kill_s + HOLE_S
    for chunk in iter_chunks(Samples(t[after], samples.acc_g[after]), 0.25):
        restarted.push(chunk)
    restarted.finish()
    last = left.t_s[-1]  # the dead run's epochs are kept as they were, not redone without
    np.testing.assert_array_equal(  # the features' look-back
        store.read_epochs(last - 5, last + 1).trunk_deg, left.between(last - 5, last + 1).trunk_deg
    )

    raw, epochs = store.read_samples(0, 4e9), store.read_epochs(0, 4e9)
    missing = np.setdiff1d(_seconds_with_raw(raw), epochs.t_s)
    assert missing.size == 0, f"no epochs at {missing - T0} s"
    assert np.all(np.diff(epochs.t_s) > 0), "an epoch stored twice"
    events = store.read_events(0, 4e9)
    assert len({(e.type, e.start_s) for e in events}) == len(events)
    assert len([e for e in events if e.type == "bend"]) == 1


def test_raw_kept_too_coarse_for_epochs_is_left_alone_with_a_warning(tmp_path, caplog):
    store = SQLiteStore(tmp_path / "s.sqlite")
    t = T0 + np.arange(0, 60, 0.2)  # 5 Hz, as InfluxDB's "downsampled" raw
    store.write_samples(Samples(t, np.tile([[1.0, 0.0, 0.0]], (t.size, 1))))
    run = LiveRun(Settings(data_dir=str(tmp_path), timezone="UTC"), store)
    with caplog.at_level(logging.WARNING):
        assert run.recover(now_s=T0 + 61) == 0.0
    assert "too coarse" in caplog.text and len(store.read_epochs(0, 4e9)) == 0


def test_raw_that_starts_just_before_a_read_window_is_still_recovered(tmp_path):
    """The read windows are laid from `now`; one sample before a window's edge is not a rate.

    A restart a few seconds after a kill put the edge right after the dead run's first sample
    (CI saw it): the rate came out as 0 Hz and nothing was recovered.
    """
    store = SQLiteStore(tmp_path / "s.sqlite")
    now = T0 + 3600.0
    t = now - 6.0 - 0.01 + np.arange(0, 4, 1 / 50)  # exactly one sample before now - 6 s
    store.write_samples(Samples(t, np.tile([[1.0, 0.0, 0.0]], (t.size, 1))))
    found = recovery.unprocessed(store, now)
    assert found is not None, "the dead run's raw samples were not found"
    since_s, windows = found
    got = Samples.concat(list(windows))
    np.testing.assert_allclose(got.t_s, t)


LONG_SIT = [
    Segment("walk", 40.0),
    Segment("stand", 20.0),
    Segment("sit", 300.0),
    Segment("stand", 20.0),
    Segment("walk", 30.0),
]


def _live(settings: Settings, path, samples: Samples, kill_s: float | None) -> SQLiteStore:
    """The wearer through a collector: once, or killed at `kill_s` and restarted HOLE_S later."""
    store = SQLiteStore(path)
    t = samples.t_s
    first = LiveRun(settings, store, sensor=SENSOR, raw_flush_s=0.25)
    if kill_s is None:
        push_all(first, samples)
        first.finish()
        return store
    push_all(first, Samples(t[t < kill_s], samples.acc_g[t < kill_s]))  # then SIGKILL
    kept = load_reference(store, SENSOR)
    again = LiveRun(settings, store, sensor=SENSOR, reference=kept.calibration)
    again.recover(now_s=kill_s + HOLE_S)
    after = t >= kill_s + HOLE_S
    push_all(again, Samples(t[after], samples.acc_g[after]))
    again.finish()
    return store


def test_a_kill_in_a_long_sitting_bout_keeps_the_posture_and_the_bout_as_if_never_killed(
    tmp_path,
):
    """Four minutes into sitting, a kill: the restarted collector still knows the wearer sits
    (the sit-down is minutes before any 6 s of context), and the bout stays one bout."""
    settings = Settings(data_dir=str(tmp_path), timezone="UTC")
    samples, _ = worn(LONG_SIT, T0, mounting([10, 80, 40]))
    kill_s = T0 + 300.0
    never = _live(settings, tmp_path / "never.sqlite", samples, None)
    killed = _live(settings, tmp_path / "killed.sqlite", samples, kill_s)
    want, got = never.read_epochs(0, 4e9), killed.read_epochs(0, 4e9)
    away = np.abs(want.t_s - kill_s - HOLE_S / 2) > 3.0  # the hole itself may differ
    common, i, j = np.intersect1d(want.t_s[away], got.t_s, return_indices=True)
    assert common.size == away.sum(), "epochs missing away from the hole"
    differ = want.posture[away][i] != got.posture[j]
    assert not differ.any(), f"another posture at {common[differ] - kill_s} s from the kill"

    def bouts(store: SQLiteStore) -> list[tuple[float, float]]:
        sitting = [e for e in store.read_events(0, 4e9) if e.type == "sitting_bout"]
        return [(round(e.start_s), round(e.end_s)) for e in sitting]

    assert bouts(killed) == bouts(never) and len(bouts(never)) == 1

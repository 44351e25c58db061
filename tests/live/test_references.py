"""A sensor seen before starts right: its reference is kept, handed over, re-checked by walking."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, iter_chunks
from backcoach.config import Settings
from backcoach.live.run import LiveRun
from backcoach.processing.types import POSTURE_CODE, Calibration
from backcoach.storage.references import STORED, load_reference, read_references, save_reference
from backcoach.storage.sqlite import SQLiteStore
from tests.live.conftest import SENSOR, T0, angle_deg, mounting, push_all, worn

TURNED = mounting([20, 100, -30])  # the sensor clipped on sideways and tilted
STAND_AND_BEND = [
    Segment("stand", 15.0),
    Segment("bend", peak_deg=70.0, hold_s=3.0),
    Segment("stand", 15.0),
]


def _walk_first(store: SQLiteStore, settings: Settings, rot: np.ndarray, **kw) -> LiveRun:
    run = LiveRun(settings, store, sensor=SENSOR, **kw)
    samples, _ = worn([Segment("walk", 40.0), Segment("stand", 10.0)], T0 + 3600, rot)
    push_all(run, samples)
    return run


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=str(tmp_path), timezone="UTC")


def test_a_reference_found_from_walking_is_kept_for_its_sensor(settings, tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    _walk_first(store, settings, TURNED)
    kept = load_reference(store, SENSOR)
    assert kept is not None and kept.origin == "walking" and kept.sensor == SENSOR
    assert kept.calibration.source == STORED
    assert angle_deg(kept.calibration.up, TURNED @ [1, 0, 0]) < 10  # a walking lean of ~6°
    assert load_reference(store, "C0:FF:EE:00:AA:02") is None, "kept for another sensor"


def test_a_sensor_seen_before_reads_right_from_the_first_second(settings, tmp_path):
    """No walking at all in the second session: standing reads standing, the bend 70°."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    _walk_first(store, settings, TURNED).finish()
    start = T0 + 7200
    samples, sim = worn(STAND_AND_BEND, start, TURNED, seed=2)

    kept = load_reference(store, SENSOR)
    run = LiveRun(settings, store, sensor=SENSOR, reference=kept.calibration)
    push_all(run, samples)
    live = store.read_epochs(start, start + 3600)  # before finish(): what a wearer sees live
    assert len(live) >= len(sim.truth_t_s) - 6, "epochs held back although the sensor is known"
    assert live.t_s[0] - start <= 1.0
    first = live.select(slice(0, 2))
    assert np.all(first.posture == POSTURE_CODE["standing"])
    assert np.all(np.abs(first.trunk_deg - sim.truth_trunk_deg[:2]) < 6.0)
    assert np.nanmax(live.trunk_deg) == pytest.approx(70.0, abs=6.0)

    unknown = LiveRun(settings, SQLiteStore(tmp_path / "other.sqlite"), sensor="C0:FF:EE:00:AA:09")
    push_all(unknown, samples)
    assert len(unknown.store.read_epochs(start, start + 3600)) == 0  # without: held back


def test_a_kept_reference_is_replaced_when_the_first_walk_disagrees(settings, tmp_path):
    """Put back on differently: the first walking re-finds up and forward, and that is kept."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    _walk_first(store, settings, TURNED).finish()
    old = load_reference(store, SENSOR)
    moved = mounting([-60, 10, 150])
    run = _walk_first(store, settings, moved, reference=old.calibration)
    new = load_reference(store, SENSOR)
    assert new.at_s > old.at_s and angle_deg(new.calibration.up, moved @ [1, 0, 0]) < 10
    assert run.pipeline.calibration.source == "auto"


def test_the_newest_reference_that_applies_is_used(tmp_path):
    """A sensor's own reference and a calibration from a file (any sensor): the newer wins."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    a = Calibration((1.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    b = Calibration((0.0, 1.0, 0.0), (1.0, 0.0, 0.0))
    save_reference(store, a, sensor=SENSOR, origin="walking", at_s=100.0)
    save_reference(store, b, origin="calibrate", at_s=200.0)
    assert load_reference(store, SENSOR).calibration.up == b.up
    assert load_reference(store, "AA:BB").origin == "calibrate"
    save_reference(store, a, sensor=SENSOR, origin="walking", at_s=300.0)
    assert load_reference(store, SENSOR).calibration.up == a.up
    store.write_status("reference.BROKEN", "{not json")
    assert {r.sensor for r in read_references(store)} == {"", SENSOR}


def test_a_sensor_never_seen_is_provisional_until_its_first_walk(settings, tmp_path, monkeypatch):
    """No reference: the live status says "learning" and shows the tilt from how the session
    began (the 70° bend reads ~70° at once, in any mounting); no epochs are stored until the
    first walk, which then classifies the held seconds (standing, the bend at 70°)."""
    from backcoach.live import panel

    monkeypatch.setattr(panel, "STATUS_EVERY_S", 0.0)  # every chunk's status, not 2 a second
    store = SQLiteStore(tmp_path / "s.sqlite")
    start = T0 + 7200
    script = [*STAND_AND_BEND, Segment("walk", 40.0), Segment("stand", 10.0)]
    samples, sim = worn(script, start, TURNED, seed=2)
    run = LiveRun(settings, store, sensor=SENSOR)
    walk_s = start + sum(s.duration_s for s in STAND_AND_BEND)
    tilts, learning = [], []
    for chunk in iter_chunks(samples, 0.25):
        run.push(chunk)
        status = store.read_status()
        if chunk.t_s[-1] < walk_s:
            learning.append(status.get("collector.reference"))
            tilts.append(float(status["collector.trunk_deg"]))
            assert status.get("collector.posture", "") == ""
    assert set(learning) == {"learning"}
    assert tilts[0] < 5.0 and max(tilts) == pytest.approx(70.0, abs=8.0)
    assert store.read_status()["collector.reference"] == "known"
    run.finish()
    early = store.read_epochs(start, walk_s)
    assert len(early) >= int(walk_s - start) - 2, "the held seconds were not classified"
    assert np.nanmax(early.trunk_deg) == pytest.approx(70.0, abs=8.0)
    assert np.mean(early.posture == POSTURE_CODE["standing"]) > 0.8


def test_a_sensor_still_learning_stores_nothing_final_and_is_analysed_after_its_first_walk(
    settings, tmp_path
):
    """Three minutes of standing and bending, then the session ends before any walk: no
    epochs or events are stored from a guessed up (it once gave sitting, lying and 179°
    lifts), only the raw samples. The next session re-analyses them from raw and, once its
    first walk fixes up and forward, stores them right: standing, bends near 70°, no lying."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    start = T0 + 7200
    script = [Segment("stand", 10.0)]
    for _ in range(6):
        script += [Segment("bend", peak_deg=70.0, hold_s=4.0), Segment("stand", 20.0)]
    samples, sim = worn(script, start, TURNED, seed=4)
    end = float(samples.t_s[-1])
    first = LiveRun(settings, store, sensor=SENSOR)
    push_all(first, samples)
    first.finish()
    assert len(store.read_epochs(start, end + 60)) == 0
    assert store.read_events(start, end + 60) == []
    assert len(store.read_samples(start, end + 1)) == len(samples)

    later = end + 600
    walk, _ = worn([Segment("walk", 40.0), Segment("stand", 10.0)], later, TURNED, seed=5)
    second = LiveRun(settings, store, sensor=SENSOR)
    assert second.recover(now_s=later) > 0.9 * (end - start)
    push_all(second, walk)
    second.finish()
    early = store.read_epochs(start, end + 1)
    assert len(early) >= int(end - start) - 6, "the learning stretch was not analysed"
    assert not np.any(np.isin(early.posture, [POSTURE_CODE["lying"], POSTURE_CODE["sitting"]]))
    assert np.nanmax(early.trunk_deg) == pytest.approx(70.0, abs=8.0)
    lifts = [e for e in store.read_events(start, end + 1) if e.type == "lift"]
    assert all(e.peak_deg < 90.0 for e in lifts), lifts

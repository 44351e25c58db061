"""Time filled in afterwards (from a sensor's memory) is analysed like streamed time."""

from __future__ import annotations

import numpy as np

from backcoach.alerts import Dispatcher, engine_from_settings
from backcoach.backfill import Backfill, Hole, RangeRefill, refill_span, stored_holes
from backcoach.collector.simulator import Segment, iter_chunks
from backcoach.config import Settings
from backcoach.i18n import warning_text
from backcoach.live.run import LiveRun
from backcoach.live.warnings import warning_hook
from backcoach.processing.types import POSTURE_CODE, Samples
from backcoach.storage.sqlite import SQLiteStore
from tests.live.conftest import T0 as MIDNIGHT
from tests.live.conftest import mounting, worn

T0 = MIDNIGHT + 9 * 3600.0  # 09:00 UTC: outside the warnings' quiet hours

# 40 min at the desk (G1 fires at 30), then a 10-min walk out of range, then back to the desk
SCRIPT = [
    Segment("walk", 60.0),
    Segment("stand", 20.0),
    Segment("sit", 40 * 60.0),
    Segment("walk", 10 * 60.0),
    Segment("stand", 30.0),
    Segment("sit", 5 * 60.0),
]
WALK_S = 80.0 + 40 * 60.0  # the second walk starts here (s after T0)
AWAY = (WALK_S + 8.0, WALK_S + 9 * 60.0)  # the link is lost for most of the walk
LOG_STEP = 1  # the tests' wearer streams at 25 Hz; the log keeps every sample


class Delivered:
    """A warning channel that only counts (the dispatcher's delivery, without the desktop)."""

    name = "counted"

    def __init__(self) -> None:
        self.sent: list = []

    def send(self, warning, lang: str) -> None:  # noqa: ANN001
        self.sent.append(warning)


def _live(tmp_path, name: str, channel: Delivered | None = None):  # noqa: ANN001, ANN202
    settings = Settings(data_dir=str(tmp_path / name), timezone="UTC")
    store = SQLiteStore(tmp_path / f"{name}.sqlite", tz_name="UTC")
    dispatcher = Dispatcher([channel] if channel else [], lang="en")
    hook = warning_hook(engine_from_settings(settings), dispatcher)
    return LiveRun(settings, store, on_output=[hook], raw_flush_s=0.5), store, dispatcher


def _session(samples: Samples, live: LiveRun, *, fill: Samples | None, away=AWAY):  # noqa: ANN001
    """Push like a live session with the link lost over `away`; fill the hole at reconnect."""
    lost = (samples.t_s > T0 + away[0]) & (samples.t_s < T0 + away[1])
    first, last = np.flatnonzero(lost)[[0, -1]]
    hole = Hole(float(samples.t_s[first - 1]), float(samples.t_s[last + 1]), 25.0)
    streamed = Samples(samples.t_s[~lost], samples.acc_g[~lost])
    backfill = None
    for chunk in iter_chunks(streamed, 0.25):
        after = chunk.t_s >= hole.host_to_s
        if backfill is None and fill is not None and after.any():
            live.push(Samples(chunk.t_s[~after], chunk.acc_g[~after]))
            backfill = Backfill(hole, live.snapshot())  # just before the first chunk after it
            chunk = Samples(chunk.t_s[after], chunk.acc_g[after])
        live.push(chunk)
        if backfill is not None:
            backfill.add_live(chunk)
            if not backfill.caught_up and chunk.t_s[-1] > hole.host_to_s + 30.0:
                for part in iter_chunks(fill, 10.0):  # read back 30 s after the reconnect
                    backfill.add_filled(part)
                report = backfill.hole_done()
                live.drain_or_raise()
                lo, hi = backfill.commit(live.store, final=True)
                live.adopt(backfill.resume())
                live.note_rewritten(lo, hi)
    live.finish()
    return hole, (None if backfill is None else report)


def _posture_at(epochs, t_s: np.ndarray) -> np.ndarray:  # noqa: ANN001
    at = dict(zip(np.round(epochs.t_s).tolist(), epochs.posture.tolist(), strict=True))
    return np.array([at.get(round(t), -1) for t in t_s])


def test_a_gap_filled_from_memory_is_the_same_as_an_uninterrupted_run(tmp_path):
    """Filled epochs, the sitting bout the walk ended and the G1 warnings equal a run that
    never lost the link; nothing is stored twice."""
    samples, _ = worn(SCRIPT, T0, mounting([10, 80, 40]))
    whole, whole_store, _ = _live(tmp_path, "whole")
    for chunk in iter_chunks(samples, 0.25):
        whole.push(chunk)
    whole.finish()
    run, store, _ = _live(tmp_path, "filled")
    lost = (samples.t_s > T0 + AWAY[0]) & (samples.t_s < T0 + AWAY[1])
    hole, report = _session(samples, run, fill=Samples(samples.t_s[lost], samples.acc_g[lost]))
    assert report.filled == lost.sum() and report.missing_s == 0.0
    want, got = whole_store.read_epochs(0, 4e9), store.read_epochs(0, 4e9)
    assert np.array_equal(want.t_s, got.t_s), "an epoch missing or stored twice"
    assert np.array_equal(want.posture, got.posture)
    np.testing.assert_allclose(got.trunk_deg, want.trunk_deg, atol=1e-3)
    raw = store.read_samples(0, 4e9)
    assert len(raw) == len(samples) and np.all(np.diff(raw.t_s) > 0)
    bouts = [(e.start_s, e.end_s) for e in store.read_events(0, 4e9, ["sitting_bout"])]
    assert bouts == [
        (e.start_s, e.end_s) for e in whole_store.read_events(0, 4e9, ["sitting_bout"])
    ]
    assert abs(bouts[0][1] - (T0 + WALK_S)) < 3.0, "the walk ended the first sitting bout"
    warned = [(w.t_s, w.rule) for w in store.read_warnings(0, 4e9)]
    assert ("G1" in {r for _, r in warned}) and warned == [
        (w.t_s, w.rule) for w in whole_store.read_warnings(0, 4e9)
    ]
    (memory,) = store.read_events(0, 4e9, ["memory"])
    assert memory.start_s > hole.host_from_s and memory.end_s <= hole.host_to_s + 0.05
    assert not [e for e in store.read_events(0, 4e9, ["gap"]) if "samples_lost" in e.attrs]


def test_without_the_memory_the_gap_stays_and_the_walk_is_missing(tmp_path):
    """The same session with nothing to fill from: what the test above restores is missing."""
    samples, _ = worn(SCRIPT, T0, mounting([10, 80, 40]))
    run, store, _ = _live(tmp_path, "gap")
    _session(samples, run, fill=None)
    epochs = store.read_epochs(0, 4e9)
    walking = _posture_at(epochs, T0 + np.arange(*AWAY))
    assert np.mean(walking == POSTURE_CODE["walking"]) < 0.05


def test_a_memory_that_filled_up_leaves_the_rest_a_gap_with_its_count(tmp_path):
    """The sensor kept the first 4 minutes of the 9 away (its memory was full): those are
    filled, the rest is one gap event counting the samples lost at the stream's rate."""
    samples, _ = worn(SCRIPT, T0, mounting([10, 80, 40]))
    run, store, _ = _live(tmp_path, "full")
    kept = (samples.t_s > T0 + AWAY[0]) & (samples.t_s < T0 + AWAY[0] + 240.0)
    hole, report = _session(samples, run, fill=Samples(samples.t_s[kept], samples.acc_g[kept]))
    assert report.filled == kept.sum()
    assert 239.0 < report.filled_s < 241.0
    assert abs(report.missing_s - (hole.duration_s - report.filled_s)) < 0.1
    (gap,) = [e for e in store.read_events(0, 4e9, ["gap"]) if "samples_lost" in e.attrs]
    assert abs(gap.start_s - samples.t_s[kept][-1]) < 1e-6 and gap.end_s == hole.host_to_s
    assert abs(gap.attrs["samples_lost"] - (gap.end_s - gap.start_s) * 25.0) <= 1.0
    walking = _posture_at(store.read_epochs(0, 4e9), T0 + AWAY[0] + np.arange(10, 230))
    assert np.mean(walking == POSTURE_CODE["walking"]) > 0.95


def test_warnings_for_filled_time_are_stored_with_a_note_and_never_sent(tmp_path):
    """A G1 moment inside the filled time: stored (noted), counted, not delivered."""
    script = [Segment("walk", 60.0), Segment("stand", 20.0), Segment("sit", 45 * 60.0)]
    samples, _ = worn(script, T0, mounting([10, 80, 40]))
    channel = Delivered()
    run, store, dispatcher = _live(tmp_path, "warn", channel)
    away = (80.0 + 20 * 60.0, 80.0 + 40 * 60.0)  # out of range from 20 to 40 min of sitting
    lost = (samples.t_s > T0 + away[0]) & (samples.t_s < T0 + away[1])
    _, report = _session(
        samples, run, fill=Samples(samples.t_s[lost], samples.acc_g[lost]), away=away
    )
    dispatcher.close(5.0)
    stored = [w for w in store.read_warnings(0, 4e9) if w.rule == "G1"]
    inside = [w for w in stored if T0 + away[0] < w.t_s < T0 + away[1]]
    assert inside and report.warnings == len(inside)
    assert all(warning_text(w, "en").startswith("(from the sensor's memory)") for w in inside)
    assert not [w for w in channel.sent if T0 + away[0] < w.t_s < T0 + away[1]]


def test_a_hole_from_an_earlier_run_is_analysed_with_the_bout_around_it(tmp_path):
    """RangeRefill: the link was lost 5 min before the walk (an earlier run's hole); the bout
    it cut is re-analysed from its start, and ends where the walk began, as uninterrupted."""
    samples, _ = worn(SCRIPT, T0, mounting([10, 80, 40]))
    whole, whole_store, _ = _live(tmp_path, "whole")
    for chunk in iter_chunks(samples, 0.25):
        whole.push(chunk)
    whole.finish()
    away = (WALK_S - 300.0, WALK_S + 300.0)
    run, store, _ = _live(tmp_path, "earlier")
    _session(samples, run, fill=None, away=away)
    (cut, *_) = store.read_events(0, 4e9, ["sitting_bout"])
    lost = (samples.t_s > T0 + away[0]) & (samples.t_s < T0 + away[1])
    first, last = np.flatnonzero(lost)[[0, -1]]
    hole = Hole(float(samples.t_s[first - 1]), float(samples.t_s[last + 1]), 25.0)
    lo, hi = refill_span(store, [hole])
    assert lo == cut.start_s and hi > hole.host_to_s
    refill = RangeRefill(
        store,
        holes=[hole],
        reference=run.pipeline.calibration,
        placement="lower_back",
        engine_factory=None,
    )
    for part in iter_chunks(Samples(samples.t_s[lost], samples.acc_g[lost]), 10.0):
        refill.add(part)
    (report,) = refill.finish()
    assert report.filled == lost.sum() and report.missing_s == 0.0
    bouts = [(e.start_s, e.end_s) for e in store.read_events(0, 4e9, ["sitting_bout"])]
    want = [(e.start_s, e.end_s) for e in whole_store.read_events(0, 4e9, ["sitting_bout"])]
    assert bouts[0] == want[0], "the bout the walk ended, as an uninterrupted run has it"
    walked = _posture_at(store.read_epochs(0, 4e9), T0 + WALK_S + np.arange(10, 290))
    assert np.mean(walked == POSTURE_CODE["walking"]) > 0.95
    assert len(store.read_samples(0, 4e9)) == len(samples)
    assert not [e for e in store.read_events(0, 4e9, ["gap"]) if "samples_lost" in e.attrs]


def test_a_killed_runs_lost_second_is_one_hole_though_epochs_span_it(tmp_path):
    """stored_holes: 0.8 s of raw lost across an epoch's edge (a kill and restart), epochs
    stored all through (the pipeline bridges it): one hole between the stored samples on its
    two sides; raw kept at 5 Hz (InfluxDB's "downsampled") is no hole at all."""
    samples, _ = worn([Segment("sit", 120.0)], T0, mounting([10, 80, 40]))
    cut = (samples.t_s > T0 + 60.6) & (samples.t_s < T0 + 61.4)
    run, store, _ = _live(tmp_path, "cut")
    for chunk in iter_chunks(Samples(samples.t_s[~cut], samples.acc_g[~cut]), 0.25):
        run.push(chunk)
    run.finish()
    first, last = np.flatnonzero(cut)[[0, -1]]
    want = Hole(float(samples.t_s[first - 1]), float(samples.t_s[last + 1]), 25.0)
    assert stored_holes(store, T0 + 1.0, T0 + 119.0, 25.0, 0.2) == [want]
    thin = SQLiteStore(tmp_path / "thin.sqlite", tz_name="UTC")
    thin.write_samples(Samples(samples.t_s[::5], samples.acc_g[::5]))
    assert stored_holes(thin, float(samples.t_s[0]), float(samples.t_s[-5]), 25.0, 0.2) == []


def test_a_stored_hour_read_in_pieces_has_no_hole_where_the_pieces_meet(tmp_path):
    """stored_holes reads an hour at a time: where a piece ends inside a second, the epoch of
    that second must not make the stored samples after the piece's end look missing (they
    were read again, as a hole, and stored twice)."""
    samples, _ = worn([Segment("sit", 3630.0)], T0, mounting([10, 80, 40]))
    run, store, _ = _live(tmp_path, "hour")
    for chunk in iter_chunks(samples, 60.0):
        run.push(chunk)
    run.finish()
    start = float(samples.t_s[0]) + 10.5  # a piece then ends at x.5 s, inside a second
    assert stored_holes(store, start, float(samples.t_s[-1]) - 5.0, 25.0, 0.2) == []

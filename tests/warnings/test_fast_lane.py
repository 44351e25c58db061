"""The fast lane: live warnings within a second of the sample that completes their condition.

A scripted wearer (simulated sensor signal) streams through a real `LiveRun` in 0.25 s chunks,
as the BLE session hands them over, with the warnings hook and a real `Dispatcher`. After every
chunk the dispatcher is drained, so "delivered during chunk k" is exact in data time. The
pipeline alone would deliver these warnings 4-11 s late (look-ahead); the assertions hold only
if the rules ran ahead of it.
"""

from __future__ import annotations

import datetime as dt
import logging

from backcoach.alerts import Dispatcher
from backcoach.alerts.buzz import BuzzChannel
from backcoach.collector.simulator import Segment, iter_chunks, simulate
from backcoach.config import Settings
from backcoach.i18n import warning_text
from backcoach.live.run import LiveRun
from backcoach.live.warnings import warning_hook
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.pipeline import StreamingPipeline
from backcoach.processing.rules import RuleEngine
from backcoach.processing.types import OverloadWarning, PipelineOutput
from backcoach.storage.sqlite import SQLiteStore

START_S = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC).timestamp()
CHUNK_S = 0.25


def _stream(script: list[Segment], tmp_path, seed: int = 3, thresholds=None):
    """(sim, delivered [(warning, data time of the newest sample then)], stored warnings)."""
    sim = simulate(script, START_S, fs_hz=50, seed=seed)
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name="UTC")
    settings = Settings(data_dir=str(tmp_path), timezone="UTC")
    newest = [0.0]
    delivered: list[tuple[OverloadWarning, float]] = []
    dispatcher = Dispatcher([BuzzChannel(lambda w: delivered.append((w, newest[0])))])
    engine = RuleEngine(thresholds, 0.0, "00:00", "00:00", "UTC")
    run = LiveRun(settings, store, on_output=[warning_hook(engine, dispatcher)])
    try:
        for chunk in iter_chunks(sim.samples, CHUNK_S):
            newest[0] = float(chunk.t_s[-1])
            run.push(chunk)
            assert dispatcher.wait_idle(5.0)
        run.finish()
        assert dispatcher.wait_idle(5.0)
        stored = store.read_warnings(START_S - 60, START_S + 86400)
    finally:
        dispatcher.close(1.0)
        store.close()
    return sim, delivered, stored


def test_a_held_deep_bend_warns_within_a_second_of_its_15th_second(tmp_path):
    script = [
        Segment("walk", 40),
        Segment("stand", 10),
        Segment("bend", peak_deg=75.0, hold_s=25.0),
        Segment("stand", 20),
    ]
    sim, delivered, stored = _stream(script, tmp_path)
    g4 = [(w, at) for w, at in delivered if w.rule == "G4"]
    assert len(g4) == 1
    w, at = g4[0]
    bend = next(e for e in sim.truth_events if e.type == "bend")
    over_60 = bend.start_s + (1.5 + 75.0 / 60.0) * 60.0 / 75.0  # down at a steady pace
    assert abs(w.t_s - (over_60 + 15.0)) <= 3.0
    assert at - w.t_s <= 1.0, f"delivered {at - w.t_s:.2f} s after the condition was met"
    assert [x.rule for x in stored] == ["G4"]  # the pipeline's own, not a second one


def test_a_back_lift_warns_within_a_second_of_coming_back_up(tmp_path):
    script = [
        Segment("walk", 40),
        Segment("stand", 10),
        Segment("lift", style="back", peak_deg=85.0, drop_m=-0.03, hold_s=1.5),
        Segment("stand", 20),
    ]
    sim, delivered, stored = _stream(script, tmp_path)
    g3 = [(w, at) for w, at in delivered if w.rule == "G3"]
    assert len(g3) == 1
    w, at = g3[0]
    lift = next(e for e in sim.truth_events if e.type == "lift")
    assert abs(w.t_s - lift.end_s) <= 3.0
    assert at - w.t_s <= 1.0, f"delivered {at - w.t_s:.2f} s after the lift ended"
    assert [x.rule for x in stored] == ["G3"] and "(provisional)" not in warning_text(
        stored[0], "en"
    )


def test_a_leg_lift_gives_no_warning_ahead(tmp_path):
    script = [
        Segment("walk", 40),
        Segment("stand", 10),
        Segment("lift", style="legs", peak_deg=25.0, drop_m=0.45, hold_s=1.5),
        Segment("stand", 20),
    ]
    _, delivered, stored = _stream(script, tmp_path)
    assert [w.rule for w, _ in delivered if w.rule == "G3"] == []
    assert [w.rule for w in stored if w.rule == "G3"] == []


def test_a_warning_sent_ahead_and_not_confirmed_is_logged_and_kept(caplog):
    """The fast lane buzzes for a back-lift; here the pipeline's lifts are withheld, as when
    its fuller look (lowering, seated before or after) decides the dip was no lift. The wearer
    got the buzz, so the warning is returned for storing, marked provisional, and logged."""
    script = [
        Segment("walk", 40),
        Segment("stand", 10),
        Segment("lift", style="back", peak_deg=85.0, drop_m=-0.03, hold_s=1.5),
        Segment("stand", 60),
    ]
    sim = simulate(script, START_S, fs_hz=50, seed=3)
    delivered: list[OverloadWarning] = []
    dispatcher = Dispatcher([BuzzChannel(delivered.append)])
    hook = warning_hook(RuleEngine(None, 0.0, "00:00", "00:00", "UTC"), dispatcher)
    pipeline = StreamingPipeline()
    kept: list[OverloadWarning] = []

    def judged(out: PipelineOutput) -> None:
        kept.extend(hook(PipelineOutput(out.epochs, ())))  # the pipeline's lifts withheld

    with caplog.at_level(logging.WARNING, logger="backcoach.live.warnings"):
        try:
            for chunk in iter_chunks(sim.samples, CHUNK_S):
                judged(pipeline.push(chunk.t_s, chunk.acc_g))
                hook.on_samples(chunk, pipeline)
                assert dispatcher.wait_idle(5.0)
            judged(pipeline.flush())
        finally:
            dispatcher.close(1.0)
    assert [w.rule for w in delivered] == ["G3"]
    assert len(kept) == 1 and kept[0].rule == "G3" and kept[0].t_s == delivered[0].t_s
    assert warning_text(kept[0], "en").startswith("(provisional)")
    assert warning_text(kept[0], "nl").startswith("(voorlopig)")
    assert "G3 warning sent at data time" in caplog.text
    assert "not confirmed by the full analysis" in caplog.text


def test_no_burst_of_old_warnings_when_an_unknown_sensor_first_walks(tmp_path, caplog):
    """A sensor never seen has no reference until the wearer walks; its first minute is then
    classified at once. The deep bend in it (a G4 a minute old by then) is stored, not buzzed."""
    script = [
        Segment("stand", 10),
        Segment("bend", peak_deg=75.0, hold_s=25.0),
        Segment("stand", 20),
        Segment("walk", 60),
        Segment("stand", 20),
    ]
    with caplog.at_level(logging.INFO, logger="backcoach.live.warnings"):
        _, delivered, stored = _stream(script, tmp_path)
    assert [w.rule for w in stored] == ["G4"]
    assert delivered == []
    assert "not sent: it came" in caplog.text


def test_sitting_down_after_a_short_break_past_the_limit_warns_from_the_full_analysis(tmp_path):
    """G1 completed by the sit-down itself comes from the pipeline, within ten seconds."""
    limit = RuleThresholds(sitting_bout_max_min=3.0)
    script = [
        Segment("walk", 40),
        Segment("sit", 170),
        Segment("walk", 20),  # a break shorter than the minute the rule tolerates
        Segment("sit", 40),
    ]
    sim, delivered, stored = _stream(script, tmp_path, thresholds=limit)
    g1 = [(w, at) for w, at in delivered if w.rule == "G1"]
    assert len(g1) == 1, g1
    w, at = g1[0]
    second_sit = START_S + 40 + 170 + 20
    assert second_sit - 1.0 <= w.t_s <= second_sit + 4.0, w.t_s - second_sit
    assert at - w.t_s <= 10.0, f"delivered {at - w.t_s:.2f} s after the condition was met"
    assert [x.rule for x in stored] == ["G1"]
    assert "(provisional)" not in warning_text(stored[0], "en")


def test_no_sitting_warning_is_sent_on_a_guess_before_the_full_analysis(tmp_path):
    """The wearer stands up and stays still just before a bout's limit: the newest seconds
    look like more sitting (nothing moves), but the stand-up is there; no G1, not even ahead."""
    limit = RuleThresholds(sitting_bout_max_min=3.0)
    script = [
        Segment("walk", 40),
        Segment("sit", 178),
        Segment("stand", 30),
        Segment("walk", 20),
    ]
    sim, delivered, stored = _stream(script, tmp_path, thresholds=limit)
    assert [w.rule for w, _ in delivered if w.rule == "G1"] == []
    assert [w.rule for w in stored if w.rule == "G1"] == []

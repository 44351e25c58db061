"""The rule engine on a scripted day: exact warnings, quiet hours, cooldowns, chunking, replay."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from backcoach.i18n import warning_text
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.rules import RuleEngine, daily_warnings, parse_clock, replay
from backcoach.processing.types import (
    POSTURE_CODE,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    PipelineOutput,
)
from tests.warnings.scripted import EXPECTED, at, scripted_epochs, scripted_events


def _engine(**kw) -> RuleEngine:
    return RuleEngine(RuleThresholds(**kw), 600.0, "22:00", "07:00", "UTC")


def _as_rows(warnings) -> list[tuple[float, str, float]]:
    return [(w.t_s, w.rule, w.value) for w in warnings]


def _expected_rows() -> list[tuple[float, str, float]]:
    return [(at(t), rule, value) for t, rule, value in EXPECTED]


def test_scripted_day_gives_exactly_the_expected_warnings_at_the_expected_times():
    got = replay(_engine(), scripted_epochs(), scripted_events())
    assert _as_rows(got) == _expected_rows()


def test_no_warning_falls_in_quiet_hours_or_within_a_rules_cooldown():
    engine = _engine()
    got = replay(engine, scripted_epochs(), scripted_events())
    assert not any(engine.in_quiet_hours(w.t_s) for w in got)
    for rule in {w.rule for w in got}:
        times = np.array([w.t_s for w in got if w.rule == rule])
        assert np.all(np.diff(times) >= 600.0)


def test_without_quiet_hours_the_night_episodes_fire():
    engine = RuleEngine(RuleThresholds(), 600.0, "00:00", "00:00", "UTC")
    got = replay(engine, scripted_epochs(), scripted_events())
    rows = _as_rows(got)
    assert (at("06:30"), "G1", 30.0) in rows
    assert (at("22:30"), "G3", 82.0) in rows
    assert (at("22:00"), "G1", 30.0) in rows


def test_any_chunking_of_the_stream_gives_the_same_warnings():
    epochs, events = scripted_epochs(), scripted_events()
    expected = _as_rows(replay(_engine(), epochs, events))
    rng = np.random.default_rng(7)
    for _ in range(3):
        engine = _engine()
        cuts = np.sort(rng.choice(np.arange(1, len(epochs)), size=40, replace=False))
        got, waiting = [], list(events)
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(epochs)], strict=True):
            part = epochs.select(slice(int(a), int(b)))
            # An event arrives with the first push after the one that holds its last epoch.
            done = tuple(e for e in waiting if e.end_s <= part.t_s[0])
            waiting = [e for e in waiting if e not in done]
            got += engine.push(PipelineOutput(part, done))
        got += engine.push(PipelineOutput(Epochs.empty(), tuple(waiting)))
        assert sorted(_as_rows(got)) == expected  # a late event may come after later epochs


def test_messages_say_what_was_seen_and_end_with_the_rule_id():
    got = replay(_engine(), scripted_epochs(), scripted_events())
    for w in got:
        assert warning_text(w, "en").endswith(w.rule) and warning_text(w, "nl").endswith(w.rule)
    first = got[0]
    assert "sitting for 60 minutes" in warning_text(first, "en")
    assert "Je zit al 60 minuten" in warning_text(first, "nl")
    g3 = [w for w in got if w.rule == "G3"][0]
    assert "80°" in warning_text(g3, "en") and "80°" in warning_text(g3, "nl")


def test_back_lift_window_mode_warns_once_per_three_lifts_in_ten_minutes():
    engine = RuleEngine(RuleThresholds(warn_every_back_lift=False), 0.0, "00:00", "00:00", "UTC")
    ends = [at("12:00"), at("12:04"), at("12:09"), at("12:30"), at("12:45"), at("12:50")]
    lifts = tuple(Event("lift", e - 5, e, peak_deg=80.0, style="back") for e in ends)
    got = engine.push(PipelineOutput(Epochs.empty(), lifts))
    assert _as_rows(got) == [(at("12:09"), "G3", 3.0)]
    assert "3 times in 10 minutes" in warning_text(got[0], "en")


def test_an_interruption_of_a_full_break_ends_the_sitting_bout():
    sit, stand = POSTURE_CODE["sitting"], POSTURE_CODE["standing"]
    posture = np.r_[np.full(1500, sit), np.full(60, stand), np.full(1500, sit)]
    n = posture.size
    t = at("12:00") + np.arange(n)
    ep = Epochs(t, posture, np.zeros(n), np.zeros(n), np.full(n, 0.03), np.zeros(n))
    assert _engine().push(PipelineOutput(ep)) == []  # two 25 min bouts, not one 51 min bout
    posture[1500:1559] = sit  # a 1 s stand is no break: one bout of 51 min
    ep = dataclasses.replace(ep, posture=posture)
    assert _as_rows(_engine().push(PipelineOutput(ep))) == [
        (at("12:30"), "G1", 30.0),
        (at("12:40"), "G1", 40.0),
        (at("12:50"), "G1", 50.0),
    ]


def test_a_data_gap_ends_every_streak():
    sit = POSTURE_CODE["sitting"]
    t = np.r_[at("12:00") + np.arange(1500), at("13:00") + np.arange(1500)]
    n = t.size
    ep = Epochs(t, np.full(n, sit), np.zeros(n), np.zeros(n), np.full(n, 0.03), np.zeros(n))
    assert _engine().push(PipelineOutput(ep)) == []


def test_daily_warnings_are_moved_out_of_quiet_hours():
    engine = _engine()
    days = ["2026-03-01", "2026-03-02", "2026-03-03"]
    summaries = [
        DaySummary(d, {"acwr": r, "load": 1.0}) for d, r in zip(days, (1.6, 1.7, 1.8), strict=True)
    ]
    diary = [DiaryEntry(d, pain=p) for d, p in zip(days, (2, 4, 5), strict=True)]
    got = engine.daily(summaries, diary, at_s=at("23:59") + 86400)
    assert [w.rule for w in got] == ["G7", "G8"]
    assert all(w.t_s == at("07:00") + 2 * 86400 for w in got)
    assert got[0].value == 1.8 and got[1].value == 3.0
    assert "1.80 times" in warning_text(got[0], "en") and "van 2 naar 5" in warning_text(
        got[1], "nl"
    )


@pytest.mark.parametrize(
    ("acwr", "pain", "rules"),
    [
        ((1.6, 1.7, 1.2), (2, 4, 5), ["G8"]),  # no spike today; pain rose after two spikes
        ((1.2, 1.7, 1.8), (2, 4, 5), ["G7"]),  # first rise did not follow a spike
        ((1.6, 1.7, 1.8), (2, 4, 4), ["G7"]),  # pain did not rise on the second day
        ((1.0, 1.0, 1.0), (2, 4, 5), []),
    ],
)
def test_daily_rules_need_a_spike_and_two_rises_in_a_row(acwr, pain, rules):
    days = ["2026-03-01", "2026-03-02", "2026-03-03"]
    summaries = [DaySummary(d, {"acwr": r}) for d, r in zip(days, acwr, strict=True)]
    diary = [DiaryEntry(d, pain=p) for d, p in zip(days, pain, strict=True)]
    assert [w.rule for w in daily_warnings(summaries, diary, at_s=0.0)] == rules


def test_bad_quiet_hours_are_refused_with_the_value_named():
    with pytest.raises(ValueError, match="25:00"):
        parse_clock("25:00")
    with pytest.raises(ValueError, match="7 am"):
        RuleEngine(quiet_end="7 am")


def test_collect_says_once_a_night_that_quiet_hours_hold_the_warnings(caplog):
    """Crossing 22:00 logs "held until 07:00" once; the next night says it again."""
    import logging

    from backcoach.alerts import QuietHoursNotice
    from backcoach.processing.types import Samples

    notice = QuietHoursNotice(RuleEngine(RuleThresholds(), 600.0, "22:00", "07:00", "UTC"))
    day0 = 1_796_601_600.0  # 2026-12-07 00:00 UTC
    caplog.set_level(logging.INFO, logger="backcoach.alerts")
    for hour in (20.0, 21.99, 22.01, 23.0, 6.99 + 24, 7.01 + 24, 12.0 + 24, 22.5 + 24):
        t = day0 + hour * 3600 + np.arange(10.0)
        notice.on_samples(Samples(t, np.zeros((10, 3), np.float32)), None)
        assert notice(None) is None  # the hook adds no warning of its own
    said = [r.getMessage() for r in caplog.records if "quiet hours" in r.getMessage()]
    assert said == ["warnings are held until 07:00 (quiet hours)"] * 2


def test_g3_says_what_the_sensor_saw_not_that_something_was_lifted():
    """One accelerometer cannot feel a load: a plain 70° bend and a stoop-lift read the same."""
    engine = RuleEngine(RuleThresholds(), 0.0, "00:00", "00:00", "UTC")
    lift = Event("lift", at("12:00") - 4, at("12:00"), peak_deg=73.0, style="back")
    (w,) = engine.push(PipelineOutput(Epochs.empty(), (lift,)))
    assert "straight legs" in warning_text(w, "en") and "73°" in warning_text(w, "en")
    assert "gestrekte benen" in warning_text(w, "nl") and "73°" in warning_text(w, "nl")
    for text in (warning_text(w, "en").lower(), warning_text(w, "nl").lower()):
        assert "you lifted" not in text and "je tilde" not in text


def test_an_unsure_lift_gives_no_g3_warning():
    engine = RuleEngine(RuleThresholds(), 0.0, "00:00", "00:00", "UTC")
    lift = Event("lift", at("12:00") - 4, at("12:00"), peak_deg=80.0, style="unsure")
    assert engine.push(PipelineOutput(Epochs.empty(), (lift,))) == []


def test_a_waist_sensor_warns_of_a_deep_bend_at_its_own_degrees():
    """45° held 20 s on a waist belt is about 69° of the trunk: over G4's 60°."""
    n = 20
    t = at("12:00") + np.arange(n, dtype=float)
    ep = Epochs(t, [POSTURE_CODE["standing"]] * n, [45.0] * n, np.zeros(n), np.zeros(n), [0] * n)
    as_given = RuleEngine(RuleThresholds(), 0.0, "00:00", "00:00", "UTC")
    waist = RuleEngine(RuleThresholds(), 0.0, "00:00", "00:00", "UTC", placement="waist")
    assert [w.rule for w in as_given.push(PipelineOutput(ep))] == []
    (w,) = waist.push(PipelineOutput(ep))
    assert w.rule == "G4" and "60°" in warning_text(w, "en")  # the guidance's degrees in the text

"""Daily metrics from hand-made epochs and events, worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from backcoach.processing.days import at_local, day_bounds
from backcoach.processing.summary import METRICS, summarize_day
from backcoach.processing.types import POSTURE_CODE, DaySummary, Epochs, Event
from tests import clock

T0 = 1_700_000_000.0


def _epochs(spec):
    """Epochs from [(posture, seconds, trunk_deg, steps_per_s), ...] laid end to end from T0."""
    post, trunk, steps = [], [], []
    for name, n, deg, sps in spec:
        post += [POSTURE_CODE[name]] * n
        trunk += [deg] * n
        steps += [sps] * n
    n = len(post)
    return Epochs(T0 + np.arange(n), post, trunk, np.zeros(n), np.zeros(n), steps)


@pytest.fixture
def day():
    # 40 min sitting (10 of them slumped at 25°), 30 s standing (not a break), 20 min sitting,
    # 2 min standing, 10 min walking at 2 steps/s, 5 min sitting, 1 min standing bent at 70°.
    ep = _epochs(
        [
            ("sitting", 1800, -10.0, 0),
            ("sitting", 600, 25.0, 0),
            ("standing", 30, 0.0, 0),
            ("sitting", 1200, -10.0, 0),
            ("standing", 120, 5.0, 0),
            ("walking", 600, 6.0, 2),
            ("sitting", 300, -10.0, 0),
            ("standing", 60, 70.0, 0),
        ]
    )
    events = [
        Event("lift", T0 + 5000, T0 + 5005, peak_deg=80, style="back"),
        Event("lift", T0 + 5100, T0 + 5105, peak_deg=30, style="legs"),
        Event("lift", T0 + 5200, T0 + 5205, peak_deg=35, style="legs"),
        Event("bend", T0 + 4650, T0 + 4710, peak_deg=72, attrs={"over20_s": 60}),
    ]
    return ep, events


def test_sitting_bouts_breaks_and_slumping(day):
    ep, events = day
    m = summarize_day(ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400).metrics
    assert m.sitting_min == pytest.approx(65.0)
    assert m.longest_sitting_bout_min == pytest.approx(60.5)  # 40 + 0.5 + 20
    assert m.sitting_bouts_over_max_n == 1
    assert m.breaks_per_sitting_hour == pytest.approx(1 / (65 / 60))  # stand+walk: one
    assert m.seated_forward_share == pytest.approx(10 / 65)
    assert m.longest_slumped_min == pytest.approx(10.0)


def test_bends_lifts_walking_and_load(day):
    ep, events = day
    m = summarize_day(ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400).metrics
    assert m.lifts_n == 3 and m.back_lifts_n == 1
    assert m.leg_lift_share == pytest.approx(2 / 3)
    upright_min = (30 + 120 + 600 + 60) / 60
    assert m.upright_min == pytest.approx(upright_min)
    assert m.band_over60_min == pytest.approx(1.0)
    assert m.over60_share == pytest.approx(1.0 / upright_min)
    assert m.bends_over60_per_hour == pytest.approx(1 / (upright_min / 60))
    assert m.steps == 1200 and m.cadence_spm == pytest.approx(120.0)
    assert m.load == pytest.approx(4.0 * 1.0 + 2.0 * 1 + 0.5 * 2)
    assert math.isnan(m.acwr)  # no history yet


def test_acute_chronic_ratio_uses_the_history(day):
    ep, events = day
    history = [DaySummary(f"h{i}", {"load": 10.0 if i < 21 else 20.0}) for i in range(27)]
    m = summarize_day(
        ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400, history=history, pain=4
    ).metrics
    loads = [10.0] * 21 + [20.0] * 6 + [7.0]
    assert m.acwr == pytest.approx(np.mean(loads[-7:]) / np.mean(loads))
    assert m.pain == 4


def test_every_metric_is_documented(day):
    ep, events = day
    history = [DaySummary(f"h{i}", {"load": 10.0}) for i in range(27)]
    m = summarize_day(
        ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400, history=history, pain=1
    ).metrics
    assert set(m.as_row()) == set(METRICS)  # every metric computed, under its documented key


def test_a_bend_that_was_a_lift_counts_once_in_g3():
    """One movement, one count: the bend down and back up of a lift is not also a G4 bend."""
    ep = _epochs([("standing", 3600, 5.0, 0)])
    events = [
        Event("bend", T0 + 100, T0 + 103, peak_deg=75),  # the lift's own bend
        Event("lift", T0 + 99.6, T0 + 103.4, peak_deg=75, style="back"),
        Event("bend", T0 + 500, T0 + 530, peak_deg=70),  # a held bend: G4
    ]
    m = summarize_day(ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400).metrics
    assert m.lifts_n == 1 and m.back_lifts_n == 1
    assert m.bends_over60_per_hour == pytest.approx(1.0)


def test_unsure_lifts_are_counted_but_not_in_the_leg_share():
    ep = _epochs([("standing", 3600, 5.0, 0)])
    styles = ["legs", "back", "unsure", "unsure"]
    events = [
        Event("lift", T0 + 100 * i, T0 + 100 * i + 4, peak_deg=50, style=s)
        for i, s in enumerate(styles, 1)
    ]
    m = summarize_day(ep, events, day="d", day_start_s=T0, day_end_s=T0 + 86400).metrics
    assert m.lifts_n == 4 and m.unsure_lifts_n == 2
    assert m.leg_lift_share == pytest.approx(0.5)  # 1 of the 2 with a style
    assert m.load == pytest.approx(0.5 + 2.0 + 2 * 1.25)


def test_the_bend_bands_are_read_in_the_sensors_degrees():
    """45° on a waist belt is about 69° of the trunk: over the 60° band (0.65 × 60 = 39°)."""
    ep = _epochs([("standing", 60, 45.0, 0), ("standing", 60, 20.0, 0)])
    kw = dict(day="d", day_start_s=T0, day_end_s=T0 + 86400)
    upper = summarize_day(ep, [], **kw).metrics
    waist = summarize_day(ep, [], placement="waist", **kw).metrics
    assert upper.band_over60_min == 0.0 and upper.band_45_60_min == 1.0
    assert waist.band_over60_min == 1.0 and waist.band_20_45_min == 1.0


def test_the_night_is_read_off_the_wall_clock_on_every_calendar_day(each_date):
    """G9 counts lying before 10:00 and from 20:00: on a 23- or 25-hour day too, where the
    hours since midnight are an hour off the clock after 02:00."""
    tz = clock.TZ
    day = clock.today(tz).isoformat()
    start_s, end_s = day_bounds(day, tz)
    t = np.arange(start_s, end_s)
    n = len(t)

    def night_h(first: int, last: int) -> float:
        """Lying from `first` to `last` o'clock, standing the rest of the day."""
        lying = (t >= at_local(day, dt.time(first), tz)) & (t < at_local(day, dt.time(last), tz))
        posture = np.where(lying, POSTURE_CODE["lying"], POSTURE_CODE["standing"])
        ep = Epochs(t.astype(float), posture, np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))
        kw = {"day": day, "day_start_s": start_s, "day_end_s": end_s, "tz_name": tz}
        m = summarize_day(ep, [], **kw).metrics
        assert m.lying_h == pytest.approx(last - first)
        return m.lying_night_h

    assert night_h(19, 21) == pytest.approx(1.0)  # 20:00-21:00
    assert night_h(9, 11) == pytest.approx(1.0)  # 09:00-10:00

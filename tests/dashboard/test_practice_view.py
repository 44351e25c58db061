"""The practice overview's rows from hand-made weeks: the same grades as the weekly report."""

from __future__ import annotations

import datetime as dt

from backcoach.dashboard.practice_view import glance, glances, overview_table
from backcoach.dashboard.weekly import IsoWeek
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import DaySummary, DiaryEntry
from backcoach.storage import WearerDays

WEEK = IsoWeek(2026, 48)  # Monday 23 November to Sunday 29 November
RULES = RuleThresholds()


def days(week: IsoWeek, **metrics: float) -> list[DaySummary]:
    return [DaySummary(d, {"coverage_h": 14.0, **metrics}) for d in week.days]


def test_a_wearer_who_sits_an_hour_at_a_time_needs_attention_on_g1():
    """60 min bouts against the 30 min limit are red; walking 20 -> 40 min is better (G6)."""
    sat = days(WEEK.previous(), **{"G1.longest_sitting_bout_min": 60.0, "G6.walking_min": 20.0})
    sat += days(WEEK, **{"G1.longest_sitting_bout_min": 60.0, "G6.walking_min": 40.0})
    g = glance(WearerDays("anna", sat, []), WEEK, RULES)
    assert g.status == "red" and "G1" in g.red
    assert "G6" in g.better and "G6" not in g.worse
    assert g.days == 7


def test_a_wearer_on_target_is_green_and_pain_shows_its_trend():
    ok = {"G1.longest_sitting_bout_min": 20.0, "G6.walking_min": 45.0}
    summaries = days(WEEK.previous(), **ok) + days(WEEK, **ok)
    diary = [DiaryEntry(d, 5) for d in WEEK.previous().days] + [DiaryEntry(d, 3) for d in WEEK.days]
    g = glance(WearerDays("ben", summaries, diary), WEEK, RULES)
    assert "G1" not in g.red + g.amber and "G6" not in g.red + g.amber
    assert (g.pain, g.pain_before) == (3.0, 5.0)
    table = overview_table([g], "en")
    assert table.loc[0, "Pain (mean, trend)"] == "3.0 ↓"


def test_needing_attention_sorts_first_and_no_data_or_unreadable_last():
    red = days(WEEK, **{"G1.longest_sitting_bout_min": 90.0})
    none = days(IsoWeek.of(dt.date(2026, 10, 1)), **{"G1.longest_sitting_bout_min": 90.0})
    rows = glances(
        [
            WearerDays("zoe", none, []),
            WearerDays("yan", error="refused"),
            WearerDays("xia", red, []),
        ],
        WEEK,
        RULES,
    )
    assert [g.name for g in rows][0] == "xia"
    assert {g.status for g in rows[1:]} == {"none"}
    table = overview_table(rows, "nl")
    assert list(table.columns)[:2] == ["Drager", "Deze week"]
    notes = dict(zip(table["Drager"], table["Opmerking"], strict=True))
    assert notes["yan"].startswith("niet leesbaar") and notes["zoe"] == ""

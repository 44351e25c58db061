"""The graded plan as a pure function: baseline, steps, holds, step-backs, replay (issue 22).

Days are made by hand (`days`), so every quota below is worked out from the module's rules:
walking steps +10% (at least 2 min), the sitting cap 10 min down, both at the steady pace.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import (
    ITEMS,
    PlanPhase,
    PlanSettings,
    build_plan,
    final_targets,
)
from backcoach.processing.types import DaySummary, DiaryEntry

MONDAY = dt.date(2026, 3, 2)
RULES = RuleThresholds()
USUAL = {
    "coverage_h": 16.0,
    "G6.walking_min": 10.0,
    "G1.longest_sitting_bout_min": 70.0,
    "G1.breaks_per_sitting_hour": 1.0,
    "G3.leg_lifts_n": 2.0,
    "G3.back_lifts_n": 3.0,
    "G4.over60_share": 0.03,
    "G9.lying_night_h": 6.0,
    "load": 100.0,
    "acwr": 1.0,
}


def day(i: int) -> str:
    return (MONDAY + dt.timedelta(days=i)).isoformat()


def days(first: int, n: int, **metrics: float) -> list[DaySummary]:
    """`n` days from day `first` (0 = MONDAY), the usual day with `metrics` changed.

    Keyword names use '_' for '.': walking=..., sit=..., acwr=..., load=...
    """
    names = {"walking": "G6.walking_min", "sit": "G1.longest_sitting_bout_min"}
    out = []
    for i in range(first, first + n):
        m = dict(USUAL)
        m.update({names.get(k, k): v for k, v in metrics.items()})
        out.append(DaySummary(day(i), m))
    return out


def pains(first: int, values: list[int]) -> list[DiaryEntry]:
    return [DiaryEntry(day(first + k), p) for k, p in enumerate(values)]


def plan_of(summaries, diary=(), *, weeks: int, settings: PlanSettings | None = None):
    settings = settings or PlanSettings(MONDAY)
    through = MONDAY + dt.timedelta(days=7 * weeks - 1)
    return build_plan(settings, summaries, list(diary), RULES, through=through)


def good_week(week: int, quotas: dict[str, float]) -> list[DaySummary]:
    """Week `week` (0-based) met on every day: walking past its quota, sitting under its cap."""
    return days(7 * week, 7, walking=quotas["walking"] + 1, sit=quotas["sit"] - 1)


# -- baseline --------------------------------------------------------------------------------------
def test_the_baseline_is_the_first_two_weeks_and_the_plan_starts_in_week_three():
    """Two recorded weeks make the baseline; week 3 starts at what the wearer already does."""
    plan = plan_of(days(0, 14), weeks=3)
    assert [w.decision for w in plan.weeks] == ["measuring", "measuring", "start"]
    assert [w.number for w in plan.weeks] == [0, 0, 1]
    assert plan.baseline is not None and plan.baseline.days == 14
    start = plan.weeks[2].quotas()
    assert start["walking_plan_min"] == 10.0  # the 25th percentile of 10-minute days
    assert start["sitting_bout_max_min"] == 70.0
    assert start["over60_share_max"] == 0.03
    assert start["leg_lift_share_min"] == 0.4  # pooled: 2 of 5 lifts with the legs
    assert start["sleep_target_h"] == 6.0


def test_the_first_quota_rounds_away_from_the_target_so_it_is_already_reached():
    """A 72-minute longest sit starts at a 75-minute cap; 9.6 walking minutes at 9."""
    plan = plan_of(days(0, 14, walking=9.6, sit=72.0), weeks=3)
    q = plan.weeks[2].quotas()
    assert q["sitting_bout_max_min"] == 75.0
    assert q["walking_plan_min"] == 9.0


def test_the_baseline_waits_for_enough_recorded_days():
    """Three days in two weeks are too few: the baseline goes on until five days are in."""
    few = days(0, 2) + days(7, 1)
    plan = plan_of(few + days(14, 2), weeks=4)
    assert [w.decision for w in plan.weeks] == ["measuring"] * 3 + ["start"]
    assert plan.baseline is not None and plan.baseline.days == 5


def test_one_baseline_week_when_the_plan_says_so():
    plan = plan_of(days(0, 7), weeks=2, settings=PlanSettings(MONDAY, baseline_weeks=1))
    assert [w.decision for w in plan.weeks] == ["measuring", "start"]


def test_items_already_at_the_guidance_stay_there_and_unmeasured_items_take_the_target():
    """Sleep 8 h is past the 7 h target: the quota is the target. No lifts: the target."""
    summaries = days(
        0, 14, **{"G9.lying_night_h": 8.0, "G3.leg_lifts_n": 0.0, "G3.back_lifts_n": 0.0}
    )
    plan = plan_of(summaries, weeks=3)
    q = plan.weeks[2].quotas()
    assert q["sleep_target_h"] == RULES.sleep_target_h
    assert q["leg_lift_share_min"] == RULES.leg_lift_share_min
    assert plan.baseline is not None and plan.baseline.values["leg_lift_share_min"] is None


# -- steps on, kept -------------------------------------------------------------------------------
def test_a_good_week_steps_on_and_each_item_moves_on_its_own():
    """Walking met on every day steps on (+2 min); sitting over its cap on 5 of 7 days stays."""
    base = days(0, 14)
    week3 = days(14, 2, walking=11.0, sit=65.0) + days(16, 5, walking=11.0, sit=75.0)
    plan = plan_of(base + week3, weeks=4)
    w4 = plan.weeks[3]
    assert w4.decision == "step_on"
    assert w4.quotas()["walking_plan_min"] == 12.0
    assert w4.quotas()["sitting_bout_max_min"] == 70.0
    codes = {r.item: r.code for r in w4.reasons}
    assert codes["walking_plan_min"] == "step_on"
    assert codes["sitting_bout_max_min"] == "keep"
    walk = w4.item("walking_plan_min")
    assert walk.level == 1 and plan.weeks[2].item("walking_plan_min").met == 7


def test_the_steps_go_toward_the_target_and_never_past_it():
    """Good weeks take the sitting cap 70 -> 60 -> 50 -> 40 -> 30, then it stays at 30."""
    summaries = days(0, 14)
    quotas = {"walking": 10.0, "sit": 70.0}
    caps = []
    plan = None
    for week in range(2, 10):
        plan = plan_of(summaries, weeks=week + 1)
        q = plan.weeks[week].quotas()
        caps.append(q["sitting_bout_max_min"])
        quotas = {"walking": q["walking_plan_min"], "sit": q["sitting_bout_max_min"]}
        summaries += good_week(week, quotas)
    assert caps == [70.0, 60.0, 50.0, 40.0, 30.0, 30.0, 30.0, 30.0]
    assert plan is not None
    assert all(w.quotas()["walking_plan_min"] <= RULES.walking_plan_min for w in plan.weeks[2:])
    last = plan.weeks[-1]
    assert last.item("sitting_bout_max_min").at_target
    assert any(r.code == "on_target" and r.item == "sitting_bout_max_min" for r in last.reasons)


def test_a_plan_target_past_the_guidance_is_clamped_to_the_guidance():
    """A 45-minute walking target stops at the guidance's 30; a 20-minute one is kept."""
    over = final_targets(PlanPhase(MONDAY, "steady", {"walking_plan_min": 45.0}), RULES)
    under = final_targets(PlanPhase(MONDAY, "steady", {"walking_plan_min": 20.0}), RULES)
    assert over["walking_plan_min"] == RULES.walking_plan_min
    assert under["walking_plan_min"] == 20.0
    loose = final_targets(PlanPhase(MONDAY, "steady", {"sitting_bout_max_min": 10.0}), RULES)
    assert loose["sitting_bout_max_min"] == RULES.sitting_bout_max_min


def test_the_pace_sets_the_step_size():
    """Gentle takes the cap 5 min down, brisk 15."""
    base = days(0, 14) + days(14, 7, walking=11.0, sit=65.0)
    caps = {}
    for pace in ("gentle", "steady", "brisk"):
        ps = PlanSettings(MONDAY, 2, (PlanPhase(MONDAY, pace),))
        caps[pace] = plan_of(base, weeks=4, settings=ps).weeks[3].quotas()["sitting_bout_max_min"]
    assert caps == {"gentle": 65.0, "steady": 60.0, "brisk": 55.0}


def test_a_new_pace_applies_from_its_week_and_keeps_the_weeks_before():
    base = days(0, 14) + good_week(2, {"walking": 10.0, "sit": 70.0})
    base += good_week(3, {"walking": 12.0, "sit": 60.0})
    steady = plan_of(base, weeks=5)
    since = MONDAY + dt.timedelta(weeks=4)
    ps = PlanSettings(MONDAY, 2, (PlanPhase(MONDAY), PlanPhase(since, "brisk")))
    changed = plan_of(base, weeks=5, settings=ps)
    assert changed.weeks[:4] == steady.weeks[:4]
    assert steady.weeks[4].quotas()["sitting_bout_max_min"] == 50.0
    assert changed.weeks[4].quotas()["sitting_bout_max_min"] == 45.0
    assert changed.weeks[4].pace == "brisk"


# -- pain and load ---------------------------------------------------------------------------------
def test_pain_rising_two_days_after_load_spikes_holds_the_plan_g8():
    """Spike days (ratio over 1.5) Wed and Thu, pain 3 -> 4 -> 5 from Wed to Fri: held."""
    base = days(0, 14)
    week3 = days(14, 2) + days(16, 2, acwr=1.7) + days(18, 3, walking=11.0, sit=65.0)
    diary = pains(0, [3] * 14) + pains(14, [3, 3, 3, 4, 5, 4, 3])
    plan = plan_of(base + week3, diary, weeks=4)
    w4 = plan.weeks[3]
    assert w4.decision == "hold"
    assert [r.code for r in w4.reasons] == ["hold_g8"]
    assert w4.quotas() == plan.weeks[2].quotas()


def test_a_pain_rise_in_a_week_with_a_load_spike_holds_the_plan_g8():
    """No two-day rise, but the week's pain is a point above the usual with a spike day."""
    base = days(0, 14)
    week3 = days(14, 3) + days(17, 1, acwr=1.8) + days(18, 3)
    diary = pains(0, [3] * 14) + pains(14, [4, 4, 4, 4, 4, 4, 4])
    plan = plan_of(base + week3, diary, weeks=4)
    assert [r.code for r in plan.weeks[3].reasons] == ["hold_g8"]
    # The same pain without a spike is no reason to hold.
    calm = plan_of(base + days(14, 7), diary, weeks=4)
    assert calm.weeks[3].decision == "step_on"


def test_a_ratio_over_the_band_holds_the_plan_g7():
    week3 = days(14, 6) + days(20, 1, acwr=1.4)
    plan = plan_of(days(0, 14) + week3, weeks=4)
    (reason,) = plan.weeks[3].reasons
    assert reason.code == "hold_g7" and reason.figures["ratio"] == 1.4


def test_a_week_with_half_the_load_holds_the_plan_g7_but_a_past_spike_does_not():
    """The week's own load at half the month's median holds; a heavy week three weeks ago,
    which keeps the stored ratio under 0.8 for weeks, does not."""
    quiet = days(0, 14) + days(14, 7, load=50.0, acwr=0.6)
    plan = plan_of(quiet, weeks=4)
    (reason,) = plan.weeks[3].reasons
    assert reason.code == "hold_g7" and reason.figures["ratio"] == pytest.approx(0.5)
    after_spike = days(0, 7, load=300.0) + days(7, 7) + days(14, 7, acwr=0.7)
    plan = plan_of(after_spike, weeks=4)
    assert plan.weeks[3].decision == "step_on"


def test_a_flare_steps_back_then_settling_pain_holds_then_the_plan_goes_on():
    """Usual pain 3; a week at 6 steps every item back; a week at 5 holds; 3 again goes on."""
    summaries = days(0, 14) + good_week(2, {"walking": 10.0, "sit": 70.0})
    summaries += good_week(3, {"walking": 12.0, "sit": 60.0})
    summaries += good_week(4, {"walking": 10.0, "sit": 70.0})
    summaries += good_week(5, {"walking": 10.0, "sit": 70.0})
    summaries += good_week(6, {"walking": 12.0, "sit": 60.0})
    diary = pains(0, [3] * 28) + pains(28, [6] * 7) + pains(35, [5] * 7) + pains(42, [3] * 7)
    plan = plan_of(summaries, diary, weeks=8)
    decisions = [w.decision for w in plan.weeks]
    assert decisions == ["measuring"] * 2 + ["start", "step_on", "step_on"] + [
        "step_back",
        "hold",
        "step_on",
    ]
    assert plan.weeks[4].quotas()["sitting_bout_max_min"] == 50.0
    back = plan.weeks[5]
    assert back.reasons[0].code == "flare"
    assert back.reasons[0].figures == {"pain": 6.0, "usual": 3.0, "stepped": 6}
    assert back.quotas()["sitting_bout_max_min"] == 60.0
    assert back.quotas()["walking_plan_min"] == 12.0
    assert [r.code for r in plan.weeks[6].reasons] == ["settling"]
    assert plan.weeks[7].quotas()["sitting_bout_max_min"] == 50.0


def test_a_flare_in_the_first_plan_week_has_no_step_to_go_back_to():
    diary = pains(0, [2] * 14) + pains(14, [6] * 7)
    plan = plan_of(days(0, 21), diary, weeks=4)
    w4 = plan.weeks[3]
    assert w4.decision == "step_back"
    assert w4.reasons[0].figures["stepped"] == 0
    assert w4.quotas() == plan.weeks[2].quotas()


# -- missing data ---------------------------------------------------------------------------------
def test_a_week_away_holds_and_a_second_one_steps_back():
    summaries = days(0, 14) + good_week(2, {"walking": 10.0, "sit": 70.0})
    plan = plan_of(summaries, weeks=6)
    assert [w.decision for w in plan.weeks[3:]] == ["step_on", "hold", "step_back"]
    assert plan.weeks[4].reasons[0].code == "away"
    assert plan.weeks[5].reasons[0].code == "away_back"
    assert plan.weeks[5].quotas() == plan.weeks[2].quotas()
    # Back after the break: the plan goes on from there.
    summaries += good_week(5, {"walking": 10.0, "sit": 70.0})
    again = plan_of(summaries, weeks=7)
    assert again.weeks[6].decision == "step_on"


def test_too_few_days_hold_and_missing_days_are_judged_on_the_days_recorded():
    two = days(0, 14) + days(14, 2, walking=11.0)
    plan = plan_of(two, weeks=4)
    assert [r.code for r in plan.weeks[3].reasons] == ["few_days"]
    four = days(0, 14) + days(14, 4, walking=11.0, sit=65.0)
    plan = plan_of(four, weeks=4)
    walk = plan.weeks[2].item("walking_plan_min")
    assert (walk.met, walk.days) == (4, 4)
    assert plan.weeks[3].decision == "step_on"


def test_days_without_coverage_count_as_not_recorded():
    empty = [DaySummary(d.day, {**d.metrics.as_row(), "coverage_h": 0.0}) for d in days(14, 7)]
    plan = plan_of(days(0, 14) + empty, weeks=4)
    assert plan.weeks[2].recorded == 0
    assert plan.weeks[3].reasons[0].code == "away"


# -- one pure function -----------------------------------------------------------------------------
def test_the_same_days_in_any_order_give_the_same_plan():
    summaries = days(0, 14) + good_week(2, {"walking": 10.0, "sit": 70.0}) + days(21, 5)
    diary = pains(0, [3] * 26)
    plan = plan_of(summaries, diary, weeks=5)
    rng = random.Random(4)
    for _ in range(5):
        s, d = summaries[:], diary[:]
        rng.shuffle(s)
        rng.shuffle(d)
        assert plan_of(s, d, weeks=5) == plan


def test_later_days_never_change_an_earlier_week():
    """Built through week 4 or through week 6, weeks 1-4 are the same: a past step stays."""
    summaries = days(0, 14) + good_week(2, {"walking": 10.0, "sit": 70.0})
    summaries += good_week(3, {"walking": 12.0, "sit": 60.0}) + days(28, 14, acwr=1.6)
    early, late = plan_of(summaries, weeks=4), plan_of(summaries, weeks=6)
    assert late.weeks[:3] == early.weeks[:3]
    assert late.weeks[3].quotas() == early.weeks[3].quotas()
    assert late.weeks[3].reasons == early.weeks[3].reasons


def test_the_thresholds_of_a_day_are_the_guidance_with_its_weeks_quotas():
    plan = plan_of(days(0, 21), weeks=4)
    measuring = plan.thresholds(day(3), RULES)
    assert measuring == RULES
    week4 = plan.thresholds(day(23), RULES)
    assert week4 == dataclasses.replace(RULES, **plan.weeks[3].quotas())
    assert week4.sitting_bout_max_min == 60.0 and week4.static_warning_min == 45.0
    assert plan.thresholds(day(-3), RULES) == RULES  # before the start
    assert {i.key for i in ITEMS} == set(plan.weeks[3].quotas())


def test_bad_plan_settings_say_what_to_fix():
    with pytest.raises(ValueError, match="baseline_weeks"):
        PlanSettings(MONDAY, baseline_weeks=3)
    with pytest.raises(ValueError, match="pace"):
        PlanPhase(MONDAY, "fast")
    with pytest.raises(ValueError, match="same week"):
        PlanSettings(MONDAY, 2, (PlanPhase(MONDAY), PlanPhase(MONDAY + dt.timedelta(days=2))))


def test_a_target_that_is_not_a_plan_item_is_refused():
    with pytest.raises(ValueError, match="not a plan item"):
        PlanPhase(MONDAY, "steady", {"walking": 20.0})

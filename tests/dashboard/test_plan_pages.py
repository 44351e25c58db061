"""The plan on the dashboard's pages through Streamlit's AppTest, in English and Dutch: the
card on Today and Progress, the Guidance cards graded by the step with the guidance beside it,
and the Settings form that keeps, changes and stops a plan."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

from backcoach import plans
from backcoach.processing.days import day_bounds
from backcoach.storage import open_store
from bench import fleet, plan_sim
from tests import clock

from .stores import APP, TZ, new_dir, yesterday

TIMEOUT_S = 60
PLAN_WEEK_4 = dt.timedelta(weeks=5, days=2)  # a Wednesday of the script's week 6: cap 50 min


@pytest.fixture(scope="module")
def plan_store(tmp_path_factory):
    """The simulated wearer's 16 weeks, ending yesterday (their plan in week 16)."""
    sd = new_dir(tmp_path_factory.mktemp("plan-pages"))
    last = yesterday()
    first = last - dt.timedelta(days=last.weekday()) - dt.timedelta(weeks=15)
    store = open_store(sd.settings())
    try:
        plan = plan_sim.simulate(store, first, tz_name=TZ, until=last, epoch_days=1)
        # Epochs on the day the tests open in plan week 4 (Today offers days with epochs).
        day = (first + PLAN_WEEK_4).isoformat()
        events = store.read_events(*day_bounds(day, TZ))
        store.write_epochs(fleet.day_epochs(day, TZ, events))
    finally:
        store.close()
    return sd, plan, first


def page(path: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    if path != "app_pages/today.py":
        at.switch_page(path)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [s.value for s in at.subheader] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            (
                "Your plan",
                "Plan week 4",
                "This week: sit at most 50 minutes at a stretch",
                "Bouts over 50 minutes are highlighted.",
            ),
        ),
        (
            "nl",
            (
                "Je plan",
                "Planweek 4",
                "Deze week: zit hoogstens 50 minuten achter elkaar",
                "Periodes langer dan 50 minuten zijn gemarkeerd.",
            ),
        ),
    ],
)
def test_today_shows_the_weeks_step_and_why(plan_store, app_env, monkeypatch, lang, words):
    """A day in plan week 4: the card says the step and why, the bouts are judged by it."""
    sd, plan, first = plan_store
    app_env(sd)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", lang)
    day = first + PLAN_WEEK_4
    assert plan.week_of(day).quotas()["sitting_bout_max_min"] == 50.0
    at = page("app_pages/today.py")
    at.date_input(key="today_day").set_value(day).run()
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    for word in words:
        assert word in shown, (word, shown)
    table = at.dataframe[0].value
    assert len(table) == 6  # the six items of the plan


def test_progress_shows_the_card_and_the_plans_weeks(plan_store, app_env, monkeypatch):
    """The card is this week's (on a Monday, the week after the last recorded day's)."""
    sd, _, first = plan_store
    app_env(sd)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", "nl")
    at = page("app_pages/progress.py")
    shown = texts(at)
    assert "Je plan tegen je weken" in shown
    today = clock.today(TZ)
    number = (today - first).days // 7 + 1 - 2  # after the two baseline weeks
    assert (
        f"Planweek {number} · {today.isocalendar().year}-W{today.isocalendar().week:02d}" in shown
    )
    charts = at.get("plotly_chart")
    assert len(charts) >= 7  # the plan's weeks and the six daily charts
    figure = json.loads(charts[0].proto.spec)
    assert len(figure["data"]) == 18  # six panels: step, typical day, final target


def test_the_guidance_cards_grade_by_the_step_with_the_guidance_beside(
    plan_store, app_env, monkeypatch
):
    sd, _, first = plan_store
    app_env(sd)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", "en")
    at = page("app_pages/guidance.py")
    at.date_input(key="guidance_day").set_value(first + PLAN_WEEK_4).run()
    shown = texts(at)
    assert "No bout over 50 min" in shown  # this week's step
    assert "Guidance target: No bout over 30 min" in shown
    assert "This week's step" in shown


def test_settings_keeps_a_new_pace_from_this_week_and_stops_the_plan(plan_store, tmp_path):
    """On a copy of the store: brisk from this week keeps the weeks before; stop clears it."""
    sd, _, _ = plan_store
    import shutil

    copy = new_dir(tmp_path / "copy")
    shutil.copytree(sd.data_dir, copy.data_dir)
    env = copy.env()
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        at = page("app_pages/settings.py")
        at.selectbox(key="plan-pace").set_value("brisk")
        next(b for b in at.button if b.label == "Keep this plan").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        store = open_store(copy.settings())
        try:
            kept = plans.load(store)
        finally:
            store.close()
        assert kept is not None
        assert [p.pace for p in kept.phases] == ["steady", "brisk"]
        assert kept.phases[-1].targets == {}
        at.button(key="plan-clear").click().run()
        store = open_store(copy.settings())
        try:
            assert plans.load(store) is None
        finally:
            store.close()
        assert "No plan yet" in texts(page("app_pages/today.py"))

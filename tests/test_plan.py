"""The plan through real stores (issue 22): a 16-week wearer who follows it, the same plan on a
replay, one step for the warnings, the Guidance page's cards, the weekly report and the
practice overview, and `backcoach plan` on a terminal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest

from backcoach import plans
from backcoach.cli import main
from backcoach.config import load_settings
from backcoach.dashboard import practice_view, report, scorecard, weekly
from backcoach.i18n import warning_text
from backcoach.processing.days import day_bounds
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import ITEM_BY_KEY
from backcoach.processing.rules import RuleEngine, replay
from backcoach.processing.types import POSTURE_CODE, Epochs, PipelineOutput
from backcoach.storage import WearerDays, open_store
from backcoach.storage.base import ALL_DAYS
from backcoach.storage.influx_fleet import PLAN_KEY
from backcoach.storage.sqlite import SQLiteStore
from bench import plan_sim
from tests import clock

FIRST = dt.date(2026, 1, 5)  # a Monday
RULES = RuleThresholds()
TZ = "Europe/Amsterdam"


@pytest.fixture(scope="module")
def lived(tmp_path_factory):
    """The script's 16 weeks in a store, and the plan the store gives at their end."""
    store = SQLiteStore(tmp_path_factory.mktemp("plan") / "store.sqlite", tz_name=TZ)
    plan = plan_sim.simulate(store, FIRST, tz_name=TZ)
    yield store, plan
    store.close()


def whole_plan_reasons(week) -> list[str]:
    return [r.code for r in week.reasons if r.item is None]


def test_the_simulated_wearers_plan_moves_as_designed(lived):
    """Baseline in two weeks; steps on good weeks; held after a pain rise with a load spike
    (G8) and after a quiet week (G7); back after a flare; held while the pain settles and
    after a week away; kept when a step was not met."""
    _, plan = lived
    weeks = plan.weeks
    assert len(weeks) == 16
    assert plan.baseline is not None and plan.baseline.last == FIRST + dt.timedelta(days=13)
    decisions = [w.decision for w in weeks]
    assert decisions == [
        "measuring",  # 1
        "measuring",  # 2
        "start",  # 3: from the baseline
        "step_on",  # 4
        "step_on",  # 5
        "step_on",  # 6 (moving house this week)
        "hold",  # 7: pain rose after the heavy days
        "step_on",  # 8 (a quiet week)
        "hold",  # 9: the quiet week's load under the band
        "step_on",  # 10 (a flare)
        "step_back",  # 11: after the flare
        "hold",  # 12: the pain still settling
        "step_on",  # 13 (away without the sensor)
        "hold",  # 14: the week away
        "step_on",  # 15 (walks less)
        "keep",  # 16: walking kept, the rest at its goal
    ]
    assert whole_plan_reasons(weeks[6]) == ["hold_g8"]
    assert whole_plan_reasons(weeks[8]) == ["hold_g7"]
    assert whole_plan_reasons(weeks[10]) == ["flare"]
    assert whole_plan_reasons(weeks[11]) == ["settling"]
    assert whole_plan_reasons(weeks[13]) == ["away"]
    # Holds keep the step; a step back returns to the step before; steps on move toward it.
    assert weeks[6].quotas() == weeks[5].quotas()
    assert weeks[8].quotas() == weeks[7].quotas()
    assert weeks[13].quotas() == weeks[12].quotas()
    cap = [w.quotas().get("sitting_bout_max_min") for w in weeks]
    assert cap[2:6] == [80.0, 70.0, 60.0, 50.0]
    assert cap[9] == 30.0 and cap[10] == 40.0  # the flare: one step back
    walk = weeks[15].item("walking_plan_min")
    assert weeks[15].quotas()["walking_plan_min"] == weeks[14].quotas()["walking_plan_min"]
    assert {r.item: r.code for r in weeks[15].reasons}["walking_plan_min"] == "keep"
    assert walk.quota is not None and walk.quota < RULES.walking_plan_min
    for w in weeks[2:]:  # never past the guidance
        for item in w.items:
            assert item.quota is not None
            higher = ITEM_BY_KEY[item.key].higher_is_better
            assert item.quota <= item.target if higher else item.quota >= item.target
            assert item.target == getattr(RULES, item.key)


def test_missing_days_are_judged_on_the_days_recorded(lived):
    """Week 14 had the sensor on five days: judged on those five, and it stepped on."""
    _, plan = lived
    back = plan.weeks[13 - 1 + 1]  # week 14 (index 13) is the one after the week away
    assert plan.weeks[12].recorded == 0
    assert back.recorded == 5
    assert all(i.days <= 5 for i in back.items)
    assert plan.weeks[14].decision == "step_on"


def test_replaying_the_stored_weeks_gives_the_same_plan(lived, tmp_path):
    """The plan is a pure function of the stored days and diary: read again, or copied in a
    shuffled order into another store, the same weeks give the same plan."""
    store, plan = lived
    last = FIRST + dt.timedelta(days=7 * 16 - 1)
    assert plans.load_plan(store, RULES, last) == plan
    copy = SQLiteStore(tmp_path / "copy.sqlite", tz_name=TZ)
    try:
        summaries, diary = store.read_summaries(*ALL_DAYS), store.read_diary(*ALL_DAYS)
        rng = random.Random(1)
        rng.shuffle(summaries)
        rng.shuffle(diary)
        for s in summaries:
            copy.write_summary(s)
        for e in diary:
            copy.write_diary(e)
        copy.write_status(plans.STATUS_KEY, store.read_status()[plans.STATUS_KEY])
        assert plans.load_plan(copy, RULES, last) == plan
    finally:
        copy.close()
    # Built week by week (as the wearer lived it), each week's step was the one it has now.
    for k in range(16):
        monday = FIRST + dt.timedelta(weeks=k)
        then = plans.load_plan(store, RULES, monday)
        assert then is not None
        assert then.week_of(monday).quotas() == plan.weeks[k].quotas()
        assert then.week_of(monday).reasons == plan.weeks[k].reasons


def sitting(start_s: float, minutes: float) -> Epochs:
    n = int(minutes * 60)
    return Epochs(
        start_s + np.arange(n, dtype=np.float64),
        np.full(n, POSTURE_CODE["sitting"], np.int8),
        np.zeros(n, np.float32),
        np.zeros(n, np.float32),
        np.full(n, 0.01, np.float32),
        np.zeros(n, np.int16),
    )


def test_live_warnings_come_at_this_weeks_sitting_cap(lived, tmp_path):
    """In plan week 4 (cap 60 min) a 65-minute sit warns at 60 minutes, not at the guidance's
    30; the hook moves the engine to the new week's cap when the day changes."""
    store, plan = lived
    settings = dataclasses.replace(load_settings(tmp_path / "none.toml", env={}), timezone=TZ)
    engine = RuleEngine(RULES, 600.0, "22:00", "07:00", TZ)
    hook = plans.PlanSteps(settings, store, engine)
    week6 = FIRST + dt.timedelta(weeks=5)  # plan week 4: cap 50 min
    week5 = FIRST + dt.timedelta(weeks=4)  # plan week 3: cap 60 min
    assert plan.week_of(week5).quotas()["sitting_bout_max_min"] == 60.0
    at = dt.datetime.combine(week5 + dt.timedelta(days=2), dt.time(10), tzinfo=engine.tz)
    epochs = sitting(at.timestamp(), 65)
    hook(PipelineOutput(epochs, ()))
    assert engine.thresholds.sitting_bout_max_min == 60.0
    fired = [w for w in replay(engine, epochs, []) if w.rule == "G1"]
    assert [round(w.value) for w in fired] == [60]
    assert "60 minutes" in warning_text(fired[0], "en")
    guidance = [w for w in replay(RuleEngine(RULES, 600.0, "22:00", "07:00", TZ), epochs, [])]
    assert [round(w.value) for w in guidance if w.rule == "G1"] == [30, 40, 50, 60]
    later = dt.datetime.combine(week6, dt.time(10), tzinfo=engine.tz)
    hook(PipelineOutput(sitting(later.timestamp(), 1), ()))
    assert engine.thresholds.sitting_bout_max_min == 50.0


def test_without_a_plan_the_warnings_keep_the_guidance(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name=TZ)
    try:
        settings = dataclasses.replace(load_settings(tmp_path / "none.toml", env={}), timezone=TZ)
        engine = RuleEngine(RULES, 600.0, "22:00", "07:00", TZ)
        plans.PlanSteps(settings, store, engine)(PipelineOutput(sitting(1.8e9, 2), ()))
        assert engine.thresholds == RULES
    finally:
        store.close()


def test_warnings_scorecard_report_and_practice_agree_on_the_step(lived):
    """One source: the live hook's thresholds, the Guidance page's cards, the weekly report's
    rows and plan section, and the practice overview all carry the plan's step for week 9."""
    store, plan = lived
    week = weekly.IsoWeek.of(FIRST + dt.timedelta(weeks=8))
    monday = week.monday
    step = plan.week_of(monday)
    assert step is not None and step.number == 7
    quotas = step.quotas()
    # Warnings: the thresholds the live hook hands the engine.
    live = plans.step_rules(store, RULES, monday + dt.timedelta(days=3))
    assert {k: getattr(live, k) for k in quotas} == quotas
    # Guidance page: cards graded by the step, the guidance beside it.
    summaries, diary = store.read_summaries(*ALL_DAYS), store.read_diary(*ALL_DAYS)
    cards = scorecard.rule_cards(week.days[3], summaries, diary, live, final=RULES)
    g1 = next(c for c in cards if c.rule == "G1")
    assert g1.target_values["sitting_bout_max_min"] == quotas["sitting_bout_max_min"]
    assert g1.final_values is not None
    assert g1.final_values["sitting_bout_max_min"] == RULES.sitting_bout_max_min
    # Weekly report.
    data = report.gather(store, week, RULES, TZ)
    assert data.plan_week == step
    assert {k: getattr(data.rules, k) for k in quotas} == quotas
    row = next(r for r in data.rows if r.rule == "G6")
    assert row.target_values["walking_plan_min"] == quotas["walking_plan_min"]
    assert data.next_week is not None and data.next_week.decision == "step_on"
    # Practice overview: the same days and plan row as the fleet read brings them.
    days = WearerDays("sim", summaries, diary, plan=store.read_status()[PLAN_KEY])
    glance = practice_view.glance(days, week, RULES)
    assert glance.plan == step
    table = practice_view.overview_table([glance], "en")
    assert table.loc[0, "Plan (week, step)"] == "week 7 · on hold"
    assert table.loc[0, "Kept to the step"] == f"{step.adherence * 100:.0f}%"


def test_the_report_shows_the_plan_in_both_languages(lived):
    store, _ = lived
    week = weekly.IsoWeek.of(FIRST + dt.timedelta(weeks=10))  # the week after the flare
    data = report.gather(store, week, RULES, TZ)
    for lang, words in (("en", "Your pain flared"), ("nl", "Je pijn laaide")):
        html = report.render_html(data, lang, [], dt.date(2026, 4, 1))
        assert 'data-decision="step_back"' in html
        assert words in html
        assert 'data-item="sitting_bout_max_min" data-quota="40.0"' in html


def test_the_fleet_reads_the_plan_under_the_key_the_plan_is_kept_under():
    assert PLAN_KEY == plans.STATUS_KEY


# -- backcoach plan -------------------------------------------------------------------------------
@pytest.fixture
def cli_store(tmp_path, monkeypatch):
    config = tmp_path / "config.toml"
    config.touch()
    monkeypatch.setenv("BACKCOACH_CONFIG", str(config))
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BACKCOACH_STORAGE", "embedded")
    monkeypatch.setenv("BACKCOACH_TIMEZONE", TZ)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", "en")
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["plan", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_plan_set_show_export_import_and_clear(cli_store, capsys):
    code, out, _ = run(capsys, "set", "--pace", "gentle", "--target", "walking_plan_min=20")
    assert code == 0 and "pace gentle" in out and "walking_plan_min=20" in out
    code, out, _ = run(capsys, "show")
    assert code == 0 and "Measuring your starting point" in out
    code, out, _ = run(capsys, "show", "--lang", "nl")
    assert "We meten je startpunt" in out
    path = cli_store / "anna-plan.toml"
    assert run(capsys, "export", "--out", str(path))[0] == 0
    assert path.stat().st_mode & 0o077 == 0  # owner-only: it is health data
    assert run(capsys, "export", "--out", str(path))[0] == 1  # never over a file unasked
    text = path.read_text()
    assert 'pace = "gentle"' in text and "walking_plan_min = 20.0" in text
    assert run(capsys, "clear")[0] == 0
    code, out, _ = run(capsys, "show", "--json")
    assert json.loads(out) is None
    assert run(capsys, "import", str(path))[0] == 0
    code, out, _ = run(capsys, "show", "--json")
    assert json.loads(out)["phases"][0]["targets"] == {"walking_plan_min": 20.0}


def test_a_short_plan_file_from_a_physiotherapist_starts_with_the_last_two_weeks(
    cli_store, capsys, each_date
):
    path = cli_store / "short.toml"
    path.write_text('pace = "brisk"\n\n[targets]\nsitting_bout_max_min = 40\n')
    assert run(capsys, "import", str(path))[0] == 0
    shown = json.loads(run(capsys, "show", "--json")[1])
    today = clock.today(TZ)
    start = dt.date.fromisoformat(shown["start"])  # the Monday two weeks before this week's
    assert start.weekday() == 0 and 14 <= (today - start).days <= 20
    assert shown["phases"][0]["pace"] == "brisk"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("set", "--target", "walking_plan_min=45"), "above the guidance (30)"),
        (("set", "--target", "sitting_bout_max_min=10"), "below the guidance (30)"),
        (("set", "--target", "walking=20"), "write NAME=VALUE"),
        (("set", "--start", "yesterday"), "is not a day"),
        (("import",), "needs the plan file"),
        (("export",), "no plan to export"),
    ],
)
def test_plan_mistakes_are_one_line_that_says_what_to_do(cli_store, capsys, args, message):
    assert run(capsys, "clear")[0] == 0  # a store without a plan
    code, _, err = run(capsys, *args)
    assert code == 1
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_bad_plan_file_is_refused_in_one_line_and_the_plan_stays(cli_store, capsys):
    assert run(capsys, "set", "--pace", "steady")[0] == 0
    before = run(capsys, "show", "--json")[1]
    path = cli_store / "bad.toml"
    for text, message in (
        ('pace = "fast"\n', "pace 'fast' is not one of gentle, steady, brisk"),
        ("pace = \n", "is not TOML"),
        ('start = "soon"\n', "is not a day or a week"),
        ("[targets]\nwalking_plan_min = -3\n", "give a number above 0"),
        ('colour = "red"\n', "unknown setting 'colour'"),
    ):
        path.write_text(text)
        code, _, err = run(capsys, "import", str(path))
        assert code == 1 and message in err and err.count("\n") == 1
    assert run(capsys, "show", "--json")[1] == before


def test_a_change_applies_from_this_week_and_never_rewrites_the_past(cli_store, capsys):
    assert run(capsys, "set")[0] == 0
    code, _, err = run(capsys, "set", "--pace", "brisk", "--from", "2020-W01")
    assert code == 1 and "the weeks before keep the steps they had" in err
    assert run(capsys, "set", "--pace", "brisk")[0] == 0
    phases = json.loads(run(capsys, "show", "--json")[1])["phases"]
    assert [p["pace"] for p in phases] == ["steady", "brisk"]


def test_a_fleet_wearer_may_have_a_plan_for_the_practice_to_show(tmp_path):
    """`fleet.fill_wearer(plan=True)` (bench/practice.py --plans): four weeks from the first day,
    so the overview's week is plan week 2, graded against its step."""
    from bench import fleet

    store = SQLiteStore(tmp_path / "fleet.sqlite", tz_name="UTC")
    try:
        last = dt.date(2026, 11, 29)  # a Sunday: four whole weeks
        fleet.fill_wearer(store, last, days=28, seed=7, plan=True)
        kept = plans.load(store)
        assert kept is not None and kept.start == dt.date(2026, 11, 2)
        days = WearerDays(
            "w",
            store.read_summaries(*ALL_DAYS),
            store.read_diary(*ALL_DAYS),
            plan=json.dumps(plans.to_dict(kept)),
        )
    finally:
        store.close()
    glance = practice_view.glance(days, weekly.IsoWeek.of(last), RULES)
    assert glance.plan is not None and glance.plan.number == 2


def test_the_plan_reads_only_the_summary_keys_it_declares(lived):
    """The practice reads just `plan.SUMMARY_KEYS` of a planned wearer's earlier weeks: the
    plan built from those keys alone is the same plan."""
    from backcoach.processing.plan import SUMMARY_KEYS, build_plan

    store, plan = lived
    summaries = store.read_summaries(*ALL_DAYS)
    narrow = [
        dataclasses.replace(
            s, metrics={k: v for k, v in s.metrics.as_row().items() if k in SUMMARY_KEYS}
        )
        for s in summaries
    ]
    assert all(
        len(n.metrics.as_row()) < len(s.metrics.as_row())
        for n, s in zip(narrow, summaries, strict=True)
    )
    again = build_plan(
        plan.settings, narrow, store.read_diary(*ALL_DAYS), RULES, through=plan.through
    )
    assert again == plan


def test_the_16_weeks_move_the_same_when_they_end_at_any_date(
    tmp_path, monkeypatch, capsys, each_date
):
    """The script lived up to yesterday of the tests' calendar (its weeks across ISO week 53, a
    DST change, ending on a Sunday or a Saturday) moves as in the fixed-date test above, and
    `plan show` reads today's step from the clock seam (BACKCOACH_NOW)."""
    today = clock.today(TZ)
    first = today - dt.timedelta(days=today.weekday(), weeks=15)  # today is in script week 16
    config = tmp_path / "config.toml"
    config.touch()
    for name, value in {
        "CONFIG": str(config),
        "DATA_DIR": str(tmp_path / "data"),
        "STORAGE": "embedded",
        "TIMEZONE": TZ,
        "LANGUAGE": "en",
    }.items():
        monkeypatch.setenv(f"BACKCOACH_{name}", value)
    store = open_store(load_settings())
    try:
        plan_sim.simulate(store, first, tz_name=TZ, until=clock.yesterday(TZ))
        plan = plans.load_plan(store, RULES, today)
    finally:
        store.close()
    assert plan is not None and len(plan.weeks) == 16
    assert [w.decision for w in plan.weeks[:12]] == [
        *("measuring", "measuring", "start", "step_on", "step_on", "step_on", "hold"),
        *("step_on", "hold", "step_on", "step_back", "hold"),
    ]
    assert whole_plan_reasons(plan.weeks[13]) == ["away"]
    now = plan.week_of(today)
    assert now is plan.weeks[15] and now.number == 14 and now.decision == "keep"
    capsys.readouterr()
    assert main(["plan", "show"]) == 0
    out = capsys.readouterr().out
    assert f"Your plan: Plan week 14 · {now.week} · pace: steady" in out, out
    assert now.week == f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"


def test_backcoach_demo_warns_at_the_plans_sitting_cap(tmp_path):
    """End to end through the live path (`backcoach demo`, a subprocess): with five weeks of the
    simulated wearer stored, yesterday is in plan week 4 (cap 50 min); the simulated day's
    sitting bouts of 30 to 50 minutes, which the guidance would warn about, pass quietly and the
    first G1 of a long bout comes at 50 minutes."""
    yesterday = clock.yesterday(TZ)
    first = yesterday - dt.timedelta(days=yesterday.weekday(), weeks=5)
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name=TZ)
    try:
        plan_sim.simulate(store, first, tz_name=TZ, until=yesterday - dt.timedelta(days=1))
        step = plans.load_plan(store, RULES, yesterday).week_of(yesterday)
    finally:
        store.close()
    assert step.number == 4 and step.quotas()["sitting_bout_max_min"] == 50.0
    (tmp_path / "none.toml").touch()
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_NOTIFY_URLS": "",
        "BACKCOACH_TIMEZONE": TZ,
    }
    res = subprocess.run(
        [sys.executable, "-m", "backcoach", "demo", "--days", "1", "--seed", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name=TZ)
    try:
        start_s, end_s = day_bounds(yesterday.isoformat(), TZ)
        bouts = [
            (e.end_s - e.start_s) / 60
            for e in store.read_events(start_s, end_s)
            if e.type == "sitting_bout"
        ]
        g1 = [round(w.value) for w in store.read_warnings(start_s, end_s) if w.rule == "G1"]
    finally:
        store.close()
    assert any(30 < b < 50 for b in bouts), bouts  # the guidance would have warned
    assert g1 and min(g1) == 50 and all(v % 10 == 0 for v in g1), g1

"""Every dashboard page through Streamlit's AppTest, from the entry file, on real stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from backcoach.config import load_settings
from backcoach.storage import open_store
from tests import clock

from .stores import APP

PAGES = {
    "app_pages/today.py": "Your day",
    "app_pages/guidance.py": "Guidance scorecard",
    "app_pages/progress.py": "Progress",
    "app_pages/diary.py": "Diary",
    "app_pages/settings.py": "Settings & data",
}
DISCLAIMER = "not a medical device"
TIMEOUT_S = 60


def run_page(page: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.run()
    if page != "app_pages/today.py":
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_on_an_empty_store_explains_how_to_get_data(page, empty_store, app_env):
    """An empty store shows its title, the disclaimer, and (where data is needed) the demo hint."""
    app_env(empty_store)
    at = run_page(page)
    assert [t.value for t in at.title] == [PAGES[page]]
    assert DISCLAIMER in texts(at)
    if page not in ("app_pages/diary.py",):
        assert "backcoach demo" in texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_says_when_it_shows_simulated_days(page, demo_week, synthetic_month, app_env):
    """The demo's store carries a "Simulated data" banner on every page; other stores do not."""
    app_env(demo_week)
    assert any("Simulated data" in w.value for w in run_page(page).warning)
    app_env(synthetic_month)  # made by the tests, not marked as the demo's
    assert not any("Simulated data" in w.value for w in run_page(page).warning)


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_the_simulated_week(page, demo_week, app_env):
    """A week from `backcoach demo` renders on every page without an exception or error box."""
    app_env(demo_week)
    at = run_page(page)
    assert [t.value for t in at.title] == [PAGES[page]]
    assert not at.error, [e.value for e in at.error]
    assert "backcoach demo" not in texts(at)
    assert DISCLAIMER in texts(at)


def test_today_shows_the_days_figures_and_four_charts(synthetic_month, app_env):
    """Today's headline numbers match the synthetic schedule; timeline, angle and bouts plot."""
    app_env(synthetic_month)
    at = run_page("app_pages/today.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Down and up (straight legs / bent knees)"] == "1 / 2"
    assert metrics["Bends over 60°"] == "6"  # six bends: the 75° back-lift counts once, in G3
    assert metrics["Warnings"] == "2"
    assert len(at.get("plotly_chart")) == 3
    assert "Bouts over 30 minutes are highlighted." in texts(at)
    assert "Not recording now" in texts(at)
    table = at.dataframe[0].value
    assert list(table["Rule"]) == ["G1", "G1"]


def test_today_marks_the_time_read_back_from_the_sensors_memory(synthetic_rw, app_env):
    """A stretch filled from the sensor's memory: a hatched row on the timeline, a caption."""
    from backcoach.processing.days import day_bounds
    from backcoach.processing.types import Event

    from .stores import TZ, yesterday

    app_env(synthetic_rw)
    start_s = day_bounds(yesterday().isoformat(), TZ)[0] + 12 * 3600.0
    store = open_store(synthetic_rw.settings())
    store.write_events([Event("memory", start_s, start_s + 1200.0, attrs={"samples": 30000.0})])
    store.close()
    at = run_page("app_pages/today.py")
    assert "Hatched: 20 min of this day were read back from the sensor's own memory" in texts(at)
    timeline = json.loads(at.get("plotly_chart")[0].proto.spec)
    rows = [tr for tr in timeline["data"] if tr.get("name") == "from the sensor's memory"]
    assert rows and rows[0]["marker"]["pattern"]["shape"] == "/"


def test_today_live_panel_appears_while_the_collector_streams(synthetic_rw, app_env):
    """Fresh collector status rows turn the 'not running' line into the live panel."""
    app_env(synthetic_rw)
    store = open_store(synthetic_rw.settings())
    now = clock.now_s()
    for key, value in {
        "collector.state": "streaming",
        "collector.last_sample_s": f"{now - 2:.3f}",
        "collector.posture": "sitting",
        "collector.trunk_deg": "23.5",
        "collector.battery": "81",
        "collector.last_break_s": f"{now - 1202:.3f}",
    }.items():
        store.write_status(key, value)
    store.close()
    at = run_page("app_pages/today.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Posture now"] == "sitting"
    assert metrics["Trunk angle"] == "24°"
    assert metrics["Sensor battery"] == "81%"
    assert metrics["Since last break"] == "20 min"
    assert "Not recording now" not in texts(at)
    # the connection is a line of text: as a fifth metric "Receiving data" was cut to "Receivi…"
    assert "**Connection:** Receiving data" in texts(at) and "Connection" not in metrics


def test_a_live_session_without_a_stored_minute_yet_shows_no_empty_state(empty_store, app_env):
    """The live panel shows the first seconds; no "No data yet" box sits under it."""
    app_env(empty_store)
    store = open_store(empty_store.settings())
    store.write_status("collector.state", "streaming")
    store.write_status("collector.last_sample_s", f"{clock.now_s() - 1:.3f}")
    store.close()
    at = run_page("app_pages/today.py")
    assert "Receiving data" in texts(at)
    assert "No data yet" not in texts(at) and "backcoach demo" not in texts(at)
    assert "once the first minutes of this session are stored" in texts(at)


def test_the_live_panel_says_when_quiet_hours_hold_the_warnings(synthetic_rw, app_env, monkeypatch):
    """In quiet hours the panel says until when warnings wait; outside them it says nothing."""
    import datetime as dt

    from backcoach.processing.days import zone

    app_env(synthetic_rw)
    settings = synthetic_rw.settings()
    store = open_store(settings)
    store.write_status("collector.state", "streaming")
    store.write_status("collector.last_sample_s", f"{clock.now_s() - 1:.3f}")
    store.close()
    local = dt.datetime.fromtimestamp(clock.now_s(), zone(settings.timezone))
    start, end = local - dt.timedelta(hours=1), local + dt.timedelta(hours=1)
    monkeypatch.setenv("BACKCOACH_QUIET_START", start.strftime("%H:%M"))
    monkeypatch.setenv("BACKCOACH_QUIET_END", end.strftime("%H:%M"))
    info = " ".join(i.value for i in run_page("app_pages/today.py").info)
    assert f"Warnings are held until {end:%H:%M} (quiet hours)." in info
    monkeypatch.setenv("BACKCOACH_QUIET_START", end.strftime("%H:%M"))
    monkeypatch.setenv("BACKCOACH_QUIET_END", (end + dt.timedelta(hours=1)).strftime("%H:%M"))
    assert "quiet hours" not in " ".join(i.value for i in run_page("app_pages/today.py").info)


def test_the_live_panel_says_when_a_new_sensor_is_still_provisional(synthetic_rw, app_env):
    """A sensor never seen, before its first walk: no posture, the tilt marked provisional."""
    app_env(synthetic_rw)
    store = open_store(synthetic_rw.settings())
    now = clock.now_s()
    for key, value in {
        "collector.state": "streaming",
        "collector.last_sample_s": f"{now - 1:.3f}",
        "collector.reference": "learning",
        "collector.posture": "",
        "collector.trunk_deg": "41.2",
    }.items():
        store.write_status(key, value)
    store.close()
    at = run_page("app_pages/today.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Posture now"] == "–"
    assert metrics["Tilt (provisional)"] == "41°" and "Trunk angle" not in metrics
    assert "this sensor is new to backcoach" in " ".join(i.value for i in at.info)


def test_language_switch_turns_the_page_dutch(synthetic_month, app_env):
    """Choosing Nederlands in the sidebar translates titles and the disclaimer."""
    app_env(synthetic_month)
    at = run_page("app_pages/today.py")
    at.radio(key="lang").set_value("nl").run()
    assert [t.value for t in at.title] == ["Jouw dag"]
    assert "geen medisch hulpmiddel" in texts(at)


def test_guidance_has_a_card_per_rule_with_status(synthetic_month, app_env):
    """Twelve cards; G1 is red (a 300+ min bout), G9 green (8 h lying), G3 amber (2 of 3)."""
    app_env(synthetic_month)
    at = run_page("app_pages/guidance.py")
    body = texts(at)
    for i in range(1, 13):
        assert f"**G{i} · " in body
    md = [m.value for m in at.markdown]
    status = {
        md[i].split(" · ")[0].strip("*"): md[i + 1] for i in range(len(md) - 1) if " · " in md[i]
    }
    assert "needs attention" in status["G1"]
    assert "on track" in status["G9"]
    assert "close" in status["G3"]


def test_progress_switches_windows_and_reports_weekly_improvement(synthetic_month, app_env):
    """The 90-day window renders from summaries; breaks per sitting hour improved this week."""
    app_env(synthetic_month)
    at = run_page("app_pages/progress.py")
    assert len(at.get("plotly_chart")) == 6
    assert any(
        "Breaks per sitting hour" in m.value and "trending_up" in m.value for m in at.markdown
    )
    at.radio(key="progress_window").set_value(90).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 6


def test_diary_entries_can_be_added_edited_and_deleted(synthetic_rw, app_env):
    """Add an entry for today, edit its pain, then delete it; the store follows each step."""
    app_env(synthetic_rw)
    settings = synthetic_rw.settings()
    at = run_page("app_pages/diary.py")
    at.slider[0].set_value(7)
    at.text_area[0].input("stiff after gardening")
    at.checkbox[0].check()
    at.button[0].click().run()
    assert not at.exception
    store = open_store(settings)
    today = max(e.day for e in store.read_diary("0001-01-01", "9999-12-31"))
    assert today == clock.today().isoformat()  # the wearer's today (BACKCOACH_NOW)
    entry = store.read_diary(today, today)[0]
    assert (entry.pain, entry.note, entry.water) == (7, "stiff after gardening", True)
    assert any(today in s.value for s in at.success)

    at.selectbox(key="diary_pick").set_value(today).run()
    at.slider[0].set_value(4)
    at.button[0].click().run()
    assert store.read_diary(today, today)[0].pain == 4

    at.selectbox(key="diary_pick").set_value(today).run()
    at.button(key="diary_delete").click().run()
    assert not at.exception
    assert store.read_diary(today, today) == []
    store.close()


def test_settings_are_saved_to_the_settings_file(synthetic_rw, app_env):
    """Editing placement and a rule threshold writes them to the TOML file, which loads again."""
    app_env(synthetic_rw)
    at = run_page("app_pages/settings.py")
    at.selectbox[0].set_value("waist")
    at.number_input(key="rule-sitting_bout_max_min").set_value(25.0)
    at.button[0].click().run()
    assert not at.exception
    assert at.success, [e.value for e in at.error]
    saved = load_settings(synthetic_rw.config, env={})
    assert saved.sensor.placement == "waist"
    assert at.selectbox[0].options[:2] == ["Lower back", "Waist"]  # words, not `lower_back`
    assert saved.rules.sitting_bout_max_min == 25.0
    assert saved.rules.acwr_spike == 1.5


def test_a_bad_quiet_time_is_refused_and_the_file_left_alone(synthetic_rw, app_env):
    """'25:00' is no time of day: an error shows and the (empty) settings file is left alone."""
    app_env(synthetic_rw)
    at = run_page("app_pages/settings.py")
    at.text_input[1].input("25:00")
    at.button[0].click().run()
    assert at.error and "HH:MM" in at.error[0].value
    assert synthetic_rw.config.read_text() == ""


def test_deleting_a_day_needs_confirmation_and_removes_it(synthetic_rw, app_env):
    """The delete button is disabled until confirmed; then the newest day's recordings go."""
    app_env(synthetic_rw)
    settings = synthetic_rw.settings()
    store = open_store(settings)
    before = store.data_range()
    at = run_page("app_pages/settings.py")
    assert at.button(key="del_go").disabled
    at.checkbox(key="del_confirm").check().run()
    at.button(key="del_go").click().run()
    assert not at.exception
    assert at.success and "Deleted" in at.success[-1].value
    after = store.data_range()
    assert after is not None and after[1] < before[1] - 3600
    store.close()


def test_a_broken_settings_file_shows_its_error_not_a_traceback(empty_store, app_env):
    """An unknown placement in config.toml is named on the page; no exception box appears."""
    app_env(empty_store)
    empty_store.config.write_text('[sensor]\nplacement = "ankle"\n')
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert at.error and "sensor.placement" in at.error[0].value


def test_the_live_panel_shows_the_last_ten_minutes_second_by_second(synthetic_rw, app_env):
    """A 70° bend of one second reads 70° in the live chart (the day's chart bins by 10 s)."""
    import numpy as np

    from backcoach.processing.types import POSTURE_CODE, Epochs

    app_env(synthetic_rw)
    store = open_store(synthetic_rw.settings())
    now = float(int(clock.now_s()))
    t = now - 600 + np.arange(600.0)
    trunk = np.where(np.arange(600) == 500, 70.0, 5.0)
    standing = np.full(600, POSTURE_CODE["standing"])
    zeros = np.zeros(600)
    store.write_epochs(Epochs(t, standing, trunk, zeros, zeros + 0.01, zeros))
    store.write_status("collector.state", "streaming")
    store.write_status("collector.last_sample_s", f"{now:.3f}")
    store.close()
    at = run_page("app_pages/today.py")
    assert "Trunk angle, the last 10 minutes, second by second" in texts(at)
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    live = specs[0]  # the live panel comes first
    ys = [y for tr in live["data"] if tr.get("mode") == "lines" for y in _ys(tr["y"])]
    assert len(ys) == 600 and max(ys) == 70.0
    day = [y for tr in specs[2]["data"] if tr.get("mode") == "lines" for y in _ys(tr["y"])]
    assert max(day) < 70.0, "the day's chart is binned; the live one must not be"


def _ys(y) -> list[float]:
    """Plotly's y values, whether a plain list or a typed-array dict."""
    import base64

    import numpy as np

    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def test_settings_lists_each_sensors_kept_reference(synthetic_rw, app_env):
    """A reference kept from walking shows with its sensor, origin and axes."""
    from backcoach.processing.types import Calibration
    from backcoach.storage.references import save_reference

    app_env(synthetic_rw)
    store = open_store(synthetic_rw.settings())
    cal = Calibration((0.0, 1.0, 0.0), (0.0, 0.0, -1.0))
    save_reference(store, cal, sensor="C0:FF:EE:00:00:04", origin="walking", at_s=clock.now_s())
    store.close()
    at = run_page("app_pages/settings.py")
    (table,) = [d.value for d in at.dataframe if "Found from" in d.value.columns]
    assert list(table["Sensor"]) == ["C0:FF:EE:00:00:04"]
    assert list(table["Found from"]) == ["walking"] and list(table["Up"]) == ["+Y, 0°"]
    assert list(table["Forward"]) == ["-Z, 0°"]


def test_progress_opens_on_the_window_the_data_fills(empty_store, synthetic_rw, app_env):
    """One day of data opens on 7 days (not a 28-day chart with one bar); two weeks on 28."""
    import datetime as dt

    import numpy as np

    from backcoach.processing.types import POSTURE_CODE, DaySummary, Epochs

    app_env(empty_store)
    store = open_store(empty_store.settings())
    day = (clock.today() - dt.timedelta(days=1)).isoformat()
    store.write_summary(DaySummary(day=day, metrics={"G6.steps": 15342.0, "coverage_h": 9.0}))
    t = clock.now_s() - 86400 + np.arange(60.0)  # a minute of yesterday: the day's epochs
    zeros = np.zeros(60)
    store.write_epochs(Epochs(t, zeros + POSTURE_CODE["standing"], zeros, zeros, zeros, zeros))
    store.close()
    assert run_page("app_pages/progress.py").radio(key="progress_window").value == 7
    app_env(synthetic_rw)  # 14 days of summaries
    assert run_page("app_pages/progress.py").radio(key="progress_window").value == 28


def _analysed_by(store_dir, days_made: dict[str, object]) -> None:
    """Store each day's summary again as made by `days_made[day]` (a Provenance)."""
    store = open_store(store_dir.settings())
    for s in store.read_summaries(min(days_made), max(days_made)):
        if s.day in days_made:
            store.write_summary(dataclasses.replace(s, provenance=days_made[s.day]))
    store.close()
    st.cache_data.clear()  # the pages cache what they read for 60 s


def test_progress_marks_the_days_another_version_or_other_settings_analysed(synthetic_rw, app_env):
    """Old figures never mix silently: the days analysed by an earlier version (or before
    versions were kept) and by other settings are named above the charts, in both languages."""
    from backcoach.processing.types import Provenance
    from tests.dashboard.dashboard_synthetic import ANALYSED_NOW

    app_env(synthetic_rw)
    at = run_page("app_pages/progress.py")
    assert not any("Analysed" in w.value for w in at.warning)  # all made as now: no mark
    last = clock.yesterday()
    old, unknown, other = (str(last - dt.timedelta(days=k)) for k in (1, 2, 3))
    _analysed_by(
        synthetic_rw,
        {
            old: Provenance("0.0.9", ANALYSED_NOW.settings),
            unknown: Provenance(),
            other: Provenance(ANALYSED_NOW.version, "0123456789ab"),
        },
    )
    at = run_page("app_pages/progress.py")
    marks = [w.value for w in at.warning]
    (by_version,) = [m for m in marks if "earlier version" in m]
    assert old in by_version and unknown in by_version and other not in by_version
    (by_settings,) = [m for m in marks if "other settings" in m]
    assert other in by_settings and old not in by_settings
    at.radio(key="lang").set_value("nl").run()
    assert any("eerdere versie" in w.value for w in at.warning)


def test_the_day_view_says_which_version_analysed_the_day(synthetic_rw, app_env):
    """A day analysed by 0.0.9 says so, with the version now; a day made as now says nothing."""
    from backcoach import __version__
    from backcoach.processing.types import Provenance
    from tests.dashboard.dashboard_synthetic import ANALYSED_NOW

    app_env(synthetic_rw)
    at = run_page("app_pages/today.py")
    assert not any("analysed" in w.value for w in at.warning)
    last = str(clock.yesterday())
    _analysed_by(synthetic_rw, {last: Provenance("0.0.9", ANALYSED_NOW.settings)})
    at = run_page("app_pages/today.py")
    (mark,) = [w.value for w in at.warning if "analysed" in w.value]
    assert "backcoach 0.0.9" in mark and f"now {__version__}" in mark

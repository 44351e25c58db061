"""Pure row shaping, strings and settings saving: small hand-made inputs, exact answers."""

from __future__ import annotations

import io
import math
import string
import zipfile

import numpy as np
import pandas as pd
import pytest

from backcoach import i18n
from backcoach.config import load_settings
from backcoach.dashboard import export, scorecard, views
from backcoach.dashboard.settings_file import render_toml, save_settings
from backcoach.errors import ConfigError
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import (
    POSTURE_CODE,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
)
from backcoach.storage.status import LiveStatus


def epochs(postures: list[str], t0: float = 1000.0, trunk=None) -> Epochs:
    n = len(postures)
    return Epochs(
        t_s=t0 + np.arange(n, dtype=float),
        posture=[POSTURE_CODE[p] for p in postures],
        trunk_deg=np.zeros(n) if trunk is None else trunk,
        side_deg=np.zeros(n),
        activity_g=np.zeros(n),
        steps=np.ones(n),
    )


def test_posture_segments_are_runs_split_at_changes_and_gaps():
    """sit sit walk | (gap) walk → three runs with exclusive end times."""
    e = Epochs.concat([epochs(["sitting", "sitting", "walking"]), epochs(["walking"], 1010.0)])
    seg = views.posture_segments(e)
    assert seg.to_dict("list") == {
        "start_s": [1000.0, 1002.0, 1010.0],
        "end_s": [1002.0, 1003.0, 1011.0],
        "posture": ["sitting", "walking", "walking"],
    }


def test_posture_segments_of_nothing_is_an_empty_table():
    assert views.posture_segments(Epochs.empty()).empty


def test_trunk_series_keeps_mean_and_max_per_bin():
    """Bins of 10 s: (0..9) and (10..14); a NaN angle is skipped, not averaged as zero."""
    trunk = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 5, 5, np.nan, 5, 65], dtype=float)
    series = views.trunk_series(epochs(["standing"] * 15, t0=0.0, trunk=trunk), bin_s=10)
    assert series["t_s"].tolist() == [0.0, 10.0]
    assert series["mean_deg"].tolist() == pytest.approx([45.0, 20.0])
    assert series["max_deg"].tolist() == [90.0, 65.0]


def test_sitting_bouts_over_the_limit_are_flagged():
    events = [
        Event("sitting_bout", 0, 1800),
        Event("sitting_bout", 2000, 3860),
        Event("walk", 0, 9),
    ]
    bouts = views.sitting_bouts(events, limit_min=30)
    assert bouts["minutes"].tolist() == [30.0, 31.0]
    assert bouts["over_limit"].tolist() == [False, True]


def test_event_marks_name_lift_styles():
    events = [
        Event("bend", 0, 10, peak_deg=70),
        Event("lift", 20, 24, peak_deg=80, style="back"),
        Event("lift", 30, 34, peak_deg=30, style="legs"),
        Event("sitting_bout", 0, 100),
    ]
    marks = views.event_marks(events)
    assert marks.to_dict("list") == {
        "t_s": [5.0, 22.0, 32.0],
        "peak_deg": [70.0, 80.0, 30.0],
        "kind": ["bend", "lift_back", "lift_legs"],
    }


def test_headline_reads_the_summary_only():
    """One computation: the summary's figures (the terminal's too), never a recount of postures
    or of the pipeline's sitting-bout events beside it; deep bends counted from the events."""
    events = [Event("sitting_bout", 1000, 8200), Event("bend", 0, 5, peak_deg=61)]
    summary = DaySummary(
        "2026-01-01",
        {"G1.sitting_min": 90.0, "G1.longest_sitting_bout_min": 88.5, "G6.walking_min": 12.0},
    )
    warn = [OverloadWarning(1.0, "G1", 30.0)]
    h = views.headline(events, summary, warn)
    assert (h.sitting_h, h.longest_bout_min, h.walking_min) == (1.5, 88.5, 12.0)
    assert (h.bends_over60, h.warnings) == (1, 1)
    assert math.isnan(h.steps)  # not in the summary: unknown, not a recount


@pytest.mark.parametrize(
    ("status", "running"),
    [
        ({}, False),
        ({"collector.state": "stopped", "collector.last_sample_s": "995"}, False),
        ({"collector.last_sample_s": "100"}, False),  # 900 s old, no state: stale
        ({"collector.last_sample_s": "995"}, True),  # fresh sample without a state row
        ({"collector.state": "streaming", "collector.last_sample_s": "100"}, True),
    ],
)
def test_live_status_is_none_when_absent_stopped_or_stale(status, running):
    assert (views.live_panel(LiveStatus.from_rows(status), now_s=1000.0) is not None) is running


def test_live_status_reads_the_collector_facts():
    live = views.live_panel(
        LiveStatus.from_rows(
            {
                "collector.state": "Connected",
                "collector.last_sample_s": "990",
                "collector.last_break_s": "390",
                "collector.battery": "55",
                "collector.trunk_deg": "nan",
                "collector.posture": "standing",
            }
        ),
        now_s=1000.0,
    )
    assert live == views.LivePanel("connected", "standing", None, 55.0, 10.0, 600.0, 990.0)


@pytest.mark.parametrize(
    ("value", "higher", "expected"),
    [
        (30, False, "green"),
        (37, False, "amber"),
        (38, False, "red"),
        (None, False, "none"),
        (30, True, "green"),
        (23, True, "amber"),
        (22, True, "red"),
    ],
)
def test_grade_green_amber_red_around_a_limit_of_30(value, higher, expected):
    assert scorecard.grade(value, 30.0, higher_is_better=higher) == expected


def test_rule_cards_tolerate_missing_keys_and_use_the_diary():
    """A day whose summary lacks most keys still gives 12 cards; G7 and G8 graded by their rules."""
    sums = [DaySummary("2026-03-10", {"acwr": 1.6}), DaySummary("2026-03-09", {"acwr": 1.0})]
    diary = [
        DiaryEntry("2026-03-09", pain=3),
        DiaryEntry("2026-03-10", pain=6, water=True, breaks_planned=False),
    ]
    cards = {c.rule: c for c in scorecard.rule_cards("2026-03-10", sums, diary, RuleThresholds())}
    assert list(cards) == [f"G{i}" for i in range(1, 13)]
    assert cards["G1"].status == "none" and cards["G1"].value is None
    assert (cards["G7"].status, cards["G7"].trend[-2:]) == ("red", (1.0, 1.6))
    assert (cards["G8"].value, cards["G8"].status) == (6.0, "red")
    assert (cards["G11"].value, cards["G11"].status) == (1.0, "amber")
    assert cards["G12"].status == "none"


def test_progress_frame_has_a_row_per_day_and_nan_for_gaps():
    sums = [DaySummary("2026-03-02", {"G1.sitting_min": 300.0, "acwr": 1.1})]
    frame = views.progress_frame(sums, [DiaryEntry("2026-03-03", 5)], "2026-03-01", "2026-03-03")
    assert len(frame) == 3
    assert frame["sitting_h"].tolist()[1] == 5.0
    assert np.isnan(frame["sitting_h"].iloc[0])
    assert frame["pain"].iloc[2] == 5.0
    assert np.isnan(frame["load"]).all()


def test_weekly_changes_name_what_improved():
    """Walking up, sitting up (worse), steps flat (noise); needs two weeks."""
    days = pd.date_range("2026-03-01", periods=14, freq="D")
    frame = pd.DataFrame(
        {
            "walking_min": [20.0] * 7 + [30.0] * 7,
            "sitting_h": [6.0] * 7 + [7.0] * 7,
            "steps": [5000.0] * 7 + [5100.0] * 7,
        },
        index=days,
    )
    changes = {c.column: c for c in views.weekly_changes(frame)}
    assert set(changes) == {"walking_min", "sitting_h"}
    assert changes["walking_min"].improved and not changes["sitting_h"].improved
    assert views.weekly_changes(frame.iloc[:13]) is None
    first_week_empty = frame.copy()
    first_week_empty.iloc[:7] = np.nan
    assert views.weekly_changes(first_week_empty) is None


def test_exports_hold_every_table_and_read_back(tmp_path):
    from backcoach.storage.sqlite import SQLiteStore

    store = SQLiteStore(tmp_path / "backcoach.sqlite", tz_name="UTC")
    store.write_epochs(epochs(["sitting", "walking"]))
    store.write_events([Event("lift", 1, 2, peak_deg=50, style="legs")])
    store.write_summary(DaySummary("2026-03-01", {"load": 3.0}))
    store.write_warnings(
        [OverloadWarning(1.0, "G3", 1.0, "window", {"count": 1.0, "window_min": 10.0})]
    )
    store.write_diary(DiaryEntry("2026-03-01", 2, "x"))
    names = {"epochs", "events", "summaries", "warnings", "diary"}
    export.write_export(store, tmp_path / "a.zip")
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        assert {n.removesuffix(".csv") for n in zf.namelist()} == names
        ep = pd.read_csv(zf.open("epochs.csv"))
    assert ep["posture"].tolist() == ["sitting", "walking"]
    export.write_export(store, tmp_path / "b.zip", fmt="parquet")
    with zipfile.ZipFile(tmp_path / "b.zip") as zf:
        ev = pd.read_parquet(io.BytesIO(zf.read("events.parquet")))
    assert ev["style"].tolist() == ["legs"]
    store.close()


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_both_languages_define_every_string_with_the_same_placeholders():
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == set(i18n.LANGS), key
        assert _fields(entry["en"]) == _fields(entry["nl"]), key
    for rule, parts in i18n.RULES.items():
        assert set(parts) == {"title", "advice", "target", "next"}, rule
        for part, entry in parts.items():
            assert _fields(entry["en"]) == _fields(entry["nl"]), (rule, part)
    assert list(i18n.RULES) == [f"G{i}" for i in range(1, 13)]


def test_rule_targets_fill_from_the_thresholds():
    cards = scorecard.rule_cards("2026-03-10", [], [], RuleThresholds(sitting_bout_max_min=25.0))
    text = i18n.rule_text("G1", "target", "nl", **cards[0].target_values)
    assert text.startswith("Geen periode langer dan 25 min")


@pytest.mark.parametrize(
    ("setting", "env", "expected"),
    [
        ("nl", {"LANG": "en_US.UTF-8"}, "nl"),
        ("auto", {"LANG": "nl_NL.UTF-8"}, "nl"),
        ("auto", {"LANG": "C.UTF-8"}, "en"),
        ("auto", {"LANGUAGE": "nl:en", "LANG": "C"}, "nl"),
    ],
)
def test_default_language_follows_setting_then_locale(setting, env, expected):
    assert i18n.default_language(setting, env) == expected


def test_saving_settings_merges_into_the_file_and_keeps_other_sections(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('wearer = "ann"\n[influx]\nbucket = "b1"\n')
    saved = save_settings(cfg, {"sensor.placement": "waist", "rules.acwr_high": 1.25})
    again = load_settings(cfg, env={})
    assert again == saved
    assert (again.wearer, again.influx.bucket, again.sensor.placement) == ("ann", "b1", "waist")
    assert again.rules.acwr_high == 1.25


def test_saving_an_invalid_setting_leaves_the_file_untouched(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('wearer = "ann"\n')
    with pytest.raises(ConfigError, match="placement"):
        save_settings(cfg, {"sensor.placement": "ankle"})
    assert cfg.read_text() == 'wearer = "ann"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_toml_strings_are_escaped():
    text = render_toml({"wearer": 'a "quoted"\nname', "warnings": {"notify_urls": ["x://y"]}})
    import tomllib

    assert tomllib.loads(text) == {
        "wearer": 'a "quoted"\nname',
        "warnings": {"notify_urls": ["x://y"]},
    }


def test_dutch_numbers_get_a_decimal_comma_and_english_a_point():
    assert i18n.t("unit.h", "nl", v=1.5) == "1,5 u"
    assert i18n.t("unit.h", "en", v=1.5) == "1.5 h"
    assert (
        i18n.t("empty.day", "nl", day="2026-03-01")
        == "Geen opname op 2026-03-01. Kies een andere dag."
    )


def test_counts_carry_the_thousands_separator_of_their_language():
    """15342 steps read 15,342 in English and 15.342 in Dutch; decimals keep their comma."""
    assert i18n.t("unit.n", "en", v=15342.0) == "15,342"
    assert i18n.t("unit.n", "nl", v=15342) == "15.342"
    assert i18n.t("unit.h", "nl", v=1.5) == "1,5 u"
    from backcoach.dashboard import display

    assert display.show(15342.4, "n", "nl") == "15.342"


def _week_frame(pain: float | None) -> pd.DataFrame:
    days = pd.date_range("2026-11-23", periods=7).strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "load": np.arange(7.0),
            "pain": [pain] * 7,
            "acwr": np.full(7, np.nan),
            "walking_min": np.arange(7.0) * 20,
            "steps": np.arange(7.0) * 2500,
        },
        index=days,
        dtype=float,
    )


def test_a_right_hand_axis_has_its_own_round_ticks_and_steps_with_separators():
    """Not ticks synced to the left grid (39.8/79.7, and a top point pushed off the plot)."""
    from backcoach.dashboard import charts

    fig = charts.dual_lines(
        _week_frame(None),
        ("walking_min", "legend.walking_min", "axis.minutes"),
        ("steps", "axis.steps", "axis.steps"),
        "nl",
        bars_left=True,
    )
    assert fig.layout.yaxis2.overlaying == "y"
    assert fig.layout.yaxis2.tickmode == "auto" and fig.layout.yaxis2.tickformat == ",d"
    assert fig.layout.separators == ",."


def test_the_load_chart_has_a_pain_axis_only_with_pain_entered():
    """No diary pain in the window: no pain line, legend entry or 0-10 axis beside the load."""
    from backcoach.dashboard import charts

    quiet = charts.load_acwr(_week_frame(None), "en", 0.8, 1.3, 1.5)
    pain = next(tr for tr in quiet.data if tr.name == "Pain")
    assert pain.visible is False and quiet.layout.yaxis2.visible is False
    noted = charts.load_acwr(_week_frame(4.0), "en", 0.8, 1.3, 1.5)
    assert next(tr for tr in noted.data if tr.name == "Pain").visible is True
    assert noted.layout.yaxis2.visible is True

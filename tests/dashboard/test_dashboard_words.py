"""The dashboard's words agree with what it shows: Dutch throughout, days named as they are.

AppTest runs each page from the entry file against real stores (see conftest.py).
"""

from __future__ import annotations

import json

from backcoach.storage import open_store
from tests import clock

from .test_dashboard_pages import run_page, texts


def _dutch(app_env, sd, monkeypatch):
    app_env(sd)
    monkeypatch.setenv("BACKCOACH_LANGUAGE", "nl")


def test_the_dutch_live_panel_names_the_collectors_state_in_dutch(
    synthetic_rw, app_env, monkeypatch
):
    _dutch(app_env, synthetic_rw, monkeypatch)
    at = run_page("app_pages/today.py")
    assert "Er loopt nu geen opname" in texts(at)
    assert "ollector" not in texts(at)  # neither "Collector" nor "collector" in Dutch

    store = open_store(synthetic_rw.settings())
    now = clock.now_s()
    store.write_status("collector.state", "reconnecting")
    store.write_status("collector.last_sample_s", f"{now - 3:.3f}")
    store.close()
    at = run_page("app_pages/today.py")
    assert "**Verbinding:** Opnieuw verbinden" in texts(at)  # a line: a metric cut it short


def test_the_day_picker_says_yesterday_and_writes_dates_the_dutch_way(
    synthetic_month, app_env, monkeypatch
):
    """The newest day is yesterday: the page says so, and a Dutch reader gets 30-11-2026."""
    app_env(synthetic_month)
    at = run_page("app_pages/today.py")
    assert any(c.value.startswith("Yesterday, ") for c in at.caption), texts(at)
    assert "how your back was used today" not in texts(at)
    assert at.date_input(key="today_day").proto.format == "YYYY-MM-DD"

    monkeypatch.setenv("BACKCOACH_LANGUAGE", "nl")
    at = run_page("app_pages/today.py")
    assert any(c.value.startswith("Gisteren, ") for c in at.caption), texts(at)
    assert at.date_input(key="today_day").proto.format == "DD-MM-YYYY"
    settings = run_page("app_pages/settings.py")
    assert settings.date_input(key="del_range").proto.format == "DD-MM-YYYY"
    caption = next(c.value for c in settings.caption if c.value.startswith("Opnames van"))
    day, month, year = caption.split()[2].split("-")
    assert len(day) == 2 and len(month) == 2 and len(year) == 4


def test_the_calibration_is_shown_in_words_not_json(synthetic_rw, app_env):
    app_env(synthetic_rw)
    store = open_store(synthetic_rw.settings())
    saved_s = clock.now_s() - 86400
    store.write_status(
        "calibration",
        json.dumps({"up": [0.02, -0.99, 0.12], "forward": [0.05, 0.1, 0.99], "saved_s": saved_s}),
    )
    store.close()
    at = run_page("app_pages/settings.py")
    shown = texts(at)
    (table,) = [d.value for d in at.dataframe if "Found from" in d.value.columns]
    assert list(table["Up"]) == ["-Y, 7°"] and list(table["Forward"]) == ["+Z, 6°"]
    assert list(table["Found from"]) == ["calibration"]
    assert '"up"' not in shown + " ".join(map(str, table.values.ravel()))


def test_an_empty_store_says_where_it_looked(empty_store, app_env):
    app_env(empty_store)
    at = run_page("app_pages/today.py")
    info = "\n".join(i.value for i in at.info)
    assert str(empty_store.data_dir / "backcoach.sqlite") in info
    assert "BACKCOACH_DATA_DIR" in info


def test_the_days_warnings_are_written_in_dutch_from_their_figures(
    synthetic_rw, app_env, monkeypatch
):
    """A stored warning holds figures, not words: the Dutch page writes it in Dutch, with a
    decimal comma in the message and in the figure beside it."""
    from backcoach.processing.types import OverloadWarning

    _dutch(app_env, synthetic_rw, monkeypatch)
    store = open_store(synthetic_rw.settings())
    last = store.read_warnings(0.0, 4e9)[-1]
    spike = {"day": "2026-03-01", "ratio": 1.6}
    store.write_warnings([OverloadWarning(last.t_s + 600, "G7", 1.6, "spike", spike)])
    store.close()
    at = run_page("app_pages/today.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Tijd", "Regel", "Waarde", "Bericht"], table.columns
    g7 = table[table["Regel"] == "G7"].iloc[0]
    assert g7["Waarde"] == "1,60"
    assert g7["Bericht"].startswith("Je rugbelasting op 2026-03-01 was 1,60 keer"), g7["Bericht"]
    assert table["Bericht"].iloc[0].startswith("Je zit al 30 minuten"), table["Bericht"].iloc[0]

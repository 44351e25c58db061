"""The practice's Wearers overview at each date of tests/clock.py, through AppTest.

On Monday 7 December 2026 the overview opened on this week, which has no day yet on a Monday:
every wearer showed "no data". It must open on the last complete week on any date: a Monday, a
Sunday, in ISO week 53 and around the DST changes. The practice is real (an `influxd` with auth,
wearers added by `practice add-wearer`'s code, their weeks written with their own accounts).
"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from backcoach.dashboard import practice_accounts as practice
from backcoach.dashboard.weekly import IsoWeek, last_complete_week
from tests import clock
from tests.storage import practice_world

from .stores import APP

WEARERS = ("anna", "ben")
USER, PASSWORD = "jdevries", "correct-horse-battery-42"
TIMEOUT_S = 60

pytestmark = pytest.mark.influx


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Two wearers' days around every date: the date's week, and the two weeks before it."""
    with practice_world.running(tmp_path_factory.mktemp("practice-dates")) as world:
        practice_world.add_wearers(world, WEARERS)
        ends = sorted({clock.today_at(name, practice_world.TZ) for name in clock.DATES})
        runs: list[tuple[dt.date, int]] = []  # (last day, days): one run per stretch of dates
        for end in ends:
            if runs and (end - runs[-1][0]).days <= 21:
                last, days = runs[-1]
                runs[-1] = (end, days + (end - last).days)
            else:
                runs.append((end, 21))
        for last, days in runs:
            practice_world.fill(world, WEARERS, last, days=days)
        practice_world.add_practitioner(world, USER, PASSWORD, "J. de Vries")
        yield world


def test_the_overview_opens_on_the_last_complete_week_with_every_wearer(
    world, each_date, monkeypatch
):
    for key, value in {**world.env(), practice.DASHBOARD_ENV: "1"}.items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    at.text_input[0].input(USER)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.value for t in at.title] == ["Wearers"]
    today = clock.today(practice_world.TZ)
    week = last_complete_week(today)
    picker = at.selectbox(key="practice_week")
    assert picker.value == week
    assert picker.options[0].startswith(f"{IsoWeek.of(today)} · ")  # this week: one click away
    assert any(c.value.startswith(f"Week {week} (") for c in at.caption)
    counts = [m.value for m in at.markdown if "without data" in m.value]
    assert counts and counts[0].endswith(" 0 without data"), counts

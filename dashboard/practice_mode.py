"""The dashboard as a practice sees it: many wearers, read through the practice's reader account.

Why a mode of the same app rather than a second app: a practitioner should see a wearer's week
exactly as the wearer does, so the wearer's pages are reused; in this mode `common.Ctx` gets the
chosen wearer's settings (their database, their `wearer` tag, the reader's credentials) and a
store that refuses writes (`storage/readonly.py`), and the pages leave out what would change
anything. The server refuses the reader's writes as well (`storage/influx_admin.py`).

`backcoach dashboard --practice` sets `ENV`; without it the dashboard is the wearer's own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace

import streamlit as st

from backcoach import plans
from backcoach.config import InfluxSettings, Settings
from backcoach.dashboard import practice_accounts as practice
from backcoach.dashboard.practice_accounts import Roster, Wearer
from backcoach.dashboard.practice_view import Glance, glances
from backcoach.dashboard.weekly import IsoWeek
from backcoach.errors import BackcoachError
from backcoach.storage import FleetReader, WearerDays, open_fleet

ENV = practice.DASHBOARD_ENV
WEARER_KEY = "practice_wearer"  # the chosen wearer's name in the session
OVERVIEW_TTL_S = 60


def active() -> bool:
    return os.environ.get(ENV) == "1"


def _stop(error: BackcoachError) -> None:
    from backcoach.i18n import t

    st.error(t("practice.error", st.session_state.get("lang", "en"), error=str(error)))
    st.stop()


def roster_key(settings: Settings) -> str:
    path = settings.practice_path / practice.ROSTER
    return f"{path}|{path.stat().st_mtime_ns if path.exists() else 0}"


@st.cache_resource(show_spinner=False)
def _roster(key: str, _settings: Settings) -> tuple[Roster, str]:
    folder = _settings.practice_path
    return practice.load_roster(folder), practice.read_secret(folder, practice.READER_TOKEN)


def roster(settings: Settings) -> tuple[Roster, str]:
    """The practice's wearers and its reader's credentials (re-read after add-wearer)."""
    try:
        return _roster(roster_key(settings), settings)
    except BackcoachError as exc:
        _stop(exc)
        raise


def reader_influx(base: InfluxSettings, url: str, bucket: str, token: str) -> InfluxSettings:
    return replace(base, url=url, bucket=bucket, token=token, token_file="")


def wearer_settings(base: Settings, wearer: Wearer) -> Settings:
    """The settings a page needs to show one wearer through the practice's reader."""
    r, token = roster(base)
    return replace(
        base,
        storage="influxdb",
        wearer=wearer.name,
        timezone=wearer.timezone or base.timezone,
        influx=reader_influx(base.influx, r.url, wearer.bucket, token),
        data_dir=str(base.practice_path / "reading" / wearer.name),  # its (unused) outbox
    )


def chosen(base: Settings) -> Wearer | None:
    name = st.session_state.get(WEARER_KEY)
    return roster(base)[0].find(name) if name else None


def choose(name: str) -> None:
    st.session_state[WEARER_KEY] = name


def fleet_days(base: Settings, first_day: str, last_day: str) -> list[WearerDays]:
    """Every wearer's summaries, diary and plan of first_day..last_day (a few requests); a
    wearer with a plan from the plan's start on (before it: what the plan's pain and load
    judgement looks back on), so the overview builds the same plan the wearer's pages do."""
    r, token = roster(base)
    if not r.wearers:
        return []
    fleet = open_reader(base, r, token)
    try:
        return read_fleet(fleet, first_day, last_day)
    finally:
        fleet.close()


def open_reader(base: Settings, r: Roster, token: str) -> FleetReader:
    """The practice's reader of every wearer in the roster (through `storage.open_fleet`)."""
    influx = reader_influx(base.influx, r.url, r.wearers[0].bucket, token)
    reader = replace(base, storage="influxdb", influx=influx)
    return open_fleet(reader, [(w.name, w.bucket) for w in r.wearers])


def read_fleet(fleet: FleetReader, first_day: str, last_day: str) -> list[WearerDays]:
    """Every wearer's plan row, then their days from `first_day`, or from their plan's start
    when that is earlier (`FleetReader.read_fleet`)."""
    return fleet.read_fleet(first_day, last_day, plan_first_day=_plan_first_day)


def _plan_first_day(plan: str) -> str | None:
    """The first day a wearer's plan reads, or None (no plan, or one that cannot be read)."""
    try:
        start = plans.from_dict(json.loads(plan)).start
    except (ValueError, BackcoachError):
        return None
    return (start - dt.timedelta(days=plans.HISTORY_DAYS)).isoformat()


@st.cache_data(ttl=OVERVIEW_TTL_S, show_spinner=False)
def _overview(key: str, week: str, _base: Settings) -> list[Glance]:
    w = IsoWeek.parse(week)
    fleet = fleet_days(_base, w.previous().monday.isoformat(), w.days[-1])
    return glances(fleet, w, _base.rules)


def overview(base: Settings, week: IsoWeek) -> list[Glance]:
    """Every wearer's glance at `week`, kept for OVERVIEW_TTL_S (the roster and the rule
    thresholds are part of the key, so an added wearer or a changed threshold shows at once)."""
    return _overview(f"{roster_key(base)}|{base.rules!r}", str(week), base)


def wearer_picker(base: Settings, lang: str) -> None:
    """The sidebar's choice of wearer (the wearer pages show this one), and what this mode is."""
    from backcoach.i18n import t

    names = [w.name for w in roster(base)[0].wearers]
    if st.session_state.get(WEARER_KEY) not in names:
        st.session_state.pop(WEARER_KEY, None)
    st.sidebar.selectbox(
        t("practice.wearer", lang), names, index=None, key=WEARER_KEY, placeholder="–"
    )
    st.sidebar.caption(t("practice.read_only", lang))

"""What `backcoach dashboard` serves: the dashboard (`app.py`) behind its guard (`guard.py`).

`streamlit run` finds the `app` below and serves it as an ASGI app (`st.App`), which is how
Streamlit lets code stand in front of every request: here the Host check and the per-launch
secret, then (practice mode only) the login cookie and the login in front of Streamlit's own
routes (`practice_door.py`). The guard reads its settings from the environment `backcoach
dashboard` sets; started any other way it admits nobody.

The server warms up before it says it is ready (its lifespan runs before it listens), so the
first visitor after a start does not pay the one-time costs: the pages' libraries and, for a
practice, one pass of the overview's read, grading and table (issue 24: 2.8 s → goal 2 s).
"""

import contextlib
import importlib
import logging
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from backcoach.dashboard.guard import Guard
from backcoach.dashboard.practice_door import PracticeDoor

log = logging.getLogger(__name__)

#: The pages' heavy libraries load with the server, not on the first visitor's clock (about 1 s
#: on a small machine: pandas, Plotly, the overview's reader, the login's JWT and bcrypt).
PRELOAD = (
    "backcoach.dashboard.charts",
    "backcoach.dashboard.views",
    "backcoach.dashboard.practice_view",
    "backcoach.storage.influx_fleet",
    "backcoach.dashboard.practice_auth",
    "streamlit.emojis",
)
for _name in PRELOAD:
    importlib.import_module(_name)

#: The modules the entry file and the first page import.
RUNTIME_IMPORTS = (
    "backcoach.dashboard.common",
    "backcoach.dashboard.login",
    "backcoach.dashboard.practice_mode",
    "pyarrow.pandas_compat",  # st.dataframe's conversion
)


def warm_overview() -> int:
    """The practice overview's first read, grading and table, once, against the practice's own
    server (a new connection, InfluxQL, JSON, pandas and Arrow paths); its result is not kept,
    so the first visitor still sees fresh data. Returns the wearers read."""
    import pyarrow as pa

    from backcoach.config import load_settings
    from backcoach.dashboard import practice_accounts as practice
    from backcoach.dashboard import practice_view
    from backcoach.dashboard.practice_mode import open_reader, read_fleet
    from backcoach.dashboard.weekly import IsoWeek

    settings = load_settings()
    roster = practice.load_roster(settings.practice_path)
    if not roster.wearers:
        return 0
    token = practice.read_secret(settings.practice_path, practice.READER_TOKEN)
    week = IsoWeek.of(settings.today()).previous()  # it opens there
    reader = open_reader(settings, roster, token)
    try:
        fleet = read_fleet(reader, week.previous().monday.isoformat(), week.days[-1])
    finally:
        reader.close()
    rows = practice_view.glances(fleet, week, settings.rules)
    pa.Table.from_pandas(practice_view.overview_table(rows, "en"))
    return len(rows)


def warm_up() -> None:
    """Pay the first page's one-time costs now; a failure here only costs that visitor time."""
    from backcoach.dashboard import practice_mode

    try:
        for name in RUNTIME_IMPORTS:
            importlib.import_module(name)
        if practice_mode.active():
            log.debug("warmed the overview's path with %d wearers", warm_overview())
    except Exception as exc:  # the page will say it in its own words; the server still starts
        log.warning("backcoach dashboard: warming up stopped early (%s)", exc)


@contextlib.asynccontextmanager
async def _lifespan(_app):
    warm_up()  # before the server listens: its health check answers only after this
    yield


app = st.App(
    Path(__file__).with_name("app.py"),
    middleware=[Middleware(Guard), Middleware(PracticeDoor)],
    lifespan=_lifespan,
)

"""What `backcoach dashboard` serves: the dashboard (`app.py`) behind its guard (`guard.py`).

`streamlit run` finds the `app` below and serves it as an ASGI app (`st.App`), which is how
Streamlit lets code stand in front of every request: here the Host check and the per-launch
secret, then (practice mode only) the login cookie and the login in front of Streamlit's own
routes (`practice_door.py`). The guard reads its settings from the environment `backcoach
dashboard` sets; started any other way it admits nobody.
"""

import importlib
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from backcoach.dashboard.guard import Guard
from backcoach.dashboard.practice_door import PracticeDoor

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

app = st.App(
    Path(__file__).with_name("app.py"), middleware=[Middleware(Guard), Middleware(PracticeDoor)]
)

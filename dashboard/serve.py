"""What `backcoach dashboard` serves: the dashboard (`app.py`) behind its guard (`guard.py`).

`streamlit run` finds the `app` below and serves it as an ASGI app (`st.App`), which is how
Streamlit lets code stand in front of every request: here the Host check and the per-launch
secret. The guard reads its settings from the environment `backcoach dashboard` sets; started
any other way it admits nobody.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from backcoach.dashboard.guard import Guard

app = st.App(Path(__file__).with_name("app.py"), middleware=[Middleware(Guard)])

"""The dashboard's entry file: page routing only (`streamlit run` starts here).

Pages live in `app_pages/` and draw; shared setup is in `common`. The page titles follow the
language chosen in the sidebar. The folder is deliberately not called `pages/`: Streamlit treats a
`pages/` folder beside the entry file as a legacy multipage app, lists the raw file names and runs
page files without this router (the browser test caught exactly that).

In practice mode (`backcoach dashboard --practice`) nothing is routed before a practitioner has
logged in (`login.py`); then the Wearers overview comes first and the wearer's pages show the
wearer chosen in the sidebar, read-only (`practice_mode.py`).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from backcoach.dashboard import common, login, practice_mode
from backcoach.i18n import t

HERE = Path(__file__).parent
WEARER_PAGES = (
    ("today.py", "nav.today", "today"),
    ("guidance.py", "nav.guidance", "guidance"),
    ("progress.py", "nav.progress", "progress"),
    ("diary.py", "nav.diary", "diary"),
    ("settings.py", "nav.settings", "settings"),
)

st.set_page_config(page_title="backcoach", page_icon="🧍", layout="wide")
common.language_switch()
lang = common.lang()
practice = practice_mode.active()
if practice:
    login.require(common.base_settings(), lang)
    practice_mode.wearer_picker(common.base_settings(), lang)
entries = [("wearers.py", "nav.wearers", "wearers")] if practice else []
entries += WEARER_PAGES  # the first entry is the start page: the practice's overview, or Today
pages = [
    st.Page(HERE / "app_pages" / f, title=t(title, lang), url_path=path, default=i == 0)
    for i, (f, title, path) in enumerate(entries)
]
st.navigation(pages).run()

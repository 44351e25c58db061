"""The dashboard's entry file: page routing only (`streamlit run` starts here).

Pages live in `app_pages/` and draw; shared setup is in `common`. The page titles follow the
language chosen in the sidebar. The folder is deliberately not called `pages/`: Streamlit treats a
`pages/` folder beside the entry file as a legacy multipage app, lists the raw file names and runs
page files without this router (the browser test caught exactly that).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from backcoach.dashboard import common
from backcoach.dashboard.i18n import t

HERE = Path(__file__).parent

st.set_page_config(page_title="backcoach", page_icon="🧍", layout="wide")
common.language_switch()
lang = common.lang()
pages = [
    st.Page(
        HERE / "app_pages" / "today.py", title=t("nav.today", lang), url_path="today", default=True
    ),
    st.Page(HERE / "app_pages" / "guidance.py", title=t("nav.guidance", lang), url_path="guidance"),
    st.Page(HERE / "app_pages" / "progress.py", title=t("nav.progress", lang), url_path="progress"),
    st.Page(HERE / "app_pages" / "diary.py", title=t("nav.diary", lang), url_path="diary"),
    st.Page(HERE / "app_pages" / "settings.py", title=t("nav.settings", lang), url_path="settings"),
]
st.navigation(pages).run()

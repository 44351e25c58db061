"""The dashboard's entry file: page routing only (`streamlit run` starts here).

Pages live in `pages/` and draw; shared setup is in `common`. The page titles follow the
language chosen in the sidebar.
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
        HERE / "pages" / "today.py", title=t("nav.today", lang), url_path="today", default=True
    ),
    st.Page(HERE / "pages" / "guidance.py", title=t("nav.guidance", lang), url_path="guidance"),
    st.Page(HERE / "pages" / "progress.py", title=t("nav.progress", lang), url_path="progress"),
    st.Page(HERE / "pages" / "diary.py", title=t("nav.diary", lang), url_path="diary"),
    st.Page(HERE / "pages" / "settings.py", title=t("nav.settings", lang), url_path="settings"),
]
st.navigation(pages).run()

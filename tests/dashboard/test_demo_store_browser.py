"""`backcoach dashboard --store demo` opens the demo's own store, in a real browser.

The demo keeps its days apart from real recordings (`backcoach demo --store demo`); this checks
that the dashboard, started the way the demo's last line says, shows them.
"""

from __future__ import annotations

import pytest

from backcoach.storage.sqlite import SQLiteStore

from . import dashboard_synthetic as synthetic
from .serve import dashboard
from .stores import TZ, new_dir, yesterday
from .test_dashboard_browser import (
    ARTIFACTS,
    CHROMIUM,
    PAGE_TIMEOUT_MS,
    browser,
    open_page,
    playwright,
    visit,
)

__all__ = ["browser", "playwright"]  # the browser tests' module-scoped Chromium fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


def test_dashboard_store_demo_shows_the_demo_store_and_leaves_the_own_store_alone(
    browser, tmp_path
):
    sd = new_dir(tmp_path)  # the wearer's own store: never created here
    demo = SQLiteStore(sd.data_dir / "demo" / "backcoach.sqlite", tz_name=TZ)
    synthetic.fill(demo, yesterday(), days_with_epochs=1, days_with_summaries=1, tz_name=TZ)
    demo.close()
    with dashboard(["--store", "demo"], sd.env(), tmp_path / "dashboard.log") as (url, link):
        page = open_page(browser, link, viewport={"width": 1280, "height": 2400})
        try:
            visit(page, url, "Your day", ARTIFACTS / "today-demo-store.png")
            page.locator(".js-plotly-plot").first.wait_for(timeout=PAGE_TIMEOUT_MS)
            assert page.get_by_text("backcoach demo").count() == 0  # not the empty state
        finally:
            page.close()
    assert not (sd.data_dir / "backcoach.sqlite").exists()

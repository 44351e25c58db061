"""A short live day in a real browser: time ticks that read, the live 10 minutes plotted.

On a day of a few minutes the axes used to print "14:16 14:16 14:16": Plotly placed ticks
every 10-30 s and the format cut them to the minute. Tick labels are made by Plotly's
JavaScript, so only a browser can show what the wearer reads.
"""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.processing.types import POSTURE_CODE, Epochs
from backcoach.storage import open_store
from tests import clock

from .conftest import CHROMIUM, open_page
from .serve import dashboard
from .stores import new_dir
from .test_dashboard_browser import ARTIFACTS, PAGE_TIMEOUT_MS, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]
MINUTES = 4


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """`backcoach dashboard` on a store holding the last few minutes of a streaming sensor."""
    sd = new_dir(tmp_path_factory.mktemp("short-day"))
    store = open_store(sd.settings())
    now = float(int(clock.now_s()))  # the dashboard's now (BACKCOACH_NOW)
    n = MINUTES * 60
    t = now - n + np.arange(float(n))
    trunk = 5.0 + 65.0 * np.exp(-(((np.arange(n) - n + 60) / 3.0) ** 2))  # a bend a minute ago
    zeros = np.zeros(n)
    store.write_epochs(Epochs(t, np.full(n, POSTURE_CODE["standing"]), trunk, zeros, zeros, zeros))
    for key, value in {"collector.state": "streaming", "collector.last_sample_s": f"{now}"}.items():
        store.write_status(key, value)
    store.close()
    log_path = tmp_path_factory.mktemp("live-server") / "dashboard.log"
    with dashboard([], sd.env(), log_path) as (url, link):
        yield url, log_path, link


def test_a_short_live_day_has_time_ticks_that_read(live_server, browser):
    """Every chart's time axis: no label twice in a row; the live chart shows seconds."""
    url, log_path, link = live_server
    page = open_page(browser, link, viewport={"width": 1280, "height": 2400})
    try:
        visit(page, url, "Your day", ARTIFACTS / "today-short-live.png")
        page.wait_for_function(  # live 10 minutes, timeline, trunk angle
            "() => document.querySelectorAll('.js-plotly-plot').length >= 3",
            timeout=PAGE_TIMEOUT_MS,
        )
        ticks = page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')].map(p => "
            "[...p.querySelectorAll('.xtick text')].map(t => t.textContent))"
        )
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()
    assert len(ticks) >= 3
    for labels in ticks:
        assert len(labels) >= 2, ticks
        assert all(a != b for a, b in zip(labels, labels[1:], strict=False)), labels
    assert all(label.count(":") == 2 for label in ticks[0]), "the live chart: to the second"

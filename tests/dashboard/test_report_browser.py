"""The Progress page's report downloads in a real browser: `backcoach dashboard` on a demo week.

Clicking a download makes the report on the server (Kaleido and Chromium there too); the file
the browser receives is checked: the PDF's words with `pdftotext`, the HTML's charts and language.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from backcoach.dashboard.weekly import last_complete_week
from tests import clock

from .conftest import CHROMIUM, open_page
from .serve import dashboard
from .stores import TZ, StoreDir
from .test_dashboard_browser import ARTIFACTS, PAGE_TIMEOUT_MS, visit

REPORT_TIMEOUT_MS = 180_000  # charts and print on a busy 2-core machine

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils"),
]


@pytest.fixture(scope="module")
def server(demo_week: StoreDir, tmp_path_factory):
    log_path = tmp_path_factory.mktemp("report-server") / "dashboard.log"
    with dashboard([], demo_week.env(), log_path) as (url, link):
        yield url, log_path, link


def download(page, label: str, target_dir):
    with page.expect_download(timeout=REPORT_TIMEOUT_MS) as info:
        page.get_by_role("button", name=label).click()
    path = target_dir / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_the_progress_page_downloads_the_weeks_report_as_pdf_and_dutch_html(
    server, browser, tmp_path
):
    url, log_path, link = server
    week = last_complete_week(clock.today(TZ))
    page = open_page(browser, link, viewport={"width": 1280, "height": 3000}, accept_downloads=True)
    try:
        visit(page, f"{url}/progress", "Progress", ARTIFACTS / "progress-report.png")
        page.get_by_text("Weekly report").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        pdf = download(page, "Download report (PDF)", tmp_path)
        assert pdf.name == f"backcoach-report-{week}-en.pdf"
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert f"Week {week.week}, {week.year}" in text
        assert text.count("\f") == 4  # four pages
        assert "backcoach is not a medical device." in " ".join(text.split())

        page.get_by_text("Nederlands").click()  # the sidebar's language switch
        page.get_by_text("Weekrapport").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        html = download(page, "Rapport downloaden (HTML)", tmp_path).read_text()
        assert '<html lang="nl">' in html and "Weekrapport" in html
        assert (
            len(
                re.findall(
                    r'<figure class="chart"[^>]*>\s*<h3>[^<]+</h3>\s*<div class="svg"><svg', html
                )
            )
            == 5
        )
        assert page.locator('[data-testid="stException"]').count() == 0
    except Exception:
        print(log_path.read_text(errors="replace"))
        raise
    finally:
        page.close()

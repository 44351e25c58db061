"""`backcoach report` end to end on a week from `backcoach demo --days 8`, as a user runs it.

The real command draws the charts with Kaleido and prints the PDF with Debian's Chromium; the
PDF is read back with poppler's `pdftotext` (its words, page by page) and `pdftoppm` (its pages
as pictures). Rendered pages are kept in test-artifacts/report/ for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from backcoach.dashboard.weekly import IsoWeek, last_complete_week
from tests import clock

from .stores import REPO, TZ, StoreDir

ARTIFACTS = REPO / "test-artifacts" / "report"
TIMEOUT_S = 240
PAGES = 4  # the scorecard; three charts; two charts; warnings and diary
#: Each chart's heading (above it) and the start of its caption (below it), in English.
CHARTS = {
    "Sitting and the longest bout": "Bars: hours of sitting.",
    "Time bent forward while upright, per band": "Minutes with the trunk bent",
    "Down and up: straight legs versus bent knees": "Bending down and back up",
    "Walking minutes and steps": "Bars: walking minutes",
    "Daily back load and the acute:chronic ratio, with pain": "Top: daily back load",
}
DISCLAIMER = "backcoach is not a medical device."

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="needs Debian's chromium and poppler-utils (scripts/bootstrap.sh --test)",
)


def backcoach(sd: StoreDir, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env={**os.environ, **sd.env(), "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def pdf_pages(path: Path) -> list[str]:
    """The PDF's text, one whitespace-normalised string per page."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return [" ".join(page.split()) for page in out.stdout.split("\f")[:-1]]


def today() -> dt.date:
    return clock.today(TZ)


@pytest.fixture(scope="module")
def made(demo_week: StoreDir, tmp_path_factory):
    """The default week in English (HTML and PDF), and yesterday's week in Dutch (PDF)."""
    folder = tmp_path_factory.mktemp("reports")
    en = backcoach(demo_week, "report", "--out", "week.html", "--pdf", "--lang", "en", cwd=folder)
    yesterday_week = IsoWeek.of(today() - dt.timedelta(days=1))
    nl = backcoach(
        demo_week, "report", "--week", str(yesterday_week), "--out", "nl.pdf", "--lang", "nl",
        cwd=folder,
    )  # fmt: skip
    for res in (en, nl):
        assert res.returncode == 0, res.stderr
    return folder, en, nl, yesterday_week


def test_the_report_of_the_last_complete_week_is_written_as_html_and_pdf(made):
    folder, en, _, _ = made
    week = last_complete_week(today())
    assert en.stdout.count("\n") == 1
    assert en.stdout.startswith(f"wrote week.html and week.pdf: week {week} (")
    html = (folder / "week.html").read_text()
    figures = re.findall(r'<figure class="chart" data-chart="(\w+)">(.*?)</figure>', html, re.S)
    assert [key for key, _ in figures] == ["sitting", "bending", "lifts", "walking", "load"]
    assert all("<svg" in body and "</svg>" in body for _, body in figures)
    assert html.count('<tr data-rule="G') == 12
    assert not re.findall(r"(?:src|href)=", html)  # nothing outside the file ...
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", html))  # ... at all
    assert "Traceback" not in en.stderr


def test_the_pdf_is_a4_with_the_disclaimer_and_page_numbers_on_every_page(made):
    folder = made[0]
    info = subprocess.run(
        ["pdfinfo", str(folder / "week.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Pages:\s+4$", info, re.M), info
    assert "(A4)" in info
    pages = pdf_pages(folder / "week.pdf")
    assert len(pages) == PAGES
    for i, page in enumerate(pages, start=1):
        assert DISCLAIMER in page, i
        assert f"Page {i} of {PAGES}" in page
    first = pages[0]
    for rule in range(1, 13):
        assert f"G{rule} " in first
    assert "The week against the guidance" in first and "Days on target" in first
    assert "Warnings this week" in pages[3] and "Strongest" in pages[3]


def test_no_chart_is_cut_by_a_page_break(made):
    """A chart's heading (above it) and its caption (below it) are always on the same page."""
    pages = pdf_pages(made[0] / "week.pdf")
    for heading, caption in CHARTS.items():
        above = [i for i, page in enumerate(pages) if heading in page]
        below = [i for i, page in enumerate(pages) if caption in page]
        assert len(above) == 1 and above == below, (heading, above, below)
        assert above[0] in (1, 2)  # the charts start on a page of their own


def _share(png: Path, rgb: tuple[int, int, int], tolerance: int = 24) -> float:
    """The share of the page's pixels within `tolerance` of the colour `rgb`."""
    image = Image.open(png).convert("RGB")
    near = sum(
        count
        for count, (r, g, b) in image.getcolors(maxcolors=1 << 24)
        if abs(r - rgb[0]) + abs(g - rgb[1]) + abs(b - rgb[2]) <= tolerance
    )
    return near / (image.width * image.height)


def test_the_pages_render_with_their_charts_drawn(made):
    """pdftoppm renders each page; the chart pages are full of the charts' colours."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    prefix = ARTIFACTS / "week"
    for old in ARTIFACTS.glob("week-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(made[0] / "week.pdf"), str(prefix)], check=True
    )
    pngs = sorted(ARTIFACTS.glob("week-*.png"))
    assert len(pngs) == PAGES
    blue, vermillion = (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00)
    assert _share(pngs[1], blue) > 0.03  # sitting hours and leg-lift bars
    assert _share(pngs[1], vermillion) > 0.01  # back-lifts
    assert _share(pngs[2], blue) > 0.02  # walking minutes
    assert _share(pngs[0], blue) < 0.02  # the scorecard page is text, not charts


def test_the_dutch_report_is_dutch_and_compares_with_the_week_before(made):
    folder, _, nl, week = made
    assert nl.stdout.startswith(f"wrote nl.pdf: week {week} (")
    pages = pdf_pages(folder / "nl.pdf")
    text = " ".join(pages)
    assert "Weekrapport" in text and "Dag voor dag" in text
    assert f"Pagina 1 van {len(pages)}" in pages[0]
    assert "geen medisch hulpmiddel" in pages[-1]
    assert re.search(r"\b(ma|di|wo|do|vr|za|zo) \d{1,2}\b", text)
    assert "Page 1" not in text and "Weekly report" not in text
    # 8 simulated days always span two weeks: the week before has data to compare with.
    assert re.search(r"\b(beter|minder goed|gelijk)\b", pages[0])


def test_a_week_without_data_is_one_line_and_writes_nothing(demo_week, tmp_path):
    res = backcoach(demo_week, "report", "--week", "2020-W01", "--out", "old.html", cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1, res.stderr
    assert res.stderr.startswith("backcoach: error: no data in week 2020-W01 (30 December 2019")
    assert "try --week 20" in res.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, words",
    [
        (["--week", "2026-48"], "is not an ISO week; write it as YYYY-Www"),
        (["--out", "report.txt"], "must end in .html or .pdf"),
        (["--out", "missing/report.html"], "the folder missing does not exist"),
    ],
)
def test_a_wrong_option_is_one_line(empty_store, tmp_path, args, words):
    """Said before any store is opened or browser started."""
    res = backcoach(empty_store, "report", *args, cwd=tmp_path)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and words in res.stderr, res.stderr


def test_an_empty_store_says_where_it_looked(empty_store, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = backcoach(empty_store, "report", cwd=out)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "no data" in res.stderr
    assert str(empty_store.data_dir) in res.stderr and "backcoach demo" in res.stderr
    assert not list(out.iterdir())


def test_help_explains_the_week_the_file_and_the_default(empty_store, tmp_path):
    res = backcoach(empty_store, "report", "--help", cwd=tmp_path)
    assert res.returncode == 0
    text = " ".join(res.stdout.split())
    for words in ("--week YYYY-Www", "default: the last complete week", "ending in .html or .pdf",
                  "--pdf", "A4", "opens offline", "BROWSER_PATH"):  # fmt: skip
        assert words in text, words


def test_the_html_opens_offline_in_chromium_and_fetches_nothing(made, browser):
    """Opened with the network off, the report asks for nothing but itself and draws 5 charts."""
    url = (made[0] / "week.html").as_uri()
    context = browser.new_context(offline=True)
    try:
        page = context.new_page()
        asked, problems = [], []
        page.on("request", lambda r: asked.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url, wait_until="load")
        sizes = page.eval_on_selector_all(
            "figure.chart .svg > svg",
            "els => els.map(e => [e.getBoundingClientRect().width, "
            "e.getBoundingClientRect().height])",
        )
        page.emulate_media(media="print")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "week-html.png"), full_page=True)
    finally:
        context.close()
    assert asked == [url]
    assert problems == []  # no blocked fetch, no script error
    assert len(sizes) == 5 and all(w > 500 and h > 200 for w, h in sizes), sizes

"""How long the weekly report takes to make, step by step, and how big its files are.

Why: the report is made while someone waits (the command, or a click on the Progress page), and
most of its time is a browser drawing charts and printing. This fills a scratch store with the
tests' synthetic wearer (two weeks of summaries, the last week with epochs, warnings and diary),
then times each step of `backcoach report` for the last complete week: reading the week from
the store, building the Plotly figures, drawing them as SVG (Kaleido and Chromium, browser start
included), filling the template, printing the PDF (Chromium, start included). It prints the
median of --repeat runs, the file sizes, the PDF's page count and the peak memory of this
process and of the browsers it started.

Run: .venv/bin/python bench/report.py [--repeat N] [--lang en|nl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "dashboard"))  # the synthetic wearer of the tests

import dashboard_synthetic as synthetic  # noqa: E402

TZ = "Europe/Amsterdam"


def fill(data_dir: Path, last_day: dt.date):
    """14 days of summaries ending `last_day`, the last 7 with epochs, warnings and diary."""
    from backcoach.config import load_settings
    from backcoach.storage import open_store

    settings = load_settings(data_dir / "none.toml", env={"BACKCOACH_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    synthetic.fill(store, last_day, days_with_epochs=7, days_with_summaries=14, tz_name=TZ)
    return settings, store


def one_report(store, week, settings, lang: str, browser: str):
    """Make the report once; returns (seconds per step, HTML, PDF)."""
    from backcoach.dashboard import report, report_browser

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    week_data = report.gather(store, week, settings.rules, TZ)
    t1 = time.perf_counter()
    charts = report.figures(week_data, lang)
    t2 = time.perf_counter()
    figures = [c.figure for c in charts]
    svgs = report_browser.svg_charts(figures, width_px=report.CHART_WIDTH_PX, browser=browser)
    t3 = time.perf_counter()
    drawn = list(zip(charts, svgs, strict=True))
    html = report.render_html(week_data, lang, drawn, dt.date.today())
    t4 = time.perf_counter()
    pdf = report_browser.html_to_pdf(html, browser=browser)
    t5 = time.perf_counter()
    times["read the week from the store"] = t1 - t0
    times["build the 5 Plotly figures"] = t2 - t1
    times["draw them as SVG (Kaleido + Chromium)"] = t3 - t2
    times["fill the template (Jinja2)"] = t4 - t3
    times["print the PDF (Chromium)"] = t5 - t4
    return times, html, pdf


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of the whole report (median)")
    parser.add_argument("--lang", choices=("en", "nl"), default="en", help="report language")
    args = parser.parse_args()

    from backcoach.dashboard import report_browser
    from backcoach.dashboard.weekly import last_complete_week
    from backcoach.processing.days import zone

    browser = report_browser.require_browser()
    week = last_complete_week(dt.datetime.now(zone(TZ)).date())
    with tempfile.TemporaryDirectory(prefix="backcoach-bench-") as tmp:
        data = Path(tmp)
        (data / "none.toml").touch()  # a named settings file must exist
        settings, store = fill(data, week.sunday)
        steps: dict[str, list[float]] = {}
        for _ in range(args.repeat):
            times, html, pdf = one_report(store, week, settings, args.lang, browser)
            for name, seconds in times.items():
                steps.setdefault(name, []).append(seconds)
        store.close()
        pdf_path = data / "week.pdf"
        pdf_path.write_bytes(pdf)
        pages = "?"
        if shutil.which("pdfinfo"):
            info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True)
            pages = next(
                (ln.split()[-1] for ln in info.stdout.splitlines() if ln.startswith("Pages:")), "?"
            )
    print(f"weekly report of {week}, language {args.lang}, browser {os.path.basename(browser)}")
    width = max(len(k) for k in steps)
    print(f"{'step':<{width}}  median of {args.repeat}")
    for name, times in steps.items():
        print(f"{name:<{width}}  {statistics.median(times) * 1000:9.1f} ms")
    total = sum(statistics.median(t) for t in steps.values())
    print(f"{'whole report, HTML and PDF':<{width}}  {total * 1000:9.1f} ms")
    print(f"HTML {len(html.encode()) / 1024:.0f} KiB, PDF {len(pdf) / 1024:.0f} KiB, {pages} pages")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: this process {own:.0f} MiB, largest browser process {kids:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

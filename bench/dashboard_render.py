"""How long the dashboard takes to render Today for a full day and Progress for 90 days.

Why: the dashboard is opened every evening; a page that takes seconds is a page people stop
opening. This fills a scratch store (one day of 1 s epochs = 86,400 rows with its events, and 90
days of daily summaries plus diary), then renders the pages through Streamlit's AppTest from
the real entry file: cold (query caches cleared, as on the first visit) and warm (cached, as on
a rerun). It also times building and serialising the figures alone, since the browser receives
them as JSON.

Run: .venv/bin/python bench/dashboard_render.py [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "dashboard"))  # the synthetic wearer of the tests

import dashboard_synthetic as synthetic  # noqa: E402

TZ = "Europe/Amsterdam"


def fill(data_dir: Path) -> str:
    """One day of epochs and 90 days of summaries ending yesterday; returns the epoch day."""
    from backcoach.config import load_settings
    from backcoach.storage import open_store

    settings = load_settings(data_dir / "none.toml", env={"BACKCOACH_DATA_DIR": str(data_dir)})
    store = open_store(settings)
    last = dt.date.today() - dt.timedelta(days=1)
    days = synthetic.fill(store, last, days_with_epochs=1, days_with_summaries=90, tz_name=TZ)
    store.close()
    return days[-1]


def median_s(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="backcoach-bench-") as tmp:
        data = Path(tmp)
        (data / "none.toml").touch()  # a named settings file must exist
        os.environ.update(
            BACKCOACH_DATA_DIR=str(data),
            BACKCOACH_CONFIG=str(data / "none.toml"),
            BACKCOACH_TIMEZONE=TZ,
            BACKCOACH_LANGUAGE="en",
        )
        t0 = time.perf_counter()
        day = fill(data)
        print(f"store filled in {time.perf_counter() - t0:.2f} s (1 day of epochs, 90 summaries)")
        rows = bench_pages(day, args.repeat) + bench_figures(day, args.repeat)
    width = max(len(name) for name, _ in rows)
    print(f"{'what':<{width}}  median of {args.repeat}")
    for name, seconds in rows:
        print(f"{name:<{width}}  {seconds * 1000:8.1f} ms")
    return 0


def bench_pages(day: str, repeat: int) -> list[tuple[str, float]]:
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    set_log_level("error")  # bare-mode notices are not results
    app = str(REPO / "dashboard" / "app.py")

    def timed(at: AppTest, action, charts_expected: int, cold: bool) -> float:
        if cold:
            logging.disable(logging.WARNING)  # clearing outside a server logs a bare-mode notice
            st.cache_data.clear()
            logging.disable(logging.NOTSET)
        t0 = time.perf_counter()
        action(at)
        seconds = time.perf_counter() - t0
        if at.exception or len(at.get("plotly_chart")) != charts_expected:
            raise RuntimeError(f"page did not render: {at.exception}")
        return seconds

    def today(at: AppTest) -> None:
        at.run()

    def progress_90(at: AppTest) -> None:
        at.radio(key="progress_window").set_value(90).run()

    at = AppTest.from_file(app, default_timeout=120)
    at.run()  # imports and the store connection happen outside the timings
    rows = []
    for cold in (True, False):
        runs = [timed(at, today, 3, cold) for _ in range(repeat)]
        rows.append((f"Today {day} ({'cold' if cold else 'warm'} cache)", statistics.median(runs)))
    at.switch_page("app_pages/progress.py").run()
    for cold in (True, False):
        runs = []
        for _ in range(repeat):
            at.radio(key="progress_window").set_value(7).run()
            runs.append(timed(at, progress_90, 6, cold))
        label = f"Progress 90 days ({'cold' if cold else 'warm'} cache)"
        rows.append((label, statistics.median(runs)))
    return rows


def bench_figures(day: str, repeat: int) -> list[tuple[str, float]]:
    from backcoach.config import load_settings
    from backcoach.dashboard import charts, views
    from backcoach.processing.days import day_bounds, zone
    from backcoach.storage import open_store

    store = open_store(load_settings())
    tz = zone(TZ)
    start_s, end_s = day_bounds(day, TZ)
    epochs = store.read_epochs(start_s, end_s)
    events = store.read_events(start_s, end_s)
    first = (dt.date.fromisoformat(day) - dt.timedelta(days=89)).isoformat()
    sums, diary = store.read_summaries(first, day), store.read_diary(first, day)

    def today_figs() -> None:
        marks = views.event_marks(events)
        for fig in (
            charts.posture_timeline(views.posture_segments(epochs), marks, "en", tz),
            charts.trunk_angle(views.trunk_series(epochs), marks, "en", tz),
            charts.sitting_bouts(views.sitting_bouts(events, 30.0), 30.0, "en", tz),
        ):
            fig.to_json()

    def progress_figs() -> None:
        frame = views.progress_frame(sums, diary, first, day)
        charts.load_acwr(frame, "en", 0.8, 1.3, 1.5).to_json()
        charts.lifts(frame, "en").to_json()

    rows = [
        (
            "read one day from SQLite (epochs+events)",
            median_s(
                lambda: (store.read_epochs(start_s, end_s), store.read_events(start_s, end_s)),
                repeat,
            ),
        ),
        ("Today figures: shape + build + to_json", median_s(today_figs, repeat)),
        ("Progress 90 d: frame + 2 figures + to_json", median_s(progress_figs, repeat)),
    ]
    store.close()
    return rows


if __name__ == "__main__":
    raise SystemExit(main())

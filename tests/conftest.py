"""What every test shares: a fixed calendar, the dates to run at, and how tests share workers.

`each_date` runs a test once at each of `clock.DATES` (tests/clock.py), with BACKCOACH_NOW set
for the test and for every process it starts (CLI, dashboard, report).

The suite runs in parallel (pytest-xdist, `-n 2 --dist loadfile` in pyproject's addopts): each
test file runs on one worker, so a module-scoped fixture (a dashboard server, a report made
once) is made once, and the tests of a timing-sensitive file never run beside each other. A
session fixture runs once per worker: expensive read-only things are built once per run with
`tests.shared.built_once`.
"""

from __future__ import annotations

import os

import pytest

from tests import clock


def pytest_configure(config: pytest.Config) -> None:
    """The suite's calendar, before any test or fixture runs (BACKCOACH_NOW, if set, wins)."""
    if not os.environ.get(clock.ENV):
        os.environ[clock.ENV] = clock.SUITE_NOW


@pytest.fixture(params=list(clock.DATES))
def each_date(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test runs at each of `clock.DATES` (its name is the parameter)."""
    monkeypatch.setenv(clock.ENV, clock.DATES[request.param])
    return request.param


@pytest.fixture
def at_date(monkeypatch: pytest.MonkeyPatch):
    """`at_date(name)`: from now on this test runs at `clock.DATES[name]` (for tests that
    parametrise over some of the dates themselves)."""

    def at(name: str) -> str:
        monkeypatch.setenv(clock.ENV, clock.DATES[name])
        return name

    return at

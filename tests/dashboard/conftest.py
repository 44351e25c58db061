"""Shared stores for the dashboard tests: empty, a simulated week (`backcoach demo`), synthetic.

Each store lives in its own temporary data directory; pages reach it the way a user's dashboard
does, through BACKCOACH_DATA_DIR and BACKCOACH_CONFIG. The demo week is made once per session
(it runs the real simulator and pipeline, the slowest step) and is only read by tests.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dashboard_synthetic as synthetic
import pytest

from backcoach.config import load_settings
from backcoach.processing.days import zone
from backcoach.storage import open_store

TZ = "Europe/Amsterdam"
REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"
DEMO_DAYS = 7
DEMO_TIMEOUT_S = 300


@dataclass(frozen=True)
class StoreDir:
    """A data directory and settings file a dashboard can be pointed at."""

    data_dir: Path
    config: Path

    def env(self) -> dict[str, str]:
        return {
            "BACKCOACH_DATA_DIR": str(self.data_dir),
            "BACKCOACH_CONFIG": str(self.config),
            "BACKCOACH_TIMEZONE": TZ,
            "BACKCOACH_LANGUAGE": "en",
            "BACKCOACH_STORAGE": "embedded",
        }

    def settings(self):
        return load_settings(self.config, env=self.env())


def _new_dir(base: Path) -> StoreDir:
    base.mkdir(parents=True, exist_ok=True)
    return StoreDir(base / "data", base / "config.toml")


def yesterday() -> dt.date:
    return dt.datetime.now(zone(TZ)).date() - dt.timedelta(days=1)


@pytest.fixture(scope="session")
def demo_week(tmp_path_factory) -> StoreDir:
    """A store filled by `backcoach demo --days 7` (simulated wearer through the real pipeline)."""
    sd = _new_dir(tmp_path_factory.mktemp("demo-week"))
    env = {**os.environ, **sd.env()}
    cmd = [sys.executable, "-m", "backcoach", "demo", "--days", str(DEMO_DAYS), "--seed", "3"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT_S)
    if proc.returncode != 0:
        pytest.fail(f"backcoach demo failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return sd


def make_synthetic(base: Path, days_with_epochs: int = 7, days_with_summaries: int = 30):
    """A store with the synthetic schedule (exact, known figures) ending yesterday."""
    sd = _new_dir(base)
    store = open_store(sd.settings())
    try:
        days = synthetic.fill(
            store,
            yesterday(),
            days_with_epochs=days_with_epochs,
            days_with_summaries=days_with_summaries,
            tz_name=TZ,
        )
    finally:
        store.close()
    return sd, days


@pytest.fixture(scope="session")
def synthetic_month(tmp_path_factory) -> StoreDir:
    """Read-only: 7 days of epochs and events, 30 days of summaries."""
    return make_synthetic(tmp_path_factory.mktemp("synthetic"))[0]


@pytest.fixture()
def synthetic_rw(tmp_path) -> StoreDir:
    """A synthetic store a test may change (diary, settings, deletion)."""
    return make_synthetic(tmp_path / "rw", days_with_epochs=2, days_with_summaries=14)[0]


@pytest.fixture()
def empty_store(tmp_path) -> StoreDir:
    return _new_dir(tmp_path / "empty")


@pytest.fixture()
def app_env(monkeypatch):
    """Point the in-process dashboard (AppTest) at a store directory."""

    def point(sd: StoreDir) -> StoreDir:
        for k, v in sd.env().items():
            monkeypatch.setenv(k, v)
        return sd

    return point

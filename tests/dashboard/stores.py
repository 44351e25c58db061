"""Store directories for the dashboard tests: where each store lives and how to point at it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from backcoach.config import load_settings
from backcoach.storage import open_store
from tests import clock

from . import dashboard_synthetic as synthetic

TZ = clock.TZ
REPO = Path(__file__).resolve().parents[2]
APP = REPO / "dashboard" / "app.py"


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


def new_dir(base: Path) -> StoreDir:
    base.mkdir(parents=True, exist_ok=True)
    (base / "config.toml").touch()  # a named settings file must exist (BACKCOACH_CONFIG)
    return StoreDir(base / "data", base / "config.toml")


def yesterday() -> dt.date:
    """Yesterday of the tests' calendar (tests/clock.py), in the wearers' zone."""
    return clock.yesterday(TZ)


def make_synthetic(base: Path, days_with_epochs: int = 7, days_with_summaries: int = 30):
    """A store with the synthetic schedule (exact, known figures) ending yesterday (the
    calendar's at the time it is made)."""
    sd = new_dir(base)
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

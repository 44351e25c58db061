"""Simulated days never mix with real recordings: which days the demo made, and its own store.

Why: `backcoach demo` into an empty store is how a newcomer first sees the dashboard, so it may
write there. But a wearer's store with real recordings must never get simulated days among them
(they would enter the progress charts and the acute:chronic ratio). The demo marks the days it
wrote (status row `demo.days`), refuses a store that holds anything else, and `--store demo`
gives it (and the dashboard) a separate embedded store in the `demo` folder of the data folder.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from backcoach.processing.days import day_bounds, day_of
from backcoach.storage.status import DEMO_DAYS

if TYPE_CHECKING:
    from backcoach.config import Settings
    from backcoach.storage.base import Store

OWN, DEMO = "own", "demo"
DEMO_FOLDER = "demo"  # inside the data folder


def add_store_option(parser: argparse.ArgumentParser) -> None:
    """`--store own|demo` for the commands that show or write the demo's days."""
    parser.add_argument(
        "--store",
        choices=(OWN, DEMO),
        default=OWN,
        help="own: your store (the settings' data folder or InfluxDB, default); demo: the "
        f"separate demo store in the '{DEMO_FOLDER}' folder of your data folder",
    )


def select(settings: Settings, which: str) -> Settings:
    """The settings for the chosen store: unchanged for 'own', the embedded demo store else."""
    if which != DEMO:
        return settings
    return replace(settings, storage="embedded", data_dir=str(settings.data_path / DEMO_FOLDER))


def demo_days(store: Store) -> set[str]:
    """The days the demo wrote into this store."""
    try:
        return set(json.loads(store.read_status().get(DEMO_DAYS) or "[]"))
    except (ValueError, TypeError):
        return set()


def mark_demo_days(store: Store, days: Iterable[str]) -> None:
    """Remember that these days are simulated, so a later demo may overwrite them."""
    store.write_status(DEMO_DAYS, json.dumps(sorted(demo_days(store) | set(days))))


def real_days(store: Store, days: Iterable[str], tz_name: str) -> list[str]:
    """Days with recordings the demo did not make: any in the store, and any of `days`.

    Cheap on a large store: the first and last recorded day and the daily summaries name the
    recorded days; only the days about to be simulated are read themselves.
    """
    days = sorted(days)
    marked = demo_days(store)
    seen: set[str] = set()
    rng = store.data_range()
    first, last = days[0], days[-1]
    if rng is not None:
        seen |= {day_of(rng[0], tz_name), day_of(rng[1], tz_name)}
        first, last = min(first, *seen), max(last, *seen)
    seen |= {s.day for s in store.read_summaries(first, last)}
    for day in days:
        if day in marked or day in seen:
            continue
        start_s, end_s = day_bounds(day, tz_name)
        if len(store.read_epochs(start_s, end_s)) or store.read_events(start_s, end_s):
            seen.add(day)
    return sorted(seen - marked)

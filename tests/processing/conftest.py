"""Shared simulated recordings for the pipeline tests (seeded, built once per session)."""

from __future__ import annotations

import pytest

from backcoach.collector.simulator import Segment, simulate, simulate_day
from tests.shared import made_once

DAY_START_S = 1_764_028_800.0  # 2025-11-25 00:00 UTC


@pytest.fixture(scope="session")
def sim_day(tmp_path_factory):
    """A whole simulated day at 50 Hz, randomly mounted (made once per run)."""
    return made_once(tmp_path_factory, "sim-day-3", lambda: simulate_day(DAY_START_S, seed=3))


@pytest.fixture(scope="session")
def short_sim():
    """Twelve minutes that hold every posture, bends and both lift styles."""
    script = [
        Segment("lying", 60),
        Segment("sit", 60, lean="upright"),
        Segment("walk", 90),
        Segment("stand", 20),
        Segment("bend", peak_deg=75, hold_s=3),
        Segment("stand", 20),
        Segment("lift", style="legs", peak_deg=35, drop_m=-0.4, hold_s=1.5),
        Segment("stand", 20),
        Segment("lift", style="back", peak_deg=85, drop_m=-0.03, hold_s=1.5),
        Segment("stand", 20),
        Segment("sit", 150, lean="slumped"),
        Segment("walk", 60),
        Segment("run", 60, cadence_hz=2.7),
        Segment("stand", 30),
    ]
    return simulate(script, DAY_START_S + 8 * 3600, seed=11)

"""Helpers for the live-path tests: simulated wearers on a chosen mounting, pushed like a sensor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial.transform import Rotation

from backcoach.collector.simulator import Segment, SimulatedDay, iter_chunks, simulate
from backcoach.live.run import LiveRun
from backcoach.processing.types import Samples

T0 = 1_772_409_600.0  # 2026-03-02 00:00 UTC
SENSOR = "C0:FF:EE:00:AA:01"
RATE_HZ = 25.0


def mounting(degrees: Sequence[float]) -> np.ndarray:
    """A sensor mounting (body frame -> sensor frame) from xyz Euler angles."""
    return Rotation.from_euler("xyz", degrees, degrees=True).as_matrix()


def worn(script: list[Segment], start_s: float, rot: np.ndarray, seed: int = 1):
    """(samples as the sensor mounted `rot` reads them, the simulation with its truth)."""
    sim: SimulatedDay = simulate(script, start_s, fs_hz=RATE_HZ, seed=seed, random_mounting=False)
    acc = (sim.samples.acc_g.astype(np.float64) @ rot.T).astype(np.float32)
    return Samples(sim.samples.t_s, acc), sim


def push_all(run: LiveRun, samples: Samples, chunk_s: float = 0.25) -> None:
    for chunk in iter_chunks(samples, chunk_s):
        run.push(chunk)


def angle_deg(a: Sequence[float], b: Sequence[float]) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    cos = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    return float(np.degrees(np.arccos(np.clip(cos, -1, 1))))

"""The fast lane's sit-down detector: a landing on a seat, and the movements that are not one."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.processing.fast_sitdown import landed_after_sit_down
from backcoach.processing.features import G_MS2
from backcoach.processing.types import Calibration

FS = 50.0
UPRIGHT = Calibration(up=(0.0, 0.0, 1.0), forward=(1.0, 0.0, 0.0))


def _wearer(velocity, move_s: float, before_s: float = 2.0, after_s: float = 1.0, lean_deg=0.0):
    """Samples of a trunk still for `before_s`, moving vertically with `velocity(t)` (m/s) for
    `move_s`, then still for `after_s`, leaning `lean_deg` forward at the end."""
    rng = np.random.default_rng(0)
    t = np.arange(0.0, before_s + move_s + after_s, 1 / FS)
    tm = np.clip(t - before_s, 0.0, move_s)
    v = velocity(tm)
    a_vert = np.gradient(v, t)  # vertical acceleration, m/s²
    lean = np.radians(np.where(t >= before_s + move_s, lean_deg, 0.0))
    mag = 1.0 + a_vert / G_MS2
    acc = np.stack([-np.sin(lean) * mag, np.zeros_like(t), np.cos(lean) * mag], axis=1)
    return t, acc + rng.normal(0.0, 0.003, acc.shape)


def test_a_sit_down_is_found_at_its_landing():
    t, acc = _wearer(lambda s: -0.6 * np.sin(np.pi * s / 1.2), 1.2)
    landed = landed_after_sit_down(t, acc, UPRIGHT)
    assert landed is not None
    assert abs(landed - 3.2) <= 0.35


@pytest.mark.parametrize(
    ("what", "velocity", "move_s", "lean_deg"),
    [
        ("a squat that came back up", lambda s: -0.6 * np.sin(2 * np.pi * s / 2.0), 2.0, 0.0),
        ("standing up", lambda s: 0.6 * np.sin(np.pi * s / 1.2), 1.2, 0.0),
        ("going down into a deep stoop", lambda s: -0.6 * np.sin(np.pi * s / 1.2), 1.2, 50.0),
        ("a small sway", lambda s: -0.08 * np.sin(np.pi * s / 1.2), 1.2, 0.0),
    ],
)
def test_what_is_not_a_sit_down_is_not_one(what, velocity, move_s, lean_deg):
    t, acc = _wearer(velocity, move_s, lean_deg=lean_deg)
    assert landed_after_sit_down(t, acc, UPRIGHT) is None, what


def test_not_yet_landed_or_never_moved_is_no_sit_down():
    t, acc = _wearer(lambda s: -0.6 * np.sin(np.pi * s / 1.2), 1.2, after_s=0.3)
    assert landed_after_sit_down(t, acc, UPRIGHT) is None  # still for 0.3 s only
    t, acc = _wearer(lambda s: 0.0 * s, 1.2)
    assert landed_after_sit_down(t, acc, UPRIGHT) is None

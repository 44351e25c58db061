"""Finding the wearer's up and forward in the sensor's own axes, and trunk angles against them.

Why: the sensor may be stuck on at any orientation, and "upright" differs from person to person.
Following ActiPASS (Skotte et al. 2014; Hallman et al.), the upright reference comes from walking:
while walking people hold the trunk about `walk_lean_deg` forward of their upright standing, so the
mean gravity direction over walking, tilted back by that lean, is the wearer's upright. Forward is
the direction the trunk tilts in short excursions away from upright (bends, sit-to-stand): deep
tilts that last seconds are forward bends far more often than anything else.

Frames: a reading r (in g) of a still sensor is world-up expressed in sensor axes. With u = the
sensor direction that is world-up when the wearer stands upright and f = the wearer's forward,
a forward trunk flexion θ reads r = cos θ·u − sin θ·f (the simulator uses the same model).
"""

from __future__ import annotations

import numpy as np

from backcoach.processing.types import Calibration


def unit(v: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero)."""
    v = np.asarray(v, np.float64)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 0)


def tilt_away(r: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The unit direction a reading leans away from `up`, in sensor axes (−f for a forward bend)."""
    r = unit(r)
    return unit(r - (r @ up)[..., None] * up)


def reference_from_walk(
    walk_dir: np.ndarray, forward_hint: np.ndarray, walk_lean_deg: float
) -> Calibration:
    """Upright and forward from the mean walking direction and a forward estimate.

    `forward_hint` need not be orthogonal to `walk_dir`; it is made so, then the walking direction
    is rotated back by `walk_lean_deg` in the up-forward plane.
    """
    w = unit(walk_dir)
    f_perp = unit(forward_hint - (forward_hint @ w) * w)
    lean = np.radians(walk_lean_deg)
    up = np.cos(lean) * w + np.sin(lean) * f_perp
    fwd = -np.sin(lean) * w + np.cos(lean) * f_perp
    return Calibration(tuple(map(float, up)), tuple(map(float, fwd)), source="auto")


def any_perpendicular(v: np.ndarray) -> np.ndarray:
    """A unit vector orthogonal to v (used when no forward evidence exists at all)."""
    v = unit(v)
    a = np.eye(3)[int(np.argmin(np.abs(v)))]
    return unit(a - (a @ v) * v)


def angles(g: np.ndarray, cal: Calibration) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Forward, sideways and total inclination (degrees) of gravity readings against `cal`.

    Forward is positive when the trunk leans forward, sideways positive to the wearer's right,
    total is the unsigned angle from upright (0-180°, used for lying).
    """
    u = np.asarray(cal.up, np.float64)
    f = np.asarray(cal.forward, np.float64)
    right = np.cross(f, u)  # forward × up points to the wearer's right (right-handed axes)
    g = np.asarray(g, np.float64)
    cu, cf, cr = g @ u, g @ f, g @ right
    fwd = np.degrees(np.arctan2(-cf, cu))
    side = np.degrees(np.arctan2(-cr, cu))
    total = np.degrees(np.arctan2(np.hypot(cf, cr), cu))
    return fwd.astype(np.float32), side.astype(np.float32), total.astype(np.float32)

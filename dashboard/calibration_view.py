"""The saved calibration in words: which sensor axis points up and forward, and since when.

Why: the Settings page showed the stored JSON (`{"up": [0.02, -0.99, ...]}`), which tells a
wearer nothing. Pure code, no Streamlit: the page only lays out what `describe` returns.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

AXES = "XYZ"


@dataclass(frozen=True)
class AxisDirection:
    """The sensor axis nearest a body direction, its sign, and how far off it the direction is."""

    axis: str  # "+Y", "-Z", ...
    off_deg: float


@dataclass(frozen=True)
class CalibrationView:
    up: AxisDirection
    forward: AxisDirection
    saved_s: float | None  # when `backcoach calibrate` saved it (None for older saves)


def nearest_axis(vector: list[float]) -> AxisDirection:
    """The signed sensor axis closest to a unit vector, e.g. [0.02, -0.99, 0.1] -> -Y, 6°."""
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    unit = [v / norm for v in vector]
    i = max(range(3), key=lambda k: abs(unit[k]))
    sign = "+" if unit[i] >= 0 else "-"
    off = math.degrees(math.acos(min(1.0, abs(unit[i]))))
    return AxisDirection(f"{sign}{AXES[i]}", off)


def describe(raw: str | None) -> CalibrationView | None:
    """The calibration status row as a view; None when there is none.

    Raises ValueError when the row cannot be read (the page then says to calibrate again).
    """
    if not raw:
        return None
    try:
        d = json.loads(raw)
        up, forward = [float(v) for v in d["up"]], [float(v) for v in d["forward"]]
        saved = d.get("at_s", d.get("saved_s"))
        if len(up) != 3 or len(forward) != 3:
            raise ValueError("a direction needs three components")
        return CalibrationView(
            nearest_axis(up), nearest_axis(forward), None if saved is None else float(saved)
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"unreadable calibration: {exc}") from exc

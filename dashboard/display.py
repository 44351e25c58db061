"""A graded figure for display: as many digits as it takes for the number to agree with its mark.

Why: rounding before reading the grade showed G4 at "1%" marked on track against "less than
1%" (the value was 0.51%), and a week with bends over 60° at "0%". A figure is graded on its
full value; here it is written with its unit's usual digits, and one more (up to three) while
the rounded number would sit on the other side of, or on, a limit it is not on, or read 0
while it is not. Pure; no Streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from backcoach.dashboard.scorecard import SENSOR_RULES
from backcoach.i18n.dashboard import STRINGS, _fill
from backcoach.processing.guidance import RuleThresholds

#: The digits after the point each unit shows ordinarily (the `unit.*` strings in i18n).
BASE_DECIMALS = {"h": 1, "min": 0, "s": 0, "deg": 0, "pct": 0, "n": 0, "ratio": 2, "per_h": 1}
MAX_DECIMALS = 3
SLACK = 0.25  # `scorecard.grade`'s default


def _side(a: float, b: float) -> int:
    return int(a > b) - int(a < b)


def decimals(value: float, unit: str, limits: Sequence[float] = ()) -> int:
    """The digits `value` needs so its rounded form keeps its side of every limit and of 0."""
    d = BASE_DECIMALS.get(unit, 0)
    value = float(value)
    if not math.isfinite(value):
        return d
    for extra in range(d, MAX_DECIMALS + 1):
        shown = round(value, extra)
        if all(_side(shown, lim) == _side(value, lim) for lim in (0.0, *limits)):
            return extra
    return MAX_DECIMALS


def show(value: float | None, unit: str, lang: str, limits: Sequence[float] = ()) -> str:
    """`value` with its unit in `lang` ("0.5%", "30.4 min"), or "–" when unknown."""
    if value is None or not math.isfinite(value):
        return "–"
    return with_digits(value, unit, lang, decimals(value, unit, limits))


def with_digits(value: float, unit: str, lang: str, digits: int) -> str:
    """`value` with its unit in `lang`, `digits` after the point (the unit's text otherwise)."""
    base = BASE_DECIMALS.get(unit, 0)
    entry = STRINGS[f"unit.{unit}"]
    text = (entry.get(lang) or entry["en"]).replace(f".{base}f}}", f".{digits}f}}")
    return _fill(text, lang, {"v": float(value)})


def change(before: float, after: float, unit: str, lang: str) -> tuple[str, str]:
    """Two figures of a change, with one more digit (up to three) while the unit's usual ones
    would write a real change as no change ("1 → 1" for 1.3 and 0.9 back lifts a day)."""
    for digits in range(BASE_DECIMALS.get(unit, 0), MAX_DECIMALS + 1):
        texts = (with_digits(before, unit, lang, digits), with_digits(after, unit, lang, digits))
        if texts[0] != texts[1]:
            break
    return texts


def rule_limits(rule: str, rules: RuleThresholds) -> tuple[float, ...]:
    """The limits a rule's figure is graded against, in the figure's unit."""
    if rule == "G7":
        return (rules.acwr_low, rules.acwr_high, rules.acwr_spike)
    for name, _key, _unit, field, scale, _higher in SENSOR_RULES:
        if name == rule:
            limit = getattr(rules, field) * scale
            # amber reaches a quarter past the limit (`scorecard.grade`'s slack)
            return (limit, limit * (1 - SLACK), limit * (1 + SLACK))
    return ()

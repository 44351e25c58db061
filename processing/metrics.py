"""A day's guidance metrics as one typed record: the keys live here, once.

Why: the summary computes a day's G1-G10 figures, the stores keep them, the dashboard, the weekly
report, the plan and the practice's fleet read them. Each once spelt the keys itself
("G1.longest_sitting_bout_min" in six files); a misspelt key read NaN silently. Now `DayMetrics`
is the one shape: producers fill its fields, readers read its attributes, and only the stores and
the file outputs see the stored names (`key`, e.g. "G1.sitting_min"), through `as_row` and
`from_row`.

NaN means "not known" (no sitting, no lifts, no pain given, or a metric an older version did not
store); `as_row` leaves unknown values out and `from_row` reads a missing key as NaN, so a row
stored by any earlier version reads, and an unknown key (a metric since removed) is ignored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["METRICS", "DayMetrics", "metric_key"]

NAN = float("nan")


def _m(key: str, unit: str, meaning: str, *aliases: str) -> Any:
    """A metric field: NaN by default, with its stored key, unit, meaning and older names."""
    return field(
        default=NAN, metadata={"key": key, "unit": unit, "meaning": meaning, "aliases": aliases}
    )


_LOAD = "daily back load, weights in `summary.LOAD_WEIGHTS`"
_ACWR = "mean load of the last 7 days / last 28 days (incl. this day; NaN with under 28 days)"


@dataclass(frozen=True, slots=True, eq=False)
class DayMetrics:
    """One day's metrics (rules G1-G10 of the guidance; thresholds in `guidance.RuleThresholds`).

    Each field's metadata holds its stored key, unit and meaning (`METRICS` lists them); a field
    with aliases is also stored under those older names, which readers of earlier stores and
    exports know it by.
    """

    sitting_min: float = _m("G1.sitting_min", "min", "total sitting time")
    longest_sitting_bout_min: float = _m(
        "G1.longest_sitting_bout_min",
        "min",
        "longest uninterrupted sitting (a pause shorter than `break_min_s` does not end a bout)",
    )
    sitting_bouts_over_max_n: float = _m(
        "G1.sitting_bouts_over_max_n", "count", "bouts longer than `sitting_bout_max_min` (30 min)"
    )
    breaks_per_sitting_hour: float = _m(
        "G1.breaks_per_sitting_hour",
        "1/h",
        "breaks (upright or walking ≥ `break_min_s`) between sitting, per hour of sitting",
    )
    posture_changes_per_hour: float = _m(
        "G2.posture_changes_per_hour", "1/h", "posture changes per awake hour"
    )
    longest_static_min: float = _m(
        "G2.longest_static_min", "min", "longest time in one posture without movement, awake"
    )
    lifts_n: float = _m(
        "G3.lifts_n", "count", "lifts: bending down and back up (the sensor cannot feel a load)"
    )
    back_lifts_n: float = _m(
        "G3.back_lifts_n",
        "count",
        "lifts in `back` style (stoop: bent from the hips, straight legs)",
    )
    leg_lifts_n: float = _m(
        "G3.leg_lifts_n", "count", "lifts in `legs` style (squat: bent knees, body lowered)"
    )
    unsure_lifts_n: float = _m(
        "G3.unsure_lifts_n", "count", "lifts whose figures point both ways (style `unsure`)"
    )
    leg_lift_share: float = _m(
        "G3.leg_lift_share",
        "0-1",
        "share of the lifts with a style that were `legs` (NaN without any)",
    )
    upright_min: float = _m(
        "G4.upright_min", "min", "standing, walking, running and other (not sitting, not lying)"
    )
    band_0_20_min: float = _m(
        "G4.band_0_20_min", "min", "upright time with the trunk under 20° forward"
    )
    band_20_45_min: float = _m(
        "G4.band_20_45_min", "min", "upright time with the trunk 20-45° forward"
    )
    band_45_60_min: float = _m(
        "G4.band_45_60_min", "min", "upright time with the trunk 45-60° forward"
    )
    band_over60_min: float = _m(
        "G4.band_over60_min", "min", "upright time with the trunk over 60° forward"
    )
    over60_share: float = _m("G4.over60_share", "0-1", "time over 60° / upright time")
    bends_over45_per_hour: float = _m(
        "G4.bends_over45_per_hour",
        "1/h",
        "bends with peak over 45° per upright hour (a bend that was a lift counts in G3 only)",
    )
    bends_over60_per_hour: float = _m(
        "G4.bends_over60_per_hour",
        "1/h",
        "bends with peak over 60° per upright hour (a bend that was a lift counts in G3 only)",
    )
    longest_flexion_s: float = _m(
        "G4.longest_flexion_s", "s", "longest bend (unbroken time over 20°)"
    )
    active_min: float = _m("G5.active_min", "min", "walking, running or other active epochs")
    longest_inactive_min: float = _m(
        "G5.longest_inactive_min", "min", "longest awake stretch without an active minute"
    )
    active_hours_share: float = _m(
        "G5.active_hours_share", "0-1", "awake hours holding ≥ `active_min_per_hour` active minutes"
    )
    walking_min: float = _m("G6.walking_min", "min", "walking and running time")
    walks_n: float = _m("G6.walks_n", "count", "walking bouts")
    steps: float = _m("G6.steps", "count", "steps")
    cadence_spm: float = _m("G6.cadence_spm", "steps/min", "steps per walking minute")
    load: float = _m("G7.load", "load units", _LOAD, "load")
    acwr: float = _m("G7.acwr", "ratio", _ACWR, "acwr")
    history_days: float = _m(
        "G7.history_days", "count", "days with a load in the 28 up to this one (the ratio needs 28)"
    )
    pain: float = _m("G8.pain", "0-10", "the diary's pain, when given")
    lying_h: float = _m("G9.lying_h", "h", "all lying time of the day")
    lying_night_h: float = _m(
        "G9.lying_night_h", "h", "lying before 10:00 and after 20:00 (time-in-bed proxy)"
    )
    seated_forward_share: float = _m(
        "G10.seated_forward_share", "0-1", "sitting time with trunk over `slumped_deg` (20°)"
    )
    longest_slumped_min: float = _m(
        "G10.longest_slumped_min", "min", "longest unbroken slumped sitting"
    )
    coverage_h: float = _m("coverage_h", "h", "hours of the day with data")

    def __post_init__(self) -> None:
        for f in fields(self):  # numpy scalars and ints become plain floats, as stored
            object.__setattr__(self, f.name, float(getattr(self, f.name)))

    def __eq__(self, other: object) -> bool:
        """Equal when the same metrics are known with the same values (NaN == NaN: unknown)."""
        return isinstance(other, DayMetrics) and self.as_row() == other.as_row()

    def __hash__(self) -> int:
        return hash(tuple(self.as_row().items()))

    def as_row(self) -> dict[str, float]:
        """The known values by stored key (aliases too), for a store or a file."""
        row: dict[str, float] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isnan(value):
                for key in (f.metadata["key"], *f.metadata["aliases"]):
                    row[key] = value
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> DayMetrics:
        """A stored row back (any version's: missing keys read NaN, unknown keys are ignored)."""
        values: dict[str, float] = {}
        for f in fields(cls):
            for key in (f.metadata["key"], *f.metadata["aliases"]):
                value = row.get(key)
                if value is not None:
                    values[f.name] = float(value)  # type: ignore[arg-type]
                    break
        return cls(**values)


#: Every stored key (aliases included, in field order): (unit, meaning).
METRICS: dict[str, tuple[str, str]] = {
    key: (f.metadata["unit"], f.metadata["meaning"])
    for f in fields(DayMetrics)
    for key in (f.metadata["key"], *f.metadata["aliases"])
}

_KEY_BY_FIELD = {f.name: f.metadata["key"] for f in fields(DayMetrics)}


def metric_key(name: str) -> str:
    """The stored key of field `name` (e.g. "walking_min" → "G6.walking_min"); a column to read."""
    try:
        return _KEY_BY_FIELD[name]
    except KeyError:
        raise ValueError(f"no daily metric named {name!r}; see processing/metrics.py") from None

"""The daily metrics' one shape: stored keys, older names, unknown values."""

from __future__ import annotations

import math

import pytest

from backcoach.processing.metrics import METRICS, DayMetrics, metric_key
from backcoach.processing.types import DaySummary


def test_a_row_round_trips_with_g7s_older_names_written_beside():
    """`as_row` writes the stored keys (G7's load and ratio under both names) and leaves
    unknown values out; `from_row` reads them back equal."""
    m = DayMetrics(sitting_min=65, load=7.0, acwr=1.2)
    row = m.as_row()
    assert row == {"G1.sitting_min": 65.0, "G7.load": 7.0, "load": 7.0, "G7.acwr": 1.2, "acwr": 1.2}
    assert DayMetrics.from_row(row) == m
    assert DayMetrics.from_row({"load": 3.0}).load == 3.0  # a row with the bare name only


def test_every_field_has_one_documented_key():
    assert metric_key("walking_min") == "G6.walking_min"
    assert len(METRICS) == len(DayMetrics.__dataclass_fields__) + 2  # + G7's two older names
    with pytest.raises(ValueError, match="walkin_min"):
        metric_key("walkin_min")


def test_a_misspelt_key_fails_loud_instead_of_reading_nan():
    with pytest.raises(ValueError, match="G6.walkin_min"):
        DaySummary("2026-03-02", {"G6.walkin_min": 30.0})
    assert math.isnan(DaySummary("2026-03-02", {"G6.walking_min": 30.0}).metrics.steps)

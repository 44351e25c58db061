"""The InfluxDB schema without a server: line protocol text, exact times, escaping, the outbox."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcoach.processing.types import DiaryEntry, Event, Samples
from backcoach.storage import influx_schema as sch
from backcoach.storage.drainer import backoff_s
from backcoach.storage.outbox import Outbox

TAGS = sch.Tags(wearer="me", sensor="AA:BB", model="open", placement="lower_back")


def test_a_point_is_written_by_hand_exactly():
    """One epoch, its line worked out by hand."""
    cols = {
        "posture": np.array([1], np.int64),
        "trunk_deg": np.array([12.5], np.float32),
        "steps": np.array([0], np.int64),
    }
    (body, n), *rest = sch.encode_columns(TAGS.prefix("epoch"), cols, np.array([1_500_000_000]))
    assert rest == [] and n == 1
    assert body == (
        "epoch,model=open,placement=lower_back,sensor=AA:BB,wearer=me "
        "posture=1i,trunk_deg=12.5,steps=0i 1500000000\n"
    )


def test_nan_fields_are_left_out_of_their_rows_only():
    """A NaN angle drops that field from that line; the other lines keep it."""
    cols = {"posture": np.array([1, 2]), "trunk_deg": np.array([np.nan, 3.0], np.float32)}
    bodies = [b for b, _ in sch.encode_columns("epoch", cols, np.array([10, 20]))]
    lines = sorted("".join(bodies).splitlines())
    assert lines == ["epoch posture=1i 10", "epoch posture=2i,trunk_deg=3.0 20"]


def test_tags_and_strings_are_escaped():
    """Spaces, commas and equals in tags; quotes and backslashes in strings; newlines kept."""
    tags = sch.Tags(wearer="Jan de Vries", sensor="a,b=c")
    line = sch.diary_line(tags, DiaryEntry("2024-01-02", 3, note='say "hi" \\ now\nok'))
    assert line.startswith(
        r"diary,model=unknown,placement=unknown,sensor=a\,b\=c,wearer=Jan\ de\ Vries "
    )
    assert r'note="say \"hi\" \\ now' + '\nok"' in line
    assert line.endswith(f" {1704153600 * sch.NS}")


def test_an_event_is_one_point_at_its_start_with_type_as_tag():
    e = Event("lift", 100.5, 104.0, peak_deg=55.0, style="back", attrs={"over_45_s": 1.5})
    line = sch.event_line(TAGS, e)
    assert line.startswith(
        "event,model=open,placement=lower_back,sensor=AA:BB,type=lift,wearer=me "
    )
    assert "duration_s=3.5" in line and 'style="back"' in line and "attr_over_45_s=1.5" in line
    assert line.endswith(" 100500000000")


def test_non_finite_values_travel_in_a_json_field():
    line = sch.point("summary", {"a": 1.0, "b": math.nan, "c": math.inf}, 0)
    assert line == (
        'summary a=1.0,nonfinite="{\\"b\\": \\"nan\\", \\"c\\": \\"inf\\"}",'
        'fields="[\\"a\\", \\"nonfinite\\"]" 0'
    )


def test_fields_an_earlier_write_left_are_ignored():
    """InfluxDB merges a rewrite field by field; `fields` says what the last write held."""
    row = {"time": 5, "type": "lift", "end_s": 9.0, "attr_drop_m": 0.3, "fields": '["end_s"]'}
    assert sch.fresh(row) == {"time": 5, "type": "lift", "end_s": 9.0}


def test_a_percent_sign_in_a_tag_survives_the_template():
    tags = sch.Tags(wearer="100% me")
    cols = {"posture": np.array([1, 2])}
    body = "".join(b for b, _ in sch.encode_columns(tags.prefix("epoch"), cols, np.array([1, 2])))
    assert body.count("wearer=100%\\ me posture=") == 2


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=1e8, max_value=4e9, allow_nan=False))
def test_times_survive_the_trip_to_nanoseconds_exactly(t):
    """A rewrite must hit the same point, so seconds → ns → seconds is the identity.

    It holds wherever a double's spacing exceeds 1 ns: Unix times after mid-February 1970.
    """
    assert float(sch.from_ns(sch.to_ns(t))) == t


def test_downsampling_averages_fixed_bins_of_absolute_time():
    """0.2 s bins on the clock, not on the block: two blocks give the points one block gives."""
    t = 1000.0 + np.arange(100) / 50.0  # 2 s at 50 Hz
    acc = np.zeros((100, 3), np.float32)
    acc[:, 0] = np.arange(100)
    cols, t_ns = sch.samples_columns(Samples(t, acc), "downsampled")
    assert len(t_ns) == 10
    assert cols["x_g"][0] == pytest.approx(4.5)  # mean of 0..9
    assert np.all(cols["n"] == 10)
    assert t_ns[1] - t_ns[0] == 200_000_000
    split = [
        sch.samples_columns(Samples(t[a:b], acc[a:b]), "downsampled")[1]
        for a, b in ((0, 50), (50, 100))
    ]
    np.testing.assert_array_equal(np.concatenate(split), t_ns)
    assert sch.samples_columns(Samples(t, acc), "off")[1].size == 0


def test_bodies_are_capped_so_requests_stay_small():
    n = sch.POINTS_PER_BODY * 2 + 7
    cols = {"posture": np.ones(n, np.int64)}
    counts = [k for _, k in sch.encode_columns("epoch", cols, np.arange(n))]
    assert counts == [sch.POINTS_PER_BODY, sch.POINTS_PER_BODY, 7]


def test_the_outbox_keeps_order_survives_reopening_and_sets_rejects_aside(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    box.put("epoch", [("a 1", 1), ("b 2", 1), ("c 3", 1)])
    box.close()
    box = Outbox(tmp_path / "outbox.sqlite")
    first = box.take(max_points=2)
    assert [b.body for b in first] == ["a 1", "b 2"]
    box.reject([first[1].id], "HTTP 400")
    box.ack([first[0].id])
    assert box.backlog().points == 1 and box.backlog().rejected == 1
    assert [b.body for b in box.take()] == ["c 3"]
    assert box.retry_rejected() == 1
    assert [b.body for b in box.take()] == ["b 2", "c 3"]  # back in its place, by id


def test_back_off_doubles_up_to_half_a_minute():
    assert [backoff_s(i) for i in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert backoff_s(50) == 30.0

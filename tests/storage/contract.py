"""The `Store` contract as a test mixin, run on every store (SQLite, InfluxDB v1 and v2 paths).

Use it by subclassing and providing a `store_factory` fixture: a callable that opens the store
on this test's (initially empty) data; calling it again opens the same data again.

    class TestMyStoreContract(StoreContract):
        @pytest.fixture
        def store_factory(self, tmp_path):
            return lambda: MyStore(tmp_path / "data")

Raw samples must come back to a milli-g at full resolution, so InfluxDB runs it with raw="full".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from backcoach.dashboard.export import write_export
from backcoach.processing.days import day_bounds
from backcoach.processing.types import (
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Provenance,
    Samples,
)
from backcoach.storage.base import ALL_DAYS, ALL_TIME_S, Store

DAY = "2023-11-15"
T0, T_END = day_bounds(DAY, "UTC")  # contract stores use the UTC time zone
RAW_ATOL_G = 0.001


def make_epochs(n: int, t0: float = T0, seed: int = 0) -> Epochs:
    rng = np.random.default_rng(seed)
    trunk = rng.normal(10, 20, n)
    trunk[::97] = np.nan  # no angle while the sensor was still settling
    return Epochs(
        t_s=t0 + np.arange(n, dtype=float),
        posture=rng.integers(0, 6, n),
        trunk_deg=trunk,
        side_deg=rng.normal(0, 5, n),
        activity_g=rng.random(n),
        steps=rng.integers(0, 3, n),
    )


def make_events(t0: float = T0) -> list[Event]:
    return [
        Event("sitting_bout", t0 + 0.0, t0 + 1800.0),
        Event("bend", t0 + 1805.25, t0 + 1809.5, peak_deg=72.5, attrs={"over_60_s": 1.25}),
        Event("lift", t0 + 1900.0, t0 + 1904.0, peak_deg=55.0, style="back"),
        Event("walk", t0 + 2000.0, t0 + 2300.0, steps=540, attrs={"cadence_spm": 108.0}),
    ]


def make_samples(seconds: float, t0: float = T0, fs_hz: float = 50.0, seed: int = 1) -> Samples:
    rng = np.random.default_rng(seed)
    n = int(seconds * fs_hz)
    return Samples(t0 + np.arange(n) / fs_hz, rng.normal(0, 0.5, (n, 3)))


def assert_epochs_equal(got: Epochs, want: Epochs) -> None:
    assert len(got) == len(want)
    for name in Epochs.column_names():
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


class StoreContract:
    """What every store must do; subclasses provide `store_factory`."""

    @pytest.fixture
    def store(self, store_factory: Callable[[], Store]) -> Iterator[Store]:
        s = store_factory()
        yield s
        s.close()

    def test_it_is_a_store(self, store):
        """The object honours the Store protocol's method names."""
        assert isinstance(store, Store)

    def test_an_empty_store_reads_empty(self, store):
        """Reads on nothing give empty, typed results."""
        assert len(store.read_epochs(T0, T_END)) == 0
        assert len(store.read_samples(T0, T_END)) == 0
        assert store.read_events(T0, T_END) == []
        assert store.read_summaries(DAY, DAY) == []
        assert store.read_warnings(T0, T_END) == []
        assert store.read_diary(DAY, DAY) == []
        assert store.data_range() is None

    def test_epochs_come_back_exactly_and_only_inside_the_range(self, store):
        """Epochs, NaN angles included, read back bit for bit; the range is half-open."""
        epochs = make_epochs(600)
        store.write_epochs(epochs)
        assert_epochs_equal(store.read_epochs(T0, T0 + 600), epochs)
        assert_epochs_equal(
            store.read_epochs(T0 + 100, T0 + 200), epochs.between(T0 + 100, T0 + 200)
        )
        assert store.data_range() == (T0, T0 + 599)

    def test_events_come_back_with_their_attributes(self, store):
        """Every field of an event survives, and overlap and type filters select correctly."""
        events = make_events()
        store.write_events(events)
        assert store.read_events(T0, T_END) == events
        assert store.read_events(T0 + 1806, T0 + 1807) == [events[1]]
        overlapping = store.read_events(T0 + 1700, T0 + 1806)
        assert overlapping == [events[0], events[1]]
        assert store.read_events(T0, T_END, types=["lift", "walk"]) == events[2:]

    def test_a_summary_keeps_the_version_and_settings_that_made_it(self, store):
        """Provenance round-trips; a summary stored without any reads as not known."""
        made = Provenance("0.2.0", "0123456789ab")
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}, made))
        store.write_summary(DaySummary("2023-11-14", {"G1.sitting_min": 2.0}))
        old, new = store.read_summaries("2023-11-01", DAY)
        assert new.provenance == made and not old.provenance.known

    def test_non_finite_figures_survive(self, store):
        """NaN in a summary metric or an event attribute is kept, not dropped or zeroed."""
        store.write_summary(
            DaySummary(DAY, {"G1.longest_sitting_bout_min": 42.5, "G7.acwr": math.nan})
        )
        store.write_events([Event("bend", T0 + 5, T0 + 7, peak_deg=30.0, attrs={"x": math.nan})])
        (summary,) = store.read_summaries(DAY, DAY)
        assert summary.metrics.longest_sitting_bout_min == 42.5
        assert math.isnan(summary.metrics.acwr)
        (event,) = store.read_events(T0, T_END)
        assert math.isnan(event.attrs["x"])

    def test_summaries_warnings_and_diary_round_trip(self, store):
        """Per-day rows and warnings come back equal: a warning's variant, figures (text with
        quotes and newlines intact) and note."""
        summaries = [
            DaySummary("2023-11-14", {"G1.sitting_min": 1.0}),
            DaySummary(DAY, {"G1.sitting_min": 2.5}),
        ]
        for s in summaries:
            store.write_summary(s)
        warnings = [
            OverloadWarning(T0 + 60, "G4", 2.0, "deep", {"deg": 60.0, "seconds": 2.0}, "memory"),
            OverloadWarning(T0 + 60, "G7", 1.6, "spike", {"day": 'a "b"\nc', "ratio": 1.6}),
        ]
        store.write_warnings(warnings)
        entry = DiaryEntry(DAY, pain=4, note='stiff, "a bit"\nbetter = later', water=True)
        store.write_diary(entry)
        assert store.read_summaries("2023-11-01", "2023-11-30") == summaries
        assert store.read_summaries(DAY, DAY) == summaries[1:]
        assert store.read_warnings(T0, T_END) == warnings
        assert store.read_diary(DAY, DAY) == [entry]
        store.delete_diary(DAY)
        assert store.read_diary(DAY, DAY) == []

    def test_raw_samples_come_back_to_a_milli_g(self, store):
        """Raw acceleration at full resolution: every sample, times and values."""
        samples = make_samples(120)
        for a in range(0, len(samples), 500):  # 10 s chunks, as LiveRun writes them
            store.write_samples(Samples(samples.t_s[a : a + 500], samples.acc_g[a : a + 500]))
        back = store.read_samples(T0, T0 + 60)
        want = samples.t_s < T0 + 60
        assert len(back) == int(want.sum())
        np.testing.assert_allclose(back.t_s, samples.t_s[want], atol=1e-4)
        np.testing.assert_allclose(back.acc_g, samples.acc_g[want], atol=RAW_ATOL_G)

    def test_writing_twice_overwrites(self, store):
        """The same data written twice (a retry) reads back once."""
        epochs, events = make_epochs(300), make_events()
        warning = OverloadWarning(T0 + 1, "G1", 31.0)
        for _ in range(2):
            store.write_epochs(epochs)
            store.write_events(events)
            store.write_warnings([warning])
            store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}))
        assert_epochs_equal(store.read_epochs(T0, T_END), epochs)
        assert store.read_events(T0, T_END) == events
        assert store.read_warnings(T0, T_END) == [warning]
        assert len(store.read_summaries(DAY, DAY)) == 1

    def test_a_changed_rewrite_replaces_the_old_values_entirely(self, store):
        """A rewrite with fewer attributes or metrics, or with a NaN, leaves nothing stale."""
        first = Event("lift", T0 + 10, T0 + 14, peak_deg=50.0, style="back", attrs={"drop_m": 0.3})
        second = Event("lift", T0 + 10, T0 + 15, peak_deg=52.0)
        store.write_events([first])
        store.write_events([second])
        assert store.read_events(T0, T_END) == [second]
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0, "G2.longest_static_min": 2.0}))
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 3.0}))
        assert store.read_summaries(DAY, DAY) == [DaySummary(DAY, {"G1.sitting_min": 3.0})]
        epochs = make_epochs(10)
        store.write_epochs(epochs)
        changed = Epochs(**{**epochs.columns(), "trunk_deg": np.full(10, np.nan)})
        store.write_epochs(changed)
        assert_epochs_equal(store.read_epochs(T0, T_END), changed)
        store.write_epochs(epochs)
        assert_epochs_equal(store.read_epochs(T0, T_END), epochs)

    def test_a_rewrite_that_keeps_raw_replaces_only_what_was_derived(self, store):
        """`rewrite(raw=False)` (time filled in afterwards): streamed raw samples stay as they
        were, the range's epochs, events and warnings are replaced, new raw is added."""
        whole = make_samples(40, t0=T0 + 100)
        out = (whole.t_s > T0 + 120) & (whole.t_s < T0 + 130)
        streamed = Samples(whole.t_s[~out], whole.acc_g[~out])
        store.write_samples(streamed)  # one chunk across the hole, as a live run may write it
        store.write_epochs(make_epochs(60, t0=T0 + 100))
        store.write_events([Event("gap", T0 + 120, T0 + 130, attrs={"samples_lost": 499.0})])
        store.write_warnings([OverloadWarning(T0 + 125, "G1", 31.0)])
        filled = make_samples(10, t0=T0 + 120.02, fs_hz=25.0, seed=2)
        with store.rewrite(T0 + 110, T0 + 160, raw=False):
            store.write_samples(filled)
            store.write_epochs(make_epochs(50, t0=T0 + 110, seed=3))
            store.write_events([Event("memory", T0 + 120.02, T0 + 130, attrs={"samples": 250.0})])
        raw = store.read_samples(T0, T_END)
        assert len(raw) == len(streamed) + len(filled)
        np.testing.assert_allclose(raw.t_s, np.sort(np.r_[streamed.t_s, filled.t_s]))
        assert_epochs_equal(
            store.read_epochs(T0, T_END).between(T0 + 110, T0 + 160),
            make_epochs(50, t0=T0 + 110, seed=3),
        )
        assert [e.type for e in store.read_events(T0, T_END)] == ["memory"]
        assert store.read_warnings(T0, T_END) == []

    def test_status_keeps_the_latest_value(self, store):
        """Status is a key-value view: a new value replaces the old one."""
        store.write_status("collector.posture", "sitting")
        store.write_status("collector.battery", "80")
        store.write_status("collector.posture", "walking")
        status = store.read_status()
        assert status["collector.posture"] == "walking"
        assert status["collector.battery"] == "80"

    def test_delete_range_removes_only_that_range(self, store):
        """Deleting an hour keeps everything around it and reports what it removed."""
        epochs = make_epochs(3 * 3600, t0=T0)
        store.write_epochs(epochs)
        store.write_events([Event("bend", T0 + 3700, T0 + 3705, peak_deg=40.0)])
        store.write_events([Event("bend", T0 + 10, T0 + 15, peak_deg=40.0)])
        store.write_warnings([OverloadWarning(T0 + 3601, "G1", 31.0)])
        store.write_samples(make_samples(20, t0=T0 + 3600))
        removed = store.delete_range(T0 + 3600, T0 + 7200)
        assert removed >= 3600 + 1 + 1
        left = store.read_epochs(T0, T_END)
        assert len(left) == 2 * 3600
        assert not np.any((left.t_s >= T0 + 3600) & (left.t_s < T0 + 7200))
        assert [e.start_s for e in store.read_events(T0, T_END)] == [T0 + 10]
        assert store.read_warnings(T0, T_END) == []
        assert len(store.read_samples(T0, T_END)) == 0

    def test_deleting_a_whole_day_deletes_its_summary(self, store):
        """A summary goes with its day, but not when only part of the day is deleted."""
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}))
        store.delete_range(T0 + 60, T_END)
        assert len(store.read_summaries(DAY, DAY)) == 1
        store.delete_range(T0, T_END)
        assert store.read_summaries(DAY, DAY) == []

    def test_data_survives_closing_and_reopening(self, store_factory):
        """What was written is there for the next process."""
        first = store_factory()
        first.write_epochs(make_epochs(120))
        first.write_diary(DiaryEntry(DAY, pain=2))
        first.close()
        again = store_factory()
        try:
            assert len(again.read_epochs(T0, T_END)) == 120
            assert again.read_diary(DAY, DAY) == [DiaryEntry(DAY, pain=2)]
        finally:
            again.close()

    def test_the_widest_ranges_callers_pass_are_read(self, store):
        """Every day and every second (0001-9999; export, sync) read on empty and full stores."""
        lo, hi = ALL_TIME_S
        assert len(store.read_epochs(lo, hi)) == 0
        assert len(store.read_samples(lo, hi)) == 0
        assert store.read_events(lo, hi) == store.read_warnings(lo, hi) == []
        assert store.read_summaries(*ALL_DAYS) == store.read_diary(*ALL_DAYS) == []
        epochs, events = make_epochs(120), make_events()
        store.write_epochs(epochs)
        store.write_events(events)
        store.write_samples(make_samples(10))
        store.write_warnings([OverloadWarning(T0 + 60, "G1", 31.0)])
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}))
        store.write_diary(DiaryEntry(DAY, pain=1))
        assert_epochs_equal(store.read_epochs(lo, hi), epochs)
        assert len(store.read_samples(lo, hi)) == 500
        assert store.read_events(lo, hi) == events
        assert len(store.read_warnings(lo, hi)) == 1
        assert len(store.read_summaries(*ALL_DAYS)) == len(store.read_diary(*ALL_DAYS)) == 1

    @pytest.mark.parametrize("fmt", ["csv", "parquet"])
    def test_export_writes_every_table_from_the_store(self, store, tmp_path, fmt):
        """`backcoach export` and the Settings download: every table, month by month, in a zip."""
        import zipfile

        import pandas as pd

        epochs = make_epochs(600)
        store.write_epochs(epochs)
        store.write_epochs(make_epochs(60, t0=T0 + 40 * 86400))  # a later month, too
        store.write_events(make_events())
        store.write_samples(make_samples(10))
        store.write_warnings([OverloadWarning(T0 + 60, "G1", 31.0, "sitting", {"minutes": 31.0})])
        store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}))
        store.write_diary(DiaryEntry(DAY, pain=1))
        out = tmp_path / f"export.{fmt}.zip"
        rows = write_export(store, out, fmt=fmt, raw=True)
        want = {"epochs": 660, "events": 4, "summaries": 1, "warnings": 1, "diary": 1, "raw": 500}
        assert rows == want
        read = pd.read_csv if fmt == "csv" else pd.read_parquet
        with zipfile.ZipFile(out) as zf:
            assert sorted(zf.namelist()) == sorted(f"{n}.{fmt}" for n in want)
            ep = read(zf.open(f"epochs.{fmt}"))
            ev = read(zf.open(f"events.{fmt}"))
        assert list(ep.columns) == [
            "time", "posture", "trunk_angle", "side_angle", "activity", "steps"
        ]  # fmt: skip
        np.testing.assert_array_equal(ep["time"].to_numpy()[:600], epochs.t_s)
        assert ev["type"].tolist() == [e.type for e in make_events()]
        assert ev["over_60_s"].iloc[1] == 1.25 and ev["steps"].iloc[3] == 540

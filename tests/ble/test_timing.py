"""Sample-time reconstruction: drift correction, loss accounting, sensors without counters."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.collector.ble_timing import SampleClock

RATE = 100.0
N = 10  # samples per packet


def _stream(clock: SampleClock, *, ppm: float, seconds: float, timed: bool, drop=(), seed=0):
    """Feed packets whose arrival is true time + random delivery delay; return truth and times."""
    rng = np.random.default_rng(seed)
    true_t, got_t, lost = [], [], 0
    host0 = 1.7e9
    for k in range(int(seconds * RATE / N)):
        idx = k * N + np.arange(N)
        t_true = host0 + idx / RATE  # when each sample was taken, host clock
        sensor_s = 5.0 + idx[0] / RATE * (1 + ppm * 1e-6)  # the sensor's drifting clock
        if k in drop:
            continue
        rx = t_true[-1] + 0.008 + rng.exponential(0.02)
        placed = clock.place(N, rx, sensor_s if timed else None)
        lost += placed.lost_samples
        true_t.append(t_true)
        got_t.append(placed.t_s)
    return np.concatenate(true_t), np.concatenate(got_t), lost


def test_drifting_sensor_clock_is_mapped_to_host_time_within_a_few_ms() -> None:
    """A crystal 80 ppm fast, 10 minutes, jittery delivery: error stays under 12 ms."""
    truth, got, lost = _stream(SampleClock(RATE), ppm=80, seconds=600, timed=True)
    err = got - truth
    assert lost == 0
    assert np.all(np.diff(got) > 0)
    # the offset is learnt from the fastest deliveries (~8 ms), so a constant bias remains
    assert np.max(np.abs(err[-30000:])) < 0.012
    assert np.ptp(err[-30000:]) < 0.005, "drift left uncorrected"


def test_lost_packets_are_counted_exactly_and_reported_as_a_gap() -> None:
    clock = SampleClock(RATE)
    truth, got, lost = _stream(clock, ppm=0, seconds=30, timed=True, drop={50, 51, 52})
    assert lost == 3 * N
    assert clock.lost_samples == 3 * N
    assert got.shape[0] == truth.shape[0]
    assert np.max(np.abs(got - truth)) < 0.05


def test_sensor_without_counters_sees_long_gaps_from_arrival_times() -> None:
    """Two seconds missing (20 packets) are found from the late arrival; jitter is not a gap."""
    clock = SampleClock(RATE)
    truth, got, lost = _stream(clock, ppm=0, seconds=60, timed=False, drop=set(range(100, 120)))
    assert lost == 20 * N
    assert np.max(np.abs(got - truth)) < 0.06


def test_a_gap_has_the_host_times_around_it() -> None:
    clock = SampleClock(50.0)
    clock.place(5, 100.0, 0.0)
    placed = clock.place(5, 100.5, 0.5)  # 0.1 s .. 0.5 s missing: 20 samples
    assert placed.lost_samples == 20
    assert placed.gap_start_s < placed.gap_end_s
    assert abs((placed.gap_end_s - placed.gap_start_s) - 21 / 50.0) < 1e-6


def test_a_restarted_sensor_clock_restarts_the_mapping_and_estimates_the_gap() -> None:
    """The sensor reboots (its time goes back to 0) while 2 s pass on the host."""
    clock = SampleClock(50.0)
    clock.place(10, 1000.2, 500.0)
    clock.place(10, 1000.4, 500.2)
    placed = clock.place(10, 1002.6, 0.0)
    assert placed.restarted
    assert np.all(placed.t_s > 1000.4)
    assert abs(placed.t_s[-1] - 1002.6) < 1e-6
    # the last sample before: host 1000.4; the first after: 1002.6 - 9/50 = 1002.42;
    # 2.02 s apart = 101 periods, so 100 samples are missing
    assert placed.lost_samples == 100
    assert placed.gap_start_s is not None and placed.gap_end_s == placed.t_s[0]


def test_a_restart_the_caller_saw_is_a_restart_even_when_the_new_clock_reads_later():
    """A rebooted sensor whose fresh clock happens to be ahead: the counter says it restarted."""
    clock = SampleClock(50.0)
    for i in range(10):  # 1 s of 5-sample frames, sensor time 0.0 .. 0.98 s
        clock.place(5, 1000.0 + (i + 1) * 0.1, first_sensor_s=i * 0.1)
    # 3 s later on the host, the new sensor clock reads 1.1 s: only 0.1 s "later" on its own
    placed = clock.place(5, 1004.1, first_sensor_s=1.1, restart=True)
    assert placed.restarted
    assert 140 <= placed.lost_samples <= 160  # about 3 s at 50 Hz, from the host clock
    assert placed.t_s[0] > 1003.9


def _night(sensor_leap_s: float, host_leap_s: float, late_s: float):  # noqa: ANN202
    """5 min of 10-sample packets at 50 Hz (a crystal 40 ppm fast), then the sensor's clock
    leaps `sensor_leap_s` while the host's leaps `host_leap_s`; packets after it arrive up to
    `late_s` late (a loaded machine). Returns the clock and the first packet after the leap."""
    clock = SampleClock(50.0)
    rng = np.random.default_rng(3)
    first = None
    for k in range(1500 + 30):
        after = k >= 1500
        sensor_s = 1000.0 + k * 0.2 * (1 + 40e-6) + (sensor_leap_s if after else 0.0)
        rx = 1.7e9 + k * 0.2 + 0.19 + rng.exponential(late_s if after else 0.01)
        placed = clock.place(10, rx + (host_leap_s if after else 0.0), sensor_s)
        if after and first is None:
            first = placed
    return clock, first


def test_a_night_out_of_range_keeps_the_gap_on_the_sensor_clock() -> None:
    """10 h away (beyond RESYNC_S) with the sensor's clock running on: the mapping starts
    afresh, but the gap keeps both ends on the sensor clock (a log with that clock is read by
    them, not through a fresh fit extrapolated over ten hours) and the loss is counted exactly."""
    night = 10 * 3600.0
    _clock, placed = _night(night, night, late_s=1.0)
    assert not placed.restarted
    before = 1000.0 + 1499 * 0.2 * (1 + 40e-6) + 9 * 0.02  # the last sample before the gap
    after = 1000.0 + 1500 * 0.2 * (1 + 40e-6) + night  # the first after it
    assert placed.gap_sensor_s == pytest.approx((before, after), abs=1e-6)
    assert placed.lost_samples == round(night * 50)
    assert placed.gap_end_s - placed.gap_start_s == pytest.approx(night, abs=3.0)


def test_a_sensor_clock_that_leaps_alone_still_restarts_the_mapping() -> None:
    """The sensor's clock leaps 2 h while 2 s pass on the host: a reset, not a night away."""
    _clock, placed = _night(2 * 3600.0, 2.0, late_s=0.01)
    assert placed.restarted and placed.gap_sensor_s is None
    assert 90 <= placed.lost_samples <= 110  # about 2 s at 50 Hz, from the host clock


def _jump(clock: SampleClock, host_jump_s: float, sensor_jump_s: float, timed: bool):
    """60 s of packets, then the host clock (and the sensor's) jump, then 60 s more."""
    got, lost = [], 0
    for k in range(2 * int(60 * RATE / N)):
        after = k >= 60 * RATE / N
        sensor_s = 5.0 + k * N / RATE + (sensor_jump_s if after else 0.0)
        rx = 1.7e9 + (k + 1) * N / RATE + 0.01 + (host_jump_s if after else 0.0)
        placed = clock.place(N, rx, sensor_s if timed else None)
        got.append(placed.t_s)
        lost += placed.lost_samples
    return np.concatenate(got), lost


def test_a_host_clock_that_goes_back_keeps_the_samples_apart() -> None:
    """NTP steps the clock back 30 s: times stay one period apart instead of piling up."""
    for timed in (True, False):
        clock = SampleClock(RATE)
        got, lost = _jump(clock, -30.0, 0.0, timed)
        assert lost == 0 and clock.host_back_s == pytest.approx(30.0, abs=0.1)
        np.testing.assert_allclose(np.diff(got), 1 / RATE, atol=2e-4)


def test_a_laptops_sleep_is_a_gap_of_its_length() -> None:
    """Host and sensor clock both run on for an hour while the host sleeps: one gap, no shift."""
    clock = SampleClock(RATE)
    got, lost = _jump(clock, 3000.0, 3000.0, timed=True)
    assert lost == 3000 * RATE and clock.host_back_s == 0.0
    gap = np.diff(got).max()
    assert gap == pytest.approx(3000.0 + 1 / RATE, abs=0.05)

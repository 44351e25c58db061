"""A host-clock time for every sample, from the sensor's own counters; lost samples become gaps.

Why not stamp samples with their arrival time: BLE delivers notifications in bursts (connection
intervals, retries), so arrival times jitter by tens of milliseconds and bunch up, while the
sensor samples at a steady rate on its own crystal. So each sample gets a time on the SENSOR
clock — from the frame's timestamp where the sensor sends one (open, polar), else by counting
samples at the configured rate (witmotion, thingy) — and that clock is mapped to the host clock.

The mapping (drift correction):
1. For every packet, offset = arrival time − sensor time of its last sample. Delivery only ever
   delays, so the smallest offsets are the truest.
2. Offsets are kept as the minimum per `BUCKET_S` of sensor time; with a few buckets a line is
   fitted through the minima of the last `FIT_BUCKETS`, which follows a crystal running fast
   or slow (tens of ppm) as well as a slowly wandering offset.
3. Host time = sensor time + fitted offset at that sensor time; times never go backwards.

Loss: a frame whose first sample is later than the next expected one by more than half a
sample period lost the samples in between. A sensor clock that goes backwards (or leaps by
more than `RESYNC_S`) was restarted: the mapping starts afresh and the loss is estimated from
the host clock. A leap that the host clock saw pass as well (within `CLOCK_BACK_S` plus
`RAN_ON_PPM`) is a long gap of a clock that ran on (a night out of range): the mapping still
starts afresh (its fit is hours old), but the loss is counted from the sensor's times and the
gap keeps both ends on the sensor clock, so a log with that clock is read by its own times
instead of through a fresh fit extrapolated over hours. They are counted and reported as a
gap, never filled here. Without sensor times, loss can be seen only from arrival times: a
packet later than the model expects by more than `ARRIVAL_GAP_S` (beyond the usual delivery
delay) is a gap of that many whole packets — an estimate, where counted sensors are exact.

The host clock itself may jump. Forward (a laptop's sleep: the sensor's clock ran on too) is a
gap like any other. Back (NTP stepping a fast clock after a resume) would make packets arrive
before they were sent: a packet more than `CLOCK_BACK_S` earlier than the mapping allows is
taken as the host clock having gone back, and the mapping keeps the sensor's timeline (times
stay continuous, offset by that step until the session ends) instead of squeezing every
sample after it onto the last time placed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np

log = logging.getLogger(__name__)

BUCKET_S = 10.0  # sensor seconds per minimum-offset bucket
FIT_BUCKETS = 30  # buckets (5 min) in the drift fit
ARRIVAL_GAP_S = 0.3  # lateness that means lost samples, for sensors without counters
RESYNC_S = 3600.0  # a sensor clock jump larger than this (or backwards) restarts the mapping
CLOCK_BACK_S = 2.0  # a packet this much earlier than possible: the host clock went back
RAN_ON_PPM = 1000.0  # a leap within this of the host's elapsed time: the sensor's clock ran on


@dataclass(frozen=True, slots=True)
class Placed:
    """Host times of one frame's samples, and the loss found just before them."""

    t_s: np.ndarray
    lost_samples: int = 0
    gap_start_s: float | None = None  # host time of the last sample before the gap
    gap_end_s: float | None = None  # host time of the first sample after it
    restarted: bool = False  # the sensor's clock restarted: its counters start afresh too
    #: sensor-clock times of those two samples: where a sensor's own log can fill the gap in
    gap_sensor_s: tuple[float, float] | None = None


class SampleClock:
    """Maps frames to host times; keeps its state across reconnects so a session resumes."""

    def __init__(self, rate_hz: float) -> None:
        if rate_hz <= 0:
            raise ValueError(f"rate_hz must be positive, got {rate_hz}")
        self.rate_hz = float(rate_hz)
        self._next_sensor_s: float | None = None  # expected sensor time of the next sample
        self._last_t_s: float | None = None  # host time of the last sample placed
        self._buckets: dict[int, float] = {}  # bucket index → minimum offset
        self._fit: tuple[float, float] = (0.0, 0.0)  # offset = a + b * sensor_s
        self._origin_s = 0.0  # sensor time origin of the fit (keeps numbers small)
        self._usual_late_s = 0.0  # typical delivery delay above the fastest (counted sensors)
        self.samples = 0
        self.lost_samples = 0
        self.host_back_s = 0.0  # how far the host clock went back during the session (added)

    def place(
        self, n: int, rx_s: float, first_sensor_s: float | None = None, *, restart: bool = False
    ) -> Placed:
        """Host times for `n` samples that arrived at host time `rx_s`.

        `restart` says the caller knows the sensor restarted (its packet counter went back).
        """
        period = 1.0 / self.rate_hz
        counted = first_sensor_s is None
        restarted = False
        rx_s += self.host_back_s
        if self._next_sensor_s is None:
            self._start(rx_s, n, first_sensor_s)
        elif restart or (
            not counted
            and not (
                self._next_sensor_s - 0.5 * period < first_sensor_s < self._next_sensor_s + RESYNC_S
            )
        ):
            ran_on = not restart and not counted and self._ran_on(rx_s, n, first_sensor_s)
            next_s = self._next_sensor_s
            self._start(rx_s, n, first_sensor_s)  # the sensor restarted (or reset) its clock
            if ran_on:  # ... or its clock ran on through a long gap: its times count the loss
                self._next_sensor_s = next_s
            else:
                restarted = True
        else:
            rx_s += self._host_went_back(rx_s, n, first_sensor_s)
        if counted:
            first_sensor_s = self._next_sensor_s
            late_s = float(rx_s - self._host(first_sensor_s + (n - 1) * period))
            if late_s > ARRIVAL_GAP_S + self._usual_late_s:
                # whole packets lost; the usual delivery delay is not part of the gap
                packets = round((late_s - self._usual_late_s) * self.rate_hz / n)
                first_sensor_s += packets * n * period
            else:
                self._usual_late_s += 0.05 * (max(late_s, 0.0) - self._usual_late_s)
        lost = max(int(round((first_sensor_s - self._next_sensor_s) * self.rate_hz)), 0)
        sensor_t = first_sensor_s + np.arange(n) * period
        self._learn(sensor_t[-1], rx_s)
        t = self._host(sensor_t)
        if restarted and self._last_t_s is not None:
            # the sensor's counters cannot say what was lost: estimate it from the host clock
            lost = max(int(round((t[0] - self._last_t_s) * self.rate_hz)) - 1, 0)
        placed = self._monotonic(t, lost, restarted)
        if placed.gap_start_s is not None and not restarted:
            before = self._next_sensor_s - period  # the sensor time of the last sample placed
            placed = replace(placed, gap_sensor_s=(before, float(sensor_t[0])))
        self._next_sensor_s = float(sensor_t[-1]) + period
        self.samples += n
        self.lost_samples += lost
        return placed

    def host_of(self, sensor_s: np.ndarray | float) -> np.ndarray:
        """Host times of sensor-clock times, as `place` gives them by the mapping as it stands."""
        return self._host(sensor_s)

    def sensor_of(self, host_s: float) -> float:
        """The sensor-clock time that maps to host time `host_s` (the inverse of `host_of`)."""
        a, b = self._fit
        return float((host_s - a + b * self._origin_s) / (1.0 + b))

    @property
    def started(self) -> bool:
        """Whether a packet has been placed yet (the mapping means something)."""
        return self._next_sensor_s is not None

    # -- internals -------------------------------------------------------------------------------
    def _ran_on(self, rx_s: float, n: int, first_sensor_s: float) -> bool:
        """Whether a leap of the sensor clock is the time the host clock saw pass too."""
        if self._last_t_s is None or first_sensor_s <= self._next_sensor_s:
            return False
        period = 1.0 / self.rate_hz
        sensor_gap = first_sensor_s - (self._next_sensor_s - period)
        host_gap = rx_s - (n - 1) * period - self._last_t_s
        return abs(host_gap - sensor_gap) <= CLOCK_BACK_S + RAN_ON_PPM * 1e-6 * sensor_gap

    def _host_went_back(self, rx_s: float, n: int, first_sensor_s: float | None) -> float:
        """How far the host clock stepped back just now (0 if not): added to arrival times."""
        first = self._next_sensor_s if first_sensor_s is None else first_sensor_s
        early = float(self._host(first + (n - 1) / self.rate_hz)) - rx_s
        if early <= CLOCK_BACK_S:
            return 0.0
        self.host_back_s += early
        log.warning(
            "the host clock went back by %.1f s; sample times stay on the sensor's timeline",
            early,
        )
        return early

    def _start(self, rx_s: float, n: int, first_sensor_s: float | None) -> None:
        """(Re)start the mapping at this packet: its last sample arrived just now."""
        first = 0.0 if first_sensor_s is None else first_sensor_s
        self._next_sensor_s = first
        self._origin_s = first
        self._buckets.clear()
        last = first + (n - 1) / self.rate_hz
        self._fit = (rx_s - last, 0.0)

    def _learn(self, sensor_last_s: float, rx_s: float) -> None:
        """Keep the minimum offset per bucket; refit the line when a bucket is complete."""
        offset = rx_s - sensor_last_s
        key = int((sensor_last_s - self._origin_s) // BUCKET_S)
        new_bucket = key not in self._buckets
        if offset < self._buckets.get(key, np.inf):
            self._buckets[key] = offset
        done = sorted(k for k in self._buckets if k != key)[-FIT_BUCKETS:]
        if len(done) < 3:  # too little history for a slope: the best offset seen so far
            self._fit = (min(self._buckets.values()), 0.0)
        elif new_bucket:
            self._buckets = {k: self._buckets[k] for k in [*done, key]}
            xs = (np.asarray(done, np.float64) + 0.5) * BUCKET_S
            slope, intercept = np.polyfit(xs, [self._buckets[k] for k in done], 1)
            self._fit = (float(intercept), float(slope))

    def _host(self, sensor_s: np.ndarray | float) -> np.ndarray:
        x = np.asarray(sensor_s, np.float64) - self._origin_s
        return np.asarray(sensor_s, np.float64) + self._fit[0] + self._fit[1] * x

    def _monotonic(self, t: np.ndarray, lost: int, restarted: bool) -> Placed:
        """Never let a refit move a sample before the previous one."""
        prev = self._last_t_s
        if prev is not None and t[0] <= prev:
            t = np.maximum(t, prev + np.arange(1, t.shape[0] + 1) * 1e-6)
        self._last_t_s = float(t[-1])
        if lost and prev is not None:
            return Placed(t, lost, prev, float(t[0]), restarted)
        return Placed(t, lost, restarted=restarted)

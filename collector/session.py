"""A live collecting session: one sensor link feeding the live path (`LiveRun`) and the store.

Why separate from `ble.py`: the link knows bytes and time; the session knows what the samples are
for. It batches samples into short chunks for the streaming pipeline (via `LiveRun`, which stores
raw samples, epochs, events and runs the `on_output` hooks such as the warnings engine), writes
each gap as a `gap` event, keeps the live status keys up to date, and offers `buzz()` to the
warnings' delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from backcoach.collector.ble import FoundSensor, LinkStats, SensorLink
from backcoach.config import Settings
from backcoach.processing.types import (
    Calibration,
    DaySummary,
    Event,
    OverloadWarning,
    PipelineOutput,
    Samples,
)
from backcoach.service import LiveRun
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

RAW_FLUSH_S = 0.5  # raw samples reach the store within a second of arriving (issue 7 goal)
CHUNK_S = 0.25  # wall seconds of samples handed to the pipeline at once (latency)
STATUS_S = 1.0  # wall seconds between status writes
RATE_WINDOW_S = 5.0  # the measured rate averages over this long
CALIBRATION_KEY = "calibration"  # status key holding the guided calibration as JSON

OutputHook = Callable[[PipelineOutput], list[OverloadWarning] | None]
DayHook = Callable[[DaySummary], list[OverloadWarning] | None]


@dataclass(frozen=True)
class SessionResult:
    """What a finished session did, for the terminal and tests."""

    session: str
    samples: int
    lost_samples: int
    lost_packets: int
    corrupt: dict[str, int]
    connects: int
    watchdog_trips: int
    battery: int | None


def load_calibration(store: Store) -> Calibration | None:
    """The guided calibration `backcoach calibrate` saved, if any."""
    raw = store.read_status().get(CALIBRATION_KEY)
    if not raw:
        return None
    try:
        d = json.loads(raw)
        return Calibration(tuple(d["up"]), tuple(d["forward"]), source="calibration")
    except (ValueError, KeyError, TypeError):
        log.warning("the saved calibration is unreadable; run `backcoach calibrate` again")
        return None


def save_calibration(store: Store, cal: Calibration) -> None:
    # saved_s: the dashboard's Settings page shows when the wearer calibrated
    saved = {"up": cal.up, "forward": cal.forward, "saved_s": time.time()}
    store.write_status(CALIBRATION_KEY, json.dumps(saved))


class CollectSession:
    """Samples from one sensor, through the live path, into the store, until stopped."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        found: FoundSensor,
        *,
        rate_hz: float | None = None,
        range_g: float | None = None,
        watchdog_s: float | None = None,
        acquire_notify: bool = False,
        on_output: list[OutputHook] | None = None,
        on_day: list[DayHook] | None = None,
        session: str = "",
    ) -> None:
        self.store = store
        self.found = found
        self.session = session or f"ble-{found.address}-{int(time.time())}"
        self.link = SensorLink(
            found,
            on_samples=self._on_samples,
            on_gap=self._on_gap,
            rate_hz=rate_hz,
            range_g=range_g,
            watchdog_s=watchdog_s or settings.sensor.watchdog_s,
            acquire_notify=acquire_notify,
        )
        self.live = LiveRun(
            settings,
            store,
            session=self.session,
            calibration=load_calibration(store),
            on_output=on_output,
            on_day=on_day,
            raw_flush_s=RAW_FLUSH_S,
        )
        self.on_output = self.live.on_output  # the warnings engine appends its hooks here
        self.on_day = self.live.on_day
        self._buffer: list[Samples] = []
        self._gaps: list[Event] = []
        self._rate: list[tuple[float, int]] = []  # (wall time, samples so far) for the rate
        self.rate_hz = 0.0  # samples per second received, over the last RATE_WINDOW_S
        self.stop_event = asyncio.Event()

    @property
    def stats(self) -> LinkStats:
        return self.link.stats

    async def run(self, duration_s: float | None = None) -> SessionResult:
        """Collect until `stop()` (or Ctrl-C cancels) or `duration_s` passed; flush everything."""
        link = asyncio.create_task(self.link.run(self.stop_event))
        deadline = None if duration_s is None else time.monotonic() + duration_s
        try:
            while not link.done():
                self._flush()
                self._status()
                if deadline is not None and time.monotonic() >= deadline:
                    self.stop_event.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop_event.wait(), CHUNK_S)
                if self.stop_event.is_set():
                    await link
        finally:
            self.stop_event.set()
            with contextlib.suppress(asyncio.CancelledError):
                await link
            self._flush()
            self.live.finish()
            self._status(force=True)
        return self.result()

    def stop(self) -> None:
        self.stop_event.set()

    async def buzz(self, duration_s: float = 0.5) -> bool:
        """Vibrate the sensor where it has a motor; a no-op (debug log) where it has none."""
        return await self.link.buzz(duration_s)

    def result(self) -> SessionResult:
        s = self.link.stats
        return SessionResult(
            self.session,
            s.samples,
            s.lost_samples,
            s.lost_packets,
            dict(s.corrupt),
            s.connects,
            s.watchdog_trips,
            s.battery,
        )

    # -- internals -------------------------------------------------------------------------------
    def _on_samples(self, samples: Samples) -> None:
        self._buffer.append(samples)

    def _on_gap(self, start_s: float, end_s: float, lost: int) -> None:
        log.info(
            "%s: %d samples lost (%.2f s), recorded as a gap",
            self.found.address,
            lost,
            end_s - start_s,
        )
        self._gaps.append(Event("gap", start_s, end_s, attrs={"samples_lost": float(lost)}))

    def _flush(self) -> None:
        """Hand buffered samples to the live path and write pending gaps."""
        if self._buffer:
            chunk = Samples.concat(self._buffer)
            self._buffer = []
            self.live.push(chunk)
        if self._gaps:
            self.live.write_events(self._gaps)  # through the live run's backlog: never lost
            self._gaps = []

    def _status(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._rate and now - self._rate[-1][0] < STATUS_S:
            return
        s = self.link.stats
        self._rate.append((now, s.samples))
        self._rate = [(t, n) for t, n in self._rate if now - t <= RATE_WINDOW_S]
        t0, n0 = self._rate[0]
        rate = (s.samples - n0) / (now - t0) if now > t0 else 0.0
        status = {
            "collector.state": s.state,
            "collector.sensor": f"{self.found.name} {self.found.address} ({self.found.profile})",
            "collector.rate_hz": f"{rate:.1f}",
            "collector.packets_lost": str(s.lost_packets),
            "collector.battery": "" if s.battery is None else str(s.battery),
        }
        if s.last_sample_s is not None:
            status["collector.last_sample_s"] = f"{s.last_sample_s:.3f}"
        for key, value in status.items():
            self.live.write_status(key, value)
        self.rate_hz = rate

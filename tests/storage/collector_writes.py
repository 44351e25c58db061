"""The collector's writes to an InfluxDB store, second by second, for outage tests and the bench.

What a live session hands the store (constants from `collector/session.py` and `live/run.py`):
raw samples with every chunk (RAW_EVERY_S, 0.25 s of 50 Hz), one epoch a second, four live
status facts a second from `LiveRun` and six every STATUS_S from the session, and an event now
and then.

`live_second` makes exactly those calls on the store (for timing `put()`); `fill` puts a span of
them into the outbox as rows of the same shape (a row per raw flush, per epoch, per event),
encoded a minute at a time and put a minute per transaction, the status keys once at the end
(status rows are upserted by key, so the outbox holds the same ten either way): a day of outage
is set up in a minute instead of the day it would take call by call.

Raw points are counted by their time: at `downsampled` resolution a 0.2 s bin that two 0.5 s
flushes share is one point, written twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from backcoach.collector.session import CHUNK_S, STATUS_S
from backcoach.live.sensor import RAW_FLUSH_S
from backcoach.processing.types import Epochs, Event, Samples
from backcoach.storage import influx_schema as sch
from backcoach.storage.influx import InfluxStore

FS_HZ = 50.0
RAW_EVERY_S = max(RAW_FLUSH_S, CHUNK_S)  # a live session writes raw samples this often
LIVE_STATUS = ("collector.posture", "collector.trunk_deg", "collector.last_sample_s")
LIVE_STATUS += ("collector.last_break_s",)
SESSION_STATUS = ("collector.state", "collector.sensor", "collector.rate_hz")
SESSION_STATUS += ("collector.packets_lost", "collector.battery", "collector.last_sample_s")
EVENT_EVERY_S = 60


def samples(t0: float, seconds: float, seed: int = 0) -> Samples:
    rng = np.random.default_rng(seed)
    n = int(round(seconds * FS_HZ))
    acc = rng.normal(0.0, 0.3, (n, 3)).astype(np.float32)
    acc[:, 0] += 1.0
    return Samples(t0 + np.arange(n) / FS_HZ, acc)


def epochs(t0: float, n: int) -> Epochs:
    t = t0 + np.arange(n, dtype=float)
    return Epochs(
        t_s=t,
        posture=(t // 60 % 4).astype(np.int8),
        trunk_deg=np.sin(t / 30) * 20,
        side_deg=np.cos(t / 40) * 5,
        activity_g=np.abs(np.sin(t / 7)) * 0.1,
        steps=(t % 3 == 0).astype(np.int16),
    )


def event(t: float) -> Event:
    return Event("bend", t, t + 4.0, peak_deg=50.0 + t % 20, attrs={"over_45_s": 1.0})


@dataclass
class Written:
    """What was written, to check against the server afterwards."""

    raw_ns: set[int] = field(default_factory=set)
    raw_written: int = 0  # raw points sent, a bin two flushes share counted twice
    epochs: int = 0
    events: int = 0
    status: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    @property
    def raw(self) -> int:
        return len(self.raw_ns)


def live_second(store: InfluxStore, t: float, written: Written, latencies: list[float]) -> None:
    """One second of the collector's calls on the store, each timed into `latencies` (s)."""

    def timed(call, *args) -> None:
        a = time.perf_counter()
        call(*args)
        latencies.append(time.perf_counter() - a)
        written.calls += 1

    steps = int(round(1.0 / RAW_EVERY_S))
    for k in range(steps):
        chunk = samples(t + k * RAW_EVERY_S, RAW_EVERY_S, seed=int(t * 10) + k)
        timed(store.write_samples, chunk)
        t_ns = sch.samples_columns(chunk, store.settings.raw)[1]
        written.raw_ns.update(t_ns.tolist())
        written.raw_written += len(t_ns)
    timed(store.write_epochs, epochs(t, 1))
    written.epochs += 1
    status = written.status
    for key in LIVE_STATUS:
        status[key] = f"{t:.3f}"
        timed(store.write_status, key, status[key])
    if t % STATUS_S == 0:
        for key in SESSION_STATUS:
            status[key] = f"{key} at {t:.0f}"
            timed(store.write_status, key, status[key])
    if int(t) % EVENT_EVERY_S == 0:
        timed(store.write_events, [event(t)])
        written.events += 1


def _lines(body: str) -> list[str]:
    """Points of a raw or epoch body (no quoted strings with line breaks in those)."""
    return [line for line in body.split("\n") if line]


def fill(store: InfluxStore, t0: float, seconds: int, written: Written) -> None:
    """`seconds` of the collector's writes into the outbox: the same rows (a raw flush a chunk and
    an epoch a second, an event a minute), encoded and put a minute at a time."""
    box, tags = store.outbox, store.tags
    flushes = int(round(1.0 / RAW_EVERY_S))
    for m0 in range(0, seconds, 60):
        t_min = t0 + m0
        n = min(60, seconds - m0)
        cols, t_ns = sch.samples_columns(samples(t_min, n, seed=int(t_min)), store.settings.raw)
        written.raw_ns.update(t_ns.tolist())
        written.raw_written += len(t_ns)
        lines = [
            p
            for body, _ in sch.encode_columns(tags.prefix(sch.RAW), cols, t_ns)
            for p in _lines(body)
        ]
        flush_of = ((t_ns - int(t_min * sch.NS)) // int(RAW_EVERY_S * sch.NS)).tolist()
        rows: dict[int, list[str]] = {k: [] for k in range(n * flushes)}
        for line, k in zip(lines, flush_of, strict=True):
            rows[k].append(line)
        box.put(sch.RAW, [("\n".join(v), len(v)) for v in rows.values() if v])
        ep = epochs(t_min, n)
        body = "".join(
            b
            for b, _ in sch.encode_columns(
                tags.prefix(sch.EPOCH),
                sch.epochs_columns(ep),
                sch.to_ns(ep.t_s),
                mark_nonfinite=True,
            )
        )
        box.put(sch.EPOCH, [(line, 1) for line in _lines(body)])
        written.epochs += n
        events = [event(t_min + s) for s in range(0, n, EVENT_EVERY_S)]
        box.put(sch.EVENT, [(sch.event_line(tags, e), 1) for e in events])
        written.events += len(events)
    last = t0 + seconds - 1
    for key in (*LIVE_STATUS, *SESSION_STATUS):
        written.status[key] = f"{last:.3f}" if key in LIVE_STATUS else f"{key} at {last:.0f}"
        store.write_status(key, written.status[key])

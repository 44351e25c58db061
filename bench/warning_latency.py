"""Warning latency: from the sample that completes a rule's condition to the warning reaching the
channels, through the live path (`LiveRun` with the fast lane), on simulated days streamed the way
the collector hands samples over.

Run:  .venv/bin/python bench/warning_latency.py [--days 2] [--rate 50] [--chunk-s 0.25]

Method
1. Simulated days (collector.simulator) are cut into chunks of `--chunk-s` (the BLE session
   hands the live path a chunk every 0.25 s) and pushed through a real `LiveRun` (SQLite store
   in a temporary folder) with `warning_hook`: the rules run ahead of the pipeline on the newest
   samples (live/warnings.py) and again on its finished epochs. Cooldowns and quiet hours are off
   so every rule crossing counts.
2. For each delivered warning: the completing sample is the last sample before the warning's
   time (the end of the second that met the condition); its chunk k0 "arrives" at its last
   sample's time. The warning was handed to the channels during the push of chunk k1 >= k0.
3. Live latency = (arrival of k1 - arrival of k0)  [waiting for later samples, paid in real
   time in a live session] + (hand-over time - start of push k1)  [computing and delivery].
Printed as p50 / p99 / max, overall and per rule, with the provisional warnings the pipeline did
not confirm. The BLE hop before this (notification to live path, p99 0.25 s) is measured by
bench/ble_collect.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from backcoach.alerts import Dispatcher
from backcoach.collector.simulator import iter_chunks, simulate_day
from backcoach.config import Settings
from backcoach.live.run import LiveRun
from backcoach.live.warnings import warning_hook
from backcoach.processing.rules import RuleEngine
from backcoach.processing.types import OverloadWarning
from backcoach.storage.sqlite import SQLiteStore


class _Recorder:
    """A channel that notes when each warning was handed to it (perf_counter)."""

    name = "recorder"

    def __init__(self) -> None:
        self.handed: list[tuple[OverloadWarning, float]] = []
        self.lock = threading.Lock()

    def send(self, warning: OverloadWarning, lang: str) -> None:
        with self.lock:
            self.handed.append((warning, time.perf_counter()))


def run_day(seed: int, rate_hz: float, chunk_s: float, tmp: Path) -> tuple[list, int]:
    """(rule, waiting_s, compute_s) per delivered warning of one day, and the unconfirmed."""
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
    sim = simulate_day(start, fs_hz=rate_hz, seed=seed)
    settings = Settings(data_dir=str(tmp / f"d{seed}"), timezone="UTC")
    store = SQLiteStore(tmp / f"d{seed}.sqlite", tz_name="UTC")
    engine = RuleEngine(None, 0.0, "00:00", "00:00", "UTC")
    recorder = _Recorder()
    dispatcher = Dispatcher([recorder])
    hook = warning_hook(engine, dispatcher)
    run = LiveRun(settings, store, on_output=[hook], raw_flush_s=10.0)
    unconfirmed = logging.getLogger("backcoach.live.warnings")
    counter = _Counter()
    unconfirmed.addHandler(counter)
    last_t: list[float] = []  # arrival (last sample time) of each chunk
    pushed_at: list[float] = []  # wall time each push started
    try:
        for chunk in iter_chunks(sim.samples, chunk_s):
            last_t.append(float(chunk.t_s[-1]))
            pushed_at.append(time.perf_counter())
            run.push(chunk)
        run.finish()
        dispatcher.wait_idle(10.0)
    finally:
        unconfirmed.removeHandler(counter)
        dispatcher.close(1.0)
        store.close()
    arrivals, starts = np.array(last_t), np.array(pushed_at)
    rows = []
    for w, handed in recorder.handed:
        k1 = int(np.searchsorted(starts, handed, side="right")) - 1
        i = int(np.searchsorted(sim.samples.t_s, w.t_s, side="left")) - 1
        k0 = int(np.searchsorted(arrivals, float(sim.samples.t_s[max(i, 0)]), side="left"))
        waiting = max(float(arrivals[k1] - arrivals[min(k0, k1)]), 0.0)
        rows.append((w.rule, waiting, handed - starts[k1], w.t_s - start))
    return rows, counter.n


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.n = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.n += "not confirmed" in record.getMessage()


def _fmt(values: list[float]) -> str:
    v = np.asarray(values)
    return (
        f"p50 {np.percentile(v, 50):7.3f} s   p99 {np.percentile(v, 99):7.3f} s   "
        f"max {v.max():7.3f} s"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--days", type=int, default=2, help="simulated days (seeds 0..N-1)")
    p.add_argument("--rate", type=float, default=50.0, help="sensor rate in Hz")
    p.add_argument("--chunk-s", type=float, default=0.25, help="seconds of samples per push")
    p.add_argument("--verbose", action="store_true", help="every warning's latency")
    args = p.parse_args()
    logging.getLogger("backcoach").setLevel(logging.WARNING)
    rows: list[tuple[str, float, float, float]] = []
    unconfirmed = 0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.days):
            r, u = run_day(seed, args.rate, args.chunk_s, Path(tmp))
            rows += r
            unconfirmed += u
    wall = time.perf_counter() - t0
    print(
        f"{len(rows)} warnings delivered from {args.days} simulated day(s) at {args.rate:g} Hz, "
        f"{args.chunk_s:g} s chunks ({wall:.0f} s wall); {unconfirmed} sent ahead and not "
        "confirmed by the pipeline"
    )
    total = [w + c for _, w, c, _ in rows]
    print(f"live latency (waiting + compute)  {_fmt(total)}")
    print(f"  waiting for later samples       {_fmt([w for _, w, _, _ in rows])}")
    print(f"  compute and hand-over           {_fmt([c for _, _, c, _ in rows])}")
    by_rule: dict[str, list[float]] = defaultdict(list)
    for rule, w, c, at in rows:
        by_rule[rule].append(w + c)
        if args.verbose:
            print(f"    {rule:<4} at {at:8.0f} s of its day: {w + c:6.2f} s")
    for rule in sorted(by_rule, key=lambda r: int(r[1:])):
        print(f"  {rule:<4} n={len(by_rule[rule]):<4} {_fmt(by_rule[rule])}")
    goal = np.percentile(total, 99) <= 1.0
    print(f"goal p99 <= 1 s: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Warning latency: from the sample that completes a rule's condition to the warning reaching the
channels, on simulated days streamed as a live sensor would deliver them.

Run:  .venv/bin/python bench/warning_latency.py [--days 1] [--rate 50] [--chunk-s 1.0]

Method
1. A simulated day (collector.simulator) is cut into chunks of `--chunk-s`, the way BLE
   notifications arrive, and pushed through the real StreamingPipeline, RuleEngine and a
   Dispatcher (log channel plus a recording channel), as fast as the machine goes.
   Cooldowns and quiet hours are off so every rule crossing counts.
2. For each warning: the completing sample is the last sample before the warning's time (the end
   of the epoch or event that met the condition); its chunk k0 "arrives" at its last sample's
   time. The warning came out of the push of chunk k1 >= k0.
3. Live latency = (arrival of k1 - arrival of k0)  [waiting for later samples: the pipeline's
   look-ahead, paid in real time in a live session]
   + (time the recording channel is called - start of push k1)  [computing and hand-over].
Both parts and their sum are printed as p50 / p99 / max, overall and per rule.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import threading
import time
from collections import defaultdict

import numpy as np

from backcoach.alerts import Dispatcher
from backcoach.alerts.console import LogChannel
from backcoach.collector.simulator import iter_chunks, simulate_day
from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline
from backcoach.processing.rules import RuleEngine
from backcoach.processing.types import OverloadWarning


class _Recorder:
    """A channel that notes when each warning was handed to it (perf_counter)."""

    name = "recorder"

    def __init__(self) -> None:
        self.handed: dict[tuple[float, str], float] = {}
        self.lock = threading.Lock()

    def send(self, warning: OverloadWarning, lang: str) -> None:
        with self.lock:
            self.handed[(warning.t_s, warning.rule)] = time.perf_counter()


def run_day(seed: int, rate_hz: float, chunk_s: float) -> list[tuple[str, float, float]]:
    """(rule, waiting_s, compute_s) for every warning of one simulated day."""
    start = dt.datetime(2026, 3, 2, tzinfo=dt.UTC).timestamp()
    sim = simulate_day(start, fs_hz=rate_hz, seed=seed)
    pipeline = StreamingPipeline(PipelineConfig())
    engine = RuleEngine(None, 0.0, "00:00", "00:00", "UTC")
    recorder = _Recorder()
    quiet = logging.getLogger("bench.warnings")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    dispatcher = Dispatcher([LogChannel(quiet), recorder])
    last_t: list[float] = []  # arrival (last sample time) of each chunk
    pushed_at: list[float] = []  # wall time each push started
    origin: dict[tuple[float, str], int] = {}  # warning -> chunk whose push gave it
    for k, chunk in enumerate(iter_chunks(sim.samples, chunk_s)):
        last_t.append(float(chunk.t_s[-1]))
        pushed_at.append(time.perf_counter())
        fired = engine.push(pipeline.push(chunk.t_s, chunk.acc_g))
        for w in fired:
            origin[(w.t_s, w.rule)] = k
        dispatcher.submit_all(fired)
    dispatcher.wait_idle(10.0)
    dispatcher.close(1.0)
    arrivals = np.array(last_t)
    rows = []
    for (t_s, rule), k1 in origin.items():
        # The completing sample is the last one before t_s; its chunk is the first whose last
        # sample is at or after it.
        i = int(np.searchsorted(sim.samples.t_s, t_s, side="left")) - 1
        t_complete = float(sim.samples.t_s[max(i, 0)])
        k0 = int(np.searchsorted(arrivals, t_complete, side="left"))
        waiting = max(float(arrivals[k1] - arrivals[min(k0, k1)]), 0.0)
        compute = recorder.handed[(t_s, rule)] - pushed_at[k1]
        rows.append((rule, waiting, compute))
    return rows


def _fmt(values: list[float]) -> str:
    v = np.asarray(values)
    return (
        f"p50 {np.percentile(v, 50):7.3f} s   p99 {np.percentile(v, 99):7.3f} s   "
        f"max {v.max():7.3f} s"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--days", type=int, default=1)
    p.add_argument("--rate", type=float, default=50.0, help="sensor rate in Hz")
    p.add_argument("--chunk-s", type=float, default=1.0, help="seconds of samples per push")
    args = p.parse_args()
    rows: list[tuple[str, float, float]] = []
    t0 = time.perf_counter()
    for seed in range(args.days):
        rows += run_day(seed, args.rate, args.chunk_s)
    wall = time.perf_counter() - t0
    print(
        f"{len(rows)} warnings from {args.days} simulated day(s) at {args.rate:g} Hz, "
        f"{args.chunk_s:g} s chunks ({wall:.1f} s wall)"
    )
    total = [w + c for _, w, c in rows]
    print(f"live latency (waiting + compute)  {_fmt(total)}")
    print(f"  waiting for later samples       {_fmt([w for _, w, _ in rows])}")
    print(f"  compute and hand-over           {_fmt([c for _, _, c in rows])}")
    by_rule: dict[str, list[float]] = defaultdict(list)
    for rule, w, c in rows:
        by_rule[rule].append(w + c)
    for rule in sorted(by_rule, key=lambda r: int(r[1:])):
        print(f"  {rule:<4} n={len(by_rule[rule]):<4} {_fmt(by_rule[rule])}")
    goal = np.percentile(total, 99) < 1.0
    print(f"goal p99 < 1 s: {'met' if goal else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Speed and memory of the pipeline: a synthetic 24 h at 50 Hz in one go, and 7 days streamed.

Usage: python bench/throughput.py [--days N] [--chunk-s S] [--no-skdh]

Prints seconds of computing per day of data, the real-time factor and the peak memory
(tracemalloc: Python and NumPy allocations; for the stream in a second, untimed pass).
Goal (issue 3): ≤ 1.5 s per day on one core and 7 days in under 1 GB. Then, when
scikit-digital-health is installed (`pip install scikit-digital-health`), it runs its
activity-level and sit-to-stand steps over the same 24 h and prints the time ratio; otherwise
it says why it did not.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc

import numpy as np

from backcoach.collector.simulator import simulate_day
from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline, analyze

DAY_START_S = 1_764_028_800.0
FS_HZ = 50.0


def one_day() -> tuple[float, int]:
    """Analyse a simulated day in one call: (seconds, peak bytes)."""
    day = simulate_day(DAY_START_S, fs_hz=FS_HZ, seed=1)
    t, a = day.samples.t_s, day.samples.acc_g
    analyze(t[: 50 * 600], a[: 50 * 600])  # warm-up (imports, caches)
    t0 = time.perf_counter()  # timed without tracemalloc, which slows every allocation down
    out = analyze(t, a, PipelineConfig())
    dt = time.perf_counter() - t0
    tracemalloc.start()  # a second, untimed pass for the peak memory
    analyze(t, a, PipelineConfig())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"24 h at {FS_HZ:.0f} Hz ({t.size:,} samples) in one call: {dt:.2f} s, "
        f"real-time factor {86400 / dt:,.0f}×, peak memory {peak / 2**20:.0f} MiB "
        f"(input itself {(t.nbytes + a.nbytes) / 2**20:.0f} MiB), {len(out.epochs):,} epochs"
    )
    return dt, peak


def streamed(days: int, chunk_s: float, *, trace: bool) -> None:
    """Several days pushed in chunks, generated day by day so the input never sits in memory.

    With `trace`, tracemalloc measures the peak of the pipeline plus the current day's input
    (reset after each day is simulated, so the simulator's own arrays do not count); the time
    of that pass is not reported, as tracemalloc slows allocation down.
    """
    sp = StreamingPipeline(PipelineConfig())
    busy = 0.0
    n_epochs = n_events = peak = 0
    if trace:
        tracemalloc.start()
    for d in range(days):
        day = simulate_day(DAY_START_S + d * 86400, fs_hz=FS_HZ, seed=10 + d)
        t, a = day.samples.t_s.copy(), day.samples.acc_g.copy()
        del day
        if trace:
            tracemalloc.reset_peak()
        step = int(chunk_s * FS_HZ)
        t0 = time.perf_counter()
        for i in range(0, t.size, step):
            out = sp.push(t[i : i + step], a[i : i + step])
            n_epochs += len(out.epochs)
            n_events += len(out.events)
        busy += time.perf_counter() - t0
        if trace:
            peak = max(peak, tracemalloc.get_traced_memory()[1])
        del t, a
    t0 = time.perf_counter()
    out = sp.flush()
    busy += time.perf_counter() - t0
    n_epochs += len(out.epochs)
    n_events += len(out.events)
    if trace:
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        print(
            f"{days} days streamed: peak memory {peak / 2**20:.0f} MiB (pipeline state and "
            f"temporaries plus the current day's input, 82 MiB; tracemalloc)"
        )
        return
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(
        f"{days} days streamed in {chunk_s:g} s chunks: {busy:.1f} s of pipeline time, "
        f"{busy / days:.2f} s per day, real-time factor {days * 86400 / busy:,.0f}×, "
        f"{n_epochs:,} epochs, {n_events:,} events (process peak RSS so far {rss:.0f} MiB, "
        f"simulator included)"
    )


def skdh_comparison(ours_s: float) -> None:
    """scikit-digital-health's activity levels and sit-to-stand over the same 24 h."""
    try:
        import skdh
    except ImportError as exc:
        print(
            f"scikit-digital-health not compared: it is not installed ({exc}); "
            "pip install scikit-digital-health"
        )
        return
    day = simulate_day(DAY_START_S, fs_hz=FS_HZ, seed=1)
    t, a = day.samples.t_s, day.samples.acc_g.astype(np.float64)
    rows = []
    for name, make in (
        (
            "activity levels (ActivityLevelClassification)",
            lambda: skdh.activity.ActivityLevelClassification(),
        ),
        ("sit-to-stand (SitToStand)", lambda: skdh.sit2stand.Sit2Stand()),
    ):
        try:
            step = make()
            t0 = time.perf_counter()
            step.predict(time=t, accel=a, fs=FS_HZ)
            rows.append((name, time.perf_counter() - t0))
        except Exception as exc:  # report any failure of the third-party step, then go on
            print(f"  skdh {name} failed: {type(exc).__name__}: {exc}")
    for name, sec in rows:
        print(
            f"  skdh {name}: {sec:.2f} s for the same 24 h; backcoach (all of posture, angles, "
            f"events) / skdh = {ours_s / sec:.2f}"
        )


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--chunk-s", type=float, default=60.0)
    p.add_argument("--no-skdh", action="store_true")
    args = p.parse_args(argv)
    ours, _ = one_day()
    streamed(args.days, args.chunk_s, trace=False)
    streamed(args.days, args.chunk_s, trace=True)
    if not args.no_skdh:
        skdh_comparison(ours)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

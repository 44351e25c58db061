"""Speed and memory of the pipeline: a synthetic 24 h at 50 Hz in one go, and 7 days streamed.

Usage: python bench/throughput.py [--days N] [--chunk-s S] [--no-skdh] [--analyze-days N ...]

Prints seconds of computing per day of data, the real-time factor and the peak memory
(tracemalloc: Python and NumPy allocations; for the stream in a second, untimed pass).
Goal (issue 3): ≤ 1.5 s per day on one core and 7 days in under 1 GB. When
scikit-digital-health is installed (`pip install 'backcoach[research]'`), its activity-level and
sit-to-stand steps run over the same 24 h in the same run and the figures are printed side by
side (issue 13: backcoach ≥ 14× faster, aim 30×); otherwise it says why not. Last, `backcoach
analyze` runs in its own process on a generated 7- and 30-day .npz and its peak RSS is printed
(issue 13: ≤ 1 GB, the same for both).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

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
    """scikit-digital-health's activity levels and sit-to-stand over the same 24 h, side by side."""
    try:
        import skdh
    except ImportError as exc:
        print(
            f"scikit-digital-health not compared: it is not installed ({exc}); "
            "pip install 'backcoach[research]' or pip install scikit-digital-health"
        )
        return
    day = simulate_day(DAY_START_S, fs_hz=FS_HZ, seed=1)
    t, a = day.samples.t_s, day.samples.acc_g.astype(np.float64)
    rows = []
    for name, make in (
        ("activity levels (ActivityLevel)", skdh.activity.ActivityLevelClassification),
        ("sit-to-stand (Sit2Stand)", skdh.sit2stand.Sit2Stand),
    ):
        try:
            step = make()
            t0 = time.perf_counter()
            step.predict(time=t, accel=a, fs=FS_HZ)
            rows.append((name, time.perf_counter() - t0))
        except Exception as exc:  # report any failure of the third-party step, then go on
            print(f"  skdh {name} failed: {type(exc).__name__}: {exc}")
    print(f"same 24 h at {FS_HZ:.0f} Hz, same run (skdh {skdh.__version__}):")
    print(f"  backcoach, all of posture, angles and events: {ours_s:6.2f} s")
    for name, sec in rows:
        print(f"  skdh {name}: {sec:6.2f} s")
    if len(rows) == 2:
        both = sum(sec for _, sec in rows)
        print(
            f"  skdh activity + sit-to-stand: {both:.2f} s; backcoach is {both / ours_s:.1f}x "
            "faster (goal: >= 14x, aim 30x)"
        )


def write_days_npz(path: Path, days: int) -> int:
    """A simulated recording of `days` days at FS_HZ as .npz (t float64, acc float32), in flat
    memory: days are simulated one by one into raw temporary files, then packed as members."""
    n = 0
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        t_raw, a_raw = Path(tmp) / "t.raw", Path(tmp) / "acc.raw"
        with open(t_raw, "wb") as ft, open(a_raw, "wb") as fa:
            for d in range(days):
                day = simulate_day(DAY_START_S + d * 86400, fs_hz=FS_HZ, seed=10 + d)
                ft.write(day.samples.t_s.astype("<f8").tobytes())
                fa.write(day.samples.acc_g.astype("<f4").tobytes())
                n += len(day.samples)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name, raw, dtype, shape in (
                ("t.npy", t_raw, "<f8", (n,)),
                ("acc.npy", a_raw, "<f4", (n, 3)),
            ):
                with zf.open(name, "w", force_zip64=True) as out, open(raw, "rb") as src:
                    header = {"descr": dtype, "fortran_order": False, "shape": shape}
                    np.lib.format.write_array_header_2_0(out, header)
                    shutil.copyfileobj(src, out, 1 << 24)
    return n


_PEAK_RSS = """
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(p.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_with_peak(cmd: list[str]) -> tuple[int, int, float, str]:
    """Run a command: (exit code, its own peak RSS in KiB, wall seconds, stderr).

    Linux carries a forked child's peak RSS over exec, so a large parent would count: a small
    Python in between starts the command and reports the command's own peak.
    """
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *cmd], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - t0
    peak = int(proc.stdout.split()[-1]) if proc.stdout.strip() else 0
    return proc.returncode, peak, wall, proc.stderr


def analyze_peak(days: int, workdir: Path) -> None:
    """`backcoach analyze` on a `days`-day .npz in its own process: peak RSS and time."""
    path = workdir / f"sim{days}d.npz"
    t0 = time.perf_counter()
    n = write_days_npz(path, days)
    made = time.perf_counter() - t0
    cmd = [sys.executable, "-m", "backcoach", "analyze", str(path), "--out", str(workdir / "out")]
    cmd += ["--jobs", "1"]
    code, peak_kib, wall, err = run_with_peak(cmd)
    if code != 0:
        print(f"analyze of {days} days failed: {err.strip().splitlines()[-1:]}")
        return
    print(
        f"backcoach analyze, {days} days at {FS_HZ:.0f} Hz ({n:,} samples, "
        f"{path.stat().st_size / 2**30:.2f} GiB .npz, made in {made:.0f} s): peak RSS "
        f"{peak_kib / 1024:.0f} MiB, {wall:.1f} s ({wall / days:.2f} s per day, "
        "imports included; goal: <= 1 GB, the same for 7 and 30 days)"
    )
    path.unlink()


def still_peak(days: int, workdir: Path) -> None:
    """`analyze` on a sensor lying still for `days` days (25 Hz, .npy): no walking, so the
    pipeline holds every epoch until the end to guess the reference (a known limit)."""
    n = int(days * 86400 * 25)
    path = workdir / f"still{days}d.npy"
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, 4))
    rng = np.random.default_rng(days)
    for a in range(0, n, 1 << 22):
        b = min(n, a + (1 << 22))
        out[a:b, 0] = DAY_START_S + np.arange(a, b) / 25.0
        out[a:b, 1:] = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.002, (b - a, 3))
    out.flush()
    del out
    cmd = [sys.executable, "-m", "backcoach", "analyze", str(path), "--out", str(workdir / "o")]
    code, peak_kib, wall, err = run_with_peak([*cmd, "--jobs", "1"])
    state = "ok" if code == 0 else f"failed: {err.strip().splitlines()[-1:]}"
    print(
        f"backcoach analyze, a still sensor for {days} days at 25 Hz (no walking): peak RSS "
        f"{peak_kib / 1024:.0f} MiB, {wall:.1f} s ({state})"
    )
    path.unlink()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=7, help="days for the streamed pipeline run")
    p.add_argument("--chunk-s", type=float, default=60.0)
    p.add_argument("--no-skdh", action="store_true", help="skip scikit-digital-health")
    p.add_argument(
        "--analyze-days",
        type=int,
        nargs="*",
        default=[7, 30],
        metavar="N",
        help="recording lengths for `backcoach analyze` peak memory (default: 7 30; none: skip)",
    )
    p.add_argument(
        "--still-days",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="also a still sensor (no walking) of N days: the reference is held to the end",
    )
    p.add_argument("--workdir", type=Path, default=None, help="for the generated files (temp)")
    args = p.parse_args(argv)
    ours, _ = one_day()
    if not args.no_skdh:
        skdh_comparison(ours)
    streamed(args.days, args.chunk_s, trace=False)
    streamed(args.days, args.chunk_s, trace=True)
    if args.analyze_days:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            for days in args.analyze_days:
                analyze_peak(days, Path(tmp))
    if args.still_days:
        with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
            for days in args.still_days:
                still_peak(days, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

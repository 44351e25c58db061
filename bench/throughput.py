"""Speed and memory of `backcoach analyze`, the command a researcher runs, beside SKDH.

Usage: python bench/throughput.py [--kinds sim dense] [--rss-days N ...] [--no-skdh] [--repeat N]
                                  [--before PYTHON] [--still-days N ...] [--workdir DIR]

For each kind of day (`sim`: collector/simulator.py's office day; `dense`: a day dense with
movement, `dense_script`: thousands of sits, stands, bends, lifts and squats, ~20% walking), a
1-day and a 7-day 50 Hz .npz are written and `backcoach analyze` runs on each in its own process
(`python -m backcoach analyze FILE --out DIR --jobs 1`). Printed per kind: the wall and CPU time
of both runs (start-up included), the marginal seconds per day = (7-day run - 1-day run) / 6,
which start-up and imports do not enter, and the command's own peak RSS. CPU time (user +
system of the command, all threads) is printed beside the wall time because on a shared
machine the wall time mostly measures the others' load. scikit-digital-health's activity
levels and sit-to-stand (`pip install -e '.[bench]'`) run in this process on the same first day
of each kind, in the same run, and the ratios (wall and CPU) are printed (issue 24: >= 14x SKDH
per day on both kinds, aim 30x, <= 1.2 s per day). Last, `--rss-days` (default 30) days of the
simulator in one file: peak RSS, which must stay flat (issue 24: <= 300 MB for 7 and 30 days).

Before the timed runs the command analyses a 10-minute file once, so Python's byte-code cache
is warm as in any installed copy (PYTHONDONTWRITEBYTECODE is dropped for the children). The
machine's load average is printed: on a shared machine every figure is slower.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

from backcoach.collector.sim_gait import GAITS
from backcoach.collector.sim_script import LIFT_RANGES, Segment
from backcoach.collector.simulator import simulate, simulate_day

DAY_START_S = 1_764_028_800.0
FS_HZ = 50.0
DAY_S = 86400.0
DAY_KINDS = ("sim", "dense")  # collector/simulator.py's day; a day dense with movement


def dense_script(seed: int, day_s: float = DAY_S) -> list[Segment]:
    """A day dense with movement (issue 24): short sits, stands, walks (~20% of the time),
    bends, lifts, squats, jumps, stairs and a little lying, in random order, so the pipeline
    meets thousands of posture changes and movement candidates instead of an office day's
    long sitting bouts."""
    rng = np.random.default_rng([seed, 24])
    s: list[Segment] = []
    used = 0.0
    while used < day_s - 600:
        r = rng.random()
        if r < 0.22:
            lean = str(rng.choice(["upright", "slumped", "back"]))
            seg = Segment("sit", float(rng.uniform(40, 300)), lean=lean)
        elif r < 0.46:
            gait = str(rng.choice(["normal", "slow", "shuffle", "carry"], p=[0.6, 0.15, 0.15, 0.1]))
            lo, hi = GAITS[gait][0]
            d = float(rng.uniform(10, 110))
            seg = Segment(
                "walk", d, cadence_hz=float(rng.uniform(lo, hi)), gait=gait, turns=int(d // 40)
            )
        elif r < 0.58:
            seg = Segment("stand", float(rng.uniform(5, 60)), shifts=float(rng.choice([0.0, 2.0])))
        elif r < 0.74:
            seg = Segment(
                "bend", peak_deg=float(rng.uniform(20, 95)), hold_s=float(rng.uniform(0.5, 20))
            )
        elif r < 0.83:
            style = str(rng.choice(["back", "legs"]))
            p_lo, p_hi, d_lo, d_hi = LIFT_RANGES[style]
            seg = Segment(
                "lift",
                style=style,
                peak_deg=float(rng.uniform(p_lo, p_hi)),
                drop_m=float(-rng.uniform(d_lo, d_hi)),
                hold_s=float(rng.uniform(0.8, 2.0)),
            )
        elif r < 0.88:
            seg = Segment(
                "squat",
                peak_deg=float(rng.uniform(10, 30)),
                drop_m=float(-rng.uniform(0.3, 0.5)),
                hold_s=float(rng.uniform(3, 20)),
            )
        elif r < 0.91:
            seg = Segment("jump")
        elif r < 0.95:
            climb = int(rng.choice([1, -1]))
            lo, hi = GAITS["stairs_up" if climb > 0 else "stairs_down"][0]
            cad = float(rng.uniform(lo, hi))
            seg = Segment("stairs", int(rng.integers(12, 17)) / cad, cadence_hz=cad, climb=climb)
        else:
            seg = Segment("lying", float(rng.uniform(60, 400)), side=int(rng.choice([-1, 0, 1])))
        s.append(seg)
        used += seg.duration_s
    s.append(Segment("lying", day_s - used))
    return s


def make_day(kind: str, day: int):
    """Day `day` (0, 1, ...) of a recording of `kind` (DAY_KINDS): (t_s, acc_g)."""
    start, seed = DAY_START_S + day * DAY_S, 10 + day
    if kind == "sim":
        d = simulate_day(start, fs_hz=FS_HZ, seed=seed)
    else:
        d = simulate(dense_script(seed), start, fs_hz=FS_HZ, seed=seed)
        keep = d.samples.t_s < start + DAY_S
        return d.samples.t_s[keep], d.samples.acc_g[keep]
    return d.samples.t_s, d.samples.acc_g


def skdh_seconds(kind: str) -> tuple[float, float, str] | str:
    """scikit-digital-health's activity levels + sit-to-stand on day 0 of `kind`: (wall s,
    CPU s of this process, version), or why it could not run."""
    try:
        import skdh
    except ImportError as exc:
        return f"not installed ({exc}); pip install -e '.[bench]'"
    logging.disable(logging.INFO)  # skdh logs two INFO lines per call
    t, a = make_day(kind, 0)
    a = a.astype(np.float64)
    wall = cpu = 0.0
    for make in (skdh.activity.ActivityLevelClassification, skdh.sit2stand.Sit2Stand):
        step = make()
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            step.predict(time=t, accel=a, fs=FS_HZ)
        except Exception as exc:  # report the third-party step's failure, then go on
            return f"{make.__name__} failed: {type(exc).__name__}: {exc}"
        wall += time.perf_counter() - t0
        cpu += time.process_time() - c0
    return wall, cpu, skdh.__version__


def write_days_npz(path: Path, days: int, kind: str = "sim") -> int:
    """A simulated recording of `days` days at FS_HZ as .npz (t float64, acc float32), in flat
    memory: days are simulated one by one into raw temporary files, then packed as members."""
    n = 0
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        t_raw, a_raw = Path(tmp) / "t.raw", Path(tmp) / "acc.raw"
        with open(t_raw, "wb") as ft, open(a_raw, "wb") as fa:
            for d in range(days):
                t, acc = make_day(kind, d)
                ft.write(t.astype("<f8").tobytes())
                fa.write(acc.astype("<f4").tobytes())
                n += t.size
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
print(usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(cmd: list[str], *, cache: bool = True) -> tuple[int, int, float, float, str]:
    """Run a command: (exit code, its own peak RSS in KiB, wall seconds, CPU seconds, stderr).

    Linux carries a forked child's peak RSS over exec, so a large parent would count: a small
    Python in between starts the command and reports the command's own peak and CPU time
    (user + system, all its threads: on a shared machine far steadier than the wall time).
    With `cache` the command runs without PYTHONDONTWRITEBYTECODE, so byte-code is cached as
    in any installed copy.
    """
    t0 = time.perf_counter()
    drop = "PYTHONDONTWRITEBYTECODE" if cache else ""
    env = {k: v for k, v in os.environ.items() if k != drop}
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *cmd],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    wall = time.perf_counter() - t0
    got = proc.stdout.split()
    peak, cpu = (int(got[-2]), float(got[-1])) if len(got) >= 2 else (0, 0.0)
    return proc.returncode, peak, wall, cpu, proc.stderr


def run_with_peak(cmd: list[str]) -> tuple[int, int, float, str]:
    """`run_measured` without the CPU time: (exit code, peak RSS KiB, wall seconds, stderr)."""
    code, peak, wall, _, err = run_measured(cmd)
    return code, peak, wall, err


def analyze_run(
    path: Path, workdir: Path, python: str = sys.executable
) -> tuple[float, float, float]:
    """`backcoach analyze` on one file in its own process: (wall s, CPU s, peak RSS MiB);
    `python`: the interpreter (another checkout's venv, for a before/after in one run)."""
    cmd = [python, "-m", "backcoach", "analyze", str(path), "--out", str(workdir / "out")]
    # another checkout's byte-code is not written into it: its 1-day run compiles
    cache = python == sys.executable
    code, peak_kib, wall, cpu, err = run_measured([*cmd, "--jobs", "1"], cache=cache)
    if code != 0:
        raise SystemExit(f"analyze of {path.name} failed: {err.strip().splitlines()[-1:]}")
    return wall, cpu, peak_kib / 1024


def warm_up(workdir: Path, before: str | None = None) -> tuple[float, float]:
    """Analyze a 10-minute file twice (the first caches byte-code): the second's (wall, CPU)."""
    t, acc = make_day("sim", 0)
    path = workdir / "warm.npz"
    np.savez(path, t=t[: int(600 * FS_HZ)], acc=acc[: int(600 * FS_HZ)])
    analyze_run(path, workdir)
    wall, cpu, _ = analyze_run(path, workdir)
    if before:
        analyze_run(path, workdir, before)
    path.unlink()
    return wall, cpu


def _best(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Of repeated runs: the least wall and CPU time (load only adds) and the largest peak."""
    return min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs)


def day_kind(
    kind: str, workdir: Path, skdh_on: bool, before: str | None = None, repeat: int = 1
) -> None:
    """1- and 7-day runs of `kind`: wall and CPU time, marginal per day, peak RSS, SKDH beside;
    with `before` (a Python), that checkout's figures first, on the same files."""
    runs: dict[int, list] = {}
    old: dict[int, list] = {}
    for days in (1, 7):
        path = workdir / f"{kind}{days}d.npz"
        write_days_npz(path, days, kind)
        for _ in range(repeat):  # alternated, so both see the same load
            if before:
                old.setdefault(days, []).append(analyze_run(path, workdir, before))
            runs.setdefault(days, []).append(analyze_run(path, workdir))
        path.unlink()
    runs = {d: _best(v) for d, v in runs.items()}
    old = {d: _best(v) for d, v in old.items()}
    if before:
        (w1, c1, p1), (w7, c7, p7) = old[1], old[7]
        print(
            f"{kind:5s}: BEFORE ({before}, byte-code not cached): 1 day {w1:.2f} s wall / "
            f"{c1:.2f} s CPU, 7 days "
            f"{w7:.2f} s / {c7:.2f} s; per day {(w7 - w1) / 6:.2f} s wall, {(c7 - c1) / 6:.2f} s "
            f"CPU; peak RSS {p1:.0f} / {p7:.0f} MiB"
        )
    (w1, c1, p1), (w7, c7, p7) = runs[1], runs[7]
    wall_day, cpu_day = (w7 - w1) / 6, (c7 - c1) / 6
    print(
        f"{kind:5s}: backcoach analyze, 1 day {w1:.2f} s wall / {c1:.2f} s CPU, 7 days "
        f"{w7:.2f} s / {c7:.2f} s (start-up included)\n"
        f"       marginal per day (7-day run - 1-day run) / 6: {wall_day:.2f} s wall, "
        f"{cpu_day:.2f} s CPU (goal <= 1.2 s); peak RSS {p1:.0f} MiB (1 day), {p7:.0f} MiB "
        "(7 days; goal <= 300 MB)"
    )
    if not skdh_on:
        return
    got = skdh_seconds(kind)
    if isinstance(got, str):
        print(f"       scikit-digital-health not compared: {got}")
        return
    sk_wall, sk_cpu, version = got
    print(
        f"       skdh {version} activity + sit-to-stand on the first day: {sk_wall:.2f} s wall, "
        f"{sk_cpu:.2f} s CPU; backcoach per day is {sk_wall / wall_day:.1f}x faster by wall "
        f"time, {sk_cpu / cpu_day:.1f}x by CPU time (goal >= 14x, aim 30x); the 1-day command "
        f"with its start-up {sk_wall / w1:.1f}x"
    )


def rss_days(days: int, workdir: Path) -> None:
    """`backcoach analyze` on `days` simulator days in one .npz: peak RSS (flat) and time."""
    path = workdir / f"sim{days}d.npz"
    t0 = time.perf_counter()
    n = write_days_npz(path, days)
    made = time.perf_counter() - t0
    wall, _, peak = analyze_run(path, workdir)
    print(
        f"sim  : {days} days in one file ({n:,} samples, {path.stat().st_size / 2**30:.2f} GiB "
        f".npz, made in {made:.0f} s): peak RSS {peak:.0f} MiB (goal <= 300 MB, flat), "
        f"{wall:.1f} s ({wall / days:.2f} s per day, start-up included)"
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
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Default: both kinds, SKDH beside, 30 days for memory; about 5 minutes on a quiet "
        "2-core machine (most of it writing the 30-day file and SKDH).",
    )
    p.add_argument(
        "--kinds",
        nargs="*",
        choices=DAY_KINDS,
        default=list(DAY_KINDS),
        help="kinds of day to time (default: both; none: skip)",
    )
    p.add_argument("--no-skdh", action="store_true", help="skip scikit-digital-health")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="run each analyze N times and keep the least wall and CPU time (a shared "
        "machine's load only adds); default 1",
    )
    p.add_argument(
        "--rss-days",
        type=int,
        nargs="*",
        default=[30],
        metavar="N",
        help="also N simulator days in one file, for peak memory (default: 30; none: skip); "
        "the 7-day runs above print theirs",
    )
    p.add_argument(
        "--still-days",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="also a still sensor (no walking) of N days: the reference is held to the end",
    )
    p.add_argument(
        "--before",
        metavar="PYTHON",
        default=None,
        help="also run another checkout's `backcoach analyze` on the same files with this "
        "interpreter (e.g. ../main/.venv/bin/python): before and after in one run",
    )
    p.add_argument(
        "--workdir", type=Path, default=None, metavar="DIR", help="for the generated files (temp)"
    )
    args = p.parse_args(argv)
    print(
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the runs; "
        f"50 Hz, `backcoach analyze FILE --jobs 1` in its own process"
    )
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        wall, cpu = warm_up(work, args.before)
        print(f"start-up: a 10-minute file takes {wall:.2f} s wall, {cpu:.2f} s CPU (imports)")
        for kind in args.kinds:
            day_kind(kind, work, not args.no_skdh, args.before, args.repeat)
        for days in args.rss_days:
            rss_days(days, work)
        for days in args.still_days:
            still_peak(days, work)
    print(f"load average {os.getloadavg()[0]:.1f} after the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

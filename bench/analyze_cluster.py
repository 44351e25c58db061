"""`backcoach analyze` on a cohort of one-day files: `--jobs 1`, `--jobs 2`, a local Dask cluster.

Usage: python bench/analyze_cluster.py [--files 200] [--distinct 20] [--workers 2] [--workdir DIR]

Why: issue 24 asks `--cluster` to give the outputs of `--jobs 1`, byte for byte, and to be
faster than it whenever more than one core is free. This writes `--distinct` simulated days at
50 Hz as .npz (collector/simulator.py) and links them under `--files` names (a cohort of 200
one-day files without 17 GB of disk; the links share the page cache, as every run here does),
then times the command a researcher runs, once each: `--jobs 1`, `--jobs 2`, and `--cluster` on
a `dask scheduler` with `--workers` `dask worker` processes of one thread (tests/dask_cluster.py,
all on 127.0.0.1; the cluster's start is timed apart, as a cluster outlives one run). It prints
files per minute for each, the speed-up against `--jobs 1`, whether each run's outputs equal
`--jobs 1`'s byte for byte, and what else was running (the machine is shared: the load
average and the busiest other processes at each start). `--files 10` tries it in a few minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.dask_cluster: the same cluster the tests start

from throughput import DAY_START_S, FS_HZ  # noqa: E402

from backcoach.collector.simulator import simulate_day  # noqa: E402
from tests.dask_cluster import LocalDask  # noqa: E402


def _program(args: str) -> str:
    """A process's program as `python -m pytest` or `python accuracy.py`: no folders."""
    words = [Path(w).name for w in args.split()[:3]]
    if words and words[0].startswith("python") and len(words) > 1:
        return " ".join(words[:3] if words[1] == "-m" else words[:2])
    return words[0] if words else "?"


def others() -> str:
    """The load average and the busiest processes outside this bench's own tree (CPU share over
    each one's life, as ps gives it)."""
    rows = subprocess.run(
        ["ps", "-eo", "pid=,ppid=,pcpu=,args=", "--sort=-pcpu"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    procs = [r.split(None, 3) for r in rows if len(r.split(None, 3)) == 4]
    parent = {int(p): int(pp) for p, pp, _, _ in procs}

    def ours(pid: int) -> bool:
        while pid > 1:
            if pid == os.getpid():
                return True
            pid = parent.get(pid, 1)
        return False

    busy = [
        f"{_program(a)} {float(cpu):.0f}%"
        for p, _, cpu, a in procs
        if not ours(int(p)) and float(cpu) >= 1
    ][:5]
    return f"load average {os.getloadavg()[0]:.1f}; busiest others: {', '.join(busy) or 'none'}"


def tree(folder: Path) -> dict[str, str]:
    """Every output file by its relative path, with a digest of its bytes (200 days of outputs
    would not fit in memory twice)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def analyze(inputs: Path, out: Path, *mode: str) -> float:
    cmd = [sys.executable, "-m", "backcoach", "analyze", str(inputs), "--out", str(out), *mode]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(mode)} failed: {done.stderr.strip().splitlines()[-1:]}")
    return wall


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=200, help="one-day files (default 200)")
    p.add_argument("--distinct", type=int, default=20, help="different simulated days (20)")
    p.add_argument("--workers", type=int, default=2, help="dask worker processes (default 2)")
    p.add_argument("--workdir", type=Path, default=None, help="for the files (default: temp)")
    args = p.parse_args(argv)
    print(f"{len(os.sched_getaffinity(0))} cores for this process; {others()}")
    with tempfile.TemporaryDirectory(dir=args.workdir, prefix="bench-cluster-") as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        t0 = time.perf_counter()
        days = []
        for k in range(min(args.distinct, args.files)):
            day = simulate_day(DAY_START_S + k * 86400, fs_hz=FS_HZ, seed=200 + k)
            days.append(inputs / f".day{k}.npz")
            np.savez(days[-1], t=day.samples.t_s, acc=day.samples.acc_g)
        for i in range(args.files):
            os.link(days[i % len(days)], inputs / f"p{i:03d}.npz")
        for d in days:
            d.unlink()
        print(
            f"{args.files} one-day files at {FS_HZ:.0f} Hz ({len(days)} different days, "
            f"{(inputs / 'p000.npz').stat().st_size / 1e6:.0f} MB each) made in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        runs: list[tuple[str, float, bool]] = []
        reference: dict[str, str] | None = None
        for label, mode in (("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"])):
            print(f"{label}: {others()}", flush=True)
            out = Path(tmp) / f"out{len(runs)}"
            wall = analyze(inputs, out, *mode)
            got = tree(out)
            reference = reference or got
            runs.append((label, wall, got == reference))
        t0 = time.perf_counter()
        cluster = LocalDask(Path(tmp) / "dask", workers=args.workers).start()
        try:
            started = time.perf_counter() - t0
            label = f"--cluster (scheduler + {args.workers} workers of 1 thread)"
            print(f"{label}, started in {started:.1f} s: {others()}", flush=True)
            out = Path(tmp) / "outc"
            wall = analyze(inputs, out, "--cluster", cluster.address)
            runs.append((label, wall, tree(out) == reference))
        finally:
            cluster.stop()
        base = runs[0][1]
        for label, wall, same in runs:
            print(
                f"{label}: {args.files} files in {wall:.0f} s = "
                f"{args.files / wall * 60:.1f} files per minute, {base / wall:.2f}x --jobs 1; "
                f"outputs {'equal to' if same else 'DIFFERENT from'} --jobs 1's byte for byte"
            )
        print(f"after the runs: {others()}")
    return 0 if all(same for _, _, same in runs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`backcoach analyze --jobs`: many one-day files, one process against several.

Usage: python bench/analyze_jobs.py [--files 20] [--jobs 1 2] [--workdir DIR]

Why: a cohort is many files; on a machine with N cores `--jobs N` should take about 1/N of the
time (issue 13: 20 one-day files, 2 cores, >= 1.8x faster with --jobs 2). Writes `--files`
simulated days at 50 Hz as .npz into a temporary folder, runs `backcoach analyze` on the folder
once per `--jobs` value and prints the wall time, the speed-up against the first value and the
peak RSS of the parent process (workers are separate processes). The machine is shared: other
load slows the parallel run first, so run it on a quiet machine for the figure that counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from throughput import DAY_START_S, FS_HZ, run_with_peak

from backcoach.collector.simulator import simulate_day


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=20, help="one-day files (default 20)")
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="values to compare")
    p.add_argument("--workdir", type=Path, default=None, help="for the generated files (temp)")
    args = p.parse_args(argv)
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} before the runs")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for i in range(args.files):
            day = simulate_day(DAY_START_S + i * 86400, fs_hz=FS_HZ, seed=200 + i)
            np.savez(inputs / f"p{i:02d}.npz", t=day.samples.t_s, acc=day.samples.acc_g)
        first = None
        for jobs in args.jobs:
            out = Path(tmp) / f"out{jobs}"
            cmd = [sys.executable, "-m", "backcoach", "analyze", str(inputs), "--out", str(out)]
            code, peak, wall, err = run_with_peak([*cmd, "--jobs", str(jobs)])
            if code != 0:
                print(f"--jobs {jobs} failed: {err.strip().splitlines()[-1:]}")
                continue
            first = first or wall
            print(
                f"{args.files} one-day files, --jobs {jobs}: {wall:.1f} s "
                f"({wall / args.files:.2f} s per file), {first / wall:.2f}x the first run, "
                f"parent peak RSS {peak / 1024:.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

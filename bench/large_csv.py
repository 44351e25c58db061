"""`backcoach analyze` on a large CSV (default 2 GB), generated in a temporary folder.

Usage: python bench/large_csv.py [--gb 2] [--workdir DIR] [--keep]

Why: researchers export week-long recordings as CSV; the file must stream through in flat memory
(issue 13: never an out-of-memory). Simulated days at 50 Hz are written as `time,x,y,z` rows
(Unix seconds to the ms, g to 0.1 mg) until the file reaches the size; then `backcoach analyze`
runs on it in its own process and the bench prints the file's rows, the peak RSS, the time and
the rows per second. The file is deleted afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from throughput import DAY_START_S, FS_HZ, run_with_peak

from backcoach.collector.simulator import simulate_day


def write_csv(path: Path, target_bytes: int) -> int:
    """Simulated days as CSV rows until the file holds `target_bytes`; returns the rows."""
    rows, day = 0, 0
    with open(path, "w", encoding="ascii", newline="") as fh:
        fh.write("time,x,y,z\n")
        while fh.tell() < target_bytes:
            sim = simulate_day(DAY_START_S + day * 86400, fs_hz=FS_HZ, seed=100 + day)
            t, a = sim.samples.t_s, sim.samples.acc_g
            for i in range(0, t.size, 500_000):
                part = pd.DataFrame(
                    {"time": t[i : i + 500_000], "x": a[i : i + 500_000, 0]}
                    | {"y": a[i : i + 500_000, 1], "z": a[i : i + 500_000, 2]}
                )
                part["time"] = part["time"].map("{:.3f}".format)
                part.to_csv(fh, header=False, index=False, float_format="%.4f")
                rows += len(part)
                if fh.tell() >= target_bytes:
                    break
            day += 1
    return rows


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gb", type=float, default=2.0, help="file size in GB (10^9 bytes; default 2)")
    p.add_argument("--workdir", type=Path, default=None, help="where the file goes (temp)")
    p.add_argument("--keep", action="store_true", help="keep the generated CSV")
    args = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(dir=args.workdir, prefix="backcoach-bench-"))
    path = tmp / "large.csv"
    t0 = time.perf_counter()
    rows = write_csv(path, int(args.gb * 1e9))
    size = path.stat().st_size
    print(
        f"wrote {path.name}: {size / 1e9:.2f} GB, {rows:,} rows "
        f"({rows / FS_HZ / 86400:.1f} days at {FS_HZ:.0f} Hz) in {time.perf_counter() - t0:.0f} s"
    )
    cmd = [sys.executable, "-m", "backcoach", "analyze", str(path), "--out", str(tmp / "out")]
    code, peak_kib, wall, err = run_with_peak([*cmd, "--jobs", "1"])
    if code != 0:
        print(f"analyze failed (exit {code}): {err.strip().splitlines()[-1:]}")
    else:
        print(
            f"backcoach analyze: peak RSS {peak_kib / 1024:.0f} MiB, {wall:.0f} s, "
            f"{rows / wall / 1e6:.2f} M rows/s (goal: no out-of-memory; <= 1 GB)"
        )
    if not args.keep:
        for f in sorted(tmp.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
        tmp.rmdir()
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

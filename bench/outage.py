"""Benchmark: the InfluxDB outbox through a long outage at the collector's write rate, then drained.

Why: the collector keeps writing while InfluxDB is away (a restart, a NAS asleep, a weekend), and
every write lands in the outbox on the collector's event loop. This measures, per hour of outage,
what the outbox holds (rows, bytes on disk), how long the collector's own `put()` calls take at
that point (p50/p99 over --sample-s seconds of its real call pattern: four raw flushes, an epoch,
ten status facts a second), and, once the server is back, how fast the backlog drains.
Goals (issue 12): put() p99 <= 5 ms after 24 h, drain >= 10x faster than real time. A data
write is durable when put() returns (one fsync), so the last column gives this disk's fsync
p99 at that moment: on a busy shared disk put() cannot be faster than that.

    .venv/bin/python bench/outage.py [--hours 24] [--sample-s 60] [--raw downsampled|full]

The outage hours are set up a minute per transaction (the same rows the collector leaves, see
tests/storage/collector_writes.py), so a day of outage takes minutes, not a day; the latency
figures come from the collector's real calls made after each hour. The server is a local
`influxd` (Debian's 1.x, as the tests use) that is started only after the outage; the drain
ends when it confirmed every point, which is then counted on the server.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.storage: the test server and the collector's writes

from backcoach.config import InfluxSettings  # noqa: E402
from backcoach.storage.influx import InfluxStore  # noqa: E402
from backcoach.storage.influx_schema import Tags  # noqa: E402
from tests.storage.collector_writes import Written, fill, live_second  # noqa: E402
from tests.storage.influx_server import InfluxServer  # noqa: E402

T0 = 1_710_000_000.0  # March 2024, a fixed start so runs compare


def _fsync_floor_ms(folder: Path, n: int = 100) -> float:
    """p99 of one 4 kB append + fsync on this disk now: what a durable commit cannot beat."""
    path = folder / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        lat = []
        for _ in range(n):
            a = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            lat.append(time.perf_counter() - a)
    finally:
        os.close(fd)
        path.unlink()
    return float(np.percentile(np.array(lat) * 1000, 99))


def _disk_mb(path: Path) -> float:
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return sum(p.stat().st_size for p in files if p.exists()) / 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=int, default=24, help="hours of outage (default 24)")
    ap.add_argument(
        "--sample-s",
        type=int,
        default=60,
        help="seconds of the collector's calls timed after each hour (default 60)",
    )
    ap.add_argument("--raw", choices=("downsampled", "full"), default="downsampled")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-outage-") as tmp:
        server = InfluxServer(Path(tmp) / "influxd")  # not started: the outage
        store = InfluxStore(
            InfluxSettings(url=server.url, bucket="bench", raw=args.raw, timeout_s=30.0),
            data_dir=Path(tmp) / "data",
            tags=Tags(wearer="bench", sensor="sim", model="simulator", placement="lower_back"),
        )
        written = Written()
        print(f"outage at the collector's write rate, raw={args.raw}, server away")
        print(
            f"{'hour':>4} {'rows':>9} {'MB disk':>8} {'points':>9} {'put p50 ms':>10} "
            f"{'put p99 ms':>10} {'put max ms':>10} {'fsync p99 ms':>12}"
        )
        t = T0
        for hour in range(1, args.hours + 1):
            fill(store, t, 3600 - args.sample_s, written)
            t += 3600 - args.sample_s
            latencies: list[float] = []
            for s in range(args.sample_s):
                live_second(store, t + s, written, latencies)
            t += args.sample_s
            ms = np.array(latencies) * 1000
            floor = _fsync_floor_ms(Path(tmp))
            print(
                f"{hour:>4} {store.outbox.rows():>9} {_disk_mb(store.outbox.path):>8.1f} "
                f"{store.backlog().points:>9} {np.percentile(ms, 50):>10.2f} "
                f"{np.percentile(ms, 99):>10.2f} {ms.max():>10.2f} {floor:>12.2f}",
                flush=True,
            )
        points = store.backlog().points
        server.start()
        try:
            server.query('CREATE DATABASE "bench"')
            a = time.perf_counter()
            store.flush(timeout_s=3600)
            drain_s = time.perf_counter() - a
            got = (
                server.count("bench", "raw", "x_g"),
                server.count("bench", "epoch", "posture"),
                server.count("bench", "event", "end_s"),
            )
            want = (written.raw, written.epochs, written.events)
            status_ok = store.read_status() == written.status
        finally:
            store.drainer.stop()
            store.outbox.close()
            server.stop()
        per_hour = drain_s / args.hours
        print(
            f"drain: {points} points of {args.hours} h in {drain_s:.1f} s = {per_hour:.2f} s per "
            f"outage hour ({3600 / per_hour:.0f}x faster than real time)"
        )
        print(
            f"on the server: raw {got[0]}/{want[0]}, epochs {got[1]}/{want[1]}, events "
            f"{got[2]}/{want[2]}, status latest: {status_ok} "
            f"({'nothing lost, nothing doubled' if got == want and status_ok else 'MISMATCH'})"
        )
        return 0 if got == want and status_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

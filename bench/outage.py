"""Benchmark: the InfluxDB outbox through a long outage at the collector's write rate, then drained.

Why: the collector keeps writing while InfluxDB is away (a restart, a NAS asleep, a weekend), and
every write lands in the outbox on the collector's event loop. This measures, per hour of outage,
what the outbox holds (rows, bytes on disk), how long the collector's own `put()` calls take at
that point (p50/p99 over --sample-s seconds of its real call pattern: four raw flushes, an epoch,
ten status facts a second), and, once the server is back, how fast the backlog drains.
Goals (issues 12, 24): put() p99 <= 5 ms after 24 h, drain >= 10x faster than real time. When
put() returns its rows survive a kill of the process; the outbox's group commit fsyncs them
right after (storage/outbox.py), so put() no longer waits for the disk. Beside put() the table
shows how long after its return a write is safe from a power cut too (`sync()` after each call
of a shorter pass: "durable after") and this disk's own fsync p99 at that moment.
`--disk-load KB` runs another process that writes KB and fsyncs in a loop for the whole
outage, as a busy shared disk (another program's database, a backup) does.

    .venv/bin/python bench/outage.py [--hours 24] [--sample-s 60] [--raw downsampled|full]
        [--disk-load 64]

The outage hours are set up a minute per transaction (the same rows the collector leaves, see
tests/storage/collector_writes.py), so a day of outage takes minutes, not a day; the latency
figures come from the collector's real calls made after each hour. The server is a local
`influxd` (Debian's 1.x, as the tests use) that is started only after the outage; the drain
ends when it confirmed every point, which is then counted on the server.
"""

from __future__ import annotations

import argparse
import os
import subprocess
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


_DISK_LOAD = """
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block, n = os.urandom(int(sys.argv[2]) * 1024), 0
while True:
    os.write(fd, block)
    os.fsync(fd)
    n += 1
    if n % 64 == 0:
        os.lseek(fd, 0, os.SEEK_SET)
"""


def _durable_after_ms(store: InfluxStore, t: float, written: Written, seconds: int) -> float:
    """p99 of the time from a put()'s return until it is fsynced (0 where put() syncs itself)."""
    sync = getattr(store.outbox, "sync", None)
    if sync is None:
        return 0.0
    lags: list[float] = []

    class _Timed(list):  # live_second appends each call's time; here it waits for the fsync
        def append(self, _put_s: float) -> None:
            a = time.perf_counter()
            sync()
            lags.append(time.perf_counter() - a)

    for s in range(seconds):
        live_second(store, t + s, written, _Timed())
    return float(np.percentile(np.array(lags) * 1000, 99))


def _cpu_wait_s() -> float:
    """Seconds this thread has waited on the run queue for a CPU (Linux schedstat; 0 elsewhere):
    on a shared machine the slowest put() calls are those that waited for a CPU."""
    try:
        return int(Path("/proc/thread-self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


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
    ap.add_argument(
        "--disk-load",
        type=int,
        default=0,
        metavar="KB",
        help="another process writes KB and fsyncs in a loop meanwhile (default 0: none)",
    )
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-outage-") as tmp:
        load = None
        if args.disk_load:
            load = subprocess.Popen(
                [sys.executable, "-c", _DISK_LOAD, str(Path(tmp) / "load"), str(args.disk_load)]
            )
        server = InfluxServer(Path(tmp) / "influxd")  # not started: the outage
        store = InfluxStore(
            InfluxSettings(url=server.url, bucket="bench", raw=args.raw, timeout_s=30.0),
            data_dir=Path(tmp) / "data",
            tags=Tags(wearer="bench", sensor="sim", model="simulator", placement="lower_back"),
        )
        written = Written()
        print(
            f"outage at the collector's write rate, raw={args.raw}, server away, "
            + (f"another process writing {args.disk_load} kB + fsync in a loop" if load else "")
            + ("" if load else "no other disk load from this bench")
        )
        print(
            f"{'hour':>4} {'rows':>9} {'MB disk':>8} {'points':>9} {'put p50 ms':>10} "
            f"{'put p99 ms':>10} {'put max ms':>10} {'durable after p99 ms':>20} "
            f"{'fsync p99 ms':>12}"
        )
        t = T0
        durable_s = max(1, args.sample_s // 6)  # seconds of calls each followed by sync()
        pooled: list[float] = []
        waited = sampled = 0.0  # run-queue wait and wall time of the timed passes
        hourly_p99: list[float] = []
        for hour in range(1, args.hours + 1):
            fill(store, t, 3600 - args.sample_s - durable_s, written)
            t += 3600 - args.sample_s - durable_s
            latencies: list[float] = []
            wait0, wall0 = _cpu_wait_s(), time.perf_counter()
            for s in range(args.sample_s):
                live_second(store, t + s, written, latencies)
            t += args.sample_s
            waited += _cpu_wait_s() - wait0
            sampled += time.perf_counter() - wall0
            durable = _durable_after_ms(store, t, written, durable_s)
            t += durable_s
            ms = np.array(latencies) * 1000
            pooled += latencies
            hourly_p99.append(float(np.percentile(ms, 99)))
            floor = _fsync_floor_ms(Path(tmp))
            print(
                f"{hour:>4} {store.outbox.rows():>9} {_disk_mb(store.outbox.path):>8.1f} "
                f"{store.backlog().points:>9} {np.percentile(ms, 50):>10.2f} "
                f"{np.percentile(ms, 99):>10.2f} {ms.max():>10.2f} {durable:>20.2f} "
                f"{floor:>12.2f}",
                flush=True,
            )
        if load is not None:
            load.kill()
            load.wait()
        ms = np.array(pooled) * 1000
        print(
            f"put() over all {args.hours} hours' samples ({ms.size} calls): p50 "
            f"{np.percentile(ms, 50):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, max "
            f"{ms.max():.2f} ms; hours with p99 <= 5 ms: {sum(x <= 5 for x in hourly_p99)} of "
            f"{args.hours}; this process waited for a CPU "
            f"{100 * waited / max(sampled, 1e-9):.0f} % of those passes' time (load average "
            f"now {os.getloadavg()[0]:.1f})"
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

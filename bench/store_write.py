"""Benchmark: one simulated day (50 Hz raw, its epochs and events) into InfluxDB and into SQLite.

Why: the collector must keep up with a live sensor on small hardware, and `backcoach sync` or
`demo` write whole days at once; this says how long a day takes on each store.

    .venv/bin/python bench/store_write.py [--raw full|downsampled] [--path v1|v2]

It starts a local `influxd` (Debian's 1.x, as the tests do) on a free loopback port with its data
in a temp dir, and times from the first write call until the server confirmed the last point
(outbox drained). `--path v2` puts the test relay in front, so influxdb-client's batching write
API does the sending. The SQLite figure is the embedded store on the same data.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.storage.influx_server, the fixture's server

from backcoach.collector.simulator import simulate_day  # noqa: E402
from backcoach.config import InfluxSettings  # noqa: E402
from backcoach.processing.days import day_bounds  # noqa: E402
from backcoach.processing.pipeline import analyze  # noqa: E402
from backcoach.storage.influx import InfluxStore  # noqa: E402
from backcoach.storage.influx_schema import Tags, samples_columns  # noqa: E402
from backcoach.storage.sqlite import SQLiteStore  # noqa: E402
from tests.storage.influx_server import InfluxServer  # noqa: E402
from tests.storage.v2_relay import V2Relay  # noqa: E402


def _write_all(store, sim, out) -> None:
    store.write_samples(sim.samples)
    store.write_epochs(out.epochs)
    store.write_events(out.events)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", choices=("full", "downsampled"), default="full")
    ap.add_argument("--path", choices=("v1", "v2"), default="v1")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    start_s, _ = day_bounds("2024-03-12", "UTC")
    t = time.perf_counter()
    sim = simulate_day(start_s, fs_hz=50.0, seed=args.seed)
    out = analyze(sim.samples.t_s, sim.samples.acc_g)
    print(
        f"simulated day: {len(sim.samples)} samples, {len(out.epochs)} epochs, "
        f"{len(out.events)} events ({time.perf_counter() - t:.1f} s to make)"
    )

    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        server = InfluxServer(Path(tmp) / "influxd").start()
        relay = V2Relay(server.url).start() if args.path == "v2" else None
        try:
            server.query('CREATE DATABASE "bench"')
            store = InfluxStore(
                InfluxSettings(
                    url=relay.url if relay else server.url,
                    bucket="bench/autogen",
                    raw=args.raw,
                    timeout_s=30.0,
                ),
                data_dir=Path(tmp) / "data",
                tags=Tags(wearer="bench", sensor="sim", model="simulator", placement="lower_back"),
            )
            raw_points = len(samples_columns(sim.samples, args.raw)[1])
            points = raw_points + len(out.epochs) + len(out.events)
            t = time.perf_counter()
            _write_all(store, sim, out)
            queued_s = time.perf_counter() - t
            store.flush(timeout_s=1800)
            total_s = time.perf_counter() - t
            counted = server.count("bench", "raw", "x_g") + server.count(
                "bench", "epoch", "posture"
            )
            store.close()
            print(
                f"influxdb {server.log().split('version=')[1].split()[0]} ({args.path} path, raw "
                f"{args.raw}): {points} points in {total_s:.1f} s = {points / total_s:,.0f} "
                f"points/s (queued in the outbox after {queued_s:.1f} s; server counts "
                f"{counted} raw+epoch points)"
            )
        finally:
            if relay:
                relay.stop()
            server.stop()

        sqlite = SQLiteStore(Path(tmp) / "backcoach.sqlite", tz_name="UTC")
        points = len(sim.samples) + len(out.epochs) + len(out.events)
        t = time.perf_counter()
        _write_all(sqlite, sim, out)
        total_s = time.perf_counter() - t
        sqlite.close()
        size_mb = (Path(tmp) / "backcoach.sqlite").stat().st_size / 1e6
        print(
            f"sqlite (embedded, raw full): {points} points in {total_s:.1f} s = "
            f"{points / total_s:,.0f} points/s ({size_mb:.1f} MB on disk)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

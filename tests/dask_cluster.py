"""A real Dask cluster on loopback: one `dask scheduler` and `dask worker` processes, as a
research group starts them by hand (for tests/test_analyze_cluster.py and bench/analyze_cluster.py).

Each process runs in its own session, so `stop()` ends it with everything it started (a
worker's nanny and the worker process under it). Workers run one thread each, like `--jobs`
processes; a worker whose scheduler is gone ends itself after `death_timeout_s`, so nothing
outlives a test run that was itself killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

START_S = 60.0


class LocalDask:
    """`dask scheduler` + `workers` × `dask worker --nthreads 1` on 127.0.0.1, logs in `folder`."""

    def __init__(self, folder: Path, workers: int = 2, *, worker_args: Sequence[str] = ()) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.n_workers = workers
        self.worker_args = list(worker_args)
        self.scheduler_file = self.folder / "scheduler.json"
        self.procs: list[subprocess.Popen] = []
        self.address = ""

    def _spawn(self, name: str, argv: list[str], prefix: Sequence[str] = ()) -> subprocess.Popen:
        dask = [str(Path(sys.executable).with_name("dask"))]
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (closed in stop)
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        proc = subprocess.Popen(
            [*prefix, *dask, *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        proc.log = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def start(self) -> LocalDask:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._spawn(
            "scheduler",
            [
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--dashboard-address",
                "127.0.0.1:0",
                "--scheduler-file",
                str(self.scheduler_file),
                "--idle-timeout",
                "600",  # a scheduler a killed test run left ends itself
            ],
        )
        deadline = time.monotonic() + START_S
        while not self.scheduler_file.exists():
            if time.monotonic() > deadline or self.procs[0].poll() is not None:
                raise RuntimeError(f"dask scheduler did not start: see {self.folder}")
            time.sleep(0.1)
        while not self.address:
            with contextlib.suppress(ValueError):  # the file is being written
                self.address = json.loads(self.scheduler_file.read_text())["address"]
            time.sleep(0.05)
        for k in range(self.n_workers):
            self.add_worker(f"w{k}")
        if self.n_workers:
            self.wait_for_workers(self.n_workers)

    def add_worker(self, name: str, prefix: Sequence[str] = ()) -> subprocess.Popen:
        """One more `dask worker` (optionally started through `prefix`, e.g. `unshare`)."""
        return self._spawn(
            name,
            [
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--nworkers",
                "1",
                "--host",
                "127.0.0.1",
                "--dashboard-address",
                "127.0.0.1:0",
                "--name",
                name,
                "--local-directory",
                str(self.folder / name),
                "--death-timeout",
                "30",
                *self.worker_args,
            ],
            prefix,
        )

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=30)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as c:
            c.wait_for_workers(n, timeout=START_S)

    def busy_worker_pids(self) -> list[int]:
        """The process ids of workers running a task now (asked from the scheduler)."""
        with self.client() as c:
            busy = {w for w, keys in c.processing().items() if keys}
            pids = c.run(os.getpid, workers=list(busy)) if busy else {}
        return list(pids.values())

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)
            proc.log.close()  # type: ignore[attr-defined]
        self.procs.clear()


@contextlib.contextmanager
def running(folder: Path, workers: int = 2) -> Iterator[LocalDask]:
    cluster = LocalDask(folder, workers)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()

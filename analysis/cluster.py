"""`backcoach analyze --cluster ADDRESS`: a cohort's files on a Dask distributed cluster.

Why: a research group with thousands of week-long files outgrows one machine. Dask's
distributed scheduler is the scientific Python way to spread them (dask-jobqueue starts one on
Slurm or PBS, docs/cluster.md); each file stays one task, run by the same per-file function
as `--jobs` (`commands.analyze._one`), so every output and the cohort table are those of
`--jobs 1`, byte for byte, when the workers run the same backcoach, NumPy and SciPy.

1. Connect to the scheduler (an address, or the scheduler file HPC set-ups share), wait for a
   first worker, and check every worker: same versions as here, and it sees the inputs and the
   output folder (a probe file written here must be readable there, and the folder writable).
   Results are written by the workers themselves, so `--out` must be a path they all share
   (NFS, Lustre, the same path on every machine); otherwise the run is refused before it starts.
2. One task per file; each reports its progress as a worker event on a topic of this run, which
   moves the one progress bar here.
3. A worker lost mid-file (killed, out of memory, its node gone): the scheduler runs the file
   again on another worker, up to `distributed.scheduler.allowed-failures` times (3 by
   default), then it is listed as failed and the others go on. A file that cannot be read is
   listed at once, as with `--jobs` (it would fail again).
4. Each attempt writes into its own scratch folder and renames it when complete; what lost
   attempts leave is removed at the end, with the probe.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import CancelledError
from pathlib import Path

from backcoach.analysis.file import AnalyzeOptions, FileResult
from backcoach.errors import ConfigError

CONNECT_S = 10.0  # to reach the scheduler (distributed retries within it)
FIRST_WORKER_S = 600.0  # a batch system may queue the workers' jobs a while
POLL_S = 0.2  # progress and finished files are looked at this often
PROBE = ".backcoach-cluster-probe-{token}"
INSTALL = "pip install 'backcoach[cluster]'"

OnProgress = Callable[[int, float], None]
Report = Callable[[FileResult], None]
Say = Callable[[str], None]
OneFile = Callable[..., FileResult]


def run_cluster(
    address: str,
    paths: list[Path],
    names: list[str],
    out_dir: Path,
    options: AnalyzeOptions,
    moved: OnProgress,
    report: Report,
    one: OneFile,
    say: Say = lambda line: None,
) -> list[FileResult]:
    """Analyse `paths` on the cluster at `address` with `one` per file (see module)."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise ConfigError(f"--cluster needs Dask's distributed scheduler: {INSTALL}") from exc
    paths = [p.resolve() for p in paths]  # the workers' working folders are not ours
    out_dir = out_dir.resolve()
    client = _connect(Client, address)
    token = uuid.uuid4().hex
    probe = out_dir / PROBE.format(token=token)
    try:
        probe.write_text(token, encoding="utf-8")
        _check_workers(client, address, paths, out_dir, token, say)
        return _run(client, paths, names, out_dir, options, moved, report, one, say, token)
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
        _remove_scratch(out_dir, names)
        client.close()


def _connect(client_type, address: str):
    scheduler_file = address if address.endswith(".json") and Path(address).is_file() else None
    try:
        if scheduler_file:
            return client_type(scheduler_file=scheduler_file, timeout=CONNECT_S)
        return client_type(address, timeout=CONNECT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(
            f"--cluster {address}: cannot reach the Dask scheduler ({exc}); start it "
            "(`dask scheduler`, or your cluster's jobs) or give its address as tcp://HOST:PORT"
        ) from exc


def _versions() -> dict[str, str]:
    import numpy
    import scipy

    import backcoach

    return {
        "backcoach": backcoach.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
    }


def _probe(out_dir: str, token: str, inputs: list[str]) -> dict:
    """On a worker: its versions, and whether it sees the probe, can write, finds the inputs."""
    folder = Path(out_dir)
    probe = folder / PROBE.format(token=token)
    try:
        sees = probe.read_text(encoding="utf-8") == token
    except OSError:
        sees = False
    trial = folder / f".backcoach-cluster-write-{uuid.uuid4().hex}"
    try:
        trial.write_bytes(b"")
        trial.unlink()
        writes = True
    except OSError:
        writes = False
    missing = [p for p in inputs if not os.path.isfile(p)]
    return {
        "host": socket.gethostname(),
        "versions": _versions(),
        "sees": sees,
        "writes": writes,
        "missing": missing[:1],
        "n_missing": len(missing),
    }


def _check_workers(client, address, paths, out_dir: Path, token: str, say: Say) -> None:
    """Refuse, in one line, a cluster whose workers could not do this run as `--jobs` would."""
    if not client.scheduler_info()["workers"]:
        say(f"waiting for a Dask worker to join the scheduler at {address}")
        try:
            client.wait_for_workers(1, timeout=FIRST_WORKER_S)
        except TimeoutError as exc:
            raise ConfigError(
                f"--cluster {address}: no worker joined in {FIRST_WORKER_S / 60:.0f} min; start "
                f"some (`dask worker {address}`, or your cluster's jobs) and run again"
            ) from exc
    answers = client.run(_probe, str(out_dir), token, [str(p) for p in paths], on_error="return")
    ours = _versions()
    for worker, a in sorted(answers.items()):
        if isinstance(a, BaseException):
            raise ConfigError(
                f"--cluster: worker {worker} cannot run backcoach ({type(a).__name__}: {a}); "
                f"install the same backcoach on every worker ({INSTALL})"
            )
        if a["versions"] != ours:
            raise ConfigError(
                f"--cluster: worker {worker} on {a['host']} runs {a['versions']}, this machine "
                f"{ours}; install the same versions everywhere (else the results would differ)"
            )
        if not (a["sees"] and a["writes"]):
            raise ConfigError(
                f"--cluster: worker {worker} on {a['host']} cannot "
                f"{'write to' if a['sees'] else 'see'} the output folder {out_dir}: the workers "
                "write the results, so give --out a folder on a path they all share (the same "
                "path on every machine, e.g. on NFS or Lustre; docs/cluster.md)"
            )
        if a["n_missing"]:
            raise ConfigError(
                f"--cluster: worker {worker} on {a['host']} does not find {a['n_missing']} of "
                f"the {len(paths)} input(s), e.g. {a['missing'][0]}; put the inputs on a path "
                "every worker shares (the same path on every machine)"
            )


def _task(
    one: OneFile,
    topic: str,
    token: str,
    i: int,
    path: Path,
    name: str,
    out_dir: Path,
    options: AnalyzeOptions,
) -> FileResult:
    """On a worker: one file, its progress sent as events (1 % steps) on `topic`."""
    from distributed import get_worker

    worker = get_worker()
    attempt = uuid.uuid4().hex[:8]  # this attempt's own scratch folder
    if not (out_dir / PROBE.format(token=token)).is_file():  # a worker that joined later
        return FileResult(
            path.name,
            name,
            error=f"{path.name}: worker {worker.address} on {socket.gethostname()} does not see "
            f"the output folder {out_dir} (not a shared path); run it again on workers that do",
        )
    last = [-1.0]

    def moved(j: int, share: float) -> None:
        if share - last[0] >= 0.01 or share >= 1.0:
            last[0] = share
            worker.log_event(topic, (j, share))

    return one(i, path, name, out_dir, options, moved, attempt)


def _run(
    client, paths, names, out_dir, options, moved, report, one, say, token
) -> list[FileResult]:
    from distributed import KilledWorker

    run = uuid.uuid4().hex[:12]
    topic = f"backcoach-analyze-{run}"
    events: queue.Queue = queue.Queue()
    client.subscribe_topic(topic, lambda event: events.put(event[1]))
    futures = {
        client.submit(
            _task,
            one,
            topic,
            token,
            i,
            paths[i],
            names[i],
            out_dir,
            options,
            key=f"backcoach-analyze-{run}-{i}",
            pure=False,
        ): i
        for i in range(len(paths))
    }
    results: list[FileResult | None] = [None] * len(paths)
    pending = set(futures)
    try:
        while pending:
            for j, share in _events(events):
                if results[j] is None:
                    moved(j, share)
            if client.status not in ("running", "connecting"):
                break
            for fut in [f for f in pending if f.done()]:
                pending.discard(fut)
                i = futures[fut]
                try:
                    results[i] = fut.result()
                except KilledWorker:
                    results[i] = _failed(
                        paths[i],
                        names[i],
                        "the workers analysing it died each time (out of memory? see their logs)",
                    )
                except Exception as exc:  # what is on disk from this run counts; else say why
                    gone = isinstance(exc, CancelledError) or client.status != "running"
                    results[i] = _from_disk(out_dir, names[i], token) or (
                        _gone(paths[i], names[i])
                        if gone
                        else _failed(paths[i], names[i], f"{type(exc).__name__}: {exc}")
                    )
                if (lost := _lost_workers(client, fut.key)) and results[i].error is None:
                    say(f"{paths[i].name}: {lost} worker(s) lost mid-file; analysed again")
                moved(i, 1.0)
                report(results[i])
    finally:
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(topic)
    for i in range(len(paths)):
        if results[i] is None:  # the scheduler went away
            results[i] = _from_disk(out_dir, names[i], token) or _gone(paths[i], names[i])
            moved(i, 1.0)
            report(results[i])
    return [r for r in results if r is not None]


def _events(events: queue.Queue) -> list[tuple[int, float]]:
    """The progress events that came (waiting up to POLL_S for the first), all of them."""
    got: list[tuple[int, float]] = []
    with contextlib.suppress(queue.Empty):
        got.append(events.get(timeout=POLL_S))
        while True:
            got.append(events.get_nowait())
    return got


def _deaths(key: str, dask_scheduler=None) -> int:
    """On the scheduler: how many workers died while running task `key`."""
    ts = dask_scheduler.tasks.get(key)
    return 0 if ts is None else int(ts.suspicious)


def _lost_workers(client, key: str) -> int:
    """Workers lost while running `key`, for a note (0 when the scheduler will not say)."""
    try:
        return client.run_on_scheduler(_deaths, key)
    except Exception:  # a scheduler that refuses to run our code: no note, no harm
        return 0


def _from_disk(out_dir: Path, name: str, token: str) -> FileResult | None:
    """A file's result as its worker wrote it in this run (newer than the run's probe), if so:
    a file finished just before the scheduler went away still counts."""
    done = out_dir / name / "summary.json"
    try:
        if done.stat().st_mtime < (out_dir / PROBE.format(token=token)).stat().st_mtime:
            return None
        return FileResult(**json.loads(done.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _gone(path: Path, name: str) -> FileResult:
    return _failed(path, name, "the Dask scheduler went away before it finished; run again")


def _failed(path: Path, name: str, why: str) -> FileResult:
    return FileResult(path.name, name, error=f"{path.name}: on the cluster: {why}")


def _remove_scratch(out_dir: Path, names: list[str]) -> None:
    """What attempts on lost workers left: `.<name>.<attempt>.partial` folders."""
    pattern = re.compile(r"\.(.+)\.[0-9a-f]{8}\.partial")
    wanted = set(names)
    with contextlib.suppress(OSError):
        for p in out_dir.iterdir():
            m = pattern.fullmatch(p.name)
            if m and m.group(1) in wanted:
                shutil.rmtree(p, ignore_errors=True)

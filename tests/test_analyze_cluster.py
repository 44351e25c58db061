"""`backcoach analyze --cluster`: a cohort on a real Dask scheduler and two workers (loopback)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from tests.dask_cluster import LocalDask

START = 1_773_100_800.0  # 2026-03-10 00:00 UTC


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A `dask scheduler` and two `dask worker` processes of one thread each."""
    c = LocalDask(tmp_path_factory.mktemp("dask"), workers=2).start()
    try:
        yield c
    finally:
        c.stop()


def _analyze(tmp_path: Path, *args: str, popen: bool = False):
    (tmp_path / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
    }
    cmd = [sys.executable, "-m", "backcoach", "analyze", *args]
    if popen:
        return subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def _tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative path, with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _same_tree(a: Path, b: Path) -> None:
    ta, tb = _tree(a), _tree(b)
    assert sorted(ta) == sorted(tb)
    assert [k for k in ta if ta[k] != tb[k]] == []


def test_a_cohort_on_the_cluster_equals_jobs_1_byte_for_byte(cluster, tmp_path):
    """Four files, one broken: the same outputs and cohort table, the same one error line."""
    script = [
        Segment("walk", 90),
        Segment("stand", 20),
        Segment("bend", peak_deg=70, hold_s=3),
        Segment("sit", 300, lean="upright"),
        Segment("walk", 60),
    ]
    folder = tmp_path / "in"
    folder.mkdir()
    for k, t0 in enumerate((START, START + 86400 - 200, START + 3 * 86400)):  # b spans midnight
        sim = simulate(script, t0, fs_hz=25.0, seed=k)
        np.savez(folder / f"{'abd'[k]}.npz", t=sim.samples.t_s, acc=sim.samples.acc_g)
    (folder / "c.npz").write_bytes(b"PK\x03\x04 not really a zip")
    alone = _analyze(tmp_path, str(folder), "--out", str(tmp_path / "alone"), "--jobs", "1")
    spread = _analyze(
        tmp_path, str(folder), "--out", str(tmp_path / "spread"), "--cluster", cluster.address
    )
    assert alone.returncode == spread.returncode == 1, spread.stderr
    assert "Traceback" not in spread.stderr
    errors = [x for x in spread.stderr.splitlines() if "error" in x]
    assert errors == [x for x in alone.stderr.splitlines() if "error" in x] and len(errors) == 1
    _same_tree(tmp_path / "alone", tmp_path / "spread")
    assert sorted(p.name for p in (tmp_path / "spread").iterdir()) == [
        "a",
        "b",
        "d",
        "summary.csv",
        "summary.json",
    ]  # no probe, no scratch folders left


def test_a_scheduler_file_works_as_the_address(cluster, tmp_path):
    """HPC set-ups share `--scheduler-file`; --cluster takes that file as well."""
    sim = simulate([Segment("walk", 60), Segment("sit", 60)], START, fs_hz=25.0, seed=9)
    np.savez(tmp_path / "one.npz", t=sim.samples.t_s, acc=sim.samples.acc_g)
    res = _analyze(
        tmp_path,
        str(tmp_path / "one.npz"),
        "--out",
        str(tmp_path / "o"),
        "--cluster",
        str(cluster.scheduler_file),
    )
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "o" / "one" / "epochs.csv").exists()


def test_a_worker_killed_mid_file_costs_no_file(cluster, tmp_path):
    """SIGKILL of a worker at work: its file runs again elsewhere; all as with --jobs 1."""
    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for k in range(4):
        t = START + np.arange(int(12 * 3600 * 25)) / 25.0
        acc = (rng.normal(0, 0.002, (t.size, 3)) + [0, 0.3, 0.95]).astype(np.float32)
        np.savez(folder / f"f{k}.npz", t=t, acc=acc)
    out = tmp_path / "spread"
    proc = _analyze(
        tmp_path, str(folder), "--out", str(out), "--cluster", cluster.address, popen=True
    )
    killed: list[int] = []
    deadline = time.monotonic() + 300
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        if out.exists() and any(p.name.endswith(".partial") for p in out.iterdir()):
            pids = cluster.busy_worker_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])
        time.sleep(0.05)
    _, err = proc.communicate(timeout=600)
    assert killed, "no worker was caught at work; the test proved nothing"
    assert proc.returncode == 0, err
    assert "lost mid-file; analysed again" in err
    alone = _analyze(tmp_path, str(folder), "--out", str(tmp_path / "alone"), "--jobs", "1")
    assert alone.returncode == 0, alone.stderr
    _same_tree(tmp_path / "alone", out)
    cluster.wait_for_workers(2)  # the nanny starts a new worker for the other tests


def test_an_output_folder_the_workers_cannot_see_is_refused(tmp_path):
    """A worker with its own view of the disk (a private mount): refused before any work."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to give a worker a private mount")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    c = LocalDask(tmp_path / "dask", workers=0).start()
    try:
        mount = 'mount -t tmpfs none "$0" && exec "$@"'
        prefix = ["unshare", "--mount", "--propagation", "private", "sh", "-c", mount, str(hidden)]
        c.add_worker("elsewhere", prefix)
        c.wait_for_workers(1)
        sim = simulate([Segment("walk", 60)], START, fs_hz=25.0, seed=1)
        np.savez(tmp_path / "x.npz", t=sim.samples.t_s, acc=sim.samples.acc_g)
        res = _analyze(
            tmp_path, str(tmp_path / "x.npz"), "--out", str(hidden / "out"), "--cluster", c.address
        )
    finally:
        c.stop()
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = [x for x in res.stderr.splitlines() if x.strip()]
    assert "cannot see the output folder" in line and "a path they all share" in line
    assert [p.name for p in (hidden / "out").iterdir()] == []  # the probe is gone again


def test_a_scheduler_that_is_not_there_is_one_line(tmp_path):
    """No scheduler at the address: one line that says how to start one."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "x.csv").write_text("time,x,y,z\n0,0,0,1\n")
    res = _analyze(
        tmp_path,
        str(tmp_path / "x.csv"),
        "--out",
        str(tmp_path / "o"),
        "--cluster",
        f"tcp://127.0.0.1:{port}",
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "cannot reach the Dask scheduler" in res.stderr and "dask scheduler" in res.stderr


def test_jobs_and_cluster_together_are_refused(tmp_path):
    (tmp_path / "x.csv").write_text("time,x,y,z\n0,0,0,1\n")
    res = _analyze(
        tmp_path,
        str(tmp_path / "x.csv"),
        "--out",
        str(tmp_path / "o"),
        "--jobs",
        "2",
        "--cluster",
        "tcp://127.0.0.1:8786",
    )
    assert res.returncode == 1 and "--jobs and --cluster" in res.stderr


def test_a_scheduler_lost_mid_run_keeps_the_files_done_and_lists_the_rest(tmp_path):
    """SIGKILL of the scheduler after the first file: it counts; the others are listed."""
    import csv

    folder = tmp_path / "in"
    folder.mkdir()
    rng = np.random.default_rng(5)
    for k in range(6):
        t = START + np.arange(int(6 * 3600 * 25)) / 25.0
        acc = (rng.normal(0, 0.002, (t.size, 3)) + [0, 0.3, 0.95]).astype(np.float32)
        np.savez(folder / f"f{k}.npz", t=t, acc=acc)
    c = LocalDask(tmp_path / "dask", workers=1).start()
    out = tmp_path / "out"
    try:
        proc = _analyze(
            tmp_path, str(folder), "--out", str(out), "--cluster", c.address, popen=True
        )
        deadline = time.monotonic() + 300
        while not (out / "f0").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before the scheduler could be lost"
        os.killpg(c.procs[0].pid, signal.SIGKILL)  # the scheduler
        _, err = proc.communicate(timeout=300)
    finally:
        c.stop()
    assert proc.returncode == 1 and "Traceback" not in err
    with open(out / "summary.csv") as fh:
        done = {r["input"] for r in csv.DictReader(fh)}
    assert "f0.npz" in done and len(done) < 6
    gone = [x for x in err.splitlines() if "the Dask scheduler went away" in x]
    assert len(gone) == 6 - len(done)

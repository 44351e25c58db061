"""The outbox under a long outage: upserted status, running totals, a size cap, a sender that lives.

The sender's own tests use a stand-in `send` (only the failure count matters there); the tests
against a real server are in test_influx_outage.py and test_influx_refusals.py.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
import time
import zlib

import pytest

from backcoach.errors import StoreUnavailable
from backcoach.storage.drainer import Drainer, backoff_s
from backcoach.storage.outbox import Outbox, OutboxFull


def _recount(box: Outbox) -> tuple[int, int, int, int]:
    """The totals by a full scan, to hold the trigger-kept ones against."""
    with sqlite3.connect(box.path) as db:
        return db.execute(
            "SELECT COALESCE(SUM(state = 'pending'), 0), "
            "COALESCE(SUM(CASE WHEN state = 'pending' THEN points ELSE 0 END), 0), "
            "COALESCE(SUM(length(body)), 0), COALESCE(SUM(state = 'rejected'), 0) FROM batches"
        ).fetchone()


def test_running_totals_match_a_full_count_after_any_mix_of_changes(tmp_path):
    """Puts, upserts, acks, refusals, partial set-asides and retries keep the totals exact."""
    box = Outbox(tmp_path / "outbox.sqlite")
    rng = random.Random(7)
    for step in range(400):
        op = rng.choice(["put", "put", "status", "ack", "reject", "aside", "retry"])
        if op == "put":
            n = rng.randint(1, 5)
            box.put("epoch", [("\n".join(f"e v={i} {step}" for i in range(n)), n)])
        elif op == "status":
            box.put("status", [(f"s v={step} 0", 1)], key=f"k{rng.randint(0, 3)}")
        elif op in ("ack", "reject", "aside") and (taken := box.take(max_points=3)):
            b = rng.choice(taken)
            if op == "ack":
                box.ack([b.id])
            elif op == "reject":
                box.reject([b.id], "HTTP 400")
            else:
                box.set_aside(b.id, "e v=0 1", 1, "HTTP 422")
        elif op == "retry":
            box.retry_rejected()
        b = box.backlog()
        assert (b.batches, b.points, b.bytes, b.rejected) == _recount(box), f"step {step}"


def test_a_status_key_keeps_one_pending_row_however_often_it_is_written(tmp_path):
    box = Outbox(tmp_path / "outbox.sqlite")
    for i in range(1000):
        box.put("status", [(f"status,key=a value={i} 0", 1)], key="a")
        box.put("status", [(f"status,key=b value={i} 0", 1)], key="b")
    box.put("epoch", [("epoch posture=1i 5", 1)])
    assert box.rows() == 3 and box.backlog().points == 3
    bodies = [b.body for b in box.take()]
    assert bodies == ["status,key=a value=999 0", "status,key=b value=999 0", "epoch posture=1i 5"]


def test_the_size_cap_warns_once_before_it_is_reached_and_then_refuses(tmp_path, caplog):
    """80 % full: one warning; at the cap: OutboxFull, and the refused write left no row."""
    caplog.set_level(logging.WARNING, logger="backcoach")
    body = "".join(f"epoch v={random.Random(i).random()} {i}\n" for i in range(200))
    size = len(zlib.compress(body.encode(), 1))
    box = Outbox(tmp_path / "outbox.sqlite", max_bytes=10 * size + size // 2)
    for _ in range(8):
        box.put("epoch", [(body, 200)])
    assert not caplog.records
    box.put("epoch", [(body, 200)])  # 9 of 10.5: past 80 %
    box.put("epoch", [(body, 200)])
    warnings = [r for r in caplog.records if "of its" in r.getMessage()]
    assert len(warnings) == 1 and "influx.outbox_max_mb" in warnings[0].getMessage()
    with pytest.raises(OutboxFull, match="is full"):
        box.put("epoch", [(body, 200)])
    assert box.rows() == 10 and box.backlog().points == 2000


def test_an_outbox_file_of_the_earlier_version_is_migrated_with_its_rows(tmp_path):
    path = tmp_path / "outbox.sqlite"
    with sqlite3.connect(path) as db:  # the version-1 schema, as the previous release wrote it
        db.executescript(
            "CREATE TABLE batches(id INTEGER PRIMARY KEY AUTOINCREMENT, created_s REAL NOT NULL,"
            " kind TEXT NOT NULL, points INTEGER NOT NULL, body BLOB NOT NULL,"
            " state TEXT NOT NULL DEFAULT 'pending', error TEXT);"
            "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        )
        for i in range(5):
            db.execute(
                "INSERT INTO batches(created_s, kind, points, body) VALUES(?, 'epoch', 2, ?)",
                (i, zlib.compress(f"e v=1 {i}\ne v=2 {i}".encode())),
            )
    box = Outbox(path)
    b = box.backlog()
    assert (b.batches, b.points, b.oldest_s) == (5, 10, 0.0)
    assert (b.batches, b.points, b.bytes, b.rejected) == _recount(box)


class _Failing:
    """A send that fails `n` times in a row, then confirms; counts its calls."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls = 0
        self.sent: list[str] = []

    def __call__(self, batches) -> None:
        self.calls += 1
        if self.calls <= self.n:
            raise StoreUnavailable("InfluxDB at test is unreachable (connection refused)")
        self.sent.extend(b.body for b in batches)


def _wait(predicate, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_a_sender_failing_2000_times_in_a_row_lives_on_and_then_delivers(tmp_path, caplog):
    """Past the 1,024th failure the back-off stays bounded; the thread never dies."""
    caplog.set_level(logging.INFO, logger="backcoach")
    assert backoff_s(1025) == backoff_s(10**9) == 30.0
    box = Outbox(tmp_path / "outbox.sqlite")
    send = _Failing(2000)
    drainer = Drainer(box, send, target="test", backoff_first_s=1e-6, backoff_max_s=1e-4)
    box.put("epoch", [("epoch posture=1i 1", 1)])
    drainer.wake()
    try:
        _wait(lambda: send.sent or not drainer.alive, timeout_s=60)
        assert drainer.alive, "the sending thread died"
        assert send.sent == ["epoch posture=1i 1"] and send.calls == 2001
        assert box.backlog().points == 0
        said = [r.getMessage() for r in caplog.records]
        assert sum("retrying" in m for m in said) == 1, "one line per outage, not per attempt"
    finally:
        drainer.stop()


def test_the_sender_survives_its_own_bookkeeping_failing(tmp_path, caplog):
    """Even an error while noting a failure is logged and followed by a retry, not a dead thread."""
    box = Outbox(tmp_path / "outbox.sqlite")
    send = _Failing(3)
    drainer = Drainer(box, send, target="test", backoff_first_s=1e-4, backoff_max_s=1e-3)
    drainer.backoff_max_s = 1e-3  # the pause after an unexpected error
    real, broken = drainer._note_failure, threading.Event()

    def note_failure(exc):
        if not broken.is_set():
            broken.set()
            raise sqlite3.OperationalError("database is locked")
        real(exc)

    drainer._note_failure = note_failure
    box.put("epoch", [("epoch posture=1i 1", 1)])
    drainer.wake()
    try:
        _wait(lambda: send.sent or not drainer.alive)
        assert drainer.alive and send.sent == ["epoch posture=1i 1"]
        assert "it keeps going" in caplog.text
    finally:
        drainer.stop()


def test_writes_during_a_back_off_do_not_start_attempts_but_a_flush_does(tmp_path):
    """2,500 writes in an outage: attempts follow the back-off, not the writes."""
    box = Outbox(tmp_path / "outbox.sqlite")
    send = _Failing(10**9)
    drainer = Drainer(box, send, target="test", backoff_first_s=0.5, backoff_max_s=30.0)
    try:
        t0 = time.monotonic()
        for i in range(2500):
            box.put("epoch", [(f"epoch posture=1i {i}", 1)])
            drainer.wake()
        elapsed = time.monotonic() - t0
        # 0.5 + 1 + 2 + 4 + ... seconds between attempts: a handful, however many writes
        assert send.calls <= 2 + elapsed.__ceil__().bit_length(), (send.calls, elapsed)
        before = send.calls
        with pytest.raises(StoreUnavailable, match="unreachable"):
            drainer.flush(5.0)  # a flush tries now, even in the middle of a back-off
        assert send.calls == before + 1
    finally:
        drainer.stop()


_WRITER = """
import sys, threading
from backcoach.storage.outbox import Outbox

box = Outbox(sys.argv[1])

def status():
    k = 0
    while True:
        box.put("status", [(f"s v={k} 0", 1)], key="collector.posture")
        k += 1

threading.Thread(target=status, daemon=True).start()
k = 0
while True:
    box.put("raw", [("\\n".join(f"r v={k} {k}{i}" for i in range(25)), 25)])
    print(k, flush=True)  # confirmed to the caller: put() returned
    k += 1
"""


@pytest.mark.parametrize("after", [1, 150, 700])
def test_a_sigkill_loses_nothing_that_put_confirmed(tmp_path, after):
    """A writer killed with SIGKILL mid-stream: every put() that returned is in the outbox."""
    import os
    import signal
    import subprocess
    import sys

    path = tmp_path / "outbox.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    confirmed = [int(proc.stdout.readline()) for _ in range(after)]
    os.kill(proc.pid, signal.SIGKILL)
    confirmed += [int(x) for x in proc.stdout.read().split()]  # printed before the kill landed
    assert proc.wait(timeout=30) == -signal.SIGKILL
    box = Outbox(path)  # the next run opens it (and recovers the WAL)
    batches = []
    while taken := box.take(max_points=10**9):  # 1000 rows at a time
        batches += taken
        box.ack([b.id for b in taken])
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    raw = [int(b.body.split()[1].removeprefix("v=")) for b in batches if b.kind == "raw"]
    assert raw[: len(confirmed)] == confirmed  # all of them, in order, none twice
    assert len(raw) - len(confirmed) <= 1  # at most the put() the kill interrupted
    assert [b.kind for b in batches].count("status") <= 1
    box.close()


def test_puts_are_fsynced_by_the_group_commit_not_by_the_caller(tmp_path, monkeypatch):
    """put() returns before the disk flush; the WAL is fsynced right after by the outbox's
    thread, one fsync for many commits, and once more on close; sync() waits for it."""
    import os

    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append((threading.current_thread().name, os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    box = Outbox(tmp_path / "outbox.sqlite")
    assert box.sync(timeout_s=10)
    calls.clear()
    for k in range(200):
        box.put("raw", [(f"r v={k} {k}", 1)])
    assert box.sync(timeout_s=10)
    wal = str(tmp_path / "outbox.sqlite-wal")
    assert calls and set(calls) == {("outbox-fsync", wal)}
    assert len(calls) < 200  # commits made during an fsync share the next one
    calls.clear()
    box.put("status", [("s v=1 0", 1)], key="k")  # a live fact asks for no fsync of its own
    box.put("raw", [("r v=1 1", 1)])
    box.close()
    assert calls == [("outbox-fsync", wal)]

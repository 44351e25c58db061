"""Out of range, but not missed: the sensor's own memory fills the gap (real bleak, emulated BlueZ).

The emulated sensors log on board as their protocols say (the open profile's log; MetaWear's
logging module), keep logging while connected, and answer the collector's read-outs beside the
live stream. `Truth` gives every sample the sensor took, so each test checks sample by sample.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backcoach.collector.ble import async_find
from backcoach.collector.session import CollectSession, SessionResult
from backcoach.config import Settings
from backcoach.live.sensor import sensor_live_run
from backcoach.storage import open_store
from tests.ble.conftest import DEVICES, Emulator

pytestmark = pytest.mark.ble

LOG_RATE_HZ = 25.0  # what the collector asks the open profile's log for
STREAM_HZ = 50.0


async def _away_session(
    bluez: Emulator, key: str, tmp: Path, seconds: float, away_s: float
) -> tuple[SessionResult, dict]:
    """A session in which the sensor walks out of range for `away_s` after 3 s of streaming."""
    address = DEVICES[key]["address"]
    settings = Settings(data_dir=str(tmp))
    store = open_store(settings)
    found = await async_find(address, timeout_s=5.0)
    session = CollectSession(settings, store, found, live_factory=sensor_live_run)
    task = asyncio.create_task(session.run(seconds))
    deadline = time.monotonic() + 15.0
    while session.stats.samples == 0:
        assert time.monotonic() < deadline and not task.done(), "no stream"
        await asyncio.sleep(0.02)
    await asyncio.sleep(3.0)
    await bluez.call("Away", address, away_s, signature="sd")
    result = await task
    store.close()
    return result, await bluez.stats(address)


def _truth(bluez: Emulator, address: str, first: int, last: int, tmp: Path):  # noqa: ANN202
    asyncio.run(bluez.call("Truth", address, first, last, str(tmp / "t.npz"), signature="suus"))
    return np.load(tmp / "t.npz")


def _log(bluez: Emulator, address: str) -> dict:
    return json.loads(asyncio.run(bluez.call("LogStats", address, signature="s")))


def _stored(tmp: Path):  # noqa: ANN202
    store = open_store(Settings(data_dir=str(tmp)))
    try:
        return store.read_samples(0, 4e9), store.read_events(0, 4e9)
    finally:
        store.close()


def _logged_in_gap(bluez: Emulator, address: str, truth, step: int, tmp: Path) -> np.ndarray:
    """The truth's samples the log kept (every `step`-th) strictly between the last sample the
    sensor streamed before the gap and the first after it (the emulator's `Dump` says which)."""
    asyncio.run(bluez.call("Dump", address, str(tmp / "sent.npz"), signature="ss"))
    sent = np.load(tmp / "sent.npz")["index"]
    jump = int(np.argmax(np.diff(sent)))
    index = truth["index"]
    return (index % step == 0) & (index > sent[jump]) & (index < sent[jump + 1])


def _assert_filled(stored, truth, keep: np.ndarray, tol_s: float = 0.005) -> None:  # noqa: ANN001
    """Each logged sample of the gap is stored once, with its value, where its time says.

    The host clock sits a steady few tens of ms from the true times (the drift model learns
    the offset from the fastest packets): each sample is looked for by its value among the
    stored ones within 0.1 s (a still sensor repeats values: the one nearest the steady
    offset is it), and every one must sit at that offset within 5 ms."""
    t_true, acc_true = truth["t_s"][keep], truth["acc_g"][keep]
    lo = np.searchsorted(stored.t_s, t_true - 0.1)
    hi = np.searchsorted(stored.t_s, t_true + 0.1)
    matches = []
    for k in range(t_true.size):
        same = np.all(np.abs(stored.acc_g[lo[k] : hi[k]] - acc_true[k]) < 1.1e-3, axis=1)
        assert same.any(), f"sample {k} of the gap is not in the store"
        matches.append(lo[k] + np.flatnonzero(same))
    offset = np.median(
        [stored.t_s[m[0]] - t for m, t in zip(matches, t_true, strict=True) if m.size == 1]
    )
    found = [
        m[np.argmin(np.abs(stored.t_s[m] - t - offset))]
        for m, t in zip(matches, t_true, strict=True)
    ]
    assert np.max(np.abs(stored.t_s[found] - t_true - offset)) < tol_s, "not where taken"
    assert abs(offset) < 0.05 and np.unique(found).size == len(found)
    near = (stored.t_s > t_true[0] - 0.5) & (stored.t_s < t_true[-1] + 0.5)
    assert np.all(np.diff(stored.t_s[near]) > 0.005), "a sample stored twice at the gap's edge"


def test_a_walk_out_of_range_is_filled_from_the_open_sensors_log(bluez: Emulator, tmp_path):
    """8 s away: the 25 Hz log of those seconds is read back beside the stream and stored, a
    `memory` event marks it, no gap is left; the sensor erases it only after it is stored."""
    spec = DEVICES["memory"]
    result, stats = asyncio.run(_away_session(bluez, "memory", tmp_path, 22.0, 8.0))
    filled = result.filled
    assert filled is not None and filled.holes == 1 and filled.missing_s == 0.0
    stored, events = _stored(tmp_path)
    (away,) = stats["away_at"]
    truth = _truth(bluez, spec["address"], away - 100, away + 500, tmp_path)
    keep = _logged_in_gap(bluez, spec["address"], truth, 2, tmp_path)
    assert keep.sum() > 8 * LOG_RATE_HZ - 5
    assert filled.filled == keep.sum()
    _assert_filled(stored, truth, keep)
    (memory,) = [e for e in events if e.type == "memory"]
    assert memory.attrs["samples"] == keep.sum()
    assert not [e for e in events if e.type == "gap" and "samples_lost" in e.attrs]
    log = _log(bluez, spec["address"])
    gap_from_s = away / STREAM_HZ
    read_done = min(h[0] for h in log["history"] if h[1] == "read" and h[3] > gap_from_s)
    early = [h for h in log["history"] if h[1] == "erase" and h[2] > gap_from_s]
    assert early and all(h[0] > read_done for h in early), "erased before it was read"


def test_a_metamotion_gap_is_filled_from_its_logging_module(bluez: Emulator, tmp_path):
    """MetaWear: two log entries per sample, ticks on a clock of their own, placed on the
    stream's times by the samples both hold: every sample of the gap back, none twice."""
    spec = DEVICES["memory_mw"]
    result, stats = asyncio.run(_away_session(bluez, "memory_mw", tmp_path, 24.0, 8.0))
    assert result.filled is not None and result.filled.holes == 1
    stored, events = _stored(tmp_path)
    (away,) = stats["away_at"]
    truth = _truth(bluez, spec["address"], away - 100, away + 500, tmp_path)
    keep = _logged_in_gap(bluez, spec["address"], truth, 1, tmp_path)
    assert result.filled.filled == keep.sum() > 8 * STREAM_HZ - 10
    # its stream has no timestamps: after a gap the stream's own times are counted to within a
    # sample, and the log is placed between the stream on either side
    _assert_filled(stored, truth, keep, tol_s=1.0 / STREAM_HZ)
    assert [e.type for e in events if e.type == "memory"] == ["memory"]
    log = _log(bluez, spec["address"])
    assert log["erases"], "nothing dropped from the sensor after the store had it"
    assert log["triggers"] == {"0": [3, 4, 0, 4], "1": [3, 4, 4, 2]}


def test_a_full_memory_fills_what_it_kept_and_the_rest_stays_a_gap(bluez: Emulator, tmp_path):
    """A memory of 10 s at 25 Hz, 16 s away: it stopped logging when full (the oldest kept),
    so the first seconds come back and the rest is one gap event with its lost samples."""
    spec = DEVICES["memory_full"]
    result, stats = asyncio.run(_away_session(bluez, "memory_full", tmp_path, 30.0, 16.0))
    (report,) = result.filled.reports
    stored, events = _stored(tmp_path)
    capacity_s = spec["log"]["capacity"] / LOG_RATE_HZ
    assert 0 < report.filled_s <= capacity_s
    held_before_s = capacity_s - report.filled_s  # streamed seconds not yet erased at the gap
    assert held_before_s < 4.0
    assert report.missing_s == pytest.approx(report.hole.duration_s - report.filled_s, abs=0.1)
    (gap,) = [e for e in events if e.type == "gap" and "samples_lost" in e.attrs]
    assert gap.end_s == pytest.approx(report.hole.host_to_s)
    assert gap.attrs["samples_lost"] == pytest.approx(gap.duration_s * STREAM_HZ - 1, abs=1.0)
    (memory,) = [e for e in events if e.type == "memory"]
    assert memory.end_s <= gap.start_s + 0.05


def test_a_read_out_that_finds_nothing_erases_nothing_of_the_gap(
    bluez: Emulator, tmp_path, monkeypatch
):
    """The first read-out of the gap brings nothing back (a range asked wrongly, a log that
    misbehaves): the sensor must not erase the gap, and the next try reads it all back."""
    from backcoach.collector import gap_filler, sensor_log

    real_read = sensor_log.OpenMemory.read
    calls: list[object] = []

    def first_finds_nothing(self, hole, anchors=None):  # noqa: ANN001, ANN202
        calls.append(hole)
        return _nothing() if len(calls) == 1 else real_read(self, hole, anchors)

    monkeypatch.setattr(sensor_log.OpenMemory, "read", first_finds_nothing)
    monkeypatch.setattr(gap_filler, "UNREAD_RETRY_S", 3.0, raising=False)  # try again soon
    spec = DEVICES["memory_retry"]
    result, stats = asyncio.run(_away_session(bluez, "memory_retry", tmp_path, 26.0, 8.0))
    assert result.filled.reports[0].filled == 0
    (away,) = stats["away_at"]
    gap_from_s = away / STREAM_HZ
    log = _log(bluez, spec["address"])
    reads = [h[0] for h in log["history"] if h[1] == "read" and h[3] > gap_from_s]
    read_again = min(reads, default=float("inf"))
    erased = [h for h in log["history"] if h[1] == "erase"]
    assert erased, "nothing erased at all"
    assert all(h[2] < gap_from_s for h in erased if h[0] < read_again), "erased before read"
    assert len(calls) >= 2 and reads, "the empty read-out was not tried again"
    stored, _events = _stored(tmp_path)
    truth = _truth(bluez, spec["address"], away - 100, away + 500, tmp_path)
    keep = _logged_in_gap(bluez, spec["address"], truth, 2, tmp_path)
    _assert_filled(stored, truth, keep)


async def _nothing():  # noqa: ANN202
    """A read-out that yields no samples."""
    return
    yield


def _collect(data_dir: Path, address: str) -> subprocess.Popen:
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(data_dir))
    cmd = [sys.executable, "-m", "backcoach", "collect", "--sensor", address]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _until(predicate, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"collect did not get there: {proc.communicate()[1][-3000:]}")
        time.sleep(0.1)


def test_a_collector_killed_mid_read_out_loses_and_erases_nothing(bluez: Emulator, tmp_path):
    """`backcoach collect` SIGKILLed while it reads a gap back (a slow link): the sensor still
    holds the gap; started again, it reads it (and the seconds of the restart) into the store."""
    address = DEVICES["memory_kill"]["address"]
    first = _collect(tmp_path, address)
    _until(lambda: asyncio.run(bluez.stats(address))["sent_samples"] > 150, first)
    time.sleep(1.0)
    asyncio.run(bluez.call("Away", address, 8.0, signature="sd"))
    read0 = _log(bluez, address)["read_samples"]
    _until(lambda: _log(bluez, address)["read_samples"] > read0 + 40, first, 60.0)
    first.kill()
    first.wait()
    (away,) = asyncio.run(bluez.stats(address))["away_at"]
    held = _log(bluez, address)
    assert held["oldest_s"] < away / STREAM_HZ, "the gap was erased before it was stored"

    second = _collect(tmp_path, address)
    gap_end_s = (away + 8 * STREAM_HZ) / STREAM_HZ
    _until(lambda: max(_log(bluez, address)["erases"], default=0) > gap_end_s, second, 120.0)
    second.send_signal(signal.SIGTERM)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err[-3000:]
    stored, events = _stored(tmp_path)
    truth = _truth(bluez, address, away - 100, away + 700, tmp_path)
    t = truth["t_s"]
    around = (stored.t_s > t[0]) & (stored.t_s < t[-1])
    holes = np.diff(stored.t_s[around]) > 0.05  # the 25 Hz log fills the 50 Hz stream's gaps
    assert not holes.any(), f"left unfilled: {np.diff(stored.t_s[around])[holes]}"
    index = truth["index"]  # the 8 s the sensor was away (it took longer to reconnect)
    keep = (index % 2 == 0) & (index >= away + 10) & (index < away + 8 * STREAM_HZ - 10)
    assert keep.sum() == (8 * STREAM_HZ - 20) / 2
    _assert_filled(stored, truth, keep)
    assert [e for e in events if e.type == "memory"]


def test_scan_says_which_families_are_left_out_and_why(bluez: Emulator, capsys) -> None:  # noqa: ANN001
    """`scan` names the sensor families whose memory backcoach does not read, with the reason."""
    from backcoach import cli

    assert cli.main(["scan", "--timeout", "1", "--profile", "polar"]) == 0
    polar = " ".join(capsys.readouterr().out.split())
    assert "polar: time out of range stays a gap: left out: an H10 records heart rate only" in polar
    assert cli.main(["scan", "--timeout", "1", "--profile", "movesense"]) == 0
    movesense = " ".join(capsys.readouterr().out.split())
    assert "movesense: time out of range stays a gap: left out: its DataLogger" in movesense
    assert cli.main(["scan", "--timeout", "1", "--profile", "open"]) == 0
    own = " ".join(capsys.readouterr().out.split())
    assert "open: out of range, it keeps measuring into" in own

"""Bench: a live session's gaps filled from the sensor's own memory (real bleak, emulated BlueZ).

Runs the collector in this process (or `backcoach collect` as a process, for the kill) against
an emulated sensor on a private D-Bus (tests/ble), with the embedded store. A session of hours
is paced fast: the emulated sensor's clock and this process's `time.time` both run `--speed`
times the wall clock (monotonic time, which asyncio, the watchdog and the emulator's link use,
is untouched), so the collector sees a normal 50 Hz stream on its host clock. The emulated link
carries read-outs at `emulated_memory.READOUT_BPS` bytes per paced second (an assumption: a
modest BLE link), beside the live stream.

walk   a 2-hour desk session (tests/ble SCRIPTS["desk"]: 45 min at the desk, a 20-min walk, back
       to the desk ...) with the sensor out of range for 20 minutes of the walk. Printed: share
       of the gap's logged samples back in the store (goal ≥ 99 %), posture per second in the
       gap against an uninterrupted run of the same signal through the same live path (goal
       ≥ 0.99), duplicates (raw, epochs, events; goal 0), the sitting bout the walk ended
       (start/end against the uninterrupted run), read-out speed (goal ≥ 20× real time), the
       live stream during the read-out (largest hole in the stored stream, and the pause of
       the live path for the final commit).
night  the sensor away for 10 hours with a memory of 2 hours (at 25 Hz): what came back against
       what its budget says, and the log line that says so.
kill   `backcoach collect` SIGKILLed in the middle of a read-out (the link slowed to make it
       last) and started again: samples of the gap missing afterwards (goal 0), erased on the
       sensor before the store had them (goal 0), duplicates (goal 0).

    .venv/bin/python bench/sensor_memory.py [--scenario all|walk|night|kill] [--speed 20]
        [--profile open|metamotion]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for tests.ble (the emulator) when run as a script

from tests.ble.conftest import Emulator  # noqa: E402
from tests.ble.dbus_bus import emulator, private_bus  # noqa: E402
from tests.ble.emulated_memory import READOUT_BPS  # noqa: E402
from tests.ble.emulated_sensors import Wire, wearer_signal  # noqa: E402

WALK = {"address": "C0:FF:EE:00:02:00", "name": "BC-DIY-W", "profile": "open", "rate_hz": 50}
METAWEAR = {"address": "C0:FF:EE:00:02:03", "name": "MetaWear", "profile": "metamotion"}
NIGHT = {"address": "C0:FF:EE:00:02:01", "name": "BC-DIY-N", "profile": "open", "rate_hz": 50}
KILL = {"address": "C0:FF:EE:00:02:02", "name": "BC-DIY-K", "profile": "open", "rate_hz": 50}
SEED = 1
WALK_STARTS_S = 60.0 + 30.0 + 45 * 60.0  # the desk script's second walk (data time)
AWAY_AFTER_WALK_S = 10.0  # the link drops this long after the walk starts (a few metres)
AWAY_S = 20 * 60.0
WALK_SESSION_S = 120 * 60.0
NIGHT_MEMORY_S = 2 * 3600.0
NIGHT_AWAY_S = 10 * 3600.0


@contextlib.contextmanager
def paced(speed: float, t0: float, mono0: float) -> Iterator[None]:
    """`time.time` runs `speed` times the wall clock from (t0, mono0), as the emulator's does.

    The sample clock's "host clock went back" test (`ble_timing.CLOCK_BACK_S`, 2 s) is
    scaled by the pace as well: it guards against delivery jitter, which happens in wall time,
    and at 20x a 0.1 s hiccup of a loaded machine would look like a 2 s step of the clock."""
    from backcoach.collector import ble_timing

    real, back_s = time.time, ble_timing.CLOCK_BACK_S
    time.time = lambda: t0 + (time.monotonic() - mono0) * speed  # type: ignore[assignment]
    ble_timing.CLOCK_BACK_S = back_s * speed
    try:
        yield
    finally:
        time.time = real  # type: ignore[assignment]
        ble_timing.CLOCK_BACK_S = back_s


def truth(stats: dict, spec: dict, script: str, last_index: int):  # noqa: ANN201
    """Every sample the emulated sensor took from the script's start: true times, values."""
    from backcoach.processing.types import Samples

    rate = float(spec.get("rate_hz", 50))
    wire = Wire(spec["profile"], rate, 0.0, False)
    signal = wire.quantise(wearer_signal(rate, SEED, script))
    idx = np.arange(stats["origin"], last_index)
    t = stats["boot_epoch_s"] + idx / rate / (1 + 40e-6)
    return idx, Samples(t, signal[(idx - stats["origin"]) % signal.shape[0]])


def uninterrupted(samples, data_dir: str):  # noqa: ANN001, ANN201
    """The same signal through the same live path, without a gap: epochs and events."""
    from backcoach.collector.simulator import iter_chunks
    from backcoach.config import Settings
    from backcoach.live.run import LiveRun
    from backcoach.storage import open_store

    settings = Settings(data_dir=data_dir)
    store = open_store(settings)
    live = LiveRun(settings, store, raw_flush_s=0.5)
    for chunk in iter_chunks(samples, 5.0):
        live.push(chunk)
    live.finish()
    out = store.read_epochs(0, 4e9), store.read_events(0, 4e9)
    store.close()
    return out


async def session(
    bus: str, spec: dict, data_dir: str, seconds: float, speed: float, actions: list
) -> tuple[object, float]:
    """A collect session in this process for `seconds` of paced time; `actions` are
    (paced seconds after the first sample, control, args, signature). Returns (result, t0)."""
    from backcoach.alerts import Dispatcher, engine_from_settings
    from backcoach.collector.ble import async_find
    from backcoach.collector.session import CollectSession
    from backcoach.config import Settings
    from backcoach.live.sensor import sensor_live_run
    from backcoach.live.warnings import warning_hook
    from backcoach.storage import open_store

    settings = Settings(data_dir=data_dir)
    store = open_store(settings)
    found = await async_find(spec["address"], timeout_s=10.0)
    rules = warning_hook(engine_from_settings(settings), Dispatcher([], lang="en"))  # no channel
    run = CollectSession(settings, store, found, live_factory=sensor_live_run, on_output=[rules])
    task = asyncio.create_task(run.run(seconds / speed))
    while run.stats.samples == 0:
        await asyncio.sleep(0.01)
    first_s = time.time()
    ctl = Emulator(bus, {})
    for at_s, member, args, sig in actions:
        await asyncio.sleep(max(0.0, (first_s + at_s - time.time()) / speed))
        await ctl.call(member, spec["address"], *args, signature=sig)
    result = await task
    store.close()
    return result, first_s


def duplicates(store) -> dict:  # noqa: ANN001
    raw = store.read_samples(0, 4e9)
    close = np.flatnonzero(np.diff(raw.t_s) < 0.005)  # closer than a quarter of 50 Hz
    twice = np.all(np.abs(raw.acc_g[close] - raw.acc_g[close + 1]) < 1e-6, axis=1)
    epochs = store.read_epochs(0, 4e9)
    events = store.read_events(0, 4e9)
    overlaps = 0
    for kind in ("sitting_bout", "walk", "lying", "memory"):
        ev = sorted((e for e in events if e.type == kind), key=lambda e: e.start_s)
        overlaps += sum(b.start_s < a.end_s - 1.0 for a, b in zip(ev, ev[1:], strict=False))
    return {
        "raw": int(twice.sum()),  # the same sample stored twice
        "squeezed": int((~twice).sum()),  # stream samples the clock's refit squeezed together
        "epochs": int(len(epochs) - np.unique(epochs.t_s).size),
        "events": overlaps,
    }


def agreement(a, b, lo: float, hi: float) -> tuple[float, int]:  # noqa: ANN001
    """Posture per second in [lo, hi): share of b's epochs that a has with the same posture."""
    sel_b = (b.t_s >= lo) & (b.t_s < hi)
    pos_a = dict(zip(np.round(a.t_s).astype(np.int64).tolist(), a.posture.tolist(), strict=True))
    keys = np.round(b.t_s[sel_b]).astype(np.int64)
    want = b.posture[sel_b].tolist()
    same = [pos_a.get(k) == p for k, p in zip(keys.tolist(), want, strict=True)]
    return (float(np.mean(same)) if same else float("nan")), int(sel_b.sum())


def disagreements(a, b, lo: float, hi: float) -> list[tuple[float, int, str, str]]:  # noqa: ANN001
    """Stretches of b's seconds in [lo, hi) where a's posture differs: (start, seconds, a, b),
    longest first."""
    from backcoach.processing.types import POSTURE_CODE

    name = {v: k for k, v in POSTURE_CODE.items()}
    sel = (b.t_s >= lo) & (b.t_s < hi)
    pos_a = dict(zip(np.round(a.t_s).astype(np.int64).tolist(), a.posture.tolist(), strict=True))
    keys = np.round(b.t_s[sel]).astype(np.int64).tolist()
    runs: list[tuple[float, int, str, str]] = []
    for k, p in zip(keys, b.posture[sel].tolist(), strict=True):
        q = pos_a.get(k)
        if q == p:
            continue
        mine, ref = name.get(q, "none"), name.get(p, "none")
        if runs and runs[-1][2:] == (mine, ref) and k - runs[-1][0] - runs[-1][1] < 2:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1, mine, ref)
        else:
            runs.append((float(k), 1, mine, ref))
    return sorted(runs, key=lambda r: -r[1])


def by_value(stored, full, idx: np.ndarray, hole) -> tuple[dict, float]:  # noqa: ANN001
    """Which of the sensor's samples the stored ones around and in a hole are, by value.

    The stored times are the collector's host clock (its offset from the truth wanders by
    tens of ms on a paced clock), so samples are identified by their values (the store keeps
    milli-g), each near where its time puts it. Returns the sample index of the last stored
    sample before the hole ("from"), the first after ("to"), the indices found inside, and
    the largest placement error inside against a line through the two edges (ms).
    """
    key = np.round(full.acc_g.astype(np.float64) * 1000).astype(np.int64)
    table: dict[tuple[int, int, int], list[int]] = {}
    for i, k in enumerate(map(tuple, key)):
        table.setdefault(k, []).append(i)
    stored_key = np.round(stored.acc_g.astype(np.float64) * 1000).astype(np.int64)
    guess = np.searchsorted(full.t_s, stored.t_s)
    found = np.full(len(stored), -1)
    for j, k in enumerate(map(tuple, stored_key)):
        cands = table.get(k, [])
        if cands:
            best = min(cands, key=lambda c: abs(c - guess[j]))
            if abs(best - guess[j]) < 50:
                found[j] = best
    before = found[(stored.t_s <= hole.host_from_s) & (found >= 0)]
    after = found[(stored.t_s >= hole.host_to_s) & (found >= 0)]
    inside = (stored.t_s > hole.host_from_s) & (stored.t_s < hole.host_to_s) & (found >= 0)
    out = {"from": int(idx[before[-1]]), "to": int(idx[after[0]]), "inside": idx[found[inside]]}
    err = 0.0
    if inside.sum() > 2:  # how far from one straight line (the sensor's steady clock) they sit
        k, t = idx[found[inside]].astype(np.float64), stored.t_s[inside]
        fit = np.polyval(np.polyfit(k - k[0], t - t[0], 1), k - k[0]) + t[0]
        err = float(np.max(np.abs(t - fit)) * 1000)
    return out, err


def bout_before(events, t_s: float):  # noqa: ANN001, ANN201
    bouts = [e for e in events if e.type == "sitting_bout" and e.end_s <= t_s + 60.0]
    return max(bouts, key=lambda e: e.end_s) if bouts else None


async def walk(bus: str, spec: dict, speed: float, tmp: Path) -> None:
    from backcoach.config import Settings
    from backcoach.storage import open_store

    print(f"== walk ({spec['profile']}): a 20-min walk out of range in a 2-h session, {speed:g}x")
    away_at = WALK_STARTS_S + AWAY_AFTER_WALK_S
    actions = [(away_at, "Away", [AWAY_S / speed], "sd")]
    result, first_s = await session(bus, spec, str(tmp / "walk"), WALK_SESSION_S, speed, actions)
    ctl = Emulator(bus, {})
    stats = await ctl.stats(spec["address"])
    logs = json.loads(await ctl.call("LogStats", spec["address"], signature="s"))
    totals = result.filled
    store = open_store(Settings(data_dir=str(tmp / "walk")))
    hole = max(totals.reports, key=lambda r: r.hole.duration_s).hole if totals.reports else None
    idx, full = truth(stats, spec, "desk", stats["index_now"])
    if hole is None:
        print("no hole was filled: the sensor's memory was not read")
        return
    stored = store.read_samples(hole.host_from_s - 1.0, hole.host_to_s + 1.0)
    log_rate = 25.0 if spec["profile"] == "open" else float(spec.get("rate_hz", 50))
    step = int(round(float(spec.get("rate_hz", 50)) / log_rate))
    found_idx, err_ms = by_value(stored, full, idx, hole)
    lo_i, hi_i = found_idx.get("from"), found_idx.get("to")
    logged = np.arange(lo_i + 1, hi_i)
    logged = logged[logged % step == 0]
    back = float(np.isin(logged, found_idx["inside"]).mean()) if logged.size else float("nan")
    epochs, events = store.read_epochs(0, 4e9), store.read_events(0, 4e9)
    dups = duplicates(store)
    ref_epochs, ref_events = uninterrupted(full, str(tmp / "walk-ref"))
    gap_agree, n_gap = agreement(epochs, ref_epochs, hole.host_from_s, hole.host_to_s)
    session_end = float(epochs.t_s[-1]) - 10.0  # the truth runs on after collect stopped
    all_agree, n_all = agreement(epochs, ref_epochs, full.t_s[0] + 120.0, session_end)
    before_agree, _ = agreement(epochs, ref_epochs, full.t_s[0] + 120.0, hole.host_from_s)
    after_agree, _ = agreement(epochs, ref_epochs, hole.host_to_s, session_end)
    differ = disagreements(epochs, ref_epochs, full.t_s[0] + 120.0, session_end)
    walk_s = first_s + WALK_STARTS_S - (stats["origin"] - idx[0]) / 50.0
    mine, ref = bout_before(events, walk_s), bout_before(ref_events, walk_s)
    stream = store.read_samples(hole.host_to_s, hole.host_to_s + totals.read_s + 60.0)
    stream_hole = float(np.diff(stream.t_s).max()) if len(stream) > 1 else float("nan")
    memory_events = [e for e in events if e.type == "memory"]
    gaps = [e for e in events if e.type == "gap" and "samples_lost" in e.attrs]
    store.close()
    print(f"gap: {hole.duration_s / 60:.1f} min, {logged.size} samples logged at {log_rate:g} Hz")
    print(
        f"samples of the gap back in the store: {back:.2%} (goal >= 99 %), each found by its "
        f"value; placed within {err_ms:.1f} ms of the stored stream's clock across the gap"
    )
    print(
        f"posture per second in the gap vs an uninterrupted run: {gap_agree:.4f} over {n_gap} s"
        f"; whole session {all_agree:.4f} over {n_all} s (goal >= 0.99)"
    )
    print(
        f"  before the gap {before_agree:.4f}, after it {after_agree:.4f}; where the postures "
        "differ (min from the session's start, length s, stored vs uninterrupted): "
        + "; ".join(f"{(a - full.t_s[0]) / 60:.1f} {n} s {p} vs {q}" for a, n, p, q in differ[:8])
    )
    print(
        f"duplicates: raw samples stored twice {dups['raw']}, epochs {dups['epochs']}, "
        f"overlapping events {dups['events']} (goal 0); stream samples squeezed together by "
        f"the clock's refit {dups['squeezed']} (the paced clock magnifies delivery jitter)"
    )
    if mine is not None and ref is not None:
        print(
            f"sitting bout the walk ended: {(mine.end_s - mine.start_s) / 60:.1f} min, start "
            f"{mine.start_s - ref.start_s:+.1f} s, end {mine.end_s - ref.end_s:+.1f} s against "
            "the uninterrupted run"
        )
    speed_x = totals.filled_s / totals.read_s if totals.read_s else float("nan")
    print(
        f"read-out: {totals.filled_s / 60:.1f} min of log in {totals.read_s:.1f} s (paced) = "
        f"{speed_x:.0f}x real time (goal >= 20x); {totals.read_s / speed:.2f} s wall; link "
        f"{READOUT_BPS / 1000:g} kB/s"
    )
    pause_ms, pause_s = totals.paused_s * 1000, totals.paused_s * speed
    print(
        f"live stream during the read-out: largest hole in the stored stream {stream_hole:.3f} s;"
        f" the live path paused {pause_ms:.0f} ms wall ({pause_s:.1f} s paced) for the final "
        "commit"
    )
    print(
        f"stored: {len(memory_events)} memory event(s), {len(gaps)} gap event(s) left; "
        f"{totals.warnings} warnings for the filled time stored, not sent; sensor erased "
        f"through {len(logs.get('erases', []))} points"
    )


async def night(bus: str, spec: dict, speed: float, tmp: Path) -> None:
    from backcoach.config import Settings
    from backcoach.storage import open_store

    print(
        f"== night: away {NIGHT_AWAY_S / 3600:g} h with a memory of {NIGHT_MEMORY_S / 3600:g} h,"
        f" {speed:g}x"
    )
    handler = _Lines()
    filler_log = logging.getLogger("backcoach.collector.gap_filler")
    filler_log.addHandler(handler)
    filler_log.setLevel(logging.INFO)  # its lines are INFO; the bench prints them below
    filler_log.propagate = False
    dbg = logging.getLogger("backcoach.collector.sensor_log")
    dbg.addHandler(handler)
    dbg.setLevel(logging.DEBUG)
    dbg.propagate = False
    before_s = 300.0
    actions = [(before_s, "Away", [NIGHT_AWAY_S / speed], "sd")]
    # after a night away the collector looks for the sensor every 30 s of the wall clock (its
    # back-off); then the read-out: 60 s of wall clock, at this pace hours
    total = before_s + NIGHT_AWAY_S + 60.0 * speed
    result, _ = await session(bus, spec, str(tmp / "night"), total, speed, actions)
    totals = result.filled
    logs = json.loads(await Emulator(bus, {}).call("LogStats", spec["address"], signature="s"))
    print(
        "the sensor's log: "
        + ", ".join(
            f"{k} {logs.get(k)}" for k in ("reads", "read_samples", "full", "count", "step", "runs")
        )
        + f", {len(logs.get('erases', []))} erases"
    )
    if not totals.reports:
        print("the sensor was not back in time to read its memory: run it again")
        return
    store = open_store(Settings(data_dir=str(tmp / "night")))
    dups = duplicates(store)
    gaps = [e for e in store.read_events(0, 4e9) if e.type == "gap" and "samples_lost" in e.attrs]
    store.close()
    hole = max(totals.reports, key=lambda r: r.hole.duration_s)
    # a hole not all read back is read again later (its parts are reports of their own)
    parts = [
        r
        for r in totals.reports
        if r.hole.host_from_s >= hole.hole.host_from_s - 1.0
        and r.hole.host_to_s <= hole.hole.host_to_s + 1.0
    ]
    back_s, back_n = sum(r.filled_s for r in parts), sum(r.filled for r in parts)
    print(
        f"away {hole.hole.duration_s / 3600:.2f} h; back from memory {back_s / 3600:.2f} h"
        f" ({back_n} samples, {len(parts)} read-out(s)); budget {NIGHT_MEMORY_S / 3600:.2f} h "
        "minus what it still held from before (erased once a minute); left a gap "
        f"{(hole.hole.duration_s - back_s) / 3600:.2f} h"
    )
    lost = sum(g.attrs["samples_lost"] for g in gaps)
    print(
        f"gap events: {len(gaps)}, {lost:.0f} samples lost at the stream rate; duplicates: {dups}"
    )
    print(f"read-out: {totals.filled_s / totals.read_s:.0f}x real time" if totals.read_s else "")
    for line in handler.lines:
        print(f"said: {line}")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def kill(bus: str, spec: dict, tmp: Path) -> None:
    """`backcoach collect` killed in the middle of a read-out, then started again."""
    from backcoach.config import Settings
    from backcoach.storage import open_store

    print("== kill: collect SIGKILLed in the middle of a read-out, then started again")
    ctl = Emulator(bus, {})
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(tmp / "kill"))
    cmd = [sys.executable, "-m", "backcoach", "collect", "--sensor", spec["address"]]

    def logstats() -> dict:
        return json.loads(asyncio.run(ctl.call("LogStats", spec["address"], signature="s")))

    first = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    _until(lambda: asyncio.run(ctl.stats(spec["address"]))["sent_samples"] > 250, first)
    asyncio.run(ctl.call("Away", spec["address"], 40.0, signature="sd"))
    read0 = logstats()["read_samples"]
    _until(lambda: logstats()["read_samples"] > read0 + 200, first, 120.0)
    first.kill()
    first.wait()
    held = logstats()
    erased_through = max(held["erases"], default=0.0)
    second = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    _until(lambda: max(logstats()["erases"], default=0.0) > erased_through + 30.0, second, 240.0)
    second.send_signal(signal.SIGTERM)
    _, err = second.communicate(timeout=60)
    stats = asyncio.run(ctl.stats(spec["address"]))
    store = open_store(Settings(data_dir=str(tmp / "kill")))
    raw = store.read_samples(0, 4e9)
    idx, full = truth(stats, spec, "day", stats["index_now"])
    missing, off_ms = missing_by_value(raw, full, idx)
    dups = duplicates(store)
    store.close()
    streamed_before_hole = held["oldest_s"]
    print(
        f"after the kill the sensor still held from sensor time {streamed_before_hole:.2f} s "
        f"(last erase {erased_through:.2f} s)"
    )
    print(
        f"logged samples (25 Hz) missing from the store after the restart: {missing} (goal 0; "
        f"each found by its value, placed within {off_ms:.0f} ms of its true time); "
        f"duplicates {dups} (goal 0); restart exit {second.returncode}"
    )
    for line in err.splitlines():
        if "memory" in line:
            print(f"said: {line.split(': ', 1)[-1]}")


def missing_by_value(raw, full, idx: np.ndarray) -> tuple[int, float]:  # noqa: ANN001
    """The logged samples (every other at 50 Hz) within the stored range that the store lacks,
    each looked for by its value among the stored samples near its true time; and the largest
    distance (ms) of those found from their true times (the placement on the host clock)."""
    sel = (idx % 2 == 0) & (full.t_s > raw.t_s[0]) & (full.t_s < raw.t_s[-1])
    want_t = full.t_s[sel]
    want = np.round(full.acc_g[sel].astype(np.float64) * 1000).astype(np.int64)
    got = np.round(raw.acc_g.astype(np.float64) * 1000).astype(np.int64)
    pos = np.searchsorted(raw.t_s, want_t)
    best = np.full(want_t.size, np.inf)
    for k in range(-8, 9):  # 8 stored samples either side: 160 ms at 50 Hz
        j = np.clip(pos + k, 0, len(raw) - 1)
        dt = np.abs(raw.t_s[j] - want_t)
        same = np.all(got[j] == want, axis=1) & (dt < 0.15)
        best = np.where(same, np.minimum(best, dt), best)
    found = np.isfinite(best)
    return int((~found).sum()), float(best[found].max() * 1000) if found.any() else float("nan")


def _until(predicate, proc: subprocess.Popen, timeout_s: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"collect did not get there: {proc.communicate()[1][-3000:]}")
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="all", choices=("all", "walk", "night", "kill"))
    ap.add_argument("--speed", type=float, default=20.0, help="paced clock for walk (x wall)")
    ap.add_argument("--night-speed", type=float, default=200.0)
    ap.add_argument("--profile", default="open", choices=("open", "metamotion"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    t0, mono0 = time.time(), time.monotonic()
    walk_spec = dict(WALK if args.profile == "open" else METAWEAR, script="desk", log={})
    walk_spec["clock"] = {"speed": args.speed, "t0": t0, "mono0": mono0}
    if args.profile == "open":
        walk_spec["per_packet"] = 38
    night_spec = dict(NIGHT, script="day", per_packet=38)
    night_spec["log"] = {"capacity": int(NIGHT_MEMORY_S * 25)}
    night_spec["clock"] = {"speed": args.night_speed, "t0": t0, "mono0": mono0}
    kill_spec = dict(KILL, script="day", log={"readout_bps": 400.0})
    chosen = {"walk": [walk_spec], "night": [night_spec], "kill": [kill_spec]}
    devices = chosen.get(args.scenario) or [walk_spec, night_spec, kill_spec]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        with private_bus(tmp) as bus:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus
            with emulator(bus, devices):
                if args.scenario in ("all", "walk"):
                    with paced(args.speed, t0, mono0):
                        asyncio.run(walk(bus, walk_spec, args.speed, tmp))
                if args.scenario in ("all", "night"):
                    with paced(args.night_speed, t0, mono0):
                        asyncio.run(night(bus, night_spec, args.night_speed, tmp))
                if args.scenario in ("all", "kill"):
                    kill(bus, kill_spec, tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())

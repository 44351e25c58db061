"""The collector with the real bleak against the emulated BlueZ: scan, stream, survive, count."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from backcoach import cli
from backcoach.collector.ble import async_find, async_scan
from backcoach.collector.session import CollectSession, SessionResult
from backcoach.config import Settings
from backcoach.live.sensor import sensor_live_run
from backcoach.storage import open_store
from tests.ble.conftest import DEVICES, Emulator

pytestmark = pytest.mark.ble

STREAM_TIMEOUT_S = 15.0


async def _until(predicate, timeout_s: float = STREAM_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _collect(
    bluez: Emulator, key: str, tmp: Path, seconds: float, actions=(), **kw
) -> tuple[SessionResult, dict, np.lib.npyio.NpzFile, Settings]:
    """Run a session on one emulated device; `actions` are (after_s, control, args, signature)."""
    address = DEVICES[key]["address"]
    settings = Settings(data_dir=str(tmp))
    store = open_store(settings)
    found = await async_find(address, timeout_s=5.0)
    session = CollectSession(settings, store, found, live_factory=sensor_live_run, **kw)
    task = asyncio.create_task(session.run(seconds))
    await _until(lambda: session.stats.samples > 0 or task.done())
    started = time.monotonic()
    for after_s, member, args, signature in actions:
        await asyncio.sleep(max(0.0, started + after_s - time.monotonic()))
        await bluez.call(member, address, *args, signature=signature)
    result = await task
    store.close()
    stats = await bluez.stats(address)
    await bluez.call("Dump", address, str(tmp / "sent.npz"), signature="ss")
    return result, stats, np.load(tmp / "sent.npz"), settings


def _stored(settings: Settings):
    store = open_store(settings)
    try:
        return store.read_samples(0, 4e9), store.read_events(0, 4e9, ["gap"])
    finally:
        store.close()


def _status(settings: Settings) -> dict[str, str]:
    store = open_store(settings)
    try:
        return store.read_status()
    finally:
        store.close()


def test_scan_finds_each_profile(bluez: Emulator) -> None:
    """Every emulated sensor is listed with the profile detected from its advertisement."""
    found = asyncio.run(async_scan(1.5))
    by_address = {f.address: f.profile for f in found}
    for spec in DEVICES.values():
        assert by_address.get(spec["address"]) == spec["profile"], spec["name"]
    only_polar = asyncio.run(async_scan(1.0, profile="polar"))
    assert only_polar and {f.profile for f in only_polar} == {"polar"}


def test_scan_command_prints_the_sensors(bluez: Emulator, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["scan", "--timeout", "1", "--profile", "thingy"]) == 0
    out = capsys.readouterr().out
    assert DEVICES["thingy"]["address"] in out and "thingy" in out
    assert DEVICES["polar"]["address"] not in out
    assert "gaps filled" in out and "thingy: time out of range stays a gap" in out


def test_collect_stores_exactly_the_samples_sent_minus_deliberate_drops(
    bluez: Emulator, tmp_path: Path
) -> None:
    """Three packets skipped by the sensor: the rest stored sample for sample, a gap for them."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "exact", tmp_path, 5.0, [(1.5, "Lose", [3], "su")], rate_hz=100)
    )
    samples, gaps = _stored(settings)
    per_packet = 10  # the emulated open sensor at 100 Hz packs 10 samples per notification
    assert stats["dropped_samples"] == 3 * per_packet
    assert len(samples) == sent["index"].shape[0] == stats["sent_samples"] > 300
    np.testing.assert_allclose(samples.acc_g, sent["acc_g"], atol=1.1e-3)  # stored at 1 mg
    assert result.lost_samples == 3 * per_packet and result.lost_packets == 3
    assert [g.attrs["samples_lost"] for g in gaps] == [30.0]
    status = _status(settings)
    assert status["collector.state"] == "stopped" and status["collector.battery"] == "87"
    assert status["collector.packets_lost"] == "3"
    assert status["collector.sensor"].startswith("BC-DIY-2 C0:FF:EE:00:00:02 (open)")
    assert float(status["collector.last_sample_s"]) == pytest.approx(samples.t_s[-1], abs=1e-3)
    assert 0.29 < gaps[0].duration_s < 0.33  # 31 periods between the samples around it
    dt = np.diff(samples.t_s)
    assert np.all(dt > 0) and np.median(dt) == pytest.approx(0.01, rel=1e-3)
    err = samples.t_s - sent["t_s"]
    assert np.max(np.abs(err)) < 0.05, "sample times are not the times the samples were taken"


def test_forced_disconnect_is_survived_and_the_session_resumes(
    bluez: Emulator, tmp_path: Path
) -> None:
    """The link drops mid-session; the collector reconnects and the one session goes on."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "drop", tmp_path, 6.0, [(1.5, "Drop", [], "s")])
    )
    samples, gaps = _stored(settings)
    assert result.connects == 2 and stats["connects"] == 2
    assert len(samples) == stats["sent_samples"]
    np.testing.assert_allclose(samples.acc_g, sent["acc_g"], atol=1.1e-3)
    assert result.lost_samples == stats["dropped_samples"] > 0
    assert sum(g.attrs["samples_lost"] for g in gaps) == stats["dropped_samples"]
    assert samples.t_s[-1] - samples.t_s[0] > 3.0, "no data after the reconnect"


def test_stalled_stream_triggers_the_watchdog(bluez: Emulator, tmp_path: Path) -> None:
    """No data for longer than the watchdog while the link stays up: reconnect and go on."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "stall", tmp_path, 7.0, [(1.0, "Stall", [2.0], "sd")], watchdog_s=1.0)
    )
    samples, _ = _stored(settings)
    assert result.watchdog_trips >= 1 and result.connects >= 2
    assert len(samples) == stats["sent_samples"]
    assert result.lost_samples == stats["dropped_samples"] > 0
    assert samples.t_s[-1] - samples.t_s[0] > 4.0


def test_corrupt_packets_are_counted_and_never_crash(bluez: Emulator, tmp_path: Path) -> None:
    """Four broken WitMotion notifications: counted as corrupt, their samples a gap, rest stored."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "witmotion", tmp_path, 5.0, [(1.0, "Corrupt", [4], "su")])
    )
    samples, _ = _stored(settings)
    assert sum(result.corrupt.values()) == 4
    assert len(samples) == stats["sent_samples"]
    np.testing.assert_allclose(samples.acc_g, sent["acc_g"], atol=1.1e-3)


def test_collect_command_streams_compressed_polar_for_its_duration(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`backcoach collect --duration` ends by itself with every sample sent in the store."""
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path))
    address = DEVICES["polar"]["address"]
    t0 = time.monotonic()
    code = cli.main(["collect", "--sensor", address, "--duration", "4", "--rate", "200"])
    assert code == 0 and time.monotonic() - t0 < 12
    stats = asyncio.run(bluez.stats(address))
    samples, _ = _stored(Settings(data_dir=str(tmp_path)))
    assert len(samples) == stats["sent_samples"] > 500
    assert np.median(np.diff(samples.t_s)) == pytest.approx(0.005, rel=1e-3)
    assert stats["writes"][0] == "02020001c8000101100002010800"  # rate 200, 16 bit, 8 g


def test_ctrl_c_stops_collect_cleanly_with_everything_stored(
    bluez: Emulator, tmp_path: Path
) -> None:
    """SIGINT to a running `backcoach collect`: exit 130, the Thingy's samples all stored."""
    address = DEVICES["thingy"]["address"]
    env = dict(os.environ, BACKCOACH_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen(
        [sys.executable, "-m", "backcoach", "collect", "--sensor", address, "--watchdog", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + STREAM_TIMEOUT_S
        while asyncio.run(bluez.stats(address))["sent_samples"] < 100:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    stats = asyncio.run(bluez.stats(address))
    samples, _ = _stored(Settings(data_dir=str(tmp_path)))
    assert not stats["connected"]
    assert len(samples) == stats["sent_samples"] >= 100


def test_buzz_writes_the_motor_command_where_the_sensor_has_one(
    bluez: Emulator, tmp_path: Path
) -> None:
    """The open profile has a buzz characteristic: 500 ms is written as f4 01."""

    async def run() -> tuple[bool, dict]:
        settings = Settings(data_dir=str(tmp_path))
        store = open_store(settings)
        found = await async_find(DEVICES["scan_open"]["address"], timeout_s=5.0)
        session = CollectSession(settings, store, found, live_factory=sensor_live_run)
        task = asyncio.create_task(session.run())
        await _until(lambda: session.stats.samples > 0)
        buzzed = await session.buzz(0.5)
        session.stop()
        await task
        store.close()
        return buzzed, await bluez.stats(found.address)

    buzzed, stats = asyncio.run(run())
    assert buzzed and "f401" in stats["writes"]


def test_collect_names_the_missing_sensor(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path))
    code = cli.main(["collect", "--sensor", "AA:BB:CC:DD:EE:FF", "--scan-timeout", "1"])
    assert code == 1
    assert "no sensor 'AA:BB:CC:DD:EE:FF'" in capsys.readouterr().err


def test_acquire_notify_socket_path_stores_every_sample_at_400_hz(
    bluez: Emulator, tmp_path: Path
) -> None:
    """BlueZ's AcquireNotify path (a socket, not D-Bus signals) delivers a 400 Hz stream whole."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "acquire", tmp_path, 4.0, rate_hz=400, acquire_notify=True)
    )
    samples, gaps = _stored(settings)
    assert stats["acquires"] == 1, "the socket path was not used"
    assert len(samples) == stats["sent_samples"] > 800
    assert result.lost_samples == 0 and not gaps
    np.testing.assert_allclose(samples.acc_g, sent["acc_g"], atol=1.1e-3)


def test_movesense_subscribes_by_path_and_streams_every_sample(
    bluez: Emulator, tmp_path: Path
) -> None:
    """float32 m/s² frames with millisecond timestamps at 52 Hz: stored whole, no false loss."""
    result, stats, sent, settings = asyncio.run(_collect(bluez, "movesense", tmp_path, 4.0))
    samples, gaps = _stored(settings)
    assert bytes.fromhex(stats["writes"][0]) == b"\x01\x42/Meas/Acc/52"
    assert len(samples) == stats["sent_samples"] > 100
    assert result.lost_samples == 0 and not gaps
    np.testing.assert_allclose(samples.acc_g, sent["acc_g"], atol=1.1e-3)
    assert np.max(np.abs(samples.t_s - sent["t_s"])) < 0.05


def test_metamotion_streams_and_buzzes(bluez: Emulator, tmp_path: Path) -> None:
    """Register writes start the accelerometer; the haptic motor takes the buzz."""

    async def run() -> tuple[bool, SessionResult]:
        settings = Settings(data_dir=str(tmp_path))
        store = open_store(settings)
        found = await async_find(DEVICES["metamotion"]["address"], timeout_s=5.0)
        session = CollectSession(settings, store, found, live_factory=sensor_live_run)
        task = asyncio.create_task(session.run(3.0))
        await _until(lambda: session.stats.samples > 0)
        buzzed = await session.buzz(0.5)
        result = await task
        store.close()
        return buzzed, result

    buzzed, result = asyncio.run(run())
    stats = asyncio.run(bluez.stats(DEVICES["metamotion"]["address"]))
    samples, _ = _stored(Settings(data_dir=str(tmp_path)))
    assert buzzed and stats["writes"][:3] == ["03032708", "03020100", "030101"]
    assert "0801f8f40100" in stats["writes"]
    assert len(samples) == stats["sent_samples"] > 50 and result.lost_samples == 0


def test_a_sensor_named_like_rich_markup_is_listed_and_collected_as_it_is(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """`Polar Sense [/] [bold]` crashed `scan` and `collect` (Rich read it as markup)."""
    spec = DEVICES["markup"]
    monkeypatch.setenv("COLUMNS", "200")
    assert cli.main(["scan", "--timeout", "1", "--profile", "polar"]) == 0
    assert spec["name"] in capsys.readouterr().out
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path))
    assert cli.main(["collect", "--sensor", spec["address"], "--duration", "2"]) == 0
    assert f"found {spec['name']} {spec['address']}" in capsys.readouterr().err


def test_a_sensor_out_of_range_is_waited_for_and_its_absence_is_a_gap(
    bluez: Emulator, tmp_path: Path
) -> None:
    """Away for 6 s (no link, no advertising): the session waits, resumes, and stores a gap."""
    result, stats, sent, settings = asyncio.run(
        _collect(bluez, "away", tmp_path, 14.0, [(1.0, "Away", [6.0], "sd")])
    )
    samples, gaps = _stored(settings)
    assert result.connects == 2 and stats["connects"] >= 2
    assert len(samples) == stats["sent_samples"]
    assert result.lost_samples == stats["dropped_samples"] >= 6 * 50
    (gap,) = [g for g in gaps if "samples_lost" in g.attrs]  # the pipeline adds its own
    assert 6.0 <= gap.duration_s < 12.0 and gap.attrs["samples_lost"] == result.lost_samples
    assert samples.t_s[-1] > gap.end_s + 1.0, "no data after the sensor came back"


def test_collect_wait_looks_until_the_sensor_comes_into_range(
    bluez: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--wait`: a sensor away when collect starts is found when it comes back, not an error."""
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path))
    address = DEVICES["away"]["address"]
    asyncio.run(bluez.call("Away", address, 4.0, signature="sd"))
    args = ["collect", "--sensor", address, "--wait", "--scan-timeout", "1", "--duration", "2"]
    t0 = time.monotonic()
    assert cli.main(args) == 0
    assert time.monotonic() - t0 > 4.0
    samples, _ = _stored(Settings(data_dir=str(tmp_path)))
    assert len(samples) > 50

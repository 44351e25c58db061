"""Settings: defaults, the TOML file, environment overrides, validation and masking."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backcoach.config import load_settings
from backcoach.errors import ConfigError


def test_defaults_need_no_file_and_use_platform_data_dir(tmp_path):
    s = load_settings(tmp_path / "missing.toml", env={})
    assert s.storage == "embedded"
    assert s.sensor.placement == "lower_back"
    assert s.rules.sitting_bout_max_min == 30.0
    assert s.data_dir  # filled from platformdirs


def test_environment_overrides_the_file(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('storage = "embedded"\n[sensor]\nplacement = "chest"\n[rules]\nflexion_deg = 25\n')
    s = load_settings(
        f,
        env={
            "BACKCOACH_DATA_DIR": str(tmp_path / "d"),
            "BACKCOACH_PLACEMENT": "waist",
            "BACKCOACH_NOTIFY_URLS": "json://127.0.0.1:9/a, ntfy://127.0.0.1:9/b",
        },
    )
    assert s.data_dir == str(tmp_path / "d")
    assert s.sensor.placement == "waist"
    assert s.rules.flexion_deg == 25.0
    assert s.warnings.notify_urls == ("json://127.0.0.1:9/a", "ntfy://127.0.0.1:9/b")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('storage = "mongo"\n', "storage"),
        ("[sensor]\nplacement = 'knee'\n", "placement"),
        ("[rules]\nnot_a_rule = 1\n", "not_a_rule"),
        ("[rules]\nflexion_deg = 'steep'\n", "flexion_deg"),
        ("this is not toml", "cannot read"),
    ],
)
def test_bad_settings_name_the_setting(tmp_path, text, needle):
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=needle):
        load_settings(f, env={})


def test_config_show_masks_the_token_and_notification_urls(tmp_path):
    (tmp_path / "none.toml").touch()
    env = {
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_DATA_DIR": str(tmp_path),
        "BACKCOACH_INFLUX_TOKEN": "s3cr3t-token-value",
        "BACKCOACH_NOTIFY_URLS": "tgram://bot123:ABCDEF/4567",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run(
        [sys.executable, "-m", "backcoach", "config", "show"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "s3cr3t-token-value" not in out
    assert "ABCDEF" not in out
    assert 'token = "****"' in out
    assert "tgram://" in out


def test_a_bad_setting_is_one_line_on_stderr(tmp_path):
    (tmp_path / "none.toml").touch()
    env = {
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_STORAGE": "cassandra",
        "PATH": "/usr/bin:/bin",
    }
    res = subprocess.run(
        [sys.executable, "-m", "backcoach", "config", "show"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1
    assert "BACKCOACH_STORAGE" in res.stderr


def _cli(args, env, **kw):
    """The installed `backcoach` entry point, as a user runs it."""
    exe = shutil.which("backcoach", path=str(Path(sys.executable).parent)) or "backcoach"
    return subprocess.run([exe, *args], env=env, capture_output=True, text=True, **kw)


def _env(tmp_path, **extra):
    return {"PATH": "/usr/bin:/bin", "BACKCOACH_DATA_DIR": str(tmp_path / "data"), **extra}


@pytest.mark.parametrize("how", ["--config", "BACKCOACH_CONFIG"])
def test_a_named_settings_file_that_is_not_there_is_one_line(tmp_path, how):
    missing = tmp_path / "confg.toml"  # mistyped
    env = _env(tmp_path)
    args = ["export", "--out", str(tmp_path / "all.zip")]
    if how == "--config":
        args = ["--config", str(missing), *args]
    else:
        env["BACKCOACH_CONFIG"] = str(missing)
    res = _cli(args, env)
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1, res.stderr
    assert str(missing) in res.stderr and how in res.stderr and "does not exist" in res.stderr
    assert not (tmp_path / "all.zip").exists()


def test_a_mistyped_time_zone_stops_demo_in_one_line_with_a_suggestion(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('timezone = "Europe/Amsterdm"\n')
    res = _cli(["demo"], _env(tmp_path, BACKCOACH_CONFIG=str(cfg)), timeout=120)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    assert "timezone" in res.stderr and '"Europe/Amsterdam"' in res.stderr
    assert str(cfg) in res.stderr  # where it was set
    assert not (tmp_path / "data").exists()  # nothing was written


@pytest.mark.parametrize(
    ("text", "env", "needle"),
    [
        ("", {"BACKCOACH_TIMEZONE": "Mars/Olympus"}, "BACKCOACH_TIMEZONE"),
        ("[warnings]\nquiet_start = '25:00'\n", {}, "warnings.quiet_start"),
        ("", {"BACKCOACH_QUIET_END": "7am"}, "BACKCOACH_QUIET_END"),
        ("[warnings]\ncooldown_min = -5\n", {}, "warnings.cooldown_min"),
        ("[sensor]\nwatchdog_s = 0\n", {}, "sensor.watchdog_s"),
        ("[dashboard]\nport = 99999\n", {}, "dashboard.port"),
        ("", {"BACKCOACH_INFLUX_URL": "localhost:8086"}, "influx.url"),
        ("[influx]\ntimeout_s = 0\n", {}, "influx.timeout_s"),
        ("[rules]\nleg_lift_share_min = 80\n", {}, "rules.leg_lift_share_min"),
        ("[rules]\nsitting_bout_max_min = -30\n", {}, "rules.sitting_bout_max_min"),
        ("[rules]\nback_lifts_window_n = 0\n", {}, "rules.back_lifts_window_n"),
        ("[rules]\nacwr_high = 0.5\n", {}, "rules.acwr_high"),
        ("", {"BACKCOACH_NOW": "2026-03-29T12:00:00"}, "BACKCOACH_NOW"),  # no UTC offset
        ('now = "next monday"\n', {}, "now"),
    ],
)
def test_each_setting_is_checked_when_the_settings_load(tmp_path, text, env, needle):
    f = tmp_path / "c.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(needle)):
        load_settings(f, env=env)


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ConfigError, match="data_dir.*BACKCOACH_DATA_DIR.*not a folder"):
        load_settings(tmp_path / "none.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path / "file")})


def test_now_fixes_the_calendar_in_the_wearers_zone_and_empty_is_the_real_clock(tmp_path):
    """BACKCOACH_NOW (testing and replays): 00:30 on New Year's Day in Amsterdam is still 2026
    in UTC; the instant stands still; without it the real clock counts."""
    when = {"BACKCOACH_NOW": "2027-01-01T00:30:00+01:00", "BACKCOACH_TIMEZONE": "Europe/Amsterdam"}
    s = load_settings(tmp_path / "none.toml", env=when)
    assert s.now_s() == s.now_s() == 1_798_759_800.0
    assert s.today() == dt.date(2027, 1, 1)
    utc = load_settings(tmp_path / "none.toml", env={**when, "BACKCOACH_TIMEZONE": "UTC"})
    assert utc.today() == dt.date(2026, 12, 31)
    real = load_settings(tmp_path / "none.toml", env={"BACKCOACH_NOW": ""})
    before = time.time()
    assert before <= real.now_s() <= time.time()


def test_valid_settings_still_load(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text(
        'timezone = "Europe/Amsterdam"\n[warnings]\nquiet_start = "23:30"\n'
        "[dashboard]\nport = 8600\n[rules]\nleg_lift_share_min = 0.9\n"
    )
    s = load_settings(f, env={"BACKCOACH_INFLUX_URL": "https://influx.example.org:8086"})
    assert (s.timezone, s.warnings.quiet_start, s.dashboard.port) == (
        "Europe/Amsterdam",
        "23:30",
        8600,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["config", "show"],
        ["config", "show", "--json"],
        ["--help"],
        ["warnings", "--help"],
        ["demo", "--help"],
        ["config", "path"],
    ],
)
def test_a_reader_that_stops_early_ends_the_command_without_a_traceback(tmp_path, args):
    """As in `backcoach config show | head -3`: the reader has gone before backcoach writes."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout now fails with EPIPE
    cfg = tmp_path / "none.toml"
    cfg.touch()
    try:
        res = subprocess.run(
            [shutil.which("backcoach", path=str(Path(sys.executable).parent)), *args],
            env=_env(tmp_path, BACKCOACH_CONFIG=str(cfg)),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in res.stderr, res.stderr
    assert "BrokenPipeError" not in res.stderr, res.stderr
    assert "Exception ignored" not in res.stderr, res.stderr

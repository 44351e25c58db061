"""Settings: defaults, the TOML file, environment overrides, validation and masking."""

from __future__ import annotations

import subprocess
import sys

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

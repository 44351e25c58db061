"""`backcoach dashboard`: what it hands to Streamlit, and how it refuses bad options."""

from __future__ import annotations

import argparse

import pytest

from backcoach.commands import dashboard as cmd
from backcoach.config import load_settings
from backcoach.errors import ConfigError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers())
    return parser.parse_args(["dashboard", *argv])


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_streamlit_runs_the_entry_file_headless_on_loopback_without_usage_stats():
    argv = cmd.streamlit_argv("127.0.0.1", 8765)
    assert argv[1:4] == ["-m", "streamlit", "run"]
    assert argv[4].endswith("dashboard/serve.py") or argv[4].endswith("dashboard\\serve.py")
    assert option(argv, "--server.address") == "127.0.0.1"
    assert option(argv, "--server.port") == "8765"
    assert option(argv, "--server.headless") == "true"
    assert option(argv, "--browser.gatherUsageStats") == "false"


def test_options_default_to_the_settings(monkeypatch, tmp_path):
    """Without --host/--port the settings decide (127.0.0.1:8501); the env carries the data dir."""
    seen = {}
    monkeypatch.setattr(cmd.os, "execve", lambda exe, argv, env: seen.update(argv=argv, env=env))
    monkeypatch.setattr(cmd, "port_is_free", lambda host, port: True)  # 8501 may be in use here
    settings = load_settings(tmp_path / "c.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    cmd.run(parse(), settings)
    assert option(seen["argv"], "--server.address") == "127.0.0.1"
    assert option(seen["argv"], "--server.port") == "8501"
    assert seen["env"]["BACKCOACH_DATA_DIR"] == str(tmp_path)
    assert seen["env"]["BACKCOACH_CONFIG"] == str(tmp_path / "c.toml")
    cmd.run(parse("--port", "9000", "--host", "0.0.0.0"), settings)
    assert option(seen["argv"], "--server.address") == "0.0.0.0"
    assert option(seen["argv"], "--server.port") == "9000"


def test_a_port_out_of_range_is_a_config_error(tmp_path):
    settings = load_settings(tmp_path / "c.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    with pytest.raises(ConfigError, match="--port"):
        cmd.run(parse("--port", "70000"), settings)


def test_only_practice_mode_hands_the_app_the_practice_switch_and_no_link_secret(
    monkeypatch, tmp_path, capsys
):
    """A stray BACKCOACH_PRACTICE never turns a wearer's dashboard into the practice's; the
    practice's has no per-launch secret (its login stands there) but keeps the Host check."""
    import json

    from backcoach.dashboard import practice_accounts as practice
    from backcoach.dashboard.guard import ENV as GUARD_ENV

    seen = {}
    monkeypatch.setattr(cmd.os, "execve", lambda exe, argv, env: seen.update(env=env))
    monkeypatch.setattr(cmd, "port_is_free", lambda host, port: True)
    monkeypatch.setenv(practice.DASHBOARD_ENV, "1")
    settings = load_settings(tmp_path / "c.toml", env={"BACKCOACH_DATA_DIR": str(tmp_path)})
    cmd.run(parse(), settings)
    assert practice.DASHBOARD_ENV not in seen["env"]
    assert json.loads(seen["env"][GUARD_ENV])["secret"]
    assert "?token=" in capsys.readouterr().out

    folder = settings.practice_path
    practice.save_roster(folder, practice.Roster("http://127.0.0.1:8086", practice.READER_NAME))
    practice.write_private(folder / practice.READER_TOKEN, "r:secret-Passw0rd\n")
    practice.set_practitioner(folder, "jd", "", "correct-horse-battery")
    cmd.run(parse("--practice"), settings)
    assert seen["env"][practice.DASHBOARD_ENV] == "1"
    guard = json.loads(seen["env"][GUARD_ENV])
    assert guard["secret"] is None and guard["host"] == "127.0.0.1"
    out = capsys.readouterr().out
    assert "and log in" in out and "token=" not in out

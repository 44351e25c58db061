"""`backcoach warnings test` sends to every configured channel and reports each result."""

from __future__ import annotations

import pytest

from backcoach.cli import main
from backcoach.storage.sqlite import SQLiteStore
from tests.warnings.receiver import Receiver, free_port


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("BACKCOACH_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BACKCOACH_TIMEZONE", "UTC")
    monkeypatch.setenv("COLUMNS", "200")
    return monkeypatch


def test_each_channel_is_reported_and_a_down_receiver_makes_the_command_fail(env, capsys):
    up = Receiver().start()
    down = f"json://127.0.0.1:{free_port()}/hook"
    env.setenv("BACKCOACH_NOTIFY_URLS", f"{up.url},{down}")
    try:
        rc = main(["warnings", "test", "--lang", "nl", "--timeout", "10"])
        payloads = up.wait_for(1)
    finally:
        up.stop()
    out = capsys.readouterr().out
    assert rc == 1
    assert [p["message"] for p in payloads] == [
        "Dit is een testwaarschuwing van backcoach: dit kanaal werkt. Richtlijn TEST"
    ]
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert " ok " in lines["log"] and " ok " in lines["store"]
    assert " ok " in lines[f"json://127.0.0.1:{up.port}/****"]
    down_line = lines[f"json://127.0.0.1:{down.split(':')[2].split('/')[0]}/****"]
    assert "failed" in down_line and "Connection error" in down_line
    assert "not available" in lines["sensor"]


def test_all_channels_working_exits_zero_and_leaves_the_store_clean(env, tmp_path, capsys):
    up = Receiver().start()
    env.setenv("BACKCOACH_NOTIFY_URLS", up.url)
    try:
        rc = main(["warnings", "test"])
        assert len(up.wait_for(1)) == 1
    finally:
        up.stop()
    assert rc == 0
    assert "removed again" in capsys.readouterr().out
    store = SQLiteStore(tmp_path / "data" / "backcoach.sqlite")
    assert store.read_warnings(0, 4e9) == []
    store.close()


def test_keep_leaves_the_test_warning_for_the_dashboard(env, tmp_path):
    assert main(["warnings", "test", "--keep"]) == 0
    store = SQLiteStore(tmp_path / "data" / "backcoach.sqlite")
    assert [w.rule for w in store.read_warnings(0, 4e9)] == ["TEST"]
    store.close()


def test_a_notify_url_apprise_cannot_read_is_one_line_on_stderr(env, capsys):
    env.setenv("BACKCOACH_NOTIFY_URLS", "nosuchscheme://user:s3cret@example.org/x")
    assert main(["warnings", "test"]) == 1
    err = capsys.readouterr().err
    assert "backcoach: error: notify URL nosuchscheme://example.org/****" in err
    assert "s3cret" not in err and "Traceback" not in err


def test_verbose_logs_never_show_a_push_url_token(tmp_path):
    """`backcoach -v warnings test`: apprise and urllib3 log URLs at DEBUG; they stay quiet."""
    import os
    import subprocess
    import sys

    up = Receiver().start()
    token = "tok-S3CRET-4711"
    env = {
        **os.environ,
        "BACKCOACH_CONFIG": str(tmp_path / "config.toml"),
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_NOTIFY_URLS": f"json://127.0.0.1:{up.port}/hook/{token}",
    }
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "backcoach", "-v", "warnings", "test"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert len(up.wait_for(1)) == 1  # delivered through the token URL
    finally:
        up.stop()
    assert proc.returncode == 0, proc.stderr
    assert token not in proc.stdout + proc.stderr

"""`backcoach warnings test` sends to every configured channel and reports each result."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from backcoach.cli import main
from backcoach.storage.sqlite import SQLiteStore
from tests.warnings.receiver import Receiver, free_port


@pytest.fixture
def env(tmp_path, monkeypatch):
    (tmp_path / "config.toml").touch()  # a named settings file must exist
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
    assert " ok " in lines["log"] and " ok " in lines["dashboard"]
    assert " ok " in lines[f"json://127.0.0.1:{up.port}/****"]
    down_line = lines[f"json://127.0.0.1:{down.split(':')[2].split('/')[0]}/****"]
    assert "mislukt" in down_line and "Connection error" in down_line  # apprise's own words
    assert "niet beschikbaar" in lines["sensor"]


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


def test_the_report_is_in_the_language_of_the_message(env, capsys):
    """BACKCOACH_LANGUAGE=nl: a Dutch message, and a Dutch table around it."""
    env.setenv("BACKCOACH_LANGUAGE", "nl")
    main(["warnings", "test", "--timeout", "10"])
    out = capsys.readouterr().out
    for word in ("Testwaarschuwing", "kanaal", "resultaat", "afgeleverd", "niet beschikbaar"):
        assert word in out, out
    for word in ("channel", "delivered", "available", "configured", "written"):
        assert word not in out, out


def test_warnings_help_names_the_rules_that_warn_and_all_twelve():
    res = subprocess.run(
        [sys.executable, "-m", "backcoach", "warnings", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    help_text = " ".join(res.stdout.split())
    assert "G1-G10" not in help_text and "G1–G10" not in help_text
    assert "G1–G5, G7, G8 and G10" in help_text and "G1–G12" in help_text


def test_the_channels_have_the_names_the_readme_gives_them(env, capsys):
    """The README lists the channels as (log, dashboard, desktop, push URLs, sensor)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    listed = re.search(r"`backcoach warnings test` \| [^(]*\(([^)]*)\)", readme).group(1)
    assert "dashboard" in listed.split(", ")
    main(["warnings", "test", "--lang", "en", "--timeout", "10"])
    out = capsys.readouterr().out
    names = [line.split("│")[1].strip() for line in out.splitlines() if line.count("│") > 3]
    assert "dashboard" in names and "store" not in names
    shown = {n.split(" (")[0] for n in names if "://" not in n}  # push URLs show masked
    assert shown <= set(listed.split(", ")), (shown, listed)


def test_verbose_logs_never_show_a_push_url_token(tmp_path):
    """`backcoach -v warnings test`: apprise and urllib3 log URLs at DEBUG; they stay quiet."""
    import os
    import subprocess
    import sys

    up = Receiver().start()
    token = "tok-S3CRET-4711"
    (tmp_path / "config.toml").touch()  # a named settings file must exist
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

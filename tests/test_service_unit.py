"""`backcoach service`: a systemd user unit running `collect --wait` from login, restarted."""

from __future__ import annotations

import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from backcoach import cli


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _verify(unit: Path) -> subprocess.CompletedProcess:
    exe = shutil.which("systemd-analyze")
    assert exe, "systemd-analyze missing: install Debian's systemd (scripts/bootstrap.sh --test)"
    return subprocess.run([exe, "verify", str(unit)], capture_output=True, text=True, check=False)


def test_install_writes_a_unit_systemd_accepts(home: Path, capsys: pytest.CaptureFixture) -> None:
    """Starts at login, collects until the sensor comes, restarts after a failure."""
    settings = home / "my settings" / "config.toml"  # a space in the path needs quoting
    settings.parent.mkdir()
    settings.write_text('wearer = "me"\n')
    assert cli.main(["--config", str(settings), "service", "install", "--no-start"]) == 0
    unit = home / "config" / "systemd" / "user" / "backcoach.service"
    text = unit.read_text()
    assert f"ExecStart={sys.executable} -m backcoach --config " in text
    assert f'"{settings}" collect --wait' in text
    assert "Restart=on-failure" in text and "WantedBy=default.target" in text
    checked = _verify(unit)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr
    assert "systemctl --user enable --now backcoach.service" in capsys.readouterr().out

    assert cli.main(["service", "status"]) == 0
    assert "(not installed)" not in capsys.readouterr().out
    assert cli.main(["service", "uninstall", "--no-stop"]) == 0
    assert not unit.exists()
    assert cli.main(["service", "status"]) == 0
    assert "(not installed)" in capsys.readouterr().out


def test_install_without_a_user_systemd_says_what_to_run(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """No user manager (a container, CI): one line naming the command, the unit still written."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={home}/none")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "none"))
    assert cli.main(["service", "install"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "systemctl --user daemon-reload" in err
    assert (home / "config" / "systemd" / "user" / "backcoach.service").exists()


def test_install_carries_the_shells_settings_so_the_service_records_where_the_dashboard_reads(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """BACKCOACH_* of the shell in the unit (paths absolute, quoted for systemd), owner-only."""
    monkeypatch.chdir(home)
    monkeypatch.setenv("BACKCOACH_DATA_DIR", "my data")  # relative, with a space
    push = 'ntfys://ntfy.sh/back-"topic"?priority=high&x=50%25$HOME\\n'
    monkeypatch.setenv("BACKCOACH_NOTIFY_URLS", push)
    monkeypatch.setenv("BACKCOACH_WEARER", "anna")
    assert cli.main(["service", "install", "--no-start"]) == 0
    out = capsys.readouterr().out
    assert "BACKCOACH_DATA_DIR, BACKCOACH_WEARER, BACKCOACH_NOTIFY_URLS" in out
    assert push not in out, "a push URL is a secret: only the names are printed"
    unit = home / "config" / "systemd" / "user" / "backcoach.service"
    text = unit.read_text()
    assert f'Environment="BACKCOACH_DATA_DIR={home / "my data"}"' in text
    assert 'Environment="BACKCOACH_WEARER=anna"' in text
    assert "BACKCOACH_NOW" not in text, "the suite's still calendar must not reach a service"
    assert (
        'Environment="BACKCOACH_NOTIFY_URLS=ntfys://ntfy.sh/back-\\"topic\\"'
        '?priority=high&x=50%%25$HOME\\\\n"' in text
    )
    assert stat.S_IMODE(unit.stat().st_mode) == 0o600
    checked = _verify(unit)
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr

    assert cli.main(["service", "status"]) == 0
    assert "other settings" not in capsys.readouterr().out
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(home / "elsewhere"))
    assert cli.main(["service", "status"]) == 0
    said = capsys.readouterr().out
    assert "other settings than this shell (BACKCOACH_DATA_DIR)" in said


def test_install_refuses_a_setting_a_unit_cannot_carry_and_says_where_to_put_it(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("BACKCOACH_INFLUX_TOKEN", "pasted\ntwice")
    assert cli.main(["service", "install", "--no-start"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "settings file" in err
    assert not (home / "config" / "systemd" / "user" / "backcoach.service").exists()

"""`backcoach practice add-practitioner` and `list`: a login kept only as a bcrypt hash, owner-only,
and one-line errors for what cannot work (no terminal, a short password, no practice)."""

from __future__ import annotations

import json
import stat

import bcrypt
import pytest

from backcoach.cli import main
from backcoach.dashboard import practice_accounts as practice


@pytest.fixture()
def env(tmp_path, monkeypatch):
    (tmp_path / "config.toml").touch()
    monkeypatch.setenv("BACKCOACH_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("BACKCOACH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("BACKCOACH_PRACTITIONER_PASSWORD", raising=False)
    return tmp_path / "data" / "practice"


def test_a_practitioner_is_kept_as_a_bcrypt_hash_in_an_owner_only_file(env, monkeypatch, capsys):
    monkeypatch.setenv("BACKCOACH_PRACTITIONER_PASSWORD", "correct-horse-battery")
    assert main(["practice", "add-practitioner", "jdevries", "--name", "J. de Vries"]) == 0
    assert "jdevries added" in capsys.readouterr().out
    text = (env / practice.PRACTITIONERS).read_text()
    assert "correct-horse-battery" not in text
    user = json.loads(text)["usernames"]["jdevries"]
    assert user["name"] == "J. de Vries"
    assert bcrypt.checkpw(b"correct-horse-battery", user["password"].encode())
    for name in (practice.PRACTITIONERS, practice.COOKIE_KEY):
        assert stat.S_IMODE((env / name).stat().st_mode) == 0o600
    monkeypatch.setenv("BACKCOACH_PRACTITIONER_PASSWORD", "another-Passw0rd")
    assert main(["practice", "add-practitioner", "jdevries"]) == 0
    assert "jdevries has a new password" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("password", "said"),
    [(None, "run this in a terminal"), ("short", "too short")],
)
def test_a_missing_or_short_password_is_one_line_and_changes_nothing(
    env, monkeypatch, capsys, password, said
):
    if password:
        monkeypatch.setenv("BACKCOACH_PRACTITIONER_PASSWORD", password)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["practice", "add-practitioner", "jdevries"]) == 1
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1
    assert not (env / practice.PRACTITIONERS).exists()


def test_list_without_a_practice_says_how_to_start_one(env, capsys):
    assert main(["practice", "list"]) == 1
    err = capsys.readouterr().err
    assert "practice add-wearer NAME" in err and "BACKCOACH_PRACTICE_DIR" in err

"""Push secrets and stored credentials never shown (issue 19, item 8).

An ntfy topic is the only key to its messages, a Telegram URL holds the bot's token, an e-mail
URL a password. On main d911343 the topic came back in apprise's failure message (the `warnings
test` table, the collector's log), an unparseable URL was logged by apprise itself, and `config
show` printed `influx.url`'s `user:password`. The push service here is a local receiver that
answers 403, as ntfy does for a topic it guards.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time

import pytest

from backcoach.alerts import build_dispatcher
from backcoach.commands import warnings as warnings_command
from backcoach.config import load_settings
from tests.warnings.receiver import Receiver

TOPIC = "anna-back-alerts-7f3k2"
PASSWORD = "hunter2-mailpass"
TIMEOUT_S = 30.0


@pytest.fixture()
def refusing():
    """A push service that answers every notification with 403."""
    receiver = Receiver().start()
    receiver.status = 403
    yield receiver
    receiver.stop()


def _env(tmp_path, **extra: str) -> dict[str, str]:
    (tmp_path / "config.toml").touch()
    return {
        **os.environ,
        "BACKCOACH_CONFIG": str(tmp_path / "config.toml"),
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_WARNINGS_DESKTOP": "false",
        "BACKCOACH_LANGUAGE": "en",
        **extra,
    }


def _backcoach(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


def test_warnings_test_names_no_topic(tmp_path, refusing):
    url = f"ntfy://127.0.0.1:{refusing.port}/{TOPIC}"
    out = _backcoach(_env(tmp_path, BACKCOACH_NOTIFY_URLS=url), "warnings", "test")
    assert refusing.posts, "the push service was not tried"
    assert "403" in out, out  # the cause still shows
    assert TOPIC not in out, out


def test_the_collectors_log_names_no_topic(tmp_path, refusing, monkeypatch, caplog):
    """The live dispatcher (what `collect` builds) logs a failing channel once, scrubbed."""
    url = f"ntfy://127.0.0.1:{refusing.port}/{TOPIC}"
    env = _env(tmp_path, BACKCOACH_NOTIFY_URLS=url)
    settings = load_settings(env=env)
    caplog.set_level(logging.DEBUG)
    dispatcher = build_dispatcher(settings)
    try:
        dispatcher.submit(warnings_command.test_warning(time.time()))
        deadline = time.monotonic() + TIMEOUT_S
        while not any(s.failing_since_s for s in dispatcher.status()):
            assert time.monotonic() < deadline, "the channel never failed"
            time.sleep(0.05)  # polling the dispatcher's status
        errors = [s.last_error for s in dispatcher.status()]
    finally:
        dispatcher.close(0.1)
    assert "failed" in caplog.text and "403" in caplog.text, caplog.text
    assert TOPIC not in caplog.text, caplog.text
    assert not any(TOPIC in (e or "") for e in errors), errors


def test_an_unparseable_push_url_is_not_logged(tmp_path):
    url = f"badscheme://anna:{PASSWORD}@mail.example/{TOPIC}"
    out = _backcoach(_env(tmp_path, BACKCOACH_NOTIFY_URLS=url), "warnings", "test")
    assert "not understood by apprise" in out, out
    for secret in (PASSWORD, PASSWORD[:1] + "...", "anna:", TOPIC):
        assert secret not in out, (secret, out)


def test_config_show_masks_the_influx_urls_credentials(tmp_path):
    url = f"https://admin:{PASSWORD}@influx.practice.example:8086"
    env = _env(tmp_path, BACKCOACH_INFLUX_URL=url)
    for args in (("config", "show"), ("config", "show", "--json")):
        out = _backcoach(env, *args)
        assert "influx.practice.example:8086" in out, out
        assert PASSWORD not in out and "admin:" not in out, out

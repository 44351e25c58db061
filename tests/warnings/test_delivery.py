"""Delivery: apprise to a loopback receiver, outages and back-off, isolation, store, buzz."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from backcoach.alerts import Backoff, Dispatcher, build_dispatcher, plan_channels
from backcoach.alerts.buzz import BuzzChannel
from backcoach.alerts.console import LogChannel
from backcoach.alerts.push import AppriseChannel
from backcoach.alerts.store import StoreChannel
from backcoach.config import load_settings
from backcoach.errors import ConfigError
from backcoach.i18n import warning_text
from backcoach.processing.types import OverloadWarning
from backcoach.storage.sqlite import SQLiteStore
from tests.warnings.receiver import Receiver

FAST = Backoff(base_s=0.05, cap_s=0.2)


def _warning(i: int) -> OverloadWarning:
    return OverloadWarning(
        1772445900.0 + 600 * i,
        "G1",
        30.0 + 10 * i,
        "sitting",
        {"minutes": 30.0 + 10 * i, "seconds": 1800.0 + 600 * i},
    )


@pytest.fixture
def receiver():
    rec = Receiver().start()
    yield rec
    rec.stop()


def test_apprise_json_delivery_reaches_a_loopback_receiver_with_the_right_payload(receiver):
    d = Dispatcher([AppriseChannel(receiver.url)], lang="nl", backoff=FAST)
    d.submit(_warning(0))
    d.submit(_warning(1))
    got = receiver.wait_for(2)
    d.close(2.0)
    assert [p["message"] for p in got] == [
        "Je zit al 30 minuten — sta op en loop twee minuten. Richtlijn G1",
        warning_text(_warning(1), "nl"),
    ]
    assert got[0]["title"] == "backcoach waarschuwing G1"
    assert got[0]["type"] == "warning"
    assert receiver.posts[0][0] == "/hook"


def test_a_receiver_that_is_down_does_not_block_and_gets_the_warnings_when_back(caplog):
    rec = Receiver()  # not started: connection refused
    d = Dispatcher([AppriseChannel(rec.url), LogChannel()], backoff=FAST)
    caplog.set_level(logging.INFO, logger="backcoach.alerts.dispatcher")
    t0 = time.monotonic()
    for i in range(3):
        d.submit(_warning(i))
    assert time.monotonic() - t0 < 0.05  # submit never waits for a channel
    end = time.monotonic() + 5
    while d.status()[0].failures < 3 and time.monotonic() < end:
        time.sleep(0.01)  # poll: several retries while it is down (back-off 0.05-0.2 s)
    assert d.status()[0].failures >= 3 and d.status()[0].failing_since_s is not None
    assert d.status()[1].delivered == 3  # the log channel was not held up
    rec.start()
    try:
        got = rec.wait_for(3)
        assert [p["message"] for p in got] == [warning_text(_warning(i), "en") for i in range(3)]
        assert d.wait_idle(5.0)
    finally:
        d.close(1.0)
        rec.stop()
    failed = [r for r in caplog.records if "failed" in r.getMessage()]
    recovered = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(failed) == 1 and len(recovered) == 1  # logged once per outage, not per attempt


def test_a_receiver_that_answers_500_is_retried_until_it_accepts(receiver):
    receiver.status = 500
    d = Dispatcher([AppriseChannel(receiver.url)], backoff=FAST)
    d.submit(_warning(0))
    assert len(receiver.wait_for(2)) >= 2  # refused, tried again
    receiver.status = 200
    n = len(receiver.posts)
    assert d.wait_idle(5.0)
    d.close(1.0)
    assert d.status()[0].delivered == 1
    assert len(receiver.posts) in (n, n + 1)  # exactly one accepted delivery after the switch


class _Blocking:
    """A channel stuck inside send until released (a hanging service)."""

    name = "stuck"

    def __init__(self) -> None:
        self.release = threading.Event()

    def send(self, warning: OverloadWarning, lang: str) -> None:
        self.release.wait(10)


def test_a_hanging_channel_holds_up_neither_the_caller_nor_the_other_channels(tmp_path):
    stuck = _Blocking()
    store = SQLiteStore(tmp_path / "s.sqlite", tz_name="UTC")
    buzzed: list[OverloadWarning] = []
    d = Dispatcher([stuck, StoreChannel(store), BuzzChannel(buzzed.append)], backoff=FAST)
    t0 = time.monotonic()
    d.submit_all([_warning(0), _warning(1)])
    assert time.monotonic() - t0 < 0.05
    end = time.monotonic() + 5
    while len(buzzed) < 2 and time.monotonic() < end:
        time.sleep(0.01)
    assert buzzed == [_warning(0), _warning(1)]
    assert store.read_warnings(0, 2e9) == [_warning(0), _warning(1)]
    t0 = time.monotonic()
    left = d.close(0.2)
    assert left == 2 and time.monotonic() - t0 < 1.5  # close gives up on the stuck channel
    stuck.release.set()
    store.close()


def test_a_failing_buzz_is_retried_and_delivered_in_order():
    calls: list[float] = []

    def buzz(w: OverloadWarning) -> None:
        calls.append(w.t_s)
        if len(calls) <= 2:
            raise OSError("GATT write failed: not connected")

    d = Dispatcher([BuzzChannel(buzz)], backoff=FAST)
    d.submit_all([_warning(0), _warning(1)])
    assert d.wait_idle(5.0)
    d.close(1.0)
    assert calls == [_warning(0).t_s] * 3 + [_warning(1).t_s]
    assert d.status()[0].delivered == 2


def test_backoff_doubles_up_to_its_cap():
    b = Backoff(base_s=2.0, cap_s=30.0)
    assert [b.delay_s(i) for i in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    with pytest.raises(ValueError, match="base_s"):
        Backoff(base_s=0.0, cap_s=1.0)


def test_settings_choose_the_channels_and_say_which_cannot_work(tmp_path, receiver):
    env = {
        "BACKCOACH_NOTIFY_URLS": f"{receiver.url}, {receiver.url}?x=1",
        "BACKCOACH_DATA_DIR": str(tmp_path),
    }
    settings = load_settings(tmp_path / "none.toml", env=env)
    channels, skipped = plan_channels(settings, store=None, buzz=None)
    names = [c.name for c in channels]
    assert names[0] == "log" and sum(n.startswith("json://127.0.0.1") for n in names) == 2
    assert "sensor" in [s.name for s in skipped]
    d = build_dispatcher(settings)
    d.submit(_warning(0))
    assert len(receiver.wait_for(2)) == 2
    d.close(1.0)


def test_a_notify_url_apprise_cannot_read_is_a_config_error_without_its_secret(tmp_path):
    env = {"BACKCOACH_NOTIFY_URLS": "nosuchscheme://user:s3cret@example.org/path"}
    settings = load_settings(tmp_path / "none.toml", env=env)
    with pytest.raises(ConfigError) as err:
        plan_channels(settings)
    assert "s3cret" not in str(err.value) and "nosuchscheme://example.org/****" in str(err.value)

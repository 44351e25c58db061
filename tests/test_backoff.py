"""One back-off for the sensor link, the outbox's sender and the warning channels, bounded at any
attempt: a sensor away for a week makes ~15,000 attempts, a push service down for days ~1,000."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backcoach.alerts.dispatcher import CHANNEL_BACKOFF
from backcoach.backoff import Backoff
from backcoach.collector import ble
from backcoach.storage import drainer

DELAYS: dict[str, tuple[Callable[[int], float], float]] = {
    "sensor link": (ble.backoff_s, ble.BACKOFF_MAX_S),
    "outbox sender": (drainer.backoff_s, drainer.BACKOFF_MAX_S),
    "warning channel": (CHANNEL_BACKOFF.delay_s, CHANNEL_BACKOFF.cap_s),
}


@pytest.mark.parametrize("name", DELAYS)
def test_each_back_off_doubles_to_its_cap_and_stays_there_at_any_attempt(name: str) -> None:
    delay, cap = DELAYS[name]
    attempts = [*range(1, 2100), 10**6, 10**9]
    delays = [delay(n) for n in attempts]
    assert delays == sorted(delays), "a back-off never shortens"
    assert delays[1] == 2 * delays[0] and 0 < delays[0] < cap
    assert delay(1025) == delay(10**6) == cap


def test_a_back_off_refuses_a_cap_below_its_first_delay() -> None:
    with pytest.raises(ValueError, match="base_s <= cap_s"):
        Backoff(base_s=10.0, cap_s=1.0)
    assert Backoff(base_s=3.0, cap_s=3.0).delay_s(10**6) == 3.0

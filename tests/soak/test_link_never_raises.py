"""`SensorLink.run` never raises: a Bluetooth stack that fails in unforeseen ways for a day, then
works, is retried every 30 s, said once, and streamed from once it works (on the fake clock)."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from backcoach.collector.ble import BACKOFF_MAX_S, FoundSensor, SensorLink
from tests.soak.fake_clock import FakeClock
from tests.soak.fake_radio import FakePolar, FakeRadio

DAY = 86400.0


class BrokenRadio(FakeRadio):
    """Every connect fails with an error no Bluetooth code foresees, until `fixed`."""

    fixed = False

    async def connect(self, device, name, on_lost):  # noqa: ANN001, ANN201
        if not self.fixed:
            self.connects += 1
            raise RuntimeError("the stack's own bug")
        return await super().connect(device, name, on_lost)


def test_a_day_of_unforeseen_errors_ends_neither_the_link_nor_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(1_750_000_000.0)
    sensor = FakePolar(clock)
    radio = BrokenRadio(sensor)
    found = FoundSensor(sensor.name, sensor.address, -60, "polar", sensor.device)
    samples: list[int] = []
    loop = clock.new_event_loop()
    outcome: dict[str, object] = {}

    async def main() -> None:
        stop = asyncio.Event()
        outcome["stop"] = stop
        link = SensorLink(
            found, on_samples=lambda s: samples.append(len(s)), clock=clock, radio=radio
        )
        await link.run(stop)
        outcome["state"] = link.stats.state

    def run() -> None:
        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # noqa: BLE001 - the test reports it
            outcome["error"] = exc
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="link-loop", daemon=True)
    caplog.set_level(logging.INFO, logger="backcoach")
    thread.start()
    t0 = clock.monotonic()
    clock.run_until(t0 + DAY, stop=lambda: not thread.is_alive())
    assert thread.is_alive(), f"run() ended: {outcome.get('error')!r}"
    assert radio.connects > DAY / (BACKOFF_MAX_S + 1) * 0.9, "retried every 30 s all day"
    loop.call_soon_threadsafe(setattr, radio, "fixed", True)
    clock.run_until(t0 + DAY + 120, stop=lambda: not thread.is_alive())
    assert samples, "streaming once the stack works"
    loop.call_soon_threadsafe(outcome["stop"].set)  # type: ignore[union-attr]
    clock.run_until(t0 + DAY + 180, stop=lambda: not thread.is_alive())
    thread.join(10)
    assert "error" not in outcome and outcome["state"] == "stopped", outcome
    said = [r.getMessage() for r in caplog.records if "RuntimeError" in r.getMessage()]
    assert len(said) == 1 and "reconnecting" in said[0], said
    assert len(caplog.records) < 20, [r.getMessage() for r in caplog.records]

"""The practice dashboard warms up before it says it is ready: the overview's read, for real.

The server runs `serve.warm_up()` in its lifespan, before it listens (issue 24: the first page
after a start paid for the first read, grading and table). Here the warm-up's overview pass
runs in a process of its own, as the server's, against a real InfluxDB with authentication on,
through the practice's reader account; the browser tests show the pages still work after it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backcoach.dashboard import practice_accounts as practice
from tests import clock
from tests.storage import practice_world

pytestmark = pytest.mark.influx

WARM = "from backcoach.dashboard.serve import warm_overview; print(warm_overview())"


def test_the_warm_up_reads_and_grades_every_wearer_of_the_practice(tmp_path):
    names = ("anna", "ben")
    with practice_world.running(tmp_path) as world:
        practice_world.add_wearers(world, names)
        yesterday = clock.yesterday(practice_world.TZ)
        practice_world.fill(world, names, yesterday, days=14)
        env = {**os.environ, **world.env(), practice.DASHBOARD_ENV: "1"}  # as --practice sets
        done = subprocess.run(
            [sys.executable, "-c", WARM], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[-1] == "2"
        world.server.stop()  # the practice's server away: the start goes on, with one line
        away = subprocess.run(
            [sys.executable, "-c", "from backcoach.dashboard.serve import warm_up; warm_up()"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert away.returncode == 0 and "Traceback" not in away.stderr
        assert "warming up stopped early" in away.stderr and "unreachable" in away.stderr

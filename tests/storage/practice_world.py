"""A practice on a real influxd with authentication on, set up the way an administrator does.

Used by the practice dashboard's browser test and by `bench/practice.py`: an `influxd` with
`auth-enabled = true` and an admin, wearers added by `practice add-wearer`'s own code, each
wearer's simulated weeks (`bench/fleet.py`) written with that wearer's own credentials through
the real store and outbox, and practitioners' accounts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from backcoach.commands.practice import add_wearer
from backcoach.config import InfluxSettings, load_settings
from backcoach.dashboard import practice_accounts as practice
from backcoach.storage.influx import InfluxStore
from backcoach.storage.influx_schema import Tags
from bench import fleet
from tests.storage.influx_server import InfluxServer

ADMIN = ("admin", "admin-Passw0rd-0815")
TZ = "Europe/Amsterdam"


@dataclass
class PracticeWorld:
    server: InfluxServer
    root: Path
    tokens: dict[str, str] = field(default_factory=dict)  # wearer -> user:password

    @property
    def folder(self) -> Path:
        return self.root / "data" / "practice"

    def env(self, *, admin: bool = False) -> dict[str, str]:
        """The practice machine's environment; the admin's token only where asked for."""
        env = {
            "BACKCOACH_CONFIG": str(self.root / "config.toml"),
            "BACKCOACH_DATA_DIR": str(self.root / "data"),
            "BACKCOACH_STORAGE": "influxdb",
            "BACKCOACH_INFLUX_URL": self.server.url,
            "BACKCOACH_TIMEZONE": TZ,
            "BACKCOACH_LANGUAGE": "en",
        }
        if admin:
            env["BACKCOACH_INFLUX_TOKEN"] = ":".join(ADMIN)
        return env

    def wearer_store(self, name: str, data_dir: Path) -> InfluxStore:
        """The wearer's own store, as their collector opens it (their account, their database)."""
        return InfluxStore(
            InfluxSettings(
                url=self.server.url, bucket=f"{practice.DB_PREFIX}{name}", token=self.tokens[name]
            ),
            data_dir=data_dir,
            tags=Tags(wearer=name, sensor="sim", model="open", placement="lower_back"),
            tz_name=TZ,
        )


def start(root: Path) -> PracticeWorld:
    server = InfluxServer(root / "influxd", auth=True).start()
    server.create_admin(*ADMIN)
    (root / "config.toml").touch()
    return PracticeWorld(server, root)


def add_wearers(world: PracticeWorld, names: Sequence[str]) -> None:
    settings = load_settings(env={**os.environ, **world.env(admin=True)})
    with contextlib.redirect_stdout(io.StringIO()):
        for name in names:
            _, account = add_wearer(settings, name, timezone=TZ)
            world.tokens[name] = account.token


def fill(
    world: PracticeWorld,
    names: Sequence[str],
    last_day: dt.date,
    *,
    days: int,
    epoch_days: int = 0,
    progress: Callable[[int], None] | None = None,
    plan: bool = False,
) -> int:
    """Each wearer's simulated days, written with their own credentials; returns points.
    `plan`: each wearer has a graded plan from their first day (`fleet.fill_wearer`)."""
    return fleet.fill_fleet(
        lambda k: world.wearer_store(names[k], world.root / "collectors" / names[k]),
        len(names),
        last_day,
        days=days,
        tz_name=TZ,
        epoch_days=epoch_days,
        progress=progress,
        plan=plan,
    )


def add_practitioner(world: PracticeWorld, username: str, password: str, name: str = "") -> None:
    practice.set_practitioner(world.folder, username, name, password)


@contextlib.contextmanager
def running(root: Path) -> Iterator[PracticeWorld]:
    world = start(root)
    try:
        yield world
    finally:
        world.server.stop()

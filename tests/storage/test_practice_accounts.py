"""A practice on a real influxd with authentication on: `backcoach practice add-wearer` makes a
database and an account per wearer, and the server keeps wearers apart.

Each wearer's credentials (as printed for their machine) write and read their own database, on
the v1 path and on the v2 path (influxdb-client through the 2.x relay), and neither read nor
write another wearer's; the practice's reader reads everyone and writes nothing.
"""

from __future__ import annotations

import logging
import re
import stat

import pytest

from backcoach.cli import main
from backcoach.dashboard import practice_accounts as practice
from backcoach.storage.influx import AUTH, InfluxUnavailable
from tests.storage.conftest import start_server
from tests.storage.contract import make_epochs
from tests.storage.v2_relay import V2Relay

ADMIN = ("admin", "admin-Passw0rd-0815")
pytestmark = pytest.mark.influx


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    """A second influxd, with `auth-enabled = true` and an admin user."""
    server = start_server(tmp_path_factory.mktemp("influxd-practice"), auth=True)
    server.create_admin(*ADMIN)
    yield server
    server.stop()


def cli_env(monkeypatch, tmp_path, url: str, token: str) -> None:
    config = tmp_path / "config.toml"
    config.touch()
    for key, value in {
        "BACKCOACH_CONFIG": str(config),
        "BACKCOACH_DATA_DIR": str(tmp_path / "practice-data"),
        "BACKCOACH_STORAGE": "influxdb",
        "BACKCOACH_INFLUX_URL": url,
        "BACKCOACH_INFLUX_TOKEN": token,
    }.items():
        monkeypatch.setenv(key, value)


def add_wearer(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["practice", "add-wearer", *args])
    out, err = capsys.readouterr()
    return code, out, err


def printed_token(out: str) -> str:
    """The `user:password` line add-wearer prints for the wearer's token file."""
    found = re.search(r"^  (backcoach_w_[\w-]+:\S+)$", out, re.MULTILINE)
    assert found, out
    return found.group(1)


@pytest.fixture(scope="module")
def practice_setup(auth_server, tmp_path_factory):
    """Wearers anna and ben added by the command, as a practice's admin runs it."""
    tmp = tmp_path_factory.mktemp("practice")
    mp = pytest.MonkeyPatch()
    cli_env(mp, tmp, auth_server.url, ":".join(ADMIN))
    tokens = {}
    try:
        for name in ("anna", "ben"):
            with capture() as cap:
                assert main(["practice", "add-wearer", name]) == 0
            tokens[name] = printed_token(cap.out)
    finally:
        mp.undo()
    return tokens, tmp / "practice-data" / "practice"


class capture:
    """stdout of an in-process command (capsys is function-scoped; module fixtures use this)."""

    def __enter__(self):
        import contextlib
        import io

        self._buf = io.StringIO()
        self._cm = contextlib.redirect_stdout(self._buf)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        self._cm.__exit__(*exc)
        self.out = self._buf.getvalue()


def _store(make_store, url, bucket, token, tmp_path, tag):
    return make_store(url, bucket, token=token, data_dir=tmp_path / tag, timeout_s=5.0)


@pytest.mark.parametrize("path", ["v1", "v2"])
def test_a_wearers_credentials_reach_their_own_database_and_no_other(
    path, auth_server, practice_setup, make_store, tmp_path
):
    """anna writes and reads backcoach_anna; writing or reading backcoach_ben is refused."""
    tokens, _ = practice_setup
    relay = V2Relay(auth_server.url).start() if path == "v2" else None
    url = relay.url if relay else auth_server.url
    try:
        own = _store(make_store, url, "backcoach_anna", tokens["anna"], tmp_path, "own")
        own.write_epochs(make_epochs(60))
        own.flush(10)
        assert len(own.read_epochs(0, 2e9)) == 60
        before = auth_server.count("backcoach_ben", "epoch", "posture")

        other = _store(make_store, url, "backcoach_ben", tokens["anna"], tmp_path, "other")
        other.write_epochs(make_epochs(30))
        with pytest.raises(InfluxUnavailable) as wrote:
            other.flush(5)
        assert wrote.value.reason == AUTH
        with pytest.raises(InfluxUnavailable) as read:
            other.read_epochs(0, 2e9)
        assert read.value.reason == AUTH
        assert auth_server.count("backcoach_ben", "epoch", "posture") == before
        assert other.backlog().points == 30  # refused, still queued: nothing dropped
    finally:
        if relay:
            relay.stop()


def test_the_practice_reader_reads_every_wearer_and_writes_none(
    auth_server, practice_setup, make_store, tmp_path
):
    tokens, folder = practice_setup
    ben = _store(make_store, auth_server.url, "backcoach_ben", tokens["ben"], tmp_path, "ben")
    ben.write_epochs(make_epochs(20))
    ben.flush(10)
    reader_token = (folder / practice.READER_TOKEN).read_text().strip()
    for name in ("anna", "ben"):
        reader = _store(
            make_store, auth_server.url, f"backcoach_{name}", reader_token, tmp_path, f"r-{name}"
        )
        reader.read_epochs(0, 2e9)  # allowed (may be empty)
    assert len(reader.read_epochs(0, 2e9)) >= 20
    reader.write_epochs(make_epochs(5))
    with pytest.raises(InfluxUnavailable) as wrote:
        reader.flush(5)
    assert wrote.value.reason == AUTH
    with pytest.raises(InfluxUnavailable) as deleted:
        reader.sender.delete("epoch", 0, 2**62, wearer="me")
    assert deleted.value.reason == AUTH


def test_a_wearer_deletes_their_own_data(auth_server, practice_setup, make_store, tmp_path):
    """ALL on their database: the dashboard's 'delete my data' works with their account."""
    tokens, _ = practice_setup
    own = _store(make_store, auth_server.url, "backcoach_anna", tokens["anna"], tmp_path, "del")
    own.write_epochs(make_epochs(10))
    own.flush(10)
    assert own.delete_range(0, 2e9) >= 10
    assert len(own.read_epochs(0, 2e9)) == 0


def test_the_practices_files_are_owner_only_and_the_password_is_printed_not_logged(
    auth_server, practice_setup, monkeypatch, tmp_path, capsys, caplog
):
    tokens, folder = practice_setup
    for name in (practice.ROSTER, practice.READER_TOKEN):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    roster = practice.load_roster(folder)
    assert [w.name for w in roster.wearers] == ["anna", "ben"]
    assert "password" not in (folder / practice.ROSTER).read_text()

    caplog.set_level(logging.DEBUG)
    cli_env(monkeypatch, folder.parent.parent, auth_server.url, ":".join(ADMIN))
    code, out, err = add_wearer(capsys, "cleo", "--timezone", "Europe/Amsterdam")
    assert code == 0, err
    token = printed_token(out)
    assert 'bucket = "backcoach_cleo"' in out and 'timezone = "Europe/Amsterdam"' in out
    password = token.split(":", 1)[1]
    assert password not in err and password not in caplog.text
    assert password not in "".join(p.read_text() for p in folder.rglob("*") if p.is_file())


def test_a_new_password_replaces_the_old_one(
    auth_server, practice_setup, monkeypatch, tmp_path, capsys, make_store
):
    cli_env(monkeypatch, practice_setup[1].parent.parent, auth_server.url, ":".join(ADMIN))
    code, out, _ = add_wearer(capsys, "dirk")
    old = printed_token(out)
    code, _, err = add_wearer(capsys, "dirk")
    assert code == 1 and "already has an account" in err and "--new-password" in err
    code, out, _ = add_wearer(capsys, "dirk", "--new-password")
    new = printed_token(out)
    assert code == 0 and new != old
    for token, works in ((old, False), (new, True)):
        store = _store(make_store, auth_server.url, "backcoach_dirk", token, tmp_path, token[-6:])
        if works:
            store.read_epochs(0, 2e9)
        else:
            with pytest.raises(InfluxUnavailable):
                store.read_epochs(0, 2e9)


def test_a_server_without_authentication_is_refused(influxd, monkeypatch, tmp_path, capsys):
    """With auth off every account could read every database: add-wearer says so and stops."""
    cli_env(monkeypatch, tmp_path, influxd.url, "someone:Passw0rd-123")
    code, out, err = add_wearer(capsys, "anna")
    assert code == 1 and out == ""
    assert "does not check credentials" in err and "auth-enabled = true" in err
    assert len(err.strip().splitlines()[-1]) > 0 and "Traceback" not in err
    assert not (tmp_path / "practice-data" / "practice" / practice.ROSTER).exists()


def test_a_second_practice_folder_on_the_same_server_is_told_which_folder_to_use(
    auth_server, practice_setup, monkeypatch, tmp_path, capsys
):
    cli_env(monkeypatch, tmp_path, auth_server.url, ":".join(ADMIN))
    code, _, err = add_wearer(capsys, "fenna")
    assert code == 1 and "already has the practice's reader account" in err
    assert "BACKCOACH_PRACTICE_DIR" in err


def test_credentials_that_are_not_an_admins_are_refused(
    auth_server, practice_setup, monkeypatch, tmp_path, capsys
):
    tokens, _ = practice_setup
    cli_env(monkeypatch, tmp_path, auth_server.url, tokens["anna"])
    code, _, err = add_wearer(capsys, "eve")
    assert code == 1 and "must be an admin's user:password" in err


@pytest.mark.parametrize("name", ["Anna", "an na", "x" * 41, "_anna", "anna;DROP"])
def test_a_name_that_cannot_be_a_database_is_refused_before_anything_happens(
    name, monkeypatch, tmp_path, capsys
):
    cli_env(monkeypatch, tmp_path, "http://127.0.0.1:9", "admin:x")
    code, _, err = add_wearer(capsys, name)
    assert code == 1 and "cannot be used" in err


def test_the_overview_reads_every_wearer_in_one_request_and_an_unreadable_one_alone(
    auth_server, practice_setup, make_store, tmp_path
):
    """One multi-statement read through the reader; a database it may not read spoils one row."""
    import datetime as dt

    from backcoach.config import InfluxSettings, Settings
    from backcoach.processing.types import DaySummary, DiaryEntry
    from backcoach.storage import FleetReader, open_fleet
    from backcoach.storage.influx_fleet import InfluxFleet

    tokens, folder = practice_setup
    for name, sit in (("anna", 25.0), ("ben", 55.0)):
        store = make_store(
            auth_server.url, f"backcoach_{name}", token=tokens[name], data_dir=tmp_path / name
        )
        store.tags = store.tags.__class__(name, "s", "open", "lower_back")
        store.write_summary(DaySummary("2026-11-24", {"G1.longest_sitting_bout_min": sit}))
        store.write_diary(DiaryEntry("2026-11-24", pain=4 if name == "ben" else 1))
        if name == "ben":  # a plan, kept in the wearer's own store (backcoach/plans.py)
            store.write_status("plan", '{"start": "2026-11-09"}')
            store.write_summary(DaySummary("2026-11-10", {"G1.longest_sitting_bout_min": 70.0}))
        store.flush(10)
    auth_server.query('CREATE DATABASE "backcoach_stranger"')
    reader = (folder / practice.READER_TOKEN).read_text().strip()
    influx = InfluxSettings(url=auth_server.url, bucket="backcoach_anna", token=reader)
    asked = [
        ("anna", "backcoach_anna"),
        ("stranger", "backcoach_stranger"),
        ("ben", "backcoach_ben"),
    ]
    two_by_two = InfluxFleet(influx, asked, per_request=2)
    got = two_by_two.read_days("2026-11-23", "2026-11-29")
    assert [d.name for d in got] == ["anna", "stranger", "ben"]
    anna, stranger, ben = got
    assert [s.metrics.longest_sitting_bout_min for s in anna.summaries] == [25.0]
    assert [s.metrics.longest_sitting_bout_min for s in ben.summaries] == [55.0]
    assert [e.pain for e in ben.diary] == [4] and anna.error is None
    plans = two_by_two.read_plans()  # the plan rows, read as the days are
    assert plans == {"anna": "", "stranger": "", "ben": '{"start": "2026-11-09"}'}
    reader = open_fleet(Settings(storage="influxdb", influx=influx), asked)  # the dashboard's way
    assert isinstance(reader, FleetReader)
    fleet = reader.read_fleet("2026-11-23", "2026-11-29", plan_first_day=lambda _: "2026-11-01")
    assert [d.plan for d in fleet] == ["", "", '{"start": "2026-11-09"}']
    assert fleet[1].error  # unreadable, as before
    assert [s.day for s in fleet[2].summaries] == ["2026-11-10", "2026-11-24"]  # from the plan
    assert stranger.error and "refused the credentials" in stranger.error
    assert dt.date(2026, 11, 24).isoformat() == ben.summaries[0].day

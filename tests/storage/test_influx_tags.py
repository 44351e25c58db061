"""Names on every point: what settings accept is stored, read and deleted by the real server.

A newline in a wearer's name once made InfluxDB 1.6 store a forged point; a backslash doubled
for a tag stayed doubled, so that wearer's data could neither be read nor deleted. Here the
line-protocol writer is fuzzed against the real influxd: any name the settings accept round-trips,
and the names they refuse are refused with one line before anything is written.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backcoach.config import InfluxSettings, load_settings
from backcoach.errors import ConfigError
from backcoach.processing.types import DiaryEntry, OverloadWarning
from backcoach.storage.influx import InfluxStore
from backcoach.storage.influx_schema import Tags
from backcoach.storage.line_protocol import tag_problem, tag_safe
from tests.storage.contract import T0, make_epochs, make_events

_dbs = itertools.count(1)
#: Characters that line protocol or InfluxQL treat specially, mixed with any other text.
_SPECIAL = " ,=\"\\'%{}[]:/\né✓\tab"
_TEXT = st.one_of(
    st.text(_SPECIAL, max_size=12), st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
)
NAMES = _TEXT.filter(lambda s: tag_problem(s) is None)


def _store(url: str, db: str, tags: Tags, data: Path) -> InfluxStore:
    return InfluxStore(InfluxSettings(url=url, bucket=db, timeout_s=10.0), data_dir=data, tags=tags)


def _close(store: InfluxStore) -> None:
    store.drainer.stop(1.0)
    store.outbox.close()


@pytest.mark.influx
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wearer=NAMES, sensor=NAMES, note=_TEXT)
@example(wearer="C:\\x", sensor="Polar H10, 1=2", note='line\nbreak "quoted" \\')
@example(wearer="", sensor="", note="")
def test_any_name_the_settings_accept_is_written_read_and_deleted_by_influxd(
    influxd, tmp_path_factory, wearer, sensor, note
):
    """Write every kind under fuzzed names, read it back, delete it; a neighbour stays."""
    db = f"tags{next(_dbs)}"
    influxd.query(f'CREATE DATABASE "{db}"')
    data = tmp_path_factory.mktemp("tags")
    neighbour = _store(influxd.url, db, Tags(wearer="neighbour", sensor="x"), data / "n")
    store = _store(influxd.url, db, Tags(wearer=wearer, sensor=sensor, model="open"), data / "s")
    try:
        epochs = make_epochs(30)
        events = make_events()
        warning = OverloadWarning(T0 + 60, "G2", 72.0, "static", {"posture": 'a \\ b " c'})
        diary = DiaryEntry("2023-11-15", 3, note=note)
        neighbour.write_epochs(epochs)
        neighbour.flush(10)
        store.write_epochs(epochs)
        store.write_events(events)
        store.write_warnings([warning])
        store.write_diary(diary)
        store.write_status("collector.state", note)
        store.flush(10)

        assert store.outbox.rejected() == []
        assert influxd.count(db, "epoch", "posture") == 60, "a forged or a lost point"
        assert len(store.read_epochs(T0, T0 + 86400)) == 30
        assert store.read_events(T0, T0 + 86400) == events
        assert store.read_warnings(T0, T0 + 86400) == [warning]
        assert store.read_diary("2023-11-15", "2023-11-15") == [diary]
        assert store.read_status() == {"collector.state": note}

        assert store.delete_range(T0, T0 + 86400) >= 30 + len(events) + 1
        store.delete_diary("2023-11-15")
        assert len(store.read_epochs(T0, T0 + 86400)) == 0
        assert store.read_diary("2023-11-15", "2023-11-15") == []
        assert len(neighbour.read_epochs(T0, T0 + 86400)) == 30
    finally:
        _close(store)
        _close(neighbour)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BACKCOACH_WEARER", "me\nepoch,wearer=victim posture=0i 1"),
        ("BACKCOACH_WEARER", "ends with\\"),
        ("BACKCOACH_SENSOR", "Polar\tH10"),
        ("BACKCOACH_SENSOR", "a\\\\b"),
    ],
)
def test_a_name_no_store_can_hold_is_one_line_when_the_settings_load(variable, value, tmp_path):
    """Through the real entry point: exit 1 and one line naming the setting, no traceback."""
    (tmp_path / "c.toml").touch()  # a named settings file must exist
    env = {"BACKCOACH_DATA_DIR": str(tmp_path), variable: value, "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "backcoach", "--config", str(tmp_path / "c.toml"), "config", "show"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    err = proc.stderr.strip()
    assert err.startswith("backcoach: error: setting ") and "\n" not in err
    assert "cannot be used" in err and "Traceback" not in proc.stderr
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "c.toml", env={variable: value})


def test_tags_refuse_a_line_break_even_past_the_settings():
    """Defence in depth: the writer itself never emits a name that ends a point."""
    with pytest.raises(ConfigError, match="cannot be stored in InfluxDB"):
        Tags(wearer="me\nepoch,wearer=victim posture=0i 1")


@given(_TEXT)
def test_a_name_made_tag_safe_can_always_be_stored(text):
    """For names backcoach does not choose (a sensor's advertised name): never refused."""
    assert tag_problem(tag_safe(text)) is None
    if tag_problem(text) is None:
        assert tag_safe(text) == text

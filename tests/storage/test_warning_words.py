"""Warnings are stored as rule, variant and figures; a store from before, which kept two finished
sentences per warning, still reads, in today's words where a sentence is recognised.

The old rows here are what the previous version wrote, byte for byte: SQLite schema 2's table
and InfluxDB points with message_en / message_nl fields.
"""

from __future__ import annotations

import sqlite3
import urllib.request
from pathlib import Path

import pytest

from backcoach.config import InfluxSettings
from backcoach.i18n import warning_text
from backcoach.processing.types import AS_WRITTEN, OverloadWarning
from backcoach.storage import influx_schema as sch
from backcoach.storage.influx import InfluxStore
from backcoach.storage.sqlite import SQLiteStore

T0 = 1772445900.0  # 2026-03-02 10:05 UTC

#: (t_s, rule, value, message_en, message_nl) as the version before stored them.
OLD_ROWS = [
    (
        T0,
        "G7",
        1.6,
        "Your back load on 2026-03-01 was 1.60 times your average of the last four weeks — "
        "build up slowly and plan a lighter day. Guidance G7",
        "Je rugbelasting op 2026-03-01 was 1.60 keer je gemiddelde van de laatste vier weken "
        "- bouw rustig op en plan een lichtere dag. Richtlijn G7",
    ),
    (
        T0 + 60,
        "G4",
        12.0,
        "(provisional) You have been bent forward more than 60° for 12 seconds — straighten "
        "up and give your back a rest. Guidance G4",
        "(voorlopig) Je staat al 12 seconden meer dan 60° voorovergebogen — kom overeind en "
        "geef je rug rust. Richtlijn G4",
    ),
    (
        T0 + 120,
        "G2",
        31.0,
        "You have held the same posture (other) for 31 minutes without moving — change "
        "position or move for a minute. Guidance G2",
        "Je houdt al 31 minuten dezelfde houding (bewegen) aan zonder te bewegen — verander "
        "van houding of beweeg even. Richtlijn G2",
    ),
    (T0 + 180, "G1", 30.0, "Sat for 30 min", "30 min gezeten"),  # no message of ours
]

#: How the reader reads them now, in Dutch: a decimal comma, "overig", the note kept.
NOW_NL = [
    "Je rugbelasting op 2026-03-01 was 1,60 keer je gemiddelde van de laatste vier weken "
    "- bouw rustig op en plan een lichtere dag. Richtlijn G7",
    "(voorlopig) Je staat al 12 seconden meer dan 60° voorovergebogen — kom overeind en "
    "geef je rug rust. Richtlijn G4",
    "Je houdt al 31 minuten dezelfde houding (overig) aan zonder te bewegen — verander "
    "van houding of beweeg even. Richtlijn G2",
    "30 min gezeten",
]


def _schema_2_store(path: Path) -> None:
    """An embedded store as the version before left it (its warnings table and version)."""
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
        "INSERT INTO meta VALUES('schema_version', '2');"
        "CREATE TABLE warnings("
        "t_s REAL NOT NULL, rule TEXT NOT NULL, value REAL, message_en TEXT, message_nl TEXT,"
        "PRIMARY KEY(t_s, rule));"
    )
    db.executemany("INSERT INTO warnings VALUES(?,?,?,?,?)", OLD_ROWS)
    db.commit()
    db.close()


def _read_back(warnings: list[OverloadWarning]) -> None:
    assert [w.variant for w in warnings] == [AS_WRITTEN] * len(OLD_ROWS)
    assert [(w.t_s, w.rule, w.value) for w in warnings] == [r[:3] for r in OLD_ROWS]
    assert [warning_text(w, "nl") for w in warnings] == NOW_NL
    assert warning_text(warnings[0], "en") == OLD_ROWS[0][3]  # the same words in English
    assert warning_text(warnings[3], "en") == "Sat for 30 min"  # unrecognised: as written


def test_an_embedded_store_from_schema_2_is_moved_to_figures_once_and_reads(tmp_path):
    path = tmp_path / "backcoach.sqlite"
    _schema_2_store(path)
    store = SQLiteStore(path)
    _read_back(store.read_warnings(T0, T0 + 3600))
    new = OverloadWarning(T0 + 240, "G1", 45.0, "sitting", {"minutes": 45.0, "seconds": 2700.0})
    store.write_warnings([new])
    store.close()

    again = SQLiteStore(path)  # a second open finds nothing to move
    got = again.read_warnings(T0, T0 + 3600)
    again.close()
    assert got[-1] == new and len(got) == len(OLD_ROWS) + 1
    _read_back(got[:-1])
    db = sqlite3.connect(path)
    columns = {row[1] for row in db.execute("PRAGMA table_info(warnings)")}
    version = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    db.close()
    assert "message_en" not in columns and {"variant", "figures", "note"} <= columns
    assert version == ("3",)


@pytest.mark.influx
def test_influx_points_written_as_sentences_still_read(influxd, influx_db, tmp_path):
    tags = sch.Tags(wearer="me", sensor="AA:BB")
    lines = []
    for t_s, rule, value, en, nl in OLD_ROWS:  # the previous `warning_line`, as it was
        prefix = sch._sorted_tags(tags.prefix(sch.WARNING) + f",rule={rule}")
        old = {"value": value, "message_en": en, "message_nl": nl}
        lines.append(sch.point(prefix, old, int(sch.to_ns(t_s))))
    req = urllib.request.Request(
        f"{influxd.url}/write?db={influx_db}", data="\n".join(lines).encode(), method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 204
    settings = InfluxSettings(url=influxd.url, bucket=influx_db, timeout_s=10.0)
    store = InfluxStore(settings, data_dir=tmp_path, tags=tags)
    try:
        _read_back(store.read_warnings(T0, T0 + 3600))
        # the same point written again in today's form: the old fields no longer count
        fresh = OverloadWarning(T0 + 180, "G1", 30.0, "sitting", {"minutes": 30.0}, "memory")
        store.write_warnings([fresh])
        store.flush(10)
        assert store.read_warnings(T0 + 180, T0 + 181) == [fresh]
    finally:
        store.drainer.stop(1.0)
        store.outbox.close()


def test_a_stored_warning_reads_in_improved_words(tmp_path, monkeypatch):
    """The store keeps figures, so a message improved after the warning was stored is the one
    read (the stored sentence used to stay as it was written)."""
    from backcoach.i18n import warnings as words

    store = SQLiteStore(tmp_path / "backcoach.sqlite")
    w = OverloadWarning(T0, "G1", 45.0, "sitting", {"minutes": 45.0, "seconds": 2700.0})
    store.write_warnings([w])
    better = ("Sitting {minutes:.0f} min: walk two minutes. Guidance G1", "Zit {minutes:.0f} min.")
    monkeypatch.setitem(words.MESSAGES, ("G1", "sitting"), better)
    (back,) = store.read_warnings(T0, T0 + 1)
    store.close()
    assert warning_text(back, "en") == "Sitting 45 min: walk two minutes. Guidance G1"
    assert warning_text(back, "nl") == "Zit 45 min."

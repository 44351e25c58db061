"""`backcoach export` against a real InfluxDB: empty, then with data (issue 13 failed on both)."""

from __future__ import annotations

import zipfile

import pytest

from backcoach.cli import main
from backcoach.processing.types import DaySummary, DiaryEntry
from tests.storage.conftest import TAGS
from tests.storage.contract import DAY, make_epochs, make_events


@pytest.mark.influx
def test_export_from_influxdb_works_empty_and_full(
    tmp_path, influxd, influx_db, monkeypatch, capsys
):
    """The whole-calendar reads are clamped: an empty database is named as empty in one line
    (not an HTTP 400 about the time range), and a filled one exports."""
    from backcoach.config import InfluxSettings
    from backcoach.storage.influx import InfluxStore

    (tmp_path / "none.toml").touch()  # a named settings file must exist
    for key, value in {
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_STORAGE": "influxdb",
        "BACKCOACH_INFLUX_URL": influxd.url,
        "BACKCOACH_INFLUX_BUCKET": influx_db,
        "BACKCOACH_TIMEZONE": "UTC",
        "BACKCOACH_WEARER": TAGS.wearer,
    }.items():
        monkeypatch.setenv(key, value)
    assert main(["export", "--out", str(tmp_path / "empty.zip")]) == 1
    err = capsys.readouterr().err
    assert "empty" in err and influx_db in err and "HTTP" not in err, err
    assert not (tmp_path / "empty.zip").exists()

    store = InfluxStore(
        InfluxSettings(url=influxd.url, bucket=influx_db), data_dir=tmp_path / "w", tags=TAGS
    )
    store.write_epochs(make_epochs(300))
    store.write_events(make_events())
    store.write_summary(DaySummary(DAY, {"G1.sitting_min": 1.0}))
    store.write_diary(DiaryEntry(DAY, pain=2))
    store.close()
    assert main(["export", "--out", str(tmp_path / "full.zip"), "--format", "parquet"]) == 0
    assert "300 epochs, 4 events, 1 summaries" in capsys.readouterr().out
    with zipfile.ZipFile(tmp_path / "full.zip") as zf:
        assert len(zf.namelist()) == 5

"""`backcoach analyze`: files in, epochs.csv / events.json / summary.json out, per input."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from backcoach.tables import EPOCH_HEADER

G_MS2 = 9.80665


@pytest.fixture(scope="module")
def recording():
    """Six simulated minutes: walking, sitting, a bend, walking (time from 0 s, in g)."""
    script = [
        Segment("walk", 90),
        Segment("stand", 20),
        Segment("bend", peak_deg=70, hold_s=3),
        Segment("stand", 20),
        Segment("sit", 120, lean="upright"),
        Segment("walk", 60),
    ]
    sim = simulate(script, 0.0, fs_hz=25.0, seed=4)
    return sim.samples.t_s, sim.samples.acc_g.astype(np.float64)


def _run(args, tmp_path):
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "backcoach", "analyze", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _write_csv(path, t, acc, time_col):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["time", "x", "y", "z"])
        for tt, (x, y, z) in zip(time_col, acc, strict=True):
            w.writerow([tt, f"{x:.5f}", f"{y:.5f}", f"{z:.5f}"])


def _epochs(folder):
    with open(folder / "epochs.csv") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_csv_npz_and_iso_inputs_give_the_file_contract(recording, tmp_path):
    """Three formats of one recording: same postures; seconds kept, ISO times become Unix."""
    t, acc = recording
    _write_csv(tmp_path / "rel.csv", t, acc, [f"{x:.3f}" for x in t])
    start = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    iso = [(start + dt.timedelta(seconds=float(x))).isoformat() for x in t]
    _write_csv(tmp_path / "iso.csv", t, acc, iso)
    np.savez(tmp_path / "arr.npz", t=t, acc=acc)
    res = _run(
        [str(tmp_path / n) for n in ("rel.csv", "iso.csv", "arr.npz")]
        + ["--out", str(tmp_path / "out")],
        tmp_path,
    )
    assert res.returncode == 0, res.stderr
    out = tmp_path / "out"
    postures = {}
    for name in ("rel", "iso", "arr"):
        header, rows = _epochs(out / name)
        assert ",".join(header) == EPOCH_HEADER
        postures[name] = [r[1] for r in rows]
        events = json.loads((out / name / "events.json").read_text())["events"]
        types = {e["type"] for e in events}
        assert {"walk", "sitting_bout", "bend"} <= types
        for e in events:
            assert e["start"] <= e["end"]
            if e["type"] in ("bend", "lift"):
                assert "peak_angle" in e
            if e["type"] == "walk":
                assert e["steps"] > 0
        summary = json.loads((out / name / "summary.json").read_text())
        (day,) = summary["days"]
        assert day["metrics"]["G1.sitting_min"] == pytest.approx(2.0, abs=0.5)
    assert postures["rel"] == postures["arr"]
    assert np.mean(np.array(postures["rel"]) == np.array(postures["iso"])) >= 0.98
    assert float(_epochs(out / "rel")[1][0][0]) == 0.0
    assert float(_epochs(out / "iso")[1][0][0]) == start.timestamp()


def test_units_in_metres_per_second_squared_are_converted(recording, tmp_path):
    """The same file in m/s² with --units m/s2 gives the same epochs as in g."""
    t, acc = recording
    np.savez(tmp_path / "g.npz", t=t, acc=acc)
    np.savez(tmp_path / "ms2.npz", t=t, acc=acc * G_MS2)
    assert _run([str(tmp_path / "g.npz"), "--out", str(tmp_path / "o")], tmp_path).returncode == 0
    res = _run(
        [str(tmp_path / "ms2.npz"), "--out", str(tmp_path / "o"), "--units", "m/s2"], tmp_path
    )
    assert res.returncode == 0, res.stderr
    a, b = _epochs(tmp_path / "o" / "g")[1], _epochs(tmp_path / "o" / "ms2")[1]
    assert [r[1] for r in a] == [r[1] for r in b]


def test_a_malformed_file_is_one_line_and_the_others_still_run(recording, tmp_path):
    """A CSV without the x column and a folder input: one error line, the good file written."""
    t, acc = recording
    folder = tmp_path / "in"
    folder.mkdir()
    np.savez(folder / "good.npz", t=t, acc=acc)
    (folder / "bad.csv").write_text("time,y,z\n0,0,1\n0.1,0,1\n")
    res = _run([str(folder), "--out", str(tmp_path / "out"), "--placement", "waist"], tmp_path)
    assert res.returncode == 1
    errors = [line for line in res.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "bad.csv" in errors[0] and "x" in errors[0]
    assert "Traceback" not in res.stderr
    assert (tmp_path / "out" / "good" / "epochs.csv").exists()
    assert not (tmp_path / "out" / "bad").exists()

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

from backcoach import __version__, provenance
from backcoach.analysis.tables import EPOCH_HEADER
from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.guidance import RuleThresholds

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
    (tmp_path / "none.toml").touch()  # a named settings file must exist
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
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
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
        made = provenance.current("lower_back", RuleThresholds())
        assert (out / name / "epochs.csv").read_text().splitlines()[0] == made.header()
        assert (summary["pipeline_version"], summary["settings_digest"]) == (
            __version__,
            made.settings,
        )
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


def test_an_input_whose_name_is_dots_writes_nothing_outside_out(recording, tmp_path):
    """`...csv` has the stem `..`: its results go to a folder named after the whole file name
    inside --out, never to --out's parent; the good file beside it is analysed too."""
    t, acc = recording
    src = tmp_path / "in"
    src.mkdir()
    _write_csv(src / "...csv", t, acc, [f"{x:.3f}" for x in t])
    _write_csv(src / "good.csv", t, acc, [f"{x:.3f}" for x in t])
    out = tmp_path / "results" / "out"
    res = _run([str(src / "...csv"), str(src / "good.csv"), "--out", str(out)], tmp_path)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["out"]
    assert {"...csv", "good"} <= {p.name for p in out.iterdir()}
    assert (out / "...csv" / "epochs.csv").exists()


def _summary(folder):
    return json.loads((folder / "summary.json").read_text())


def _still(seconds: float, fs: float, reading, t0: float = 0.0, seed: int = 0):
    """A sensor lying still: `reading` (g) plus 2 mg of noise, at `fs` Hz from `t0`."""
    rng = np.random.default_rng(seed)
    t = t0 + np.arange(int(seconds * fs)) / fs
    return t, np.asarray(reading, float) + rng.normal(0, 0.002, (t.size, 3))


def test_time_in_milliseconds_is_detected_and_said(recording, tmp_path):
    """The same file with times in ms gives the same epochs, and the output says how it read it."""
    t, acc = recording
    np.savez(tmp_path / "s.npz", t=t, acc=acc)
    np.savez(tmp_path / "ms.npz", t=t * 1000.0, acc=acc)
    res = _run(
        [str(tmp_path / "s.npz"), str(tmp_path / "ms.npz"), "--out", str(tmp_path)], tmp_path
    )
    assert res.returncode == 0, res.stderr
    a, b = _epochs(tmp_path / "s")[1], _epochs(tmp_path / "ms")[1]
    assert len(b) > 300 and [r[1] for r in a] == [r[1] for r in b]
    assert "time read as ms" in res.stderr and "--time-unit" in res.stderr
    assert _summary(tmp_path / "ms")["time_unit"] == "ms"


def test_a_time_column_in_no_plausible_unit_is_refused_naming_the_option(tmp_path):
    t, acc = _still(60, 25, [0, 0, 1])
    np.savez(tmp_path / "odd.npz", t=t * 1e-5, acc=acc)  # 2.5 MHz in s, 2.5 kHz in ms
    res = _run([str(tmp_path / "odd.npz"), "--out", str(tmp_path / "o")], tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = [x for x in res.stderr.splitlines() if "error" in x]
    assert "--time-unit" in line and "odd.npz" in line


def test_metres_per_second_squared_are_detected_and_ambiguous_units_refused(recording, tmp_path):
    """|a| near 9.81 is m/s² without --units; near 3 it cannot be told and says --units."""
    t, acc = recording
    np.savez(tmp_path / "g.npz", t=t, acc=acc)
    np.savez(tmp_path / "ms2.npz", t=t, acc=acc * G_MS2)
    np.savez(tmp_path / "odd.npz", t=t, acc=acc * 3.0)
    res = _run(
        [str(tmp_path / n) for n in ("g.npz", "ms2.npz", "odd.npz")]
        + ["--out", str(tmp_path / "o")],
        tmp_path,
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr
    a, b = _epochs(tmp_path / "o" / "g")[1], _epochs(tmp_path / "o" / "ms2")[1]
    assert [r[1] for r in a] == [r[1] for r in b]
    assert _summary(tmp_path / "o" / "ms2")["units"] == "m/s2"
    (line,) = [x for x in res.stderr.splitlines() if "error" in x]
    assert "odd.npz" in line and "--units" in line
    help_text = subprocess.run(
        [sys.executable, "-m", "backcoach", "analyze", "--help"], capture_output=True, text=True
    ).stdout
    assert "default auto" in " ".join(help_text.split())


def test_a_guessed_reference_is_said_and_a_calibration_fixes_the_angle(tmp_path):
    """Still, 40° forward: the guess is flagged; --calibration (file or saved) reads +40°."""
    from backcoach.processing.types import Calibration
    from backcoach.storage.references import save_reference
    from backcoach.storage.sqlite import SQLiteStore

    up, fwd = np.array([1.0, 0, 0]), np.array([0, 0, 1.0])
    tilt = np.radians(40)
    t, acc = _still(600, 25, np.cos(tilt) * up - np.sin(tilt) * fwd)
    np.savez(tmp_path / "tilted.npz", t=t, acc=acc)
    res = _run([str(tmp_path / "tilted.npz"), "--out", str(tmp_path / "guess")], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "guessed" in res.stderr and "--calibration" in res.stderr
    assert _summary(tmp_path / "guess" / "tilted")["reference"] == "auto-guessed"
    with open(tmp_path / "guess" / "summary.csv") as fh:
        assert next(csv.DictReader(fh))["reference"] == "auto-guessed"

    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"up": up.tolist(), "forward": fwd.tolist()}))
    store = SQLiteStore(tmp_path / "data" / "backcoach.sqlite")
    save_reference(store, Calibration(tuple(up), tuple(fwd)), origin="calibrate", at_s=0.0)
    store.close()
    for how, arg in (("file", str(cal)), ("saved", "saved")):
        out = tmp_path / how
        res = _run(
            [str(tmp_path / "tilted.npz"), "--out", str(out), "--calibration", arg], tmp_path
        )
        assert res.returncode == 0, res.stderr
        rows = _epochs(out / "tilted")[1]
        assert np.median([float(r[2]) for r in rows]) == pytest.approx(40.0, abs=2.0)
        assert _summary(out / "tilted")["reference"] == "calibration"
        assert "were guessed" not in res.stderr


def test_many_files_in_two_processes_make_one_cohort_table(recording, tmp_path):
    """--jobs 2 over three inputs, one broken: one error line, a row per good input and day."""
    from backcoach.processing.summary import METRICS

    t, acc = recording
    folder = tmp_path / "in"
    folder.mkdir()
    start = 1_773_100_800.0  # 2026-03-10 00:00 UTC
    np.savez(folder / "a.npz", t=t + start, acc=acc)
    np.savez(folder / "b.npz", t=t + start + 86400 - 200, acc=acc)  # spans midnight: two days
    (folder / "c.npz").write_bytes(b"PK\x03\x04 not really a zip")
    res = _run([str(folder), "--out", str(tmp_path / "out"), "--jobs", "2"], tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert len([x for x in res.stderr.splitlines() if "error" in x]) == 1
    with open(tmp_path / "out" / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["input"], r["day"]) for r in rows] == [
        ("a.npz", "2026-03-10"),
        ("b.npz", "2026-03-10"),
        ("b.npz", "2026-03-11"),
    ]
    assert set(METRICS) <= set(rows[0])
    cohort = json.loads((tmp_path / "out" / "summary.json").read_text())["inputs"]
    assert [i["input"] for i in cohort] == ["a.npz", "b.npz", "c.npz"]
    assert "error" in cohort[2] and not (tmp_path / "out" / "c").exists()


def test_a_day_with_a_six_hour_gap_reports_the_gap_and_its_coverage(tmp_path):
    """24 h with the sensor off from 06:00 to 12:00: a gap event, 18 h of coverage (.npy)."""
    start = 1_773_100_800.0
    t, acc = _still(86400, 5, [0, 0, 1], t0=start)
    keep = (t < start + 6 * 3600) | (t >= start + 12 * 3600)
    np.save(tmp_path / "gap.npy", np.column_stack([t[keep], acc[keep]]))
    res = _run([str(tmp_path / "gap.npy"), "--out", str(tmp_path / "o")], tmp_path)
    assert res.returncode == 0, res.stderr
    events = json.loads((tmp_path / "o" / "gap" / "events.json").read_text())["events"]
    gaps = [e for e in events if e["type"] == "gap"]
    assert len(gaps) == 1
    assert gaps[0]["start"] == pytest.approx(start + 6 * 3600, abs=2)
    assert gaps[0]["end"] == pytest.approx(start + 12 * 3600, abs=2)
    (day,) = _summary(tmp_path / "o" / "gap")["days"]
    assert day["metrics"]["coverage_h"] == pytest.approx(18.0, abs=0.01)


def test_time_that_jumps_back_is_one_line_and_jitter_is_not(tmp_path):
    t, acc = _still(300, 25, [0, 0, 1])
    jitter = t.copy()
    jitter[1000], jitter[1001] = jitter[1001], jitter[1000]  # two samples swapped: 0.04 s back
    np.savez(tmp_path / "jitter.npz", t=jitter, acc=acc)
    reset = t.copy()
    reset[5000:] -= 150.0  # the clock was set back 150 s
    _write_csv(tmp_path / "reset.csv", reset, acc, [f"{x:.3f}" for x in reset])
    res = _run(
        [str(tmp_path / "jitter.npz"), str(tmp_path / "reset.csv"), "--out", str(tmp_path / "o")],
        tmp_path,
    )
    assert res.returncode == 1 and "Traceback" not in res.stderr
    (line,) = [x for x in res.stderr.splitlines() if "error" in x]
    assert "reset.csv" in line and "goes back" in line and "row 5001" in line
    assert len(_epochs(tmp_path / "o" / "jitter")[1]) >= 290
    assert not (tmp_path / "o" / "reset").exists()


def test_a_rate_that_changes_mid_file_leaves_no_gap(tmp_path):
    """50 Hz for 5 minutes, then 12.5 Hz: epochs go on without a gap."""
    t1, a1 = _still(300, 50, [0, 0, 1])
    t2, a2 = _still(300, 12.5, [0, 0, 1], t0=300.0, seed=1)
    np.savez(tmp_path / "rate.npz", t=np.r_[t1, t2], acc=np.vstack([a1, a2]))
    res = _run([str(tmp_path / "rate.npz"), "--out", str(tmp_path / "o")], tmp_path)
    assert res.returncode == 0, res.stderr
    events = json.loads((tmp_path / "o" / "rate" / "events.json").read_text())["events"]
    assert not [e for e in events if e["type"] == "gap"]
    times = [float(r[0]) for r in _epochs(tmp_path / "o" / "rate")[1]]
    assert len(times) >= 590 and np.all(np.diff(times) == 1.0)


def test_a_clock_at_1970_counts_days_from_the_start_and_says_so(tmp_path):
    """A device that was never set starts at 1970: days are 'day 1', 'day 2', with a note."""
    t, acc = _still(120, 25, [0, 0, 1])
    start = dt.datetime(1970, 1, 1, 23, 59, tzinfo=dt.UTC)
    iso = [(start + dt.timedelta(seconds=float(x))).isoformat() for x in t]
    _write_csv(tmp_path / "clock.csv", t, acc, iso)
    res = _run([str(tmp_path / "clock.csv"), "--out", str(tmp_path / "o")], tmp_path)
    assert res.returncode == 0, res.stderr
    summary = _summary(tmp_path / "o" / "clock")
    assert [d["day"] for d in summary["days"]] == ["day 1"]
    assert any("1970" in n and "before 2000" in n for n in summary["notes"])


def _workers(parent: int) -> list[int]:
    """The pool's worker processes under `parent` (Linux /proc)."""
    import pathlib

    found = []
    for proc in pathlib.Path("/proc").iterdir():
        try:
            status = (proc / "status").read_text()
            cmd = (proc / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if f"\nPPid:\t{parent}\n" in status and b"spawn_main" in cmd:
            found.append(int(proc.name))
    return found


def test_workers_killed_by_the_system_cost_no_file(tmp_path):
    """The OOM killer ends the pool's workers mid-file: those files run again, all succeed."""
    import signal
    import time

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(4):
        t, acc = _still(6 * 3600, 25, [0, 0, 1], seed=i)
        np.savez(folder / f"f{i}.npz", t=t, acc=acc)
    (tmp_path / "none.toml").touch()  # a named settings file must exist
    env = {
        **os.environ,
        "BACKCOACH_DATA_DIR": str(tmp_path / "data"),
        "BACKCOACH_CONFIG": str(tmp_path / "none.toml"),
    }
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "backcoach", "analyze", str(folder), "--out", str(out)]
    proc = subprocess.Popen([*cmd, "--jobs", "2"], env=env, stderr=subprocess.PIPE, text=True)
    killed: list[int] = []
    deadline = time.monotonic() + 120
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        if out.exists() and any(p.name.endswith(".partial") for p in out.iterdir()):
            for pid in _workers(proc.pid):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.02)
    _, err = proc.communicate(timeout=300)
    assert killed, "no worker was caught at work; the test proved nothing"
    assert proc.returncode == 0, err
    with open(out / "summary.csv") as fh:
        assert sorted({r["input"] for r in csv.DictReader(fh)}) == [f"f{i}.npz" for i in range(4)]

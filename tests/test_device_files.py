"""Axivity, GENEActiv and ActiGraph files through actipy's streaming parsers, and `analyze`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from backcoach.collector.files import read_recording
from backcoach.collector.simulator import Segment, simulate
from tests.device_files import write_cwa, write_genea_bin, write_gt3x

START_S = 1_773_100_800  # 2026-03-10 00:00 UTC
WRITERS = {"a.cwa": write_cwa, "g.bin": write_genea_bin, "t.gt3x": write_gt3x}


@pytest.fixture(scope="module")
def recording():
    """Ten simulated minutes at 50 Hz (walking, a bend, sitting), 300 samples a page."""
    if shutil.which("java") is None:
        pytest.fail("Java is missing; run scripts/bootstrap.sh --test", pytrace=False)
    script = [Segment("walk", 120), Segment("bend", peak_deg=70, hold_s=3), Segment("sit", 400)]
    sim = simulate(script, float(START_S), fs_hz=50.0, seed=5, random_mounting=False)
    n = len(sim.samples) // 300 * 300
    return sim.samples.acc_g[:n].astype(np.float64)


@pytest.mark.parametrize("name", list(WRITERS))
def test_each_device_format_reads_back_its_samples(recording, tmp_path, name):
    """Every sample comes back at its time and value (to the 1/256 g the file keeps)."""
    WRITERS[name](tmp_path / name, START_S, recording)
    s = read_recording(tmp_path / name)
    assert len(s) == recording.shape[0]
    # rtol=0: the default (1e-7) of a Unix time in seconds would forgive 177 s
    np.testing.assert_allclose(s.t_s, START_S + np.arange(len(s)) / 50.0, rtol=0, atol=0.0011)
    np.testing.assert_allclose(s.acc_g, recording, atol=1 / 256 + 1e-3)


def test_analyze_reads_all_three_formats_like_the_npz(recording, tmp_path):
    """The three files and an .npz of the same samples give the same postures."""
    for name, write in WRITERS.items():
        write(tmp_path / name, START_S, recording)
    t = START_S + np.arange(recording.shape[0]) / 50.0
    np.savez(tmp_path / "n.npz", t=t, acc=recording)
    env = {**os.environ, "BACKCOACH_DATA_DIR": str(tmp_path / "data"), "BACKCOACH_TIMEZONE": "UTC"}
    (tmp_path / "none.toml").touch()  # a named settings file must exist
    env["BACKCOACH_CONFIG"] = str(tmp_path / "none.toml")
    inputs = [str(tmp_path / n) for n in (*WRITERS, "n.npz")]
    res = subprocess.run(
        [sys.executable, "-m", "backcoach", "analyze", *inputs, "--out", str(tmp_path / "o")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr

    def postures(stem):
        lines = (
            (tmp_path / "o" / stem / "epochs.csv").read_text().splitlines()[2:]
        )  # provenance, header
        return [line.split(",")[1] for line in lines]

    want = postures("n")
    assert len(want) >= 500
    for stem in ("a", "g", "t"):
        got = postures(stem)
        assert abs(len(got) - len(want)) <= 1
        assert np.mean(np.array(got[: len(want)]) == np.array(want[: len(got)])) >= 0.97
        summary = json.loads((tmp_path / "o" / stem / "summary.json").read_text())
        assert summary["time_base"] == "unix" and summary["days"][0]["day"] == "2026-03-10"

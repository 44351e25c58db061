"""Files read block by block: every format gives the same samples, and results do not depend on
where the blocks are cut."""

from __future__ import annotations

import numpy as np
import pytest

from backcoach.analysis.file import AnalyzeOptions, analyze_file
from backcoach.collector import file_readers
from backcoach.collector.files import read_recording
from backcoach.collector.simulator import Segment, simulate
from backcoach.errors import InputFormatError


@pytest.fixture(scope="module")
def rec():
    sim = simulate([Segment("walk", 60), Segment("sit", 60), Segment("walk", 30)], 0.0, seed=2)
    return sim.samples.t_s, sim.samples.acc_g.astype(np.float64)


def _write_all(folder, t, acc):
    np.savez(folder / "stored.npz", t=t, acc=acc)
    np.savez_compressed(folder / "deflated.npz", t=t, acc=acc)
    np.savez(folder / "fortran.npz", t=t, acc=np.asfortranarray(acc))
    np.save(folder / "columns.npy", np.column_stack([t, acc]))
    np.savetxt(
        folder / "table.csv", np.column_stack([t, acc]), delimiter=",", header="time,x,y,z",
        comments="", fmt="%.9f",
    )  # fmt: skip
    return ["stored.npz", "deflated.npz", "fortran.npz", "columns.npy", "table.csv"]


def test_every_format_reads_the_same_samples_in_small_blocks(rec, tmp_path, monkeypatch):
    """Block seams (every 777 rows) lose and duplicate nothing, in every format."""
    t, acc = rec
    monkeypatch.setattr(file_readers, "BLOCK_ROWS", 777)
    for name in _write_all(tmp_path, t, acc):
        s = read_recording(tmp_path / name, units="g")
        np.testing.assert_allclose(s.t_s, t, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(s.acc_g, acc, atol=1e-6, err_msg=name)


def test_a_pickled_npz_member_is_refused_in_one_line(tmp_path):
    np.savez(tmp_path / "p.npz", t=np.arange(3.0), acc=np.array([{"a": 1}] * 3, dtype=object))
    with pytest.raises(InputFormatError, match="pickled"):
        read_recording(tmp_path / "p.npz")


def test_outputs_do_not_depend_on_the_block_size(rec, tmp_path, monkeypatch):
    """The same file analysed in blocks of 1,000 rows and in one block: identical files."""
    t, acc = rec
    np.savez(tmp_path / "r.npz", t=t, acc=acc)
    outs = []
    for rows in (1000, 10**7):
        monkeypatch.setattr(file_readers, "BLOCK_ROWS", rows)
        out = tmp_path / f"out{rows}"
        analyze_file(tmp_path / "r.npz", out, "r", AnalyzeOptions(timezone="UTC"))
        outs.append(out / "r")
    for name in ("epochs.csv", "events.json", "summary.json"):
        assert (outs[0] / name).read_text() == (outs[1] / name).read_text(), name

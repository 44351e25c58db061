"""The tables backcoach writes: the same bytes however the writer is built."""

from pathlib import Path

import numpy as np

from backcoach.analysis.tables import epoch_lines
from backcoach.processing.types import Epochs

DATA = Path(__file__).parent / "data"


def test_epoch_lines_match_the_per_row_writer() -> None:
    """Column-wise epoch lines equal what the per-row writer wrote (reference kept in
    tests/data, made by it), rounding halves, -0.0 and NaN included."""
    with np.load(DATA / "epoch_rows_input.npz") as cols:
        ep = Epochs(**{k: cols[k] for k in Epochs.column_names()})
    expected = (DATA / "epoch_rows_reference.csv").read_text(encoding="utf-8")
    assert epoch_lines(ep) == expected
    assert epoch_lines(ep.select(slice(0, 0))) == ""

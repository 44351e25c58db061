"""One vocabulary for the tables backcoach writes: `analyze`'s files and `export`'s zip alike.

Why: a researcher who analyses a file and a wearer who exports their store should get the same
columns, so spreadsheets and scripts work on both. Epochs: `time` (epoch start, s), `posture`,
`trunk_angle` and `side_angle` (degrees), `activity` (g), `steps`; events use
`Event.to_dict()` (`type, start, end, peak_angle, style, steps, ...`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from backcoach.processing.types import Epochs

if TYPE_CHECKING:
    import pandas as pd

#: A cell a spreadsheet (Excel, LibreOffice, Google Sheets) reads as a formula when it starts
#: so: a diary note "=HYPERLINK(...)" would run on opening the CSV (OWASP's CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: file column -> `Epochs` attribute
EPOCH_COLUMNS: dict[str, str] = {
    "time": "t_s",
    "posture": "posture",
    "trunk_angle": "trunk_deg",
    "side_angle": "side_deg",
    "activity": "activity_g",
    "steps": "steps",
}
EPOCH_HEADER = ",".join(EPOCH_COLUMNS)


def epoch_lines(ep: Epochs) -> str:
    """The CSV lines of epochs (each with its newline): time to ms, angles to 0.01°, activity
    to 0.1 mg.

    Written column-wise: each column is formatted in one pass (`map` over a list, no Python
    frame per row), then the rows are joined; a day's 86,400 epochs take a quarter of the time
    a per-row f-string took, with the same bytes (tests/test_tables.py keeps the old output).
    """
    if not len(ep):
        return ""
    cols = (
        map("{:.3f}".format, ep.t_s.tolist()),
        ep.posture_names().tolist(),
        map(repr, np.round(ep.trunk_deg.astype(float), 2).tolist()),
        map(repr, np.round(ep.side_deg.astype(float), 2).tolist()),
        map(repr, np.round(ep.activity_g.astype(float), 4).tolist()),
        map(str, ep.steps.tolist()),
    )
    return "\n".join(map(",".join, zip(*cols, strict=True))) + "\n"


def safe_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ' (shown as text);
    numbers and other text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text column passed through `safe_cell` (numbers stay numbers)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    text = [c for c in df.columns if is_object_dtype(df[c]) or is_string_dtype(df[c])]
    if not text:
        return df
    df = df.copy()
    for c in text:
        df[c] = df[c].map(safe_cell)
    return df

"""Export of everything the store holds, as CSV or Parquet files in a zip, streamed to disk.

Why: the data belong to the wearer; they can take all of it to a spreadsheet, a physiotherapist
or another tool. A year of epochs (and, with `raw`, of raw samples) does not fit in memory, so
each table is written month by month (raw samples RAW_WINDOW_S at a time) into a temporary file
beside the zip, and the files are then packed: memory stays that of one window. Columns use the
same vocabulary as `backcoach analyze` (`backcoach.analysis.tables`); metrics and event attributes
become columns of their own. CSV text cells that a spreadsheet would run as a formula (a diary
note starting with `=`) are kept as text (`tables.spreadsheet_safe`); the zip is owner-only.
No Streamlit: `backcoach export` on the command line uses it too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from backcoach.analysis.tables import EPOCH_COLUMNS, spreadsheet_safe
from backcoach.i18n import warning_text
from backcoach.processing.metrics import METRICS
from backcoach.processing.types import POSTURES, Epochs
from backcoach.storage.base import ALL_DAYS, ALL_TIME_S, Store
from backcoach.storage.private import FILE_MODE

RAW_WINDOW_S = 6 * 3600.0  # raw samples per read: 6 h at 50 Hz are ~1 M rows
TABLES = ("epochs", "events", "summaries", "warnings", "diary")
FORMATS = ("csv", "parquet")
EVENT_COLUMNS = ("type", "start", "end", "peak_angle", "style", "steps")
CRLF = "\r\n"


def months(start_s: float, end_s: float) -> Iterator[tuple[float, float]]:
    """[start, end) cut at the first of each month (UTC)."""
    a = start_s
    while a < end_s:
        d = dt.datetime.fromtimestamp(a, dt.UTC)
        nxt = dt.datetime(d.year, d.month, calendar.monthrange(d.year, d.month)[1], tzinfo=dt.UTC)
        b = min(end_s, (nxt + dt.timedelta(days=1)).timestamp())
        yield a, b
        a = b


def windows(span: tuple[float, float] | None) -> Iterator[tuple[float, float]]:
    """Months over the epochs' span; the first and last open to ALL_TIME_S, so that events
    and warnings outside the epochs (or in a store without any) are exported too."""
    if span is None:
        yield ALL_TIME_S
        return
    parts = list(months(span[0], span[1] + 1.0))
    for i, (a, b) in enumerate(parts):
        yield (ALL_TIME_S[0] if i == 0 else a), (ALL_TIME_S[1] if i == len(parts) - 1 else b)


def epochs_frame(ep: Epochs) -> pd.DataFrame:
    """Epochs with the file vocabulary: time, posture (name), trunk_angle, ..."""
    df = pd.DataFrame({name: getattr(ep, attr) for name, attr in EPOCH_COLUMNS.items()})
    df["posture"] = np.asarray(POSTURES, dtype=object)[ep.posture] if len(ep) else []
    return df


class _Table:
    """One table's temporary file, appended window by window in the chosen format."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt, self.rows = path, fmt, 0
        self._writer = None
        self._schema = None
        self._empty: pd.DataFrame | None = None  # the columns, should no row ever come

    def append(self, df: pd.DataFrame) -> None:
        if not len(df):
            self._empty = df
            return
        if self.fmt == "csv":
            df = spreadsheet_safe(df)  # a diary note "=HYPERLINK(...)" stays text
            # CRLF rows (RFC 4180): then a carriage return inside a note is quoted too
            df.to_csv(self.path, mode="a", header=self.rows == 0, index=False, lineterminator=CRLF)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, schema=self._schema, preserve_index=False)
            if self._writer is None:
                self._schema = table.schema
                self._writer = pq.ParquetWriter(self.path, self._schema)
            self._writer.write_table(table)
        self.rows += len(df)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self.rows:
            return
        empty = self._empty if self._empty is not None else pd.DataFrame()
        if self.fmt == "csv":
            empty.to_csv(self.path, index=False, lineterminator=CRLF)
        else:
            empty.to_parquet(self.path, index=False)


def write_export(
    store: Store,
    out: Path,
    *,
    fmt: str = "csv",
    raw: bool = False,
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, int]:
    """Write the store's data as a zip of tables to `out`; return the rows per table.

    The zip appears only when complete (written beside it, then renamed).
    """
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use csv or parquet")
    out = Path(out)
    names = (*TABLES, "raw") if raw else TABLES
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export-") as tmp:
        tables = {n: _Table(Path(tmp) / f"{n}.{fmt}", fmt) for n in names}
        events_jsonl = Path(tmp) / "events.jsonl"
        span = store.data_range()
        parts = list(windows(span))
        with open(events_jsonl, "w", encoding="utf-8") as ev:
            for i, (a, b) in enumerate(parts):
                tables["epochs"].append(epochs_frame(store.read_epochs(a, b)))
                for e in store.read_events(a, b):
                    if a <= e.start_s < b:  # an event is kept in the window it starts in
                        ev.write(json.dumps(e.to_dict()) + "\n")
                tables["warnings"].append(_warnings_frame(store.read_warnings(a, b)))
                if raw and span is not None:  # raw samples lie within a day of the epochs
                    near = max(a, span[0] - 86400.0), min(b, span[1] + 86400.0)
                    _raw_window(store, tables["raw"], *near)
                if on_progress:
                    on_progress((i + 1) / len(parts))
        _events_from_jsonl(events_jsonl, tables["events"])
        summaries = store.read_summaries(*ALL_DAYS)
        rows = [{"day": s.day, **s.metrics.as_row()} for s in summaries]
        tables["summaries"].append(pd.DataFrame(rows, columns=["day", *METRICS]))
        tables["diary"].append(pd.DataFrame([asdict(e) for e in store.read_diary(*ALL_DAYS)]))
        for t in tables.values():
            t.close()
        part = Path(tmp) / "export.zip"
        method = zipfile.ZIP_DEFLATED if fmt == "csv" else zipfile.ZIP_STORED
        with zipfile.ZipFile(part, "w", method, allowZip64=True) as zf:
            for name, t in tables.items():
                zf.write(t.path, f"{name}.{fmt}")
        part.chmod(FILE_MODE)  # health data: the owner's only
        shutil.move(part, out)
    return {name: t.rows for name, t in tables.items()}


def _warnings_frame(warnings: list) -> pd.DataFrame:
    """The warnings with their messages in both languages, as today's words say them."""
    cols = ("time", "rule", "value", "message_en", "message_nl")
    rows = [
        (w.t_s, w.rule, w.value, warning_text(w, "en"), warning_text(w, "nl")) for w in warnings
    ]
    return pd.DataFrame(rows, columns=cols)


def _raw_window(store: Store, table: _Table, a: float, b: float) -> None:
    w = a
    while w < b:
        s = store.read_samples(w, min(b, w + RAW_WINDOW_S))
        keep = (s.t_s >= w) & (s.t_s < min(b, w + RAW_WINDOW_S))
        acc = s.acc_g[keep]
        df = pd.DataFrame({"time": s.t_s[keep], "x": acc[:, 0], "y": acc[:, 1], "z": acc[:, 2]})
        table.append(df)
        w += RAW_WINDOW_S


def _events_from_jsonl(path: Path, table: _Table, batch: int = 50_000) -> None:
    """Events with one column per attribute: the names are gathered first, then rows written."""
    extra: dict[str, None] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            for k in json.loads(line):
                if k not in EVENT_COLUMNS:
                    extra[k] = None
    cols = [*EVENT_COLUMNS, *extra]
    rows: list[dict] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) >= batch:
                table.append(_events_frame(rows, cols))
                rows = []
    if rows or table.rows == 0:
        table.append(_events_frame(rows, cols))


def _events_frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=cols)
    for c in ("start", "end", "peak_angle", *cols[len(EVENT_COLUMNS) :]):
        df[c] = df[c].astype("float64")
    df["steps"] = df["steps"].astype("Float64")
    for c in ("type", "style"):
        df[c] = df[c].astype("object")
    return df

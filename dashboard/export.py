"""Export of everything the store holds, as CSV or Parquet files in a zip.

Why: the data belong to the wearer; they can take all of it to a spreadsheet, a physiotherapist
or another tool. Metrics and event attributes become columns of their own.
No Streamlit: `backcoach export` on the command line uses it too.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict

import numpy as np
import pandas as pd

from backcoach.processing.types import (
    POSTURES,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
)
from backcoach.storage.base import Store


def export_tables(
    epochs: Epochs,
    events: Sequence[Event],
    summaries: Sequence[DaySummary],
    warnings: Sequence[OverloadWarning],
    diary: Sequence[DiaryEntry],
) -> dict[str, pd.DataFrame]:
    """Every kind of data as a flat table (metrics and event attributes as their own columns)."""
    ep = pd.DataFrame(epochs.columns())
    ep["posture"] = np.asarray(POSTURES, dtype=object)[epochs.posture] if len(epochs) else []
    ev = pd.DataFrame([e.to_dict() for e in events])
    su = pd.DataFrame([{"day": s.day, **s.metrics} for s in summaries])
    wa = pd.DataFrame([asdict(w) for w in warnings])
    di = pd.DataFrame([asdict(e) for e in diary])
    return {"epochs": ep, "events": ev, "summaries": su, "warnings": wa, "diary": di}


#: The whole calendar, for reads of every summary and diary entry.
ALL_DAYS = ("0001-01-01", "9999-12-31")


def store_tables(store: Store) -> dict[str, pd.DataFrame]:
    """Everything a store holds as tables (`export_tables`), read on demand."""
    rng = store.data_range()
    lo, hi = (rng[0], rng[1] + 1.0) if rng else (0.0, 0.0)
    return export_tables(
        store.read_epochs(lo, hi),
        store.read_events(lo, hi),
        store.read_summaries(*ALL_DAYS),
        store.read_warnings(lo, hi),
        store.read_diary(*ALL_DAYS),
    )


def export_csv_zip(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """A zip with one CSV per table."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, df in tables.items():
            zf.writestr(f"{name}.csv", df.to_csv(index=False))
    return buf.getvalue()


def export_parquet_zip(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """A zip with one Parquet file per table (columns keep their dtypes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, df in tables.items():
            part = io.BytesIO()
            df.to_parquet(part, index=False)
            zf.writestr(f"{name}.parquet", part.getvalue())
    return buf.getvalue()

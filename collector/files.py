"""Recordings from files, streamed: CSV, `.npy`, `.npz` and research formats through actipy.

Why: `backcoach analyze`, `calibrate --file` and the accuracy bench read recordings made
elsewhere, from minutes to a month long. `open_recording` reads a file block by block
(`file_readers`) and turns each block into `Samples` (time in s, acceleration in g), judging
once, from the first block, what the file does not say:

- time: a `time` column of seconds is kept as given (the input's own time base); ISO 8601 and
  device files become Unix seconds. `time_unit="auto"` tells s, ms, µs and ns apart by the
  median step between samples (a rate of 1-1000 Hz in exactly one unit); otherwise it refuses
  and names `--time-unit`.
- units: `units="auto"` takes g when the median |a| is near 1 and m/s² near 9.81 (a worn or
  resting sensor feels 1 g on average); in between it refuses and names `--units`.
- order: a step back in time of up to `MAX_BACKSTEP_S` (jitter) is sorted out by the pipeline;
  a larger one (a clock that was reset) is a one-line error naming the row.
- a clock before 2000 (never set: it starts at 1970) is read as time since the first sample.

Rows with a missing or non-finite value are dropped and counted (`Recording.notes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from backcoach.collector import file_readers as fr
from backcoach.errors import InputFormatError
from backcoach.processing.types import Samples

G_MS2 = 9.80665
UNITS = ("auto", "g", "m/s2")
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
CSV_SUFFIXES = (".csv", ".csv.gz")
ACTIPY_SUFFIXES = (".cwa", ".cwa.gz", ".bin", ".gt3x")
SUFFIXES = (*CSV_SUFFIXES, ".npz", ".npy", *ACTIPY_SUFFIXES)
MIN_RATE_HZ, MAX_RATE_HZ = 1.0, 1000.0  # plausible accelerometer rates for unit detection
G_BAND = (0.5, 2.0)  # median |a| of a worn sensor in g
MS2_BAND = (5.0, 20.0)  # ... and in m/s²
MAX_BACKSTEP_S = 1.0  # steps back in time up to this are jitter; beyond, the clock was reset
UNIX_2000_S = 946_684_800.0


@dataclass
class Recording:
    """What is known about a file being read; filled in as its first block arrives."""

    name: str  # file stem without the suffixes
    path: Path
    time_base: str = "seconds"  # "seconds" (as given) or "unix"
    time_unit: str = "s"
    units: str = "g"
    rows: int = 0  # rows read (kept and dropped)
    dropped: int = 0  # rows with a missing or non-finite value
    notes: list[str] = field(default_factory=list)
    first_s: float | None = None
    last_s: float | None = None

    @property
    def calendar_days(self) -> bool:
        """Whether days are calendar days (Unix time after 2000) or counted from the start."""
        return self.first_s is not None and self.first_s >= UNIX_2000_S


def stem(path: Path) -> str:
    """The name without any of the known suffixes (`a.csv.gz` → `a`)."""
    name = path.name
    for suf in sorted(SUFFIXES, key=len, reverse=True):
        if name.lower().endswith(suf):
            return name[: -len(suf)]
    return path.stem


def find_inputs(paths: list[str | Path]) -> list[Path]:
    """Files as given, and the readable files inside folders (sorted), without duplicates."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*")) if f.is_file() and _known(f)]
            out.extend(found)
        else:
            out.append(p)
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


def _known(path: Path) -> bool:
    return path.name.lower().endswith(SUFFIXES)


def _blocks(path: Path) -> Iterator[fr.Block]:
    low = path.name.lower()
    if low.endswith(CSV_SUFFIXES):
        return fr.read_csv_blocks(path, fr.BLOCK_ROWS)
    if low.endswith(".npz"):
        return fr.read_npz_blocks(path, fr.BLOCK_ROWS)
    if low.endswith(".npy"):
        return fr.read_npy_blocks(path, fr.BLOCK_ROWS)
    if low.endswith(ACTIPY_SUFFIXES):
        return fr.read_device_blocks(path)
    raise InputFormatError(
        f"{path.name}: unknown file type; give .csv (time,x,y,z), .npz (t, acc), .npy (n×4: "
        "time,x,y,z), .cwa, .bin or .gt3x"
    )


def open_recording(
    path: str | Path,
    *,
    units: str = "auto",
    time_unit: str = "auto",
    on_progress: Callable[[float], None] | None = None,
) -> tuple[Recording, Iterator[Samples]]:
    """The file's `Recording` (complete once the first chunk was taken) and its chunks."""
    path = Path(path)
    if units not in UNITS:
        raise InputFormatError(f"units {units!r} unknown; use auto, g or m/s2")
    if time_unit != "auto" and time_unit not in TIME_UNITS:
        raise InputFormatError(f"time unit {time_unit!r} unknown; use auto, s, ms, us or ns")
    if not path.is_file():
        raise InputFormatError(f"{path.name}: no such file")
    rec = Recording(stem(path), path)
    return rec, _chunks(rec, _blocks(path), units, time_unit, on_progress)


def read_recording(path: str | Path, *, units: str = "auto", time_unit: str = "auto") -> Samples:
    """A whole (short) file at once, e.g. a calibration recording."""
    _, chunks = open_recording(path, units=units, time_unit=time_unit)
    samples = Samples.concat(list(chunks))
    if len(samples) and np.any(np.diff(samples.t_s) < 0):
        order = np.argsort(samples.t_s, kind="stable")
        samples = Samples(samples.t_s[order], samples.acc_g[order])
    return samples


def _chunks(
    rec: Recording,
    blocks: Iterator[fr.Block],
    units: str,
    time_unit: str,
    on_progress: Callable[[float], None] | None,
) -> Iterator[Samples]:
    scale: float | None = None
    time_kind = ""
    g_per_unit = 1.0
    for block in blocks:
        rec.rows += block.t.shape[0]
        if not time_kind:
            time_kind = _time_kind(rec, block.t)
        t = _seconds(rec, block.t, time_kind)
        acc = block.acc
        ok = np.isfinite(t) & np.all(np.isfinite(acc), axis=1)
        if not ok.all():
            rec.dropped += int((~ok).sum())
            t, acc, rows = t[ok], acc[ok], np.flatnonzero(ok) + block.first_row
        else:
            rows = None
        if t.size == 0:
            continue
        if scale is None:
            scale = _time_scale(rec, t, time_kind, time_unit)
            g_per_unit = _g_per_unit(rec, acc, units)
            rec.first_s = float(t[0] * scale)
            if rec.time_base == "unix" and rec.first_s < UNIX_2000_S:
                rec.notes.append(
                    f"the clock reads {_iso(rec.first_s)} (before 2000: never set); "
                    "days are counted from the first sample"
                )
        t = t * scale
        _check_order(rec, t, rows, block.first_row)
        rec.last_s = max(rec.last_s if rec.last_s is not None else -np.inf, float(t.max()))
        a = acc if g_per_unit == 1.0 else acc * g_per_unit
        if on_progress:
            on_progress(block.done)
        yield Samples(t, a.astype(np.float32))
    if rec.dropped:
        rec.notes.append(f"dropped {rec.dropped} of {rec.rows} rows with missing values")
    if rec.first_s is None or rec.rows - rec.dropped < 2:
        raise InputFormatError(f"{rec.path.name}: fewer than two valid samples")


def _time_kind(rec: Recording, t: np.ndarray) -> str:
    """'number', 'iso' or 'unix' (device files give Unix seconds already)."""
    if rec.path.name.lower().endswith(ACTIPY_SUFFIXES):
        rec.time_base = "unix"
        return "unix"
    if t.dtype.kind in "fiu":
        return "number"
    import pandas as pd

    numeric = pd.to_numeric(pd.Series(t), errors="coerce")
    if numeric.notna().mean() > 0.99:
        return "number"
    rec.time_base = "unix"
    return "iso"


def _seconds(rec: Recording, t: np.ndarray, kind: str) -> np.ndarray:
    """Times as float64 in the file's unit (ISO: Unix seconds); unreadable ones become NaN."""
    if kind in ("number", "unix") and t.dtype.kind in "fiu":
        return np.asarray(t, np.float64)  # no pandas to import (a second at start-up)
    import pandas as pd

    if kind in ("number", "unix"):
        return pd.to_numeric(pd.Series(t), errors="coerce").to_numpy(np.float64)
    try:
        stamps = pd.to_datetime(pd.Series(t), utc=True, format="ISO8601", errors="coerce")
    except (ValueError, TypeError) as exc:
        raise InputFormatError(
            f"{rec.path.name}: time column is neither seconds nor ISO 8601 ({exc})"
        ) from exc
    if stamps.isna().all():
        raise InputFormatError(f"{rec.path.name}: time column is neither seconds nor ISO 8601")
    ns = stamps.to_numpy("datetime64[ns]").astype("int64").astype(np.float64)
    ns[stamps.isna().to_numpy()] = np.nan
    return ns / 1e9


def _time_scale(rec: Recording, t: np.ndarray, kind: str, time_unit: str) -> float:
    """Seconds per unit of the time column: given, or told from the median step (see above)."""
    if kind != "number":
        return 1.0
    if time_unit != "auto":
        rec.time_unit = time_unit
        return TIME_UNITS[time_unit]
    steps = np.diff(t[:100_000])
    steps = steps[steps > 0]
    if steps.size == 0:
        raise InputFormatError(
            f"{rec.path.name}: the time column does not advance; give times that increase"
        )
    step = float(np.median(steps))
    for unit, sec in TIME_UNITS.items():
        rate = 1.0 / (step * sec)
        if MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
            rec.time_unit = unit
            if unit != "s":
                rec.notes.append(
                    f"time read as {unit} (median step {step:g}, {rate:.3g} Hz); "
                    "override with --time-unit"
                )
            return sec
    raise InputFormatError(
        f"{rec.path.name}: cannot tell the unit of time (median step {step:g} is no rate of "
        f"{MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz in s, ms, us or ns); give --time-unit"
    )


def _g_per_unit(rec: Recording, acc: np.ndarray, units: str) -> float:
    """1 for g, 1/9.80665 for m/s²: given, or told from the median |a| (see above)."""
    if units == "g":
        return 1.0
    if units == "m/s2":
        rec.units = "m/s2"
        return 1.0 / G_MS2
    mag = float(np.median(np.linalg.norm(acc[:200_000], axis=1)))
    if G_BAND[0] <= mag <= G_BAND[1]:
        return 1.0
    if MS2_BAND[0] <= mag <= MS2_BAND[1]:
        rec.units = "m/s2"
        rec.notes.append(f"acceleration read as m/s² (median |a| {mag:.2f}); override with --units")
        return 1.0 / G_MS2
    raise InputFormatError(
        f"{rec.path.name}: cannot tell g from m/s² (median |a| is {mag:.3g}, expected about 1 "
        f"or 9.81); give --units g or --units m/s2"
    )


def _check_order(rec: Recording, t: np.ndarray, rows: np.ndarray | None, first_row: int) -> None:
    """A step back beyond MAX_BACKSTEP_S (also across blocks) is a one-line error."""
    prev = rec.last_s if rec.last_s is not None else t[0]
    running = np.maximum.accumulate(np.r_[prev, t])[:-1]
    back = running - t
    bad = np.flatnonzero(back > MAX_BACKSTEP_S)
    if bad.size:
        i = int(bad[0])
        row = int(rows[i]) if rows is not None else first_row + i
        raise InputFormatError(
            f"{rec.path.name}: time goes back by {back[i]:.3g} s at data row {row + 1} (the "
            "clock was reset?); sort the file by time or split it there"
        )


def _iso(t_s: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(t_s, dt.UTC).strftime("%Y-%m-%d %H:%M")

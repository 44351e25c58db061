"""Recordings from files: CSV, the shared `.npz` format, and research formats through actipy.

Why: `backcoach analyze` and the accuracy bench read recordings made elsewhere. Each reader turns
one file into `Samples` (time in s, acceleration in g) plus the time base it used, and says in
one line what is wrong when it cannot.

- CSV: header with `time,x,y,z` (any case, other columns ignored); `time` either seconds (kept
  as given: the input's own time base) or ISO 8601 (converted to seconds since the Unix epoch).
- `.npz`: arrays `t` (s) and `acc` (n×3, g), as in ../shared/data.
- `.cwa` (Axivity), `.bin` (GENEActiv), `.gt3x` (ActiGraph): through `actipy.read_device`, when
  actipy is installed (`pip install actipy`; it needs Java); times become Unix seconds.

`units="m/s2"` divides the acceleration by standard gravity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from backcoach.errors import InputFormatError
from backcoach.processing.types import Samples

G_MS2 = 9.80665
UNITS = ("g", "m/s2")
CSV_SUFFIXES = (".csv", ".csv.gz")
ACTIPY_SUFFIXES = (".cwa", ".cwa.gz", ".bin", ".gt3x")
SUFFIXES = (*CSV_SUFFIXES, ".npz", *ACTIPY_SUFFIXES)


@dataclass(frozen=True)
class Recording:
    """A file's samples and how its time was given ("seconds" or "unix")."""

    name: str  # file stem without the suffixes
    samples: Samples
    time_base: str


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


def read_recording(path: str | Path, *, units: str = "g") -> Recording:
    """Read one file; raise InputFormatError with a one-line reason when it cannot be used."""
    path = Path(path)
    if units not in UNITS:
        raise InputFormatError(f"units {units!r} unknown; use g or m/s2")
    if not path.is_file():
        raise InputFormatError(f"{path.name}: no such file")
    low = path.name.lower()
    if low.endswith(CSV_SUFFIXES):
        t, acc, base = _read_csv(path)
    elif low.endswith(".npz"):
        t, acc, base = _read_npz(path)
    elif low.endswith(ACTIPY_SUFFIXES):
        t, acc, base = _read_actipy(path)
    else:
        raise InputFormatError(
            f"{path.name}: unknown file type; give .csv (time,x,y,z), .npz (t, acc), "
            ".cwa, .bin or .gt3x"
        )
    acc = np.asarray(acc, np.float64)
    if units == "m/s2":
        acc = acc / G_MS2
    ok = np.isfinite(t) & np.all(np.isfinite(acc), axis=1)
    t, acc = t[ok], acc[ok]
    if t.size < 2:
        raise InputFormatError(f"{path.name}: fewer than two valid samples")
    if np.any(np.diff(t) < 0):
        order = np.argsort(t, kind="stable")
        t, acc = t[order], acc[order]
    return Recording(stem(path), Samples(t, acc.astype(np.float32)), base)


def _read_csv(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    import pandas as pd

    try:
        df = pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"{path.name}: not a readable CSV file ({exc})") from exc
    cols = {str(c).strip().lower(): c for c in df.columns}
    missing = [c for c in ("time", "x", "y", "z") if c not in cols]
    if missing:
        raise InputFormatError(
            f"{path.name}: CSV header lacks {', '.join(missing)}; expected time,x,y,z"
        )
    try:
        acc = df[[cols["x"], cols["y"], cols["z"]]].to_numpy(dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise InputFormatError(f"{path.name}: x, y, z must be numbers ({exc})") from exc
    time = df[cols["time"]]
    numeric = pd.to_numeric(time, errors="coerce")
    if numeric.notna().mean() > 0.99:
        return numeric.to_numpy(np.float64), acc, "seconds"
    try:
        stamps = pd.to_datetime(time, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise InputFormatError(
            f"{path.name}: time column is neither seconds nor ISO 8601 ({exc})"
        ) from exc
    t = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(np.float64)
    return t, acc, "unix"


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        with np.load(path, allow_pickle=False) as d:
            if "t" not in d.files or "acc" not in d.files:
                raise InputFormatError(f"{path.name}: .npz needs arrays 't' and 'acc'")
            t = np.asarray(d["t"], np.float64).reshape(-1)
            acc = np.asarray(d["acc"], np.float64)
    except InputFormatError:
        raise
    except (ValueError, OSError) as exc:
        raise InputFormatError(f"{path.name}: not a readable .npz file ({exc})") from exc
    if acc.ndim != 2 or acc.shape[1] != 3 or acc.shape[0] != t.size:
        raise InputFormatError(
            f"{path.name}: 'acc' must be n×3 with n = len(t); got {acc.shape} and {t.size}"
        )
    return t, acc, "seconds"


def _read_actipy(path: Path) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        import actipy
    except ImportError as exc:
        raise InputFormatError(
            f"{path.name}: reading this format needs actipy; pip install actipy (needs Java)"
        ) from exc
    try:
        data, _info = actipy.read_device(
            str(path),
            lowpass_hz=None,
            calibrate_gravity=False,
            detect_nonwear=False,
            resample_hz=None,
        )
    except Exception as exc:  # actipy raises many kinds; any of them means "cannot read"
        raise InputFormatError(f"{path.name}: actipy could not read it ({exc})") from exc
    t = data.index.asi8.astype(np.float64) / 1e9
    acc = data[["x", "y", "z"]].to_numpy(np.float64)
    return t, acc, "unix"

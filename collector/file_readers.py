"""Accelerometer files read block by block, so a month-long recording never sits in memory.

Why: `backcoach analyze` must handle 7-30 day recordings at 50-100 Hz in flat memory. Each
reader yields `Block`s of at most about `BLOCK_ROWS` rows: raw times (as written in the file)
and raw x, y, z (in the file's units), plus how much of the file is done. Units, time units,
order and gaps are judged later (`files.RecordingStream`); here only bytes become numbers.

- CSV (`.csv`, `.csv.gz`): pandas' chunked C reader over the columns `time,x,y,z`.
- `.npy`: one (n, 4) array of time, x, y, z, memory-mapped.
- `.npz`: members `t` (n,) and `acc` (n, 3) read in blocks straight from the zip members (stored
  or deflated; a Fortran-ordered `acc` through one reader per column). Not possible: pickled
  (object) members, which are refused.
- `.cwa`, `.bin`, `.gt3x`: actipy's Java parsers in their streaming mode (`--stream`), decoded
  as the rows arrive. Limits: `.gz` device files are first decompressed to a temporary file;
  Matrix `.bin` files, and any file with actipy before 3.8.3 (no streaming mode), go through
  actipy's whole-file reader, so their memory grows with the recording.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from backcoach.errors import InputFormatError

BLOCK_ROWS = 1 << 19  # ~2.9 h at 50 Hz: large enough for speed, ~16 MiB per block as float64
JAVA_MAX_HEAP = "-Xmx512m"  # the streaming parsers keep a few buffers, not the recording
_STREAM_MAGIC = b"ACTIPY01"
_STREAM_FIELDS = {1: 4, 2: 5, 3: 6, 6: 9}  # schema code -> fields (time first, then x, y, z ...)
_STREAM_MAX_ROWS = 8192
STREAM_SINCE = (3, 8, 3)  # the first actipy whose parsers take --stream
_JAVA_READERS = {".cwa": "AxivityReader", ".gt3x": "ActigraphReader", ".bin": "GENEActivReader"}


@dataclass(frozen=True)
class Block:
    """Rows of a file: raw times (float64 or datetime64 / ISO strings), raw x, y, z."""

    t: np.ndarray
    acc: np.ndarray  # (n, 3) float64, the file's units
    done: float  # share of the file read so far, 0-1
    first_row: int  # index of the block's first row in the file (for messages)


def _blocks_from_columns(
    t: np.ndarray, acc: np.ndarray, block_rows: int = BLOCK_ROWS
) -> Iterator[Block]:
    n = t.shape[0]
    for a in range(0, n, block_rows):
        b = min(n, a + block_rows)
        yield Block(
            np.asarray(t[a:b], np.float64), np.asarray(acc[a:b], np.float64), b / max(n, 1), a
        )


# -- CSV -------------------------------------------------------------------------------------------
#: Other names a vendor's export gives the columns: MbientLab's MetaBase (and its SDK examples)
#: write `epoc (ms)` (Unix milliseconds), `x-axis (g)`, `y-axis (g)`, `z-axis (g)`.
CSV_ALIASES = {"epoc (ms)": "time", "x-axis (g)": "x", "y-axis (g)": "y", "z-axis (g)": "z"}


def _csv_columns(path: Path, head: str) -> dict[str, str]:
    names = [c.strip().strip('"') for c in head.rstrip("\r\n").split(",")]
    cols = {n.lower(): n for n in names}
    for alias, name in CSV_ALIASES.items():
        if alias in cols and name not in cols:
            cols[name] = cols[alias]
    missing = [c for c in ("time", "x", "y", "z") if c not in cols]
    if missing:
        raise InputFormatError(
            f"{path.name}: CSV header lacks {', '.join(missing)}; expected time,x,y,z"
        )
    return {k: cols[k] for k in ("time", "x", "y", "z")}


def read_csv_blocks(path: Path, block_rows: int = BLOCK_ROWS) -> Iterator[Block]:
    """CSV with a `time,x,y,z` header (any case, more columns ignored), in blocks."""
    import pandas as pd

    size = max(path.stat().st_size, 1)
    with open(path, "rb") as raw:
        text: IO[bytes] = gzip.GzipFile(fileobj=raw) if path.name.lower().endswith(".gz") else raw
        try:
            head = text.readline().decode("utf-8-sig")
            cols = _csv_columns(path, head)
            names = [c.strip().strip('"') for c in head.rstrip("\r\n").split(",")]
            reader = pd.read_csv(
                text,
                names=names,
                header=None,
                usecols=list(cols.values()),
                chunksize=block_rows,
                dtype={cols["x"]: "float64", cols["y"]: "float64", cols["z"]: "float64"},
                low_memory=True,
            )
            row = 0
            for df in reader:
                t = df[cols["time"]].to_numpy()
                acc = df[[cols["x"], cols["y"], cols["z"]]].to_numpy(np.float64)
                yield Block(t, acc, min(raw.tell() / size, 1.0), row)
                row += len(df)
        except InputFormatError:
            raise
        except (ValueError, TypeError) as exc:
            raise InputFormatError(
                f"{path.name}: x, y, z must be numbers ({_first_line(exc)})"
            ) from exc
        except (OSError, UnicodeDecodeError, EOFError) as exc:
            raise InputFormatError(
                f"{path.name}: not a readable CSV file ({_first_line(exc)})"
            ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- NumPy -----------------------------------------------------------------------------------------
def read_npy_blocks(path: Path, block_rows: int = BLOCK_ROWS) -> Iterator[Block]:
    """An (n, 4) array of time, x, y, z, memory-mapped: only the current block is read."""
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InputFormatError(f"{path.name}: not a readable .npy file ({exc})") from exc
    if arr.ndim != 2 or arr.shape[1] != 4 or arr.dtype.kind not in "fiu":
        raise InputFormatError(
            f"{path.name}: .npy must hold an (n, 4) number array of time, x, y, z; "
            f"got {arr.shape} {arr.dtype}"
        )
    yield from _blocks_from_columns(arr[:, 0], arr[:, 1:4], block_rows)


class _Member:
    """One .npy member of a zip, read forward in rows (one reader per column if Fortran)."""

    def __init__(self, zf: zipfile.ZipFile, name: str, path: Path) -> None:
        fh = zf.open(name)
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        if dtype.hasobject:
            raise InputFormatError(
                f"{path.name}: '{name[:-4]}' holds Python objects (pickled), which cannot be read "
                "safely; save plain number arrays"
            )
        self.shape, self.dtype = shape, dtype
        self.cols = 1 if len(shape) == 1 else int(np.prod(shape[1:]))
        self.handles = [fh]
        if fortran and self.cols > 1:  # column-major: each column is its own run of bytes
            start = fh.tell()
            fh.close()
            self.handles = []
            for c in range(self.cols):
                h = zf.open(name)
                h.seek(start + c * shape[0] * dtype.itemsize)
                self.handles.append(h)

    def read(self, rows: int) -> np.ndarray:
        if len(self.handles) == 1:
            n = rows * self.cols * self.dtype.itemsize
            buf = self.handles[0].read(n)
            out = np.frombuffer(buf, self.dtype)
            return out.reshape(-1, self.cols) if self.cols > 1 else out
        size = rows * self.dtype.itemsize
        parts = [np.frombuffer(h.read(size), self.dtype) for h in self.handles]
        return np.column_stack(parts)

    def close(self) -> None:
        for h in self.handles:
            h.close()


def read_npz_blocks(path: Path, block_rows: int = BLOCK_ROWS) -> Iterator[Block]:
    """Arrays `t` and `acc` of a .npz, read member by member in blocks (see module docstring)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFormatError(f"{path.name}: not a readable .npz file ({exc})") from exc
    with zf:
        names = set(zf.namelist())
        if "t.npy" not in names or "acc.npy" not in names:
            raise InputFormatError(f"{path.name}: .npz needs arrays 't' and 'acc'")
        try:
            t, acc = _Member(zf, "t.npy", path), _Member(zf, "acc.npy", path)
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise InputFormatError(f"{path.name}: not a readable .npz file ({exc})") from exc
        try:
            n = int(np.prod(t.shape))
            if len(acc.shape) != 2 or acc.shape[1] != 3 or acc.shape[0] != n:
                raise InputFormatError(
                    f"{path.name}: 'acc' must be n×3 with n = len(t); got {acc.shape} and {n}"
                )
            t.cols = 1
            for a in range(0, n, block_rows):
                rows = min(block_rows, n - a)
                try:
                    tb, ab = t.read(rows), acc.read(rows)
                except (OSError, zipfile.BadZipFile, EOFError) as exc:
                    raise InputFormatError(f"{path.name}: the .npz is damaged ({exc})") from exc
                if tb.shape[0] != rows or ab.shape[0] != rows:
                    raise InputFormatError(f"{path.name}: the .npz ends early (damaged or cut)")
                yield Block(tb.astype(np.float64), ab.astype(np.float64), (a + rows) / n, a)
        finally:
            t.close()
            acc.close()


# -- device files through actipy -------------------------------------------------------------------
def read_device_blocks(path: Path) -> Iterator[Block]:
    """Axivity, GENEActiv and ActiGraph files through actipy's Java parsers, as they stream."""
    try:
        import actipy
        from actipy import matrix_reader
    except ImportError as exc:
        raise InputFormatError(
            f"{path.name}: reading this format needs actipy; pip install actipy (needs Java)"
        ) from exc
    if shutil.which("java") is None:
        raise InputFormatError(
            f"{path.name}: reading this format needs Java 8 or newer (actipy's parsers); "
            "install it, e.g. apt-get install default-jdk-headless"
        )
    with tempfile.TemporaryDirectory(prefix="backcoach-") as tmp:
        src = path
        if path.name.lower().endswith(".gz"):  # the Java parsers read plain files only
            src = Path(tmp) / path.name[:-3]
            with gzip.open(path, "rb") as fin, open(src, "wb") as fout:
                shutil.copyfileobj(fin, fout)
        matrix = src.suffix.lower() == ".bin" and matrix_reader.is_matrix_bin_file(str(src))
        if matrix or not _streams(actipy):
            yield from _whole_device(path, actipy)  # no streaming parser: the whole file at once
            return
        reader = _JAVA_READERS[src.suffix.lower()]
        cmd = [
            "java",
            JAVA_MAX_HEAP,
            "-XX:ParallelGCThreads=1",
            "-cp",
            os.path.dirname(actipy.__file__),
            reader,
            "-i",
            str(src),
            "-o",
            tmp,
            "--stream",
        ]
        log = Path(tmp) / "parser.log"  # a file, not a pipe: a chatty parser never blocks
        with open(log, "wb") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        completed = False
        try:
            yield from _java_stream(path, proc)
            completed = True
        finally:
            if not completed and proc.poll() is None:
                proc.kill()  # the reader stopped early (an error, or the caller gave up)
            proc.communicate()
        if proc.returncode != 0:
            msg = log.read_text(errors="replace").strip().splitlines()
            reason = msg[-1] if msg else f"exit code {proc.returncode}"
            raise InputFormatError(f"{path.name}: actipy could not read it ({reason})")


def _streams(actipy) -> bool:
    """Whether this actipy's Java parsers have the streaming mode (3.8.3 and later)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        parts = version("actipy").split(".")[:3]
        return tuple(int("".join(c for c in p if c.isdigit()) or 0) for p in parts) >= STREAM_SINCE
    except PackageNotFoundError:
        return hasattr(actipy, "reader") and hasattr(actipy.reader, "_java_read_device_stream")


def _java_stream(path: Path, proc: subprocess.Popen) -> Iterator[Block]:
    """Decode actipy's parser stream: magic, schema code, then (uint32 rows, columns)* 0."""
    out = proc.stdout
    if out is None:  # never with stdout=PIPE
        return
    head = out.read(len(_STREAM_MAGIC) + 1)
    if len(head) < len(_STREAM_MAGIC) + 1:
        return  # the parser failed before writing; its exit code says why
    if head[: len(_STREAM_MAGIC)] != _STREAM_MAGIC or head[-1] not in _STREAM_FIELDS:
        raise InputFormatError(
            f"{path.name}: this actipy's parser speaks an unknown stream format; "
            "pip install 'actipy>=3.8'"
        )
    n_fields = _STREAM_FIELDS[head[-1]]
    pending_t: list[np.ndarray] = []
    pending_a: list[np.ndarray] = []
    rows = row0 = 0
    while True:
        raw = out.read(4)
        if len(raw) < 4:
            raise InputFormatError(f"{path.name}: actipy's parser stopped mid-stream")
        (n,) = struct.unpack("<I", raw)
        if n == 0:
            break
        if n > _STREAM_MAX_ROWS:
            raise InputFormatError(f"{path.name}: actipy's parser sent a malformed block")
        body = out.read(n * 8 + (n_fields - 1) * n * 4)
        if len(body) < n * 8 + (n_fields - 1) * n * 4:
            raise InputFormatError(f"{path.name}: actipy's parser stopped mid-stream")
        t_ns = np.frombuffer(body, "<i8", n)
        cols = [np.frombuffer(body, "<f4", n, n * 8 + i * n * 4) for i in range(3)]
        pending_t.append(t_ns.astype(np.float64) / 1e9)
        pending_a.append(np.column_stack(cols).astype(np.float64))
        rows += n
        if rows - row0 >= BLOCK_ROWS:
            yield Block(np.concatenate(pending_t), np.concatenate(pending_a), 0.0, row0)
            pending_t, pending_a, row0 = [], [], rows
    if pending_t:
        yield Block(np.concatenate(pending_t), np.concatenate(pending_a), 1.0, row0)


def _whole_device(path: Path, actipy) -> Iterator[Block]:
    try:
        with io.StringIO() as quiet, _redirect(quiet):
            data, _ = actipy.read_device(
                str(path),
                lowpass_hz=None,
                calibrate_gravity=False,
                detect_nonwear=False,
                resample_hz=None,
                verbose=False,
            )
    except Exception as exc:  # actipy raises many kinds; any of them means "cannot read"
        raise InputFormatError(f"{path.name}: actipy could not read it ({exc})") from exc
    t = data.index.asi8.astype(np.float64) / 1e9
    yield from _blocks_from_columns(t, data[["x", "y", "z"]].to_numpy(np.float64))


def _redirect(stream: io.StringIO):
    from contextlib import redirect_stdout

    return redirect_stdout(stream)

"""Health data stays with its owner: data folders 0700, data files 0600.

Why a module: the embedded store, the InfluxDB outbox, the spill files of an interrupted run and
the settings file are all created in several places, and each must be readable by its owner only
(on a shared machine another user must not read someone's back-pain diary). Folders and files
that an older version created with the default 0755/0644 are tightened the next time they are
opened. SQLite creates its -wal and -shm files with the mode of the database file, so creating
the database file 0600 first covers them too. On systems without POSIX modes this does nothing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def new_dirs(path: str | Path) -> Path:
    """Create `path` and any missing parents owner-only; folders already there stay as they
    are (`mkdir -p` would make the parents 0755: the data folder above `practice/`)."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile by another program
            p.mkdir(mode=DIR_MODE)
    return path


def private_dir(path: str | Path) -> Path:
    """Create `path` (and parents) if needed, owner-only; the folder itself is made owner-only."""
    path = new_dirs(path)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: str | Path) -> Path:
    """Create an empty owner-only file if none is there; an existing one is made owner-only.

    Its folder is made owner-only as well. Companion files a program derives from it (SQLite's
    -wal and -shm) are tightened too when they exist.

    An existing file is never opened, only changed by its path: closing any descriptor of a
    database file drops every POSIX lock this process holds on it, SQLite's included, and the
    next program to close the database then takes itself for the last one and deletes the WAL
    under the running ones (SQLite's "How To Corrupt" 2.2). A new file is created exclusively,
    so no connection can hold locks on it yet.
    """
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if p.exists():
            _tighten(p, FILE_MODE)
    return path


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions from a path we own (leave others' paths alone)."""
    if os.name != "posix":  # pragma: no cover - Windows: ACLs, not modes
        return
    st = path.stat()
    if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(st.st_mode) & ~0o077 & 0o7777 | (mode & 0o700))

"""Files a wearer asks for (`report`, `export`, `analyze`): health data on the disk, written so.

Why one place: each command wrote its own way, and tried as an attacker (and a hurried user)
would, each gave something away (issue 19): files 0644 that any user of the machine could read,
a traceback for a name longer than the file system takes, a zip named after a folder that did
not exist yet, a report replacing another without a word. Here:

- folders made for an output are owner-only (0700); folders that exist stay as they are;
- files are created owner-only (0600), written beside their name and renamed when complete;
- a name too long for the file system is a one-line error before any work;
- an existing file is replaced only with `--force`: the error names the file and the flag.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from backcoach.errors import ConfigError
from backcoach.storage.private import FILE_MODE, new_dirs

PART = ".part"  # the suffix of a file being written
DEFAULT_NAME_MAX = 255  # bytes per name on ext4, APFS, NTFS


def _existing(path: Path) -> Path:
    """The nearest folder of `path` that exists (for asking its file system's limits)."""
    for p in (path, *path.parents):
        with contextlib.suppress(OSError):
            if p.is_dir():
                return p
    return Path(".")


def name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(_existing(folder), "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return DEFAULT_NAME_MAX


def check_name(path: Path, flag: str = "--out") -> None:
    """A one-line error when a part of `path` (the file with PART added) is too long a name."""
    limit = name_max(path.parent)
    parts = path.parts
    for i, part in enumerate(parts):
        size = len(os.fsencode(part)) + (len(PART) if i == len(parts) - 1 else 0)
        if size > limit:
            shown = part if len(part) <= 40 else part[:37] + "..."
            raise ConfigError(
                f"{flag}: the name {shown!r} is {len(os.fsencode(part))} bytes long; this file "
                f"system takes at most {limit - (len(PART) if i == len(parts) - 1 else 0)}; "
                "give a shorter name"
            )


def check_new_file(path: Path, *, force: bool, flag: str = "--out") -> None:
    """Refuse a name that cannot be written, a folder, or (without --force) an existing file."""
    check_name(path, flag)
    if path.is_dir():
        raise ConfigError(f"{flag} {path} is a folder; give a file name inside it")
    if path.exists() and not force:
        raise ConfigError(
            f"{path} already exists; add --force to replace it, or give another {flag}"
        )


def free_name(folder: Path, stem: str, suffix: str) -> Path:
    """`folder/stem+suffix`, or the first of `stem-2+suffix`, `stem-3+suffix`... not taken."""
    path = folder / f"{stem}{suffix}"
    n = 2
    while path.exists() or path.with_name(path.name + PART).exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def make_folder(folder: Path, flag: str = "--out") -> Path:
    """Create a missing output folder (and its parents) owner-only, or say why it cannot be."""
    check_name(folder / "x", flag)
    try:
        return new_dirs(folder)
    except OSError as exc:
        raise ConfigError(f"cannot create the folder {folder}: {exc.strerror or exc}") from exc


def owner_only(path: Path) -> None:
    """Make a file we wrote owner-only (and a folder owner-only, with its files)."""
    if os.name != "posix":  # pragma: no cover - Windows: ACLs, not modes
        return
    if path.is_dir():
        path.chmod(0o700)
        for child in path.rglob("*"):
            child.chmod(0o700 if child.is_dir() else FILE_MODE)
    else:
        path.chmod(FILE_MODE)


def write_whole(path: Path, blob: bytes) -> None:
    """Write `blob` owner-only beside `path`, then rename: whole or not at all."""
    part = path.with_name(path.name + PART)
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            if os.name == "posix" and stat.S_IMODE(os.fstat(f.fileno()).st_mode) != FILE_MODE:
                os.fchmod(f.fileno(), FILE_MODE)  # a .part an older run left readable
            f.write(blob)
        os.replace(part, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc

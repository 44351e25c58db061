"""Saving settings edited on the dashboard into the TOML settings file, safely.

Why this way: the file may hold things the dashboard does not show (an InfluxDB section, notify
URLs), so an edit merges into what is there instead of rewriting from the form. The new text is
checked by loading it as settings before it replaces the old file (write to a temporary file in
the same folder, then an atomic rename), so a bad value never leaves a broken settings file. The
new file is synced to disk before the rename and the folder after it, so a power cut leaves the
old settings or the new ones, never an empty file; file and folder are owner-only (the file may
hold notification URLs with tokens).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from backcoach.config import Settings, load_settings
from backcoach.errors import ConfigError
from backcoach.storage.private import private_dir


def _value(v: Any, name: str) -> str:
    """One TOML value; only the types a settings file holds."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ConfigError(f"setting {name} must be a finite number")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a valid TOML basic string
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x, name) for x in v) + "]"
    raise ConfigError(f"setting {name} has a value of type {type(v).__name__} that cannot be saved")


def render_toml(raw: Mapping[str, Any]) -> str:
    """Settings as TOML text: top-level keys first, then one table per section."""
    lines = [f"{k} = {_value(v, k)}" for k, v in raw.items() if not isinstance(v, Mapping)]
    for section, table in raw.items():
        if isinstance(table, Mapping):
            lines.append("")
            lines.append(f"[{section}]")
            for k, v in table.items():
                if isinstance(v, Mapping):
                    raise ConfigError(f"setting {section}.{k} is nested too deeply to be saved")
                lines.append(f"{k} = {_value(v, f'{section}.{k}')}")
    return "\n".join(lines).lstrip("\n") + "\n"


def merge(raw: dict[str, Any], updates: Mapping[str, Any]) -> dict[str, Any]:
    """`raw` with `updates` applied; keys 'section.name' go into that table."""
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in raw.items()}
    for key, value in updates.items():
        section, _, name = key.rpartition(".")
        target = out.setdefault(section, {}) if section else out
        target[name] = value
    return out


def save_settings(path: str | Path, updates: Mapping[str, Any]) -> Settings:
    """Merge `updates` into the settings file at `path`; return the settings as now saved.

    Raises ConfigError (and leaves the file untouched) when the result would not load.
    """
    path = Path(path)
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ConfigError(f"cannot read settings file {path.name}: {exc}") from exc
    text = render_toml(merge(raw, updates))
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)  # 0600
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the text is on disk before the name points at it
        settings = load_settings(tmp, env={})  # validate before replacing the real file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)  # the rename itself is on disk
    return replace(settings, config_file=str(path))


def _sync_folder(folder: Path) -> None:
    if os.name != "posix":  # pragma: no cover - Windows cannot open a folder to sync it
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

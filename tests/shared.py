"""Work done once per test run, shared by the parallel workers (pytest-xdist).

Why: a session fixture runs once per worker, and the slowest ones (a simulated week through the
real pipeline) would run on each. `built_once` builds into the run's shared temporary folder
under a file lock: the first worker that asks builds, the others wait and reuse it.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from filelock import FileLock

T = TypeVar("T")


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run (above each worker's own)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """The folder `name`, filled by `build(folder)` once per run, whichever worker asks first.

    Only for what the tests then read, never change.
    """
    folder = run_folder(tmp_path_factory) / name
    with FileLock(f"{folder}.lock"):
        if not (folder / ".built").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            (folder / ".built").touch()
    return folder


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[], T]) -> T:
    """`make()`'s result, made once per run by whichever worker asks first and read back from
    a pickle by the others (a simulated day takes seconds to make, a fraction to read)."""

    def build(folder: Path) -> None:
        with open(folder / "value.pickle", "wb") as f:
            pickle.dump(make(), f, protocol=pickle.HIGHEST_PROTOCOL)

    with open(built_once(tmp_path_factory, name, build) / "value.pickle", "rb") as f:
        return pickle.load(f)

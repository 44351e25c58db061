"""`scripts/bootstrap.sh` says what pip is doing instead of a minute of silence.

The real script runs on a tiny project of its own (a copy of the script beside a one-module
pyproject), so the test creates a real virtual environment and runs a real pip without touching
this checkout's `.venv`. It needs what bootstrap itself needs: PyPI or a warm pip cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "bootstrap-probe"
version = "0.1"

[project.optional-dependencies]
dev = []

[tool.setuptools]
py-modules = ["probe"]
"""


def test_bootstrap_reports_pip_progress_in_a_few_log_lines(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "probe.py").write_text('"""A module to install."""\n')
    base_python = getattr(sys, "_base_executable", sys.executable)
    res = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "bootstrap.sh")],
        env={**os.environ, "PYTHON": base_python, "BOOTSTRAP_PROGRESS_S": "1"},
        stdin=subprocess.DEVNULL,
        capture_output=True,  # not a terminal: the CI form, one line per interval
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    lines = res.stderr.splitlines()
    progress = [ln for ln in lines if "pip at work (" in ln]
    assert progress, res.stderr  # silent before
    assert len(lines) < 60, res.stderr  # quiet enough for a CI log
    assert "\r" not in res.stderr and "\x1b[K" not in res.stderr  # no terminal redraws in a log
    assert "packages in .venv" in lines[-1]
    assert (tmp_path / ".venv" / "bin" / "python").exists()

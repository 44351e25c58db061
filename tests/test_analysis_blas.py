"""`analyze` runs a file with one BLAS thread: its matrix products are tiny, and a second
thread only waits for a core on a busy machine (issue 24)."""

from pathlib import Path

import numpy as np
import pytest

threadpoolctl = pytest.importorskip("threadpoolctl")

from backcoach.analysis import file as analysis  # noqa: E402
from backcoach.analysis.file import AnalyzeOptions, analyze_file  # noqa: E402


def _blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_a_file_is_analysed_with_one_blas_thread(tmp_path: Path, monkeypatch) -> None:
    """Inside the analysis BLAS has one thread, whatever the process had; after it, as before."""
    rng = np.random.default_rng(0)
    n = 50 * 600
    acc = np.array([0.0, 0.0, 1.0]) + rng.normal(0, 0.01, (n, 3))
    src = tmp_path / "still.npz"
    np.savez(src, t=1_764_028_800.0 + np.arange(n) / 50.0, acc=acc.astype(np.float32))
    seen: list[list[int]] = []
    run = analysis._run

    def spy(*args, **kwargs):
        seen.append(_blas_threads())
        return run(*args, **kwargs)

    monkeypatch.setattr(analysis, "_run", spy)
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        outside = _blas_threads()
        if not outside or max(outside) < 2:
            pytest.skip("this BLAS cannot run two threads here")
        analyze_file(src, tmp_path / "out", "still", AnalyzeOptions())
        assert _blas_threads() == outside
    assert seen and seen[0] and set(seen[0]) == {1}

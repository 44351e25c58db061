"""What every accuracy section shares: running recordings through `backcoach analyze`."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from backcoach.cli import main as cli_main


def run_analyze(
    recordings: dict[str, tuple[np.ndarray, np.ndarray]], placement: str
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, list[dict]]]:
    """Anonymous .npz files through `backcoach analyze` (the path a user takes).

    Returns per recording: epoch times, posture names, steps per epoch and the events.
    """
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        names = {}
        for i, (key, (t, acc)) in enumerate(recordings.items()):
            p = tmp / f"rec{i:03d}.npz"
            np.savez(p, t=t, acc=acc)
            names[key] = p
        args = ["analyze", *map(str, names.values()), "--out", str(tmp / "out"), "--time-unit", "s"]
        rc = cli_main([*args, "--placement", placement])
        if rc != 0:
            raise SystemExit(f"backcoach analyze failed with exit code {rc}")
        out = {}
        for key, p in names.items():
            d = tmp / "out" / p.stem
            with open(d / "epochs.csv", encoding="utf-8") as fh:  # past the provenance line
                rows = [line for line in fh if not line.startswith("#")]
            ep = np.genfromtxt(rows, delimiter=",", names=True, dtype=None, encoding="utf-8")
            ep = np.atleast_1d(ep)
            events = json.loads((d / "events.json").read_text())["events"]
            out[key] = (
                ep["time"].astype(float),
                ep["posture"].astype(str),
                ep["steps"].astype(int),
                events,
            )
        return out


def rate(values: list[bool]) -> str:
    """'0.950 (19/20)'."""
    if not values:
        return "n/a"
    return f"{np.mean(values):.3f} ({int(np.sum(values))}/{len(values)})"

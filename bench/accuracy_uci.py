"""UCI 427 (chest over clothing, irregular ~2.7 reads/s): sitting / lying / upright per sample."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from accuracy_common import run_analyze
from scipy.spatial.transform import Rotation

from backcoach.processing.pipeline import PipelineConfig, analyze
from backcoach.processing.types import Calibration

SEED = 20261125
CHEST = PipelineConfig(placement="chest")


def _axis(spec: str) -> tuple[float, float, float]:
    """'-y' → (0, -1, 0)."""
    v = [0.0, 0.0, 0.0]
    v["xyz".index(spec[-1])] = -1.0 if spec.startswith("-") else 1.0
    return (v[0], v[1], v[2])


def run(data: Path) -> dict:
    files = sorted((data / "uci_rfid_older").rglob("*.npz"))
    if not files:
        print("\nUCI 427: no files")
        return {}
    recs, labels, cals = {}, {}, {}
    for f in files:
        with np.load(f) as d:
            vocab = [str(v) for v in d["vocab"]]
            labels[f.stem] = np.array([vocab[i] for i in d["label"]])
            recs[f.stem] = (d["t"].astype(np.float64), d["acc"].astype(np.float32))
            meta = json.loads(str(d["meta"]))
            cals[f.stem] = Calibration(_axis(meta["axis_up"]), _axis(meta["axis_forward"]))
    rot = {k: Rotation.random(random_state=SEED + 100 + i).as_matrix() for i, k in enumerate(recs)}
    plain = run_analyze(recs, "chest")
    rotated = run_analyze(
        {k: (t, (a @ rot[k].T).astype(np.float32)) for k, (t, a) in recs.items()}, "chest"
    )
    calibrated = {}  # what a guided calibration gives: the documented axes as the calibration
    for k, (t, a) in recs.items():
        ep = analyze(t, a, replace(CHEST, calibration=cals[k])).epochs
        calibrated[k] = (ep.t_s, ep.posture_names().astype(str), ep.steps, [])
    mapping = {"sitting": "sitting", "lying": "lying"}
    n = sum(len(v) for v in labels.values())
    print(f"\nUCI 427 S1 (chest, irregular): {len(recs)} trials, {n} labelled samples")
    out = {}
    for label, res in (("unrotated", plain), ("rotated", rotated), ("calibrated", calibrated)):
        hit = tot = 0
        for k, (t, _acc) in recs.items():
            et, ep, _, _ = res[k]
            want = np.array([mapping.get(x, "upright") for x in labels[k]])
            idx = np.minimum(np.searchsorted(et, np.floor(t), side="left"), et.size - 1)
            ok = et[idx] == np.floor(t)
            got = np.array([mapping.get(p, "upright") for p in ep])[idx]
            hit += int(np.sum(ok & (got == want)))
            tot += t.size
        out[label] = hit / tot
        print(f"  [{label}] per-sample agreement (sitting/lying/upright): {hit / tot:.3f}")
    return out

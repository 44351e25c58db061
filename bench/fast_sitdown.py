"""The fast lane's sit-down detector on real trials: sit-downs found, and where it fires wrongly.

Run:  .venv/bin/python bench/fast_sitdown.py [../shared/data]

`processing/fast_sitdown.landed_after_sit_down` is called the way the fast lane calls it: every
0.25 s on the newest 8 s of samples. SisFall (waist belt, 50 Hz as shipped in ../shared/data,
every subject and trial): a sit-down trial (D07-D11) is found when it fires at least once; a
trial without sitting (walking, jogging, stairs, squat and stoop lifts, stumble, jump: D01-D06,
D15, D16, D18, D19) is a false alarm when it fires at all. Lying trials (D12-D14) and the car
(D17) hold a sit-down among other movements and are printed apart. The thresholds (stillness,
look-back, trunk angle at the landing) were chosen on the young subjects (SA01-SA11); the elderly
(SE01-SE07) are printed apart as the check on data they were not chosen on.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

import numpy as np

from backcoach.processing.fast_sitdown import landed_after_sit_down
from backcoach.processing.types import Calibration

SIT = ("D07", "D08", "D09", "D10", "D11")
NO_SIT = ("D01", "D02", "D03", "D04", "D05", "D06", "D15", "D16", "D18", "D19")
WINDOW_S = 8.0
STEP_S = 0.25
# SisFall's axes (../shared/data/README): upright reads y ~ -1 g, trunk flexion drives z to -1 g
SISFALL = Calibration(up=(0.0, -1.0, 0.0), forward=(0.0, 0.0, 1.0))


def fires(t: np.ndarray, acc: np.ndarray) -> list[float]:
    """Landing times the detector reports, streaming the trial as the fast lane would."""
    out: list[float] = []
    for end in np.arange(t[0] + STEP_S, t[-1] + 1e-9, STEP_S):
        m = (t > end - WINDOW_S) & (t <= end)
        landed = landed_after_sit_down(t[m], acc[m], SISFALL)
        if landed is not None and (not out or landed > out[-1] + 1.0):
            out.append(landed)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("data", nargs="?", default="../shared/data", type=Path)
    args = ap.parse_args()
    files = sorted((args.data / "sisfall").glob("*/D*.npz"))
    if not files:
        raise SystemExit(f"no SisFall trials under {args.data / 'sisfall'}")
    hit: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for f in files:
        with np.load(f) as d:
            t, acc = d["t"].astype(np.float64), d["acc"].astype(np.float64)
        hit[f.parent.name[:2], f.name[:3]].append(bool(fires(t, acc)))
    print(f"SisFall, {len(files)} trials, detector every {STEP_S} s on the newest {WINDOW_S} s")
    for group, who in (("SA", "young, thresholds chosen here"), ("SE", "elderly, held out")):
        print(f"  {group} ({who})")
        for label, codes in (("sit-down trials found", SIT), ("no-sit trials fired", NO_SIT)):
            n = sum(len(hit[group, c]) for c in codes)
            k = sum(sum(hit[group, c]) for c in codes)
            per = ", ".join(
                f"{c} {sum(hit[group, c])}/{len(hit[group, c])}" for c in codes if hit[group, c]
            )
            print(f"    {label:24s} {k / max(n, 1):.3f} ({k}/{n})   {per}")
        other = [c for c in ("D12", "D13", "D14", "D17") if hit[group, c]]
        mixed = ", ".join(f"{c} {sum(hit[group, c])}/{len(hit[group, c])}" for c in other)
        print(f"    with a sit among others  {mixed}")


if __name__ == "__main__":
    main()

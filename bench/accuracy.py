"""Accuracy of the pipeline on real labelled recordings, with the field's peers beside it.

Usage: python bench/accuracy.py [DATA_DIR] [--no-peers] [--loso-sit] [--days N]
(DATA_DIR defaults to ../shared/data relative to the repo root; the peers come with
`pip install -e '.[bench]'`).

Sections, each through `backcoach analyze` (the path a user takes), each printing its own
detection rates and tables:
1. Mobilise-D lower back (accuracy_mobilised.py): walking per second and steps against the
   reference system, mobgap's two pipelines on the same recordings.
2. SisFall waist belt (accuracy_sisfall.py): every trial type, plain and rotated; lift style
   fitted leave-one-subject-out; scikit-digital-health's Sit2Stand on the same recordings.
3. UCI 427 chest (accuracy_uci.py): sitting, lying, upright at ~2.7 irregular reads/s.
4. Simulated whole days (accuracy_days.py): lift events against the true lifts.
Then the goals of issue 10 in one table. Nothing here is tuned: thresholds that are fitted
(lift style, `sit_delta_deg`) print their leave-one-subject-out figure.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import accuracy_days
import accuracy_mobilised
import accuracy_sisfall
import accuracy_uci
import peers

REPO = Path(__file__).resolve().parents[1]

#: (label, key, goal, higher is better)
GOALS = [
    ("walking per second F1, real daily living, lower back", "walk_f1", 0.85, True),
    ("  mobgap on the same recordings (best of its two)", "mobgap_f1", None, True),
    ("steps per reference walking bout (|error|, summed)", "steps_err", 0.15, False),
    ("  mobgap's steps per bout (best of its two)", "mobgap_steps_err", None, False),
    ("reference walking seconds read as sitting", "sit_in_walk", 0.01, False),
    ("sit-down trials with a sit found (D07-D11)", "sit", 0.95, True),
    ("  SKDH Sit2Stand: stand-up found in the same trials", "skdh_stand_up", None, True),
    ("lift style (D15 legs, D16 back), leave-one-subject-out", "lift_style_loso", 0.88, True),
    ("lifts found in D15/D16", "lift_found", 0.97, True),
    ("running dominant in jogging trials (D03/D04)", "run", 0.97, True),
    ("walking dominant in walking trials (D01/D02)", "walk", 0.97, True),
    ("false sitting in walking trials (share of epochs)", "false_sit", 0.01, False),
    ("rotated vs unrotated epochs agree", "rot", 0.99, True),
    ("lift events on whole simulated days (× true lifts)", "lift_ratio", 1.2, False),
    ("true lifts found on whole simulated days", "lift_days_found", 0.90, True),
]


def _goals(fig: dict) -> None:
    print("\nIssue 10 goals")
    print(f"  {'what':56s} {'now':>8s} {'goal':>8s}  met")
    for label, key, goal, higher in GOALS:
        if key not in fig:
            continue
        v = abs(fig[key]) if key.endswith("_err") else fig[key]
        if goal is None:
            print(f"  {label:56s} {v:8.3f}")
            continue
        met = v >= goal if higher else v <= goal
        sign = "≥" if higher else "≤"
        print(f"  {label:56s} {v:8.3f} {sign}{goal:7.3f}  {'yes' if met else 'NO'}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument(
        "data",
        nargs="?",
        type=Path,
        default=REPO / ".." / "shared" / "data",
        help="folder with sisfall/, mobilised/ and uci_rfid_older/ (default: ../shared/data)",
    )
    ap.add_argument("--no-peers", action="store_true", help="skip mobgap and SKDH")
    ap.add_argument(
        "--loso-sit", action="store_true", help="also fit sit_delta_deg leave-one-subject-out"
    )
    ap.add_argument("--days", type=int, default=5, help="simulated whole days (default 5)")
    args = ap.parse_args(argv)
    data = args.data
    if not (data / "sisfall").is_dir():
        print(f"no sisfall/ folder under {data}; pass the data folder as the argument")
        return 2
    with_peers = not args.no_peers
    if with_peers and (gone := peers.missing()):
        print(f"peers not installed: {', '.join(gone)}; pip install -e '.[bench]' or --no-peers")
        return 2
    t0 = time.perf_counter()
    fig: dict = {}
    fig |= accuracy_mobilised.run(data, with_peers=with_peers)
    fig |= accuracy_sisfall.run(data, with_peers=with_peers, loso_sit=args.loso_sit)
    accuracy_uci.run(data)
    if args.days:
        fig |= accuracy_days.run(list(range(1, args.days + 1)))
    _goals(fig)
    print(f"\n(all sections in {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

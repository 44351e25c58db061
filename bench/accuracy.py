"""Accuracy of the pipeline on real labelled recordings, with the field's peers beside it.

Usage: python bench/accuracy.py [DATA_DIR] [--no-peers] [--only NAME ...] [--days N]
(DATA_DIR defaults to ../shared/data relative to the repo root; the peers come with
`pip install -e '.[bench]'`).

The one entry point: each section below runs through `backcoach analyze` (the path a user
takes), prints its own tables and returns its figures, either per half of `split.py`
(`{"dev": {...}, "validation": {...}}`) or as one flat dict (recordings with no split: the
simulated days). Then every goal in one table, DEVELOPMENT and VALIDATION apart; a goal is met
or missed on VALIDATION (tuning happens on DEV only, see split.py). To add a section, append
it to `SECTIONS` and its goals to `GOALS`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import accuracy_days
import accuracy_lifts
import accuracy_mobilised
import accuracy_sisfall
import accuracy_uci
import peers
from split import HALVES

REPO = Path(__file__).resolve().parents[1]
UNSPLIT = "unsplit"


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[argparse.Namespace], dict]


#: In the order they run; `--only NAME` picks some.
SECTIONS = [
    Section("mobilised", lambda a: accuracy_mobilised.run(a.data, with_peers=a.peers)),
    Section("sisfall", lambda a: accuracy_sisfall.run(a.data, with_peers=a.peers, halves=a.halves)),
    Section("lifts", lambda a: lift_figures(accuracy_lifts.run(a.data, ["waist", "lower_back"]))),
    Section("uci", lambda a: {"validation": accuracy_uci.run(a.data)}),
    Section("days", lambda a: accuracy_days.run(list(range(1, a.days + 1))) if a.days else {}),
]

#: (label, key, goal, higher is better); goal None: printed beside, no goal.
GOALS = [
    ("walking per second F1, real daily living, lower back", "walk_f1", 0.85, True),
    ("  mobgap on the same recordings (best of its two)", "mobgap_f1", None, True),
    ("steps per reference walking bout (|error|, summed)", "steps_err", 0.15, False),
    ("  mobgap's steps per bout (best of its two)", "mobgap_steps_err", None, False),
    ("reference walking seconds read as sitting", "sit_in_walk", 0.01, False),
    ("SisFall no-sit trials read as sitting (≥ 2 s)", "nosit_trials", 0.05, False),
    ("  ... their seconds (mean of the trials' shares)", "nosit_seconds", 0.02, False),
    ("  ... their seconds pooled (long walks weigh most)", "nosit_seconds_pooled", None, False),
    ("sit-down trials with sitting begun inside (D07-D10)", "sit", 0.95, True),
    ("stand-ups found in them", "stand_up", 0.95, True),
    ("  SKDH Sit2Stand: stand-up found in the same trials", "skdh_stand_up", None, True),
    ("  SKDH Sit2Stand: a stand-up in no-sit trials", "skdh_nosit_alarm", None, False),
    ("D11 failed rise: stays seated, no false stand-up", "d11_stays", None, True),
    ("lying found in lying trials (D12-D14)", "lie", None, True),
    ("walking dominant in walking trials (D01/D02)", "walk", 0.97, True),
    ("walking seconds read as sitting (D01/D02)", "false_sit", 0.01, False),
    ("running dominant in jogging trials (D03/D04)", "run", 0.97, True),
    ("rotated vs plain epochs agree", "rot", 0.99, True),
    ("lifts found in D15/D16", "lift_found", 0.97, True),
    ("lift style, shipped thresholds (D15 legs, D16 back)", "lift_style", 0.88, True),
    ("lifts found in D15/D16 (accuracy_lifts, waist)", "lifts_found", 0.97, True),
    ("lift style, unsure counts wrong (accuracy_lifts)", "lifts_style", 0.88, True),
    ("  ... nested leave-one-subject-out on DEV", "lift_style_nested", None, True),
    ("trials without a bend holding a false lift (waist)", "false_lift_trials", None, False),
    ("lower_back on SisFall: lift style", "lower_back_lifts_style", None, True),
    ("lower_back on SisFall: false-lift trials", "lower_back_false_lift_trials", None, False),
    (
        "lower_back on SisFall: no-sit trials read as sitting",
        "lower_back_nosit_trials",
        0.05,
        False,
    ),
    ("  ... their seconds (mean of the trials' shares)", "lower_back_nosit_seconds", 0.02, False),
    ("lower_back on SisFall: sit-downs begun inside", "lower_back_sit", 0.95, True),
    ("lower_back on SisFall: stand-ups found", "lower_back_stand_up", 0.95, True),
    ("lower_back on SisFall: rotated vs plain agree", "lower_back_rot", 0.99, True),
    ("lift events on whole simulated days (× true lifts)", "lift_ratio", 1.2, False),
    ("true lifts found on whole simulated days", "lift_days_found", 0.90, True),
]


def lift_figures(out: dict) -> dict[str, dict]:
    """accuracy_lifts' figures (per placement, per half) as this table's keys."""
    fig: dict[str, dict] = {}
    for placement in ("waist", "lower_back"):
        pre = "" if placement == "waist" else "lower_back_"
        for half in HALVES:
            got = out.get(placement, {}).get(("plain", half))
            if got:
                fig.setdefault(half, {}).update(
                    {
                        f"{pre}lifts_found": got["found"],
                        f"{pre}lifts_style": got["style"],
                        f"{pre}false_lift_trials": got["false_trials"],
                    }
                )
    if "fit" in out:
        fig.setdefault("dev", {})["lift_style_nested"] = out["fit"]["style_nested"]
    return fig


def _by_half(figures: dict) -> dict[str, dict]:
    """A section's figures as {half or UNSPLIT: {key: value}}."""
    if figures and set(figures) <= {*HALVES, UNSPLIT}:
        return figures
    return {UNSPLIT: figures} if figures else {}


def _cell(v: float | None, key: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return f"{'':>8s}"
    return f"{abs(v) if key.endswith('_err') else v:8.3f}"


def print_goals(fig: dict[str, dict]) -> None:
    """Every goal: DEV, VALIDATION (or the unsplit figure), the goal, met on VALIDATION."""
    print("\nGoals (met or missed on VALIDATION; unsplit figures where there is no split)")
    print(f"  {'what':56s} {'DEV':>8s} {'VALID':>8s} {'unsplit':>8s} {'goal':>8s}  met")
    for label, key, goal, higher in GOALS:
        vals = {h: fig.get(h, {}).get(key) for h in (*HALVES, UNSPLIT)}
        if all(v is None for v in vals.values()):
            continue
        cells = " ".join(_cell(vals[h], key) for h in (*HALVES, UNSPLIT))
        if goal is None:
            print(f"  {label:56s} {cells}")
            continue
        judged = vals["validation"] if vals["validation"] is not None else vals[UNSPLIT]
        v = abs(judged) if key.endswith("_err") else judged
        met = (
            ""
            if v is None or math.isnan(v)
            else ("yes" if (v >= goal if higher else v <= goal) else "NO")
        )
        sign = "≥" if higher else "≤"
        print(f"  {label:56s} {cells} {sign}{goal:7.3f}  {met}")


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
    ap.add_argument("--only", nargs="+", choices=[s.name for s in SECTIONS], help="these only")
    ap.add_argument("--days", type=int, default=5, help="simulated whole days (default 5)")
    ap.add_argument(
        "--dev", action="store_true", help="DEVELOPMENT subjects only (while tuning: see split.py)"
    )
    args = ap.parse_args(argv)
    args.halves = ("dev",) if args.dev else HALVES
    if not (args.data / "sisfall").is_dir():
        print(f"no sisfall/ folder under {args.data}; pass the data folder as the argument")
        return 2
    args.peers = not args.no_peers
    if args.peers and (gone := peers.missing()):
        print(f"peers not installed: {', '.join(gone)}; pip install -e '.[bench]' or --no-peers")
        return 2
    t0 = time.perf_counter()
    fig: dict[str, dict] = {}
    for section in SECTIONS:
        if args.only and section.name not in args.only:
            continue
        for half, values in _by_half(section.run(args)).items():
            fig.setdefault(half, {}).update(values)
    print_goals(fig)
    print(f"\n(all sections in {time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

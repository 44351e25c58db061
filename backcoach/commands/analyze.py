"""`backcoach analyze INPUT... --out DIR`: recordings from files through the same pipeline as live.

Why: recordings made elsewhere (other sensors, research datasets) get the same epochs, events and
daily metrics as a live session. For each input it writes `DIR/<input stem>/`:

- `epochs.csv` — `time,posture,trunk_angle,side_angle,activity,steps`, time = epoch start in the
  input's own time base (seconds as given; ISO 8601 and device files: Unix seconds);
- `events.json` — `{"events": [{"type", "start", "end", ...}]}`;
- `summary.json` — the rule metrics over the whole recording (`processing.summary.METRICS`).

A file that cannot be read is reported in one line and skipped; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from backcoach.config import Settings
from backcoach.errors import BackcoachError, ConfigError, InputFormatError
from backcoach.processing.types import PLACEMENTS, PipelineOutput

EPOCH_HEADER = "time,posture,trunk_angle,side_angle,activity,steps"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse recordings from files (CSV, .npz, .cwa/.bin/.gt3x) into epochs and events",
        description=(
            "Run the detection pipeline over accelerometer files (CSV with time,x,y,z; .npz "
            "with t and acc; Axivity/GENEActiv/ActiGraph files when actipy is installed) and "
            "write epochs.csv, events.json and summary.json per input into DIR/<file stem>/."
        ),
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders of them")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--placement",
        choices=PLACEMENTS,
        default=None,
        help="where the sensor was worn (default: sensor.placement setting, lower_back)",
    )
    p.add_argument(
        "--units", choices=("g", "m/s2"), default="g", help="acceleration units of the input"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from backcoach.collector.files import find_inputs

    placement = args.placement or settings.sensor.placement
    paths = find_inputs(args.inputs)
    if not paths:
        raise ConfigError("no input files found; give CSV, .npz, .cwa, .bin or .gt3x files")
    out_dir = Path(args.out)
    console = Console(stderr=True)
    failed = 0
    used: set[str] = set()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("analysing", total=len(paths))
        for path in paths:
            progress.update(task, description=f"analysing {path.name}")
            try:
                name = analyze_file(path, out_dir, placement, args.units, settings, used)
                used.add(name)
            except BackcoachError as exc:
                failed += 1
                progress.console.print(f"backcoach: error: {exc}", markup=False)
            progress.advance(task)
    done = len(paths) - failed
    print(f"analysed {done} of {len(paths)} file(s) into {out_dir}", file=sys.stderr)
    return 1 if failed else 0


def analyze_file(
    path: Path, out_dir: Path, placement: str, units: str, settings: Settings, used: set[str]
) -> str:
    """Analyse one file and write its three outputs; return the output folder's name."""
    from backcoach.collector.files import read_recording, stem
    from backcoach.processing.pipeline import PipelineConfig, analyze

    if stem(path) in ("", ".", ".."):  # `...csv` would write into --out's parent
        raise InputFormatError(f"{path.name}: its name leaves no folder name; rename the file")
    rec = read_recording(path, units=units)
    s = rec.samples
    output = analyze(s.t_s, s.acc_g, PipelineConfig(placement=placement))
    name = rec.name
    i = 2
    while name in used:
        name, i = f"{rec.name}_{i}", i + 1
    target = out_dir / name
    try:
        target.mkdir(parents=True, exist_ok=True)
        write_outputs(target, output, summary_of(output, s.t_s, settings))
    except OSError as exc:
        raise BackcoachError(f"cannot write results for {path.name} to {target}: {exc}") from exc
    return name


def summary_of(output: PipelineOutput, t_s: np.ndarray, settings: Settings) -> dict[str, Any]:
    """The rule metrics over the recording's whole span."""
    from backcoach.processing.summary import summarize_day

    start = math.floor(float(t_s[0]))
    end = math.floor(float(t_s[-1])) + 1
    day = "recording"
    if start > 946_684_800:  # Unix time after 2000: name the recording's first UTC day
        import datetime as dt

        day = dt.datetime.fromtimestamp(start, dt.UTC).date().isoformat()
    summ = summarize_day(
        output.epochs,
        output.events,
        day=day,
        day_start_s=start,
        day_end_s=end,
        rules=settings.rules,
    )
    metrics = {k: (None if math.isnan(v) else round(v, 4)) for k, v in summ.metrics.items()}
    return {"day": summ.day, "start": start, "end": end, "metrics": metrics}


def write_outputs(target: Path, output: PipelineOutput, summary: dict[str, Any]) -> None:
    """epochs.csv, events.json and summary.json in `target`."""
    ep = output.epochs
    names = ep.posture_names()
    with open(target / "epochs.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write(EPOCH_HEADER + "\n")
        rows = zip(
            ep.t_s.tolist(),
            names.tolist(),
            np.round(ep.trunk_deg.astype(float), 2).tolist(),
            np.round(ep.side_deg.astype(float), 2).tolist(),
            np.round(ep.activity_g.astype(float), 4).tolist(),
            ep.steps.tolist(),
            strict=True,
        )
        fh.writelines(f"{t:.3f},{p},{a},{s},{g},{n}\n" for t, p, a, s, g, n in rows)
    events = {"events": [e.to_dict() for e in output.events]}
    (target / "events.json").write_text(json.dumps(events, indent=1), encoding="utf-8")
    (target / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")

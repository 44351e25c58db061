"""`backcoach import FILE...`: recordings made without the collector, into the wearer's store.

Why a thin command: `backcoach.importer` does the work (the file's samples only where the store
has nothing, analysed with the time around them); this module parses options, shows a progress
bar, prints one line per file it could not read, and what each file brought in.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backcoach.config import Settings
from backcoach.errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="take recordings made without the collector into the store",
        description="Take a recording made without the collector (a vendor app's export such "
        "as MetaBase's CSV, a CSV with time,x,y,z, .npz, .npy, .cwa, .bin or .gt3x) into your "
        "store for the days it covers. Only time the store has nothing for is taken: what "
        "was streamed is never duplicated. That time is analysed with the stored time around "
        "it, and its days are summarised again.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILE", help="files or folders of files")
    p.add_argument(
        "--units",
        choices=("auto", "g", "m/s2"),
        default="auto",
        help="acceleration units (default auto: g or m/s² from the data)",
    )
    p.add_argument(
        "--time-unit",
        choices=("auto", "s", "ms", "us", "ns"),
        default="auto",
        help="unit of a numeric time column (default auto)",
    )
    p.add_argument(
        "--sensor",
        default=None,
        metavar="ADDRESS",
        help="whose kept up and forward to analyse with (default: the only sensor the store "
        "knows; else found from walking in the file)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn

    from backcoach.alerts import engine_from_settings
    from backcoach.collector.files import find_inputs
    from backcoach.importer import import_file
    from backcoach.live.warnings import PastWarnings
    from backcoach.storage import open_store

    paths = find_inputs(args.inputs)
    if not paths:
        raise ConfigError("no input files found; give CSV, .npz, .npy, .cwa, .bin or .gt3x files")
    console = Console(stderr=True)
    store = open_store(settings)
    try:
        reference = _reference(store, args.sensor)

        def rules() -> PastWarnings:  # past time: warnings stored, never sent
            return PastWarnings(engine_from_settings(settings))

        failed = 0
        with Progress(
            TextColumn("importing {task.fields[name]}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=len(paths), name="")
            for i, path in enumerate(paths):
                progress.update(task, completed=i, name=path.name)

                def moved(share: float, i: int = i) -> None:
                    progress.update(task, completed=i + share)

                report = import_file(
                    path,
                    store,
                    settings,
                    units=args.units,
                    time_unit=args.time_unit,
                    reference=reference,
                    rules=rules,
                    on_progress=moved,
                )
                progress.console.print(_line(report), markup=False, highlight=False)
                failed += report.error is not None
    finally:
        store.close()
    print(f"imported {len(paths) - failed} of {len(paths)} file(s)", file=sys.stderr)
    return 1 if failed else 0


def _line(report) -> str:  # noqa: ANN001 - an ImportReport
    name = Path(report.path).name
    if report.error is not None:
        return f"backcoach: error: {report.error}"
    if not report.taken:
        return f"{name}: nothing new - the store already holds all of its {report.samples} samples"
    days = ", ".join(report.days)
    skipped = f"; {report.skipped} where the store already had data" if report.skipped else ""
    return (
        f"{name}: {report.taken_s / 60:.1f} min taken in ({report.taken} samples) on {days}"
        f"{skipped}"
    )


def _reference(store, sensor: str | None):  # noqa: ANN001, ANN202
    """The kept reference of `sensor`, or of the only sensor the store knows (else None)."""
    from backcoach.storage.references import load_reference, read_references

    if sensor:
        kept = load_reference(store, sensor)
        if kept is None:
            raise ConfigError(f"no up and forward kept for {sensor}; leave --sensor out")
        return kept.calibration
    kept = [r for r in read_references(store) if r.sensor]
    return kept[0].calibration if len(kept) == 1 else None

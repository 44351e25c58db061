"""`backcoach analyze INPUT... --out DIR`: recordings from files through the same pipeline as live.

Why: recordings made elsewhere (other sensors, research cohorts) get the same epochs, events and
daily metrics as a live session, a week or a month per file, many files at once. For each input
it writes `DIR/<input stem>/` (see `backcoach.analysis.file`):

- `epochs.csv` — a first comment line `# backcoach VERSION; settings DIGEST` (the provenance;
  pandas: `read_csv(..., comment="#")`; NumPy: pass the lines not starting with "#"), then
  `time,posture,trunk_angle,side_angle,activity,steps`, time = epoch start in the input's own
  time base (seconds as given; ISO 8601 and device files: Unix seconds);
- `events.json` — `{"events": [{"type", "start", "end", ...}]}`;
- `summary.json` — how the file was read (units, time unit, reference, notes), the provenance
  (`pipeline_version`, `settings_digest`: `processing/provenance.py`) and every day's rule
  metrics (`processing.summary.METRICS`).

and for the whole run `DIR/summary.csv` (one row per input and day, every metric: the cohort
table, like GGIR's part 5) and `DIR/summary.json` (every input, with its error if it failed).
Files run in a process pool (`--jobs`, default: the machine's cores), or on a Dask cluster
(`--cluster ADDRESS`, `backcoach.analysis.cluster`, docs/cluster.md), under one progress bar;
a file that cannot be read is reported in one line and the others go on; the exit code is then 1.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import queue
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING

from backcoach import outputs, terminal
from backcoach.analysis.tables import safe_cell
from backcoach.config import Settings
from backcoach.errors import BackcoachError, ConfigError
from backcoach.processing.summary import METRICS
from backcoach.processing.types import PLACEMENTS, Calibration

if TYPE_CHECKING:  # the analysis (SciPy) loads when a file is analysed, not for every command:
    from backcoach.analysis.file import (  # `collect` starts a second sooner
        AnalyzeOptions,
        FileResult,
    )

COHORT_COLUMNS = ("input", "day", "start", "end", "reference", "units", "time_unit")


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="analyse recordings from files (CSV, .npz, .npy, .cwa/.bin/.gt3x) into daily metrics",
        description=(
            "Run the detection pipeline over accelerometer files (CSV with time,x,y,z; .npz "
            "with t and acc; .npy with n×4 time,x,y,z; Axivity .cwa, GENEActiv .bin and "
            "ActiGraph .gt3x through actipy) and write epochs.csv, events.json and summary.json "
            "per input into DIR/<file stem>/, plus DIR/summary.csv (one row per input and day) "
            "and DIR/summary.json. Files of any length are streamed in flat memory."
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
        "--units",
        choices=("auto", "g", "m/s2"),
        default="auto",
        help="acceleration units (default auto: g when the median |a| is near 1, m/s² near "
        "9.81; refuses when it is neither)",
    )
    p.add_argument(
        "--time-unit",
        choices=("auto", "s", "ms", "us", "ns"),
        default="auto",
        help="unit of a numeric time column (default auto: the one in which the samples come at "
        "1-1000 Hz); ISO 8601 times and device files need none",
    )
    p.add_argument(
        "--calibration",
        metavar="FILE|saved",
        default=None,
        help='the wearer\'s upright and forward: a JSON file {"up": [x,y,z], "forward": '
        "[x,y,z]} in the sensor's axes, or 'saved' for the one `backcoach calibrate` stored "
        "(default: found from walking, guessed without it)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help=f"files analysed at once, one process each (default: the cores, {default_jobs()}); "
        "each takes up to about 1 GB",
    )
    p.add_argument(
        "--cluster",
        default=None,
        metavar="ADDRESS",
        help="run the files on a Dask distributed cluster instead: its scheduler's address "
        "(tcp://HOST:8786) or scheduler file (.json); the inputs and --out must be on a path "
        "every worker sees (needs pip install 'backcoach[cluster]'; docs/cluster.md)",
    )
    p.set_defaults(handler=run)


def load_calibration_arg(value: str | None, settings: Settings) -> Calibration | None:
    """`--calibration`: a JSON file, or 'saved' for the store's; a clear error otherwise."""
    if value is None:
        return None
    if value == "saved":
        from backcoach.storage import open_store
        from backcoach.storage.references import saved_calibration

        store = open_store(settings)
        try:
            cal = saved_calibration(store)
        finally:
            store.close()
        if cal is None:
            raise ConfigError(
                "--calibration saved: no calibration is stored; run `backcoach calibrate` first "
                "or give a JSON file"
            )
        return cal
    path = Path(value)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        up, fwd = [float(v) for v in d["up"]], [float(v) for v in d["forward"]]
        if len(up) != 3 or len(fwd) != 3:
            raise ValueError("up and forward need three numbers each")
    except OSError as exc:
        raise ConfigError(f"--calibration {path.name}: cannot read it ({exc.strerror})") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f'--calibration {path.name}: expected JSON {{"up": [x, y, z], "forward": '
            f"[x, y, z]}} ({exc})"
        ) from exc
    return Calibration(tuple(up), tuple(fwd), source="calibration")


def output_names(paths: list[Path]) -> list[str]:
    """One output folder name per input: its stem, numbered when two inputs share one."""
    from backcoach.collector.files import stem

    used: set[str] = set()
    names = []
    for p in paths:
        base = stem(p)
        if base in ("", ".", ".."):  # `...csv` must not write into DIR's parent
            base = p.name
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        names.append(name)
    return names


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from backcoach.analysis.file import AnalyzeOptions
    from backcoach.collector.files import find_inputs

    jobs = default_jobs() if args.jobs is None else args.jobs
    if jobs < 1:
        raise ConfigError(f"--jobs {jobs}: give 1 or more")
    if args.cluster is not None and args.jobs is not None:
        raise ConfigError(
            "--jobs and --cluster: give one (on a cluster its workers' threads set how many "
            "files run at once)"
        )
    paths = find_inputs(args.inputs)
    if not paths:
        raise ConfigError("no input files found; give CSV, .npz, .npy, .cwa, .bin or .gt3x files")
    options = AnalyzeOptions(
        placement=args.placement or settings.sensor.placement,
        units=args.units,
        time_unit=args.time_unit,
        calibration=load_calibration_arg(args.calibration, settings),
        rules=settings.rules,
        timezone=settings.timezone,
    )
    out_dir = outputs.make_folder(Path(args.out))  # missing folders owner-only (0700)
    console = terminal.STDERR
    names = output_names(paths)
    with Progress(
        TextColumn("analysing {task.fields[files]}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("analyse", total=len(paths), files=f"{len(paths)} file(s)")
        done: dict[int, float] = {}

        def report(result: FileResult) -> None:
            line = f"{result.input}: " + "; ".join(result.notes) if result.notes else ""
            if result.error:
                progress.console.print(
                    f"backcoach: error: {result.error}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
            elif line:
                progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

        def moved(i: int, share: float) -> None:
            done[i] = share
            progress.update(task, completed=sum(done.values()))

        if args.cluster is not None:
            from backcoach.analysis.cluster import run_cluster

            def say(line: str) -> None:
                progress.console.print(line, markup=False, highlight=False, soft_wrap=True)

            results = run_cluster(
                args.cluster, paths, names, out_dir, options, moved, report, _one, say
            )
        else:
            runner = _run_serial if jobs == 1 or len(paths) == 1 else _run_pool
            results = runner(paths, names, out_dir, options, min(jobs, len(paths)), moved, report)
    write_cohort(out_dir, results)
    failed = sum(r.error is not None for r in results)
    print(
        f"analysed {len(paths) - failed} of {len(paths)} file(s) into {out_dir} "
        f"(cohort table: {out_dir / 'summary.csv'})",
        file=sys.stderr,
    )
    return 1 if failed else 0


OnProgress = Callable[[int, float], None]
Report = Callable[["FileResult"], None]


def _one(
    i: int,
    path: Path,
    name: str,
    out_dir: Path,
    options: AnalyzeOptions,
    moved: OnProgress,
    attempt: str = "",
) -> FileResult:
    """Analyse one file; every failure becomes the result's one-line error (the per-file work
    of --jobs and --cluster alike)."""
    from backcoach.analysis.file import FileResult, analyze_file

    try:
        result = analyze_file(
            path, out_dir, name, options, lambda share: moved(i, share), attempt=attempt
        )
    except BackcoachError as exc:
        result = FileResult(path.name, name, error=str(exc))
    except MemoryError:
        result = FileResult(path.name, name, error=f"{path.name}: out of memory")
    except Exception as exc:  # a bug must not stop the other files; say what it was
        result = FileResult(
            path.name,
            name,
            error=f"{path.name}: unexpected {type(exc).__name__}: {exc} (please report this)",
        )
    moved(i, 1.0)
    return result


def _run_serial(paths, names, out_dir, options, _jobs, moved, report) -> list[FileResult]:
    results = []
    for i, (path, name) in enumerate(zip(paths, names, strict=True)):
        results.append(_one(i, path, name, out_dir, options, moved))
        report(results[-1])
    return results


_PROGRESS_QUEUE = None


def _init_worker(q) -> None:
    global _PROGRESS_QUEUE
    _PROGRESS_QUEUE = q


def _pool_one(i: int, path: Path, name: str, out_dir: Path, options: AnalyzeOptions) -> FileResult:
    last = [0.0]

    def moved(j: int, share: float) -> None:
        if share - last[0] >= 0.01 or share >= 1.0:
            last[0] = share
            _PROGRESS_QUEUE.put((j, share))

    return _one(i, path, name, out_dir, options, moved)


#: One BLAS/OpenMP thread per worker: N processes on N cores, not N × N threads.
_ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@contextlib.contextmanager
def _one_thread_children():
    """Workers spawned inside inherit _ONE_THREAD; this process's own setting comes back."""
    saved = {k: os.environ.get(k) for k in _ONE_THREAD}
    os.environ.update(_ONE_THREAD)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _run_pool(paths, names, out_dir, options, jobs, moved, report) -> list[FileResult]:
    """Files in `jobs` processes; progress comes back over a queue to the one bar.

    A worker that dies (the system killed it, out of memory) breaks the pool and every file
    then in it; those files are run again one at a time, each in a pool of its own, so only
    the file that kills its process is reported failed.
    """
    import multiprocessing as mp

    from backcoach.analysis.file import FileResult

    ctx = mp.get_context("spawn")  # no fork of a process that runs the progress thread
    q = ctx.Queue()
    results: list[FileResult | None] = [None] * len(paths)
    todo = list(range(len(paths)))
    for width in (jobs, 1):
        broken: list[int] = []
        batches = [todo] if width > 1 else [[i] for i in todo]
        for batch in batches:
            with (
                _one_thread_children(),
                ProcessPoolExecutor(
                    width, mp_context=ctx, initializer=_init_worker, initargs=(q,)
                ) as ex,
            ):
                futures: dict[Future, int] = {
                    ex.submit(_pool_one, i, paths[i], names[i], out_dir, options): i for i in batch
                }
                pending = set(futures)
                while pending:
                    with contextlib.suppress(queue.Empty):
                        moved(*q.get(timeout=0.2))
                    for fut in [f for f in pending if f.done()]:
                        pending.discard(fut)
                        i = futures[fut]
                        try:
                            results[i] = fut.result()
                        except BrokenProcessPool:
                            broken.append(i)
                            moved(i, 0.0)
                            continue
                        moved(i, 1.0)
                        report(results[i])
        todo = sorted(broken)
        if not todo:
            break
    for i in todo:  # died even alone
        results[i] = FileResult(
            paths[i].name,
            names[i],
            error=f"{paths[i].name}: the process analysing it died (out of memory?); "
            "see the system log",
        )
        moved(i, 1.0)
        report(results[i])
    return [r for r in results if r is not None]


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def write_cohort(out_dir: Path, results: list[FileResult]) -> None:
    """DIR/summary.csv (one row per input and day, every metric) and DIR/summary.json."""
    metrics = list(METRICS)
    try:
        with open(
            out_dir / "summary.csv", "w", encoding="utf-8", newline="", opener=_owner_only
        ) as fh:
            w = csv.writer(fh)
            w.writerow([*COHORT_COLUMNS, *metrics])
            for r in results:
                for d in r.days:
                    m = d["metrics"]
                    w.writerow(
                        [safe_cell(r.input), d["day"], d["start"], d["end"], r.reference]
                        + [r.units, r.time_unit]
                        + ["" if m.get(k) is None else m[k] for k in metrics]
                    )
        cohort = {"inputs": [r.to_json() for r in results]}
        (out_dir / "summary.json").write_text(json.dumps(cohort, indent=1), encoding="utf-8")
        for name in ("summary.csv", "summary.json"):
            outputs.owner_only(out_dir / name)
    except OSError as exc:
        raise ConfigError(f"cannot write the cohort table into {out_dir}: {exc.strerror}") from exc

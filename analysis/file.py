"""One recording file streamed through the pipeline into its outputs, in flat memory.

Why here: like `live.run.LiveRun` for a live session, this is where a file's samples, the
pipeline and the outputs meet (`backcoach analyze` runs it, once per file, maybe in a process
pool). Nothing grows with the recording's length:

1. `collector.files.open_recording` yields chunks of samples (never the whole file).
2. The `StreamingPipeline` turns each chunk into finished epochs and events.
3. Epochs go to `epochs.csv` and events to `events.json` as they come; each finished day's
   epochs are kept in a temporary file, and the events the day summary needs in memory.
4. At the end every day is summarised (`processing.summary.summarize_day`, G1-G12) from its
   temporary file, oldest first (so G7's acute:chronic ratio sees the days before it).

BLAS runs on one thread: the pipeline's matrix products are tiny ((n, 3) by 3×3), where a
second thread gains nothing and, on a busy machine, waits for a core (issue 24: `raw @ M` of
autocal took 100-350 ms per chunk instead of 1 ms on a loaded 2-core machine); the results are
the same. `--jobs` workers are one-threaded anyway (`commands.analyze._ONE_THREAD`).

Everything is written into `DIR/.<name>.partial/` (one per attempt on a cluster) and renamed to
`DIR/<name>/` when complete, so a file that fails half-way leaves nothing that looks like a result.
"""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from threadpoolctl import threadpool_limits

from backcoach import provenance
from backcoach.analysis.tables import EPOCH_HEADER, epoch_lines
from backcoach.collector.files import open_recording
from backcoach.errors import BackcoachError
from backcoach.outputs import owner_only
from backcoach.processing.days import day_bounds, day_of
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.pipeline import GUESSED, PipelineConfig, StreamingPipeline
from backcoach.processing.summary import METRICS, summarize_day
from backcoach.processing.types import Calibration, DaySummary, Epochs, Event, PipelineOutput

DAY_S = 86400.0
SUMMARY_EVENTS = ("static", "lift", "bend", "walk")  # the event types summarize_day reads
HISTORY_DAYS = 28  # the chronic window of G7's acute:chronic ratio


@dataclass(frozen=True)
class AnalyzeOptions:
    """How to read and judge every file of one `analyze` run."""

    placement: str = "lower_back"
    units: str = "auto"
    time_unit: str = "auto"
    calibration: Calibration | None = None
    rules: RuleThresholds = field(default_factory=RuleThresholds)
    timezone: str = ""


@dataclass
class FileResult:
    """What `analyze` reports of one input: its days' metrics, or why it failed."""

    input: str
    name: str
    error: str | None = None
    pipeline_version: str = ""  # the provenance of the results (`processing/provenance.py`)
    settings_digest: str = ""
    time_base: str = ""
    time_unit: str = ""
    units: str = ""
    reference: str = ""
    notes: list[str] = field(default_factory=list)
    days: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if v not in (None, "")}
        out.setdefault("days", [])
        return out


def reference_label(sources: set[str]) -> str:
    """How up and forward were found: 'calibration', 'auto' (from walking) or 'auto-guessed'."""
    if GUESSED in sources:
        return GUESSED
    if "calibration" in sources:
        return "calibration"
    return "auto"


class _Days:
    """Epochs by day: the open day in memory, finished days spilled to `tmp` (see module)."""

    def __init__(self, tmp: Path, *, calendar: bool, tz: str, origin_s: float) -> None:
        self.tmp, self.calendar, self.tz, self.origin = tmp, calendar, tz, origin_s
        self.spilled: list[tuple[str, float, float, Path]] = []
        self.day: tuple[str, float, float] | None = None
        self.parts: list[Epochs] = []
        self.events: dict[float, list[Event]] = {}

    def bounds(self, t_s: float) -> tuple[str, float, float]:
        """(label, start, end) of the day holding t_s."""
        if self.calendar:
            day = day_of(t_s, self.tz)
            return (day, *day_bounds(day, self.tz))
        k = math.floor((t_s - self.origin) / DAY_S)
        start = self.origin + k * DAY_S
        return f"day {k + 1}", start, start + DAY_S

    def add(self, out: PipelineOutput) -> None:
        ep = out.epochs
        while len(ep):
            if self.day is None or not (self.day[1] <= ep.t_s[0] < self.day[2]):
                self._close()
                self.day = self.bounds(float(ep.t_s[0]))
            cut = int(np.searchsorted(ep.t_s, self.day[2]))
            self.parts.append(ep.select(slice(0, cut)))
            ep = ep.select(slice(cut, None))
        for e in out.events:
            if e.type in SUMMARY_EVENTS:
                self.events.setdefault(self.bounds(e.start_s)[1], []).append(e)

    def _close(self) -> None:
        if self.day is None or not self.parts:
            return
        path = self.tmp / f"day{len(self.spilled)}.npz"
        np.savez(path, **Epochs.concat(self.parts).columns())
        self.spilled.append((*self.day, path))
        self.parts, self.day = [], None

    def summaries(
        self, rules: RuleThresholds, placement: str | None = None
    ) -> list[tuple[DaySummary, float, float]]:
        """Every day with epochs, summarised oldest first."""
        self._close()
        out: list[tuple[DaySummary, float, float]] = []
        for label, start, end, path in sorted(self.spilled, key=lambda d: d[1]):
            with np.load(path) as cols:
                epochs = Epochs(**{k: cols[k] for k in Epochs.column_names()})
            path.unlink()
            history = [s for s, _, _ in out][-(HISTORY_DAYS - 1) :]
            summary = summarize_day(
                epochs,
                sorted(self.events.pop(start, []), key=lambda e: e.start_s),
                day=label,
                day_start_s=start,
                day_end_s=end,
                rules=rules,
                history=history,
                placement=placement,
                tz_name=self.tz if self.calendar else None,
            )
            out.append((summary, start, end))
        return out


class _EventsWriter:
    """events.json written as events finish: `{"events": [ ... ]}` without holding them."""

    def __init__(self, fh: TextIO) -> None:
        self.fh, self.n = fh, 0
        fh.write('{"events": [')

    def write(self, events: tuple[Event, ...]) -> None:
        if not events:
            return
        lead = ",\n " if self.n else "\n "
        self.fh.write(lead + ",\n ".join(json.dumps(e.to_dict()) for e in events))
        self.n += len(events)

    def close(self) -> None:
        self.fh.write("\n]}\n")


def _metrics(summary: DaySummary) -> dict[str, float | None]:
    """Every metric by stored key, None where the day does not know it."""
    row = summary.metrics.as_row()
    return {k: (round(row[k], 4) if k in row else None) for k in METRICS}


def analyze_file(
    path: Path,
    out_dir: Path,
    name: str,
    options: AnalyzeOptions,
    on_progress: Callable[[float], None] | None = None,
    *,
    attempt: str = "",
) -> FileResult:
    """Analyse one file into `out_dir/name/`; raise a BackcoachError when it cannot be used.

    `attempt` names this attempt's scratch folder (`.<name>.<attempt>.partial`): on a cluster
    a worker thought lost may still be writing while another runs the file again, so no two
    attempts share one (`backcoach.analysis.cluster` removes what lost attempts leave).
    """
    target = out_dir / name
    tmp = out_dir / (f".{name}.{attempt}.partial" if attempt else f".{name}.partial")
    try:
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(mode=0o700, parents=True)  # health data: the owner's only
    except OSError as exc:
        raise BackcoachError(f"cannot write results for {path.name} to {tmp}: {exc}") from exc
    try:
        with threadpool_limits(1, user_api="blas"):  # see the module docstring
            result = _run(path, tmp, name, options, on_progress)
        owner_only(tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        return result
    except OSError as exc:
        raise BackcoachError(f"cannot write results for {path.name} to {target}: {exc}") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _run(
    path: Path,
    tmp: Path,
    name: str,
    options: AnalyzeOptions,
    on_progress: Callable[[float], None] | None,
) -> FileResult:
    rec, chunks = open_recording(
        path, units=options.units, time_unit=options.time_unit, on_progress=on_progress
    )
    sp = StreamingPipeline(
        PipelineConfig(placement=options.placement, calibration=options.calibration)
    )
    made = provenance.current(options.placement, options.rules)
    sources: set[str] = set()
    days: _Days | None = None
    with (
        open(tmp / "epochs.csv", "w", encoding="utf-8", newline="") as ep_fh,
        open(tmp / "events.json", "w", encoding="utf-8") as ev_fh,
    ):
        ep_fh.write(made.header() + "\n" + EPOCH_HEADER + "\n")
        events = _EventsWriter(ev_fh)

        def take(out: PipelineOutput) -> None:
            nonlocal days
            if sp.calibration is not None:
                sources.add(sp.calibration.source)
            if days is None:
                origin = math.floor(rec.first_s or 0.0)
                days = _Days(tmp, calendar=rec.calendar_days, tz=options.timezone, origin_s=origin)
            days.add(out)
            ep_fh.write(epoch_lines(out.epochs))
            events.write(out.events)

        for chunk in chunks:
            take(sp.push(chunk.t_s, chunk.acc_g))
        take(sp.flush())
        events.close()
    result = FileResult(
        input=path.name,
        name=name,
        pipeline_version=made.version,
        settings_digest=made.settings,
        time_base=rec.time_base,
        time_unit=rec.time_unit,
        units=rec.units,
        reference=reference_label(sources),
        notes=list(rec.notes),
    )
    if result.reference == GUESSED:
        result.notes.append(
            "no walking seen: up and forward were guessed, so angles may have the wrong sign "
            "(e.g. a forward lean read as leaning back); give --calibration"
        )
    for summary, start, end in days.summaries(options.rules, options.placement) if days else []:
        result.days.append(
            {"day": summary.day, "start": start, "end": end, "metrics": _metrics(summary)}
        )
    (tmp / "summary.json").write_text(json.dumps(result.to_json(), indent=1), encoding="utf-8")
    return result

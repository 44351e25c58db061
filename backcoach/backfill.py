"""Time filled in after the fact, analysed as if it had streamed: one stored change per range.

Why: a sensor out of range keeps what it measured in its own memory (`collector/sensor_log.py`
reads it back), and a recording made without the collector can be imported (`backcoach
import`). Either way the store already holds the day around that time, analysed live with a
hole in it. Filling the hole is not enough: the sitting bout the walk ended, the walk itself, the
warnings of those minutes all depend on the time before, so the same pipeline must run over the
filled range from the state it would have had, and the range must be replaced as one change.
Two units do that:

- `Backfill` (a live session's own gaps): starts from `LiveRun.snapshot()`, a copy of the live
  pipeline (and of each warning hook's rules) taken just before the first samples after the gap,
  which is exactly the state an uninterrupted run had there. Filled samples go through the copy;
  live samples that came meanwhile are held (a tee) and follow once the hole before them is
  filled, so the copy sees the day in order. `commit()` writes what it produced with
  `Store.rewrite(..., raw=False)` (the streamed raw samples stay; only the filled ones are new),
  and once the copy has caught up with the stream, `LiveRun.adopt` makes it the live pipeline.
  A long read-out commits in pieces, so a collector killed half-way loses nothing it had
  committed, and the sensor erases only what a commit confirmed.
- `RangeRefill` (a hole from before this session, or an imported file): no live state to start
  from, so a fresh pipeline with the sensor's reference runs over the stored raw samples around
  the hole (from the start of the bout open at its start to the end of the one open at its end)
  and the new samples inside it, and that span is replaced. A store that keeps raw samples too
  coarse for epochs (InfluxDB's 5 Hz "downsampled") gives no context: then only the hole itself
  is analysed.

In both, warnings for moments inside the filled time are stored with a note and counted, never
delivered (they are in the past); a part of a hole the sensor did not keep stays a `gap` event
with its count of lost samples, and each filled stretch gets a `memory` (or `imported`) event,
which the dashboard shows.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline
from backcoach.processing.types import (
    EPOCH_S,
    Calibration,
    Epochs,
    Event,
    OverloadWarning,
    PipelineOutput,
    Samples,
)
from backcoach.storage.base import Store, as_kept

log = logging.getLogger(__name__)

PIECE_S = 3600.0  # filled seconds held before a commit (bounded memory; a kill loses no more)
CONTEXT_S = 6.0  # stored raw fed before a range: the features' look-back, with room
TAIL_S = 10.0  # ... and after it: the pipeline's look-ahead
MIN_RAW_HZ = 10.0  # stored raw coarser than this (InfluxDB "downsampled") cannot be re-analysed
HOLE_GAP_S = 1.0  # inside a filled hole, samples further apart than this leave a gap
CUT_S = 5.0  # a stored bout ending this close before a hole (or starting after it) was cut by it

#: A hook's stand-in for past time: pipeline output in, warnings out, nothing delivered.
PastHook = Callable[[PipelineOutput], list[OverloadWarning]]


@dataclass(frozen=True)
class Hole:
    """Time the store lacks, between two stored samples (host times, both exclusive).

    `sensor_s` are the sensor-clock times of those two samples where the session saw the gap
    itself (a log keeps the same clock), `rate_hz` the stream's rate (for counting losses).
    """

    host_from_s: float
    host_to_s: float
    rate_hz: float
    sensor_s: tuple[float, float] | None = None

    @property
    def duration_s(self) -> float:
        return self.host_to_s - self.host_from_s

    @property
    def lost(self) -> int:
        """Samples the stream lacks here."""
        return max(int(round(self.duration_s * self.rate_hz)) - 1, 0)


@dataclass(frozen=True)
class Resume:
    """A live run's state just before a gap (`LiveRun.snapshot`): where a backfill starts."""

    pipeline: StreamingPipeline
    hooks: tuple[tuple[object, PastHook], ...]  # (live hook, its fork for past time)
    emitted_s: float  # epochs before this were stored live: the first range starts here
    session: str = ""


@dataclass
class FillReport:
    """What one hole got back: for the log line, the session result and the bench."""

    hole: Hole
    filled: int = 0  # samples read back (at the log's rate)
    filled_s: float = 0.0  # seconds of the hole they cover
    missing_s: float = 0.0  # seconds of the hole the sensor did not keep
    warnings: int = 0  # warnings for moments inside the filled time (stored, not sent)


@dataclass
class _Held:
    """Outputs and samples produced since the last commit."""

    epochs: list[Epochs] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    warnings: list[OverloadWarning] = field(default_factory=list)
    raw: list[Samples] = field(default_factory=list)

    def add(self, out: PipelineOutput) -> None:
        if len(out.epochs):
            self.epochs.append(out.epochs)
        self.events.extend(out.events)

    @property
    def raw_s(self) -> float:
        return float(sum(s.t_s[-1] - s.t_s[0] for s in self.raw if len(s)))


def stretches(t_s: np.ndarray, max_step_s: float) -> list[tuple[float, float, int]]:
    """Runs of sample times no further apart than `max_step_s`: (first, last, count)."""
    if t_s.size == 0:
        return []
    cut = np.flatnonzero(np.diff(t_s) > max_step_s) + 1
    starts = np.r_[0, cut]
    ends = np.r_[cut, t_s.size] - 1
    return [
        (float(t_s[a]), float(t_s[b]), int(b - a + 1)) for a, b in zip(starts, ends, strict=True)
    ]


def hole_events(
    hole: Hole, filled_t_s: np.ndarray, kind: str, period_s: float
) -> tuple[list[Event], float, float]:
    """A `memory`/`imported` event per filled stretch, a `gap` per part left unfilled.

    Returns (events, seconds filled, seconds missing). A gap carries `samples_lost` at the
    stream's rate, as the session's own gap events do.
    """
    runs = stretches(filled_t_s, max(HOLE_GAP_S, 1.5 * period_s))
    events: list[Event] = []
    edges = [hole.host_from_s]
    filled_s = 0.0
    for first, last, n in runs:
        events.append(Event(kind, first, last + period_s, attrs={"samples": float(n)}))
        edges += [first, last]
        filled_s += last - first + period_s
    edges.append(hole.host_to_s)
    missing_s = 0.0
    for a, b in zip(edges[0::2], edges[1::2], strict=True):
        lost = int(round((b - a) * hole.rate_hz)) - 1
        if b - a > max(HOLE_GAP_S, 1.5 * period_s) and lost > 0:
            events.append(Event("gap", a, b, attrs={"samples_lost": float(lost)}))
            missing_s += b - a
    return events, filled_s, missing_s


def noted(warnings: Sequence[OverloadWarning], kind: str) -> list[OverloadWarning]:
    """Warnings for past moments: their note says where their time came from (shown as
    "(from the sensor's memory) ..." or "(imported) ...")."""
    note = "memory" if kind == "memory" else "imported"
    return [replace(w, note=note) for w in warnings]


class Backfill:
    """A live session's gaps filled from the sensor's memory; see the module docstring.

    Call `add_filled` with the current hole's samples (oldest first, inside the hole),
    `hole_done` when its read-out ended, `add_live` with every live chunk pushed after the
    snapshot and `add_hole` for each further gap, in the order they happened; `commit` writes.
    """

    def __init__(self, first: Hole, start: Resume, *, kind: str = "memory") -> None:
        self.pipeline = start.pipeline
        self.hooks = start.hooks
        self.session = start.session
        self.kind = kind
        self.current: Hole | None = first
        self.reports: list[FillReport] = [FillReport(first)]
        self._queue: deque[Samples | Hole] = deque()
        self._held = _Held()
        self._filled_t: list[np.ndarray] = []  # the current hole's filled sample times
        self._done_events: list[Event] = []  # memory/gap events of finished holes, to write
        self._lo_s = start.emitted_s  # the next commit replaces [lo, hi)
        self.emitted_s = start.emitted_s  # the copy's epochs end here
        self.cursor_s = first.host_from_s  # the last sample time the copy has consumed
        self.period_s = 1.0 / first.rate_hz
        self.committed_through_s = first.host_from_s  # every sample before this is stored

    # -- feeding ----------------------------------------------------------------------------
    def add_filled(self, samples: Samples) -> None:
        """Samples of the current hole read back from the sensor, oldest first."""
        if self.current is None or not len(samples):
            return
        keep = samples.t_s > self.cursor_s
        samples = Samples(samples.t_s[keep], samples.acc_g[keep])
        if not len(samples):
            return
        if len(samples) > 1:
            self.period_s = min(self.period_s, float(np.median(np.diff(samples.t_s))))
        self._push(samples)
        self._held.raw.append(samples)
        self._filled_t.append(samples.t_s)
        report = self.reports[-1]
        report.filled += len(samples)

    def add_live(self, samples: Samples) -> None:
        """A chunk the live path took after the snapshot (it follows the holes before it)."""
        if not len(samples):
            return
        if self.current is None and not self._queue:
            self._push(samples)
        else:
            self._queue.append(samples)

    def add_hole(self, hole: Hole) -> None:
        """A further gap of the stream, after the live chunks added so far."""
        if self.current is None and not self._queue:
            self._start_hole(hole)
        else:
            self._queue.append(hole)

    def hole_done(self) -> FillReport | None:
        """The current hole's read-out ended (whatever it got); the held live chunks follow."""
        hole = self.current
        if hole is None:
            return None
        t = np.concatenate(self._filled_t) if self._filled_t else np.empty(0)
        events, filled_s, missing_s = hole_events(hole, t, self.kind, self._log_period(t))
        report = self.reports[-1]
        report.filled_s, report.missing_s = filled_s, missing_s
        self._done_events.extend(events)
        self._filled_t = []
        self.current = None
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, Hole):
                self._start_hole(item)
                break
            self._push(item)
        return report

    @property
    def caught_up(self) -> bool:
        """Every hole is done and the copy has consumed what the live path has."""
        return self.current is None and not self._queue

    @property
    def held_s(self) -> float:
        """Seconds of filled samples not committed yet."""
        return self._held.raw_s

    # -- writing ----------------------------------------------------------------------------
    def commit(self, store: Store, *, final: bool) -> tuple[float, float]:
        """Write what the copy produced since the last commit as one change; returns its range.

        Not final: the range ends where the copy's epochs end (the rest is still open). Final
        (caught up): it ends after the newest live sample, replacing everything the live path
        stored after the snapshot. Raises StoreUnavailable (nothing changed) if the store
        refuses; the held data stays for the next try.
        """
        held = self._held
        epochs = Epochs.concat(held.epochs)
        if final:
            hi = self.cursor_s + EPOCH_S
        else:
            hi = float(epochs.t_s[-1]) + EPOCH_S if len(epochs) else self._lo_s
        lo = self._lo_s
        events = list(held.events) + self._done_events
        if self.current is not None and self._filled_t:
            events += self._open_hole_events()
        with store.rewrite(lo, max(hi, lo), raw=False):
            for samples in held.raw:
                store.write_samples(samples, session=self.session)
            if len(epochs):
                store.write_epochs(epochs)
            if events:
                store.write_events(events)
            if held.warnings:
                store.write_warnings(held.warnings)
        filled = held.raw
        self._held = _Held()
        self._done_events = []
        self._lo_s = max(hi, lo)
        if self.current is not None and filled:
            self.committed_through_s = float(filled[-1].t_s[-1]) + 1e-6
        elif self.current is None:
            self.committed_through_s = self.cursor_s + 1e-6
        return lo, max(hi, lo)

    # -- internals ---------------------------------------------------------------------------
    def _push(self, samples: Samples) -> None:
        samples = as_kept(samples)  # as the live run reads them (`LiveRun.push`): the same answer
        out = self.pipeline.push(samples.t_s, samples.acc_g)
        self.cursor_s = float(samples.t_s[-1])
        self._take(out)

    def resume(self) -> Resume:
        """The copy as the live run's state from now on (`LiveRun.adopt`, once caught up)."""
        return Resume(self.pipeline, self.hooks, self.emitted_s, self.session)

    def _take(self, out: PipelineOutput) -> None:
        self._held.add(out)
        if len(out.epochs):
            self.emitted_s = float(out.epochs.t_s[-1]) + EPOCH_S
        for _hook, past in self.hooks:
            fired = past(out) or []
            inside = [w for w in fired if self._in_filled(w.t_s)]
            if inside:
                self.reports[-1].warnings += len(inside)
            self._held.warnings.extend(noted(inside, self.kind))
            self._held.warnings.extend(w for w in fired if not self._in_filled(w.t_s))

    def _in_filled(self, t_s: float) -> bool:
        return any(r.hole.host_from_s < t_s < r.hole.host_to_s for r in self.reports)

    def _start_hole(self, hole: Hole) -> None:
        self.current = hole
        self.reports.append(FillReport(hole))

    def _open_hole_events(self) -> list[Event]:
        """The current hole as far as it is filled: its stretches, and a gap for the rest."""
        hole = self.current
        t = np.concatenate(self._filled_t)
        events, _, _ = hole_events(hole, t, self.kind, self._log_period(t))
        return events

    def _log_period(self, t: np.ndarray) -> float:
        return float(np.median(np.diff(t))) if t.size > 1 else self.period_s


class RangeRefill:
    """A hole from before this session (or an imported file) analysed with stored context.

    The range replaced runs from the start of the stored bout open at the first hole's start
    to the end of the one open at the last hole's end (`refill_span`). Samples are added oldest
    first and must lie inside the holes; stored raw samples around and between them are read as
    needed. An import knows where its samples end only at the end: `trim_end` moves the last
    hole's end there. `finish()` writes the range as one change and returns the reports; a
    stored gap event the filled time overlaps keeps only its unfilled parts.
    """

    def __init__(
        self,
        store: Store,
        *,
        holes: Sequence[Hole],
        reference: Calibration | None,
        placement: str,
        engine_factory: Callable[[], Callable[[PipelineOutput], list[OverloadWarning]]] | None,
        kind: str = "memory",
        session: str = "",
        context: bool = True,
    ) -> None:
        self.store = store
        self.holes = sorted(holes, key=lambda h: h.host_from_s)
        self.kind = kind
        self.session = session
        self.context = context and _raw_rate_ok(store, self.holes[0])
        self.span = refill_span(store, self.holes) if self.context else _bare(self.holes)
        self.pipeline = StreamingPipeline(
            PipelineConfig(placement=placement, calibration=reference)
        )
        self.engine = engine_factory() if engine_factory else None
        self.reports = [FillReport(h) for h in self.holes]
        self._held = _Held()
        self._filled_t: list[list[np.ndarray]] = [[] for _ in self.holes]
        self._read_to_s = self.span[0] - CONTEXT_S  # the stored raw was fed up to here
        self._last_s = -np.inf  # the newest sample fed

    def add(self, samples: Samples) -> None:
        """New samples (inside the holes, oldest first)."""
        if not len(samples):
            return
        keep = samples.t_s > self._last_s
        samples = Samples(samples.t_s[keep], samples.acc_g[keep])
        if not len(samples):
            return
        self._stored_until(float(samples.t_s[0]))
        for i, hole in enumerate(self.holes):
            inside = (samples.t_s > hole.host_from_s) & (samples.t_s < hole.host_to_s)
            if inside.any():
                self._filled_t[i].append(samples.t_s[inside])
                self.reports[i].filled += int(inside.sum())
        self._push(samples)
        self._held.raw.append(samples)

    @property
    def last_s(self) -> float:
        """The newest sample fed so far (new or stored)."""
        return self._last_s

    def trim_end(self, t_s: float) -> None:
        """The new samples end at `t_s`: the last hole (and the range replaced) ends there."""
        last = self.holes[-1]
        if last.host_from_s < t_s < last.host_to_s:
            self.holes[-1] = replace(last, host_to_s=t_s)
            self.reports[-1] = replace(self.reports[-1], hole=self.holes[-1])
            lo = self.span[0]
            hi = refill_span(self.store, self.holes)[1] if self.context else t_s
            self.span = (lo, hi)

    def finish(self) -> list[FillReport]:
        """Feed the stored raw to the end of the span, flush, and write the span as one change."""
        lo, hi = self.span
        first, last = self.holes[0].host_from_s, self.holes[-1].host_to_s
        old_gaps = [  # the stored gap events of the time now filled
            e
            for e in self.store.read_events(first, last, ["gap"])
            if any(e.start_s < h.host_to_s and e.end_s > h.host_from_s for h in self.holes)
        ]
        lo = min([lo, *(e.start_s for e in old_gaps)])
        self._stored_until(hi + (TAIL_S if self.context else 0.0))
        self._take(self.pipeline.flush())
        epochs = Epochs.concat(self._held.epochs).between(lo, hi)
        events = [e for e in self._held.events if lo <= e.start_s < hi]
        warnings = self._warnings(lo, hi)
        for i, hole in enumerate(self.holes):
            t = np.concatenate(self._filled_t[i]) if self._filled_t[i] else np.empty(0)
            period = float(np.median(np.diff(t))) if t.size > 1 else 1.0 / hole.rate_hz
            more, filled_s, missing_s = hole_events(hole, t, self.kind, period)
            events += more
            self.reports[i].filled_s, self.reports[i].missing_s = filled_s, missing_s
        events += [part for e in old_gaps for part in _outside(e, self.holes)]
        with self.store.rewrite(lo, hi, raw=False):
            for samples in self._held.raw:
                self.store.write_samples(samples, session=self.session)
            if len(epochs):
                self.store.write_epochs(epochs)
            if events:
                self.store.write_events(events)
            if warnings:
                self.store.write_warnings(warnings)
        return self.reports

    # -- internals ---------------------------------------------------------------------------
    def _stored_until(self, t_s: float) -> None:
        """Feed the stored raw samples from where reading stopped up to `t_s` (exclusive)."""
        if not self.context:
            return
        while self._read_to_s < t_s:
            b = min(t_s, self._read_to_s + 3600.0)
            part = self.store.read_samples(self._read_to_s, b)
            keep = part.t_s > self._last_s
            if keep.any():
                self._push(Samples(part.t_s[keep], part.acc_g[keep]))
            self._read_to_s = b

    def _push(self, samples: Samples) -> None:
        samples = as_kept(samples)  # as the live run reads them (`LiveRun.push`): the same answer
        self._take(self.pipeline.push(samples.t_s, samples.acc_g))
        self._last_s = float(samples.t_s[-1])

    def _take(self, out: PipelineOutput) -> None:
        self._held.add(out)
        if self.engine is not None:
            self._held.warnings.extend(self.engine(out) or [])

    def _warnings(self, lo: float, hi: float) -> list[OverloadWarning]:
        """Stored warnings outside the holes stay; the engine's inside them are added, noted."""
        inside = [
            w
            for w in self._held.warnings
            if lo <= w.t_s < hi and any(h.host_from_s < w.t_s < h.host_to_s for h in self.holes)
        ]
        for w in inside:
            for i, h in enumerate(self.holes):
                if h.host_from_s < w.t_s < h.host_to_s:
                    self.reports[i].warnings += 1
        kept = [
            w
            for w in self.store.read_warnings(lo, hi)
            if not any(h.host_from_s < w.t_s < h.host_to_s for h in self.holes)
        ]
        return kept + noted(inside, self.kind)


NOT_BOUTS = ("gap", "memory", "imported")  # events that say where data is, not what it shows


def refill_span(store: Store, holes: Sequence[Hole]) -> tuple[float, float]:
    """From the start of the stored bout open at the first hole to the end of the one open at
    the last: what the re-analysis replaces (a bout cut in two would be wrong either side)."""
    lo, hi = holes[0].host_from_s, holes[-1].host_to_s
    cut = CUT_S  # first the bouts the hole cut (they end where it starts), then any spanning
    for _ in range(20):  # an edge moved, until none does
        near = [e for e in store.read_events(lo - cut, hi + cut) if e.type not in NOT_BOUTS]
        before = [e for e in near if e.start_s < lo - 1e-6 and e.end_s >= lo - cut]
        after = [e for e in near if e.end_s > hi + 1e-6 and e.start_s <= hi + cut]
        if not before and not after:
            break
        lo = min([lo, *(e.start_s for e in before)])
        hi = max([hi, *(e.end_s for e in after)])
        cut = -1e-6
    return lo, hi + EPOCH_S


def _bare(holes: Sequence[Hole]) -> tuple[float, float]:
    return holes[0].host_from_s, holes[-1].host_to_s


def _outside(gap: Event, holes: Sequence[Hole]) -> list[Event]:
    """The parts of a stored gap event outside the filled holes (its lost count shared out)."""
    parts = [(gap.start_s, gap.end_s)]
    for h in holes:
        parts = [
            piece
            for a, b in parts
            for piece in ((a, min(b, h.host_from_s)), (max(a, h.host_to_s), b))
            if piece[1] - piece[0] > HOLE_GAP_S
        ]
    out = []
    for a, b in parts:
        attrs = dict(gap.attrs)
        if "samples_lost" in attrs and gap.duration_s > 0:
            attrs["samples_lost"] = float(round(attrs["samples_lost"] * (b - a) / gap.duration_s))
        out.append(Event("gap", a, b, attrs=attrs))
    return out


def _raw_rate_ok(store: Store, hole: Hole) -> bool:
    """Whether the stored raw before the hole is fine enough to re-analyse (InfluxDB may keep
    only 5 Hz); a hole with nothing stored before it needs no context either way."""
    before = store.read_samples(hole.host_from_s - 60.0, hole.host_from_s + 1e-6)
    if len(before) < 2:
        return True
    rate = 1.0 / float(np.median(np.diff(before.t_s)))
    if rate < MIN_RAW_HZ:
        log.info(
            "the stored raw samples are kept at %.1f Hz only: the time around the filled hole "
            "is not re-analysed",
            rate,
        )
        return False
    return True


RAW_DECIDES_S = 60.0  # a gap between stored raw samples shorter than this is a hole whatever
# epochs say there (the stream was stored on both sides: a killed run's last second, a restart)
RAW_SPACINGS = 3.0  # ... if longer than this many of the stored raw's own spacings (5 Hz kept)


def stored_holes(
    store: Store, start_s: float, end_s: float, rate_hz: float, min_s: float = 5.0
) -> list[Hole]:
    """Stretches of [start_s, end_s) longer than `min_s` where the store holds neither raw
    samples nor epochs (an InfluxDB store may keep epochs without raw samples: raw "off").

    Where raw samples are stored on both sides of a gap shorter than `RAW_DECIDES_S`, the raw
    decide: an epoch spans its whole second, so it would hide the second a kill lost."""
    if end_s - start_s < min_s:
        return []
    found: list[tuple[float, float]] = []
    last = last_raw = start_s
    spacing = 0.0  # the stored raw's own spacing (full rate, or what InfluxDB keeps)
    a = start_s
    while a < end_s:
        b = min(end_s, a + 3600.0)
        raw = store.read_samples(a, b).t_s
        epochs = store.read_epochs(a, b).t_s
        if raw.size > 1:
            spacing = float(np.median(np.diff(raw)))
        least = max(min_s, RAW_SPACINGS * spacing)
        # an epoch covers its second, but only up to this read's end: past it the next read's
        # raw samples decide (else the stored stream there would look missing)
        t = np.union1d(raw, np.r_[epochs, np.minimum(epochs + EPOCH_S - 1e-3, b)])
        if t.size:
            edges = np.r_[last, t]
            for i in np.flatnonzero(np.diff(edges) > least):
                found.append((float(edges[i]), float(edges[i + 1])))
            last = max(last, float(t[-1]))
        if raw.size:
            edges = np.r_[last_raw, raw]
            gaps = np.diff(edges)
            for i in np.flatnonzero((gaps > least) & (gaps < RAW_DECIDES_S)):
                found.append((float(edges[i]), float(edges[i + 1])))
            last_raw = float(raw[-1])
        a = b
    least = max(min_s, RAW_SPACINGS * spacing)
    if end_s - last > least:
        found.append((last, end_s))
    if spacing > 0.0 and least < end_s - last_raw < RAW_DECIDES_S:  # raw is kept here
        found.append((last_raw, end_s))
    holes: list[Hole] = []
    for lo, hi in sorted(found):  # a raw gap holds the holes between epochs inside it
        if holes and lo <= holes[-1].host_to_s:
            if hi > holes[-1].host_to_s:
                holes[-1] = Hole(holes[-1].host_from_s, hi, rate_hz)
            continue
        holes.append(Hole(lo, hi, rate_hz))
    return holes

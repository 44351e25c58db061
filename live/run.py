"""A live run: the one place where samples, pipeline, warnings and store meet.

Why here: every source of samples (the simulator in `demo`, a BLE sensor in `collect`) needs the
same path — raw samples kept, epochs and events computed by the streaming pipeline and stored as
they finish, warnings evaluated and delivered, each day summarised as it passes (`daybook`) and
the rest at the end — so it is written once. Sources call `push(samples)` and `finish()`; a live
source also `recover()` first (raw samples a killed run left unprocessed) and `close_days(now)`
now and then (days pass while no samples come). The pipeline starts from the reference handed in
(`references`: kept per sensor) and every new one it finds is kept for the next session.

Nothing is lost when the store refuses writes (a locked file, a full disk, a full outbox): every
write, status facts included, goes through one in-order `backlog.Backlog` that a refusing store
leaves in memory, so `push()` never raises for it and the collection goes on. `finish()` retries
with back-off; what it still cannot write is saved to disk (`spill.py`) and written by the next
run, which also summarises the days it names.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from backcoach.backfill import Resume
from backcoach.backoff import Backoff
from backcoach.clock import SYSTEM, Clock
from backcoach.config import Settings
from backcoach.errors import StoreUnavailable
from backcoach.live import recovery, spill
from backcoach.live.backlog import Backlog
from backcoach.live.daybook import DayBook, Due, summary_of
from backcoach.live.panel import LivePanel
from backcoach.processing.days import day_bounds, day_of
from backcoach.processing.pipeline import PipelineConfig, StreamingPipeline
from backcoach.processing.types import (
    Calibration,
    DaySummary,
    Event,
    OverloadWarning,
    PipelineOutput,
    Samples,
)
from backcoach.storage.base import Store, as_kept
from backcoach.storage.references import reference_status
from backcoach.storage.status import DAILY_MESSAGES_DAY, StatusWriter

log = logging.getLogger(__name__)

RAW_FLUSH_S = 10.0  # default: raw samples in chunks this long (compact rows for replays)
END_EPS_S = 1e-3  # an end time exactly at midnight belongs to the day before
FINISH_RETRIES_S = (0.5, 1.0, 2.0)  # finish() waits this long between its tries, then saves
DAYS_BACKOFF = Backoff(base_s=10.0, cap_s=600.0)  # a day the store cannot summarise yet

T = TypeVar("T")


class LiveRun:
    """Samples in, everything stored; days summarised as they pass, the rest by `finish()`.

    `reference` is the pipeline's starting reference (up and forward): a sensor's kept one, with
    a source the pipeline's re-mount check may replace (`references.STORED`). `sensor` (its
    address) names whose reference a newly found one is kept as; '' keeps none.
    """

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        session: str = "",
        reference: Calibration | None = None,
        sensor: str = "",
        on_output: list[Callable[[PipelineOutput], list[OverloadWarning] | None]] | None = None,
        on_day: list[Callable[[DaySummary], list[OverloadWarning] | None]] | None = None,
        raw_flush_s: float = RAW_FLUSH_S,
        clock: Clock = SYSTEM,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.store = store
        self.session = session
        self.sensor = sensor
        self.pipeline = StreamingPipeline(
            PipelineConfig(placement=settings.sensor.placement, calibration=reference)
        )
        self._reference_kept = reference  # the pipeline's reference as last kept (or handed in)
        self.on_output = list(on_output or [])
        self.on_day = list(on_day or [])
        self.raw_flush_s = raw_flush_s  # a live sensor wants its samples stored within a second
        self._raw: list[Samples] = []
        self._raw_s = 0.0
        self._last_s: float | None = None
        self.warnings: list[OverloadWarning] = []
        self.backlog = Backlog(store)  # every write, in order (held while the store refuses)
        self.status = StatusWriter(self.backlog.put_status, clock)  # the live panel's one writer
        self.panel = LivePanel(self.status, clock)  # the analysis' facts for it
        self._days = DayBook(settings.timezone)  # days touched, and when each is due
        self._replacing = False
        self._days_failures = 0  # summaries that failed in a row (the store is away)
        self._days_retry_at = 0.0
        self.spilled: list[str] = []  # spill files this run wrote (names)
        self._emitted_s = float("-inf")  # epochs before this were produced (and written)
        self._restore()

    # -- the live path ---------------------------------------------------------------------------
    def push(self, samples: Samples) -> PipelineOutput:
        """Process one chunk of samples (any size) and store what it finished."""
        if len(samples) == 0:
            return PipelineOutput.empty()
        samples = as_kept(samples)  # processed as stored: a replay of the store agrees
        if self._last_s is None:
            self.panel.begin()
        if self._emitted_s == float("-inf"):  # nothing produced yet: a backfill starts here
            self._emitted_s = float(samples.t_s[0])
        self._last_s = float(samples.t_s[-1])
        self._raw.append(samples)
        self._raw_s += float(samples.t_s[-1] - samples.t_s[0])
        if self._raw_s >= self.raw_flush_s:
            self._flush_raw()
        self._days.touch(float(samples.t_s[0]), self._last_s)
        out = self.pipeline.push(samples.t_s, samples.acc_g)
        self._store_output(out)
        for hook in self.on_output:  # warnings ahead of the pipeline (`live.warnings`)
            on_samples = getattr(hook, "on_samples", None)
            if on_samples is not None:
                on_samples(samples, self.pipeline)
        self.panel.on_samples(samples, self.pipeline.calibration, self._last_s)
        self._after_output(out)
        self.close_days(self._last_s)
        return out

    def recover(self, now_s: float | None = None, max_age_s: float = recovery.MAX_AGE_S) -> float:
        """Turn raw samples a killed run stored but never processed into epochs and events.

        Call it before the first `push`: the pipeline goes on from them into the live stream.
        The last day an earlier run stored is summarised again (it may have died before); no
        daily messages go out for days before today, nor for a day an earlier run messaged.
        Returns the seconds of raw samples processed (0 when there were none).
        """
        now = self.clock.time() if now_s is None else now_s
        tz = self.settings.timezone
        self._days.messaged_through(day_of(day_bounds(day_of(now, tz), tz)[0] - 1, tz))
        self._days.messaged_through(self.store.read_status().get(DAILY_MESSAGES_DAY, ""))
        span = self.store.data_range()
        if span is not None:  # the last day an earlier run stored: summarised again to be whole
            self._days.touch(span[1], span[1])
        found = recovery.unprocessed(self.store, now, max_age_s)
        if found is None:
            return 0.0
        since_s, chunks = found
        stored = recovery.stored_events(self.store, since_s)
        seconds = 0.0
        for chunk in chunks:
            self._last_s = float(chunk.t_s[-1])
            out = recovery.since(self.pipeline.push(chunk.t_s, chunk.acc_g), since_s, stored)
            self._store_output(out)
            self._after_output(out)
            seconds += float(chunk.t_s[-1] - chunk.t_s[0])
        if self._last_s is not None:
            self._days.touch(since_s, self._last_s)
        return seconds

    def close_days(self, now_s: float) -> list[DaySummary]:
        """Summarise the days due at `now_s` (and send their daily messages); see `daybook`.

        A store that cannot answer (InfluxDB away for days) is asked again with back-off, and
        said once: not a query and a log line every few seconds for as long as it is away.
        """
        written: list[DaySummary] = []
        if self.clock.monotonic() < self._days_retry_at:
            return written
        for due in self._days.due(now_s):
            if self.backlog.holds_writes:  # the store refuses writes: the summary would miss them
                break
            try:
                written.append(self._run_day(due))
                self.backlog.drain_or_raise()
            except StoreUnavailable as exc:
                self._days_failures += 1
                level = logging.WARNING if self._days_failures == 1 else logging.DEBUG
                log.log(level, "day %s not summarised yet (%s); trying again later", due.day, exc)
                delay = DAYS_BACKOFF.delay_s(self._days_failures)
                self._days_retry_at = self.clock.monotonic() + delay
                break
            if self._days_failures:
                log.info("day %s summarised; the store answers again", due.day)
                self._days_failures = 0
        return written

    # -- time filled in afterwards (`backfill.Backfill`) ------------------------------------------
    def snapshot(self) -> Resume:
        """The live state now, for filling a gap that ends here: call it before pushing the
        first samples after the gap. Hooks that can run on past time (`fork()`) are copied."""
        hooks = tuple(
            (hook, hook.fork()) for hook in self.on_output if callable(getattr(hook, "fork", None))
        )
        self._flush_raw()  # no raw chunk spans the hole: the filled one goes between
        return Resume(copy.deepcopy(self.pipeline), hooks, self._emitted_s, self.session)

    def adopt(self, resume: Resume) -> None:
        """Go on from a backfill's pipeline and rules (they have caught up with this run)."""
        self.pipeline = resume.pipeline
        self._emitted_s = resume.emitted_s
        for hook, fork in resume.hooks:
            hook.join(fork)

    def past_rules(self) -> Callable[[PipelineOutput], list[OverloadWarning]] | None:
        """Fresh rules for time before this run (an earlier run's hole filled in), if any."""
        for hook in self.on_output:
            if callable(getattr(hook, "fork", None)):
                return hook.fork(fresh=True)
        return None

    def drain_or_raise(self) -> None:
        """Write the backlog now; StoreUnavailable if the store refuses (a backfill waits)."""
        self._flush_raw()
        self.backlog.drain_or_raise()

    def note_rewritten(self, start_s: float, end_s: float) -> None:
        """A range was replaced by a backfill: its days are summarised again (`daybook`)."""
        if end_s >= start_s > float("-inf"):
            self._days.touch(start_s, end_s)

    def write_events(self, events: Sequence[Event]) -> None:
        """Events a source records itself (gaps), through the same backlog."""
        if events:
            self.backlog.write("events", list(events))

    @property
    def stored_through_s(self) -> float:
        """Raw samples up to here are in the store."""
        return self.backlog.stored_through_s

    def finish(self) -> list[DaySummary]:
        """Flush the pipeline and raw buffer, then write a summary for every day touched.

        A store that still refuses is retried (FINISH_RETRIES_S); what it cannot take then is
        saved to disk for the next run, and StoreUnavailable says where. Nothing is dropped.
        """
        if self.pipeline.calibration is None:
            # Still learning (no walk, no kept reference): the flush could only guess up and
            # forward, and a guess reads standing and bending as sitting, lying and 179° lifts.
            # Nothing final is stored; the raw samples are, and the next run re-analyses them
            # (`recover`) in the pipeline that then finds the reference from its first walk.
            log.info(
                "the sensor's up and forward are not known yet (it has not walked): its held "
                "seconds are kept as raw samples and analysed once they are known"
            )
        else:
            self._store_output(self.pipeline.flush())
        self._flush_raw()
        summaries: list[DaySummary] = []
        try:
            self._retrying(self.backlog.drain_or_raise)
            for due in self._days.remaining():
                summaries.append(self._retrying(lambda due=due: self._run_day(due)))
                self._retrying(self.backlog.drain_or_raise)
        except StoreUnavailable as exc:
            raise self._give_up(exc, {d.day for d in self._days.remaining()}) from exc
        return summaries

    @contextlib.contextmanager
    def replacing(self, start_s: float, end_s: float) -> Iterator[None]:
        """Replace the store's range with what this run writes in the block, as one change
        (`Store.rewrite`); a store still refusing at the end then says the day was not replaced."""
        rewrite = self.store.rewrite(start_s, end_s)
        self._replacing = True
        try:
            with rewrite:
                yield
        finally:
            self._replacing = False

    # -- summaries -------------------------------------------------------------------------------
    def summarize(self, day: str) -> DaySummary:
        """Summarise a whole day from the store, so a day made of several sessions is complete."""
        summary = summary_of(self.store, self.settings, day)
        self.backlog.write("summary", summary)
        return summary

    # -- retrying, and giving up ---------------------------------------------------------------
    def _retrying(self, step: Callable[[], T]) -> T:
        """Run a step, trying again after each pause in FINISH_RETRIES_S while the store refuses."""
        for pause in (*FINISH_RETRIES_S, None):
            try:
                return step()
            except StoreUnavailable:
                if pause is None:
                    raise
                self.clock.sleep(pause)
        raise AssertionError("not reached")  # pragma: no cover

    def _run_day(self, due: Due) -> DaySummary:
        """Summarise a day and, when due, run the daily hooks (G7/G8 messages) on it."""
        summary = self.summarize(due.day)
        if due.message:
            self._run_day_hooks(summary)
            if self.sensor:  # a restarted collector does not send them again (see recover)
                self.backlog.put_status(DAILY_MESSAGES_DAY, due.day)
        self._days.done(due)
        return summary

    def _after_output(self, out: PipelineOutput) -> None:
        """Note the days the output touched; keep a reference the pipeline just found."""
        if len(out.epochs):
            self._days.touch(float(out.epochs.t_s[0]), float(out.epochs.t_s[-1]))
        for e in out.events:  # an event ending on the stroke of midnight is the day before's
            self._days.touch(e.start_s, max(e.start_s, e.end_s - END_EPS_S))
        cal = self.pipeline.calibration
        if not self.sensor or cal is None or cal is self._reference_kept or cal.source != "auto":
            return
        self._reference_kept = cal
        at_s = float(out.epochs.t_s[-1]) if len(out.epochs) else (self._last_s or self.clock.time())
        log.info("%s: up and forward found from walking; kept for next time", self.sensor)
        self.backlog.put_status(
            *reference_status(cal, sensor=self.sensor, origin="walking", at_s=at_s)
        )

    def _run_day_hooks(self, summary: DaySummary) -> None:
        for hook in self.on_day:
            try:
                fired = hook(summary) or []
            except StoreUnavailable as exc:
                log.warning("the daily rules for %s were skipped: %s", summary.day, exc)
                continue
            if fired:
                self.warnings.extend(fired)
                self.backlog.write("warnings", fired)

    def _give_up(self, exc: StoreUnavailable, days: set[str]) -> StoreUnavailable:
        """The store still refuses at the end: save what is held, say where."""
        if self._replacing:
            return StoreUnavailable(
                f"{exc}; the day was not replaced in full (the embedded store keeps what it "
                "held before) - run it again"
            )
        n = len(self.backlog)
        try:
            path = self.backlog.save(self.settings.data_path, self.session, days)
        except (StoreUnavailable, OSError) as save_exc:
            return StoreUnavailable(
                f"{exc}; {n} writes could not be saved either ({save_exc}): they are lost"
            )
        self.spilled.append(path.name)
        log.warning("%d unwritten writes saved to %s/%s", n, spill.FOLDER, path.name)
        return StoreUnavailable(
            f"{exc}; {n} writes are saved in {spill.FOLDER}/{path.name} in the data directory "
            "and written the next time backcoach collects or runs demo"
        )

    def _restore(self) -> None:
        """Take over writes an earlier run saved to disk, and the days it could not summarise."""
        for day in self.backlog.restore(self.settings.data_path):
            start_s, end_s = day_bounds(day, self.settings.timezone)
            self._days.touch(start_s, end_s - END_EPS_S)
        self.backlog.drain()

    # -- internals -------------------------------------------------------------------------------
    def _flush_raw(self) -> None:
        if self._raw:
            samples = Samples.concat(self._raw)
            self._raw, self._raw_s = [], 0.0
            self.backlog.write("samples", (samples, self.session))

    def _store_output(self, out: PipelineOutput) -> None:
        if len(out.epochs):
            self._emitted_s = float(out.epochs.t_s[-1]) + 1.0
            self.backlog.write("epochs", out.epochs)
        if out.events:
            self.backlog.write("events", list(out.events))
        for hook in self.on_output:
            fired = hook(out) or []
            if fired:
                self.warnings.extend(fired)
                self.backlog.write("warnings", fired)
        self.panel.on_output(out, self._last_s)

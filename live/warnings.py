"""Live warnings for lifts and bends within a second: rules run ahead of the pipeline,
confirmed by it afterwards.

Why: the pipeline finishes an epoch seconds after its samples (look-ahead, and up to
`sitstate.REVISE_S` more while a rise may still judge a seat), so its warnings come late; a
posture trainer must buzz as a bend crosses the line or a back-lift ends. Each time samples
arrive:

1. The engine's state (as the pipeline's finished epochs left it) is copied, and the copy runs
   on provisional epochs for the seconds since and on provisional back-lifts that ended since
   the last call (`processing/fastlane.py`). Only what fires there for `AHEAD_RULES` (G3, G4:
   the trunk's angle, known at once) is delivered at once: the wearer feels it within a second
   of the sample that completed it.
2. The rules on the sitting state and on stillness (G1, G2, G5, G10) wait for the pipeline's
   full analysis (seconds, not more than about 10): a provisional guess at the newest seconds
   (the posture carried forward, a landing searched for in the raw samples) is less reliable
   than the stored answer, and a sitting rule of 30 minutes loses nothing by 10 seconds.
3. When the pipeline's epochs reach that time, the real engine fires the same warning (same
   rule, within `MATCH_S`, a lift's within `LIFT_MATCH_S`): it is not delivered twice, and
   the stored warning is the pipeline's, so a stored day still replays to exactly its warnings.
4. A delivered warning the pipeline does not confirm is logged as such and stored with the
   note "provisional" (shown as "(provisional) ..."): never silently dropped.
5. A warning the pipeline fires with no provisional one before it is delivered then, unless it
   is older than `STALE_S` (a sensor never seen starts without a reference: its epochs come in
   a burst at the first walk, and a burst of old warnings would tell the wearer nothing).
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, replace

from backcoach.alerts.dispatcher import Dispatcher
from backcoach.processing.fastlane import provisional_epochs, provisional_lifts
from backcoach.processing.pipeline import StreamingPipeline
from backcoach.processing.rules import RuleEngine
from backcoach.processing.types import (
    EPOCH_S,
    POSTURE_CODE,
    OverloadWarning,
    PipelineOutput,
    Samples,
)

log = logging.getLogger(__name__)

MATCH_S = 30.0  # a pipeline warning this close to a provisional one of its rule confirms it
LIFT_MATCH_S = 5.0  # for lifts (G3), which may follow each other closely
DECIDED_S = 30.0  # the pipeline has decided everything this far behind its newest epoch
STALE_S = 30.0  # a pipeline warning this far behind the newest sample is not delivered
KEEP_S = 30.0  # newest samples kept (> the pipeline's usual lag and the longest lift, 20 s)
#: Rules sent ahead of the pipeline: on the trunk's angle and lifts, known from the newest
#: samples alone. The others wait for the full analysis (see the module doc, 2).
AHEAD_RULES = ("G3", "G4")


@dataclass
class _Sent:
    warning: OverloadWarning
    confirmed: bool = False


class LiveWarnings:
    """A `LiveRun` hook: `on_samples` runs the fast lane, calling it runs the pipeline's rules."""

    def __init__(self, engine: RuleEngine, dispatcher: Dispatcher) -> None:
        self.engine = engine
        self.dispatcher = dispatcher
        self._t: list[Samples] = []
        self._final_end_s = float("-inf")  # end of the pipeline's newest finished epoch
        self._posture = -1  # its posture code
        self._newest_s = float("-inf")
        self._sent: list[_Sent] = []
        self._lifts_after_s = float("-inf")  # provisional lifts ending before this were judged

    def on_samples(self, samples: Samples, pipeline: StreamingPipeline) -> None:
        """New samples arrived (and the pipeline has taken them): deliver what fires now."""
        if len(samples) == 0:
            return
        self._newest_s = float(samples.t_s[-1])
        self._t.append(samples)
        keep_from = self._newest_s - KEEP_S
        while self._t and float(self._t[0].t_s[-1]) < keep_from:
            self._t.pop(0)
        if self._posture < 0:
            return  # the pipeline has not finished an epoch yet: no state to go on from
        recent = Samples.concat(self._t)
        start = max(self._final_end_s, keep_from)
        cal = pipeline.calibration
        ep = provisional_epochs(recent.t_s, recent.acc_g, start, cal, self._posture)
        lifts: tuple = ()
        if self._posture == POSTURE_CODE["sitting"]:  # a lean from a chair is not a lift
            self._lifts_after_s = self._newest_s  # (the pipeline judges those movements)
        else:
            base = pipeline.lift_base_deg
            lifts = provisional_lifts(
                recent.t_s, recent.acc_g, self._lifts_after_s, cal, base, pipeline.config
            )
        if lifts:
            self._lifts_after_s = max(e.end_s for e in lifts)
        if not len(ep) and not lifts:
            return
        ahead = _copy_engine(self.engine)
        for w in ahead.push(PipelineOutput(ep, lifts)):
            if w.rule not in AHEAD_RULES or self._sent_near(w) is not None:
                continue  # already delivered ahead
            self._sent.append(_Sent(w))
            self.dispatcher.submit(w)

    def __call__(self, output: PipelineOutput) -> list[OverloadWarning]:
        """The pipeline's output: its warnings, each delivered unless sent ahead or stale."""
        if len(output.epochs):
            self._final_end_s = float(output.epochs.t_s[-1]) + EPOCH_S
            self._posture = int(output.epochs.posture[-1])
        fired = self.engine.push(output)
        for w in fired:
            match = self._sent_near(w, unconfirmed=True)
            if match is not None:
                match.confirmed = True
            elif self._newest_s - w.t_s > STALE_S:
                log.info(
                    "%s warning at data time %.0f not sent: it came %.0f s late (held back "
                    "until the sensor's up and forward were known)",
                    w.rule,
                    w.t_s,
                    self._newest_s - w.t_s,
                )
            else:
                self.dispatcher.submit(w)
        return fired + self._expired()

    def fork(self, *, fresh: bool = False) -> PastWarnings:
        """The rules as they stand (`fresh`: as at a start), for time filled in afterwards:
        they fire, nothing is sent."""
        engine = _copy_engine(self.engine)
        if fresh:
            engine.state = type(engine.state)()
        return PastWarnings(engine)

    def join(self, fork: PastWarnings) -> None:
        """Go on from a fork that has run up to the newest epoch (`LiveRun.adopt`); a warning
        sent ahead that the fork's rules fired is confirmed (stored once, as the fork's)."""
        self.engine.state = fork.engine.state
        if fork.final_end_s is not None:
            self._final_end_s, self._posture = fork.final_end_s, fork.posture
        for w in fork.fired:
            match = self._sent_near(w, unconfirmed=True)
            if match is not None:
                match.confirmed = True

    def _sent_near(self, w: OverloadWarning, *, unconfirmed: bool = False) -> _Sent | None:
        """A warning of `w`'s rule delivered ahead within MATCH_S (lifts: LIFT_MATCH_S) of it."""
        match_s = LIFT_MATCH_S if w.rule == "G3" else MATCH_S
        for s in self._sent:
            near = s.warning.rule == w.rule and abs(s.warning.t_s - w.t_s) <= match_s
            if near and not (unconfirmed and s.confirmed):
                return s
        return None

    def _expired(self) -> list[OverloadWarning]:
        """Delivered ahead, not confirmed now that the pipeline is past them: said and kept."""
        out, keep = [], []
        for s in self._sent:
            decided = s.warning.t_s + DECIDED_S < self._final_end_s
            if s.confirmed and decided:
                continue
            if not s.confirmed and decided:
                w = s.warning
                log.warning(
                    "a %s warning sent at data time %.0f was not confirmed by the full analysis",
                    w.rule,
                    w.t_s,
                )
                out.append(replace(w, note="provisional"))
                continue
            keep.append(s)
        self._sent = keep
        return out


class PastWarnings:
    """The rules over time that is already past (filled in from a sensor's memory): warnings
    are returned for the store and counted, never delivered (`backfill.Backfill`)."""

    def __init__(self, engine: RuleEngine) -> None:
        self.engine = engine
        self.final_end_s: float | None = None
        self.posture = -1
        self.fired: list[OverloadWarning] = []  # the newest, for `LiveWarnings.join`

    def __call__(self, output: PipelineOutput) -> list[OverloadWarning]:
        if len(output.epochs):
            self.final_end_s = float(output.epochs.t_s[-1]) + EPOCH_S
            self.posture = int(output.epochs.posture[-1])
        fired = self.engine.push(output)
        self.fired = (self.fired + fired)[-50:]
        return fired


def _copy_engine(engine: RuleEngine) -> RuleEngine:
    return RuleEngine(
        engine.thresholds,
        engine.cooldown_s,
        engine.quiet_start,
        engine.quiet_end,
        engine.tz,
        state=copy.deepcopy(engine.state),
        placement=engine.placement,
    )


def warning_hook(engine: RuleEngine, dispatcher: Dispatcher) -> LiveWarnings:
    """A `LiveRun.on_output` hook: the rules on each output, delivered as they fire; its
    `on_samples` runs them ahead of the pipeline on the newest samples, so a warning reaches
    the wearer within a second."""
    return LiveWarnings(engine, dispatcher)

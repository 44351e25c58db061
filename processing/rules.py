"""Live overload warnings: the guidance rules G1-G5 and G10 on the stream, G7 and G8 once a day.

Why pure code: the same engine runs beside a live sensor and over a stored day, so replaying a day
gives exactly the warnings the wearer got. It reads only the pipeline's output (1 s epochs and
finished events), keeps its memory in one explicit `EngineState`, and never looks at the clock:
a warning's time is the data time at which its condition was met.

`RuleEngine.push(output)` steps:

1. Per epoch, each live rule's condition (a boolean per second, see `LIVE_RULES`).
2. `_streaks` turns a condition into streaks carried across pushes. A streak survives
   interruptions shorter than the rule's tolerance (a break under `break_min_s` does not end a
   sitting bout, as in `summary`). A candidate fires at the end of the epoch in which the streak
   reaches the rule's threshold (G1 again every `sitting_repeat_min` while it lasts).
3. Back-lift events (G3) give a candidate each, or one per `back_lifts_window_n` within
   `back_lifts_window_min` when `warn_every_back_lift` is off.
4. The gate, in time order: no warning in quiet hours; none within `cooldown_s` of the rule's
   previous warning.

Notes
-----
- The epochs' own time decides, so any chunking of the same stream gives the same warnings
  (tests/warnings/test_rules.py checks it). Events must arrive in the order they end, as the
  pipeline emits them.
- Conditions follow `summary`'s definitions: upright = neither sitting nor lying; active =
  walking, running or other; awake is approximated by "not lying".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from backcoach.processing.days import zone
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.placement import sensor_deg
from backcoach.processing.types import (
    EPOCH_S,
    POSTURE_CODE,
    POSTURES,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    PipelineOutput,
)

__all__ = [
    "LIVE_RULES",
    "EngineState",
    "RuleEngine",
    "daily_warnings",
    "parse_clock",
    "replay",
]

#: Below this activity an epoch counts as "without movement" (G2); the pipeline's
#: `PipelineConfig.static_activity_g` uses the same value for its `static` events.
STILL_ACTIVITY_G = 0.02
#: Interruptions shorter than this do not end a streak of a rule that asks for "unbroken" time.
STRICT_S = 0.5 * EPOCH_S
#: Floating-point slack when comparing elapsed times built from unix seconds.
EPS_S = 1e-6

_SIT, _LIE = POSTURE_CODE["sitting"], POSTURE_CODE["lying"]
_ACTIVE = (POSTURE_CODE["walking"], POSTURE_CODE["running"], POSTURE_CODE["other"])
_MOVING = (POSTURE_CODE["walking"], POSTURE_CODE["running"])

#: Live rule streams: name -> (rule id, message variant). One rule id may have several streams.
LIVE_RULES: dict[str, tuple[str, str]] = {
    "sitting": ("G1", "sitting"),
    "static": ("G2", "static"),
    "deep": ("G4", "deep"),
    "sustained": ("G4", "sustained"),
    "inactive": ("G5", "inactive"),
    "slumped": ("G10", "slumped"),
}


@dataclass(frozen=True)
class _StreakRule:
    threshold_s: float
    repeat_s: float | None  # None: fire once per streak
    tolerance_s: float  # a streak survives interruptions shorter than this


@dataclass
class _StreakState:
    start_s: float = math.nan  # start of the open streak
    last_end_s: float = -math.inf  # end of the last epoch that met the condition
    label: int = -1  # streaks also break where this label changes (G2: the posture)
    level: int = 0  # thresholds already crossed by the open streak


@dataclass
class EngineState:
    """Everything the engine remembers between pushes; a fresh one starts a new session."""

    streaks: dict[str, _StreakState] = field(
        default_factory=lambda: {name: _StreakState() for name in LIVE_RULES}
    )
    back_lifts_s: list[float] = field(default_factory=list)  # ends of recent back-lifts (G3)
    last_event_end_s: float = -math.inf  # newest lift already judged
    last_fired_s: dict[str, float] = field(default_factory=dict)  # rule id -> last warning time


def parse_clock(text: str) -> int:
    """Minutes after midnight of an "HH:MM" setting; ValueError names the bad value."""
    try:
        hh, mm = text.strip().split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise ValueError(f"time of day {text!r} is not HH:MM (e.g. 22:00)") from None
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError(f"time of day {text!r} is out of range (00:00-23:59)")
    return h * 60 + m


def _streaks(
    t_s: np.ndarray,
    cond: np.ndarray,
    label: np.ndarray,
    rule: _StreakRule,
    state: _StreakState,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of epochs whose end crosses a threshold, and each streak's elapsed seconds there.

    Vectorised over the epochs; `state` is updated in place so the next push continues the
    open streak.
    """
    idx = np.flatnonzero(cond)
    if idx.size == 0:
        return idx, np.empty(0)
    # 1. Streak starts: an interruption of at least the tolerance, or a new label.
    t = t_s[idx]
    end = t + EPOCH_S
    lab = label[idx].astype(np.int64)
    prev_end = np.r_[state.last_end_s, end[:-1]]
    prev_lab = np.r_[state.label, lab[:-1]]
    new = (t - prev_end >= rule.tolerance_s - EPS_S) | (lab != prev_lab)
    # 2. Each epoch's streak start (forward fill), or the carried one before the first start.
    pos = np.maximum.accumulate(np.where(new, np.arange(idx.size), -1))
    start = np.where(pos >= 0, t[np.maximum(pos, 0)], state.start_s)
    elapsed = end - start
    # 3. Thresholds crossed so far; a candidate where that count grows within a streak.
    over = elapsed + EPS_S >= rule.threshold_s
    if rule.repeat_s:
        level = np.where(
            over, np.floor((elapsed + EPS_S - rule.threshold_s) / rule.repeat_s) + 1, 0
        ).astype(np.int64)
    else:
        level = over.astype(np.int64)
    prev_level = np.r_[state.level, level[:-1]]
    prev_level[new] = 0
    fire = np.flatnonzero(level > prev_level)
    state.start_s, state.last_end_s = float(start[-1]), float(end[-1])
    state.label, state.level = int(lab[-1]), int(level[-1])
    return idx[fire], elapsed[fire]


class RuleEngine:
    """The live rules with cooldowns and quiet hours, fed with the pipeline's output.

    Parameters
    ----------
    thresholds
        The guidance thresholds (settings `[rules]`).
    cooldown_s
        Least time between two warnings of one rule (guidance: 10 min).
    quiet_start, quiet_end
        "HH:MM" local times; no warning fires in [quiet_start, quiet_end). Equal: no quiet hours.
    tz
        The wearer's time zone (IANA name, '' = this machine's, or a tzinfo) for quiet hours.
    """

    def __init__(
        self,
        thresholds: RuleThresholds | None = None,
        cooldown_s: float = 600.0,
        quiet_start: str = "22:00",
        quiet_end: str = "07:00",
        tz: str | dt.tzinfo = "",
        *,
        state: EngineState | None = None,
        placement: str | None = None,
    ) -> None:
        self.thresholds = thresholds or RuleThresholds()
        self.placement = placement  # G4's degrees are read on this sensor (None: as given)
        if cooldown_s < 0:
            raise ValueError(f"cooldown_s is {cooldown_s}; give 0 or more seconds")
        self.cooldown_s = float(cooldown_s)
        self.quiet_start = quiet_start
        self.quiet_end = quiet_end
        self._quiet = (parse_clock(quiet_start), parse_clock(quiet_end))
        self.tz = zone(tz) if isinstance(tz, str) else tz
        self.state = state or EngineState()
        self.set_thresholds(self.thresholds)

    def set_thresholds(self, thresholds: RuleThresholds) -> None:
        """Judge from now on by these thresholds, keeping the open streaks and cooldowns.

        Why: a wearer's plan (`plan.py`) moves the limits week by week, while a live session
        runs for days.
        """
        self.thresholds = th = thresholds
        self._rules = {
            "sitting": _StreakRule(
                th.sitting_bout_max_min * 60, th.sitting_repeat_min * 60, th.break_min_s
            ),
            "static": _StreakRule(th.static_warning_min * 60, None, STRICT_S),
            "deep": _StreakRule(th.deep_bend_warning_s, None, STRICT_S),
            "sustained": _StreakRule(th.flexion_warning_s, None, STRICT_S),
            "inactive": _StreakRule(th.inactive_max_min * 60, None, th.break_min_s),
            "slumped": _StreakRule(th.slumped_warning_min * 60, None, STRICT_S),
        }

    def __repr__(self) -> str:
        return (
            f"RuleEngine(cooldown_s={self.cooldown_s}, quiet={self.quiet_start}-"
            f"{self.quiet_end}, tz={self.tz})"
        )

    # -- public --------------------------------------------------------------------------------
    def push(self, output: PipelineOutput) -> list[OverloadWarning]:
        """The warnings that the newly finished epochs and events give, oldest first."""
        cands = self._epoch_candidates(output.epochs) + self._lift_candidates(output.events)
        return self._gate(cands)

    def daily(
        self,
        summaries: Sequence[DaySummary],
        diary: Sequence[DiaryEntry],
        at_s: float,
    ) -> list[OverloadWarning]:
        """The daily messages (G7, G8) for the newest summary, at `at_s` or after quiet hours."""
        t_s = self.next_allowed_s(at_s)
        return self._gate(daily_warnings(summaries, diary, self.thresholds, at_s=t_s))

    def in_quiet_hours(self, t_s: float) -> bool:
        """Whether a unix time falls in the wearer's quiet hours."""
        start, end = self._quiet
        if start == end:
            return False
        local = dt.datetime.fromtimestamp(t_s, self.tz)
        m = local.hour * 60 + local.minute
        return start <= m < end if start < end else (m >= start or m < end)

    def next_allowed_s(self, t_s: float) -> float:
        """`t_s` itself outside quiet hours, else the end of the quiet hours it falls in."""
        if not self.in_quiet_hours(t_s):
            return t_s
        local = dt.datetime.fromtimestamp(t_s, self.tz)
        end = self._quiet[1]
        wake = local.replace(hour=end // 60, minute=end % 60, second=0, microsecond=0)
        if wake <= local:
            wake = (local + dt.timedelta(days=1)).replace(
                hour=end // 60, minute=end % 60, second=0, microsecond=0
            )
        return wake.timestamp()

    # -- internals -----------------------------------------------------------------------------
    def _conditions(self, ep: Epochs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        th = self.thresholds
        p, trunk = ep.posture, ep.trunk_deg
        awake = p != _LIE
        sit = p == _SIT
        upright = awake & ~sit
        zeros = np.zeros(len(ep), np.int64)
        still = awake & (ep.activity_g < STILL_ACTIVITY_G) & ~np.isin(p, _MOVING)
        return {
            "sitting": (sit, zeros),
            "static": (still, p.astype(np.int64)),
            "deep": (upright & (trunk >= self._sensor_deg(th.deep_bend_deg)), zeros),
            "sustained": (upright & (trunk >= self._sensor_deg(th.flexion_deg)), zeros),
            "inactive": (awake & ~np.isin(p, _ACTIVE), zeros),
            "slumped": (sit & (trunk > th.slumped_deg), zeros),
        }

    def _sensor_deg(self, trunk_deg: float) -> float:
        """A G4 angle (the guidance's upper-back degrees) as the wearer's sensor reads it."""
        return trunk_deg if self.placement is None else sensor_deg(trunk_deg, self.placement)

    def _epoch_candidates(self, ep: Epochs) -> list[OverloadWarning]:
        if len(ep) == 0:
            return []
        th = self.thresholds
        out: list[OverloadWarning] = []
        for name, (cond, label) in self._conditions(ep).items():
            rows, elapsed = _streaks(
                ep.t_s, cond, label, self._rules[name], self.state.streaks[name]
            )
            rule, variant = LIVE_RULES[name]
            for i, el in zip(rows.tolist(), elapsed.tolist(), strict=True):
                t_end = float(ep.t_s[i]) + EPOCH_S
                figures: dict[str, float | str] = {"minutes": el / 60, "seconds": el}
                if name == "static":
                    figures["posture"] = POSTURES[int(ep.posture[i])]
                if name in ("deep", "sustained"):
                    figures["deg"] = th.deep_bend_deg if name == "deep" else th.flexion_deg
                # the figure in the unit its text says: a deep bend's seconds, otherwise minutes
                value = el if name == "deep" else el / 60
                out.append(_warning(t_end, rule, value, variant, figures))
        return out

    def _lift_candidates(self, events: Sequence[Event]) -> list[OverloadWarning]:
        th, st = self.thresholds, self.state
        lifts = sorted(
            (e for e in events if e.type == "lift" and e.style == "back"), key=lambda e: e.end_s
        )
        window_s = th.back_lifts_window_min * 60
        out: list[OverloadWarning] = []
        for e in lifts:
            if e.end_s <= st.last_event_end_s:
                continue  # already judged (an event sent twice)
            st.last_event_end_s = e.end_s
            st.back_lifts_s = [t for t in st.back_lifts_s if t > e.end_s - window_s] + [e.end_s]
            peak = float(e.peak_deg) if e.peak_deg is not None else math.nan
            if th.warn_every_back_lift:
                out.append(_warning(e.end_s, "G3", peak, "single", {"peak_deg": peak}))
            elif len(st.back_lifts_s) >= th.back_lifts_window_n:
                n = float(len(st.back_lifts_s))
                figures = {"count": n, "window_min": th.back_lifts_window_min}
                out.append(_warning(e.end_s, "G3", n, "window", figures))
                st.back_lifts_s = []
        return out

    def _gate(self, cands: list[OverloadWarning]) -> list[OverloadWarning]:
        """Drop candidates in quiet hours or within the rule's cooldown; oldest first."""
        fired: list[OverloadWarning] = []
        last = self.state.last_fired_s
        for c in sorted(cands, key=lambda c: (c.t_s, c.rule)):
            if self.in_quiet_hours(c.t_s):
                continue
            if c.rule in last and c.t_s - last[c.rule] < self.cooldown_s - EPS_S:
                continue
            last[c.rule] = c.t_s
            fired.append(c)
        return fired


def _warning(
    t_s: float, rule: str, value: float, variant: str, figures: dict[str, float | str]
) -> OverloadWarning:
    plain = {k: v if isinstance(v, str) else float(v) for k, v in figures.items()}
    return OverloadWarning(float(t_s), rule, round(float(value), 3), variant, plain)


def replay(engine: RuleEngine, epochs: Epochs, events: Sequence[Event]) -> list[OverloadWarning]:
    """A stored stretch (e.g. a day read from the store) through a fresh engine's rules."""
    order = np.argsort(epochs.t_s, kind="stable")
    lifts = tuple(sorted(events, key=lambda e: e.end_s))
    return engine.push(PipelineOutput(epochs.select(order), lifts))


def daily_warnings(
    summaries: Sequence[DaySummary],
    diary: Sequence[DiaryEntry],
    thresholds: RuleThresholds | None = None,
    *,
    at_s: float,
) -> list[OverloadWarning]:
    """G7 and G8 for the newest day in `summaries` (oldest first), stamped `at_s`.

    G7: the day's acute:chronic load ratio (`acwr`, from `summary`) is over `acwr_spike`.
    G8: diary pain rose on each of the last two days, and each rise followed a spike day.
    """
    th = thresholds or RuleThresholds()
    if not summaries:
        return []
    day = summaries[-1].day
    acwr = {s.day: s.metrics.acwr for s in summaries}
    out: list[OverloadWarning] = []
    ratio = acwr[day]
    if ratio > th.acwr_spike:
        out.append(_warning(at_s, "G7", ratio, "spike", {"day": day, "ratio": ratio}))
    d2 = dt.date.fromisoformat(day)
    d1, d0 = d2 - dt.timedelta(days=1), d2 - dt.timedelta(days=2)
    pain = {e.day: e.pain for e in diary}
    keys = [d0.isoformat(), d1.isoformat(), d2.isoformat()]
    if all(k in pain for k in keys):
        p0, p1, p2 = (pain[k] for k in keys)
        spikes = all(acwr.get(k, math.nan) > th.acwr_spike for k in keys[:2])
        if p0 < p1 < p2 and spikes:
            figures = {"pain_from": float(p0), "pain_to": float(p2)}
            out.append(_warning(at_s, "G8", p2 - p0, "pain", figures))
    return out

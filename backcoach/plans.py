"""Where a wearer's plan is kept, how it travels as a file, and how the live warnings follow it.

Why in the store (status row `plan`, JSON): the plan belongs to the wearer's data, so it moves
with it (`sync`, a practice's InfluxDB) and a practice reads it with the rest, through the same
read-only account, without a file of its own and without any right to change it. A
physiotherapist gives a plan as a small TOML file (`backcoach plan export`, or the practice's
Settings page); the wearer imports it on their own machine, into their own store.

The plan itself is `processing.plan.build_plan`, a pure function of these settings and the
stored days; this module only reads what it needs (`load_plan`) and hands the current step's
thresholds to whoever judges a day (`step_rules`) or a live stream (`PlanSteps`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from backcoach.errors import ConfigError, StoreUnavailable
from backcoach.processing.days import day_of
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.plan import (
    ITEM_BY_KEY,
    PACES,
    Plan,
    PlanPhase,
    PlanSettings,
    build_plan,
    iso_week,
    monday_of,
)
from backcoach.processing.plan_rules import PAIN_REF_DAYS, SPIKE_LOOKBACK_DAYS
from backcoach.storage.status import PLAN

if TYPE_CHECKING:
    from backcoach.config import Settings
    from backcoach.processing.rules import RuleEngine
    from backcoach.processing.types import OverloadWarning, PipelineOutput
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)

STATUS_KEY = PLAN  # the store's status row holding the plan settings (JSON)
FORMAT = 1  # the plan file's and the status row's format
REFRESH_S = 900.0  # a live session looks at the plan again after this much data time
HISTORY_DAYS = max(PAIN_REF_DAYS, SPIKE_LOOKBACK_DAYS, 28)  # read before the start (pain, G7/G8)


# -- settings as JSON (the store) and TOML (the file) ------------------------------------------
def to_dict(ps: PlanSettings) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "start": ps.start.isoformat(),
        "baseline_weeks": ps.baseline_weeks,
        "phases": [
            {"since": iso_week(p.since), "pace": p.pace, "targets": dict(p.targets)}
            for p in ps.phases
        ],
    }


def day_or_week(value: object, what: str) -> dt.date:
    """A date, 'YYYY-MM-DD' or 'YYYY-Www' (its Monday)."""
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if "W" in text.upper():
            year, week = text.upper().split("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"{what} {value!r} is not a day or a week; write 2026-09-07 or 2026-W37"
        ) from None


def from_dict(
    raw: Mapping[str, Any], where: str = "plan", *, today: dt.date | None = None
) -> PlanSettings:
    """Plan settings from a parsed file or status row; ConfigError names what to fix.

    Takes the full form (`phase` tables, as `export` writes) and the short one a
    physiotherapist may type: top-level `pace` and a `targets` table. Without `start`, a file
    starts on `default_start(today)` (a status row always has one).
    """
    known = {"format", "start", "baseline_weeks", "phases", "phase", "pace", "targets"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting {unknown[0]!r}; use {', '.join(sorted(known))}"
        )
    if int(raw.get("format", FORMAT)) > FORMAT:
        raise ConfigError(f"{where} is of a newer format ({raw['format']}); update backcoach")
    weeks = raw.get("baseline_weeks", 2)
    if "start" in raw:
        start = day_or_week(raw["start"], f"{where}: start")
    elif today is not None and weeks in (1, 2):
        start = default_start(today, int(weeks))
    else:
        raise ConfigError(f"{where}: no start; write e.g. start = 2026-09-07")
    phases_raw = raw.get("phases", raw.get("phase"))
    if phases_raw is None:
        phases_raw = [{"pace": raw.get("pace", "steady"), "targets": raw.get("targets", {})}]
    try:
        phases = tuple(
            PlanPhase(
                day_or_week(p.get("since", start), f"{where}: since"),
                str(p.get("pace", "steady")),
                {str(k): float(v) for k, v in dict(p.get("targets", {})).items()},
            )
            for p in phases_raw
        )
        return PlanSettings(start, int(weeks), phases)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None


def to_toml(ps: PlanSettings) -> str:
    """The plan file a physiotherapist gives and a wearer imports (`plan import`)."""
    lines = [
        "# backcoach plan (docs/plan.md). Import it with: backcoach plan import FILE",
        f"format = {FORMAT}",
        f"start = {ps.start.isoformat()}",
        f"baseline_weeks = {ps.baseline_weeks}",
    ]
    for p in ps.phases:
        lines += ["", "[[phase]]", f'since = "{iso_week(p.since)}"', f'pace = "{p.pace}"']
        if p.targets:
            lines += ["", "[phase.targets]"]
            lines += [f"{k} = {float(v)!r}" for k, v in sorted(p.targets.items())]
    return "\n".join(lines) + "\n"


def from_toml(text: str, where: str = "plan file", *, today: dt.date | None = None) -> PlanSettings:
    """A plan file's settings (see `from_dict`; `today` for a file without a start)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not TOML: {exc}") from None
    return from_dict(raw, where, today=today)


def check_against(ps: PlanSettings, rules: RuleThresholds, where: str = "plan") -> None:
    """Refuse targets past the guidance: a plan stops at the guidance (issue 22)."""
    for phase in ps.phases:
        for key, value in phase.targets.items():
            item, guidance = ITEM_BY_KEY[key], float(getattr(rules, key))
            if item.clamp(value, guidance) != value:
                word = "above" if item.higher_is_better else "below"
                raise ConfigError(
                    f"{where}: target {key} = {value:g} is {word} the guidance ({guidance:g}); "
                    "a plan stops at the guidance, so give a target on the way to it"
                )


# -- the store ---------------------------------------------------------------------------------
def load(store: Store) -> PlanSettings | None:
    """The plan kept in the store, or None (never set, or cleared)."""
    text = store.read_status().get(STATUS_KEY, "")
    if not text.strip():
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        raise ConfigError(
            "the plan kept in the store cannot be read; set it again (backcoach plan set) "
            "or import the plan file"
        ) from None
    return from_dict(raw, "the plan kept in the store")


def save(store: Store, ps: PlanSettings) -> None:
    store.write_status(STATUS_KEY, json.dumps(to_dict(ps), sort_keys=True))


def clear(store: Store) -> None:
    store.write_status(STATUS_KEY, "")


def default_start(today: dt.date, baseline_weeks: int = 2) -> dt.date:
    """The Monday `baseline_weeks` weeks before this week's: the weeks just recorded (if any)
    are the baseline, and the plan's first step is this week."""
    return monday_of(today) - dt.timedelta(weeks=baseline_weeks)


def change(
    current: PlanSettings | None,
    today: dt.date,
    *,
    start: dt.date | None = None,
    baseline_weeks: int | None = None,
    pace: str | None = None,
    targets: Mapping[str, float] | None = None,
    since: dt.date | None = None,
    all_targets: bool = False,
) -> PlanSettings:
    """A new plan, or the current one with a new pace or targets from this week (or `since`).

    A new start or baseline length is a new plan (a new baseline is measured); a new pace or
    target applies from its week on, so the weeks before keep the steps they had. `targets`
    add to the plan's own, or with `all_targets` (a form that lists them all) replace them.
    """
    if pace is not None and pace not in PACES:
        raise ConfigError(f"pace {pace!r} is not one of {', '.join(PACES)}")
    if current is None or start is not None or baseline_weeks is not None:
        weeks = baseline_weeks or (current.baseline_weeks if current else 2)
        first = start or default_start(today, weeks)
        try:
            phase = PlanPhase(first, pace or "steady", dict(targets or {}))
            return PlanSettings(first, weeks, (phase,))
        except ValueError as exc:
            raise ConfigError(f"plan: {exc}") from None
    when = monday_of(since or today)
    if when < monday_of(today):
        raise ConfigError(
            f"a change applies from this week on ({iso_week(monday_of(today))}); "
            "the weeks before keep the steps they had"
        )
    now = current.phase_at(when)
    merged = dict(targets or {}) if all_targets else {**now.targets, **(targets or {})}
    try:
        phase = PlanPhase(when, pace or now.pace, merged)
    except ValueError as exc:
        raise ConfigError(f"plan: {exc}") from None
    kept = [p for p in current.phases if p.since < when]
    return replace(current, phases=(*kept, phase))


def load_plan(store: Store, rules: RuleThresholds, through: dt.date) -> Plan | None:
    """The wearer's plan up to `through`, from the store's plan and days (None: no plan)."""
    ps = load(store)
    if ps is None:
        return None
    first = (ps.start - dt.timedelta(days=HISTORY_DAYS)).isoformat()
    last = through.isoformat()
    return build_plan(
        ps, store.read_summaries(first, last), store.read_diary(first, last), rules, through=through
    )


def step_rules(store: Store, rules: RuleThresholds, day: dt.date) -> RuleThresholds:
    """The thresholds to judge `day` by: its plan week's step, or the guidance without a plan."""
    plan = load_plan(store, rules, day)
    return rules if plan is None else plan.thresholds(day, rules)


class PlanSteps:
    """A `LiveRun.on_output` hook that keeps the rule engine at the plan's step for the day the
    data is from: looked at again when the day changes and every REFRESH_S of data time (a new
    week's step, Sunday's last summary, a plan just imported). Put it before the warnings hook.

    It never warns itself; a store that cannot be read keeps the step it had (logged once).
    """

    def __init__(self, settings: Settings, store: Store, engine: RuleEngine) -> None:
        self.settings, self.store, self.engine = settings, store, engine
        self._day = ""
        self._at_s = -math.inf
        self._failing = False

    def __call__(self, output: PipelineOutput) -> list[OverloadWarning]:
        if not len(output.epochs):
            return []
        t_s = float(output.epochs.t_s[-1])
        day = day_of(t_s, self.settings.timezone)
        if day == self._day and t_s - self._at_s < REFRESH_S:
            return []
        self._day, self._at_s = day, t_s
        try:
            rules = step_rules(self.store, self.settings.rules, dt.date.fromisoformat(day))
        except (StoreUnavailable, ConfigError) as exc:
            if not self._failing:
                log.warning("the plan could not be read (%s); warnings keep their limits", exc)
            self._failing = True
            return []
        self._failing = False
        if rules != self.engine.thresholds:
            self.engine.set_thresholds(rules)
            log.info(
                "warnings follow the plan's step for %s: sitting at most %g min at a stretch",
                day,
                rules.sitting_bout_max_min,
            )
        return []


def plan_hook(settings: Settings, store: Store, engine: RuleEngine) -> PlanSteps:
    """The hook `collect` and `demo` put before `warning_hook` (see `PlanSteps`)."""
    return PlanSteps(settings, store, engine)


__all__ = [
    "HISTORY_DAYS",
    "STATUS_KEY",
    "PlanSteps",
    "change",
    "check_against",
    "clear",
    "day_or_week",
    "default_start",
    "from_dict",
    "from_toml",
    "load",
    "load_plan",
    "plan_hook",
    "save",
    "step_rules",
    "to_dict",
    "to_toml",
]

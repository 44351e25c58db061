"""Row shaping for the dashboard: store types in, small tables and figures out; no Streamlit.

Why apart from the pages: everything here is pure and fast to test (a page only lays out what
these functions return), and the 90-day view stays cheap because it is built from daily
summaries only. Every function tolerates missing metric keys and empty inputs, since a store can
hold days summarised by an older pipeline version, or nothing at all.

Functions
    posture_segments  runs of equal posture as (start, end, posture) rows
    trunk_series      the trunk angle reduced to one point per `bin_s` for plotting
    sitting_bouts     sitting-bout events as rows, flagged when over the G1 limit
    event_marks       bends and lifts as points (time, peak angle, kind)
    headline          the day's headline numbers, from its summary (as the terminal's)
    warnings_table    the day's warnings as rows in the chosen language
    live_panel        the collector's live facts, or None when it is not running
    progress_frame    one row per day over a window, metric columns, pain joined in
    weekly_changes    what improved in the last 7 days against the 7 before

The guidance scorecards are in `scorecard`, the data export in `export`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from backcoach.config import Settings
from backcoach.dashboard import calibration_view
from backcoach.i18n import figure_text, warning_text
from backcoach.processing.headline import Headline
from backcoach.processing.headline import headline as day_headline
from backcoach.processing.metrics import DayMetrics
from backcoach.processing.plan_rules import recorded
from backcoach.processing.rules import RuleEngine
from backcoach.processing.summary import bends_not_lifts
from backcoach.processing.types import (
    POSTURES,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Provenance,
)
from backcoach.storage.references import StoredReference
from backcoach.storage.status import LiveStatus

#: Progress columns (plain names the pages and charts use), from a day's `DayMetrics`.
PROGRESS_COLUMNS: tuple[str, ...] = (
    "sitting_h",
    "longest_bout_min",
    "breaks_per_sit_h",
    "over60_min",
    "band_20_45_min",
    "band_45_60_min",
    "back_lifts",
    "leg_lifts",
    "walking_min",
    "steps",
    "load",
    "acwr",
)


def _progress_row(m: DayMetrics) -> tuple[float, ...]:
    """A day's progress columns, in `PROGRESS_COLUMNS` order (sitting in hours)."""
    return (
        m.sitting_min / 60.0,
        m.longest_sitting_bout_min,
        m.breaks_per_sitting_hour,
        m.band_over60_min,
        m.band_20_45_min,
        m.band_45_60_min,
        m.back_lifts_n,
        m.leg_lifts_n,
        m.walking_min,
        m.steps,
        m.load,
        m.acwr,
    )


STALE_STATUS_S = 120.0  # a live sample older than this means nobody is streaming now
STOPPED_STATES = frozenset({"", "stopped", "off", "idle", "disconnected", "exited", "failed"})


# -- Today -------------------------------------------------------------------------------------
def posture_segments(epochs: Epochs) -> pd.DataFrame:
    """Runs of one posture: columns start_s, end_s, posture (name). Gaps over 2 s split runs."""
    if len(epochs) == 0:
        return pd.DataFrame({"start_s": [], "end_s": [], "posture": []})
    t = epochs.t_s
    p = epochs.posture.astype(np.int16)
    # 1. A run starts where the posture changes or the clock jumps (a gap in the recording).
    new = np.ones(len(t), dtype=bool)
    new[1:] = (p[1:] != p[:-1]) | (np.diff(t) > 2.0)
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(t)) - 1
    return pd.DataFrame(
        {
            "start_s": t[starts],
            "end_s": t[ends] + 1.0,
            "posture": np.asarray(POSTURES, dtype=object)[p[starts]],
        }
    )


def trunk_series(epochs: Epochs, bin_s: int = 10) -> pd.DataFrame:
    """Trunk angle per `bin_s`: mean and max, so a day plots fast without hiding deep bends."""
    if len(epochs) == 0:
        return pd.DataFrame({"t_s": [], "mean_deg": [], "max_deg": []})
    bins = np.floor(epochs.t_s / bin_s).astype(np.int64)
    keys, idx = np.unique(bins, return_inverse=True)
    angle = epochs.trunk_deg.astype(np.float64)
    ok = np.isfinite(angle)
    counts = np.bincount(idx, weights=ok, minlength=len(keys))
    sums = np.bincount(idx, weights=np.where(ok, angle, 0.0), minlength=len(keys))
    maxes = np.full(len(keys), -np.inf)
    np.maximum.at(maxes, idx[ok], angle[ok])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / counts
    maxes[~np.isfinite(maxes)] = np.nan
    return pd.DataFrame({"t_s": keys * float(bin_s), "mean_deg": mean, "max_deg": maxes})


def sitting_bouts(events: Iterable[Event], limit_min: float) -> pd.DataFrame:
    """Sitting bouts: start_s, end_s, minutes, over_limit (G1)."""
    rows = [(e.start_s, e.end_s) for e in events if e.type == "sitting_bout"]
    df = pd.DataFrame(rows, columns=["start_s", "end_s"], dtype=float)
    df["minutes"] = (df["end_s"] - df["start_s"]) / 60.0
    df["over_limit"] = df["minutes"] > limit_min
    return df


FILLED_KINDS = ("memory", "imported")  # event types that say where a stretch's samples came from


def filled_stretches(events: Iterable[Event]) -> pd.DataFrame:
    """Stretches whose samples came afterwards: start_s, end_s, kind (memory: read back from
    the sensor's own memory after it was out of range; imported: `backcoach import`)."""
    rows = [(e.start_s, e.end_s, e.type) for e in events if e.type in FILLED_KINDS]
    return pd.DataFrame(rows, columns=["start_s", "end_s", "kind"])


def event_marks(events: Iterable[Event]) -> pd.DataFrame:
    """Bends and lifts as points: t_s (middle), peak_deg, kind (bend, lift_back, lift_legs; a
    lift of style `unsure` shows as a bend, and a bend that was a lift only as the lift)."""
    events = list(events)
    own = {id(e) for e in bends_not_lifts(events)}  # a lift's bend is marked once, as the lift
    rows = []
    for e in events:
        if e.type == "bend" and id(e) in own:
            kind = "bend"
        elif e.type == "lift":
            styles = {"legs": "lift_legs", "back": "lift_back"}
            kind = styles.get(e.style or "", "bend")  # unsure: a bend down and up, no style
        else:
            continue
        peak = np.nan if e.peak_deg is None else float(e.peak_deg)
        rows.append(((e.start_s + e.end_s) / 2.0, peak, kind))
    return pd.DataFrame(rows, columns=["t_s", "peak_deg", "kind"])


def headline(
    events: Sequence[Event],
    summary: DaySummary | None,
    warnings: Sequence[OverloadWarning],
    deep_bend_deg: float = 60.0,
) -> Headline:
    """Headline numbers from the day's summary (`processing.headline`: the terminal's too)."""
    return day_headline(summary, events, len(warnings), deep_bend_deg)


def warnings_table(warnings: Sequence[OverloadWarning], lang: str, tz: dt.tzinfo) -> pd.DataFrame:
    """The day's warnings: time (HH:MM local), rule, value, message in `lang`."""
    rows = [
        (
            dt.datetime.fromtimestamp(w.t_s, tz).strftime("%H:%M"),
            w.rule,
            figure_text(w.rule, w.value, lang),
            warning_text(w, lang),
        )
        for w in sorted(warnings, key=lambda w: w.t_s)
    ]
    return pd.DataFrame(rows, columns=["time", "rule", "value", "message"])


def references_table(refs: Sequence[StoredReference], tz: dt.tzinfo) -> pd.DataFrame:
    """Kept references: sensor ('' = any), found from ('walking' / 'calibrate'), when, and the
    sensor axis nearest up and forward in words ("-Y, 6° off"), not the vectors."""

    def axis(v: Sequence[float]) -> str:
        near = calibration_view.nearest_axis(list(v))
        return f"{near.axis}, {near.off_deg:.0f}°"

    rows = [
        (
            r.sensor,
            r.origin,
            dt.datetime.fromtimestamp(r.at_s, tz).strftime("%Y-%m-%d %H:%M") if r.at_s else "–",
            axis(r.calibration.up),
            axis(r.calibration.forward),
        )
        for r in refs
    ]
    return pd.DataFrame(rows, columns=["sensor", "found_from", "found_at", "up", "forward"])


@dataclass(frozen=True)
class LivePanel:
    """What the collector reports right now."""

    state: str
    posture: str | None
    trunk_deg: float | None
    battery_pct: float | None
    since_sample_s: float | None
    since_break_s: float | None
    last_sample_s: float | None = None  # Unix time of the newest sample
    learning: bool = False  # a sensor never seen, before its first walk: trunk_deg is the
    # unsigned tilt from how the session began, provisional (no up/forward reference yet)


def live_panel(status: LiveStatus, now_s: float) -> LivePanel | None:
    """The live facts, or None when the collector is not running (absent, stopped or stale)."""
    state = status.state.strip().lower()
    last = status.last_sample_s
    since_sample = None if last is None else max(0.0, now_s - last)
    fresh = since_sample is not None and since_sample <= STALE_STATUS_S
    if state in STOPPED_STATES and not (state == "" and fresh):
        return None
    if not status.state and not fresh:
        return None
    last_break = status.last_break_s
    ref = last if last is not None else now_s
    return LivePanel(
        state=state or "streaming",
        posture=status.posture or None,
        trunk_deg=status.trunk_deg,
        battery_pct=None if status.battery is None else float(status.battery),
        since_sample_s=since_sample,
        since_break_s=None if last_break is None else max(0.0, ref - last_break),
        last_sample_s=last,
        learning=status.reference == "learning",
    )


def quiet_until(settings: Settings, now_s: float) -> str | None:
    """The end of the quiet hours ("07:00") while they hold warnings back, else None."""
    w = settings.warnings
    engine = RuleEngine(settings.rules, 0.0, w.quiet_start, w.quiet_end, settings.timezone)
    return w.quiet_end if engine.in_quiet_hours(now_s) else None


# -- Progress ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Analysed:
    """Days whose summary was not made the way a day is analysed now (`processing/provenance`):
    by another (or an unrecorded, so earlier) version, or with other settings."""

    other_version: tuple[str, ...] = ()
    other_settings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.other_version or self.other_settings)


def analysed_otherwise(summaries: Sequence[DaySummary], now: Provenance) -> Analysed:
    """The recorded days among `summaries` whose provenance is not `now`, oldest first."""
    version, settings = [], []
    for s in sorted(summaries, key=lambda s: s.day):
        if not recorded(s):
            continue
        if s.provenance.version != now.version:
            version.append(s.day)
        elif s.provenance.settings != now.settings:
            settings.append(s.day)
    return Analysed(tuple(version), tuple(settings))


def progress_frame(
    summaries: Sequence[DaySummary],
    diary: Sequence[DiaryEntry],
    first_day: str,
    last_day: str,
) -> pd.DataFrame:
    """One row per day in [first_day, last_day] (index 'day' as datetime), NaN where unknown."""
    days = pd.date_range(first_day, last_day, freq="D", name="day")
    rows = {pd.Timestamp(s.day): _progress_row(s.metrics) for s in summaries}
    df = pd.DataFrame.from_dict(rows, orient="index", columns=list(PROGRESS_COLUMNS), dtype=float)
    df = df.reindex(days)
    pain = pd.Series({pd.Timestamp(e.day): float(e.pain) for e in diary}, dtype=float)
    df["pain"] = pain.reindex(days)
    df.index.name = "day"
    return df


#: Which progress columns count as better when they go down (True) or up (False).
IMPROVES_WHEN_LOWER: Mapping[str, bool] = {
    "sitting_h": True,
    "longest_bout_min": True,
    "breaks_per_sit_h": False,
    "over60_min": True,
    "back_lifts": True,
    "walking_min": False,
    "steps": False,
    "pain": True,
}


@dataclass(frozen=True)
class Change:
    """A figure's weekly mean now and the week before, and whether that is an improvement."""

    column: str
    before: float
    after: float
    improved: bool


def weekly_changes(frame: pd.DataFrame, min_rel: float = 0.05) -> list[Change] | None:
    """Changes of the last 7 days against the 7 before; None without two weeks of data.

    A change counts when the weekly mean moved by at least `min_rel` of the earlier mean (or by
    any amount from zero), so day-to-day noise is not called progress.
    """
    if len(frame) < 14:
        return None
    last, prev = frame.iloc[-7:], frame.iloc[-14:-7]
    cols = [c for c in IMPROVES_WHEN_LOWER if c in frame]
    if prev[cols].isna().all().all() or last[cols].isna().all().all():
        return None  # one of the two weeks has no data: nothing to compare
    out = []
    for col in cols:
        lower = IMPROVES_WHEN_LOWER[col]
        a, b = prev[col].mean(skipna=True), last[col].mean(skipna=True)
        if not (math.isfinite(a) and math.isfinite(b)):
            continue
        if abs(b - a) < max(min_rel * abs(a), 1e-9):
            continue
        out.append(Change(col, float(a), float(b), (b < a) if lower else (b > a)))
    return out

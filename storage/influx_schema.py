"""How backcoach's values become InfluxDB points, and how InfluxQL rows become values again.

Why a module of its own: the schema is a contract with every dashboard (Grafana included) that
reads the bucket, so it is written down once, next to `docs/storage.md`, and tested without a
server. Functions here are pure: arrays and dataclasses in, line-protocol text out, and back.

Measurements (tags on every point: wearer, sensor, model, placement; time in ns UTC):

    raw      fields x_g, y_g, z_g (float), n (int: samples averaged; 1 at full rate)
    epoch    fields posture (int, index into POSTURES), trunk_deg, side_deg, activity_g, steps
    event    tag type; fields end_s, duration_s, peak_deg, style, steps, attr_<name>; time = start
    summary  fields day (string) and one float per metric; time = the day's 00:00 UTC
    warning  tag rule; fields value, variant, figures (JSON), note; no words (`backcoach.i18n`
             makes them where read); points written before hold message_en, message_nl
    diary    fields day, pain, note, water, breaks_planned, stress; time = the day's 00:00 UTC
    status   tag key; fields value (string), updated_s; time = 00:00 UTC of the day written

Identity = measurement + tags + time, so rewriting the same data overwrites it (InfluxDB keeps the
last write of a point). NaN and ±inf cannot be written as floats; such fields are left out and
named in a string field `nonfinite` (JSON `{"name": "nan"}`) so they read back as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from backcoach.errors import ConfigError
from backcoach.processing.metrics import DayMetrics
from backcoach.processing.types import (
    AS_WRITTEN,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Provenance,
    Samples,
)
from backcoach.storage.line_protocol import escape_name, escape_tag, quote, tag_problem

RAW, EPOCH, EVENT, SUMMARY, WARNING, DIARY, STATUS = (
    "raw",
    "epoch",
    "event",
    "summary",
    "warning",
    "diary",
    "status",
)
MEASUREMENTS: tuple[str, ...] = (RAW, EPOCH, EVENT, SUMMARY, WARNING, DIARY, STATUS)
#: Measurements whose points carry a sample/epoch/event time (deleted by `delete_range`).
TIMED: tuple[str, ...] = (RAW, EPOCH, EVENT, WARNING)

DOWNSAMPLED_HZ = 5.0  # raw = "downsampled": 0.2 s means, enough to draw the trunk's movement
POINTS_PER_BODY = 5000  # one outbox row / one request item; ~250 kB of text
NS = 1_000_000_000
ATTR_PREFIX = "attr_"


@dataclass(frozen=True)
class Tags:
    """The low-cardinality tags every point carries; empty values become 'unknown'."""

    wearer: str
    sensor: str = ""
    model: str = ""
    placement: str = ""

    def __post_init__(self) -> None:
        for name in ("wearer", "sensor", "model", "placement"):
            problem = tag_problem(getattr(self, name))
            if problem:
                raise ConfigError(
                    f"the {name} name {getattr(self, name)!r} cannot be stored in InfluxDB: "
                    f"{problem}; choose another name"
                )

    def prefix(self, measurement: str) -> str:
        """`measurement,placement=..,model=..,...` with tags sorted by key, as InfluxDB prefers."""
        tags = {
            "model": self.model or "unknown",
            "placement": self.placement or "unknown",
            "sensor": self.sensor or "unknown",
            "wearer": self.wearer or "unknown",
        }
        return escape_name(measurement) + "".join(
            f",{escape_tag(k)}={escape_tag(v)}" for k, v in sorted(tags.items())
        )


# -- time -----------------------------------------------------------------------------------------
def to_ns(t_s: np.ndarray | float) -> np.ndarray:
    """Unix seconds → int64 ns, exactly: whole seconds and fraction are converted apart.

    `t_s * 1e9` in float64 would be off by up to 256 ns; this way `from_ns(to_ns(t))` gives
    back the very same float for any Unix time after February 1970 (where a double's spacing
    exceeds 1 ns), so a rewrite hits the same point and reads compare equal.
    """
    t = np.asarray(t_s, dtype=np.float64)
    whole = np.floor(t)
    return whole.astype(np.int64) * NS + np.rint((t - whole) * NS).astype(np.int64)


def from_ns(t_ns: np.ndarray | int) -> np.ndarray:
    """int64 ns → Unix seconds (float64), the inverse of `to_ns`."""
    t = np.asarray(t_ns, dtype=np.int64)
    return (t // NS).astype(np.float64) + (t % NS).astype(np.float64) / NS


def day_ns(day: str) -> int:
    """The ISO day's 00:00 UTC in ns: a time-zone-free point time for per-day rows."""
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()) * NS


def ns_day(t_ns: int) -> str:
    return dt.datetime.fromtimestamp(int(t_ns) // NS, dt.UTC).date().isoformat()


def _field(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return f"{int(value)}i"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return quote(str(value))


def point(prefix: str, fields: Mapping[str, object], t_ns: int) -> str:
    """One line of line protocol; None values are left out, non-finite floats go to `nonfinite`.

    InfluxDB merges a rewritten point field by field, so a rewrite with fewer fields (an event
    whose attributes changed) would keep stale ones. The string field `fields` lists what this
    write holds (JSON), and readers ignore anything else.
    """
    parts, odd, names = [], {}, []
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, float) and not math.isfinite(value):
            odd[key] = repr(value)
            continue
        parts.append(f"{escape_tag(key)}={_field(value)}")
        names.append(key)
    if odd:
        parts.append(f"nonfinite={quote(json.dumps(odd))}")
        names.append("nonfinite")
    parts.append(f"fields={quote(json.dumps(names))}")
    return f"{prefix} {','.join(parts)} {int(t_ns)}"


# -- column-wise encoding (raw samples, epochs) ---------------------------------------------------
def _column_strings(col: np.ndarray) -> list:
    """Values ready for a `%s` template: shortest round-trip text for floats, ints with 'i'."""
    if np.issubdtype(col.dtype, np.integer):
        return np.char.add(col.astype(np.int64).astype(str), "i").tolist()
    # float32 → its own shortest repr, so it reads back as the same float32
    return col.astype(str).tolist()


def encode_columns(
    prefix: str,
    columns: Mapping[str, np.ndarray],
    t_ns: np.ndarray,
    *,
    mark_nonfinite: bool = False,
) -> Iterator[tuple[str, int]]:
    """Line-protocol bodies of at most POINTS_PER_BODY points each, with their point counts.

    Rows are grouped by which float columns are finite, and each group is rendered with one
    `%`-template call over a flat tuple: formatting happens in C, not in a per-sample loop
    (measured 4x faster than NumPy's string ufuncs on 200 000 rows). With `mark_nonfinite`
    every line names its NaN columns in `nonfinite` (`{}` when none), so a rewrite that turns a
    value into NaN, or back, reads back as written (InfluxDB merges rewrites field by field).
    """
    names = list(columns)
    floats = [n for n in names if np.issubdtype(columns[n].dtype, np.floating)]
    finite = np.ones((len(t_ns), len(floats)), dtype=bool)
    for j, n in enumerate(floats):
        finite[:, j] = np.isfinite(columns[n])
    patterns, group = np.unique(finite, axis=0, return_inverse=True)
    for g, pattern in enumerate(patterns):
        missing = [n for n, ok in zip(floats, pattern, strict=True) if not ok]
        present = [n for n in names if n not in missing]
        rows = np.flatnonzero(group.reshape(-1) == g)
        if not present:
            continue
        fields = [f"{escape_tag(n)}=%s" for n in present]
        if mark_nonfinite:
            odd = quote(json.dumps(dict.fromkeys(missing, "nan")))
            fields.append("nonfinite=" + odd.replace("%", "%%"))
        template = prefix.replace("%", "%%") + " " + ",".join(fields) + " %s\n"
        for a in range(0, len(rows), POINTS_PER_BODY):
            idx = rows[a : a + POINTS_PER_BODY]
            table = np.empty((len(idx), len(present) + 1), dtype=object)
            for j, n in enumerate(present):
                table[:, j] = _column_strings(columns[n][idx])
            table[:, -1] = t_ns[idx].tolist()
            yield (template * len(idx)) % tuple(table.ravel().tolist()), len(idx)


def samples_columns(samples: Samples, mode: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Raw acceleration at the configured resolution: 'full', 'downsampled' or 'off'."""
    if mode == "off" or len(samples) == 0:
        return {}, np.empty(0, np.int64)
    acc = samples.acc_g
    if mode == "full":
        n = np.ones(len(samples), np.int64)
        t_ns = to_ns(samples.t_s)
    else:
        # 0.2 s bins on absolute time, so a rewrite lands on the same points
        bins = np.floor(samples.t_s * DOWNSAMPLED_HZ).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
        n = np.diff(np.r_[starts, len(bins)]).astype(np.int64)
        acc = (np.add.reduceat(acc.astype(np.float64), starts, axis=0) / n[:, None]).astype(
            np.float32
        )
        t_ns = bins[starts] * int(NS / DOWNSAMPLED_HZ)
    acc = np.round(acc.astype(np.float64), 4).astype(np.float32)  # 0.1 milli-g is plenty
    return {"x_g": acc[:, 0], "y_g": acc[:, 1], "z_g": acc[:, 2], "n": n}, t_ns


def epochs_columns(epochs: Epochs) -> dict[str, np.ndarray]:
    return {
        "posture": epochs.posture.astype(np.int64),
        "trunk_deg": epochs.trunk_deg,
        "side_deg": epochs.side_deg,
        "activity_g": epochs.activity_g,
        "steps": epochs.steps.astype(np.int64),
    }


# -- one point per item (events, summaries, warnings, diary, status) ------------------------------
def event_line(tags: Tags, e: Event) -> str:
    fields: dict[str, object] = {
        "end_s": e.end_s,
        "duration_s": e.duration_s,
        "peak_deg": e.peak_deg,
        "style": e.style,
        "steps": e.steps,
    }
    fields.update({ATTR_PREFIX + k: float(v) for k, v in e.attrs.items()})
    prefix = tags.prefix(EVENT) + f",type={escape_tag(e.type)}"
    return point(_sorted_tags(prefix), fields, int(to_ns(e.start_s)))


def summary_line(tags: Tags, s: DaySummary) -> str:
    fields: dict[str, object] = {"day": s.day}
    fields.update(s.metrics.as_row())
    fields[VERSION] = s.provenance.version or None  # None: left out (not known)
    fields[SETTINGS] = s.provenance.settings or None
    return point(tags.prefix(SUMMARY), fields, day_ns(s.day))


def warning_line(tags: Tags, w: OverloadWarning) -> str:
    figures = json.dumps(dict(w.figures))
    fields = {"value": float(w.value), "variant": w.variant, "figures": figures, "note": w.note}
    prefix = _sorted_tags(tags.prefix(WARNING) + f",rule={escape_tag(w.rule)}")
    return point(prefix, fields, int(to_ns(w.t_s)))


def diary_line(tags: Tags, d: DiaryEntry) -> str:
    fields = {
        "day": d.day,
        "pain": int(d.pain),
        "note": d.note,
        "water": bool(d.water),
        "breaks_planned": bool(d.breaks_planned),
        "stress": None if d.stress is None else int(d.stress),
    }
    return point(tags.prefix(DIARY), fields, day_ns(d.day))


def status_line(tags: Tags, key: str, value: str, t_s: float) -> str:
    """A live fact, stamped with the start of its UTC day: the collector updates status twice a
    second, and one point per key and day (overwritten) keeps that from piling up."""
    prefix = _sorted_tags(tags.prefix(STATUS) + f",key={escape_tag(key)}")
    day_start_ns = int(t_s // 86400) * 86400 * NS
    return point(prefix, {"value": str(value), "updated_s": float(t_s)}, day_start_ns)


def _sorted_tags(prefix: str) -> str:
    """Re-sort the tag part of `measurement,tag=..` after adding a tag (escape-aware split)."""
    parts = _split_unescaped(prefix, ",")
    return ",".join([parts[0], *sorted(parts[1:])])


def _split_unescaped(s: str, sep: str) -> list[str]:
    out, cur, i = [], [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur.append(s[i : i + 2])
            i += 2
            continue
        if c == sep:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


# -- decoding InfluxQL rows -----------------------------------------------------------------------
Rows = list[dict[str, object]]


TAG_COLUMNS = frozenset({"time", "model", "placement", "sensor", "wearer", "type", "rule", "key"})


def _nonfinite(row: Mapping[str, object]) -> dict[str, float]:
    raw = row.get("nonfinite")
    if not isinstance(raw, str) or raw == "{}":
        return {}
    return {k: float(v) for k, v in json.loads(raw).items()}


def fresh(row: Mapping[str, object]) -> dict[str, object]:
    """The row without fields an earlier write of the same point left behind (see `point`)."""
    listed = row.get("fields")
    if not isinstance(listed, str):
        return dict(row)
    keep = set(json.loads(listed)) | TAG_COLUMNS
    return {k: v for k, v in row.items() if k in keep}


def rows_to_samples(rows: Rows) -> Samples:
    if not rows:
        return Samples.empty()
    t_ns = np.array([r["time"] for r in rows], dtype=np.int64)
    acc = np.array([[r["x_g"], r["y_g"], r["z_g"]] for r in rows], dtype=np.float64)
    t_ns, keep = np.unique(t_ns, return_index=True)
    return Samples(from_ns(t_ns), acc[keep])


def rows_to_epochs(rows: Rows) -> Epochs:
    if not rows:
        return Epochs.empty()
    t_ns = np.array([r["time"] for r in rows], dtype=np.int64)
    cols = {
        name: np.array([np.nan if r.get(name) is None else r[name] for r in rows], np.float64)
        for name in ("posture", "trunk_deg", "side_deg", "activity_g", "steps")
    }
    for r_i, r in enumerate(rows):
        for k, v in _nonfinite(r).items():
            cols[k][r_i] = v
    # a point written twice under different sensor tags is still one epoch: keep the last
    order = np.argsort(t_ns, kind="stable")
    t_sorted = t_ns[order]
    last = order[np.r_[t_sorted[1:] != t_sorted[:-1], True]]
    return Epochs(
        t_s=from_ns(t_ns[last]),
        posture=np.nan_to_num(cols["posture"][last]).astype(np.int8),
        trunk_deg=cols["trunk_deg"][last],
        side_deg=cols["side_deg"][last],
        activity_g=cols["activity_g"][last],
        steps=np.nan_to_num(cols["steps"][last]).astype(np.int16),
    )


def row_to_event(r: Mapping[str, object]) -> Event:
    r = fresh(r)
    attrs = {
        k[len(ATTR_PREFIX) :]: float(v)
        for k, v in r.items()
        if k.startswith(ATTR_PREFIX) and v is not None
    }
    for k, v in _nonfinite(r).items():
        if k.startswith(ATTR_PREFIX):
            attrs[k[len(ATTR_PREFIX) :]] = v
    start = float(from_ns(int(r["time"])))
    return Event(
        type=str(r["type"]),
        start_s=start,
        end_s=float(r["end_s"]),
        peak_deg=None if r.get("peak_deg") is None else float(r["peak_deg"]),
        style=r.get("style") or None,
        steps=None if r.get("steps") is None else int(r["steps"]),
        attrs=dict(sorted(attrs.items())),
    )


VERSION, SETTINGS = "pipeline_version", "settings_digest"  # a summary's provenance fields
SUMMARY_META = TAG_COLUMNS | {"day", "nonfinite", "fields", VERSION, SETTINGS}


def row_to_summary(r: Mapping[str, object]) -> DaySummary:
    r = fresh(r)
    metrics = {k: float(v) for k, v in r.items() if k not in SUMMARY_META and v is not None}
    metrics.update(_nonfinite(r))
    day = str(r.get("day") or ns_day(int(r["time"])))
    made = Provenance(str(r.get(VERSION) or ""), str(r.get(SETTINGS) or ""))
    return DaySummary(day=day, metrics=DayMetrics.from_row(metrics), provenance=made)


def row_to_warning(r: Mapping[str, object]) -> OverloadWarning:
    r = fresh(r)
    value = _nonfinite(r).get("value", r.get("value"))
    return OverloadWarning(
        t_s=float(from_ns(int(r["time"]))),
        rule=str(r["rule"]),
        value=float(value if value is not None else math.nan),
        **_warning_words(r),
    )


def _warning_words(r: Mapping[str, object]) -> dict[str, object]:
    """Variant, figures and note; a point written as two sentences (message_en, message_nl)
    keeps them as figures of the variant `AS_WRITTEN`, read back by `i18n.warning_text`."""
    if r.get("variant") is not None:
        figures = json.loads(str(r.get("figures") or "{}"))
        return {"variant": str(r["variant"]), "figures": figures, "note": str(r.get("note") or "")}
    en, nl = str(r.get("message_en") or ""), str(r.get("message_nl") or "")
    return {"variant": AS_WRITTEN, "figures": {"en": en, "nl": nl}}


def row_to_diary(r: Mapping[str, object]) -> DiaryEntry:
    r = fresh(r)
    return DiaryEntry(
        day=str(r.get("day") or ns_day(int(r["time"]))),
        pain=int(r["pain"]),
        note=str(r.get("note") or ""),
        water=bool(r.get("water")),
        breaks_planned=bool(r.get("breaks_planned")),
        stress=None if r.get("stress") is None else int(r["stress"]),
    )


def dedupe(items: Sequence, key) -> list:
    """Keep the last item per key, in first-seen order (a point under two sensor tags)."""
    out: dict = {}
    for it in items:
        k = key(it)
        out.pop(k, None)
        out[k] = it
    return sorted(out.values(), key=key)

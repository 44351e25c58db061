"""The values that travel between backcoach's parts: samples in, epochs and events out.

Every other package speaks in these types, so they are kept small, frozen and free of I/O.
Units and frames are in the names: `_s` seconds, `_deg` degrees, `_g` standard gravity.
Time is float64 seconds in the input's own time base: seconds since the Unix epoch for live
sessions and the simulator, seconds from the first sample for files that gave relative times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from backcoach.processing.metrics import METRICS, DayMetrics

#: Posture codes of an epoch; `Epochs.posture` stores the index into this tuple.
POSTURES: tuple[str, ...] = ("lying", "sitting", "standing", "walking", "running", "other")
POSTURE_CODE: Mapping[str, int] = {name: i for i, name in enumerate(POSTURES)}

#: Event types written to events.json and to the stores. `memory` and `imported` mark where the
#: samples of a stretch came from: read back from the sensor's own memory after it was out of
#: range, or taken in from a file (`backcoach import`); the pipeline itself never makes them.
EVENT_TYPES: tuple[str, ...] = (
    "sitting_bout",
    "lying",
    "walk",
    "bend",
    "lift",
    "static",
    "gap",
    "memory",
    "imported",
)

#: Where the sensor is worn; thresholds differ per placement.
PLACEMENTS: tuple[str, ...] = ("lower_back", "waist", "upper_back", "chest")

#: A lift's pattern: stoop-like (`back`), squat-like (`legs`), or the figures disagree (`unsure`).
LIFT_STYLES: tuple[str, ...] = ("back", "legs", "unsure")

EPOCH_S = 1.0


@dataclass(frozen=True)
class Samples:
    """A block of raw accelerometer samples: times (n,) and accelerations (n, 3) in g."""

    t_s: np.ndarray
    acc_g: np.ndarray

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64).reshape(-1)
        a = np.asarray(self.acc_g, dtype=np.float32)
        if a.ndim != 2 or a.shape[1] != 3:
            raise ValueError(f"acc_g must have shape (n, 3), got {a.shape}")
        if a.shape[0] != t.shape[0]:
            raise ValueError(f"t_s has {t.shape[0]} samples but acc_g has {a.shape[0]}")
        object.__setattr__(self, "t_s", t)
        object.__setattr__(self, "acc_g", a)

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def empty(cls) -> Samples:
        return cls(np.empty(0), np.empty((0, 3), np.float32))

    @classmethod
    def concat(cls, parts: Iterable[Samples]) -> Samples:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.t_s for p in parts]), np.concatenate([p.acc_g for p in parts]))


_EPOCH_COLUMNS = {
    "t_s": np.float64,
    "posture": np.int8,
    "trunk_deg": np.float32,
    "side_deg": np.float32,
    "activity_g": np.float32,
    "steps": np.int16,
}


@dataclass(frozen=True)
class Epochs:
    """Per-second results, column-wise.

    t_s        start of each 1 s epoch (input time base)
    posture    index into POSTURES
    trunk_deg  forward inclination against the wearer's upright, positive forward
    side_deg   sideways inclination, positive to the wearer's right
    activity_g intensity: mean absolute deviation of the acceleration magnitude in the epoch
    steps      steps counted in the epoch
    """

    t_s: np.ndarray
    posture: np.ndarray
    trunk_deg: np.ndarray
    side_deg: np.ndarray
    activity_g: np.ndarray
    steps: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for name, dtype in _EPOCH_COLUMNS.items():
            col = np.asarray(getattr(self, name), dtype=dtype).reshape(-1)
            object.__setattr__(self, name, col)
            if n is None:
                n = col.shape[0]
            elif col.shape[0] != n:
                raise ValueError(f"Epochs column {name} has {col.shape[0]} rows, expected {n}")

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @classmethod
    def empty(cls) -> Epochs:
        return cls(**{name: np.empty(0, dtype) for name, dtype in _EPOCH_COLUMNS.items()})

    @classmethod
    def concat(cls, parts: Iterable[Epochs]) -> Epochs:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(**{n: np.concatenate([getattr(p, n) for p in parts]) for n in _EPOCH_COLUMNS})

    def select(self, mask_or_index: np.ndarray | slice) -> Epochs:
        """Rows picked by a boolean mask, an index array or a slice."""
        return Epochs(**{n: getattr(self, n)[mask_or_index] for n in _EPOCH_COLUMNS})

    def between(self, start_s: float, end_s: float) -> Epochs:
        """Epochs whose start lies in [start_s, end_s)."""
        return self.select((self.t_s >= start_s) & (self.t_s < end_s))

    def posture_names(self) -> np.ndarray:
        return np.asarray(POSTURES, dtype=object)[self.posture]

    def columns(self) -> dict[str, np.ndarray]:
        """The columns by name, e.g. for a DataFrame."""
        return {n: getattr(self, n) for n in _EPOCH_COLUMNS}

    @staticmethod
    def column_names() -> tuple[str, ...]:
        return tuple(_EPOCH_COLUMNS)


@dataclass(frozen=True)
class Event:
    """Something with a start and an end: a sitting bout, a bend, a lift, a walk, a gap ...

    `peak_deg` is set on bends and lifts, `style` ('back', 'legs' or 'unsure') on lifts, `steps`
    on walks; further figures (time over 20/45/60°, cadence, mean angle, ...) go in `attrs`.
    Two events are the same event when type and start are equal: stores use that as the key,
    so writing an event twice overwrites it.
    """

    type: str
    start_s: float
    end_s: float
    peak_deg: float | None = None
    style: str | None = None
    steps: int | None = None
    attrs: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}; expected one of {EVENT_TYPES}")
        if self.style is not None and self.style not in LIFT_STYLES:
            raise ValueError(f"unknown lift style {self.style!r}; expected one of {LIFT_STYLES}")
        if self.end_s < self.start_s:
            raise ValueError(f"event ends ({self.end_s}) before it starts ({self.start_s})")
        object.__setattr__(self, "start_s", float(self.start_s))
        object.__setattr__(self, "end_s", float(self.end_s))
        object.__setattr__(self, "attrs", {k: float(v) for k, v in dict(self.attrs).items()})

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def shifted(self, offset_s: float) -> Event:
        """The same event in another time base."""
        return replace(self, start_s=self.start_s + offset_s, end_s=self.end_s + offset_s)

    def to_dict(self) -> dict[str, Any]:
        """The events.json form: only the fields that are set."""
        out: dict[str, Any] = {"type": self.type, "start": self.start_s, "end": self.end_s}
        if self.peak_deg is not None:
            out["peak_angle"] = round(float(self.peak_deg), 2)
        if self.style is not None:
            out["style"] = self.style
        if self.steps is not None:
            out["steps"] = int(self.steps)
        for k, v in self.attrs.items():
            out[k] = round(v, 4)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Event:
        known = {"type", "start", "end", "peak_angle", "style", "steps"}
        return cls(
            type=d["type"],
            start_s=float(d["start"]),
            end_s=float(d["end"]),
            peak_deg=None if d.get("peak_angle") is None else float(d["peak_angle"]),
            style=d.get("style"),
            steps=None if d.get("steps") is None else int(d["steps"]),
            attrs={k: float(v) for k, v in d.items() if k not in known and v is not None},
        )


@dataclass(frozen=True)
class PipelineOutput:
    """What the pipeline gives back for a block of input: finished epochs and finished events."""

    epochs: Epochs
    events: tuple[Event, ...] = ()

    @classmethod
    def empty(cls) -> PipelineOutput:
        return cls(Epochs.empty(), ())

    @classmethod
    def concat(cls, parts: Sequence[PipelineOutput]) -> PipelineOutput:
        return cls(
            Epochs.concat(p.epochs for p in parts),
            tuple(e for p in parts for e in p.events),
        )


@dataclass(frozen=True)
class Calibration:
    """The wearer's upright and forward directions as unit vectors in the sensor's own axes."""

    up: tuple[float, float, float]
    forward: tuple[float, float, float]
    source: str = "calibration"  # "calibration" (guided) or "auto" (found from the data)


@dataclass(frozen=True)
class Provenance:
    """The version that analysed a result and its settings digest (`provenance.py`); "" where
    not known (a result stored before provenance was kept)."""

    version: str = ""
    settings: str = ""

    @property
    def known(self) -> bool:
        return bool(self.version)

    def header(self) -> str:
        """One comment line for a results file (CSV readers skip it: `comment="#"`)."""
        return f"# backcoach {self.version or '?'}; settings {self.settings or '?'}"


@dataclass(frozen=True)
class DaySummary:
    """One day's guidance metrics (`metrics.DayMetrics`: the fields and their stored keys)."""

    day: str  # ISO date in the wearer's time zone
    metrics: DayMetrics = DayMetrics()
    provenance: Provenance = Provenance()  # set by the wiring that stores or writes the day

    def __post_init__(self) -> None:
        if not isinstance(self.metrics, DayMetrics):  # a mapping by stored key: strict
            row = dict(self.metrics)
            unknown = set(row) - set(METRICS)
            if unknown:
                raise ValueError(
                    f"unknown daily metrics {sorted(unknown)}; see processing/metrics.py"
                )
            object.__setattr__(self, "metrics", DayMetrics.from_row(row))


#: The variant of a warning stored as finished sentences before warnings kept their figures
#: (SQLite schema 2, InfluxDB fields message_en/message_nl): its figures are {"en", "nl"}.
AS_WRITTEN = "as_written"
#: Where a warning's time or confirmation came from, when it is not the live pipeline's.
NOTES: tuple[str, ...] = ("provisional", "memory", "imported")


@dataclass(frozen=True)
class OverloadWarning:
    """A warning that fired: when, which rule, the figure that triggered it, and which of the
    rule's messages with what figures (no words).

    Why no words: the reader's language and the current wording are chosen where the warning
    is shown (`backcoach.i18n.warning_text`), so a stored warning reads right after its text
    is improved. `figures` fill the message of (`rule`, `variant`): minutes, degrees, the
    posture's name, a day. `note` is one of `NOTES` or "": "provisional" (delivered ahead of
    the pipeline, which did not confirm it), "memory" / "imported" (a past moment, filled in from
    the sensor's memory or an imported file).
    """

    t_s: float
    rule: str  # "G1" ... "G10"
    value: float
    variant: str = ""
    figures: Mapping[str, float | str] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "figures", dict(self.figures))


@dataclass(frozen=True)
class DiaryEntry:
    """What the wearer wrote down for a day (guidance G8 and G11)."""

    day: str  # ISO date
    pain: int  # 0-10
    note: str = ""
    water: bool = False
    breaks_planned: bool = False
    stress: int | None = None  # 0-10

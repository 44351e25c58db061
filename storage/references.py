"""Each sensor's reference (the wearer's up and forward in its axes), kept between sessions.

Why: finding up and forward from walking takes about 20 s of it; until then a live session can
only hold its epochs back. A sensor seen before starts right instead: the last reference found
for it (from walking, or from `backcoach calibrate`) is handed to the pipeline as its starting
reference, and saved again whenever the pipeline finds a new one.

Every stored reference is handed over with `source = "stored"`, never "calibration": the
pipeline's re-mount check then still compares it with the first walking, and replaces it when
walking stays far from its up (the sensor was put on differently since). That holds for a guided
calibration too: it is the wearer's word for the way the sensor sat during `calibrate`, but a
sensor comes off and goes back on between sessions; a stale calibration that could never be
replaced would give wrong angles all day, while a right one never trips the check (walking
stays within a few degrees of upright, the check needs 35° for 10 s).

Kept as status rows (`reference.<address>`, JSON), next to the guided calibration from a file
(`calibration`, which has no sensor), so both stores keep them without a schema change.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from backcoach.errors import StoreUnavailable
from backcoach.processing.types import Calibration
from backcoach.storage.base import Store
from backcoach.storage.status import CALIBRATION, REFERENCE_PREFIX

log = logging.getLogger(__name__)

STORED = "stored"  # Calibration.source of a reference handed over from an earlier session
ORIGINS = ("walking", "calibrate")


@dataclass(frozen=True)
class StoredReference:
    """A reference as kept: for which sensor ('' = any), found how and when."""

    calibration: Calibration
    sensor: str
    origin: str  # "walking" or "calibrate"
    at_s: float  # when it was found (Unix seconds; 0 = unknown)


def key_for(sensor: str) -> str:
    return REFERENCE_PREFIX + sensor.upper() if sensor else CALIBRATION


def reference_status(
    cal: Calibration, *, sensor: str = "", origin: str, at_s: float
) -> tuple[str, str]:
    """The status row (key, value) that keeps `cal` as `sensor`'s reference."""
    if origin not in ORIGINS:
        raise ValueError(f"origin {origin!r} is not one of {ORIGINS}")
    value = {"up": list(cal.up), "forward": list(cal.forward), "origin": origin, "at_s": at_s}
    return key_for(sensor), json.dumps(value)


def save_reference(
    store: Store, cal: Calibration, *, sensor: str = "", origin: str, at_s: float
) -> None:
    """Keep `cal` as `sensor`'s reference ('' = the file calibration for any sensor)."""
    store.write_status(*reference_status(cal, sensor=sensor, origin=origin, at_s=at_s))


def read_references(store: Store) -> list[StoredReference]:
    """Every reference kept, oldest first; an unreadable one is skipped with a warning."""
    refs = []
    for key, raw in store.read_status().items():
        if key != CALIBRATION and not key.startswith(REFERENCE_PREFIX):
            continue
        sensor = key[len(REFERENCE_PREFIX) :] if key != CALIBRATION else ""
        try:
            d = json.loads(raw)
            cal = Calibration(_unit3(d["up"]), _unit3(d["forward"]), source=STORED)
            origin = str(d.get("origin", "calibrate"))  # rows before origins were kept
            refs.append(StoredReference(cal, sensor, origin, float(d.get("at_s", 0.0))))
        except (ValueError, KeyError, TypeError):
            log.warning("the kept reference %r is unreadable; run `backcoach calibrate`", key)
    return sorted(refs, key=lambda r: r.at_s)


def load_reference(store: Store, sensor: str = "") -> StoredReference | None:
    """The newest reference that applies to `sensor`: its own, or a file calibration."""
    try:
        refs = read_references(store)
    except StoreUnavailable as exc:
        log.warning("no kept reference read (%s); it is found from walking instead", exc)
        return None
    fits = [r for r in refs if r.sensor in ("", sensor.upper())]
    return fits[-1] if fits else None


def saved_calibration(store: Store) -> Calibration | None:
    """The newest guided calibration (`backcoach calibrate`), for any sensor, as the wearer's
    word (`source="calibration"`: `analyze --calibration saved` does not re-check it)."""
    done = [r for r in read_references(store) if r.origin == "calibrate"]
    if not done:
        return None
    cal = done[-1].calibration
    return Calibration(cal.up, cal.forward, source="calibration")


def _unit3(v: object) -> tuple[float, float, float]:
    """Three finite numbers of length about 1, else ValueError."""
    x, y, z = (float(c) for c in v)  # type: ignore[union-attr]
    norm = (x * x + y * y + z * z) ** 0.5
    if not 0.9 < norm < 1.1:
        raise ValueError(f"not a unit vector: {v}")
    return (x / norm, y / norm, z / norm)

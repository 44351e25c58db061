"""Writes a store would not take before a run ended: saved to disk, and written on the next start.

Why: a live run keeps refused writes in memory and retries them, but a process ends. What it
still holds when it must end (the store locked or full for longer than `finish()` retries) is
saved here instead of being thrown away, as a small embedded store of its own in
`<data dir>/unsaved/`, owner-only like the rest of the data. The next live run (`collect`, `demo`)
claims each file (an atomic rename, so two processes never both take one), writes its contents
through its own backlog, and summarises the days it names.

A spill file holds the same tables as `backcoach.sqlite`; raw samples are kept there at its
resolution (1 milli-g), which is also the embedded store's.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from backcoach.errors import StoreUnavailable
from backcoach.processing.types import DaySummary, Epochs, Event, OverloadWarning, Samples
from backcoach.storage.base import Store
from backcoach.storage.private import private_dir
from backcoach.storage.sqlite import SQLiteStore
from backcoach.storage.status import SPILL_DAYS, SPILL_SESSION

log = logging.getLogger(__name__)

FOLDER = "unsaved"
SUFFIX = ".sqlite"
CLAIMED = ".restoring"
EVERYTHING = (-1e300, 1e300)

#: One write a live run holds: (kind, payload), kind naming the Store's write method
#: ("samples" with payload (Samples, session), "epochs", "events", "warnings", "summary").
Write = tuple[str, object]


@dataclass
class Spilled:
    """What a spill file held: the writes in order and the days still to summarise."""

    path: Path
    writes: list[Write]
    days: set[str]
    session: str


def write_to(store: Store, kind: str, payload: object) -> None:
    """Apply one held write to a store (the main one, or a spill file)."""
    if kind == "samples":
        samples, session = payload  # type: ignore[misc]
        store.write_samples(samples, session=session)
    elif kind == "epochs":
        store.write_epochs(payload)  # type: ignore[arg-type]
    elif kind == "events":
        store.write_events(payload)  # type: ignore[arg-type]
    elif kind == "warnings":
        store.write_warnings(payload)  # type: ignore[arg-type]
    elif kind == "summary":
        store.write_summary(payload)  # type: ignore[arg-type]
    elif kind == "status":
        store.write_status(*payload)  # type: ignore[misc]
    else:  # pragma: no cover - a programming error
        raise ValueError(f"unknown write {kind!r}")


def save(
    data_dir: Path, session: str, writes: Iterable[Write], status: dict[str, str], days: set[str]
) -> Path:
    """Save writes (and status facts, and days to summarise) in a new spill file; its path."""
    folder = private_dir(Path(data_dir) / FOLDER)
    name = f"{_safe(session) or 'run'}-{time.time_ns()}{SUFFIX}"
    store = SQLiteStore(folder / name)
    try:
        for kind, payload in writes:
            write_to(store, kind, payload)
        for key, value in status.items():
            store.write_status(key, value)
        store.write_status(SPILL_DAYS, ",".join(sorted(days)))
        store.write_status(SPILL_SESSION, session)
    finally:
        store.close()
    return folder / name


def claim_all(data_dir: Path) -> Iterator[Spilled]:
    """Take every spill file of this data directory (one process each), read it, remove it."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        claimed = path.with_name(path.name + CLAIMED)
        try:
            os.rename(path, claimed)
        except OSError:
            continue  # another process took it
        try:
            spilled = _read(claimed)
        except StoreUnavailable as exc:
            os.rename(claimed, path)  # leave it for a later start
            log.warning("cannot read the saved writes in %s (%s); left for later", path.name, exc)
            continue
        spilled.path = path
        yield spilled
        for p in claimed.parent.glob(claimed.name + "*"):  # with its -wal and -shm
            p.unlink(missing_ok=True)
        claimed.unlink(missing_ok=True)


def _read(path: Path) -> Spilled:
    store = SQLiteStore(path)
    try:
        status = store.read_status()
        writes: list[Write] = []
        samples: Samples = store.read_samples(*EVERYTHING)
        epochs: Epochs = store.read_epochs(*EVERYTHING)
        events: list[Event] = store.read_events(*EVERYTHING)
        warnings: list[OverloadWarning] = store.read_warnings(*EVERYTHING)
        summaries: list[DaySummary] = store.read_summaries("0000-00-00", "9999-99-99")
        session = status.get(SPILL_SESSION, "")
        for kind, payload, n in (
            ("samples", (samples, session), len(samples)),
            ("epochs", epochs, len(epochs)),
            ("events", events, len(events)),
            ("warnings", warnings, len(warnings)),
        ):
            if n:
                writes.append((kind, payload))
        writes.extend(("summary", s) for s in summaries)
        writes.extend(
            ("status", (k, v)) for k, v in status.items() if k not in (SPILL_DAYS, SPILL_SESSION)
        )
        days = {d for d in status.get(SPILL_DAYS, "").split(",") if d}
        return Spilled(path, writes, days, session)
    finally:
        store.close()


def _safe(text: str) -> str:
    """A file-name-safe version of a session name."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60]

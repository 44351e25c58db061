"""A live run's writes, in order, held in memory while the store refuses them.

Why: a locked file, a full disk or a full outbox must not stop a collection, nor lose what it
measured. Every write of a live run (raw samples, epochs, events, warnings, summaries, status
facts) goes through one `Backlog`: written at once when the store takes it, else kept in order
and written before anything newer (status facts last, only the latest of each key kept). What
it still holds when a run must end is saved to disk (`save`, see `spill.py`); the next run takes
it over (`restore`) and writes it first.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING

from backcoach.errors import StoreUnavailable
from backcoach.live import spill

if TYPE_CHECKING:
    from backcoach.storage.base import Store

log = logging.getLogger(__name__)


class Backlog:
    """Writes to `store` in order; `len()` is how many it holds (non-zero only while the store
    refuses writes)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._writes: deque[spill.Write] = deque()  # writes the store has not taken yet
        self._status: dict[str, str] = {}  # status facts not written yet (the latest wins)
        self._store_down: str | None = None  # the store's refusal, said once
        self.stored_through_s = float("-inf")  # raw samples up to here are in the store

    def __len__(self) -> int:
        return len(self._writes) + len(self._status)

    @property
    def holds_writes(self) -> bool:
        """Data writes wait (status facts aside): a summary read now would miss them."""
        return bool(self._writes)

    def write(self, kind: str, payload: object) -> None:
        """Queue a write and drain the queue in order; a refusing store keeps it for later."""
        self._writes.append((kind, payload))
        self.drain()

    def put_status(self, key: str, value: str) -> None:
        """A status row; while the store refuses, only the latest of each key is kept."""
        self._status[key] = value
        if not self._writes:
            self.drain()

    def drain(self) -> None:
        """Write what is held; a refusal is logged once and the writes stay held."""
        try:
            self.drain_or_raise()
        except StoreUnavailable as exc:
            if self._store_down is None:
                log.warning("%s; keeping the data in memory and retrying", exc)
            self._store_down = str(exc)

    def drain_or_raise(self) -> None:
        """Write the backlog in order (status facts last); raise when the store refuses."""
        while self._writes:
            kind, payload = self._writes[0]
            spill.write_to(self.store, kind, payload)
            self._writes.popleft()
            if kind == "samples":
                self.stored_through_s = float(payload[0].t_s[-1])  # type: ignore[index]
        while self._status:
            key, value = next(iter(self._status.items()))
            self.store.write_status(key, value)
            if self._status.get(key) == value:
                del self._status[key]
        if self._store_down is not None:
            log.info("the store takes writes again; the backlog is written")
            self._store_down = None

    def save(self, data_dir: Path, session: str, days: set[str]) -> Path:
        """Save what is held (and the days still to summarise) to a spill file, then hold
        nothing; its path. Raises StoreUnavailable or OSError when it cannot, holding all."""
        path = spill.save(data_dir, session, self._writes, self._status, days)
        self._writes.clear()
        self._status.clear()
        return path

    def restore(self, data_dir: Path) -> set[str]:
        """Take over the writes earlier runs saved to disk (ahead of this run's); the days
        they could not summarise. Nothing is written yet (`drain`)."""
        days: set[str] = set()
        for saved in spill.claim_all(data_dir):
            log.info(
                "writing %d saved writes from %s (an earlier run could not)",
                len(saved.writes),
                saved.path.name,
            )
            for kind, payload in saved.writes:
                if kind == "status":
                    key, value = payload  # type: ignore[misc]
                    self._status.setdefault(key, value)
                else:
                    self._writes.append((kind, payload))
            days |= saved.days
        return days

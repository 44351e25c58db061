"""Raw samples a killed run stored but never turned into epochs: found, to be processed on start.

Why: a live session stores raw samples within half a second, but epochs only after the
pipeline's look-ahead (4 s), and for a sensor without a reference only once walking has fixed
up and forward. A SIGKILL, a crash or a power cut would lose that tail of epochs for good,
although its raw samples are in the store. So the next run (`LiveRun.recover`) processes them
first, and its pipeline goes on from them into the live stream:

1. the first missing epoch is the one after the newest epoch held (or `max_age_s` ago, if
   that is later: an old store's unprocessed raw is left to `backcoach analyze`);
2. the pipeline replays the stored raw samples from before it (`replay_from`): at least
   `WARM_S`, and back to where the wearer's last posture began (up to `OPEN_MAX_S`), so the
   restarted pipeline knows what the dead one knew - that the wearer sits (a sit-down is
   seen, not guessed), the sensor's gain and offset - and an open sitting bout keeps its
   start. Ten minutes of 200 Hz replay in about 0.2 s; raw is read a window at a time (an hour
   of 200 Hz is about 8 MB), the windows start at the first sample, so the first one holds
   enough samples to tell the rate;
3. of what the replay gives, the dead run's epochs (before the first missing one) are
   dropped, and so are its events that it stored (`since`); the events it could not write
   yet - the ones still open when it died, or within the pipeline's look-ahead - are kept.
   Before (6 s of context), a kill in a long sitting bout cut the bout at the kill and the
   restarted run could take the wearer for standing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np

from backcoach.processing.types import EPOCH_S, Event, PipelineOutput, Samples
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

MAX_AGE_S = 24 * 3600.0  # look back at most a day
WARM_S = 600.0  # replayed before the first missing epoch at least (see step 2)
OPEN_MAX_S = 3600.0  # ... and back to the start of the wearer's last posture, up to this
CONTEXT_S = 6.0  # before that: the features' 2 s look-back, with room
GAP_S = 5.0  # a longer hole in the epochs held ends the dead run's stretch (the pipeline's gap)
UNWRITTEN_S = 10.0  # events ending this soon before it may be unwritten (look-ahead, with room)
WINDOW_S = 3600.0  # raw samples read per query
MIN_RATE_HZ = 10.0  # coarser raw (InfluxDB's 5 Hz "downsampled") cannot give right epochs


def unprocessed(
    store: Store, now_s: float, max_age_s: float = MAX_AGE_S
) -> tuple[float, Iterator[Samples]] | None:
    """(first missing epoch time, the raw samples to replay for it), or None."""
    span = store.data_range()
    since_s = now_s - max_age_s
    if span is not None:
        since_s = max(since_s, span[1] + EPOCH_S)
    start_s = replay_from(store, since_s)
    while start_s < now_s:  # the first window that holds raw samples after `since_s`
        first = store.read_samples(start_s, start_s + WINDOW_S)
        if len(first) and first.t_s[-1] >= since_s:
            break
        start_s += WINDOW_S
    else:
        return None
    start_s = float(first.t_s[0])  # windows from the first sample: the rate is read from a
    first = store.read_samples(start_s, start_s + WINDOW_S)  # whole window, not an edge's one
    rate_hz = 1.0 / float(np.median(np.diff(first.t_s))) if len(first) > 1 else 0.0
    if rate_hz < MIN_RATE_HZ:
        log.warning(
            "raw samples after the last epoch are kept at %.1f Hz only; too coarse for epochs "
            '(keep raw at full rate, influx.raw = "full", to recover after a crash)',
            rate_hz,
        )
        return None
    log.info(
        "processing the raw samples an earlier run left without epochs (from %.0f s ago)",
        now_s - max(since_s, float(first.t_s[0])),
    )

    def windows() -> Iterator[Samples]:
        yield first
        a = start_s + WINDOW_S
        while a < now_s:
            part = store.read_samples(a, a + WINDOW_S)
            if len(part):
                yield part
            a += WINDOW_S

    return since_s, windows()


def replay_from(store: Store, since_s: float) -> float:
    """Where the replay for the first missing epoch `since_s` starts (step 2): never before a
    gap in the epochs held (an earlier session's state is not the dead run's)."""
    start_s = since_s - WARM_S
    held = store.read_epochs(since_s - OPEN_MAX_S, since_s)
    if len(held):
        t = held.t_s
        gaps = np.flatnonzero(np.diff(t) > GAP_S)
        changes = np.flatnonzero(np.diff(held.posture) != 0)
        posture_from = float(t[changes[-1] + 1] if changes.size else t[0])
        start_s = max(min(start_s, posture_from), float(t[gaps[-1] + 1] if gaps.size else t[0]))
    return start_s - CONTEXT_S


def stored_events(store: Store, since_s: float) -> frozenset[tuple[str, float]]:
    """The events the dead run stored that a replay may give again, by identity."""
    events = store.read_events(since_s - UNWRITTEN_S, since_s + WINDOW_S)
    return frozenset(_key(e) for e in events)


def since(
    out: PipelineOutput, since_s: float, stored: frozenset[tuple[str, float]] = frozenset()
) -> PipelineOutput:
    """What the dead run did not store: epochs from `since_s` on; events from it on, or ending
    no more than UNWRITTEN_S before it and not among `stored` (step 3)."""
    if not len(out.epochs) and not out.events:
        return out
    epochs = out.epochs.select(out.epochs.t_s >= since_s - 1e-6)
    events = tuple(
        e
        for e in out.events
        if e.start_s >= since_s - 1e-6
        or (e.end_s >= since_s - UNWRITTEN_S and _key(e) not in stored)
    )
    return PipelineOutput(epochs, events)


def _key(e: Event) -> tuple[str, float]:
    """An event's identity (type, start), to the millisecond (InfluxDB keeps nanoseconds)."""
    return e.type, round(e.start_s, 3)

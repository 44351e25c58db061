"""Raw samples a killed run stored but never turned into epochs: found, to be processed on start.

Why: a live session stores raw samples within half a second, but epochs only after the
pipeline's look-ahead (4 s), and for a sensor without a reference only once walking has fixed
up and forward. A SIGKILL, a crash or a power cut would lose that tail of epochs for good,
although its raw samples are in the store. So the next run (`LiveRun.recover`) processes them
first, and its pipeline goes on from them into the live stream:

1. the first missing epoch is the one after the newest epoch held (or `max_age_s` ago, if
   that is later: an old store's unprocessed raw is left to `backcoach analyze`);
2. raw samples from `CONTEXT_S` before it onwards are read a window at a time (an hour of
   200 Hz raw is about 8 MB), so a long tail never fills memory; the windows start at the
   first such sample, so the first one holds enough samples to tell the rate;
3. what the pipeline gives for times before the first missing epoch is dropped (`since`):
   those epochs and events were stored by the run that died.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np

from backcoach.processing.types import EPOCH_S, PipelineOutput, Samples
from backcoach.storage.base import Store

log = logging.getLogger(__name__)

MAX_AGE_S = 24 * 3600.0  # look back at most a day
CONTEXT_S = 6.0  # before the first missing epoch: the features' 2 s look-back, with room
WINDOW_S = 3600.0  # raw samples read per query
MIN_RATE_HZ = 10.0  # coarser raw (InfluxDB's 5 Hz "downsampled") cannot give right epochs


def unprocessed(
    store: Store, now_s: float, max_age_s: float = MAX_AGE_S
) -> tuple[float, Iterator[Samples]] | None:
    """(first missing epoch time, its raw samples from CONTEXT_S before on), or None."""
    span = store.data_range()
    since_s = now_s - max_age_s
    if span is not None:
        since_s = max(since_s, span[1] + EPOCH_S)
    start_s = since_s - CONTEXT_S
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


def since(out: PipelineOutput, since_s: float) -> PipelineOutput:
    """The part of `out` at or after `since_s` (earlier epochs and events were stored)."""
    if not len(out.epochs) and not out.events:
        return out
    epochs = out.epochs.select(out.epochs.t_s >= since_s - 1e-6)
    return PipelineOutput(epochs, tuple(e for e in out.events if e.start_s >= since_s - 1e-6))

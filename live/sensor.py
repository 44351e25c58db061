"""A worn sensor's live run: what `collect` hands the collector session to feed.

Why here and not in the collector: the session delivers samples and knows nothing of what they
are for (the house rule: parts never import the wiring). The command passes `sensor_live_run`
as the session's `live_factory`; the session calls it on its live thread while the link comes
up, with the hooks (warnings, plan) the command added to the session by then.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from backcoach.live.run import LiveRun
from backcoach.storage.references import load_reference

if TYPE_CHECKING:
    from backcoach.collector.session import CollectSession

log = logging.getLogger(__name__)

RAW_FLUSH_S = 0.0  # each chunk's raw samples are stored as it is handed on: a kill loses one


def sensor_live_run(session: CollectSession) -> LiveRun:
    """The live path for a session: from the sensor's kept reference, with the session's hooks."""
    kept = load_reference(session.store, session.found.address)
    if kept is not None:
        log.info(
            "%s: starting from its reference kept from %s (checked against the first walk)",
            session.found.address,
            "walking" if kept.origin == "walking" else "`backcoach calibrate`",
        )
    live = LiveRun(
        session.settings,
        session.store,
        session=session.session,
        reference=None if kept is None else kept.calibration,
        sensor=session.found.address,
        raw_flush_s=RAW_FLUSH_S,
        clock=session.clock,
    )
    live.on_output, live.on_day = session.on_output, session.on_day  # hooks added later count
    return live

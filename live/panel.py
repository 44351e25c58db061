"""The live panel's facts from a live run's analysis: posture, trunk angle, last break, last sample.

Why apart from the run: the run stores results; these facts only tell the dashboard's live panel
what is happening now, at most every `STATUS_EVERY_S` of wall time (the panel redraws about twice
a second; a row per chunk would flood the store). A sensor never seen, before its first walk,
has no reference and so no posture yet: the panel then says "learning", with the tilt from how
the session began. The facts go to the live run's one `StatusWriter`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from backcoach.processing.fastlane import tilt_from
from backcoach.processing.types import POSTURE_CODE

if TYPE_CHECKING:
    from backcoach.clock import Clock
    from backcoach.processing.types import Calibration, PipelineOutput, Samples
    from backcoach.storage.status import StatusWriter

STATUS_EVERY_S = 0.5  # wall-clock throttle for live status rows


class LivePanel:
    """Turns what a live run sees into live status facts, throttled by wall time."""

    def __init__(self, status: StatusWriter, clock: Clock) -> None:
        self.status = status
        self.clock = clock
        self._at = 0.0  # when facts were last written (monotonic)
        self._last_break_s: float | None = None
        self._learning = False  # the reference is not known yet (the status says "learning")
        self._start_up: np.ndarray | None = None  # gravity as the session began

    def begin(self) -> None:
        """A run's first samples: no break seen in it yet, never an earlier run's (a demo
        day's "358 min")."""
        self.status.update(last_break_s=None)

    def on_samples(
        self, samples: Samples, calibration: Calibration | None, last_s: float | None
    ) -> None:
        """A sensor never seen, before its first walk: the live panel says so, with the tilt
        from how the session began. Nothing is stored as epochs until the reference is found
        (then the held seconds are classified at once and the status says "known")."""
        learning = calibration is None
        if self._start_up is None:
            self._start_up = np.asarray(samples.acc_g[: max(1, len(samples) // 2)]).mean(axis=0)
        if not learning:
            if self._learning:
                self._learning = False
                self.status.update(reference="known")
            return
        now = self.clock.monotonic()
        if not self._learning:
            self._learning = True
            self._at = 0.0
            self.status.update(reference="learning", posture="")
        if now - self._at < STATUS_EVERY_S:
            return
        self._at = now
        tilt = tilt_from(samples.acc_g, self._start_up)
        self.status.update(trunk_deg=tilt, last_sample_s=last_s)

    def on_output(self, out: PipelineOutput, last_s: float | None) -> None:
        """Live facts from the pipeline's newest epochs, at most every STATUS_EVERY_S."""
        if not len(out.epochs):
            return
        upright = (out.epochs.posture == POSTURE_CODE["standing"]) | (
            out.epochs.posture == POSTURE_CODE["walking"]
        )
        if upright.any():
            self._last_break_s = float(out.epochs.t_s[upright][-1])
        now = self.clock.monotonic()
        if now - self._at < STATUS_EVERY_S:
            return
        self._at = now
        last = out.epochs.select(slice(-1, None))
        facts: dict[str, object] = {
            "posture": str(last.posture_names()[0]),
            "trunk_deg": float(last.trunk_deg[0]),
            "last_sample_s": last_s,
        }
        if self._last_break_s is not None:
            facts["last_break_s"] = self._last_break_s
        self.status.update(**facts)

"""The stored answer of the sitting state: epochs held until no rise can judge them any more.

Why: the causal filter (`sitstate.run_filter`) decides a still period at the movement that
began it; the rise out of it, seconds later, tells a chair from a crouch far better than the
descent did (out of a chair the trunk leans forward first). The filter revises a period when
that rise comes within `sitstate.REVISE_S`, so the epochs of a period that may still be
revised are held here, and released with the revision applied: fixed-lag smoothing of the same
model, so the live and the stored answer never disagree. While no period is pending, nothing is
held. Which epochs are released depends only on the data's time, never on how it was chunked.
"""

from __future__ import annotations

import numpy as np

from backcoach.processing.config import PipelineConfig
from backcoach.processing.features import EpochFeatures
from backcoach.processing.posture import OTHER, SITTING, STANDING, Classified
from backcoach.processing.sitstate import REVISE_S


class SitHold:
    """Holds classified epochs from the start of a pending period; applies revisions."""

    def __init__(self, config: PipelineConfig) -> None:
        self.cfg = config
        self._f: list[EpochFeatures] = []
        self._c: list[Classified] = []

    def push(
        self,
        f: EpochFeatures,
        c: Classified,
        revisions: list[tuple[float, float, bool]],
        pending_from_s: float,
        *,
        final: bool,
    ) -> tuple[EpochFeatures, Classified]:
        """Add a block; return the epochs that are now final (all of them at `final`)."""
        if len(f):
            self._f.append(f)
            self._c.append(c)
        if not self._f:
            return EpochFeatures.empty(), c
        held_f, held_c = EpochFeatures.concat(self._f), Classified.concat(self._c)
        post = held_c.posture.copy()
        for start_s, end_s, seated in revisions:
            span = (held_f.t_s >= start_s) & (held_f.t_s < end_s)
            if seated:
                post[span & ((post == STANDING) | (post == OTHER))] = SITTING
            else:
                quiet = held_f.activity_g < self.cfg.other_activity_g
                post[span & (post == SITTING)] = np.where(quiet, STANDING, OTHER)[
                    span & (post == SITTING)
                ]
        held_c = held_c.with_posture(post)
        cut = len(held_f)
        if not final and pending_from_s == pending_from_s:
            cut = int(np.searchsorted(held_f.t_s, pending_from_s))
        out_f, out_c = held_f.take(slice(0, cut)), held_c.take(slice(0, cut))
        rest_f, rest_c = held_f.take(slice(cut, None)), held_c.take(slice(cut, None))
        self._f, self._c = ([rest_f], [rest_c]) if len(rest_f) else ([], [])
        return out_f, out_c


__all__ = ["REVISE_S", "SitHold"]

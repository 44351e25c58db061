"""The provenance of results this installation makes now: its version and settings digest.

Why here and not in `processing/`: the version is the installed package's, read at the edge;
`processing.provenance.settings_digest` stays a pure function of the settings handed in.
"""

from __future__ import annotations

from backcoach import __version__
from backcoach.processing.config import PipelineConfig
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.provenance import settings_digest
from backcoach.processing.types import Provenance


def current(placement: str, rules: RuleThresholds) -> Provenance:
    """What a day analysed now, with this placement and these rules, would carry."""
    return Provenance(__version__, settings_digest(PipelineConfig(placement=placement), rules))

"""What made a result: the version that analysed it and a digest of the settings that change it.

Why: thresholds are retuned (the sitting issue retunes them again), and a day analysed before
and one analysed after would otherwise sit side by side on the Progress page as if comparable.
Every result (analyze's `epochs.csv` and `summary.json`, the store's day summaries) carries a
`Provenance`; the dashboard marks a day whose provenance is not the current one.

The digest covers the pipeline's settings (`PipelineConfig`, its placement defaults applied)
and the rule thresholds the day summary reads (`SUMMARY_RULES`), not the calibration (the
wearer's own up and forward, found again whenever the sensor is put on) nor the thresholds that
only time warnings. Pure: the version string is handed in by the wiring.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields

from backcoach.processing.config import PipelineConfig
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import Provenance

__all__ = ["SUMMARY_RULES", "Provenance", "settings_digest"]

#: The `RuleThresholds` fields `summary.summarize_day` reads (they change a day's metrics).
SUMMARY_RULES = ("break_min_s", "sitting_bout_max_min", "active_min_per_hour", "slumped_deg")
DIGEST_CHARS = 12  # 48 bits: no two settings a wearer ever has collide


def settings_digest(config: PipelineConfig, rules: RuleThresholds) -> str:
    """A short hash of the settings that change results (see the module docstring)."""
    values: dict[str, object] = {
        f.name: getattr(config, f.name) for f in fields(config) if f.name != "calibration"
    }
    values.update({f"rules.{name}": getattr(rules, name) for name in SUMMARY_RULES})
    blob = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:DIGEST_CHARS]

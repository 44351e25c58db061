"""The settings digest: it changes with what changes results, and only with that."""

from __future__ import annotations

from dataclasses import replace

from backcoach.processing.config import PipelineConfig
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.provenance import settings_digest
from backcoach.processing.types import Calibration, Provenance

BASE = settings_digest(PipelineConfig(), RuleThresholds())


def test_a_retuned_threshold_or_placement_changes_the_digest():
    assert settings_digest(PipelineConfig(lying_deg=55.0), RuleThresholds()) != BASE
    assert settings_digest(PipelineConfig(placement="waist"), RuleThresholds()) != BASE
    rules = replace(RuleThresholds(), slumped_deg=25.0)  # G10's band: the summary reads it
    assert settings_digest(PipelineConfig(), rules) != BASE
    assert len(BASE) == 12 and settings_digest(PipelineConfig(), RuleThresholds()) == BASE


def test_the_wearers_calibration_and_warning_timings_leave_it_alone():
    """Up and forward are found again at every fitting; a warning's timing changes no figure."""
    cal = Calibration((0.0, 0.0, 1.0), (1.0, 0.0, 0.0))
    assert settings_digest(PipelineConfig(calibration=cal), RuleThresholds()) == BASE
    rules = replace(RuleThresholds(), sitting_repeat_min=15.0)
    assert settings_digest(PipelineConfig(), rules) == BASE


def test_a_results_file_header_names_version_and_digest():
    assert Provenance("0.2.0", "abc123").header() == "# backcoach 0.2.0; settings abc123"
    assert not Provenance().known and Provenance("0.2.0", "abc123").known

"""Every rule threshold has a label in English and Dutch, so Settings never shows a field name."""

from __future__ import annotations

from dataclasses import fields

import pytest

from backcoach import i18n
from backcoach.processing.guidance import RuleThresholds


@pytest.mark.parametrize("name", [f.name for f in fields(RuleThresholds)])
def test_each_threshold_has_an_english_and_a_dutch_label(name):
    en = i18n.t(f"rule.{name}", "en")
    nl = i18n.t(f"rule.{name}", "nl")
    assert en and nl and en != nl
    assert name not in en

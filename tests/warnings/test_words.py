"""A warning's words live in `backcoach.i18n` only: the rules give rule, variant and figures, and
every variant they give reads right in English and Dutch (a Dutch decimal comma, the posture
named as the dashboard names it)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from backcoach import i18n
from backcoach.i18n.warnings import MESSAGES, NOTE_TEXT, UNKNOWN
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.rules import RuleEngine, daily_warnings, replay
from backcoach.processing.types import (
    NOTES,
    POSTURES,
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    PipelineOutput,
)
from tests.warnings.scripted import at, scripted_epochs, scripted_events

REPO = Path(__file__).resolve().parents[2]


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def _every_warning_the_rules_give() -> list[OverloadWarning]:
    """The real engine's warnings: a scripted day (live rules, a lift at every back-lift), the
    window mode of G3, and the daily rules G7 and G8."""
    engine = RuleEngine(RuleThresholds(), 600.0, "00:00", "00:00", "UTC")
    out = replay(engine, scripted_epochs(), scripted_events())
    window = RuleEngine(RuleThresholds(warn_every_back_lift=False), 0.0, "00:00", "00:00", "UTC")
    lifts = tuple(
        Event("lift", e - 5, e, peak_deg=80.0, style="back")
        for e in (at("12:00"), at("12:04"), at("12:09"))
    )
    out += window.push(PipelineOutput(Epochs.empty(), lifts))
    days = ["2026-03-01", "2026-03-02", "2026-03-03"]
    sums = [DaySummary(d, {"acwr": r}) for d, r in zip(days, (1.7, 1.8, 1.6), strict=True)]
    diary = [DiaryEntry(d, pain=p) for d, p in zip(days, (2, 4, 5), strict=True)]
    out += daily_warnings(sums, diary, at_s=at("21:00"))
    return out


GIVEN = _every_warning_the_rules_give()


def test_every_message_has_english_and_dutch_with_the_same_figures_and_its_rule_id():
    for (rule, variant), (en, nl) in MESSAGES.items():
        assert en.strip() and nl.strip(), (rule, variant)
        assert _fields(en) == _fields(nl), (rule, variant)
        assert en.endswith(f"Guidance {rule}") and nl.endswith(f"Richtlijn {rule}")
    for note in NOTES:
        assert all(NOTE_TEXT[note]), note


def test_the_rules_give_every_message_and_no_other():
    """Each (rule, variant) the engine gives has words, and no message is dead (TEST aside)."""
    given = {(w.rule, w.variant) for w in GIVEN}
    assert given == set(MESSAGES) - {("TEST", "test")}


@pytest.mark.parametrize("lang", i18n.LANGS)
def test_every_warning_the_rules_give_renders_fully_in_both_languages(lang):
    for w in GIVEN:
        text = i18n.warning_text(w, lang)
        assert "{" not in text and "}" not in text, text
        unknown = UNKNOWN[1 if lang == "nl" else 0].split("{", 1)[0]
        assert not text.startswith(unknown), text
        assert text.endswith(w.rule), text
        # the table's figure is the message's: same digits, the reader's decimal mark
        assert i18n.figure_text(w.rule, w.value, lang) in text or w.rule == "G8", text


def test_dutch_numbers_have_a_decimal_comma_in_the_message_and_beside_it():
    g7 = next(w for w in GIVEN if w.rule == "G7")
    assert g7.figures["ratio"] == 1.6
    assert "1,60 keer" in i18n.warning_text(g7, "nl")
    assert "1.60 times" in i18n.warning_text(g7, "en")
    assert i18n.figure_text("G7", 1.6, "nl") == "1,60"
    assert i18n.figure_text("G4", 89.3, "nl") == "89"


@pytest.mark.parametrize("posture", POSTURES)
def test_a_posture_is_named_as_the_dashboard_names_it(posture):
    w = OverloadWarning(0.0, "G2", 31.0, "static", {"minutes": 31.0, "posture": posture})
    for lang in i18n.LANGS:
        assert f"({i18n.t(f'posture.{posture}', lang)})" in i18n.warning_text(w, lang)
    if posture == "other":  # "overig": the category; "bewegen" would contradict "without moving"
        assert "(overig)" in i18n.warning_text(w, "nl")


def test_a_note_and_an_unknown_message_read_without_an_error():
    g1 = next(w for w in GIVEN if w.rule == "G1")
    for note in NOTES:
        noted = OverloadWarning(g1.t_s, g1.rule, g1.value, g1.variant, g1.figures, note)
        for lang in i18n.LANGS:
            assert i18n.warning_text(noted, lang) == (
                NOTE_TEXT[note][lang == "nl"] + i18n.warning_text(g1, lang)
            )
    newer = OverloadWarning(0.0, "G9", 2.5, "from_a_newer_version", {"x": 1.0})
    assert i18n.warning_text(newer, "nl") == "Richtlijn G9: 2,5"


def test_processing_and_the_warning_type_hold_no_words():
    """The rules import no words and a warning carries none: text is made at the edge."""
    for path in sorted((REPO / "processing").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names]
                assert not any("i18n" in n for n in names), path.name
    fields = set(OverloadWarning.__dataclass_fields__)
    assert fields == {"t_s", "rule", "value", "variant", "figures", "note"}


@pytest.mark.parametrize(
    "env",
    [
        {"LANGUAGE": "nl:en", "LANG": "C.UTF-8"},
        {"LC_MESSAGES": "nl_NL.UTF-8", "LANG": "en_US.UTF-8"},
        {"LANG": "en_GB.UTF-8"},
    ],
)
def test_warnings_speak_the_language_the_dashboard_speaks(env, monkeypatch, tmp_path):
    """One place decides the language for 'auto': pushes and the dashboard never differ."""
    from backcoach.alerts import build_dispatcher, message_lang
    from backcoach.config import Settings, WarningSettings

    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE", "LANG"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    settings = Settings(data_dir=str(tmp_path), warnings=WarningSettings(enabled=False))
    assert settings.language == "auto"
    lang = i18n.default_language(settings.language)
    assert lang == ("en" if env.get("LANG", "").startswith("en_GB") else "nl")
    assert message_lang(settings) == lang
    assert build_dispatcher(settings).lang == lang

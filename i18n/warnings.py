"""The words of every overload warning, in English and Dutch.

Why a module of its own: the rule engine decides *when* to warn, this module decides *what the
wearer reads*. Each message says what was seen and what to do, and ends with the rule id so the
wearer can look it up on the dashboard's Guidance page (../shared/guidance.md). The wording is
ours; it does not quote the article. It says what the sensor knows: one accelerometer sees a
movement (bent down from the hips with straight legs and back up), never the load, so G3 never
claims that something was lifted.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping

from backcoach.i18n.dashboard import STRINGS, _fill, t
from backcoach.processing.types import AS_WRITTEN, OverloadWarning

__all__ = ["MESSAGES", "NOTE_TEXT", "TITLE", "figure_text", "warning_text", "warning_title"]

#: (rule, variant) -> (English, Dutch) templates; `{...}` are the warning's figures, filled by
#: `warning_text` the reader's way (a decimal comma in Dutch; the posture's name in words).
MESSAGES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("G1", "sitting"): (
        "You have been sitting for {minutes:.0f} minutes — stand up and walk for two minutes. "
        "Guidance G1",
        "Je zit al {minutes:.0f} minuten — sta op en loop twee minuten. Richtlijn G1",
    ),
    ("G2", "static"): (
        "You have held the same posture ({posture}) for {minutes:.0f} minutes without moving — "
        "change position or move for a minute. Guidance G2",
        "Je houdt al {minutes:.0f} minuten dezelfde houding ({posture}) aan zonder te bewegen — "
        "verander van houding of beweeg even. Richtlijn G2",
    ),
    ("G3", "single"): (
        "You bent down from the hips with straight legs and came back up ({peak_deg:.0f}°) — "
        "if you were picking something up, bend your knees next time and keep the load close "
        "to your body. Guidance G3",
        "Je boog vanuit je heupen voorover met gestrekte benen en kwam weer omhoog "
        "({peak_deg:.0f}°) — tilde je iets op, zak dan de volgende keer door je knieën en "
        "houd de last dicht bij je lichaam. Richtlijn G3",
    ),
    ("G3", "window"): (
        "You bent down and up with straight legs {count:.0f} times in {window_min:.0f} minutes "
        "— if you are lifting, bend your knees for the next ones. Guidance G3",
        "Je boog {count:.0f} keer in {window_min:.0f} minuten voorover met gestrekte benen en "
        "kwam weer omhoog — til je, zak dan door je knieën bij de volgende keren. Richtlijn G3",
    ),
    ("G4", "deep"): (
        "You have been bent forward more than {deg:.0f}° for {seconds:.0f} seconds — "
        "straighten up and give your back a rest. Guidance G4",
        "Je staat al {seconds:.0f} seconden meer dan {deg:.0f}° voorovergebogen — kom "
        "overeind en geef je rug rust. Richtlijn G4",
    ),
    ("G4", "sustained"): (
        "You have been leaning forward more than {deg:.0f}° for {minutes:.0f} minutes "
        "without a break — stand up straight, or bring your work to a better height. Guidance G4",
        "Je buigt al {minutes:.0f} minuten zonder pauze meer dan {deg:.0f}° voorover — "
        "kom rechtop, of breng je werk op een betere hoogte. Richtlijn G4",
    ),
    ("G5", "inactive"): (
        "You have not been active for {minutes:.0f} minutes — get up and move for a few "
        "minutes. Guidance G5",
        "Je bent al {minutes:.0f} minuten niet actief geweest — sta op en beweeg een paar "
        "minuten. Richtlijn G5",
    ),
    ("G10", "slumped"): (
        "You have been sitting slumped forward for {minutes:.0f} minutes — sit back against "
        "the backrest and put your screen at eye height. Guidance G10",
        "Je zit al {minutes:.0f} minuten voorovergezakt — leun tegen de rugleuning en zet je "
        "scherm op ooghoogte. Richtlijn G10",
    ),
    ("G7", "spike"): (
        "Your back load on {day} was {ratio:.2f} times your average of the last four weeks — "
        "build up slowly and plan a lighter day. Guidance G7",
        "Je rugbelasting op {day} was {ratio:.2f} keer je gemiddelde van de laatste vier weken "
        "- bouw rustig op en plan een lichtere dag. Richtlijn G7",
    ),
    ("G8", "pain"): (
        "Your pain rose two days in a row after heavy days ({pain_from:.0f} to {pain_to:.0f} "
        "out of 10) — scale back your load, and see a professional if it keeps rising. "
        "Guidance G8",
        "Je pijn nam twee dagen op rij toe na zware dagen (van {pain_from:.0f} naar "
        "{pain_to:.0f} op 10) — doe het rustiger aan, en zoek hulp als het blijft toenemen. "
        "Richtlijn G8",
    ),
    ("TEST", "test"): (
        "This is a test warning from backcoach: this channel works. Guidance TEST",
        "Dit is een testwaarschuwing van backcoach: dit kanaal werkt. Richtlijn TEST",
    ),
}


#: A warning whose message this version does not have (written by a newer one, or a message
#: since renamed): its rule and figure, never an error on the page that shows it.
UNKNOWN: tuple[str, str] = ("Guidance {rule}: {value:g}", "Richtlijn {rule}: {value:g}")
#: A notification's title.
TITLE: tuple[str, str] = ("backcoach warning {rule}", "backcoach waarschuwing {rule}")
#: A warning's `note` (`types.NOTES`) before its text: where its time or its confirmation came
#: from, when not from the live pipeline.
NOTE_TEXT: Mapping[str, tuple[str, str]] = {
    "provisional": ("(provisional) ", "(voorlopig) "),
    "memory": ("(from the sensor's memory) ", "(uit het geheugen van de sensor) "),
    "imported": ("(imported) ", "(geïmporteerd) "),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "nl" else pair[0]


def warning_text(warning: OverloadWarning, lang: str) -> str:
    """The warning as the reader reads it in `lang`: its rule's message in today's words,
    filled with its figures, after its note ("(provisional) ...")."""
    if warning.variant == AS_WRITTEN:
        return _as_written(warning, lang)
    figures = dict(warning.figures)
    if "posture" in figures:
        key = f"posture.{figures['posture']}"
        figures["posture"] = t(key, lang) if key in STRINGS else figures["posture"]
    try:
        text = _fill(_pick(MESSAGES[(warning.rule, warning.variant)], lang), lang, figures)
    except (KeyError, ValueError):  # a message this version lacks, or its figures changed
        text = _fill(_pick(UNKNOWN, lang), lang, {"rule": warning.rule, "value": warning.value})
    note = NOTE_TEXT.get(warning.note)
    return _pick(note, lang) + text if note else text


def warning_title(warning: OverloadWarning, lang: str) -> str:
    """A short title for notification channels ("backcoach warning G4")."""
    return _pick(TITLE, lang).format(rule=warning.rule)


@functools.cache
def _decimals(rule: str) -> int:
    """The most digits after the point the rule's messages give a figure (G7's ratio: 2)."""
    most = 0
    for (r, _variant), pair in MESSAGES.items():
        for text in pair if r == rule else ():
            for _lit, name, spec, _conv in string.Formatter().parse(text):
                m = re.fullmatch(r"\.(\d+)f", spec or "") if name else None
                most = max(most, int(m.group(1)) if m else 0)
    return most


def figure_text(rule: str, value: float, lang: str) -> str:
    """A warning's figure with the digits its message gives it (89°, not 89.3; G7's ratio 1,60
    in Dutch), so a table beside the message says the same number."""
    return _fill(f"{{v:.{_decimals(rule)}f}}", lang, {"v": float(value)})


# -- warnings stored as sentences (before the figures were kept) ---------------------------------
def _pattern(template: str) -> re.Pattern[str]:
    """An English template as a regular expression that gives its figures back."""
    out, pos = [], 0
    for m in re.finditer(r"\{(\w+)(:[^}]*)?\}", template):
        out.append(re.escape(template[pos : m.start()]))
        number = r"-?(?:[0-9]+(?:\.[0-9]+)?|nan|inf)"
        out.append(f"(?P<{m.group(1)}>{number if m.group(2) else '.+?'})")
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


_PATTERNS = {key: _pattern(en) for key, (en, _nl) in MESSAGES.items()}
_TEXT_FIGURES = ("posture", "day")  # the figures that are words, not numbers


def _as_written(warning: OverloadWarning, lang: str) -> str:
    """A warning stored as two sentences (`types.AS_WRITTEN`): read back into its rule's message
    and figures from the English one, so it is shown in today's words and the reader's digits;
    a sentence no message matches (its text has changed since) is shown as it was written."""
    en = str(warning.figures.get("en") or "")
    text, note = en, ""
    for name, (prefix, _nl) in NOTE_TEXT.items():
        if text.startswith(prefix):
            text, note = text.removeprefix(prefix), name
    for (rule, variant), pattern in _PATTERNS.items():
        m = pattern.fullmatch(text) if rule == warning.rule else None
        if m is not None:
            figures = {k: v if k in _TEXT_FIGURES else float(v) for k, v in m.groupdict().items()}
            again = OverloadWarning(warning.t_s, rule, warning.value, variant, figures, note)
            return warning_text(again, lang)
    other = "en" if lang == "nl" else "nl"
    return str(warning.figures.get(lang) or warning.figures.get(other) or "")

"""The words of every overload warning, in English and Dutch.

Why a module of its own: the rule engine decides *when* to warn, this module decides *what the
wearer reads*. Each message says what was seen and what to do, and ends with the rule id so the
wearer can look it up on the dashboard's Guidance page (../shared/guidance.md). The wording is
ours; it does not quote the article. It says what the sensor knows: one accelerometer sees a
movement (bent down from the hips with straight legs and back up), never the load, so G3 never
claims that something was lifted.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["LANGS", "MESSAGES", "POSTURE_NL", "render"]

LANGS: tuple[str, ...] = ("en", "nl")

#: Dutch names of the postures in `types.POSTURES`, for messages that name the posture.
POSTURE_NL: Mapping[str, str] = {
    "lying": "liggen",
    "sitting": "zitten",
    "standing": "staan",
    "walking": "lopen",
    "running": "rennen",
    "other": "bewegen",
}

#: (rule, variant) -> (English, Dutch) templates; `{...}` fields are filled by `render`.
MESSAGES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("G1", "sitting"): (
        "You have been sitting for {minutes:.0f} minutes — stand up and walk for two minutes. "
        "Guidance G1",
        "Je zit al {minutes:.0f} minuten — sta op en loop twee minuten. Richtlijn G1",
    ),
    ("G2", "static"): (
        "You have held the same posture ({posture}) for {minutes:.0f} minutes without moving — "
        "change position or move for a minute. Guidance G2",
        "Je houdt al {minutes:.0f} minuten dezelfde houding ({posture_nl}) aan zonder te bewegen — "
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


def render(rule: str, variant: str, **figures: float | str) -> tuple[str, str]:
    """The (English, Dutch) text of one warning, filled with the figures that triggered it."""
    en, nl = MESSAGES[(rule, variant)]
    if "posture" in figures and "posture_nl" not in figures:
        figures["posture_nl"] = POSTURE_NL.get(str(figures["posture"]), str(figures["posture"]))
    return en.format(**figures), nl.format(**figures)

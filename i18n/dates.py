"""Days as each language writes them: 30-11-2026 for a Dutch reader, and "yesterday" said so.

Why not the locale: the dashboard's language is chosen per browser session, not per machine, and
Debian images often lack the nl_NL locale; the few names needed are spelled out here.
"""

from __future__ import annotations

import datetime as dt

#: Streamlit `date_input` formats (its own tokens, not strftime).
INPUT_FORMAT = {"en": "YYYY-MM-DD", "nl": "DD-MM-YYYY"}
WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),  # fmt: skip
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),  # fmt: skip
}
RELATIVE = {
    "en": {0: "Today", -1: "Yesterday", 1: "Tomorrow"},
    "nl": {0: "Vandaag", -1: "Gisteren", 1: "Morgen"},
}


def input_format(lang: str) -> str:
    """The `st.date_input(format=...)` for the language."""
    return INPUT_FORMAT.get(lang, INPUT_FORMAT["en"])


def short(day: str | dt.date, lang: str) -> str:
    """A day in figures: 30-11-2026 (nl) or 2026-11-30 (en)."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return d.strftime("%d-%m-%Y") if lang == "nl" else d.isoformat()


def spelled_out(day: str | dt.date, today: dt.date, lang: str) -> str:
    """'Yesterday, Monday 30 November 2026' / 'Gisteren, maandag 30 november 2026'."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    lang = lang if lang in WEEKDAYS else "en"
    text = f"{WEEKDAYS[lang][d.weekday()]} {d.day} {MONTHS[lang][d.month - 1]} {d.year}"
    relative = RELATIVE[lang].get((d - today).days)
    if relative is None:
        return text[0].upper() + text[1:]
    return f"{relative}, {text}"


def weekday_short(day: str | dt.date, lang: str) -> str:
    """'Mon 23' / 'ma 23': a day on a week's chart axis or in a table column."""
    d = dt.date.fromisoformat(day) if isinstance(day, str) else day
    lang = lang if lang in WEEKDAYS else "en"
    name = WEEKDAYS[lang][d.weekday()]
    return f"{name[:2] if lang == 'nl' else name[:3]} {d.day}"


def span(first: str | dt.date, last: str | dt.date, lang: str) -> str:
    """'23–29 November 2026', '30 November – 6 December 2026' (months in the language)."""
    a = dt.date.fromisoformat(first) if isinstance(first, str) else first
    b = dt.date.fromisoformat(last) if isinstance(last, str) else last
    months = MONTHS.get(lang, MONTHS["en"])
    end = f"{b.day} {months[b.month - 1]} {b.year}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{end}"
    start = f"{a.day} {months[a.month - 1]}" + ("" if a.year == b.year else f" {a.year}")
    return f"{start} – {end}"

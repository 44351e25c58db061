"""The command line's words in Dutch, where a command speaks the message language.

`backcoach warnings test` reports in the language its warning is sent in (`--lang`, else the
settings'): its table's fixed words are English in the command and translated here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["WARNINGS_TEST_NL", "warnings_test_words"]

#: The table's words in Dutch; the whole output follows the message language (`--lang`).
#: Channel details not listed here come from elsewhere (apprise, the network) and stay as given.
WARNINGS_TEST_NL = {
    "Test warning, channel by channel": "Testwaarschuwing, kanaal voor kanaal",
    "channel": "kanaal",
    "result": "resultaat",
    "detail": "toelichting",
    "failed": "mislukt",
    "not available": "niet beschikbaar",
    "desktop": "bureaublad",
    "delivered": "afgeleverd",
    "written and read back (the dashboard shows it)": (
        "geschreven en teruggelezen (het dashboard toont hem)"
    ),
    "written, read back and removed again": "geschreven, teruggelezen en weer verwijderd",
    "written, but not found when read back": "geschreven, maar niet teruggevonden",
    "no desktop notification service apprise can use here": (
        "geen meldingsdienst voor het bureaublad die apprise hier kan gebruiken"
    ),
    "no sensor connected (only during a live session)": (
        "geen sensor verbonden (alleen tijdens een live sessie)"
    ),
    "No push services configured: add apprise URLs to BACKCOACH_NOTIFY_URLS (comma separated) "
    "or warnings.notify_urls, e.g. ntfy://ntfy.sh/your-topic.": (
        "Geen pushdiensten ingesteld: zet apprise-URL's in BACKCOACH_NOTIFY_URLS (gescheiden "
        "door komma's) of in warnings.notify_urls, bijvoorbeeld ntfy://ntfy.sh/jouw-onderwerp."
    ),
    "warnings.enabled is false: live sessions send no warnings.": (
        "warnings.enabled staat uit: live sessies sturen geen waarschuwingen."
    ),
}
_NO_ANSWER = re.compile(r"no answer within (\S+) s")


def warnings_test_words(lang: str) -> Callable[[str], str]:
    """The translation of `warnings test`'s fixed words into `lang` (English is the source)."""
    if lang != "nl":
        return lambda text: text

    def nl(text: str) -> str:
        if text in WARNINGS_TEST_NL:
            return WARNINGS_TEST_NL[text]
        if text.startswith("desktop ("):  # the desktop channel with its scheme: "desktop (dbus)"
            return "bureaublad" + text.removeprefix("desktop")
        m = _NO_ANSWER.fullmatch(text)
        return f"geen antwoord binnen {m.group(1)} s" if m else text

    return nl

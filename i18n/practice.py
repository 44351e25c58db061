"""The practice dashboard's words (login, the wearers' overview, read-only pages), English and
Dutch; `i18n.STRINGS` takes them in, so `t()` and the words test cover them like every other."""

from __future__ import annotations

PRACTICE_STRINGS: dict[str, dict[str, str]] = {
    "nav.wearers": {"en": "Wearers", "nl": "Dragers"},
    "login.form": {"en": "Practice login", "nl": "Inloggen voor de praktijk"},
    "login.username": {"en": "User name", "nl": "Gebruikersnaam"},
    "login.password": {"en": "Password", "nl": "Wachtwoord"},
    "login.button": {"en": "Log in", "nl": "Inloggen"},
    "login.intro": {
        "en": "This dashboard shows the wearers a practice follows. Log in with the account "
        "`backcoach practice add-practitioner` made for you.",
        "nl": "Dit dashboard toont de dragers die een praktijk volgt. Log in met het account "
        "dat `backcoach practice add-practitioner` voor je maakte.",
    },
    "login.wrong": {
        "en": "Wrong user name or password. Check both and try again.",
        "nl": "Gebruikersnaam of wachtwoord klopt niet. Controleer beide en probeer het opnieuw.",
    },
    "login.locked": {
        "en": "Too many wrong passwords for this account: it is locked. Ask the practice's "
        "administrator to set a new password (backcoach practice add-practitioner).",
        "nl": "Te vaak een verkeerd wachtwoord voor dit account: het is geblokkeerd. Vraag de "
        "beheerder van de praktijk een nieuw wachtwoord in te stellen (backcoach practice "
        "add-practitioner).",
    },
    "login.expired": {
        "en": "Your session has expired. Log in again.",
        "nl": "Je sessie is verlopen. Log opnieuw in.",
    },
    "login.no_accounts": {
        "en": "This practice has no practitioner accounts yet: make one with `backcoach practice "
        "add-practitioner NAME`, then reload this page.",
        "nl": "Deze praktijk heeft nog geen accounts: maak er een met `backcoach practice "
        "add-practitioner NAAM` en laad deze pagina opnieuw.",
    },
    "login.as": {"en": "Logged in as {name}", "nl": "Ingelogd als {name}"},
    "login.logout": {"en": "Log out", "nl": "Uitloggen"},
    "practice.error": {
        "en": "The practice cannot be opened: {error}",
        "nl": "De praktijk kan niet worden geopend: {error}",
    },
    "practice.title": {"en": "Wearers", "nl": "Dragers"},
    "practice.intro": {
        "en": "Week {week} ({span}) against the guidance, for {n} wearers; those who need "
        "attention first. Changes compare with the week before.",
        "nl": "Week {week} ({span}) naast het advies, voor {n} dragers; wie aandacht nodig "
        "heeft staat bovenaan. Veranderingen zijn ten opzichte van de week ervoor.",
    },
    "practice.pick_week": {"en": "Week", "nl": "Week"},
    "practice.counts": {
        "en": "{red} need attention · {amber} close · {green} on track · {none} without data",
        "nl": "{red} vragen aandacht · {amber} bijna · {green} op koers · {none} zonder gegevens",
    },
    "practice.open": {"en": "Open a wearer", "nl": "Open een drager"},
    "practice.open_button": {"en": "Show their pages", "nl": "Toon hun pagina's"},
    "practice.none": {
        "en": "The practice follows no wearers yet: add one with `backcoach practice add-wearer "
        "NAME`.",
        "nl": "De praktijk volgt nog geen dragers: voeg er een toe met `backcoach practice "
        "add-wearer NAAM`.",
    },
    "practice.unreadable": {
        "en": "cannot be read (is the reader allowed?)",
        "nl": "niet leesbaar (mag de lezer erbij?)",
    },
    "practice.wearer": {"en": "Wearer", "nl": "Drager"},
    "practice.pick_first": {
        "en": "Choose a wearer on the Wearers page first.",
        "nl": "Kies eerst een drager op de pagina Dragers.",
    },
    "practice.read_only": {
        "en": "Viewed by the practice: read-only. Diary, settings and data stay the wearer's.",
        "nl": "Bekeken door de praktijk: alleen lezen. Dagboek, instellingen en gegevens "
        "blijven van de drager.",
    },
    "practice.col.wearer": {"en": "Wearer", "nl": "Drager"},
    "practice.col.status": {"en": "This week", "nl": "Deze week"},
    "practice.col.days": {"en": "Days recorded", "nl": "Dagen gemeten"},
    "practice.col.attention": {"en": "Needs attention", "nl": "Let op"},
    "practice.col.close": {"en": "Close", "nl": "Bijna"},
    "practice.col.worse": {"en": "Worse than last week", "nl": "Slechter dan vorige week"},
    "practice.col.better": {"en": "Better than last week", "nl": "Beter dan vorige week"},
    "practice.col.pain": {"en": "Pain (mean, trend)", "nl": "Pijn (gemiddeld, trend)"},
    "practice.col.note": {"en": "Note", "nl": "Opmerking"},
}

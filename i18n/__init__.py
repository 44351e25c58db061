"""Every word backcoach shows or sends, in English and Dutch: the words' one room.

Why one room: translators and reviewers see all text side by side, a test checks that both
languages say the same things, and no other module spells a sentence. The words live in data
modules here: `dashboard.py` (the dashboard's and the weekly report's, the guidance rules'
advice, and `t()` that reads them), `practice.py` (a practice's), `plan.py` (the plan's),
`dates.py` (days and months as each language writes them), `warnings.py` (the overload
warnings': a warning is stored as its rule, variant and figures and put in words only where it
is read, by `warning_text`) and `cli.py` (a command's Dutch table). One function decides the
language for "auto", for the dashboard and the warnings alike: `default_language`.
"""

from backcoach.i18n.dashboard import (
    LANG_NAMES,
    LANGS,
    RULES,
    STRINGS,
    collector_state,
    default_language,
    plotly_separators,
    rule_text,
    t,
)
from backcoach.i18n.warnings import figure_text, warning_text, warning_title

__all__ = [
    "LANGS",
    "LANG_NAMES",
    "RULES",
    "STRINGS",
    "collector_state",
    "default_language",
    "figure_text",
    "plotly_separators",
    "rule_text",
    "t",
    "warning_text",
    "warning_title",
]

"""The first pages a newcomer reads: README's two commands, the getting-started pages, their
diagram, and every `backcoach ...` option they name exists."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from backcoach.cli import build_parser
from backcoach.collector.profiles.base import PROFILE_MODULES

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
PAGES = {"en": REPO / "docs" / "getting-started.md", "nl": REPO / "docs" / "getting-started.nl.md"}
SVG = REPO / "docs" / "sensor-placement.svg"


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_readme_starts_with_the_two_commands_and_then_links_getting_started():
    text = README.read_text()
    blocks = _code_blocks(text)
    assert blocks[0].strip() == "scripts/bootstrap.sh && .venv/bin/backcoach demo"
    assert blocks[1].strip() == "scripts/bootstrap.sh --test && .venv/bin/python -m pytest"
    after = text.split(blocks[1], 1)[1].split("---", 1)[0]  # before the first section break
    assert "(docs/getting-started.md)" in after and "(docs/getting-started.nl.md)" in after


@pytest.mark.parametrize("lang", sorted(PAGES))
def test_getting_started_answers_the_first_questions_in_its_language(lang):
    text = PAGES[lang].read_text()
    other = "getting-started.nl.md" if lang == "en" else "getting-started.md"
    assert f"({other})" in text  # each page links the other language
    assert "(sensor-placement.svg)" in text
    for profile in PROFILE_MODULES:  # every supported sensor family is in the table
        assert f"| `{profile}` |" in text, profile
    for command in ("backcoach calibrate", "backcoach collect", "backcoach scan"):
        assert command in text
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert len(headings) == 6, headings  # sensor, wearing, calibrating, a day, range, sources


def test_every_source_cited_is_listed():
    en = PAGES["en"].read_text()
    listed = set(re.findall(r"^(\d+)\. ", en.split("## Sources", 1)[1], flags=re.M))
    for page in PAGES.values():
        body = page.read_text().split("## Sources")[0].split("## Bronnen")[0]
        cited = set(re.findall(r"\[(\d+)\]", body))
        assert cited and cited <= listed, (page.name, cited - listed)


def test_the_placement_diagram_is_a_titled_svg():
    root = ET.parse(SVG).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "sensor" in root.find("svg:title", ns).text.lower()
    labels = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "L3–L5" in labels and "1" in labels and "4" in labels


def _subcommands():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return parser, sub.choices


@pytest.mark.parametrize("doc", [README, *PAGES.values()], ids=lambda p: p.name)
def test_every_backcoach_option_the_docs_name_exists(doc):
    """`backcoach demo --store demo` in a doc means `demo` takes `--store`."""
    parser, commands = _subcommands()
    named = re.findall(r"`backcoach ([a-z]+)((?: [^`]*)?)`", doc.read_text())
    assert named
    for command, rest in named:
        assert command in commands, command
        options = commands[command]._option_string_actions
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", rest):
            assert option in options or option in parser._option_string_actions, (
                doc.name,
                command,
                option,
            )

"""`collect` parses only its own options (a restarted collector streams again sooner), the same
options the whole command line gives it."""

from __future__ import annotations

import argparse

import pytest

from backcoach import cli


def _sub(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


@pytest.mark.parametrize("name", sorted(cli.QUICK_START))
def test_a_quick_start_command_has_the_options_of_the_whole_command_line(name: str) -> None:
    whole, quick = cli.build_parser(), cli.build_parser(only=name)
    assert _sub(quick, name).format_help() == _sub(whole, name).format_help()


def test_only_a_quick_start_command_is_parsed_alone() -> None:
    assert cli._quick_command(["-v", "--config", "collect", "collect", "--wait"]) == "collect"
    assert cli._quick_command(["--config=x.toml", "collect"]) == "collect"
    assert cli._quick_command(["demo", "collect"]) is None
    assert cli._quick_command(["--help"]) is None

"""The README documents every command and every option a user can type."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from breakup.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", cli.list_commands(click.Context(cli)), ids=str)
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"breakup {name}" in README


OPTIONS = sorted(
    {
        opt
        for command in (
            cli.get_command(click.Context(cli), n) for n in cli.list_commands(click.Context(cli))
        )
        for param in command.params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--") and opt != "--help"
    }
)


@pytest.mark.parametrize("option", OPTIONS, ids=str)
def test_every_option_is_in_the_readme(option: str) -> None:
    assert option in README


def test_quickstart_has_exactly_two_commands() -> None:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in section.splitlines() if line.startswith("    ")]
    assert commands == [
        "    python -m pip install . && breakup email late-payer --lang es",
        "    python -m pip install '.[test]' && python -m pytest",
    ]

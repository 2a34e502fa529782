"""The README's examples are real: each command, as written there, prints what the README shows."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from breakup.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def fenced(after: str, language: str = "text") -> str:
    """The first ```language block that follows the text `after`."""
    rest = README.split(after, 1)[1]
    return rest.split(f"```{language}\n", 1)[1].split("```", 1)[0]


def command_line(text: str) -> list[str]:
    """A `breakup ...` command as the README writes it (continuation lines joined)."""
    joined = text.replace("\\\n", " ")
    words = shlex.split(joined)
    assert words[0] == "breakup", joined
    return words[1:]


def piped(block: str) -> tuple[str, list[str], str]:
    """Split a `$ printf '...' | breakup ...` session into stdin, arguments and output."""
    first, _, output = block.partition("\n")
    while first.endswith("\\"):
        more, _, output = output.partition("\n")
        first = first[:-1] + more
    printf, command = first.removeprefix("$ ").split(" | ", 1)
    stdin = shlex.split(printf)[1].replace("\\n", "\n")
    return stdin, command_line(command), output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder with no profile, and no BREAKUP_* or LANG settings from the machine."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in [n for n in os.environ if n.startswith("BREAKUP_")]:
        if name != "BREAKUP_CACHE_DIR":
            monkeypatch.delenv(name)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return tmp_path


def run(args: list[str], stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stdout


def test_the_worked_example_prints_what_the_readme_shows(here: Path) -> None:
    (here / "breakup.toml").write_text(fenced("## The profile", "toml"), encoding="utf-8")
    command = README.split("With a profile (below) and the client's facts:\n\n", 1)[1]
    command = command.split("\n\nprints:", 1)[0].strip()
    code, out = run(command_line(command))
    assert code == 0
    assert out == fenced("\nprints:\n")


def test_the_script_example_starts_as_the_readme_shows(here: Path) -> None:
    sentence = re.search(r"For example, `(breakup script [^`]+)` starts:", README, re.S)
    assert sentence is not None
    shown = fenced(sentence.group(0))
    code, out = run(command_line(sentence.group(1).replace("\n", " ")))
    assert code == 0
    assert shown.endswith("...\n")
    assert out.startswith(shown.removesuffix("...\n"))


@pytest.mark.parametrize(
    "marker", ["$ printf 'You NEVER pay", '$ printf "I understand.'], ids=["check", "rehearse"]
)
def test_the_piped_sessions_print_what_the_readme_shows(here: Path, marker: str) -> None:
    block = marker + README.split(marker, 1)[1].split("```", 1)[0]
    stdin, args, shown = piped(block)
    _code, out = run(args, stdin)
    assert out == shown


def test_the_own_archetype_example_renders(here: Path) -> None:
    folder = here / "mine" / "archetypes" / "scope-shifter"
    folder.mkdir(parents=True)
    (folder / "archetype.j2").write_text(
        fenced("`mine/archetypes/scope-shifter/archetype.j2`:", "jinja"), encoding="utf-8"
    )
    code, out = run(["script", "scope-shifter", "--templates", "mine", "--client", "Acme"])
    assert code == 0, out
    assert "But it is a small change." in out and "Every change moves the plan." in out

"""The archetype interface: checked at load, documented in the README, enough to add one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA

from breakup import archetype, catalog, resources
from breakup.cli import cli
from breakup.registry import DOCUMENTS

README = Path(__file__).parent.parent / "README.md"


def test_the_readme_lists_the_schema() -> None:
    """The README's table of archetype names is the schema: same names, same required ones."""
    section = (
        README.read_text(encoding="utf-8")
        .split("## Adding an archetype", 1)[1]
        .split("\n## ", 1)[0]
    )
    rows = re.findall(r"^\| `([a-z_]+)` \| (required|optional) \|", section, flags=re.MULTILINE)
    assert dict(rows) == {
        name: "required" if field.required else "optional"
        for name, field in archetype.SCHEMA.items()
    }


def _overlay(tmp_path: Path, text: str, name: str = "mine") -> Path:
    root = tmp_path / "overlay"
    folder = root / "archetypes" / name
    folder.mkdir(parents=True)
    (folder / "archetype.j2").write_text(text, encoding="utf-8")
    return root


def _late_payer() -> str:
    return (resources.templates_dir() / "archetypes" / "late-payer" / "archetype.j2").read_text(
        encoding="utf-8"
    )


@pytest.mark.parametrize("name", [n for n, f in archetype.SCHEMA.items() if f.required])
def test_a_missing_required_name_fails_at_load_naming_file_and_name(
    tmp_path: Path, runner: CliRunner, name: str
) -> None:
    text = re.sub(
        rf"\{{% set {name} (=|%\}}).*?(?=\n\{{% set |\Z)", "", _late_payer(), flags=re.DOTALL
    )
    assert f"set {name} " not in text
    root = _overlay(tmp_path, text)
    result = runner.invoke(cli, ["script", "mine", "--templates", str(root)])
    assert result.exit_code == 2
    assert "archetypes/mine/archetype.j2" in result.stderr and repr(name) in result.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('{% set tracks_payment = "false" %}', "'tracks_payment' must be true or false"),
        ('{% set call_minutes = "15" %}', "'call_minutes' must be a whole number"),
        (
            '{% set default_register = "usted" %}',
            '\'default_register\' must be "formal" or "informal"',
        ),
        ("{% set reactions = [] %}", "'reactions' must be a list of at least 3"),
        ('{% set boundaries = {"subject": "x"} %}', "the table 'boundaries' lacks 'if_crossed'"),
    ],
)
def test_values_are_typed(tmp_path: Path, runner: CliRunner, setting: str, message: str) -> None:
    """A boolean is a boolean: "false" in quotes is refused, not read as true."""
    root = _overlay(tmp_path, _late_payer() + "\n" + setting + "\n")
    result = runner.invoke(cli, ["email", "mine", "--templates", str(root)])
    assert result.exit_code == 2 and message in result.stderr, result.stderr


def test_booleans_are_honoured() -> None:
    from breakup.render import load_archetype

    loaded = load_archetype("late-payer", "en", "en_US", "formal")
    assert loaded.tracks_payment is True and loaded.talk_first is False


def test_a_copied_archetype_works_in_every_command(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Copying an archetype's folder to a new id gives a working archetype: no code edit."""
    templates = tmp_path / "templates"
    shutil.copytree(resources.templates_dir(), templates)
    shutil.copytree(templates / "archetypes" / "diva", templates / "archetypes" / "diva-copy")
    monkeypatch.setattr(resources, "TEMPLATES_DIR", templates)
    catalog._archetype_ids.cache_clear()
    catalog.environment.cache_clear()
    try:
        profile = ["--profile", str(DATA / "profile.toml")]
        facts = ["--client", "Acme", "--contact", "Ann Lee", "--end-date", "2027-01-15"]
        listing = runner.invoke(cli, ["archetypes", "--ids"])
        assert "diva-copy" in listing.stdout.split()
        for lang in ("en", "es"):
            for document in DOCUMENTS:
                result = runner.invoke(
                    cli, [document, "diva-copy", "--lang", lang, *facts, *profile]
                )
                assert result.exit_code == 0, (document, lang, result.stderr)
            kit = runner.invoke(
                cli, ["kit", "diva-copy", "--lang", lang, *facts, *profile, "-o", f"kit-{lang}"]
            )
            assert kit.exit_code == 0, kit.stderr
            rehearse = runner.invoke(
                cli,
                ["rehearse", "diva-copy", "--lang", lang, *facts, *profile],
                input="Entiendo.\n",
            )
            assert rehearse.exit_code == 0, rehearse.stderr
        Path("clients.csv").write_text(
            "archetype,client,contact,end_date\ndiva-copy,Acme,Ann Lee,2027-01-15\n",
            encoding="utf-8",
        )
        batch = runner.invoke(cli, ["batch", "clients.csv", "-o", "out", *profile])
        assert batch.exit_code == 0, batch.stderr
    finally:
        catalog._archetype_ids.cache_clear()
        catalog.environment.cache_clear()

"""The interface in the user's language: complete catalogs, Click's own messages, no leaks."""

from __future__ import annotations

import gettext
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from click.testing import CliRunner, Result
from conftest import DATA

import breakup as breakup_package
from breakup import i18n
from breakup.cli import cli
from breakup.resources import LOCALES_DIR

POT = LOCALES_DIR / "cli.pot"
CLI_PO = LOCALES_DIR / "es" / "LC_MESSAGES" / "cli.po"
CLICK_PO = LOCALES_DIR / "es" / "LC_MESSAGES" / "click.po"

AMOUNT = ["email", "late-payer", "--outstanding", "3.18.0"]
AMOUNT_ES = (
    "Error: importe no válido '3.18.0' para --outstanding: usa cifras con coma decimal, "
    "p. ej., 3180; 3.180,00 o 3180,50"
)
AMOUNT_EN = (
    "Error: invalid amount '3.18.0' for --outstanding: use digits with a point for decimals, "
    "e.g. 3180, 3,180.00 or 3180.50"
)
HEADER = "archetype,client,contact,client_email,lang,end_date,invoice,service\n"
GOOD = "late-payer,Acme,Ann Lee,ann@acme.example,en,2027-01-15,F-1:1200:2026-10-31,web design\n"
BAD = "late-payer,Beta,Bo Li,bo@beta.example,es,2027-02-30,F-2:900:2026-10-31,web design\n"


@pytest.fixture(autouse=True)
def fresh_commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Build the commands anew in each test, and leave the other tests the ones they had.

    Click fixes a few strings when it builds a parameter (a Path's kind), and the group keeps
    the commands it built: a command first built here in Spanish would stay so.
    """
    monkeypatch.setattr(cli, "commands", {})
    yield


def invoke(runner: CliRunner, args: list[str], **env: str) -> Result:
    return runner.invoke(cli, args, env=env or None, prog_name="breakup")


def read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def entries(catalog: Catalog) -> dict[Any, Any]:
    return {message.id: message for message in catalog if message.id}


def fields(text: str) -> list[tuple[str, str, str]]:
    """The str.format fields of a message: name, conversion and format spec."""
    return sorted(
        (name, conversion or "", spec or "")
        for _literal, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Entries whose translation lacks, adds or changes a placeholder, or misses a form."""
    problems = []
    for message in entries(catalog).values():
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(strings) != len(ids) or not all(strings):
            problems.append(f"{ids[0]!r}: {len(strings)} forms, some empty")
            continue
        for source, translation in zip(ids, strings, strict=True):
            if fields(source) != fields(translation):
                problems.append(f"{source!r} -> {translation!r}")
    return problems


# --- the catalogs ---------------------------------------------------------------------


def test_cli_catalog_translates_every_interface_message_and_nothing_else() -> None:
    template, spanish = entries(read(POT)), entries(read(CLI_PO))
    assert sorted(set(template) - set(spanish), key=str) == [], "untranslated: run pybabel update"
    assert sorted(set(spanish) - set(template), key=str) == [], "stale: run pybabel update"
    assert [m.id for m in spanish.values() if m.fuzzy or not m.string] == []
    assert {k: m.flags for k, m in spanish.items()} == {k: m.flags for k, m in template.items()}


@pytest.mark.parametrize("path", [CLI_PO, CLICK_PO], ids=["cli.po", "click.po"])
def test_translations_keep_every_placeholder_and_plural_form(path: Path) -> None:
    assert placeholder_problems(read(path)) == []


@pytest.mark.parametrize("path", [CLI_PO, CLICK_PO], ids=["cli.po", "click.po"])
def test_catalog_header_has_the_spanish_plural_rule(path: Path) -> None:
    catalog = read(path)
    assert str(catalog.locale) == "es"
    assert (catalog.num_plurals, catalog.plural_expr) == (2, "(n != 1)")


def test_breakup_loads_the_whole_interface_catalog() -> None:
    loaded = {key if isinstance(key, str) else key[0] for key in i18n._messages("es", i18n.DOMAIN)}
    assert len(loaded) == len(entries(read(POT)))
    assert len(i18n.click_messages("es")) >= len(entries(read(CLICK_PO)))
    assert i18n.click_messages("en") == {}


def click_source_messages() -> set[Any]:
    """Every message Click marks for translation: a string, or (singular, plural)."""
    folder = Path(click.__file__).parent
    return {message for _file, _line, message, *_rest in extract_from_dir(folder)}


def test_every_click_message_translated_is_still_in_clicks_source() -> None:
    """A Click upgrade that rewords a message fails here instead of falling back to English."""
    known = click_source_messages()
    assert [m for m in entries(read(CLICK_PO)) if m not in known] == []


def test_click_catalog_covers_what_a_user_of_breakup_meets() -> None:
    ids = set(entries(read(CLICK_PO)))
    for message in (
        "Usage:", "Options", "Commands", "Error: {message}", "Try '{command} {option}' for help.",
        "No such option {name!r}.", "No such command {name!r}.", "Missing argument",
        "Invalid value for {param_hint}: {message}", "Aborted!", "directory",
        "{name} {filename!r} does not exist.",
        ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
        ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
        ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    ):  # fmt: skip
        assert message in ids


# --- Spanish on the command line ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "profile"),
    [
        (["--lang", "es"], {}, None),
        ([], {"LANG": "es_ES.UTF-8"}, None),
        ([], {"BREAKUP_LANG": "es"}, None),
        ([], {}, '[defaults]\nlang = "es"\n'),
    ],
    ids=["--lang", "LANG", "BREAKUP_LANG", "profile"],
)
def test_a_breakup_error_is_one_spanish_error_line(
    runner: CliRunner, args: list[str], env: dict[str, str], profile: str | None
) -> None:
    if profile:
        Path("breakup.toml").write_text(profile, encoding="utf-8")
    result = invoke(runner, [*AMOUNT, *args], **env)
    assert result.exit_code == 2
    assert result.stderr == AMOUNT_ES + "\n"
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (["email", "late-payer", "--lang", "es", "--templates", "nope"], {},
         "Error: no se encuentra la carpeta nope: comprueba la ruta indicada en --templates o "
         "BREAKUP_TEMPLATES"),
        (["email", "late-payer", "--lang", "es"], {"BREAKUP_AFTER_CALL": "quizá"},
         "Error: valor no válido 'quizá' para BREAKUP_AFTER_CALL: usa 1 o 0 (o true/false, "
         "yes/no)"),
        (["email", "late-payer", "--lang", "es", "-o", "."], {},
         "Error: . es una carpeta: da a -o el nombre de un archivo, como email.txt"),
    ],
    ids=["missing folder", "invalid variable", "folder for a file"],
)  # fmt: skip
def test_a_path_or_variable_error_is_one_spanish_line(
    runner: CliRunner, args: list[str], env: dict[str, str], error: str
) -> None:
    """Where Click would print its usage block for an option the user may not have typed (a
    variable, a path), breakup says what is wrong in one line, in Spanish."""
    result = invoke(runner, args, **env)
    assert result.exit_code == 2
    assert result.stderr == error + "\n"


@pytest.mark.parametrize(
    ("args", "env", "error"),
    [
        (["email", "--lang", "es", "--nope"], {}, "Error: No existe la opción '--nope'."),
        (["email", "--lang", "es"], {}, "Error: Falta el argumento 'ARCHETYPE'."),
        (
            ["email", "late-payer", "--lang", "es", "--format", "xx"], {},
            "Error: Valor no válido para '-f' / '--format': 'xx' no es válido: elige entre 'text',",
        ),
        (["nocmd"], {"LANG": "es_ES.UTF-8"}, "Error: No existe el comando 'nocmd'."),
    ],
    ids=["unknown option", "missing argument", "bad choice", "unknown command"],
)  # fmt: skip
def test_a_click_usage_error_is_spanish(
    runner: CliRunner, args: list[str], env: dict[str, str], error: str
) -> None:
    result = invoke(runner, args, **env)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    command = "breakup email" if args[0] == "email" else "breakup"
    assert lines[0].startswith(f"Uso: {command} [OPTIONS]")
    assert lines[1] == f"Prueba '{command} --help' para ver la ayuda."
    assert lines[-1].startswith(error)
    assert not any(line.startswith(("Usage:", "Try ")) for line in lines)


def test_help_headings_are_spanish_and_the_help_text_stays_english(runner: CliRunner) -> None:
    """Decided: the help text stays English; Click's frame around it follows the language."""
    result = invoke(runner, ["email", "--lang", "es", "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Uso: breakup email [OPTIONS] ARCHETYPE\n")
    assert "\nOpciones:\n" in result.stdout
    assert "Write the termination email" in result.stdout
    assert "Usage:" not in result.stdout and "\nOptions:" not in result.stdout


def test_the_command_list_has_spanish_headings(runner: CliRunner) -> None:
    result = invoke(runner, ["--help"], LANG="es_ES.UTF-8")
    assert result.exit_code == 0
    assert result.stdout.startswith("Uso: breakup [OPTIONS] [COMMAND] [ARGS]...\n")
    assert "\nOpciones:\n" in result.stdout and "\nComandos:\n" in result.stdout


def test_the_batch_summary_is_spanish(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD + BAD, encoding="utf-8")
    profile = ["--profile", str(DATA / "profile.toml")]
    batch = ["batch", "clients.csv", "-o", "out", "--lang", "es", *profile]
    result = invoke(runner, [*batch, "--dry-run"])
    assert result.stderr.splitlines()[-1] == (
        "Simulación: se escribirían en out los documentos de 1 de 2 filas; no se ha escrito "
        "nada. Fallaría 1."
    )
    result = invoke(runner, batch)
    assert result.exit_code == 1
    failure, summary = result.stderr.splitlines()
    assert failure.startswith("fila 3 (Beta): fecha no válida '2027-02-30' para ")
    assert failure.endswith(": febrero de 2027 tiene 28 días")
    assert summary == (
        f"Filas con documentos escritos en out: 1 de 2. 1 con errores: corrígela en "
        f"{Path('out', 'failed.csv')} y vuelve a procesar ese archivo."
    )
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    result = invoke(runner, [*batch, "--resume"])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Filas con documentos escritos en out: 0 de 1. 1 ya estaba completa (omitida).",
        f"Nota: {Path('out', 'failed.csv')} es de una ejecución anterior; en esta no ha fallado "
        "ninguna fila.",
    ]


# --- English, and no leaks ------------------------------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"LANG": "en_US.UTF-8"},
        {"LANG": "fr_FR.UTF-8"},
        {"LANG": "C"},
        {"LC_ALL": "C", "LANG": "es_ES.UTF-8"},
    ],
    # LC_ALL over LANG, as for the documents (a round-34 red team: Spanish messages over an
    # English document).
    ids=["no language", "LANG=en_US", "a language breakup lacks", "LANG=C", "LC_ALL=C"],
)
def test_english_is_unchanged(runner: CliRunner, env: dict[str, str]) -> None:
    result = invoke(runner, AMOUNT, **env)
    assert (result.exit_code, result.stderr) == (2, AMOUNT_EN + "\n")
    result = invoke(runner, ["email", "--nope"], **env)
    assert result.stderr.splitlines()[:2] == [
        "Usage: breakup email [OPTIONS] ARCHETYPE",
        "Try 'breakup email --help' for help.",
    ]
    assert result.stderr.splitlines()[-1].startswith("Error: No such option '--nope'.")
    result = invoke(runner, ["--help"], **env)
    assert result.stdout.startswith("Usage: breakup [OPTIONS]")
    assert "\nOptions:\n" in result.stdout and "\nCommands:\n" in result.stdout


def test_the_interface_language_does_not_leak_between_invocations(runner: CliRunner) -> None:
    original = gettext.dgettext, gettext.dngettext
    english_help = invoke(runner, ["email", "--help"]).stdout
    spanish = invoke(runner, [*AMOUNT, "--lang", "es"])
    english = invoke(runner, AMOUNT)
    spanish_usage = invoke(runner, ["email", "--lang", "es", "--nope"])
    english_usage = invoke(runner, ["email", "--nope"])
    spanish_help = invoke(runner, ["email", "--lang", "es", "--help"]).stdout

    assert (spanish.stderr, english.stderr) == (AMOUNT_ES + "\n", AMOUNT_EN + "\n")
    assert spanish_usage.stderr.startswith("Uso: ")
    assert english_usage.stderr.startswith("Usage: ")
    assert "Error: No such option '--nope'." in english_usage.stderr
    assert invoke(runner, ["email", "--help"]).stdout == english_help
    assert spanish_help.startswith("Uso: ") and "\nOpciones:\n" in spanish_help
    # Nothing of the Spanish run stays in the process.
    assert i18n.language() == "en"
    assert i18n._("Commands") == "Commands"
    assert (gettext.dgettext, gettext.dngettext) == original
    assert gettext.gettext("Usage:") == "Usage:"


def test_a_command_first_built_in_spanish_speaks_english_afterwards(runner: CliRunner) -> None:
    invoke(runner, ["email", "late-payer", "--lang", "es", "--format", "xx"])
    result = invoke(runner, ["email", "late-payer", "--format", "xx"])
    assert result.stderr.splitlines()[-1].startswith(
        "Error: Invalid value for '-f' / '--format': 'xx' is not one of"
    )


def test_the_interface_template_holds_every_message_of_the_code() -> None:
    """A message added to the code without `pybabel extract` (README, 'Adding a language')
    would reach a Spanish user in English: the template must hold exactly the code's."""
    folder = Path(breakup_package.__file__).parent
    found = {message for _file, _line, message, *_rest in
             extract_from_dir(folder, method_map=[("**.py", "python")])}  # fmt: skip
    assert set(entries(read(POT))) == {m for m in found if m}

"""The command line as a user meets it: exit codes, messages, options and variables."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import DATA

from breakup import __version__
from breakup.cli import cli

PROFILE = str(DATA / "profile.toml")
FULL = [
    "--client",
    "Ferretería Núñez",
    "--contact",
    "Laura Gómez",
    "--end-date",
    "2027-01-15",
    "--outstanding",
    "4250",
    "--profile",
    PROFILE,
]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run from an empty folder with no profile and no BREAKUP_* variables around."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    return CliRunner()


def test_spanish_email_from_built_in_defaults(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["email", "late-payer", "--lang", "es"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Asunto: Fin de nuestra colaboración")
    assert "[nombre del cliente]" in result.stdout
    assert "Warning:" in result.stderr and "--client" in result.stderr


def test_full_facts_give_a_finished_email_and_no_warning(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["email", "late-payer", "--lang", "es", *FULL])
    assert result.exit_code == 0, result.output
    assert "[" not in result.stdout
    assert "4.250,00\u00a0€" in result.stdout and "15 de enero de 2027" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("locale", "date_text", "money"),
    [
        ("es_ES", "15 de enero de 2027", "4.250,00 €"),
        ("es_MX", "15 de enero de 2027", "EUR 4,250.00"),
        ("en_US", "January 15, 2027", "€4,250.00"),
        ("en_GB", "15 January 2027", "€4,250.00"),
    ],
    ids=["es_ES", "es_MX", "en_US", "en_GB"],
)
def test_locale_formats_dates_and_money(
    runner: CliRunner, locale: str, date_text: str, money: str
) -> None:
    result = runner.invoke(cli, ["email", "late-payer", "--locale", locale, *FULL])
    assert result.exit_code == 0, result.output
    out = result.stdout.replace("\u00a0", " ")  # Babel puts a no-break space before €
    assert date_text in out and money in out


def test_language_follows_lang_variable_when_nothing_else_says(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    result = runner.invoke(cli, ["email", "diva", *FULL])
    assert "Asunto:" in result.stdout


def test_every_option_reads_a_breakup_variable(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "LANG": "es",
        "CLIENT": "Acme",
        "CONTACT": "Pilar",
        "END_DATE": "2027-02-01",
        "OUTSTANDING": "10",
        "CURRENCY": "USD",
        "PROFILE": PROFILE,
        "SERVICE": "branding",
        "FORMAL": "false",
    }.items():
        monkeypatch.setenv(f"BREAKUP_{name}", value)
    result = runner.invoke(cli, ["email", "late-payer"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Hola, Pilar:" in out and "Acme" in out and "1 de febrero de 2027" in out
    assert "10,00\u00a0US$" in out and "Ana Ruiz" in out and "Jorge Salas" not in out


def test_informal_flag_switches_the_whole_email_to_tu(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["email", "diva", "--lang", "es", "--informal", *FULL])
    assert "Te escribo" in result.stdout and "Le escribo" not in result.stdout


def test_family_friend_defaults_to_tu_and_formal_overrides(runner: CliRunner) -> None:
    informal = runner.invoke(cli, ["email", "family-friend", "--lang", "es", *FULL]).stdout
    formal = runner.invoke(cli, ["email", "family-friend", "--lang", "es", "--formal", *FULL])
    assert "¿Buscamos un momento" in informal
    assert "¿Podríamos buscar un momento" in formal.stdout
    assert "lo que quiera decirme" in formal.stdout and "lo que quieras" in informal
    assert "Un abrazo" in informal and "Un abrazo" not in formal.stdout


def test_service_picks_matching_referrals(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["email", "diva", "--service", "web design", *FULL])
    assert "Jorge Salas" in result.stdout and "Ana Ruiz" not in result.stdout
    assert "web design services" in result.stdout


def test_output_file_is_written_and_never_overwritten(runner: CliRunner) -> None:
    first = runner.invoke(cli, ["email", "diva", "-o", "mail.txt", *FULL])
    assert first.exit_code == 0 and Path("mail.txt").read_text().startswith("Subject:")
    second = runner.invoke(cli, ["email", "shouter", "-o", "mail.txt", *FULL])
    assert second.exit_code != 0
    assert "already exists" in second.stderr and "--force" in second.stderr
    assert "capacity" in Path("mail.txt").read_text()  # still the first email
    third = runner.invoke(cli, ["email", "shouter", "-o", "mail.txt", "--force", *FULL])
    assert third.exit_code == 0 and "cultures" not in Path("mail.txt").read_text().lower()


def test_a_refused_write_prints_only_the_error_line(runner: CliRunner) -> None:
    """A document with placeholders that cannot be written gets one Error: line, no warning."""
    Path("mail.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(cli, ["email", "diva", "-o", "mail.txt"])
    assert result.exit_code != 0
    assert result.stderr.splitlines() == [
        "Error: mail.txt already exists: choose another name or pass --force"
    ]
    assert Path("mail.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["email", "nagger"], "unknown archetype 'nagger': choose one of diva, family-friend"),
        (["email", "diva", "--end-date", "15/01/2027"], "YYYY-MM-DD"),
        (["email", "diva", "--end-date", "2027-02-30"], "--end-date"),
        (["email", "diva", "--outstanding", "4.250,00"], "--outstanding"),
        (["email", "diva", "--outstanding", "-5"], "--outstanding"),
        (["email", "diva", "--currency", "EURO"], "ISO 4217"),
        (["email", "diva", "--currency", "XYZ"], "--currency"),
        (["email", "diva", "--locale", "xx_YY"], "unknown locale 'xx_YY' for --locale"),
        (["email", "diva", "--lang", "fr"], "unknown language 'fr' for --lang: choose one of"),
        (["email", "diva", "--client-email", "laura at example"], "name@example.com"),
        (["email", "diva", "--profile", "nowhere.toml"], "profile nowhere.toml not found"),
        (["email", "diva", "--client", "Acme\nBcc: x@y.z"], "--client must be a single line"),
    ],
    ids=[
        "archetype",
        "date-form",
        "date-day",
        "amount-form",
        "amount-negative",
        "currency-form",
        "currency-unknown",
        "locale",
        "lang",
        "email",
        "profile",
        "newline",
    ],
)
def test_bad_input_gets_one_error_line(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1 and message in error_lines[0], result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


def test_debug_shows_the_traceback(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--debug", "email", "nagger"])
    assert result.exit_code != 0 and result.exception is not None


def test_archetypes_lists_ids_with_descriptions(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["archetypes", "--lang", "es"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["diva", "family-friend", "late-payer", "shouter"]
    assert "Paga tarde o no paga" in result.stdout
    ids = runner.invoke(cli, ["archetypes", "--ids"]).stdout.split()
    assert ids == ["diva", "family-friend", "late-payer", "shouter"]


def test_version(runner: CliRunner) -> None:
    assert __version__ in runner.invoke(cli, ["--version"]).stdout


@pytest.mark.parametrize("command", cli.list_commands(click.Context(cli)), ids=str)
def test_every_command_has_help_with_an_example(runner: CliRunner, command: str) -> None:
    result = runner.invoke(cli, [command, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout and f"breakup {command}" in result.stdout


def test_check_exit_codes_and_json(runner: CliRunner, tmp_path: Path) -> None:
    import json

    clean = runner.invoke(cli, ["check", "--lang", "en"], input="Thank you for the trust.\n")
    assert clean.exit_code == 0 and "No findings" in clean.stdout
    draft = tmp_path / "draft.txt"
    draft.write_text("Hola:\nEstoy harta de sus excusas.\n", encoding="utf-8")
    found = runner.invoke(cli, ["check", str(draft), "--lang", "es", "--format", "json"])
    assert found.exit_code == 1
    (report,) = json.loads(found.stdout)["files"]
    findings = report["findings"]
    assert [(f["line"], f["category"]) for f in findings] == [(2, "venting"), (2, "blame")]
    assert set(findings[0]) == {
        "line", "column", "end_line", "end_column", "category", "rule", "label", "match", "advice",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "nowhere.txt"], "draft nowhere.txt not found"),
        (["check", "--lang", "fr"], "unknown language 'fr' for --lang"),
        (["check", "--format", "xml"], "Invalid value for '-f' / '--format'"),
    ],
    ids=["missing-file", "language", "format"],
)
def test_check_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args, input="hola\n")
    assert result.exit_code == 2 and message in result.stderr

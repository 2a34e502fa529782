"""breakup check: the command line of the tone check (breakup.check holds the rules)."""

from __future__ import annotations

import os
import sys

import click

from breakup.cli import _SHORT_HELP, _envvar


def make() -> click.Command:
    """Build the check command."""

    @click.command("check", short_help=_SHORT_HELP["check"])
    @click.argument("source", default="-", metavar="[FILE|-]")
    @click.option(
        "--lang",
        envvar=_envvar("LANG"),
        metavar="LANG",
        help="Language of the draft: en or es. Default: $LANG, else en.",
    )
    @click.option(
        "--formal/--informal",
        "formal",
        default=True,
        envvar=_envvar("FORMAL"),
        help="Formal or informal address in the advice (Spanish usted/tú). Default: formal.",
    )
    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        envvar=_envvar("CHECK_FORMAT"),
        show_default=True,
        help="Report format.",
    )
    def check(source: str, lang: str | None, formal: bool, fmt: str) -> None:
        """Check a draft for blaming, personal or emotional phrasing.

        Reads the draft from FILE, or from stdin when FILE is - or omitted. Prints each
        finding with its line:column, category, the words found and a neutral alternative.
        Exits 0 when the draft is clean, 1 when there are findings.

        \b
        Example:
          breakup check draft.txt --lang es && echo "ready to send"
        """
        from breakup.check import check_text, format_findings
        from breakup.errors import InputError

        if source == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(source, encoding="utf-8") as handle:
                    text = handle.read()
            except FileNotFoundError:
                raise InputError(f"draft {source} not found: check the path") from None
            except UnicodeDecodeError:
                raise InputError(f"{source} is not UTF-8 text: save it as UTF-8") from None
            except OSError as error:
                raise InputError(f"cannot read {source}: {error.strerror}") from None
        language = (lang or _language_from_environment()).lower()
        findings = check_text(text, language, "formal" if formal else "informal")
        click.echo(format_findings(findings, language, fmt))
        if findings:
            sys.exit(1)

    return check


def _language_from_environment() -> str:
    value = os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    code = value.split("_")[0].split(".")[0].lower()
    return code if code in ("en", "es") else "en"

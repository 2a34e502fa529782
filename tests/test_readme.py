"""The README is true: its examples are real output, its tables are the code's own tables.

Each generated block follows a `<!-- ... -->` marker; `pytest --update-goldens` rewrites them
(read the diff before committing).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from breakup.archetype import SCHEMA
from breakup.cli import cli
from breakup.facts import FACTS

README_PATH = Path(__file__).resolve().parents[1] / "README.md"


def readme() -> str:
    return README_PATH.read_text(encoding="utf-8")


def block_after(marker: str, text: str | None = None) -> str:
    """The body of the first fenced block (or table) after `<!-- marker -->`."""
    rest = (text or readme()).split(f"<!-- {marker} -->\n", 1)[1]
    if rest.startswith("|"):
        return rest.split("\n\n", 1)[0] + "\n"
    return rest.split("```text\n", 1)[1].split("```", 1)[0]


def replace_block(text: str, marker: str, body: str) -> str:
    head, rest = text.split(f"<!-- {marker} -->\n", 1)
    if rest.startswith("|"):
        return f"{head}<!-- {marker} -->\n{body.rstrip()}\n\n{rest.split(chr(10) * 2, 1)[1]}"
    before, after = rest.split("```text\n", 1)
    return f"{head}<!-- {marker} -->\n{before}```text\n{body}```{after.split('```', 1)[1]}"


def check_or_update(marker: str, body: str, update: bool) -> None:
    if update:
        README_PATH.write_text(replace_block(readme(), marker, body), encoding="utf-8")
    assert block_after(marker) == body


def run(args: list[str], stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, args, input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_quickstart_has_exactly_two_commands() -> None:
    section = readme().split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = [line for line in section.splitlines() if line.startswith("    ")]
    assert commands == [
        "    python -m pip install . && breakup email late-payer --lang es",
        "    python -m pip install '.[test]' && python -m pytest",
    ]


def _kit_command() -> list[str]:
    text = readme().split("<!-- command: kit -->\n", 1)[1].split("\n\n", 1)[0]
    return shlex.split(text.replace("\\\n", " "))[1:]


def test_the_worked_example_is_real(update_goldens: bool) -> None:
    profile = (
        readme().split("## A worked example", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    )
    Path("breakup.toml").write_text(profile, encoding="utf-8")
    code, out, err = run(_kit_command())
    assert code == 0, err
    check_or_update("kit files", out, update_goldens)
    folder = Path(_kit_command()[-1])
    for name in ("email.txt", "call-script.txt", "referral-letter.txt", "heads-up.txt",
                 "follow-up-notes.txt"):  # fmt: skip
        check_or_update(
            f"kit file: {name}", (folder / name).read_text(encoding="utf-8"), update_goldens
        )


def _facts_table() -> str:
    rows = ["| option | column | variable | meaning |", "|---|---|---|---|"]
    for fact in FACTS:
        option = f"`{fact.option}`" + (f" {fact.metavar}" if fact.metavar else "")
        column = "`invoice` (or `invoices`)" if fact.name == "invoice" else f"`{fact.name}`"
        variable = "" if fact.repeat else f"`{fact.envvar}`"
        rows.append(f"| {option} | {column} | {variable} | {fact.help} |")
    return "\n".join(rows) + "\n"


def _schema_table() -> str:
    rows = ["| name | | kind | what it is |", "|---|---|---|---|"]
    for name, field in SCHEMA.items():
        default = field.default
        extra = ""
        if not field.required and default not in (None, []):
            extra = (
                f" (default: `{str(default).lower() if isinstance(default, bool) else default}`)"
            )
        kind = "required" if field.required else "optional"
        rows.append(f"| `{name}` | {kind} | {field.kind} | {field.doc}{extra} |")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("marker", "make"), [("facts table", _facts_table), ("schema table", _schema_table)]
)
def test_tables_are_the_codes_own(
    marker: str, make: Callable[[], str], update_goldens: bool
) -> None:
    check_or_update(marker, make(), update_goldens)


# The batch loop, as the README shows it: a Windows-1252 file with semicolons, as Spanish
# Excel saves it; two bad rows; fixed in failed.csv; run again; --resume; a plain rerun.
CLIENTS = (
    "archetype;client;contact;client_email;lang;end_date;invoice;service\r\n"
    "late-payer;Ferretería Núñez;Laura Gómez;laura@ferreterianunez.es;es;31/01/2027;"
    "F-31:1.200,00:15/10/2026;diseño web\r\n"
    "diva;Hotel Mirador;Carlos Ibáñez;carlos@hotelmirador;es;30/02/2027;;branding\r\n"
    "shouter;Acme Logistics;John Carter;john@acme.example;en;2027-01-20;;\r\n"
    "sctop-shifter;Bright Ideas;Emma Clarke;emma@brightideas.example;en;2027-02-01;;\r\n"
)
FIXES = [("carlos@hotelmirador", "carlos@hotelmirador.mx"), ("30/02/2027", "28/02/2027"),
         ("sctop-shifter", "scope-shifter")]  # fmt: skip
STEPS = [
    "breakup batch clients.csv -o out --dry-run",
    "breakup batch clients.csv -o out",
    "# fix the two rows in out/failed.csv, then:",
    "breakup batch out/failed.csv -o out",
    "breakup batch out/failed.csv -o out",
    "breakup batch out/failed.csv -o out --resume",
]


def batch_session() -> str:
    Path("breakup.toml").write_text(
        '[sender]\nname = "Marta Aguirre"\ncompany = "Aguirre Diseño"\n'
        'email = "marta@aguirre.es"\n\n'
        '[[referrals]]\nname = "Jorge Salas"\nemail = "jorge@salasdigital.es"\n'
        'services = ["diseño web", "branding", "web design"]\n',
        encoding="utf-8",
    )
    Path("clients.csv").write_bytes(CLIENTS.encode("cp1252"))
    lines = []
    for step in STEPS:
        if step.startswith("#"):
            failed = Path("out/failed.csv")
            text = failed.read_bytes().decode("cp1252")
            for old, new in FIXES:
                text = text.replace(old, new)
            failed.write_bytes(text.encode("cp1252"))
            lines.append(step)
            continue
        code, out, err = run(shlex.split(step)[1:])
        lines.append(f"$ {step}")
        lines.extend(line for line in (out + err).splitlines())
        if code:
            lines.append(f"(exit {code})")
    return "\n".join(lines) + "\n"


def test_the_batch_loop_is_real(update_goldens: bool) -> None:
    check_or_update("batch loop", batch_session(), update_goldens)


def test_the_batch_loop_ends_as_a_clean_single_run(tmp_path: Path) -> None:
    """After fixing and rerunning, out/ holds what one clean run of the fixed file writes."""
    batch_session()
    fixed = CLIENTS
    for old, new in FIXES:
        fixed = fixed.replace(old, new)
    Path("fixed.csv").write_bytes(fixed.encode("cp1252"))
    code, _out, err = run(["batch", "fixed.csv", "-o", "clean"])
    assert code == 0, err

    def contents(root: str) -> dict[str, str]:
        return {
            str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in Path(root).rglob("*") if p.is_file() and not p.name.startswith(".")
            and p.name != "failed.csv" and p.suffix != ".eml"
        }  # fmt: skip

    assert contents("out") == contents("clean")


def test_every_command_is_in_the_readme() -> None:
    for name in cli.list_commands(click.Context(cli)):
        assert f"breakup {name}" in readme(), name


def test_every_option_is_in_the_readme() -> None:
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        for param in command.params:
            if isinstance(param, click.Option):
                for opt in param.opts:
                    if opt.startswith("--") and opt != "--help":
                        assert opt in readme(), (name, opt)


def test_the_readme_names_real_files() -> None:
    for path in re.findall(r"`(tests/[\w/.-]+\.py)`", readme()):
        assert (README_PATH.parent / path).is_file(), path


REHEARSAL_REPLIES = [
    "Ok, thanks.",
    "The end date stays the same, and the decision stands. Send me any proposal in writing.",
    "We've always been clear about this!!",
]
REHEARSAL = "rehearse late-payer --seed 10 --client Acme --end-date 2027-01-15 --transcript acme.md"


def test_the_rehearsal_session_is_real(update_goldens: bool, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    replies = "".join(f"{reply}\n" for reply in REHEARSAL_REPLIES)
    code, out, err = run(shlex.split(REHEARSAL), stdin=replies)
    assert code == 0, err
    typed = replies.replace("\n", "\\n")
    body = f'$ printf "{typed}" | \\\n    breakup {REHEARSAL}\n{out}{err}'
    check_or_update("rehearsal session", body, update_goldens)

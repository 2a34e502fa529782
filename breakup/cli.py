"""The command line: parse options, call the core, print or write the result."""

from __future__ import annotations

import functools
import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from breakup import __version__
from breakup.errors import BreakupError

if TYPE_CHECKING:
    from breakup.models import ClientFacts, Profile
    from breakup.publish import Output


class _Failure(click.ClickException):
    """A BreakupError on its way to the user as one `Error:` line (exit 1)."""


class _InputFailure(_Failure):
    """The same, for invalid input (exit 2, as Click's own usage errors)."""

    exit_code = 2


def _failure(message: str, exit_code: int) -> _Failure:
    return _InputFailure(message) if exit_code == 2 else _Failure(message)


# What `breakup --help` lists for each command: one line that fits the terminal.
_SHORT_HELP = {
    "archetypes": "List the client archetypes.",
    "batch": "Write the documents for every client in a CSV or JSON Lines file.",
    "check": "Check a draft for blame, personal remarks or emotional language.",
    "email": "Write the termination email.",
    "init": "Write a sample profile and clients file to start from.",
    "kit": "Write all four documents into a folder.",
    "notes": "Write your follow-up notes (for you, not the client).",
    "referral": "Write the referral letter recommending other providers.",
    "rehearse": "Practice the call: breakup plays the client.",
    "script": "Write the call script, with likely reactions and replies.",
}

# Each command is built when it is used: Click's options cost time to create, and a command
# should not pay for the others' (see benchmarks/). Filled in below, name -> factory.
_COMMANDS: dict[str, Callable[[], click.Command]] = {}


def _command_from(module: str) -> Callable[[], click.Command]:
    """A factory that imports breakup.<module> only when its command is used."""

    def make() -> click.Command:
        import importlib

        command: click.Command = importlib.import_module(f"breakup.{module}").make()
        return command

    return make


class BreakupGroup(click.Group):
    """Build commands on demand; turn every BreakupError (and any bug) into one `Error:` line,
    unless --debug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _COMMANDS:
            self.add_command(_COMMANDS[cmd_name](), cmd_name)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BreakupError as error:
            if _debug(ctx):
                raise
            raise _failure(str(error), error.exit_code) from None
        except Exception as error:  # a bug: say so in one line, the traceback with --debug
            if _debug(ctx):
                raise
            raise _Failure(
                f"unexpected {type(error).__name__}: {error} (run with --debug for details "
                "and report it)"
            ) from None


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


def _envvar(name: str) -> str:
    return f"BREAKUP_{name}"


def _parsed(parser: Callable[[str, str], Any], option: str) -> Callable[..., Any]:
    """Wrap a models parser as a Click callback, so bad values fail while parsing."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value == "":
            return None
        try:
            return parser(value, option)
        except BreakupError as error:
            raise _InputFailure(str(error)) from None

    return callback


def _lazy(name: str) -> Callable[[str, str], Any]:
    def parse(value: str, option: str) -> Any:
        from breakup import models

        return getattr(models, name)(value, option)

    return parse


def _profile_option() -> Callable[..., Any]:
    return click.option(
        "--profile",
        "profile_path",
        envvar=_envvar("PROFILE"),
        metavar="PATH",
        help="Profile TOML. Default: ./breakup.toml, then the user config folder.",
    )


def _templates_option() -> Callable[..., Any]:
    return click.option(
        "--templates",
        "templates_dir",
        envvar=_envvar("TEMPLATES"),
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        help="Folder of your own templates, which override the built-in ones.",
    )


def language_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --lang, --locale, --profile."""
    for option in reversed(
        [
            click.option(
                "--lang",
                envvar=_envvar("LANG"),
                metavar="LANG",
                help="Language of the document: en or es. Default: the profile, "
                "then $LANG, then en.",
            ),
            click.option(
                "--locale",
                envvar=_envvar("LOCALE"),
                metavar="LOCALE",
                help="Regional formats for dates and money, e.g. es_ES, es_MX, en_US, en_GB.",
            ),
            _profile_option(),
        ]
    ):
        func = option(func)
    return func


def document_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options every document command shares."""
    options = [
        click.option(
            "--client",
            envvar=_envvar("CLIENT"),
            metavar="NAME",
            callback=_parsed(_lazy("single_line"), "--client"),
            help="The client's organization.",
        ),
        click.option(
            "--contact",
            envvar=_envvar("CONTACT"),
            metavar="NAME",
            callback=_parsed(_lazy("single_line"), "--contact"),
            help="The person you write to.",
        ),
        click.option(
            "--client-email",
            envvar=_envvar("CLIENT_EMAIL"),
            metavar="EMAIL",
            callback=_parsed(_lazy("parse_email"), "--client-email"),
            help="The contact's email address.",
        ),
        click.option(
            "--end-date",
            envvar=_envvar("END_DATE"),
            metavar="YYYY-MM-DD",
            callback=_parsed(_lazy("parse_date"), "--end-date"),
            help="Your last day of work for the client.",
        ),
        click.option(
            "--pay-by",
            envvar=_envvar("PAY_BY"),
            metavar="YYYY-MM-DD",
            callback=_parsed(_lazy("parse_date"), "--pay-by"),
            help="Payment deadline for the outstanding amount. Default: the end date.",
        ),
        click.option(
            "--outstanding",
            envvar=_envvar("OUTSTANDING"),
            metavar="AMOUNT",
            callback=_parsed(_lazy("parse_amount"), "--outstanding"),
            help="Amount still owed, e.g. 4250.50.",
        ),
        click.option(
            "--currency",
            envvar=_envvar("CURRENCY"),
            metavar="CODE",
            callback=_parsed(_lazy("parse_currency"), "--currency"),
            help="ISO 4217 code. Default: the profile, else EUR.",
        ),
        click.option(
            "--service",
            envvar=_envvar("SERVICE"),
            metavar="TEXT",
            callback=_parsed(_lazy("single_line"), "--service"),
            help="The service you are ending; also picks the matching referrals.",
        ),
        click.option(
            "--formal/--informal",
            "formal",
            default=None,
            envvar=_envvar("FORMAL"),
            help="Formal or informal address (Spanish usted/tú). Default: the archetype's.",
        ),
        _templates_option(),
    ]
    for option in reversed(options):
        func = option(func)
    return language_options(func)


def _load_profile(path: str | None) -> Profile:
    from breakup.models import Profile, find_profile, load_profile

    found = find_profile(path)
    return load_profile(found) if found else Profile()


def _facts(params: dict[str, Any]) -> ClientFacts:
    from breakup.models import ClientFacts

    return ClientFacts(
        client=params["client"],
        contact=params["contact"],
        client_email=params["client_email"],
        end_date=params["end_date"],
        pay_by=params["pay_by"],
        outstanding=params["outstanding"],
        currency=params["currency"],
        service=params["service"],
    )


def _warn_missing(missing: tuple[str, ...] | set[str]) -> None:
    if not missing:
        return
    from breakup.render import HOW_TO_FILL

    lines = "\n".join(f"  - {HOW_TO_FILL[key]}" for key in sorted(missing))
    click.echo(
        "Warning: the document contains placeholders in [brackets]; fill them in before sending.\n"
        f"To fill them in, provide (as options, BREAKUP_* variables or profile settings):\n{lines}",
        err=True,
    )


def _render_options(params: dict[str, Any]) -> dict[str, Any]:
    """Turn the parsed options into render()'s keyword arguments."""
    from breakup.render import resolve_locale

    profile = _load_profile(params["profile_path"])
    lang, locale = resolve_locale(params["lang"], params["locale"], profile, os.environ)
    formal = params["formal"]
    return {
        "facts": _facts(params),
        "profile": profile,
        "lang": lang,
        "locale": locale,
        "register": None if formal is None else ("formal" if formal else "informal"),
        "templates": params["templates_dir"],
    }


def _publish(document: str, archetype: str, fmt: str, options: dict[str, Any]) -> Output:
    from breakup.publish import publish

    return publish(document, archetype, fmt, **options)


def _emit(out: Output, output: Path | None, force: bool) -> None:
    if output is None:
        if out.binary:
            raise _InputFailure(f"--format {out.fmt} writes a binary file: give -o FILE")
        click.echo(out.data.decode("utf-8"), nl=False)
        return
    from breakup.output import write_atomic

    write_atomic(output, out.data, force=force)
    click.echo(f"Wrote {output}", err=True)


@click.group(cls=BreakupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="breakup")
@click.option(
    "--debug",
    is_flag=True,
    envvar=_envvar("DEBUG"),
    help="Show the full traceback of an error (for bug reports).",
)
def cli(debug: bool) -> None:
    """End a client relationship cleanly: emails, call scripts, referral letters and notes.

    Everything runs on your machine; client details never leave it.

    \b
    Example:
      breakup email late-payer --lang es --client "Acme" --end-date 2027-01-15
    """


def _make_archetypes() -> click.Command:
    @click.command("archetypes", short_help=_SHORT_HELP["archetypes"])
    @click.option(
        "--lang",
        envvar=_envvar("LANG"),
        metavar="LANG",
        help="Language of the descriptions: en or es.",
    )
    @click.option("--ids", is_flag=True, help="Print only the ids, one per line.")
    def archetypes(lang: str | None, ids: bool) -> None:
        """List the client archetypes with a one-line description.

        \b
        Example:
          breakup archetypes --lang es
        """
        from breakup import catalog

        names = catalog.archetype_ids()
        if ids:
            click.echo("\n".join(names))
            return
        from breakup.models import Profile
        from breakup.render import archetype_module, resolve_locale

        language, _ = resolve_locale(lang, None, Profile(), os.environ)
        width = max(len(name) for name in names)
        for name in names:
            module = archetype_module(name, language, "formal")
            click.echo(f"{name:<{width}}  {module.description}")

    return archetypes


_COMMANDS["archetypes"] = _make_archetypes


_DOCUMENT_HELP = {
    "email": (
        "Write the termination email for ARCHETYPE (see `breakup archetypes`).\n\n"
        "Prints the subject and the body; any details you leave out appear as [placeholders]."
    ),
    "script": (
        "Write the call script for ARCHETYPE: what to say, the client's likely reactions "
        "with neutral replies, what not to say, and the estimated speaking time."
    ),
    "referral": (
        "Write the referral letter for ARCHETYPE, recommending the profile's [[referrals]] "
        "that match --service (all of them when no service is given)."
    ),
    "notes": (
        "Write the follow-up notes for ARCHETYPE (for you, not the client): a call record "
        "to fill in, a checklist and dated reminders."
    ),
}
_EXAMPLE = {
    "email": 'breakup email late-payer --lang es --client "Acme" --contact "Laura Gómez" \\\n'
    "    --end-date 2027-01-15 --outstanding 4250 --profile breakup.toml",
    "script": 'breakup script shouter --lang en --client "Acme" --end-date 2027-01-15',
    "referral": 'breakup referral diva --service "web design" --profile breakup.toml',
    "notes": "breakup notes family-friend --lang es --end-date 2027-01-15 -o notes.txt",
}


def _document_command(name: str) -> click.Command:
    def command(
        archetype: str, output: Path | None, force: bool, fmt: str | None, **params: Any
    ) -> None:
        from breakup.publish import format_for

        out = _publish(name, archetype, format_for(fmt, output), _render_options(params))
        _emit(out, output, force)
        # After the document, so that a refused write leaves the Error: line alone.
        _warn_missing(out.missing)

    command.__doc__ = f"{_DOCUMENT_HELP[name]}\n\n\b\nExample:\n  {_EXAMPLE[name]}"
    command = click.option(
        "--force", is_flag=True, envvar=_envvar("FORCE"), help="Overwrite an existing file."
    )(command)
    command = click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of stdout.",
    )(command)
    command = _format_option(name)(command)
    command = document_options(command)
    command = click.argument("archetype")(command)
    return click.command(name, short_help=_SHORT_HELP[name])(command)


def _format_option(name: str) -> Callable[..., Any]:
    choices = "text, md, html, eml or pdf" if name == "email" else "text, md, html or pdf"
    return click.option(
        "-f",
        "--format",
        "fmt",
        envvar=_envvar("FORMAT"),
        metavar="FORMAT",
        help=f"Output format: {choices}. Default: from the -o file's extension, else text.",
    )


for _name in ("email", "script", "referral", "notes"):
    _COMMANDS[_name] = functools.partial(_document_command, _name)


def _make_kit() -> click.Command:
    @click.command("kit", short_help=_SHORT_HELP["kit"])
    @click.argument("archetype")
    @click.option(
        "-o",
        "--output",
        "folder",
        required=True,
        envvar=_envvar("KIT_DIR"),
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder to write the documents to.",
    )
    @click.option(
        "--force", is_flag=True, envvar=_envvar("FORCE"), help="Overwrite existing files."
    )
    @_format_option("kit")
    @document_options
    def kit(archetype: str, folder: Path, force: bool, fmt: str | None, **params: Any) -> None:
        """Write all four documents for ARCHETYPE into a folder: email, call script,
        referral letter and follow-up notes.

        Never overwrites an existing file unless --force.

        \b
        Example:
          breakup kit late-payer --lang es --client "Acme" --end-date 2027-01-15 -o acme/
        """
        from breakup.errors import InputError
        from breakup.output import write_atomic
        from breakup.publish import EXTENSIONS, FILE_STEMS, format_for

        fmt = format_for(fmt, None)
        if fmt == "eml":
            raise _InputFailure("kit takes --format text, md, html or pdf (eml is for `email`)")
        options = _render_options(params)
        outputs = []
        for name, stem in FILE_STEMS.items():
            try:
                out = _publish(name, archetype, fmt, options)
            except InputError as error:
                if name != "referral":
                    raise
                click.echo(f"Warning: skipped the referral letter: {error}", err=True)
                continue
            outputs.append((folder / f"{stem}.{EXTENSIONS[fmt]}", out))
        # Check every target first, so a refusal leaves nothing half-written.
        existing = [str(path) for path, _out in outputs if path.exists()]
        if existing and not force:
            verb = "exists" if len(existing) == 1 else "exist"
            raise _InputFailure(
                f"{', '.join(existing)} already {verb}: choose another folder or pass --force"
            )
        missing: set[str] = set()
        for path, out in outputs:
            write_atomic(path, out.data, force=force)
            missing.update(out.missing)
            click.echo(f"Wrote {path}")
        _warn_missing(missing)

    return kit


_COMMANDS["kit"] = _make_kit


_COMMANDS["check"] = _command_from("cli_check")


def _make_rehearse() -> click.Command:
    @click.command("rehearse", short_help=_SHORT_HELP["rehearse"])
    @click.argument("archetype")
    @click.option(
        "--seed",
        type=int,
        envvar=_envvar("SEED"),
        help="Fix the order and choice of the client's lines (for a repeatable session).",
    )
    @click.option(
        "--transcript",
        "transcript_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Save the session as Markdown to this file.",
    )
    @click.option("--force", is_flag=True, help="Overwrite an existing transcript.")
    @document_options
    def rehearse(
        archetype: str, seed: int | None, transcript_path: Path | None, force: bool, **params: Any
    ) -> None:
        """Practice the call for ARCHETYPE: breakup plays the client, you answer.

        Each reply gets the tone check's findings and the call script's suggested reply; the
        session ends with a summary. Works on a terminal and with piped input, one reply per
        line; the end of input ends the session.

        \b
        Example:
          breakup rehearse shouter --lang es --seed 7 --transcript ensayo.md
          printf 'I understand.\\nThe decision stands.\\n\\n' | breakup rehearse diva
        """
        from breakup import rehearse as core

        if transcript_path is not None and transcript_path.exists() and not force:
            raise _InputFailure(
                f"{transcript_path} already exists: choose another name or pass --force"
            )
        options = _render_options(params)
        session = core.plan(archetype, seed=seed, **options)
        texts = session.texts
        interactive = sys.stdin.isatty()
        click.echo(f"{texts.title}\n\n{texts.intro}\n")
        click.echo(f"{texts.you_open}: {session.opening}")
        answers = []
        for turn in session.turns:
            click.echo(f"\n{texts.client_label}: {turn.client}")
            click.echo(f"{texts.you_label}: ", nl=False)
            line = sys.stdin.readline()
            if not line:
                click.echo()
                break
            if not interactive:
                click.echo(line.rstrip("\n"))
            answer = core.assess(session, turn, line)
            answers.append(answer)
            if answer.reply and answer.findings:
                for finding in answer.findings:
                    click.echo(f"  {texts.check_label}: {texts.finding_line(finding)}")
            elif answer.reply:
                click.echo(f"  {texts.check_label}: {texts.neutral_text}")
            click.echo(f"  {texts.suggested_label}: {turn.suggested}")
        click.echo(f"\n{texts.summary_title}")
        for number, answer in enumerate((a for a in answers if a.reply), 1):
            click.echo(f"{number}. {answer.turn.client} — {texts.turn_result(answer)}")
        click.echo(core.summary_line(session, answers))
        if transcript_path is not None:
            from breakup.output import write_atomic

            write_atomic(transcript_path, core.transcript(session, answers), force=force)
            click.echo(f"Wrote {transcript_path}", err=True)

    return rehearse


_COMMANDS["rehearse"] = _make_rehearse


def _make_batch() -> click.Command:
    @click.command("batch", short_help=_SHORT_HELP["batch"])
    @click.argument("clients", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "-o",
        "--output",
        "out_dir",
        required=True,
        envvar=_envvar("BATCH_DIR"),
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the documents: one subfolder per client.",
    )
    @click.option(
        "--only",
        envvar=_envvar("ONLY"),
        metavar="DOCS",
        help="Comma-separated list of documents to write (email,script,referral,notes). "
        "Default: all four.",
    )
    @click.option(
        "-f",
        "--format",
        "fmt",
        envvar=_envvar("FORMAT"),
        default="text",
        metavar="FORMAT",
        help="Output format: text, md, html, pdf, or eml (with --only email). Default: text.",
    )
    @click.option("--force", is_flag=True, help="Overwrite documents that already exist.")
    @click.option("--resume", is_flag=True, help="Skip rows whose documents have all been written.")
    @_profile_option()
    @click.option(
        "--lang",
        envvar=_envvar("LANG"),
        metavar="LANG",
        help="Language for rows that don't specify one.",
    )
    @click.option(
        "--locale",
        envvar=_envvar("LOCALE"),
        metavar="LOCALE",
        help="Locale for rows that don't specify one.",
    )
    @click.option(
        "--currency",
        envvar=_envvar("CURRENCY"),
        metavar="CODE",
        callback=_parsed(_lazy("parse_currency"), "--currency"),
        help="Currency for rows that don't specify one.",
    )
    @click.option(
        "--formal/--informal",
        "formal",
        default=None,
        envvar=_envvar("FORMAL"),
        help="Formal or informal address for rows that don't specify one.",
    )
    @_templates_option()
    def batch(
        clients: Path,
        out_dir: Path,
        only: str | None,
        fmt: str,
        force: bool,
        resume: bool,
        profile_path: str | None,
        lang: str | None,
        locale: str | None,
        currency: str | None,
        formal: bool | None,
        templates_dir: Path | None,
    ) -> None:
        """Write the documents for every row of CLIENTS (CSV or JSON Lines), one folder per client.

        A row with bad data is reported with its number and the reason, and the other rows are
        still written. The failed rows go to failed.csv in the output folder, so you can fix them
        and run that file again. Exits with status 1 if any row failed.

        \b
        Example:
          breakup batch clients.csv -o out --only email --format eml
        """
        from breakup import batch as core
        from breakup.errors import InputError
        from breakup.render import DOCUMENTS
        from breakup.sheet import Defaults, scan

        documents = tuple(d.strip() for d in only.split(",") if d.strip()) if only else DOCUMENTS
        unknown = [d for d in documents if d not in DOCUMENTS]
        if unknown or not documents:
            raise InputError(
                f"unknown document {unknown[0] if unknown else only!r} for --only: use a "
                f"comma-separated list of {', '.join(DOCUMENTS)}"
            )
        from breakup.publish import OUTPUT_FORMATS

        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"unknown format {fmt!r}: choose one of {', '.join(OUTPUT_FORMATS)}")
        if not clients.is_file():
            raise InputError(f"clients file {clients} not found: check the path")
        if force and resume:
            raise InputError("--force and --resume contradict each other: choose one")
        profile = _load_profile(profile_path)
        register = None if formal is None else ("formal" if formal else "informal")
        defaults = Defaults(lang=lang, locale=locale, register=register, currency=currency)
        kwargs: dict[str, Any] = {
            "documents": documents,
            "fmt": fmt,
            "profile": profile,
            "defaults": defaults,
            "force": force,
            "resume": resume,
            "templates": templates_dir,
        }
        if sys.stderr.isatty():
            _encoding, lines = scan(clients)  # the bar's length; a file read only to count
            with click.progressbar(
                length=max(lines - 1, 1), file=sys.stderr, label="Rendering"
            ) as bar:
                summary = core.run(clients, out_dir, progress=bar.update, **kwargs)
        else:
            summary = core.run(clients, out_dir, **kwargs)
        done = f"Wrote the documents of {summary.written} of {summary.rows} rows into {out_dir}"
        extra = []
        if summary.skipped:
            extra.append(f"{summary.skipped} already complete (skipped)")
        if summary.failed:
            extra.append(f"{summary.failed} failed: see {summary.failed_path}")
        click.echo(done + (f"; {'; '.join(extra)}" if extra else "") + ".", err=True)
        if summary.ignored_columns:
            click.echo(f"Note: columns left unused: {', '.join(summary.ignored_columns)}", err=True)
        _warn_missing(summary.missing)
        if summary.failed:
            sys.exit(1)

    return batch


_COMMANDS["batch"] = _make_batch


def _make_init() -> click.Command:
    @click.command("init", short_help=_SHORT_HELP["init"])
    @click.option(
        "--dir",
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where to write the sample files.",
    )
    def init(folder: Path) -> None:
        """Write a sample profile (breakup.toml) and clients file (clients.csv) to start from.

        Never overwrites: an existing file is left as it is.

        \b
        Example:
          breakup init && breakup batch clients.csv -o out
        """
        from breakup.output import write_atomic
        from breakup.resources import TEMPLATES_DIR

        for name in ("breakup.toml", "clients.csv"):
            target = folder / name
            if target.exists():
                click.echo(f"Kept {target}: it already exists", err=True)
                continue
            write_atomic(target, (TEMPLATES_DIR / "samples" / name).read_bytes())
            click.echo(f"Wrote {target}")

    return init


_COMMANDS["init"] = _make_init


def main() -> None:
    """Run the CLI (the console script's entry point)."""
    try:
        cli(prog_name="breakup")
    finally:
        # The process is about to end: frozen, its objects are left out of the collections
        # the interpreter runs while shutting down, which took some 40 ms (a fifth of a
        # short command; see benchmarks/). Files are all closed by now.
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()

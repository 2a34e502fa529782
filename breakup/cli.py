"""The command line: the group, the options every command shares, and how errors are shown.

Commands live in cli_*.py modules, each imported only when its command runs (start-up time is
benchmarked). The core never prints; this layer parses options, calls the core and echoes.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from breakup import __version__, i18n
from breakup.errors import BreakupError
from breakup.i18n import _

if TYPE_CHECKING:
    from breakup.models import Profile
    from breakup.publish import Output


class Failure(click.ClickException):
    """A BreakupError on its way to the user as one `Error:` line (exit 1)."""

    def format_message(self) -> str:
        from breakup.terminal import printable

        # A file or archetype name in the message cannot start a line or an escape sequence.
        return printable(self.message)


class InputFailure(Failure):
    """The same, for invalid input (exit 2, as Click's own usage errors)."""

    exit_code = 2


def failure(message: str, exit_code: int) -> Failure:
    return InputFailure(message) if exit_code == 2 else Failure(message)


# Module and summary of each command: the module is imported only when the command is used.
COMMANDS = {
    "archetypes": ("cli_setup", "List the client archetypes."),
    "batch": ("cli_batch", "Write the documents for every client of a spreadsheet."),
    "boundaries": ("cli_documents", ""),
    "check": ("cli_check", "Check a draft for blame, personal remarks or emotional language."),
    "config": ("cli_setup", "Show the profile in use and where profiles are looked for."),
    "decide": ("cli_decide", "Weigh up whether to end it, with reasons and a next step."),
    "email": ("cli_documents", ""),
    "heads-up": ("cli_documents", ""),
    "help": ("cli_setup", "Show the help of breakup or of a command."),
    "init": ("cli_setup", "Write a sample profile and clients file to start from."),
    "kit": ("cli_documents", "Write the whole plan for one client into a folder."),
    "notes": ("cli_documents", ""),
    "referral": ("cli_documents", ""),
    "rehearse": ("cli_rehearse", "Practice the call: breakup plays the client."),
    "script": ("cli_documents", ""),
}


class BreakupGroup(click.Group):
    """Build commands on demand; speak the user's language; turn every BreakupError (and any
    bug) into one `Error:` line, unless --debug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            module = importlib.import_module(f"breakup.{COMMANDS[cmd_name][0]}")
            self.add_command(module.make(cmd_name), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # The summaries without importing every command's module.
        from breakup.registry import DOCUMENTS

        rows = [
            (name, DOCUMENTS[name].summary if name in DOCUMENTS else summary)
            for name, (_module, summary) in sorted(COMMANDS.items())
        ]
        with formatter.section(_("Commands")):
            formatter.write_dl(rows)

    def main(self, args: Sequence[str] | None = None, *pargs: Any, **kwargs: Any) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        with interface_language(argv, os.environ):
            return super().main(argv, *pargs, **kwargs)

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:  # --help and --version print here
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            raise _cut_short() from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.BadParameter as error:
            raise _from_variable(error) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # the reader went away (`| head -1`): not an error
            raise _cut_short() from None
        except BreakupError as error:
            if _debug(ctx):
                raise
            raise failure(str(error), error.exit_code) from None
        except KeyboardInterrupt:
            raise click.Abort() from None
        except OSError as error:  # a full disk, a closed pipe: the system's own reason
            if _debug(ctx):
                raise
            raise Failure(
                _("{problem}: check the disk and the output").format(
                    problem=error.strerror or type(error).__name__
                )
            ) from None
        except Exception as error:  # a bug: say so in one line, the traceback with --debug
            if _debug(ctx):
                raise
            raise Failure(
                _(
                    "unexpected {kind}: {problem} (run with --debug for details and report it)"
                ).format(kind=type(error).__name__, problem=error)
            ) from None


# The exit of a command whose output was cut short by a closed pipe: as a Unix tool ends,
# killed by SIGPIPE (128 + 13), so a pipeline's status tells it from success.
EXIT_BROKEN_PIPE = 141


def _cut_short() -> click.exceptions.Exit:
    """End quietly: what is still buffered for stdout and stderr goes nowhere, no message."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (AttributeError, OSError, ValueError):  # not a real stream (tests)
            pass
    os.close(devnull)
    return click.exceptions.Exit(EXIT_BROKEN_PIPE)


def _from_variable(error: click.BadParameter) -> click.ClickException:
    """A bad value read from a BREAKUP_* variable: one Error: line that names the variable
    (Click's usage block would point at an option the user never typed)."""
    from click.core import ParameterSource

    param, ctx = error.param, error.ctx
    if param is None or ctx is None or param.name is None or not isinstance(param.envvar, str):
        return error
    if ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return error
    return InputFailure(
        _("invalid value for {variable}: {problem}").format(
            variable=param.envvar, problem=error.message
        )
    )


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


@contextmanager
def interface_language(
    argv: list[str], environ: os._Environ[str] | dict[str, str]
) -> Iterator[None]:
    """Speak the user's language for the length of a command, Click's own messages included.

    The language is known before the command line is parsed: --lang or --locale in argv,
    else BREAKUP_LANG or BREAKUP_LOCALE, else the profile's, else $LC_ALL/$LANG. Nothing here
    fails: an unusable value just leaves English.
    """
    lang = guess_language(argv, environ)
    previous = i18n.language()
    i18n.set_language(lang)
    import gettext

    messages = i18n.click_messages(i18n.language())
    original = gettext.dgettext, gettext.dngettext

    def dgettext(domain: str, message: str) -> str:
        return messages.get(message) or original[0](domain, message)

    def dngettext(domain: str, singular: str, plural: str, n: int) -> str:
        found = messages.get((singular, 0 if n == 1 else 1))
        return found or original[1](domain, singular, plural, n)

    if messages:
        gettext.dgettext, gettext.dngettext = dgettext, dngettext  # type: ignore[assignment]
    try:
        yield
    finally:
        gettext.dgettext, gettext.dngettext = original
        i18n.set_language(previous)
        # Click translates some words of a command when it builds it: a command built in one
        # language is built again in the next (tests run many in one process).
        if messages:
            cli.commands.clear()


def guess_language(argv: list[str], environ: Any) -> str | None:
    """The interface language the command line, the environment or the profile asks for."""
    from breakup.languages import parse_locale

    def option(name: str) -> str | None:
        for index, arg in enumerate(argv):
            if arg == name and index + 1 < len(argv):
                return argv[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
        return None

    for value in (
        option("--lang"),
        option("--locale"),
        environ.get("BREAKUP_LANG"),
        environ.get("BREAKUP_LOCALE"),
        *_profile_language(option("--profile"), environ),
        # LC_ALL over LANG, as the documents read them: LC_ALL=C with LANG=es_ES is English
        # (a round-34 red team had Spanish messages over an English document).
        environ.get("LC_ALL") or environ.get("LANG"),
    ):
        parsed = parse_locale(value) if value else None
        if parsed is not None:
            return parsed[0]
    return None


def _profile_language(explicit: str | None, environ: Any) -> list[str | None]:
    import tomllib

    from breakup.inputs import read_file
    from breakup.profile import MAX_BYTES, candidates

    paths = [Path(p) for p in (explicit, environ.get("BREAKUP_PROFILE")) if p] or candidates()
    for path in paths:
        try:  # bounded, and never blocked by a FIFO: the profile's own check says what is wrong
            data = tomllib.loads(read_file(path, MAX_BYTES).decode("utf-8-sig"))
        except (BreakupError, ValueError, RecursionError):
            continue
        defaults = data.get("defaults", {})
        if isinstance(defaults, dict):
            return [defaults.get("lang"), defaults.get("locale")]
    return []


# --- option types: what is wrong with a path or a switch, in one Error: line -----------------


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Argument):
        return param.human_readable_name
    return param.opts[0]


class FileToWrite(click.Path):
    """A file a command writes: a folder there is refused in one `Error:` line (Click's own
    check prints its usage block). A link is left to the writing, which never follows it."""

    def __init__(self, example: str, suffixes: tuple[str, ...] = ()) -> None:
        super().__init__(path_type=Path)
        self.example = example
        # The extensions the file may have (empty: every format breakup writes).
        self.suffixes = suffixes

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        # "drafts/" or "drafts/." names a folder even where none exists yet: never a file called
        # "drafts".
        typed = os.fsdecode(value) if isinstance(value, (str, bytes)) else ""
        folder = typed.endswith(("/", os.sep)) or os.path.basename(typed) in (".", "..")
        if (path.is_dir() and not path.is_symlink()) or folder:
            raise InputFailure(
                _("{path} is a folder: give {option} the name of a file, such as {example}").format(
                    path=path, option=_option_name(param), example=path / self.example
                )
            )
        from breakup.registry import SUFFIXES

        allowed = self.suffixes or tuple(SUFFIXES)
        # Only a name that ends in an extension breakup writes: "letter.hta." or "letter.hta "
        # is "letter.hta" to Windows, "b.hta:.txt" a hidden part of "b.hta", and a name without
        # an extension opens with whatever the system guesses.
        name = os.path.basename(typed) or path.name
        if ":" in name or name != name.rstrip(". ") or path.suffix.lower() not in allowed:
            raise InputFailure(
                _(
                    "{path}: give {option} a file name ending in {suffixes}, such as {example}"
                ).format(
                    path=typed or path,
                    option=_option_name(param),
                    suffixes=", ".join(allowed),
                    example=self.example,
                )
            )
        return path


class FolderToWrite(click.Path):
    """A folder a command writes into (made if missing): a file there is one `Error:` line."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        if os.path.lexists(path) and not os.path.isdir(path):
            raise InputFailure(
                _(
                    "{path} is a file, not a folder: give {option} a folder (made if missing)"
                ).format(path=path, option=_option_name(param))
            )
        return path


class Folder(click.Path):
    """An existing folder to read, such as --templates: one `Error:` line when it is not."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        where = _option_name(param)
        if param is not None and isinstance(param.envvar, str):
            where += " " + _("or {variable}").format(variable=param.envvar)
        if not os.path.exists(path):
            raise InputFailure(
                _("folder {path} not found: check the path given to {option}").format(
                    path=path, option=where
                )
            )
        if not os.path.isdir(path):
            raise InputFailure(
                _("{path} is not a folder: give {option} a folder").format(path=path, option=where)
            )
        return path


class Switch(click.types.BoolParamType):
    """An on/off flag whose variable (BREAKUP_FORCE=1) may be invalid: one `Error:` line that
    names the variable (Click's own message prints its usage block, for an option never
    typed)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            names = param.envvar if param is not None else None
            name = names if isinstance(names, str) else _option_name(param)
            raise InputFailure(
                _("invalid value {value!r} for {name}: use 1 or 0 (or true/false, yes/no)").format(
                    value=value, name=name
                )
            ) from None


# --- options every command shares -------------------------------------------------------


def profile_option() -> Callable[..., Any]:
    return click.option(
        "--profile",
        "profile_path",
        envvar="BREAKUP_PROFILE",
        metavar="PATH",
        help="Profile TOML. Default: ./breakup.toml, then the user config folder.",
    )


def templates_option() -> Callable[..., Any]:
    return click.option(
        "--templates",
        "templates_dir",
        envvar="BREAKUP_TEMPLATES",
        type=Folder(),
        help="Folder of your own templates, which override the built-in ones.",
    )


def language_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --lang, --locale, --profile."""
    from breakup.languages import languages

    for option in reversed(
        [
            click.option(
                "--lang",
                envvar="BREAKUP_LANG",
                metavar="LANG",
                shell_complete=lambda *_a: languages(),
                help=f"Language: {', '.join(languages())}. "
                "Default: the profile, then $LANG, then en.",
            ),
            click.option(
                "--locale",
                envvar="BREAKUP_LOCALE",
                metavar="LOCALE",
                shell_complete=_complete_locales,
                help="Region: dates, money, spelling and paper, e.g. es_ES, es_MX, en_US, en_GB.",
            ),
            profile_option(),
        ]
    ):
        func = option(func)
    return func


def _complete_locales(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from breakup.languages import language, languages

    return [
        f"{code}_{region}"
        for code in languages()
        for region in language(code).regions
        if f"{code}_{region}".startswith(incomplete)
    ]


def fact_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add one option per client fact (breakup.facts.FACTS), plus the register."""
    from breakup.facts import FACTS

    options = []
    for fact in FACTS:
        if fact.kind == "flag":
            options.append(
                click.option(
                    fact.option,
                    fact.name,
                    is_flag=True,
                    type=Switch(),
                    default=None,
                    envvar=fact.envvar,
                    help=fact.help,
                )
            )
        else:
            options.append(
                click.option(
                    fact.option,
                    fact.name,
                    metavar=fact.metavar,
                    multiple=fact.repeat,
                    envvar=fact.envvar,
                    help=fact.help,
                )
            )
    options.append(
        click.option(
            "--formal/--informal",
            "formal",
            type=Switch(),
            default=None,
            envvar="BREAKUP_FORMAL",
            help="Formal or informal address (Spanish usted/tú). Default: the archetype's.",
        )
    )
    options.append(templates_option())
    for option in reversed(options):
        func = option(func)
    return language_options(func)


def load_profile(path: str | None) -> Profile:
    from breakup.models import Profile
    from breakup.profile import find_profile
    from breakup.profile import load_profile as read

    found = find_profile(path)
    return read(found) if found else Profile()


def render_options(params: dict[str, Any]) -> dict[str, Any]:
    """Turn the parsed options into render()'s keyword arguments."""
    from breakup import facts, languages

    profile = load_profile(params["profile_path"])
    lang, locale = languages.resolve(
        params["lang"],
        params["locale"],
        profile.defaults.lang,
        profile.defaults.locale,
        os.environ,
    )
    raw = {fact.name: params.get(fact.name) for fact in facts.FACTS}
    client_facts = facts.read(raw, locale, lambda fact: fact.option)
    formal = params["formal"]
    return {
        "facts": client_facts,
        "profile": profile,
        "lang": lang,
        "locale": locale,
        "register": None if formal is None else ("formal" if formal else "informal"),
        "templates": params["templates_dir"].resolve() if params["templates_dir"] else None,
    }


def warn(message: str) -> None:
    from breakup.terminal import printable

    click.echo(_("Warning: {message}").format(message=printable(message)), err=True)


def warn_missing(missing: Sequence[str] | set[str]) -> None:
    """Say which placeholders a document holds and what fills them."""
    if not missing:
        return
    from breakup.context import hints

    how = hints()
    lines = "\n".join(f"  - {how[key]}" for key in sorted(set(missing)))
    click.echo(
        _(
            "Warning: the document contains placeholders in [brackets]; fill them in before "
            "sending.\nTo fill them in, provide (as options, BREAKUP_* variables or profile "
            "settings):\n{lines}"
        ).format(lines=lines),
        err=True,
    )


def emit(out: Output, output: Path | None, force: bool) -> None:
    """Print a document, or write it to a file (never over one, unless force)."""
    if output is None:
        if out.binary:
            raise InputFailure(
                _("--format {fmt} writes a binary file: give -o FILE").format(fmt=out.fmt)
            )
        click.echo(out.data.decode("utf-8"), nl=False)
        return
    from breakup.output import write_atomic

    write_atomic(output, out.data, force=force)
    from breakup.terminal import printable

    click.echo(_("Wrote {path}").format(path=printable(str(output))), err=True)


@click.group(
    cls=BreakupGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="breakup")
@click.option(
    "--debug",
    is_flag=True,
    type=Switch(),
    envvar="BREAKUP_DEBUG",
    help="Show the full traceback of an error (for bug reports).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """End a client relationship cleanly: call scripts, emails, referral letters, notes.

    Everything runs on your machine; client details never leave it.

    \b
    Example:
      breakup kit late-payer --lang es --client "Acme" --end-date 2027-01-15 -o acme/
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def main() -> None:
    """Run the CLI (the console script's entry point)."""
    try:
        cli(prog_name="breakup")
    finally:
        # The process is about to end: frozen, its objects are left out of the collections
        # the interpreter runs while shutting down (some 40 ms; see benchmarks/).
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()

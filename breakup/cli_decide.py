"""breakup decide: the questions (asked, or from options and an answers file), the worksheet out."""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from breakup import languages, parse
from breakup.cli import (
    FileToWrite,
    Switch,
    emit,
    language_options,
    load_profile,
    templates_option,
)
from breakup.decide import BY_NAME, QUESTIONS, Question
from breakup.errors import InputError
from breakup.i18n import _

MAX_HOURS = Decimal(744)  # in a month
MAX_MONTHS = Decimal(600)
# An answers file holds a few short answers; an answer typed or piped in is a few words.
MAX_ANSWERS_FILE = 1_000_000
MAX_ANSWER = 10_000


def make(name: str) -> click.Command:
    """Build the command called `name`."""
    return _decide()


def _complete_archetypes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from breakup.catalog import archetype_ids

    return [a for a in archetype_ids(ctx.params.get("templates_dir")) if a.startswith(incomplete)]


def _question_options(func: Any) -> Any:
    """Add one option per question: --revenue AMOUNT, --lost-sleep/--no-lost-sleep..."""
    for q in reversed(QUESTIONS):
        if q.kind == "yesno":
            flag = f"{q.option}/--no-{q.option[2:]}"
            func = click.option(flag, q.name, default=None, help=q.help)(func)
        else:
            func = click.option(
                q.option, q.name, metavar=q.metavar, help=q.help,
                shell_complete=_complete_archetypes if q.kind == "archetype" else None,
            )(func)  # fmt: skip
    return func


def _decide() -> click.Command:
    @click.command("decide", short_help=_(
        "Weigh up whether to end it: a short worksheet and a recommendation."))  # fmt: skip
    @_question_options
    @click.option("--answers", "answers_file", metavar="FILE", type=click.Path(path_type=Path),
                  help="Answers from a TOML file, one key per question (the options' names "
                       "with underscores: hours_spent = 40).")  # fmt: skip
    @click.option("--no-input", is_flag=True,
                  help="Ask nothing: questions left unanswered count as unknown.")  # fmt: skip
    @click.option("--currency", metavar="CODE",
                  help="ISO 4217 code of the amounts. Default: the profile's, else the "
                       "region's.")  # fmt: skip
    @click.option("-f", "--format", "fmt", envvar="BREAKUP_FORMAT",
                  type=click.Choice(["text", "md", "html", "pdf"]),
                  help="Output format. Default: from the -o file's extension, else "
                       "text.")  # fmt: skip
    @click.option("-o", "--output", type=FileToWrite("decision.txt"),
                  help="Write to this file instead of stdout.")  # fmt: skip
    @click.option("--force", is_flag=True, type=Switch(), envvar="BREAKUP_FORCE",
                  help="Overwrite an existing file.")  # fmt: skip
    @templates_option()
    @language_options
    def decide(answers_file: Path | None, no_input: bool, currency: str | None,
               fmt: str | None, output: Path | None, force: bool,
               **params: Any) -> None:  # fmt: skip
        """Weigh up whether to end it with a client, before writing anything to them.

        Asks about the cost (money, hours, sleep, your team, other clients), the limits you
        set, your leverage, the bigger picture and the signs to walk away, then prints a short
        worksheet: the reasons, a recommendation (end it now, set limits first, or keep and
        revisit), the archetype that fits and the command to run next.

        Questions answered by --answers or by their options are not asked; press Enter to
        skip one. --no-input asks nothing: what is not answered counts as unknown.

        \b
        Example:
          breakup decide --answers acme.toml -o acme-decision.md
        """
        from breakup import decide as core
        from breakup.catalog import archetype_ids
        from breakup.publish import format_for

        templates = params.pop("templates_dir")
        profile = load_profile(params.pop("profile_path"))
        lang, locale = languages.resolve(
            params.pop("lang"), params.pop("locale"), profile.defaults.lang,
            profile.defaults.locale, os.environ,
        )  # fmt: skip
        chosen = format_for(fmt, output)
        money = (parse.parse_currency(currency, "--currency") if currency
                 else profile.defaults.currency)  # fmt: skip
        if money is None:
            money = languages.language(lang).region(languages.region_of(locale)).currency
        known = archetype_ids(templates)
        found: dict[str, Any] = {}
        if answers_file is not None:
            found.update(load_answers(answers_file, locale=locale, known=known))
        found.update(read_answers(params, locale=locale, known=known,
                                       where=lambda q: q.option))  # fmt: skip
        if not no_input and sys.stdin is not None and not sys.stdin.closed:
            found.update(_ask(found, lang=lang, locale=locale, currency=money,
                              known=known, templates=templates))  # fmt: skip
        out = core.publish(
            core.Answers(**found), chosen, lang=lang, locale=locale, currency=money,
            templates=templates, answers_file=str(answers_file) if answers_file else None,
        )  # fmt: skip
        emit(out, output, force)

    return decide


# --- reading answers (typed, given as options, or from the answers file) ---------------


def yes_no(text: str, lang: str = "en") -> bool | None:
    """Read a yes or a no, in English, the interface language or `lang`; None for a skip.

    Raises ValueError for anything else.
    """
    word = _fold(text)
    if word in _skip_words():
        return None
    yes, no = {"y", "yes", "true"}, {"n", "no", "false"}
    for words in (_words(_), _words(_catalog(lang))):
        yes |= {words[0], words[0][:1]}
        no |= {words[1], words[1][:1]}
    if word in yes - no:
        return True
    if word in no - yes:
        return False
    raise ValueError(text)


def _words(gettext: Callable[[str], str]) -> tuple[str, str]:
    return _fold(gettext("yes")), _fold(gettext("no"))


def _catalog(lang: str) -> Callable[[str], str]:
    """The worksheet language's own words (its catalog), while the interface's may be missing."""
    from breakup import catalog
    from breakup.errors import BreakupError

    try:
        return catalog.load_catalog(lang, None, "formal").gettext
    except BreakupError:
        return str


def is_skip(text: str) -> bool:
    """Tell whether a typed answer means "skip this question"."""
    return _fold(text) in _skip_words()


def _skip_words() -> set[str]:
    return {"", "-", "?", "skip", _fold(_("skip"))}


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def read_value(question: Question, value: object, where: str, locale: str | None,
               known: Sequence[str]) -> Any:  # fmt: skip
    """Read one answer, typed or from the answers file; None for a skip.

    `where` names its source in errors (an option, a key of a file); amounts are read as
    the locale writes them; an archetype must be one of `known`.
    """
    if isinstance(value, str) and is_skip(value):
        return None
    kind = question.kind
    if kind == "yesno":
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            lang = (languages.parse_locale(locale or "") or ("en", None))[0]
            try:
                return yes_no(value, lang)
            except ValueError:
                pass
        raise InputError(
            _("invalid answer {value!r} for {option}: answer yes or no").format(
                value=value, option=where
            )
        )
    if kind in ("text", "archetype"):
        if not isinstance(value, str):
            raise InputError(_("{option} must be text").format(option=where))
        text = parse.single_line(value, where, limit=300)
        if kind == "archetype" and text not in known:
            raise InputError(
                _("unknown archetype {name!r}: choose one of {ids}").format(
                    name=text, ids=", ".join(known)
                )
            )
        return text or None
    if kind == "amount":
        if isinstance(value, str):
            return parse.parse_amount(value, where, locale)
        return _number(value, where, Decimal(10**15 - 1))
    limit = {"hours": MAX_HOURS, "percent": Decimal(100), "months": MAX_MONTHS}[kind]
    if isinstance(value, str):
        value = value.strip().removesuffix("%").strip().replace(",", ".")
    return _number(value, where, limit)


def _number(value: object, where: str, maximum: Decimal) -> Decimal:
    number: Decimal | None = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite() or not 0 <= number <= maximum:
        raise InputError(
            _("invalid number {value!r} for {option}: use a number from 0 to {maximum}, e.g. "
              "40 or 12.5").format(value=value, option=where, maximum=maximum)
        )  # fmt: skip
    return number


def read_answers(raw: Mapping[str, object], *, locale: str | None, known: Sequence[str],
                 where: Callable[[Question], str]) -> dict[str, Any]:  # fmt: skip
    """Read raw answers by question name (None values left out) into Answers' fields."""
    read: dict[str, Any] = {}
    for name, value in raw.items():
        if value is not None:
            question = BY_NAME[name]
            read[name] = read_value(question, value, where(question), locale, known)
    return {name: value for name, value in read.items() if value is not None}


def load_answers(path: Path, *, locale: str | None, known: Sequence[str]) -> dict[str, Any]:
    """Read an answers file (TOML, one key per question) into Answers' fields."""
    from breakup.inputs import read_file

    try:
        data = tomllib.loads(read_file(path, MAX_ANSWERS_FILE).decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(
            _("{path}: invalid TOML: {problem}").format(path=path, problem=error)
        ) from None
    except RecursionError:
        raise InputError(
            _("{path}: the answers are nested too deeply to be read").format(path=path)
        ) from None
    for key in data:
        if key not in BY_NAME:
            raise InputError(
                _("{path}: unknown key {key!r}: valid keys: {keys}").format(
                    path=path, key=key, keys=", ".join(BY_NAME)
                )
            )
    return read_answers(data, locale=locale, known=known,
                        where=lambda q: f"{path}: {q.name}")  # fmt: skip


# --- asking -------------------------------------------------------------------------------


class _EndOfInput(Exception):
    """Raised when the answers run out: the questions left count as unknown."""


@contextmanager
def _reading() -> Iterator[None]:
    """Click's prompts, with two changes: the end of the input ends the questions instead of
    aborting, and an answer read from a pipe is shown after its question, as a typed one is."""
    from click import termui

    original = termui.visible_prompt_func

    def read(prompt: str) -> str:
        if original is input and not sys.stdin.isatty():  # a pipe: no line longer than needed
            from breakup.inputs import read_line

            sys.stdout.write(prompt)
            sys.stdout.flush()
            try:
                line: str = read_line(sys.stdin, MAX_ANSWER, _(
                    "an answer is longer than {limit:,} characters: answer in a few words"
                ).format(limit=MAX_ANSWER))  # fmt: skip
            except InputError:
                sys.stderr.write("\n")  # the Error: line starts a line, not the question's
                raise
            if not line:
                raise _EndOfInput
            value = line.removesuffix("\n")
            sys.stderr.write(value + "\n")
            return value
        try:
            typed: str = original(prompt)
        except EOFError:
            raise _EndOfInput from None
        return typed

    termui.visible_prompt_func = read
    try:
        yield
    finally:
        termui.visible_prompt_func = original


def _prompts() -> dict[str, str]:
    """Each question as asked, in the interface language ({currency}: the amounts' code)."""
    return {
        "client": _("The client's name"),
        "revenue": _("What they bring in a month, in {currency}"),
        "hours_spent": _("Hours you spend on them a month"),
        "hours_paid": _("Hours a month the work pays for"),
        "usual_rate": _("Your usual hourly rate, in {currency}"),
        "income_share": _("Their share of your total income, in %"),
        "team_morale": _("Does it hurt your team's morale, or make people leave?"),
        "lost_sleep": _("Does it cost you sleep?"),
        "other_clients": _("Has it put off other clients?"),
        "limits_set": _("Did you set limits in writing (hours, payment terms, one channel)?"),
        "limits_crossed": _("Were they crossed?"),
        "leverage": _("What do you bring them that competitors can't match?"),
        "runway_months": _("How many months could you cover without their income?"),
        "outside_cause": _(
            "Could the problem come from outside them: a budget cut, or a "
            "contact who can't sell your work internally?"
        ),  # fmt: skip
        "butt_heads": _("Do you always butt heads?"),
        "unfair": _("Do they keep changing the parameters and refuse to play fair?"),
    }


def _ask(given: dict[str, Any], *, lang: str, locale: str, currency: str,
         known: list[str], templates: Path | None) -> dict[str, Any]:  # fmt: skip
    """Ask the questions not answered yet, one by one; return the answers given."""
    missing = [q for q in QUESTIONS if q.name not in given]
    if not missing:
        return {}
    prompts = _prompts()
    found: dict[str, Any] = {}
    click.echo(_("A few questions to weigh it up. Press Enter to skip one; Ctrl-D skips the "
                 "rest."), err=True)  # fmt: skip
    with _reading():
        try:
            for q in missing:
                if q.name == "limits_crossed" and not {**given, **found}.get("limits_set"):
                    continue  # only limits that were set can be crossed
                if q.kind == "archetype":
                    value = _ask_problem(q, lang=lang, locale=locale, known=known,
                                         templates=templates)  # fmt: skip
                else:
                    text = prompts[q.name].format(currency=currency)
                    value = _prompt(q, text, locale, known)
                if value is not None:
                    found[q.name] = value
        except _EndOfInput:
            click.echo(err=True)
    return found


def _prompt(q: Question, text: str, locale: str, known: list[str]) -> Any:
    def convert(value: str) -> Any:
        try:
            return read_value(q, value, q.option, locale, known)
        except InputError as error:
            if q.kind == "yesno":
                raise click.BadParameter(_("answer y or n, or press Enter to skip")) from None
            raise click.BadParameter(str(error)) from None

    hint = _("(y/n, Enter to skip)") if q.kind == "yesno" else _("(Enter to skip)")
    return click.prompt(f"{text} {hint}", default="", show_default=False, value_proc=convert,
                        err=True)  # fmt: skip


def _ask_problem(q: Question, *, lang: str, locale: str, known: list[str],
                 templates: Path | None) -> str | None:  # fmt: skip
    """Ask for the main problem from the archetypes, by number or id."""
    from breakup.decide import problems
    from breakup.terminal import printable

    choices = problems(lang, locale, templates)
    shown = [(printable(name), printable(description)) for name, description in choices]
    width = max(len(name) for name, _description in shown)
    click.echo(_("What is the main problem with this client?"), err=True)
    for number, (name, description) in enumerate(shown, 1):
        click.echo(f"  {number}. {name:<{width}}  {description}", err=True)

    def convert(value: str) -> str | None:
        text = value.strip()
        if is_skip(text):
            return None
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1][0]
        if text in known:
            return text
        raise click.BadParameter(
            _("choose a number from 1 to {count} or a name from the list").format(
                count=len(choices)
            )
        )

    return click.prompt(_("Number or name (Enter to skip)"), default="", show_default=False,
                        value_proc=convert, err=True)  # fmt: skip

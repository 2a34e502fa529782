"""breakup check: the command line of the tone check (breakup.check holds the rules)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from breakup.cli import profile_option
from breakup.i18n import _

if TYPE_CHECKING:
    from breakup.check import DraftResult, Finding
    from breakup.models import CheckConfig, Profile


def make(name: str = "check") -> click.Command:
    """Build the check command."""

    @click.command(
        "check", short_help=_("Check a draft for blame, personal remarks or emotional language.")
    )
    @click.argument("files", nargs=-1, metavar="[FILE|-]...")
    @click.option(
        "--lang",
        envvar="BREAKUP_LANG",
        metavar="LANG",
        help="Check in this language (en or es), even if the draft reads as another. "
        "Default: the draft's own language; when unclear, the profile's, else English.",
    )
    @click.option(
        "--locale",
        envvar="BREAKUP_LOCALE",
        metavar="LOCALE",
        help="Write the advice in this region's spelling (en_GB: behaviour; es_MX). Default: "
        "the profile's locale.",
    )
    @click.option(
        "--formal/--informal",
        "formal",
        default=True,
        envvar="BREAKUP_FORMAL",
        help="Formal or informal address in the advice (Spanish usted/tú). Default: formal.",
    )
    @click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "line"]),
        default="text",
        envvar="BREAKUP_CHECK_FORMAT",
        show_default=True,
        help="Report format: text; json (schema in the README); line (file:line:col: "
        "category: message).",
    )
    @click.option(
        "--list-rules",
        is_flag=True,
        help="List the category and rule ids that a config or comment can disable, and exit.",
    )
    @profile_option()
    def check(
        files: tuple[str, ...],
        lang: str | None,
        locale: str | None,
        formal: bool,
        fmt: str,
        list_rules: bool,
        profile_path: str | None,
    ) -> None:
        """Check drafts for blaming, personal or emotional phrasing.

        Reads each FILE, or stdin when FILE is - or none is given. Prints each finding
        with its line:column, category, the words found and a neutral alternative. Exits 0
        when every draft is clean, 1 when there are findings, 2 on an error.

        The language is the draft's own when it clearly reads as English or Spanish (a
        note says so when the profile's or BREAKUP_LANG differs); --lang forces one.

        \b
        Example:
          breakup check draft.txt && echo "ready to send"
        """
        from breakup import check as core
        from breakup.errors import BreakupError, InputError

        ctx = click.get_current_context()
        forced = ctx.get_parameter_source("lang") == click.core.ParameterSource.COMMANDLINE
        try:
            if list_rules:
                for ident, label in core.list_rules((lang or "en").lower()):
                    click.echo(f"{ident}  {label}".rstrip())
                return
            profile = _profile(profile_path)
            in_use = (lang or profile.defaults.lang or "").lower() or None
            if in_use is not None:
                core.choose_language("", in_use)  # an unknown language fails before reading
            sources = list(files) or ["-"]
            if sources.count("-") > 1:
                raise InputError(_("- (stdin) can be given only once"))
            counts = [0]
            drafts = _drafts(sources, in_use, forced, formal, profile.check, counts)
            drafts = _respelled(drafts, locale or profile.defaults.locale)
            lines: Iterable[str] = core.report(drafts, fmt, show_file=len(sources) > 1)
            if fmt == "json":  # whole, or not at all: an error on a later draft leaves no half
                lines = list(lines)
            for line in lines:
                click.echo(line)
        except BreakupError as error:
            # Exit 1 means "findings": every error, whatever its kind, exits 2.
            if error.exit_code == 2 or _debug(ctx):
                raise
            raise InputError(str(error)) from error
        if counts[0]:
            sys.exit(1)

    return check


def _respelled(drafts: Iterator[DraftResult], locale: str | None) -> Iterator[DraftResult]:
    """The drafts with their advice in the locale's regional spelling, when the locale is of
    the draft's language (en_GB writes "behaviour"; an English locale leaves Spanish alone)."""
    from dataclasses import replace

    from breakup import languages
    from breakup.errors import InputError

    if not locale:
        yield from drafts
        return
    parsed = languages.parse_locale(locale)
    if parsed is None or parsed[0] not in languages.languages():
        raise InputError(
            _("unknown locale {value!r}: use a language and region such as en_GB or es_MX").format(
                value=locale
            )
        )
    lang, region = parsed
    data = languages.language(lang).region(region)
    for draft in drafts:
        if draft.lang != lang or not data.spelling:
            yield draft
            continue
        findings = (replace(f, advice=data.respell(f.advice)) for f in draft.findings)
        yield draft._replace(findings=findings)


def _debug(ctx: click.Context) -> bool:
    return bool(ctx.find_root().params.get("debug"))


def _profile(path: str | None) -> Profile:
    from breakup.models import Profile
    from breakup.profile import find_profile, load_profile

    found = find_profile(path)
    return load_profile(found) if found else Profile()


def _drafts(
    sources: list[str],
    in_use: str | None,
    forced: bool,
    formal: bool,
    profile_config: CheckConfig,
    counts: list[int],
) -> Iterator[DraftResult]:
    """Read and check each draft in turn; print its note on stderr; count the findings."""
    from breakup.check import DraftResult, check_draft

    projects: dict[Path, CheckConfig] = {}
    for source in sources:
        text = read_draft(source)
        folder = Path.cwd() if source == "-" else Path(source).resolve().parent
        config = profile_config.merged(_project_config(folder, projects))
        result = check_draft(
            text,
            source,
            lang=in_use,
            forced=forced,
            register="formal" if formal else "informal",
            config=config,
        )
        if result.note:
            click.echo(result.note, err=True)
        yield DraftResult(result.file, result.lang, _counted(result.findings, counts))


def _counted(findings: Iterable[Finding], counts: list[int]) -> Iterator[Finding]:
    for finding in findings:
        counts[0] += 1
        yield finding


def _project_config(folder: Path, cache: dict[Path, CheckConfig]) -> CheckConfig:
    from breakup.check import find_project_config, load_project_config
    from breakup.models import CheckConfig

    if folder not in cache:
        from breakup.terminal import printable

        notes: list[str] = []
        found = find_project_config(folder, notes)
        for note in notes:
            click.echo(printable(note), err=True)
        cache[folder] = load_project_config(found) if found else CheckConfig()
    return cache[folder]


def read_draft(source: str) -> str:
    """Return the text of a draft file, or of stdin for "-", refusing what is not a draft."""
    from breakup.check import MAX_DRAFT_BYTES, too_large_message
    from breakup.errors import InputError
    from breakup.inputs import open_regular

    data: bytes
    if source == "-":
        stdin: TextIO | None = sys.stdin  # None when the process started with stdin closed
        if stdin is None or stdin.closed:
            raise InputError(
                _("no draft to read: standard input is closed; give a FILE, or pipe the draft in")
            )
        try:
            data = stdin.buffer.read(MAX_DRAFT_BYTES + 1)
        except (OSError, ValueError) as error:
            message = _("cannot read the draft from standard input: {reason}")
            raise InputError(message.format(reason=_reason(error))) from None
    else:
        try:
            # A FIFO, a device or a folder is named, never waited on (open_regular).
            with open_regular(source) as handle:
                if os.fstat(handle.fileno()).st_size > MAX_DRAFT_BYTES:
                    raise InputError(too_large_message(source))
                data = handle.read(MAX_DRAFT_BYTES + 1)
        except FileNotFoundError:
            message = _("draft {file} not found: check the path")
            raise InputError(message.format(file=source)) from None
        except OSError as error:
            message = _("cannot read {file}: {reason}")
            raise InputError(message.format(file=source, reason=_reason(error))) from None
    if len(data) > MAX_DRAFT_BYTES:
        raise InputError(too_large_message(source))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        name = _("the draft") if source == "-" else source
        message = _("{file} is not UTF-8 text (byte {offset} cannot be read): save it as UTF-8")
        raise InputError(message.format(file=name, offset=error.start + 1)) from None


def _reason(error: Exception) -> str:
    return str(getattr(error, "strerror", None) or error)

"""The document commands (one per registry.DOCUMENTS entry) and `kit`, the whole plan."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from breakup.cli import (
    FileToWrite,
    FolderToWrite,
    InputFailure,
    Switch,
    emit,
    fact_options,
    render_options,
    warn,
    warn_missing,
)
from breakup.i18n import _
from breakup.registry import DOCUMENTS, FORMATS, formats_for
from breakup.terminal import printable


def make(name: str) -> click.Command:
    """Build the command called `name`."""
    return _kit() if name == "kit" else _document(name)


def _complete_archetypes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from breakup.catalog import archetype_ids

    templates = ctx.params.get("templates_dir")
    return [a for a in archetype_ids(templates) if a.startswith(incomplete)]


def _format_option(choices: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-f",
        "--format",
        "fmt",
        envvar="BREAKUP_FORMAT",
        type=click.Choice(choices),
        help="Output format. Default: from the -o file's extension, else text.",
    )


def _delivery_options(func: Any) -> Any:
    func = click.option("--copy", "copy", is_flag=True, help="Also put the text on the clipboard.")(
        func
    )
    return click.option(
        "--open",
        "open_file",
        is_flag=True,
        help="Open the written file with its default application (-o).",
    )(func)


def _document(name: str) -> click.Command:
    doc = DOCUMENTS[name]

    def command(
        archetype: str,
        output: Path | None,
        force: bool,
        fmt: str | None,
        open_file: bool,
        copy: bool,
        **params: Any,
    ) -> None:
        from breakup.publish import draft_path, drafts, format_for

        chosen = format_for(fmt, output)
        options = render_options(params)
        outs = drafts(name, archetype, chosen, **options)
        if len(outs) == 1:
            out = outs[0][1]
            emit(out, output, force)
        else:
            _emit_drafts(name, outs, output, force, copy)
        # After the documents, so that a refused write leaves the Error: line alone.
        warnings = dict.fromkeys(message for _key, out in outs for message in out.warnings)
        for message in warnings:
            warn(message)
        warn_missing({key for _key, out in outs for key in out.missing})
        for key, out in outs:
            _deliver(out, output and draft_path(output, key), open_file, copy)

    command.__doc__ = f"{doc.help}\n\n\b\nExample:\n  {doc.example}"
    command = _delivery_options(command)
    command = click.option(
        "--force",
        is_flag=True,
        type=Switch(),
        envvar="BREAKUP_FORCE",
        help="Overwrite an existing file.",
    )(command)
    command = click.option(
        "-o",
        "--output",
        type=FileToWrite(f"{doc.stem}.txt"),
        help="Write to this file instead of stdout.",
    )(command)
    command = _format_option(formats_for(name))(command)
    command = fact_options(command)
    command = click.argument("archetype", shell_complete=_complete_archetypes)(command)
    return click.command(name, short_help=doc.summary)(command)


def _emit_drafts(name: str, outs: list[tuple[str, Any]], output: Path | None, force: bool,
                 copy: bool) -> None:  # fmt: skip
    """Write the drafts of a document sent to several people (the heads-up, one draft per
    provider) next to each other: -o FILE.eml gives FILE-<provider>.eml; all or none."""
    from breakup.output import write_all
    from breakup.publish import draft_path

    if output is None or copy:
        raise InputFailure(
            _(
                "the {document} goes to {count} providers, one draft each: give -o FILE.eml, "
                "and breakup writes FILE-<provider>.eml for each"
            ).format(document=name, count=len(outs))
        )
    paths = [draft_path(output, key) for key, _out in outs]
    write_all(
        [(path, out.data) for path, (_key, out) in zip(paths, outs, strict=True)], force=force
    )
    for path in paths:
        click.echo(_("Wrote {path}").format(path=printable(str(path))), err=True)


def _deliver(out: Any, output: Path | None, open_file: bool, copy: bool) -> None:
    from breakup import deliver

    if open_file:
        if output is None:
            raise InputFailure(_("--open needs -o FILE: the file to open"))
        deliver.open_file(output)
    if copy:
        if out.binary:
            raise InputFailure(_("--copy takes text: choose --format text, md or html").format())
        deliver.copy_text(out.data.decode("utf-8"))
        click.echo(_("Copied to the clipboard."), err=True)


def _kit() -> click.Command:
    @click.command("kit", short_help=_("Write the whole plan for one client into a folder."))
    @click.argument("archetype", shell_complete=_complete_archetypes)
    @click.option(
        "-o",
        "--output",
        "folder",
        required=True,
        envvar="BREAKUP_KIT_DIR",
        type=FolderToWrite(),
        help="Folder to write the plan to.",
    )
    @click.option(
        "--force",
        is_flag=True,
        type=Switch(),
        envvar="BREAKUP_FORCE",
        help="Overwrite existing files.",
    )
    @_format_option([f for f in FORMATS if f not in ("eml", "ics")])
    @click.option(
        "--email-format",
        type=click.Choice(["same", "eml"]),
        default="same",
        help="Write the email as a mail draft (.eml) whatever --format is.",
    )
    @fact_options
    def kit(
        archetype: str, folder: Path, force: bool, fmt: str | None, email_format: str, **params: Any
    ) -> None:
        """Write the whole plan for ARCHETYPE into a folder, in the order you use it: the
        call script, the email that confirms the call, the referral letter, the heads-up
        to each provider, your follow-up notes and their reminders for your calendar (.ics).

        Never overwrites an existing file unless --force; checks every target before
        writing any.

        \b
        Example:
          breakup kit late-payer --lang es --client "Acme" --end-date 2027-01-15 -o acme/
        """
        from breakup.plan import write_kit
        from breakup.publish import format_for
        from breakup.registry import FOREIGN_SUFFIXES, SUFFIXES

        if folder.suffix.lower() in (*SUFFIXES, *FOREIGN_SUFFIXES):
            raise InputFailure(
                _(
                    "-o {folder} looks like a file name: kit writes a folder of documents; give "
                    "a folder such as acme/ and choose the format with --format"
                ).format(folder=folder)
            )
        chosen = format_for(fmt, None)
        options = render_options(params)
        result = write_kit(
            archetype, folder, chosen, force=force, email_eml=email_format == "eml", **options
        )
        for note in result.skipped:
            warn(note)
        for path in result.written:
            click.echo(_("Wrote {path}").format(path=printable(str(path))))
        for message in result.warnings:
            warn(message)
        warn_missing(result.missing)
        if not result.written:
            sys.exit(1)

    return kit

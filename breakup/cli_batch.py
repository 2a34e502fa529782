"""breakup batch: the command line of breakup.batch."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from breakup.cli import FolderToWrite, Switch, load_profile, profile_option, templates_option
from breakup.i18n import _, ngettext
from breakup.registry import DOCUMENTS, FORMATS
from breakup.terminal import printable

# Failed rows printed in full on stderr; the rest are counted (all are in the failed file).
SHOWN_FAILURES = 50
# Unused columns named in the note (each cut to 40 characters); the rest are counted.
SHOWN_COLUMNS = 10


def make(name: str) -> click.Command:
    """Build the batch command."""

    @click.command("batch", short_help=_("Write the documents for every client of a spreadsheet."))
    @click.argument("clients", type=click.Path(path_type=Path))
    @click.option(
        "-o",
        "--output",
        "out_dir",
        required=True,
        envvar="BREAKUP_BATCH_DIR",
        type=FolderToWrite(),
        help="Folder for the documents: one subfolder per client.",
    )
    @click.option(
        "--only",
        envvar="BREAKUP_ONLY",
        metavar="DOCS",
        help=f"Documents to write, comma-separated ({', '.join(DOCUMENTS)}). Default: the kit's.",
    )
    @click.option(
        "-f",
        "--format",
        "fmt",
        envvar="BREAKUP_FORMAT",
        default="text",
        type=click.Choice([f for f in FORMATS if f != "ics"]),
        help="Output format. Default: text.",
    )
    @click.option(
        "--email-format",
        type=click.Choice(["same", "eml"]),
        default="same",
        help="Write the email as a mail draft (.eml) whatever --format is.",
    )
    @click.option("--force", is_flag=True, help="Write every row's documents again.")
    @click.option("--resume", is_flag=True, help="Write only the documents that are missing.")
    @click.option(
        "--dry-run",
        is_flag=True,
        help="Check every row and show what would be written; write nothing.",
    )
    @click.option("--strict", is_flag=True, help="A row that leaves [placeholders] fails.")
    @profile_option()
    @click.option(
        "--lang",
        envvar="BREAKUP_LANG",
        metavar="LANG",
        help="Language for rows that don't give one.",
    )
    @click.option(
        "--locale",
        envvar="BREAKUP_LOCALE",
        metavar="LOCALE",
        help="Locale for rows that don't give one.",
    )
    @click.option(
        "--currency",
        envvar="BREAKUP_CURRENCY",
        metavar="CODE",
        help="Currency for rows that don't give one.",
    )
    @click.option(
        "--formal/--informal",
        "formal",
        type=Switch(),
        default=None,
        envvar="BREAKUP_FORMAL",
        help="Register for rows that don't give one.",
    )
    @templates_option()
    def batch(
        clients: Path,
        out_dir: Path,
        only: str | None,
        fmt: str,
        email_format: str,
        force: bool,
        resume: bool,
        dry_run: bool,
        strict: bool,
        profile_path: str | None,
        lang: str | None,
        locale: str | None,
        currency: str | None,
        formal: bool | None,
        templates_dir: Path | None,
    ) -> None:
        """Write the documents for every row of CLIENTS (CSV or JSON Lines), one folder per
        client.

        A bad row is reported on stderr with its number and every reason, and the other rows
        are still written; the failed rows go to failed.csv (failed.jsonl) in the output
        folder, in the input's own form, to fix and run again. Exits with status 1 if any row
        failed (or, with --dry-run, would fail).

        \b
        Example:
          breakup batch clients.csv -o out --only email --format eml
        """
        from breakup import batch as core
        from breakup import parse
        from breakup.errors import InputError
        from breakup.inputs import check_file
        from breakup.registry import KIT

        documents = tuple(d.strip() for d in only.split(",") if d.strip()) if only else KIT
        unknown = [d for d in documents if d not in DOCUMENTS]
        if unknown or not documents:
            raise InputError(
                _(
                    "unknown document {name!r} for --only: use a comma-separated list of {choices}"
                ).format(name=unknown[0] if unknown else only, choices=", ".join(DOCUMENTS))
            )
        if not os.path.exists(clients):
            raise InputError(
                _("clients file {path} not found: check the path").format(path=clients)
            )
        check_file(clients)  # a folder, /dev/zero, a pipe: said as such
        if force and resume:
            raise InputError(_("--force and --resume contradict each other: choose one"))
        settings = core.Settings(
            documents=documents,
            fmt=fmt,
            profile=load_profile(profile_path),
            email_fmt="eml" if email_format == "eml" else None,
            lang=lang,
            locale=locale,
            register=None if formal is None else ("formal" if formal else "informal"),
            currency=parse.parse_currency(currency, "--currency") if currency else None,
            force=force,
            resume=resume,
            dry_run=dry_run,
            strict=strict,
            templates=templates_dir.resolve() if templates_dir else None,
        )
        try:
            if sys.stderr.isatty() and not dry_run:
                from breakup.sheet import open_source

                with click.progressbar(
                    length=max(open_source(clients).lines - 1, 1),
                    file=sys.stderr,
                    label=_("Writing"),
                ) as bar:
                    summary = core.run(clients, out_dir, settings, progress=bar.update)
            else:
                summary = core.run(clients, out_dir, settings)
        except KeyboardInterrupt:  # a second Ctrl-C: stopped at once
            if dry_run:
                raise
            click.echo(
                _(
                    "Stopped at once: the files written so far are kept, and a file cut off is "
                    "cleared on the next run. Run the same command with --resume to write the "
                    "rest."
                ),
                err=True,
            )
            # Stopped by the first signal's kind: 130 for Ctrl-C, 143 for SIGTERM.
            sys.exit(128 + (core.stop_signal() or 2))
        _report(summary, out_dir, dry_run)
        if summary.stopped:
            sys.exit(128 + summary.stopped)
        if summary.failures:
            sys.exit(1)

    return batch


def _report(summary: object, out_dir: Path, dry_run: bool) -> None:
    from breakup.batch import Summary, column_hints

    assert isinstance(summary, Summary)
    if dry_run:
        for plan in summary.planned:
            extra = (
                _("; placeholders: {what}").format(what=", ".join(plan.missing))
                if plan.missing
                else ""
            )
            click.echo(
                _("row {number}: {folder}/ {files}{extra}").format(
                    number=plan.number,
                    folder=out_dir / plan.folder,
                    files=", ".join(plan.files),
                    extra=extra,
                )
            )
    for number, label, note in summary.skipped_documents[:SHOWN_FAILURES]:
        click.echo(
            _("Warning: row {number} ({label}): {note}").format(
                number=number, label=printable(label), note=printable(note)
            ),
            err=True,
        )
    if len(summary.skipped_documents) > SHOWN_FAILURES:
        more = len(summary.skipped_documents) - SHOWN_FAILURES
        click.echo(
            ngettext(
                "... and {count} more skipped document",
                "... and {count} more skipped documents",
                more,
            ).format(count=more),
            err=True,
        )
    for failure in summary.failures[:SHOWN_FAILURES]:
        click.echo(
            _("row {number} ({label}): {reasons}").format(
                number=failure.number,
                label=printable(failure.label),
                reasons=printable("; ".join(failure.reasons)),
            ),
            err=True,
        )
    if summary.failed > SHOWN_FAILURES:
        more = summary.failed - SHOWN_FAILURES
        click.echo(
            ngettext(
                "... and {count} more failed row", "... and {count} more failed rows", more
            ).format(count=more),
            err=True,
        )
    if dry_run:
        line = ngettext(
            "Dry run: {ok} of {rows} row would be written into {out}; nothing was written.",
            "Dry run: {ok} of {rows} rows would be written into {out}; nothing was written.",
            summary.rows,
        ).format(ok=summary.written, rows=summary.rows, out=out_dir)
    elif summary.stopped:
        line = ngettext(
            "Stopped after {rows} row: wrote the documents of {written} into {out}.",
            "Stopped after {rows} rows: wrote the documents of {written} into {out}.",
            summary.rows,
        ).format(written=summary.written, rows=summary.rows, out=out_dir)
    else:
        line = ngettext(
            "Wrote the documents of {written} of {rows} row into {out}.",
            "Wrote the documents of {written} of {rows} rows into {out}.",
            summary.rows,
        ).format(written=summary.written, rows=summary.rows, out=out_dir)
        if summary.skipped:
            line += " " + ngettext(
                "{count} already complete (skipped).",
                "{count} already complete (skipped).",
                summary.skipped,
            ).format(count=summary.skipped)
    if summary.stopped:
        if summary.failures:
            line += " " + ngettext(
                "{count} failed (above).", "{count} failed (above).", summary.failed
            ).format(count=summary.failed)
        line += " " + _(
            "Nothing is half-written. Run the same command with --resume to write the rest."
        )
    elif summary.failures:
        line += " " + (
            ngettext(
                "{count} failed: fix it in {path} and run that file again.",
                "{count} failed: fix them in {path} and run that file again.",
                summary.failed,
            ).format(count=summary.failed, path=summary.failed_path)
            if summary.failed_path
            else ngettext("{count} would fail.", "{count} would fail.", summary.failed).format(
                count=summary.failed
            )
        )
    click.echo(line, err=True)
    if summary.failed_left is not None:
        click.echo(
            _(
                "Note: {left} was left as it is: it is not this file's failed rows from an "
                "earlier run, unchanged since (it is yours, was edited, or holds another "
                "file's rows). This run's failed rows are in {path}."
            ).format(left=summary.failed_left, path=summary.failed_path),
            err=True,
        )
    if summary.stale_failed is not None:
        click.echo(
            _("Note: {path} is from an earlier run; this run had no failed rows.").format(
                path=summary.stale_failed
            ),
            err=True,
        )
    if summary.ignored_columns:
        unused = summary.ignored_columns
        names = ", ".join(n if len(n) <= 40 else n[:39] + "…" for n in unused[:SHOWN_COLUMNS])
        if len(unused) > SHOWN_COLUMNS:
            more = len(unused) - SHOWN_COLUMNS
            names += ngettext(" and {count:,} more", " and {count:,} more", more).format(count=more)
        click.echo(_("Note: columns left unused: {columns}").format(columns=names), err=True)
    if summary.missing:
        hints = column_hints()
        lines = "\n".join(f"  - {hints[key]}" for key in sorted(summary.missing))
        click.echo(
            ngettext(
                "Warning: {count} row has placeholders in [brackets]; fill them in before "
                "sending (--strict makes such a row fail). They come from:\n{lines}",
                "Warning: {count} rows have placeholders in [brackets]; fill them in before "
                "sending (--strict makes such a row fail). They come from:\n{lines}",
                summary.rows_with_placeholders,
            ).format(count=summary.rows_with_placeholders, lines=lines),
            err=True,
        )

"""breakup batch: the documents of every row of a clients file, written safely.

Two passes over the file, both streamed. The first reads every row's identity and settles its
folder, refuses a run that would silently redo an earlier one, and writes nothing. The second
renders each row with the same pipeline as the single-document commands and writes its files.
A bad row fails with all its reasons and the others go on; the failed rows go to a failed file
that can be fixed and run again.

Safety: one batch at a time per output folder (a lock); a row's folder is its own (a marker
names the row's identity, so another row, or a rerun from another file, never takes it); files
are created exclusively, never through a symbolic link, and published whole.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple, NoReturn

from breakup import facts, languages, outdir, registry, sheet
from breakup.errors import BreakupError, InputError, OutputError, TemplateError
from breakup.i18n import _, ngettext
from breakup.models import ClientFacts, Profile
from breakup.output import make_folder

# The signals that stop a batch after the row in hand (Ctrl-C, and what `kill` or a job
# runner sends); a second one stops it at once. Either way the lock is released, what was
# written stays, and --resume writes the rest.
STOP_SIGNALS = ("SIGINT", "SIGTERM")
# How long a stopped batch waits for its workers to finish their row before killing them.
STOP_GRACE = 12.0
# The stop signal received (0: none), set by the signal handler, read between rows.
_STOP = {"signum": 0}


class Settings(NamedTuple):
    """How to run a batch. Fields: documents, fmt, email_fmt (the email's own format, or
    None), profile, lang, locale, register, currency (defaults for empty cells), force,
    resume, dry_run, strict (a row with placeholders fails), templates, today, now."""

    documents: tuple[str, ...]
    fmt: str
    profile: Profile
    email_fmt: str | None = None
    lang: str | None = None
    locale: str | None = None
    register: str | None = None
    currency: str | None = None
    force: bool = False
    resume: bool = False
    dry_run: bool = False
    strict: bool = False
    templates: Path | None = None
    today: date | None = None
    now: datetime | None = None


@dataclasses.dataclass
class Planned:
    """What a dry run would write for a row: its folder, file names and placeholders."""

    number: int
    folder: str
    files: list[str]
    missing: list[str]


@dataclasses.dataclass
class Summary:
    """What a batch did (or, in a dry run, would do)."""

    rows: int = 0
    written: int = 0
    skipped: int = 0
    failures: list[sheet.Failed] = dataclasses.field(default_factory=list)
    planned: list[Planned] = dataclasses.field(default_factory=list)
    failed_path: Path | None = None
    failed_left: Path | None = None  # a failed file left alone: not breakup's for this file
    stale_failed: Path | None = None
    missing: set[str] = dataclasses.field(default_factory=set)
    rows_with_placeholders: int = 0
    ignored_columns: list[str] = dataclasses.field(default_factory=list)
    stopped: int = 0  # the signal that stopped the batch before its end (0: it ran to the end)
    # Documents left out, as a kit leaves them out: (row number, label, why).
    skipped_documents: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)


class Job(NamedTuple):
    """A row ready to render: its number, archetype, facts, language, locale, register."""

    number: int
    archetype: str
    facts: ClientFacts
    lang: str
    locale: str
    register: str | None


# --- reading a row ----------------------------------------------------------------------


def column(name: str) -> str:
    """A column named in a message ("column end_date")."""
    return _("column {name}").format(name=name)


def _label(cells: dict[str, str], number: int) -> str:
    for column in ("client", "contact"):
        if value := (cells.get(column) or "").strip():
            return value
    return _("row {number}").format(number=number)


def parse_row(row: sheet.Row, settings: Settings) -> Job:
    """Turn a row into a job, or raise InputError with every reason, one per line."""
    if row.problem:
        raise InputError(row.problem)
    from breakup.catalog import archetype_ids

    cells = row.cells
    problems: list[str] = []
    archetype = (cells.get("archetype") or "").strip()
    ids = archetype_ids(settings.templates)
    if not archetype:
        problems.append(_("archetype is empty: use one of {ids}").format(ids=", ".join(ids)))
    elif archetype not in ids:
        problems.append(
            _("unknown archetype {name!r}: choose one of {ids}").format(
                name=archetype, ids=", ".join(ids)
            )
        )
    lang = locale = ""
    try:
        lang, locale = languages.resolve(
            (cells.get("lang") or "").strip() or settings.lang,
            (cells.get("locale") or "").strip() or settings.locale,
            settings.profile.defaults.lang,
            settings.profile.defaults.locale,
            os.environ,
        )
    except InputError as error:
        problems.append(
            str(error).replace("--lang", column("lang")).replace("--locale", column("locale"))
        )
    register = settings.register
    if typed := (cells.get("register") or "").strip():
        aliases = languages.language(lang).registers if lang else {}
        register = aliases.get(typed.casefold()) or aliases.get(typed)
        if register is None:
            problems.append(
                _("invalid register {value!r}: use formal or informal").format(value=typed)
            )
    raw = {f.name: cells.get(f.name, "") for f in facts.FACTS}
    # The batch's --currency stands for a row without one, and meets its typed amounts.
    raw["currency"] = raw["currency"] or settings.currency or ""
    found = facts.read(
        raw, locale or None, lambda fact: column(fact.name), serials=True, problems=problems
    )
    if problems:
        raise InputError("\n".join(problems))
    return Job(row.number, archetype, found, lang, locale, register)


# --- running ----------------------------------------------------------------------------


def file_names(settings: Settings, job: Job | None = None) -> list[tuple[str, str]]:
    """(document, file name) for each document a row gets (any row's, without a job).

    The heads-up as mail drafts is one file per provider it goes to, named after them:
    heads-up-<provider>.eml.
    """
    names = []
    for document in settings.documents:
        fmt = settings.email_fmt if document == "email" and settings.email_fmt else settings.fmt
        stem, extension = registry.DOCUMENTS[document].stem, registry.FORMATS[fmt].extension
        found = []
        if fmt == "eml" and registry.DOCUMENTS[document].audience == "provider":
            from breakup.publish import recipients

            found = recipients(settings.profile, job.facts if job else ClientFacts())
        names += [(document, f"{stem}-{key}.{extension}") for key, _who in found]
        if not found:  # without a provider, rendering says what the profile lacks
            names.append((document, f"{stem}.{extension}"))
    return names


class Rendered(NamedTuple):
    """A row's documents: files ((file name, bytes)), missing (the placeholders left), skipped
    ((document, why) for a document that needs a referral when none matches the row's
    service: left out, as a kit leaves it out)."""

    files: list[tuple[str, bytes]]
    missing: set[str]
    skipped: list[tuple[str, InputError]]
    moved: list[str]


def _drafts_per_provider(settings: Settings) -> bool:
    """Tell whether a row's file names depend on the row: a heads-up as mail drafts."""
    return settings.fmt == "eml" and any(
        registry.DOCUMENTS[d].audience == "provider" for d in settings.documents
    )


def render_row(
    job: Job, settings: Settings, names: list[tuple[str, str]], todo: set[str]
) -> Rendered:
    """Render a row's documents (those in todo)."""
    from breakup import sandbox
    from breakup.publish import publish, recipients

    done = Rendered([], set(), [], [])
    # A heads-up draft is written to the provider its file is named after.
    providers = {}
    if _drafts_per_provider(settings):
        found = recipients(settings.profile, job.facts)
        providers = {f"{registry.DOCUMENTS[document].stem}-{key}.eml": who
                     for document in settings.documents
                     if registry.DOCUMENTS[document].audience == "provider"
                     for key, who in found}  # fmt: skip
    with sandbox.time_limit(sandbox.RENDER_SECONDS):
        for document, name in names:
            if name not in todo:
                continue
            fmt = settings.email_fmt if document == "email" and settings.email_fmt else settings.fmt
            try:
                out = publish(
                    document,
                    job.archetype,
                    fmt,
                    provider=providers.get(name) if fmt == "eml" else None,
                    facts=job.facts,
                    profile=settings.profile,
                    lang=job.lang,
                    locale=job.locale,
                    register=job.register,
                    today=settings.today,
                    templates=settings.templates,
                    now=settings.now,
                )
            except InputError as error:
                if not registry.DOCUMENTS[document].needs_referrals:
                    raise
                done.skipped.append((document, error))
                continue
            done.files.append((name, out.data))
            done.missing.update(out.missing)
            # What the command would warn about, said once per row: a date the row gives on a
            # weekend or holiday, with the column to change (a red-team finding of round 27:
            # silent in a batch), and every other warning a single command gives (an old call
            # date, an emergency without its number, a provider with no way to reach them: the
            # round-31 red team).
            for warning in out.warnings:
                for option, column in _DATE_OPTIONS.items():
                    warning = warning.replace(f"with {option}", f"in column {column}")
                    warning = warning.replace(f"con {option}", f"en la columna {column}")
                if warning not in done.moved:
                    done.moved.append(warning)
    return done


# The options a moved date's warning names, and the batch columns that give them.
_DATE_OPTIONS = {"--end-date": "end_date", "--pay-by": "pay_by", "--final-due": "final_due"}


def skipped_note(document: str, error: InputError) -> str:
    """What a kit says of a document it left out (the same words in a batch)."""
    return _("skipped the {document}: {reason}").format(document=document, reason=error)


def run(
    source_path: Path,
    out_dir: Path,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Run a batch; return what happened (nothing is printed)."""
    for document in settings.documents:
        fmt = settings.email_fmt if document == "email" and settings.email_fmt else settings.fmt
        from breakup.publish import check_format

        check_format(document, fmt)
    source = sheet.open_source(source_path)
    settings = settings._replace(
        today=settings.today or date.today(), now=settings.now or datetime.now().astimezone()
    )
    summary = Summary(
        ignored_columns=[
            h
            for h in source.header
            if h and h not in sheet.COLUMNS and h not in (sheet.ROW, sheet.REASON)
        ]
    )
    if settings.dry_run:
        return _dry_run(source, out_dir, settings, summary)
    try:
        make_folder(out_dir)
    except OSError as error:
        raise OutputError(
            _("cannot create {path}: {reason}").format(path=out_dir, reason=error.strerror)
        ) from None
    with outdir.locked(out_dir), _stoppable():
        sheet.choose_failed_path(source, out_dir)  # no room for the failed rows: say so first
        folders = _first_pass(source, out_dir, settings)
        _second_pass(source, out_dir, settings, folders, summary, progress)
        summary.stopped = _STOP["signum"]
        if not summary.stopped:  # a stopped batch's failures are only those of the rows it read
            _failed_file(source, out_dir, summary)
    return summary


def stop_signal() -> int:
    """The signal that stopped the last batch (0: none): the exit code is 128 plus it."""
    return _STOP["signum"]


def _note_stop(signum: int, _frame: object) -> None:
    """Note a stop signal; the batch ends after the row in hand (a second one: at once)."""
    if _STOP["signum"]:
        raise KeyboardInterrupt
    _STOP["signum"] = signum


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """While a batch writes, a stop signal ends it between two rows (see STOP_SIGNALS)."""
    import signal
    import threading

    _STOP["signum"] = 0
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():  # only there can Python catch it
        for name in STOP_SIGNALS:
            signum = getattr(signal, name, None)
            if signum is not None:
                previous[signum] = signal.signal(signum, _note_stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _failed_file(source: sheet.Source, out_dir: Path, summary: Summary) -> None:
    """Write the failed rows where they replace nothing of the user's (see
    sheet.choose_failed_path); an earlier failed file is never deleted."""
    usual = sheet.failed_path(source, out_dir)
    if summary.failures:
        target = sheet.choose_failed_path(source, out_dir)
        summary.failed_path = target
        if target != usual:
            summary.failed_left = usual
        digest = sheet.write_failed(source, target, summary.failures)
        sheet.record_failed(out_dir, target, source, digest)
    elif os.path.lexists(usual) and not _same_file(usual, source.path):
        summary.stale_failed = usual


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _first_pass(source: sheet.Source, out_dir: Path, settings: Settings) -> outdir.Folders:
    """Settle every row's folder and refuse to redo an earlier run by accident."""
    folders = outdir.Folders(out_dir)
    names = [name for _doc, name in file_names(settings)]
    done = 0
    for row in sheet.rows(source):
        if _STOP["signum"]:
            return folders
        if row.problem:
            continue
        try:
            folder = folders.settle(row.position, row.number, row.cells)
        except InputError:
            continue
        path = out_dir / folder
        if path.is_dir() and not path.is_symlink() and any((path / n).exists() for n in names):
            done += 1
    if done and not (settings.resume or settings.force):
        raise InputError(
            ngettext(
                "{out} already holds the documents of {count} row of this file: pass --resume "
                "to write only what is missing, or --force to write them again",
                "{out} already holds the documents of {count} rows of this file: pass --resume "
                "to write only what is missing, or --force to write them again",
                done,
            ).format(out=out_dir, count=done)
        )
    return folders


def worker_count(rows: int) -> int:
    """How many processes render: one per core for long files, where fork exists."""
    if not hasattr(os, "fork") or rows < 400:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def _second_pass(
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: outdir.Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    parts = worker_count(source.lines)
    # User templates render in forked workers whatever the length: each worker has a memory
    # cap, and the parent stops one that stops reporting (work Python cannot interrupt).
    if parts == 1 and (settings.templates is None or not hasattr(os, "fork")):
        _work(source, out_dir, settings, folders, summary, progress, 0, 1)
        return
    _forked(source, out_dir, settings, folders, summary, progress, parts)


def _work(
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: outdir.Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
    part: int,
    parts: int,
) -> None:
    """Render and write the rows whose position modulo `parts` is `part`."""
    names = file_names(settings)
    for row in sheet.rows(source):
        if _STOP["signum"]:
            break
        if row.position % parts != part:
            continue
        summary.rows += 1
        label = _label(row.cells, row.number)
        try:
            if row.problem:
                raise InputError(row.problem)
            # A row the first pass did not place (a duplicate) says why when placed again.
            folder = folders.of_row.get(row.position) or folders.settle(
                row.position, row.number, row.cells
            )
            job = parse_row(row, settings)
            if _drafts_per_provider(settings):
                names = file_names(settings, job)
            written = _write_row(job, row, out_dir, folder, settings, names, summary)
            if written:
                summary.written += 1
            else:
                summary.skipped += 1
        except BreakupError as error:
            if getattr(error, "fatal", False):
                raise
            reasons = ([row.hint] if row.hint else []) + str(error).split("\n")
            summary.failures.append(
                sheet.Failed(row.number, label, reasons, row.cells, row.raw, row.values)
            )
        if progress is not None:
            progress(1)


def _forked(
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: outdir.Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
    parts: int,
) -> None:
    """Render with one forked process per part; gather their summaries and failures.

    Each worker has one pipe to the parent, on which it sends its ticks (one byte a row) and
    then its report. The parent reads every pipe as data arrives, so a worker never waits on
    a full pipe however many rows fail (the report of a thousand failed rows is bigger than a
    pipe holds).
    """
    import pickle

    from breakup import sandbox

    if settings.templates is None:
        _warm_up(source, settings)
    # With user templates, a worker reports every row, and one silent for longer than a row's
    # time bound is stopped; without, every 16 rows (fewer system calls).
    every = 1 if settings.templates is not None else 16
    workers: dict[int, int] = {}  # the read end of a worker's pipe -> its pid
    for part in range(parts):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            for fd in (read_end, *workers):
                os.close(fd)
            _worker(write_end, source, out_dir, settings, folders, part, parts, every)
        os.close(write_end)
        workers[read_end] = pid
    silence = sandbox.RENDER_SECONDS + 2 if settings.templates is not None else None
    reports = _gather(workers, progress, silence)
    errors: list[BaseException] = []
    for data in reports:
        if data is None:
            if not _STOP["signum"]:  # stopped, a worker may end before it reports
                errors.append(BreakupError(_("a worker stopped unexpectedly")))
            continue
        report = pickle.loads(data)
        if isinstance(report, BaseException):
            errors.append(report)
            continue
        summary.rows += report.rows
        summary.written += report.written
        summary.skipped += report.skipped
        summary.failures += report.failures
        summary.skipped_documents += report.skipped_documents
        summary.missing |= report.missing
        summary.rows_with_placeholders += report.rows_with_placeholders
    summary.failures.sort(key=lambda failure: failure.number)
    summary.skipped_documents.sort(key=lambda skipped: skipped[0])
    if errors:
        raise errors[0]


def _worker(
    fd: int,
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: outdir.Folders,
    part: int,
    parts: int,
    every: int,
) -> NoReturn:
    """A forked worker: write its part, send ticks and its report on fd, and exit."""
    import pickle
    import signal

    from breakup import sandbox

    try:
        # A stop (Ctrl-C reaches every process of the terminal's group, or the parent passes
        # it on) ends the worker after the row in hand, never in the middle of one, however
        # many come: stopping at once is the parent's call (it kills the workers).
        def note(signum: int, _frame: object) -> None:
            _STOP["signum"] = signum

        for name in STOP_SIGNALS:
            signal.signal(getattr(signal, name), note)
        if settings.templates is not None:
            sandbox.limit_process()
        mine = Summary()
        count = 0

        def tick(_n: int) -> None:
            nonlocal count
            count += 1
            if count % every == 0:
                _send(fd, b"." * every)

        report: Any
        try:
            _work(source, out_dir, settings, folders, mine, tick, part, parts)
            report = mine
        except BaseException as error:  # reported to the parent, which raises it
            report = error if isinstance(error, BreakupError) else BreakupError(str(error))
        _send(fd, b"." * (count % every) + _REPORT + pickle.dumps(report))
    finally:  # whatever happened (the parent gone: a broken pipe), never return to the CLI
        os._exit(0)


_REPORT = b"R"  # ends a worker's ticks: what follows is its pickled report


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _gather(
    workers: dict[int, int], progress: Callable[[int], None] | None, silence: float | None
) -> list[bytes | None]:
    """Read the workers' ticks and reports until every one is done; return the reports.

    With a `silence` limit, stop them all when none has sent anything for that long (a row
    stuck in work Python cannot interrupt). A stop signal is passed on to the workers, which
    finish the row in hand; one that has not ended STOP_GRACE seconds later is killed. Any
    other way out (a second Ctrl-C) kills them at once: no worker outlives the batch.
    """
    import select
    import signal
    import time

    reports: dict[int, bytearray] = {}
    open_ends = set(workers)
    last = time.monotonic()
    deadline: float | None = None

    def kill_all() -> None:
        for pid in workers.values():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    try:
        while open_ends:
            if _STOP["signum"] and deadline is None:
                deadline = time.monotonic() + STOP_GRACE
                for pid in workers.values():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, _STOP["signum"])
            # A short wait: a stop signal is noticed within half a second.
            ready = select.select(list(open_ends), [], [], 0.5)[0]
            now = time.monotonic()
            if not ready:
                if deadline is not None and now > deadline:
                    kill_all()
                    break
                if silence is not None and now - last > silence:
                    kill_all()
                    raise TemplateError(
                        _("a row's rendering ran past {seconds:g} s in work that cannot be "
                          "interrupted: check your templates for a huge or endless computation")
                        .format(seconds=silence)
                    )  # fmt: skip
                continue
            last = now
            for end in ready:
                chunk = os.read(end, 1 << 16)
                if not chunk:
                    open_ends.discard(end)
                elif end in reports:
                    reports[end] += chunk
                else:
                    ticks, marker, rest = chunk.partition(_REPORT)
                    if progress is not None and ticks:
                        progress(len(ticks))
                    if marker:
                        reports[end] = bytearray(rest)
    except BaseException:
        kill_all()
        raise
    finally:
        for end, pid in workers.items():
            os.close(end)
            os.waitpid(pid, 0)
    return [bytes(reports[end]) if end in reports else None for end in workers]


def _warm_up(source: sheet.Source, settings: Settings) -> None:
    """Render the first good row once before forking: the workers inherit what it loaded
    (templates, catalogs, locale data) instead of each loading it again."""
    for row in sheet.rows(source):
        with contextlib.suppress(BreakupError):
            job = parse_row(row, settings)
            names = file_names(settings, job)
            render_row(job, settings, names, {n for _d, n in names})
            return


def _write_row(
    job: Job,
    row: sheet.Row,
    out_dir: Path,
    folder: str,
    settings: Settings,
    names: list[tuple[str, str]],
    summary: Summary,
) -> bool:
    ident = outdir.identity(row.cells)
    path = out_dir / folder
    fresh = not os.path.lexists(path)
    fd = outdir.open_folder(out_dir, folder, ident, create=True)
    try:
        outdir.clean_temporaries(fd)
        present = {name for _doc, name in names if outdir.present(fd, name)}
        if settings.resume:
            todo = {name for _doc, name in names} - present
            if not todo:
                return False
        else:
            todo = {name for _doc, name in names}
            if present and not settings.force:
                raise InputError(
                    _(
                        "{folder}/ already holds {files}: pass --resume to skip finished rows, or "
                        "--force to write them again"
                    ).format(folder=folder, files=", ".join(sorted(present)))
                )
        try:
            files, missing, skipped, moved = render_row(job, settings, names, todo)
            if skipped and not files and not present:  # nothing left to write: the row fails
                raise skipped[0][1]
        except BreakupError:
            if fresh:
                outdir.remove_new_folder(fd, path)
            raise
        label = _label(row.cells, row.number)
        summary.skipped_documents += [
            (row.number, label, skipped_note(document, error)) for document, error in skipped
        ] + [(row.number, label, warning) for warning in moved]
        if not files:  # resumed, and all it could write was there
            return False
        if missing and settings.strict:
            if fresh:
                outdir.remove_new_folder(fd, path)
            raise InputError(_placeholder_reason(missing))
        if missing:
            summary.rows_with_placeholders += 1
            summary.missing.update(missing)
        for name, data in files:
            try:
                outdir.write_into(fd, name, data, settings.force, path)
            except OSError as error:
                if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                    failure = OutputError(
                        _("cannot write {path}: {reason}").format(
                            path=path / name, reason=error.strerror
                        )
                    )
                    failure.fatal = True  # type: ignore[attr-defined]
                    raise failure from None
                raise OutputError(
                    _("cannot write {path}: {reason}").format(
                        path=path / name, reason=error.strerror
                    )
                ) from None
        return True
    finally:
        os.close(fd)


def column_hints() -> dict[str, str]:
    """What fills each placeholder in a batch: columns, and the profile."""
    return {
        "client": _("column client"),
        "contact": _("column contact"),
        "client_email": _("column client_email"),
        "referral_email": _("email in the provider's [[referrals]] table (the To: of the draft)"),
        "end_date": _("column end_date (or notice_days)"),
        "outstanding": _("column invoice or outstanding"),
        "final_due": _("column final_due (or end_date)"),
        "sender_name": _("name in the profile's [sender] table"),
        "sender_company": _("company in the profile's [sender] table"),
        "sender_email": _("email in the profile's [sender] table"),
        "referral": _("a [[referrals]] entry in the profile matching column service"),
    }


def _placeholder_reason(missing: set[str]) -> str:
    hints = column_hints()
    return _("placeholders left (--strict): fill in {what}").format(
        what="; ".join(hints[k] for k in sorted(missing))
    )


def _dry_run(source: sheet.Source, out_dir: Path, settings: Settings, summary: Summary) -> Summary:
    folders = outdir.Folders(out_dir)
    for row in sheet.rows(source):
        summary.rows += 1
        label = _label(row.cells, row.number)
        try:
            folder = folders.settle(row.position, row.number, row.cells)
            job = parse_row(row, settings)
            names = file_names(settings, job)
            files, missing, skipped, moved = render_row(
                job, settings, names, {n for _d, n in names}
            )
            if skipped and not files:
                raise skipped[0][1]
            if missing and settings.strict:
                raise InputError(_placeholder_reason(missing))
            if missing:
                summary.rows_with_placeholders += 1
                summary.missing.update(missing)
            summary.skipped_documents += [
                (row.number, label, skipped_note(document, error)) for document, error in skipped
            ] + [(row.number, label, warning) for warning in moved]
            summary.planned.append(
                Planned(row.number, folder, [n for n, _data in files], sorted(missing))
            )
            summary.written += 1
        except BreakupError as error:
            summary.failures.append(
                sheet.Failed(
                    row.number, label, str(error).split("\n"), row.cells, row.raw, row.values
                )
            )
    return summary

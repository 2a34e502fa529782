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
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from breakup import facts, languages, registry, sheet
from breakup.errors import BreakupError, InputError, OutputError
from breakup.i18n import _, ngettext
from breakup.models import ClientFacts, Profile
from breakup.output import safe_name

MARKER = ".breakup-row.json"
LOCK = ".breakup.lock"
TMP_SUFFIX = ".breakup-tmp"
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


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
class Failure:
    """A row that failed: its number, who it was for, every reason, and where it came from."""

    number: int
    label: str
    reasons: list[str]
    cells: dict[str, str]
    raw: str


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
    failures: list[Failure] = dataclasses.field(default_factory=list)
    planned: list[Planned] = dataclasses.field(default_factory=list)
    failed_path: Path | None = None
    stale_failed: Path | None = None
    missing: set[str] = dataclasses.field(default_factory=set)
    rows_with_placeholders: int = 0
    ignored_columns: list[str] = dataclasses.field(default_factory=list)

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


def identity(cells: dict[str, str]) -> str:
    """What makes a row this row wherever it is read from: its id, else client and contact."""
    if ident := (cells.get("id") or "").strip():
        return "id:" + ident.casefold()
    parts = [(cells.get(c) or "").strip().casefold() for c in ("client", "contact")]
    return "row:" + "|".join(parts)


def _folder_base(cells: dict[str, str], number: int) -> str:
    name = (cells.get("id") or cells.get("client") or cells.get("contact") or "").strip()
    base = safe_name(name, fallback=f"row-{number}")
    return f"{base}-client" if base in _RESERVED else base


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]


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
    found = facts.read(
        raw, locale or None, lambda fact: column(fact.name), serials=True, problems=problems
    )
    if problems:
        raise InputError("\n".join(problems))
    if found.currency is None and settings.currency:
        found = dataclasses.replace(found, currency=settings.currency)
    return Job(row.number, archetype, found, lang, locale, register)


# --- folders ----------------------------------------------------------------------------


def _read_marker(folder: Path) -> str | None:
    try:
        fd = os.open(folder / MARKER, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, encoding="utf-8") as handle:
            return str(json.loads(handle.read(4096)).get("identity"))
    except (OSError, ValueError, AttributeError):
        return None


class Folders:
    """Settles each row's folder: its name if free or already its own, else the name with a
    short hash of its identity. Decided in the first pass, so the second only looks them up."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.taken: dict[str, str] = {}  # folder -> identity, for this run
        self.of_row: dict[int, str] = {}  # position -> folder
        self.seen: dict[str, int] = {}  # identity -> row number, for duplicates

    def settle(self, position: int, number: int, cells: dict[str, str]) -> str:
        ident = identity(cells)
        if ident in self.seen:
            raise InputError(
                _(
                    "the same client as row {other} (same client and contact): give each "
                    "row its own value in an id column"
                ).format(other=self.seen[ident])
            )
        self.seen[ident] = number
        base = _folder_base(cells, number)
        for name in (base, f"{base}-{_short_hash(ident)}"):
            owner = self.taken.get(name)
            if owner is None:
                path = self.out_dir / name
                if os.path.lexists(path):
                    owner = _read_marker(path) if path.is_dir() and not path.is_symlink() else "-"
                if owner is None and os.path.lexists(path):
                    owner = "-"  # a folder breakup did not make
            if owner in (None, ident):
                self.taken[name] = ident
                self.of_row[position] = name
                return name
        raise InputError(
            _("no free folder for this row in {out}: {base}/ and its variant are taken").format(
                out=self.out_dir, base=base
            )
        )


def _open_folder(out_dir: Path, name: str, ident: str, create: bool) -> int:
    """Open (and make) a row's folder without following links; claim it with the marker."""
    path = out_dir / name
    if create:
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK) or path.is_symlink():
            raise InputError(
                _(
                    "{path} is a link or a file, not a folder: breakup writes only into folders "
                    "it made; move it away"
                ).format(path=path)
            ) from None
        raise
    if not create:
        return fd
    if _read_marker(path) is None:
        data = json.dumps({"identity": ident, "by": "breakup"}).encode()
        try:
            marker = os.open(
                MARKER,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                0o600,
                dir_fd=fd,
            )
            with os.fdopen(marker, "wb") as handle:
                handle.write(data)
        except FileExistsError:
            pass
    return fd


def _present(fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _clean_temporaries(fd: int) -> None:
    """Remove what a killed batch left half-written (only ever breakup's own temporary files)."""
    for entry in os.listdir(fd):
        if entry.startswith(".") and entry.endswith(TMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(entry, dir_fd=fd)


def _write_into(fd: int, name: str, data: bytes, force: bool, where: Path) -> None:
    """Write a file in a folder opened by fd: exclusive temporary, then link (or rename)."""
    tmp = f".{name}.{secrets.token_hex(6)}{TMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    handle = os.open(tmp, flags | getattr(os, "O_CLOEXEC", 0), 0o600, dir_fd=fd)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
        finally:
            os.close(handle)
        if force:
            try:
                mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            except FileNotFoundError:
                mode = stat.S_IFREG
            if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
                raise OutputError(
                    _("{path} is not a regular file: breakup will not replace it").format(
                        path=where / name
                    )
                )
            os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
        else:
            try:
                os.link(tmp, name, src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
            except FileExistsError:
                raise OutputError(
                    _("{path} already exists (another run wrote it meanwhile)").format(
                        path=where / name
                    )
                ) from None
            os.unlink(tmp, dir_fd=fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=fd)
        raise


# --- the lock ---------------------------------------------------------------------------


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this batch; another batch into it stops with a clear error."""
    path = out_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                _(
                    "another breakup batch is writing into {out}: wait for it to finish, or choose "
                    "another folder"
                ).format(out=out_dir)
            ) from None
        except ImportError:  # pragma: no cover - Windows
            import msvcrt

            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            except OSError:
                raise OutputError(
                    _(
                        "another breakup batch is writing into {out}: wait for it to finish, or "
                        "choose another folder"
                    ).format(out=out_dir)
                ) from None
        yield
    finally:
        os.close(fd)


# --- running ----------------------------------------------------------------------------


def file_names(settings: Settings) -> list[tuple[str, str]]:
    """(document, file name) for each document a row gets."""
    names = []
    for document in settings.documents:
        fmt = settings.email_fmt if document == "email" and settings.email_fmt else settings.fmt
        names.append(
            (document, f"{registry.DOCUMENTS[document].stem}.{registry.FORMATS[fmt].extension}")
        )
    return names


def render_row(
    job: Job, settings: Settings, names: list[tuple[str, str]], todo: set[str]
) -> tuple[list[tuple[str, bytes]], set[str]]:
    """Render a row's documents (those in todo): (file name, bytes), and the placeholders left."""
    from breakup import sandbox
    from breakup.publish import publish

    files: list[tuple[str, bytes]] = []
    missing: set[str] = set()
    with sandbox.time_limit(sandbox.RENDER_SECONDS):
        for document, name in names:
            if name not in todo:
                continue
            fmt = settings.email_fmt if document == "email" and settings.email_fmt else settings.fmt
            out = publish(
                document,
                job.archetype,
                fmt,
                facts=job.facts,
                profile=settings.profile,
                lang=job.lang,
                locale=job.locale,
                register=job.register,
                today=settings.today,
                templates=settings.templates,
                now=settings.now,
            )
            files.append((name, out.data))
            missing.update(out.missing)
    return files, missing


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
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            _("cannot create {path}: {reason}").format(path=out_dir, reason=error.strerror)
        ) from None
    with locked(out_dir):
        folders = _first_pass(source, out_dir, settings)
        _second_pass(source, out_dir, settings, folders, summary, progress)
        _write_failed(source, out_dir, summary)
    return summary


def _first_pass(source: sheet.Source, out_dir: Path, settings: Settings) -> Folders:
    """Settle every row's folder and refuse to redo an earlier run by accident."""
    folders = Folders(out_dir)
    names = [name for _doc, name in file_names(settings)]
    done = 0
    for row in sheet.rows(source):
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
    folders: Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
) -> None:
    parts = worker_count(source.lines)
    if parts == 1:
        _work(source, out_dir, settings, folders, summary, progress, 0, 1)
        return
    _forked(source, out_dir, settings, folders, summary, progress, parts)


def _work(
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
    part: int,
    parts: int,
) -> None:
    """Render and write the rows whose position modulo `parts` is `part`."""
    names = file_names(settings)
    for row in sheet.rows(source):
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
            written = _write_row(job, row, out_dir, folder, settings, names, summary)
            if written:
                summary.written += 1
            else:
                summary.skipped += 1
        except BreakupError as error:
            if getattr(error, "fatal", False):
                raise
            reasons = ([row.hint] if row.hint else []) + str(error).split("\n")
            summary.failures.append(Failure(row.number, label, reasons, row.cells, row.raw))
        if progress is not None:
            progress(1)


def _forked(
    source: sheet.Source,
    out_dir: Path,
    settings: Settings,
    folders: Folders,
    summary: Summary,
    progress: Callable[[int], None] | None,
    parts: int,
) -> None:
    """Render with one forked process per part; gather their summaries and failures."""
    import pickle

    _warm_up(source, settings)
    tick_read, tick_write = os.pipe()
    children = []
    for part in range(parts):
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(tick_read)
            os.close(result_read)
            code = 0
            mine = Summary()
            try:
                count = 0

                def tick(_n: int) -> None:
                    nonlocal count
                    count += 1
                    if count % 16 == 0:
                        os.write(tick_write, b"." * 16)

                _work(source, out_dir, settings, folders, mine, tick, part, parts)
                os.write(tick_write, b"." * (count % 16))
                report: Any = mine
            except BaseException as error:  # reported to the parent, which raises it
                report = error if isinstance(error, BreakupError) else BreakupError(str(error))
                code = 1
            with os.fdopen(result_write, "wb") as handle:
                handle.write(pickle.dumps(report))
            os._exit(code)
        os.close(result_write)
        children.append((pid, result_read))
    os.close(tick_write)
    with os.fdopen(tick_read, "rb") as ticks:
        while chunk := ticks.read1(4096):
            if progress is not None:
                progress(len(chunk))
    errors: list[BaseException] = []
    for pid, result_read in children:
        with os.fdopen(result_read, "rb") as handle:
            data = handle.read()
        os.waitpid(pid, 0)
        report = pickle.loads(data) if data else BreakupError(_("a worker stopped unexpectedly"))
        if isinstance(report, BaseException):
            errors.append(report)
            continue
        summary.rows += report.rows
        summary.written += report.written
        summary.skipped += report.skipped
        summary.failures += report.failures
        summary.missing |= report.missing
        summary.rows_with_placeholders += report.rows_with_placeholders
    summary.failures.sort(key=lambda failure: failure.number)
    if errors:
        raise errors[0]


def _warm_up(source: sheet.Source, settings: Settings) -> None:
    """Render the first good row once before forking: the workers inherit what it loaded
    (templates, catalogs, locale data) instead of each loading it again."""
    for row in sheet.rows(source):
        with contextlib.suppress(BreakupError):
            job = parse_row(row, settings)
            names = file_names(settings)
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
    ident = identity(row.cells)
    path = out_dir / folder
    fresh = not os.path.lexists(path)
    fd = _open_folder(out_dir, folder, ident, create=True)
    try:
        _clean_temporaries(fd)
        present = {name for _doc, name in names if _present(fd, name)}
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
            files, missing = render_row(job, settings, names, todo)
        except BreakupError:
            if fresh:
                _remove_new_folder(fd, path)
            raise
        if missing and settings.strict:
            if fresh:
                _remove_new_folder(fd, path)
            raise InputError(_placeholder_reason(missing))
        if missing:
            summary.rows_with_placeholders += 1
            summary.missing.update(missing)
        for name, data in files:
            try:
                _write_into(fd, name, data, settings.force, path)
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


def _remove_new_folder(fd: int, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(MARKER, dir_fd=fd)
    with contextlib.suppress(OSError):
        os.rmdir(path)


def column_hints() -> dict[str, str]:
    """What fills each placeholder in a batch: columns, and the profile."""
    return {
        "client": _("column client"),
        "contact": _("column contact"),
        "client_email": _("column client_email"),
        "end_date": _("column end_date (or notice_days)"),
        "outstanding": _("column invoice or outstanding"),
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
    folders = Folders(out_dir)
    names = file_names(settings)
    for row in sheet.rows(source):
        summary.rows += 1
        label = _label(row.cells, row.number)
        try:
            folder = folders.settle(row.position, row.number, row.cells)
            job = parse_row(row, settings)
            _files, missing = render_row(job, settings, names, {n for _d, n in names})
            if missing and settings.strict:
                raise InputError(_placeholder_reason(missing))
            if missing:
                summary.rows_with_placeholders += 1
                summary.missing.update(missing)
            summary.planned.append(
                Planned(row.number, folder, [n for _d, n in names], sorted(missing))
            )
            summary.written += 1
        except BreakupError as error:
            summary.failures.append(
                Failure(row.number, label, str(error).split("\n"), row.cells, row.raw)
            )
    return summary


# --- the failed file --------------------------------------------------------------------


def _neutral(value: str) -> str:
    """Give a cell a spreadsheet would run as a formula a leading apostrophe (read back as typed)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _write_failed(source: sheet.Source, out_dir: Path, summary: Summary) -> None:
    """Write the failed rows in the input's own form, ready to fix and run again.

    CSV: the same columns, delimiter, encoding and BOM, with `row` (the row number in the
    first file, kept across reruns) and `reason`. JSON Lines: each original object with
    "row" and "reason" added, or the original text in "line" when it was not valid JSON.
    An earlier failed file is replaced only by one with failures: it is never deleted.
    """
    if source.kind == "jsonl":
        target = out_dir / "failed.jsonl"
    else:
        target = out_dir / "failed.csv"
    if not summary.failures:
        if target.exists() and target.resolve() != source.path.resolve():
            summary.stale_failed = target
        return
    summary.failed_path = target
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}{TMP_SUFFIX}")
    if source.kind == "jsonl":
        lines = []
        for failure in summary.failures:
            try:
                data = json.loads(failure.raw)
                if not isinstance(data, dict):
                    raise ValueError
            except (ValueError, RecursionError):
                data = {"line": failure.raw}
            data.update({sheet.ROW: failure.number, sheet.REASON: " / ".join(failure.reasons)})
            line = json.dumps(data, ensure_ascii=False)
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: kept as its JSON escape
                line = json.dumps(data)
            lines.append(line)
        payload = ("\n".join(lines) + "\n").encode("utf-8")
    else:
        import csv
        import io

        columns = [h for h in source.header if h and h not in (sheet.ROW, sheet.REASON)]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=source.delimiter, lineterminator="\r\n")
        writer.writerow([*columns, sheet.ROW, sheet.REASON])
        for failure in summary.failures:
            writer.writerow(
                [_neutral(failure.cells.get(c, "")) for c in columns]
                + [failure.number, _neutral(" / ".join(failure.reasons))]
            )
        encoding = "cp1252" if source.encoding == "cp1252" else "utf-8"
        payload = (("\ufeff" if source.bom else "") + buffer.getvalue()).encode(
            encoding, errors="replace" if encoding == "cp1252" else "surrogateescape"
        )
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

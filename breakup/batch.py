"""breakup batch: the documents for many clients from a spreadsheet, streamed and written safely.

Rows are read one at a time (breakup.sheet), each becomes a folder of documents rendered by
breakup.fastpath, and a bad row is reported while the others still render. Files are written
whole (a temporary file, then a rename); long files are shared among forked workers.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

from breakup import publish
from breakup.errors import BreakupError, InputError, OutputError
from breakup.fastpath import FastRenderer
from breakup.models import Profile
from breakup.output import safe_name
from breakup.sheet import COLUMNS, Defaults, RowError, extra_columns, parse_row, read_rows, scan

_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip


class Summary:
    """What a batch did.

    Fields: rows (read), written (rows with documents written), skipped (rows already
    complete, with --resume), failed (rows with an error), failed_path (failed.csv, or None),
    missing (HOW_TO_FILL keys of what some document lacks), ignored_columns.
    """

    def __init__(self, ignored_columns: list[str] | None = None) -> None:
        self.rows = 0
        self.written = 0
        self.skipped = 0
        self.failed = 0
        self.failed_path: Path | None = None
        self.missing: set[str] = set()
        self.ignored_columns = ignored_columns or []


def folder_name(name: str, used: set[str]) -> str:
    """A safe, unique folder name for a row: it can never leave the output folder."""
    base = safe_name(name, fallback="client")
    if base in _RESERVED:
        base = f"{base}-client"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return slug


# Flags for os.open as open(path, "wb") would set them (O_BINARY on Windows only).
_WRITE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
                | getattr(os, "O_BINARY", 0))  # fmt: skip


def _write(folder: str, name: str, data: bytes, pid: int) -> None:
    """Write a file whole: a temporary file beside it (named after the process), then a
    rename."""
    path = f"{folder}{os.sep}{name}"
    tmp = f"{folder}{os.sep}.{name}.{pid}.tmp"
    try:
        # os.open and os.write, not open(): a file object costs more than the write itself.
        fd = os.open(tmp, _WRITE_FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _row_name(number: int, cells: dict[str, str]) -> str:
    """What a row's folder is named after: its client, else its contact, else its number."""
    for column in ("client", "contact"):
        if value := (cells.get(column) or "").strip():
            return value
    return f"row-{number}"


class _Plan(NamedTuple):
    """What a worker needs, with the renderer, to render its share of the rows."""

    source: Path
    encoding: str
    out_dir: Path
    documents: tuple[str, ...]
    fmt: str
    profile: Profile
    defaults: Defaults
    force: bool
    resume: bool


# Rows go through in chunks, one kind of work at a time: name and parse a chunk's rows, then
# render them, then write their files. Going row by row from one kind to the next was about
# a quarter slower (each pushes the others' code and data out of the processor's caches).
_CHUNK_ROWS = 64


def _work(plan: _Plan, renderer: FastRenderer, part: int, parts: int, failed_file: Path,
          tick: Callable[[], None]) -> Summary:  # fmt: skip
    """Render the rows whose position modulo `parts` is `part`; failures go to failed_file.

    Every worker reads the whole file and names every row's folder, so the names are the
    same whichever worker renders a row.
    """
    header, rows = read_rows(plan.source, plan.encoding)
    summary = Summary(ignored_columns=extra_columns(header))
    failures = _Failures(failed_file, [c for c in header if c] or list(COLUMNS))
    out_dir = str(plan.out_dir)
    extension = publish.EXTENSIONS[plan.fmt]
    names = [(d, f"{publish.FILE_STEMS[d]}.{extension}") for d in plan.documents]
    used: set[str] = set()
    pid = os.getpid()  # a system call: once, not for every file
    numbered = enumerate(rows)
    try:
        while chunk := list(itertools.islice(numbered, _CHUNK_ROWS * parts)):
            # 1. Name every row's folder; parse this worker's rows and make their folders.
            jobs = []
            for position, (number, cells) in chunk:
                slug = folder_name(_row_name(number, cells), used)
                if position % parts != part:
                    continue
                summary.rows += 1
                folder = os.path.join(out_dir, slug)
                try:
                    job = parse_row(number, cells, plan.defaults, plan.profile)
                    new, todo = _make_folder(folder, slug, names, plan)
                except RowError as error:
                    failures.add(number, cells, error)
                    tick()
                    continue
                if not todo:
                    summary.skipped += 1
                    tick()
                    continue
                jobs.append((number, cells, folder, new, job, todo))
            # 2. Render them, then 3. write their files. A row that fails, or a batch that
            # stops (PDF without WeasyPrint, a full disk), leaves no empty folder behind.
            files = []
            try:
                for number, cells, folder, new, job, todo in jobs:
                    done = []
                    try:
                        for document, name in todo:
                            data, missing = renderer.produce(document, plan.fmt, job)
                            done.append((folder, name, data))
                            summary.missing.update(missing)
                    except OutputError:
                        raise
                    except (RowError, BreakupError) as error:
                        failures.add(number, cells, error)
                        if new:
                            _remove_if_empty(folder)
                    else:
                        files += done
                        summary.written += 1
                    tick()
                for folder, name, data in files:
                    _write(folder, name, data, pid)
            except BaseException:
                for _number, _cells, folder, new, _job, _todo in jobs:
                    if new:
                        _remove_if_empty(folder)
                raise
            failures.flush()
    finally:
        failures.close()
    summary.failed = failures.count
    return summary


def _remove_if_empty(folder: str) -> None:
    with contextlib.suppress(OSError):  # one that holds files stays
        os.rmdir(folder)


class _Failures:
    """A worker's failed rows: their cells, number and reason, for its part of failed.csv.

    A chunk's rows fail in two stages (parsing, rendering): they are written at the end of
    the chunk, in row order, as failed.csv lists them.
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.fields = [*columns, "row", "reason"]
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._handle: Any = None
        self._writer: Any = None

    def add(self, number: int, cells: dict[str, str], error: Exception) -> None:
        self._rows.append({**cells, "row": number, "reason": str(error)})
        self.count += 1

    def flush(self) -> None:
        if not self._rows:
            return
        if self._handle is None:  # opened on the first failure: most batches have none
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.DictWriter(self._handle, fieldnames=self.fields,
                                          extrasaction="ignore")  # fmt: skip
            self._writer.writeheader()
        self._writer.writerows(sorted(self._rows, key=lambda row: row["row"]))
        self._rows.clear()

    def close(self) -> None:
        self.flush()
        if self._handle is not None:
            self._handle.close()


def _make_folder(folder: str, slug: str, names: list[tuple[str, str]],
                 plan: _Plan) -> tuple[bool, list[tuple[str, str]]]:  # fmt: skip
    """Make a row's folder; return whether it is new and the documents to write into it.

    One mkdir tells whether the folder is new: a new one holds nothing to keep. In one that
    exists, --resume writes only the missing documents, --force overwrites, and otherwise
    any document already there is a RowError.
    """
    try:
        os.mkdir(folder)
        return True, names
    except FileExistsError:
        pass
    except OSError as error:
        raise OutputError(f"cannot create {folder}: {error.strerror}") from None
    if plan.force and not plan.resume:
        return False, names
    existing = [name for _d, name in names if os.path.exists(os.path.join(folder, name))]
    if plan.resume:
        return False, [(d, name) for d, name in names if name not in existing]
    if existing:
        raise RowError(
            f"{slug}/ already holds {', '.join(existing)}: pass --force to overwrite or "
            "--resume to skip finished rows"
        )
    return False, names


def worker_count(rows: int) -> int:
    """How many processes to render with: one per core for long files, where fork exists."""
    if not hasattr(os, "fork") or rows < 400:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def run(
    source: Path,
    out_dir: Path,
    *,
    documents: tuple[str, ...],
    fmt: str,
    profile: Profile,
    defaults: Defaults,
    force: bool = False,
    resume: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    templates: Path | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Render every row of `source` into `out_dir`; return what happened."""
    if fmt == "eml" and documents != ("email",):
        raise InputError("--format eml is for the email only: add --only email")
    encoding, lines = scan(source)
    header, _rows = read_rows(source, encoding)  # refuses a bad header before any work
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {out_dir}: {error.strerror}") from None
    plan = _Plan(source, encoding, out_dir, documents, fmt, profile, defaults, force, resume)
    now = now or datetime.now().astimezone()
    renderer = FastRenderer(profile, today=today or date.today(), now=now, templates=templates)
    parts = workers or worker_count(lines)
    part_files = [out_dir / f".failed.{os.getpid()}.{n}.tmp" for n in range(parts)]
    if parts == 1:
        summary = _work(plan, renderer, 0, 1, part_files[0],
                        lambda: progress(1) if progress else None)  # fmt: skip
    else:
        _prime(plan, renderer)
        summary = _fork_workers(plan, renderer, parts, part_files, progress)
    failed_path = out_dir / "failed.csv"
    if summary.failed:
        _merge_failures(part_files, failed_path, [c for c in header if c] or list(COLUMNS))
        summary.failed_path = failed_path
    else:
        failed_path.unlink(missing_ok=True)
    for part_file in part_files:
        part_file.unlink(missing_ok=True)
    return summary


def _prime(plan: _Plan, renderer: FastRenderer) -> None:
    """Render the first row once before the workers fork: they inherit what it loaded and
    built (templates, catalogs, locale data, its draft) instead of each doing it again."""
    _header, rows = read_rows(plan.source, plan.encoding)
    for number, cells in itertools.islice(rows, 1):
        with contextlib.suppress(RowError, BreakupError):  # its worker reports it
            job = parse_row(number, cells, plan.defaults, plan.profile)
            for document in plan.documents:
                renderer.produce(document, plan.fmt, job)


def _fork_workers(plan: _Plan, renderer: FastRenderer, parts: int, part_files: list[Path],
                  progress: Callable[[int], None] | None) -> Summary:  # fmt: skip
    """Render with one forked process per part; gather their summaries."""
    tick_read, tick_write = os.pipe()
    children = []
    for part in range(parts):
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(tick_read)
            os.close(result_read)
            _worker(plan, renderer, part, parts, part_files[part], tick_write, result_write)
        os.close(result_write)
        children.append((pid, result_read))
    os.close(tick_write)
    with os.fdopen(tick_read, "rb") as ticks:
        while chunk := ticks.read1(4096):
            if progress is not None:
                progress(len(chunk))
    summary = Summary(ignored_columns=[])
    errors = []
    for pid, result_read in children:
        with os.fdopen(result_read, encoding="utf-8") as handle:
            report = json.loads(handle.read() or '{"error": "a worker stopped"}')
        os.waitpid(pid, 0)
        if "error" in report:
            errors.append(report)
            continue
        summary.rows += report["rows"]
        summary.written += report["written"]
        summary.skipped += report["skipped"]
        summary.failed += report["failed"]
        summary.missing.update(report["missing"])
    if errors:
        first = errors[0]
        raise (OutputError if first.get("output") else BreakupError)(first["error"])
    return summary


def _worker(plan: _Plan, renderer: FastRenderer, part: int, parts: int, part_file: Path,
            tick_write: int, result_write: int) -> None:  # fmt: skip
    """A forked worker's life: render its rows, tick per row, report, exit."""
    code = 0
    counter = 0

    def tick() -> None:
        nonlocal counter
        counter += 1
        if counter % 32 == 0:
            os.write(tick_write, b"." * 32)

    try:
        done = _work(plan, renderer, part, parts, part_file, tick)
        os.write(tick_write, b"." * (counter % 32))
        report: dict[str, Any] = {
            "rows": done.rows, "written": done.written, "skipped": done.skipped,
            "failed": done.failed, "missing": sorted(done.missing),
        }  # fmt: skip
    except BaseException as error:  # reported to the parent, which raises it
        report = {"error": str(error) or type(error).__name__,
                  "output": isinstance(error, OutputError)}  # fmt: skip
        code = 1
    with os.fdopen(result_write, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(report))
    os._exit(code)


def _merge_failures(part_files: list[Path], target: Path, columns: list[str]) -> None:
    """Write failed.csv: the workers' failed rows, in file order, with one header."""
    import heapq

    fields = [*columns, "row", "reason"]
    handles = [path.open(encoding="utf-8", newline="") for path in part_files if path.exists()]
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        readers = [csv.DictReader(handle) for handle in handles]
        merged = heapq.merge(*readers, key=lambda row: int(row["row"]))
        with tmp.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(merged)
        os.replace(tmp, target)
    finally:
        for handle in handles:
            handle.close()

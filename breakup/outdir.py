"""The output folder of a batch: one batch at a time, one folder per row, exclusive writes.

A row's folder is named after its id, else its client, else its contact; a marker file inside
names the row's identity, so another row, or the same row read from another file (a fixed
failed.csv), never takes it. Files are written through a folder opened without following
links, to a new temporary file created exclusively, then published by a hard link (or a
rename with --force).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from breakup.errors import InputError, OutputError
from breakup.i18n import _
from breakup.output import refuse_special, safe_name

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


def _key(text: str) -> str:
    """A name as rows are told apart: as the documents print it (no zero-width or other
    invisible characters), in compatible form (full-width "Ａｃｍｅ" is "acme"), without case."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf").strip().casefold()


def identity(cells: dict[str, str]) -> str:
    """What makes a row this row wherever it is read from: its id, else client and contact."""
    if ident := _key(cells.get("id") or ""):
        return "id:" + ident
    parts = [_key(cells.get(c) or "") for c in ("client", "contact")]
    return "row:" + "|".join(parts)


def folder_base(cells: dict[str, str], number: int) -> str:
    name = (cells.get("id") or cells.get("client") or cells.get("contact") or "").strip()
    base = safe_name(name, fallback=f"row-{number}")
    return f"{base}-client" if base in _RESERVED else base


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def read_marker(folder: Path) -> str | None:
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
            # "Acme" and "acme" in the id column: the ids clash, not the clients (a round-34
            # red team read "same client and contact" of two rows that had ids).
            message = (
                _(
                    "the same id as row {other} (ids are compared without case or invisible "
                    "characters): give each row its own id"
                )
                if ident.startswith("id:")
                else _(
                    "the same client as row {other} (same client and contact): give each "
                    "row its own value in an id column"
                )
            )
            raise InputError(message.format(other=self.seen[ident]))
        self.seen[ident] = number
        base = folder_base(cells, number)
        for name in (base, f"{base}-{short_hash(ident)}"):
            owner = self.taken.get(name)
            if owner is None:
                path = self.out_dir / name
                if os.path.lexists(path):
                    owner = read_marker(path) if path.is_dir() and not path.is_symlink() else "-"
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


def open_folder(out_dir: Path, name: str, ident: str, create: bool) -> int:
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
    if read_marker(path) is None:
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


def present(fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def clean_temporaries(fd: int) -> None:
    """Remove what a killed batch left half-written (only ever breakup's own temporary files)."""
    for entry in os.listdir(fd):
        if entry.startswith(".") and entry.endswith(TMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(entry, dir_fd=fd)


def write_into(fd: int, name: str, data: bytes, force: bool, where: Path) -> None:
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
            refuse_special(name, where / name, dir_fd=fd)
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


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this batch; another batch into it stops with a clear error."""
    path = out_dir / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except OSError as error:
        if error.errno == errno.ELOOP or os.path.islink(path):
            raise OutputError(
                _(
                    "{path} is a symbolic link: breakup's lock file is never one, and a link is "
                    "never followed; remove it and run the batch again"
                ).format(path=path)
            ) from None
        raise OutputError(
            _("cannot create the lock file {path}: {reason}; remove what is there").format(
                path=path, reason=error.strerror
            )
        ) from None
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


def remove_new_folder(fd: int, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(MARKER, dir_fd=fd)
    with contextlib.suppress(OSError):
        os.rmdir(path)

"""Read what the user gives breakup in a file or a stream, within bounds.

A file the user names (a profile, an answers file, a transcript to replay, a clients file)
must be a regular file: a folder, a device such as /dev/zero, a FIFO or a socket is refused,
and opening one never blocks. A file read whole has a size limit, a line read from a stream a
length limit. Past a limit: one InputError that names it, never a MemoryError or a hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO, AnyStr, BinaryIO

from breakup.errors import BreakupError, InputError
from breakup.i18n import _

MB = 1_000_000


def size(limit: int) -> str:
    """A limit in bytes as a person reads it: "1 MB", "64 KB"."""
    return f"{limit // MB:,} MB" if limit >= MB else f"{limit // 1000:,} KB"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("a device")


def not_regular(
    path: Path | str, mode: int, error: type[BreakupError] = InputError
) -> BreakupError:
    """The error for a path that is not a regular file, saying what it is."""
    return error(
        _("{path} is {kind}, not a file: give the path of a file").format(
            path=path, kind=_kind(mode)
        )
    )


def check_file(path: Path, error: type[BreakupError] = InputError) -> None:
    """Refuse a path that is missing or is not a regular file (a link to one is fine)."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise error(_("{path} not found: check the path").format(path=path)) from None
    except OSError as problem:
        raise error(
            _("cannot read {path}: {reason}").format(path=path, reason=problem.strerror)
        ) from None
    if not stat.S_ISREG(mode):
        raise not_regular(path, mode, error)


def open_regular(path: Path | str, error: type[BreakupError] = InputError) -> BinaryIO:
    """Open the regular file at `path` for reading, without waiting on it: a FIFO, a device
    or a folder is refused (`not_regular`) before a byte is read. OSError (a missing file,
    no permission) is the caller's to word."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise not_regular(path, mode, error)
    return os.fdopen(fd, "rb")


def read_file(path: Path, limit: int, error: type[BreakupError] = InputError) -> bytes:
    """Return the bytes of the regular file at `path`, refusing one larger than `limit`."""
    try:
        opened = open_regular(path, error)
    except FileNotFoundError:
        raise error(_("{path} not found: check the path").format(path=path)) from None
    except OSError as problem:
        raise error(
            _("cannot read {path}: {reason}").format(path=path, reason=problem.strerror)
        ) from None
    with opened as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as problem:
            raise error(
                _("cannot read {path}: {reason}").format(path=path, reason=problem.strerror)
            ) from None
    if len(data) > limit:
        raise error(
            _("{path} is larger than {limit}: check that it is the right file").format(
                path=path, limit=size(limit)
            )
        )
    return data


def read_line(stream: IO[AnyStr], limit: int, too_long: str) -> AnyStr:
    """Return the next line of a stream (with its line break; empty at the end), reading no
    more than `limit` characters (or bytes) of it: a longer line is InputError(too_long)."""
    line = stream.readline(limit + 1)
    newline = (b"\n",) if isinstance(line, bytes) else ("\n",)
    if len(line) > limit and line[-1:] not in newline:
        raise InputError(too_long)
    return line

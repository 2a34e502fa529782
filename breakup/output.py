"""Write files safely: whole or not at all, private, never over existing work.

Every file is first written to a new temporary file beside its target (created exclusively,
mode 0600), then published: by a hard link when it must not replace anything (the link fails
if the target appeared meanwhile, so two runs cannot overwrite each other), or by a rename
when --force allows replacing. A target that is a device, a FIFO, a socket, a folder, a link
to one of those or a dangling link is never replaced, even with --force.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from breakup.errors import OutputError
from breakup.i18n import _

# Where hard links are not possible (some network and FAT file systems), publishing falls
# back to a check and a rename.
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, getattr(errno, "ENOTSUP", -1)}


def exists(path: Path) -> bool:
    """Tell whether anything is at `path`, a dangling symlink included."""
    return os.path.lexists(path)


def refuse_special(path: Path | str, shown: Path | None = None, dir_fd: int | None = None) -> None:
    """Refuse to replace what is at `path` unless it is a regular file or a link to one: never
    a device, a FIFO, a socket, a folder, a link to one of those or a dangling link.

    `dir_fd`: the folder `path` is relative to; `shown`: the path named in the error.
    """
    shown = shown or Path(path)
    try:
        mode = os.stat(path, dir_fd=dir_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        try:
            mode = os.stat(path, dir_fd=dir_fd).st_mode
        except OSError:  # nothing there, or a loop of links
            raise OutputError(
                _(
                    "{path} is a symbolic link to nothing: breakup will not replace it, even with "
                    "--force; remove the link or choose another name"
                ).format(path=shown)
            ) from None
        if not stat.S_ISREG(mode):
            raise OutputError(
                _(
                    "{path} is a symbolic link to a folder or a special file: breakup will not "
                    "replace it, even with --force; choose another name"
                ).format(path=shown)
            )
        return
    if not stat.S_ISREG(mode):
        raise OutputError(
            _(
                "{path} is not a regular file: breakup will not replace it, even with --force"
            ).format(path=shown)
        )


def make_folder(path: Path) -> None:
    """Make a folder and its missing parents, private to the user (0700), whatever the umask
    would give (the files in it are 0600). A folder already there is left as it is."""
    if path.is_dir():
        return
    if path.parent != path:
        make_folder(path.parent)
    with contextlib.suppress(FileExistsError):  # made meanwhile; a file there fails later
        os.mkdir(path, 0o700)


def _temporary(path: Path, data: bytes) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    make_folder(folder)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".breakup-tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def _publish(tmp: str, path: Path, force: bool) -> None:
    if force:
        refuse_special(path)
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path, follow_symlinks=False)
    except FileExistsError:
        raise OutputError(
            _("{path} already exists: choose another name or pass --force").format(path=path)
        ) from None
    except OSError as error:
        if error.errno not in _NO_LINKS:
            raise
        if exists(path):
            raise OutputError(
                _("{path} already exists: choose another name or pass --force").format(path=path)
            ) from None
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_atomic(path: Path, data: str | bytes, *, force: bool = False) -> None:
    """Write one file whole, private to the user; refuse an existing one unless force."""
    write_all([(path, data)], force=force)


def write_all(files: Sequence[tuple[Path, str | bytes]], *, force: bool = False) -> None:
    """Write several files all or none: every one is written in full before any is published.

    Without force, every target is checked first, so a refusal writes nothing. A full disk
    while writing leaves nothing behind; a failure while publishing unpublishes what this
    call had published (files it had replaced with force cannot be brought back).
    """
    if not force:
        taken = [str(path) for path, _data in files if exists(path)]
        if taken:
            raise OutputError(
                _("{paths} already exist: choose other names or pass --force").format(
                    paths=", ".join(taken)
                )
                if len(taken) > 1
                else _("{path} already exists: choose another name or pass --force").format(
                    path=taken[0]
                )
            )
    else:
        for path, _data in files:
            refuse_special(path)
    temporaries: list[tuple[str, Path]] = []
    published: list[Path] = []
    try:
        for path, data in files:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            temporaries.append((_temporary(path, payload), path))
        for tmp, path in temporaries:
            _publish(tmp, path, force)
            published.append(path)
    except OSError as error:
        _undo(temporaries, published, force)
        where = temporaries[-1][1] if temporaries else files[0][0]
        raise OutputError(
            _("cannot write {path}: {reason}").format(path=where, reason=error.strerror or error)
        ) from None
    except BaseException:
        _undo(temporaries, published, force)
        raise


def _undo(temporaries: list[tuple[str, Path]], published: list[Path], force: bool) -> None:
    for tmp, _path in temporaries:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    if not force:
        for path in published:
            with contextlib.suppress(OSError):
                os.unlink(path)


def safe_name(text: str, fallback: str = "client", limit: int = 60) -> str:
    """Turn any text into a file or folder name that cannot leave its parent folder."""
    ascii_text = (
        text
        if text.isascii()
        else (unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    )
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:limit].strip("-")
    return slug or fallback

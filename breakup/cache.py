"""A per-user cache of compiled templates and catalogs, so a command starts quickly.

It holds nothing of the user's: only what breakup compiles from its own templates and
catalogs, checked against the sources' size and time. BREAKUP_CACHE_DIR moves it; setting it
to "off" turns it off. Any failure to read or write it just means compiling again.
"""

from __future__ import annotations

import functools
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from breakup import __version__

# Bumped when BoundedSandbox changes the code templates compile to (see jinja_cache).
_SANDBOX_CODE = 2


@functools.cache
def cache_dir() -> Path | None:
    """Return the cache folder for this version of breakup and Python, or None."""
    setting = os.environ.get("BREAKUP_CACHE_DIR")
    if setting and setting.lower() == "off":
        return None
    if setting:
        base = Path(setting)
    elif sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        base = base / "breakup" / "Cache"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches" / "breakup"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "breakup"
    folder = base / f"{__version__}-py{sys.version_info[0]}{sys.version_info[1]}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def _entry(source: Path, kind: str) -> tuple[Path, tuple[str, int, int]] | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        stat = source.stat()
    except OSError:
        return None
    # A readable name made from the source's path: enough to tell the catalogs apart.
    name = "".join(c if c.isalnum() else "-" for c in str(source.resolve()))[-120:]
    return folder / f"{kind}-{name}.marshal", (str(source), stat.st_mtime_ns, stat.st_size)


def load(source: Path, kind: str) -> Any:
    """Return what was stored for this source, if the source has not changed since."""
    entry = _entry(source, kind)
    if entry is None:
        return None
    path, stamp = entry
    try:
        stored_stamp, value = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if tuple(stored_stamp) == stamp else None


def store(source: Path, kind: str, value: Any) -> None:
    """Keep a value (marshal-able) for this source; silently skipped if impossible."""
    entry = _entry(source, kind)
    if entry is None:
        return
    path, stamp = entry
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(marshal.dumps((stamp, value)))
        os.replace(tmp, path)
    except (OSError, ValueError):
        tmp.unlink(missing_ok=True)


def jinja_cache(html: bool) -> Any:
    """A Jinja bytecode cache in the cache folder, or None.

    Templates compiled for HTML (autoescaping) differ from those compiled for text, and
    Jinja's cache keys do not tell them apart: each kind gets a folder of its own.
    """
    folder = cache_dir()
    if folder is None:
        return None
    from jinja2 import FileSystemBytecodeCache

    # Jinja's keys hold only a template's name and source, not how the environment compiles
    # it: the suffix changes with the code the sandbox compiles to (its intercepted operators).
    sub = folder / f"jinja-{'html' if html else 'text'}-{_SANDBOX_CODE}"
    sub.mkdir(exist_ok=True)
    return FileSystemBytecodeCache(str(sub))

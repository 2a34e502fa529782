"""Write files safely: atomically, inside the folder asked for, never over existing work."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from breakup.errors import OutputError


def write_atomic(path: Path, data: str | bytes, *, force: bool = False) -> None:
    """Write a file through a temporary file and a rename, so it is whole or absent."""
    if path.exists() and not force:
        raise OutputError(f"{path} already exists: choose another name or pass --force")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def safe_name(text: str, fallback: str = "client", limit: int = 60) -> str:
    """Turn any text into a file or folder name that cannot leave its parent folder."""
    ascii_text = (
        text
        if text.isascii()
        else (unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode())
    )
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()[:limit].strip("-")
    return slug or fallback

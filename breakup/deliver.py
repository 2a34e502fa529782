"""Getting a draft out of breakup: open a written file, or copy a text to the clipboard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from breakup.errors import OutputError
from breakup.i18n import _

# Clipboard tools, tried in order: the first one installed takes the text on its stdin.
CLIPBOARD_TOOLS = (
    ("pbcopy",),
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("clip.exe",),
)


def open_file(path: Path) -> None:
    """Open a file with the system's default application (the .eml in the mail client)."""
    target = str(path.resolve())
    if sys.platform == "win32":  # pragma: no cover - not on this platform
        os.startfile(target)  # type: ignore[attr-defined]
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    if shutil.which(opener) is None:
        raise OutputError(
            _("cannot open {path}: {tool} is not installed; open the file yourself").format(
                path=path, tool=opener
            )
        )
    try:
        # The opener hands the file to the application and returns at once.
        subprocess.run(
            [opener, target],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise OutputError(
            _("cannot open {path}: {problem}").format(path=path, problem=error)
        ) from None  # fmt: skip


def copy_text(text: str) -> None:
    """Put text on the clipboard with the first clipboard tool found."""
    for command in CLIPBOARD_TOOLS:
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode("utf-8"), check=True, timeout=10,  # noqa: S603
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        except (OSError, subprocess.SubprocessError) as error:
            raise OutputError(
                _("cannot copy to the clipboard with {tool}: {problem}").format(
                    tool=command[0], problem=error
                )
            ) from None
        return
    raise OutputError(
        _("no clipboard tool found (pbcopy, wl-copy, xclip, xsel or clip.exe): install one, or "
          "write the document with -o FILE")
    )  # fmt: skip

"""Every golden file passes hunspell with its region's dictionary, names and addresses aside."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, FACTS, GOLDEN

from breakup import languages

FILES = sorted(
    p for p in GOLDEN.rglob("*.*") if p.suffix in {".txt", ".md"} and p.parent.name != "decide"
)


def dictionary(path: Path) -> str:
    """The hunspell dictionary of a golden file's locale (its name: <archetype>.<locale>.<ext>)."""
    locale = path.name.split(".")[1]
    lang, region = languages.parse_locale(locale) or ("en", None)
    return languages.language(lang).region(region).dictionary


def allowed(lang: str) -> set[str]:
    """Names and words from the test data, plus the reviewed allow-list."""
    words = set(re.findall(r"\w+", (DATA / "profile.toml").read_text(encoding="utf-8")))
    words |= set(re.findall(r"\w+", " ".join(str(v) for v in vars(FACTS).values())))
    words |= {"diseño", "fichas", "catálogo", "arreglos", "proceso", "pago", "primavera"}
    for line in (DATA / "spelling-allow.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{lang} "):
            words.add(line.split()[1])
    return words


@pytest.mark.skipif(shutil.which("hunspell") is None, reason="hunspell not installed")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(GOLDEN)))
def test_golden_file_spelling(path: Path) -> None:
    lang = path.name.split(".")[1].split("_")[0]
    text = re.sub(r"\S+@\S+", " ", path.read_text(encoding="utf-8"))
    # hunspell splits words at every non-ASCII letter under the C locale the tests run in.
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    result = subprocess.run(["hunspell", "-d", dictionary(path), "-l"], input=text,
                            capture_output=True, text=True, check=True, env=env,
                            encoding="utf-8")  # fmt: skip
    unknown = sorted(set(result.stdout.split()) - allowed(lang))
    assert unknown == []

"""Every golden file passes hunspell, names and addresses aside."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, FACTS, GOLDEN

DICTIONARIES = {"es": "es_ES", "en": "en_US"}
FILES = sorted(p for p in GOLDEN.rglob("*.*") if p.suffix in {".txt", ".md"})


def allowed(lang: str) -> set[str]:
    """Names and words from the test data, plus the reviewed allow-list."""
    words = set(re.findall(r"\w+", (DATA / "profile.toml").read_text(encoding="utf-8")))
    words |= set(re.findall(r"\w+", " ".join(str(v) for v in vars(FACTS).values())))
    for line in (DATA / "spelling-allow.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{lang} "):
            words.add(line.split()[1])
    return words


@pytest.mark.skipif(shutil.which("hunspell") is None, reason="hunspell not installed")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(GOLDEN)))
def test_golden_file_spelling(path: Path) -> None:
    lang = path.name.split(".")[1]
    text = re.sub(r"\S+@\S+", " ", path.read_text(encoding="utf-8"))
    result = subprocess.run(
        ["hunspell", "-d", DICTIONARIES[lang], "-l"],
        input=text,
        capture_output=True,
        text=True,
        check=True,
    )
    unknown = sorted(set(result.stdout.split()) - allowed(lang))
    assert unknown == []

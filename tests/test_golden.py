"""Every archetype x document x language x format against its golden file, in full."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOLDEN, TODAY

from breakup import catalog
from breakup import render as render_module
from breakup.models import ClientFacts, Profile
from breakup.render import render

# Every document the core knows; the last test keeps the folder free of stale files.
DOCUMENTS = list(render_module.DOCUMENTS)
FORMATS = ["text", "md", "html"]
CASES = [
    (doc, arch, lang, fmt)
    for doc in DOCUMENTS
    for arch in catalog.archetype_ids()
    for lang in catalog.languages()
    for fmt in FORMATS
]
# A few renders with nothing given, to pin the placeholders.
BARE = [
    ("email", arch, lang, "text")
    for arch in ("late-payer", "family-friend")
    for lang in catalog.languages()
]


def golden_path(doc: str, arch: str, lang: str, fmt: str, variant: str = "") -> Path:
    suffix = {"text": "txt"}.get(fmt, fmt)
    return GOLDEN / doc / f"{arch}.{lang}{variant}.{suffix}"


def check(path: Path, text: str, update: bool) -> None:
    if update or not path.exists():
        if not update:
            pytest.fail(f"{path} is missing: run pytest --update-goldens and read it")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("doc", "arch", "lang", "fmt"), CASES, ids=["-".join(c) for c in CASES])
def test_golden(
    doc: str,
    arch: str,
    lang: str,
    fmt: str,
    facts: ClientFacts,
    profile: Profile,
    update_goldens: bool,
) -> None:
    rendered = render(doc, arch, facts=facts, profile=profile, lang=lang, fmt=fmt, today=TODAY)
    assert rendered.missing == ()
    check(golden_path(doc, arch, lang, fmt), rendered.body, update_goldens)


@pytest.mark.parametrize(("doc", "arch", "lang", "fmt"), BARE, ids=["-".join(c) for c in BARE])
def test_golden_with_placeholders(
    doc: str, arch: str, lang: str, fmt: str, update_goldens: bool
) -> None:
    rendered = render(doc, arch, lang=lang, fmt=fmt, today=TODAY)
    assert "contact" in rendered.missing
    check(golden_path(doc, arch, lang, fmt, ".placeholders"), rendered.body, update_goldens)


def test_every_golden_file_is_still_produced() -> None:
    """A golden file nobody renders any more is stale and must go."""
    expected = {golden_path(*case) for case in CASES}
    expected |= {golden_path(*case, ".placeholders") for case in BARE}
    assert set(GOLDEN.rglob("*.*")) == expected

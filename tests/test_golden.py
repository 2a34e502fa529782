"""Golden files: every archetype x document x language x format, compared in full.

The combinations are listed from the archetypes, the documents and the languages found, so a
new one gets its golden files with `pytest --update-goldens` (read them before committing).
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import FACTS, GOLDEN, TODAY

from breakup import catalog, languages, registry
from breakup.models import Profile
from breakup.render import render

SPANISH = dataclasses.replace(
    FACTS,
    service="diseño web",
    work=("las fichas de producto del catálogo de primavera", "los arreglos del proceso de pago"),
)


def _locales() -> list[str]:
    """Each language in its default region, and each region that has catalogs of its own."""
    found = []
    for lang in languages.languages():
        data = languages.language(lang)
        found.append(f"{lang}_{data.default_region}")
        for region in data.regions:
            folder = catalog.resources.locales_dir() / f"{lang}_{region}"
            if region != data.default_region and folder.is_dir():
                found.append(f"{lang}_{region}")
    return found


CASES = [
    (document, archetype, locale, fmt)
    for document in registry.DOCUMENTS
    for archetype in catalog.archetype_ids()
    for locale in _locales()
    for fmt in ("text", "md", "html")
]


@pytest.mark.parametrize(("document", "archetype", "locale", "fmt"), CASES,
                         ids=["-".join(case) for case in CASES])  # fmt: skip
def test_golden(profile: Profile, update_goldens: bool, document: str, archetype: str,
                locale: str, fmt: str) -> None:  # fmt: skip
    lang = locale.split("_")[0]
    doc = render(document, archetype, facts=SPANISH if lang == "es" else FACTS, profile=profile,
                 lang=lang, locale=locale, fmt=fmt, today=TODAY)  # fmt: skip
    extension = registry.FORMATS[fmt].extension
    path = GOLDEN / document / f"{archetype}.{locale}.{extension}"
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(doc.body, encoding="utf-8")
    assert path.is_file(), f"{path} is missing: run pytest --update-goldens and read it"
    assert doc.body == path.read_text(encoding="utf-8")


def test_no_golden_file_is_left_over() -> None:
    expected = {GOLDEN / d / f"{a}.{loc}.{registry.FORMATS[f].extension}" for d, a, loc, f in CASES}
    found = {p for p in GOLDEN.rglob("*") if p.is_file() and p.parent.name in registry.DOCUMENTS}
    assert found <= expected, sorted(str(p) for p in found - expected)[:5]

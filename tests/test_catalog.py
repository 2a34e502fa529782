"""Catalogs: in step with the templates, complete, and never a silent fallback to English."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import FACTS, TODAY

from breakup import catalog, render
from breakup.errors import CatalogError
from breakup.resources import LOCALES_DIR

# The repository itself (the tests may run against an installed wheel).
REPO = Path(__file__).resolve().parents[1]

POT = REPO / "locales" / "messages.pot"
PO_FILES = sorted((REPO / "locales").glob("*/LC_MESSAGES/*.po"))


def extracted_ids() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds in the templates today."""
    method_map = [("templates/**.j2", "jinja2")]
    options = {"templates/**.j2": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(REPO), method_map, options
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def catalog_ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_babel_cfg_and_environment_agree_on_trimmed() -> None:
    assert re.search(r"^trimmed\s*=\s*true", (REPO / "babel.cfg").read_text(), re.M)
    env = catalog.environment("en", "formal", False)
    assert env.policies["ext.i18n.trimmed"] is True


def test_pot_matches_the_templates() -> None:
    """Fails on drift: run the extract command in the README to refresh messages.pot."""
    assert catalog_ids(POT) == extracted_ids()


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_catalog_matches_pot_and_is_complete(po: Path) -> None:
    assert catalog_ids(po) == catalog_ids(POT), "run pybabel update (see README)"
    with po.open("rb") as handle:
        messages = [m for m in read_po(handle) if m.id]
    assert [m.id for m in messages if m.fuzzy] == []
    untranslated = [
        m.id for m in messages if not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert untranslated == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) not installed")
@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_msgfmt_check_is_clean(po: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr


def test_installed_catalogs_are_the_repository_ones() -> None:
    for po in PO_FILES:
        installed = LOCALES_DIR / po.relative_to(REPO / "locales")
        assert installed.read_bytes() == po.read_bytes()


def test_spanish_has_both_registers() -> None:
    folder = LOCALES_DIR / "es" / "LC_MESSAGES"
    assert (folder / "messages.po").is_file() and (folder / "informal.po").is_file()


@pytest.fixture
def fake_locales(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of locales/ the test may break, with the caches cleared around it."""
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy)
    monkeypatch.setattr(catalog, "LOCALES_DIR", copy)
    catalog.load_catalog.cache_clear()
    catalog.environment.cache_clear()
    yield copy
    catalog.load_catalog.cache_clear()
    catalog.environment.cache_clear()


def test_untranslated_entry_is_an_error(fake_locales: Path) -> None:
    po = fake_locales / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgstr "Asunto"', 'msgstr ""'), encoding="utf-8")
    with pytest.raises(CatalogError, match="untranslated"):
        render.render("email", "diva", lang="es", today=TODAY)


def test_message_missing_from_catalog_is_an_error(fake_locales: Path) -> None:
    po = fake_locales / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace('msgid "Subject"\nmsgstr "Asunto"\n', ""), encoding="utf-8")
    with pytest.raises(CatalogError, match="no translation for 'Subject'"):
        render.render("email", "diva", lang="es", today=TODAY)


def spanish_renders() -> list[tuple[str, str, str]]:
    out = []
    for arch in catalog.archetype_ids():
        for register in catalog.REGISTERS:
            doc = render.render(
                "email", arch, facts=FACTS, lang="es", register=register, today=TODAY
            )
            out.append((arch, register, doc.body))
    return out


def test_spanish_output_contains_no_english_source_string() -> None:
    english = {m for m in catalog_ids(POT) if len(m) > 12}
    for arch, register, body in spanish_renders():
        leaked = [m for m in english if re.sub(r"%\(\w+\)s", "", m)[:40] in body]
        assert leaked == [], f"{arch}/{register}"


TU = re.compile(r"\b(tú|tu|tus|te|ti|contigo|tienes|quieres|puedes)\b", re.I)
# "su" and "le" also point to third persons ("su trabajo" of the team), so only forms
# that can only address the reader count.
USTED = re.compile(
    r"\b(usted|ustedes|desea|le escribo|le agradecemos|le resulta|su nombre|su disposición)\b",
    re.I,
)


def test_spanish_register_is_consistent_through_the_email() -> None:
    for arch, register, body in spanish_renders():
        if register == "formal":
            assert TU.findall(body) == [], f"{arch}: tú forms in a formal email"
        else:
            assert USTED.findall(body) == [], f"{arch}: usted forms in an informal email"


def test_compiled_catalog_cache_follows_the_po_file(fake_locales: Path) -> None:
    """A cached catalog is used only while its .po file is unchanged."""
    first = render.render("email", "diva", lang="es", today=TODAY)
    assert first.body.startswith("Asunto:")
    po = fake_locales / "es" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgstr "Asunto"', 'msgstr "Tema"'), encoding="utf-8"
    )
    catalog.load_catalog.cache_clear()
    catalog.environment.cache_clear()
    assert render.render("email", "diva", lang="es", today=TODAY).body.startswith("Tema:")


def test_cache_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from breakup import cache

    monkeypatch.setenv("BREAKUP_CACHE_DIR", "off")
    cache.cache_dir.cache_clear()
    try:
        assert cache.cache_dir() is None and cache.jinja_cache(False) is None
    finally:
        monkeypatch.undo()
        cache.cache_dir.cache_clear()

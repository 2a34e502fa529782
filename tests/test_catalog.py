"""The catalogs: in step with the templates, complete where they must be, strict when not."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from breakup import catalog, resources
from breakup.errors import CatalogError

LOCALES = resources.locales_dir()
TEMPLATES = resources.templates_dir()
ROOT = TEMPLATES.parent


def _extract(folder: Path, *, archetypes: bool) -> set[object]:
    """The message ids the templates of a folder hold, as `pybabel extract` finds them."""
    from babel.messages.extract import extract_from_dir

    method_map = [("archetypes/**", "ignore"), ("**.j2", "jinja2")]
    if archetypes:
        method_map = [("**.j2", "jinja2")]
    options = {"**.j2": {"extensions": "jinja2.ext.do", "trimmed": "true"}}
    return {
        message[2] if isinstance(message[2], str) else tuple(message[2])
        for message in extract_from_dir(str(folder), method_map, options)
    }


def _ids(path: Path) -> set[object]:
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def _pots() -> list[tuple[Path, Path, bool]]:
    found = [(LOCALES / "messages.pot", TEMPLATES, False)]
    for folder in sorted((TEMPLATES / "archetypes").iterdir()):
        found.append((LOCALES / "archetypes" / f"{folder.name}.pot", folder, True))
    return found


@pytest.mark.parametrize(
    ("pot", "folder", "archetypes"), _pots(), ids=lambda v: getattr(v, "name", "")
)
def test_templates_and_templates_pot_agree(pot: Path, folder: Path, archetypes: bool) -> None:
    """Run the README's `pybabel extract` commands after changing a template."""
    assert pot.is_file(), f"{pot} is missing: extract it (README, 'Adding a language')"
    assert _extract(folder, archetypes=archetypes) == _ids(pot)


def _languages() -> list[str]:
    return [p.name for p in LOCALES.iterdir() if (p / "language.toml").is_file() and p.name != "en"]


@pytest.mark.parametrize("lang", _languages())
def test_every_language_translates_every_message(lang: str) -> None:
    """The base catalogs (messages.po) of a language cover every .pot, with nothing stale."""
    for pot, folder, _archetypes in _pots():
        po = (LOCALES / lang / "LC_MESSAGES" / "messages.po" if folder == TEMPLATES
              else LOCALES / lang / "archetypes" / folder.name / "messages.po")  # fmt: skip
        assert po.is_file(), f"{po} is missing"
        assert _ids(po) == _ids(pot), f"{po} is out of step with {pot.name}: pybabel update it"
        catalog.read_catalog(po, complete=True)  # no fuzzy, no untranslated entry


def _sparse() -> list[Path]:
    found = []
    for folder in LOCALES.iterdir():
        if not folder.is_dir() or folder.name == "archetypes":
            continue
        for po in folder.rglob("*.po"):
            if po.stem not in ("messages", "informal"):
                continue  # the interface's catalogs (cli.po, click.po) are checked elsewhere
            base = po.name == "messages.po" and "_" not in folder.name
            if not base:
                found.append(po)
    return sorted(found)


@pytest.mark.parametrize("po", _sparse(), ids=lambda p: str(p.relative_to(LOCALES)))
def test_sparse_catalogs_hold_only_known_messages(po: Path) -> None:
    """Regional and informal catalogs hold only what differs, and nothing stale or fuzzy."""
    owner = po.parent.name if po.parent.parent.name == "archetypes" else None
    pot = LOCALES / "archetypes" / f"{owner}.pot" if owner else LOCALES / "messages.pot"
    stale = _ids(po) - _ids(pot)
    assert not stale, f"{po}: not in {pot.name}: {sorted(map(str, stale))[:3]}"
    catalog.read_catalog(po, complete=True)


def test_a_regional_informal_text_is_not_lost() -> None:
    """A message both the language's informal catalog and a region's catalog change needs the
    region's informal version, or the chain would pick one of the two changes."""
    for region in [p for p in LOCALES.iterdir() if "_" in p.name and p.is_dir()]:
        lang = region.name.split("_")[0]
        for sub in [
            "LC_MESSAGES",
            *[f"archetypes/{a.name}" for a in (TEMPLATES / "archetypes").iterdir()],
        ]:
            informal, regional = LOCALES / lang / sub / "informal.po", region / sub / "messages.po"
            if informal.is_file() and regional.is_file():
                both = _ids(informal) & _ids(regional)
                regional_informal = region / sub / "informal.po"
                have = _ids(regional_informal) if regional_informal.is_file() else set()
                assert both <= have, (
                    f"{regional_informal} lacks {sorted(map(str, both - have))[:3]}"
                )


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize(
    "po", sorted(LOCALES.rglob("*.po")), ids=lambda p: str(p.relative_to(LOCALES))
)
def test_msgfmt_accepts_every_catalog(po: Path) -> None:
    result = subprocess.run(
        ["msgfmt", "-c", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_a_missing_translation_is_an_error_not_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy)
    po = copy / "es" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace('msgid "Subject"\nmsgstr "Asunto"', 'msgid "Subject"\nmsgstr ""'),
        encoding="utf-8",
    )
    monkeypatch.setattr(resources, "LOCALES_DIR", copy)
    catalog.load_catalog.cache_clear()
    try:
        with pytest.raises(CatalogError, match="untranslated"):
            catalog.load_catalog("es", None, "formal")
    finally:
        catalog.load_catalog.cache_clear()


def test_a_fuzzy_entry_is_refused(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n#, fuzzy\nmsgid "Hello"\nmsgstr "Hola"\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogError, match="fuzzy"):
        catalog.read_catalog(po, complete=False)


def test_the_chain_prefers_region_and_register() -> None:
    """es_MX with tú: the regional informal catalog first, then es informal, then es_MX, then es."""
    chain = [
        str(p.relative_to(LOCALES)) for p, _base in catalog.layer_paths("es", "MX", "informal")
    ]
    order = [c.split("/")[0] + "/" + c.rsplit("/", 1)[1] for c in chain]
    firsts = list(dict.fromkeys(order))
    expected = ["es_MX/informal.po", "es/informal.po", "es_MX/messages.po", "es/messages.po"]
    assert [f for f in firsts if f in expected] == [e for e in expected if e in firsts]
    assert firsts[-1] == "es/messages.po"

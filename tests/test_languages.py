"""Languages and regions are data: resolution, conventions, a language added as a folder."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from breakup import catalog, languages, resources
from breakup.errors import InputError


@pytest.mark.parametrize(
    ("lang", "locale", "profile_lang", "profile_locale", "env", "expected"),
    [
        (None, None, None, None, {}, ("en", "en_US")),
        ("es", None, None, None, {}, ("es", "es_ES")),
        (None, "es_MX", None, None, {}, ("es", "es_MX")),
        (None, None, "es", None, {}, ("es", "es_ES")),
        (None, None, None, "en_GB", {}, ("en", "en_GB")),
        (None, None, None, None, {"LANG": "es_MX.UTF-8"}, ("es", "es_MX")),
        (None, None, None, None, {"LC_ALL": "en_GB.UTF-8", "LANG": "es_ES"}, ("en", "en_GB")),
        ("en", None, None, "es_ES", {}, ("en", "en_US")),
        ("en", "es_ES", None, None, {}, ("en", "es_ES")),
        # A region without data in the environment: the language's default region, never
        # es_AR's formats with Spain's euros (a red-team finding of round 25).
        ("es", None, None, None, {"LANG": "es_AR.UTF-8"}, ("es", "es_ES")),
        (None, None, None, None, {"LANG": "en_AU.UTF-8"}, ("en", "en_US")),
    ],
    ids=["nothing", "lang", "locale", "profile-lang", "profile-locale", "env", "lc-all-wins",
         "lang-beats-profile-locale", "lang-with-other-locale", "env-region-unknown",
         "env-region-unknown-en"],
)  # fmt: skip
def test_resolution_order(lang, locale, profile_lang, profile_locale, env, expected) -> None:  # type: ignore[no-untyped-def]
    assert languages.resolve(lang, locale, profile_lang, profile_locale, env) == expected


@pytest.mark.parametrize(
    "value", ["xx_YY.UTF-8", "tlh", "es_XX.UTF-8", "C", "POSIX", "C.UTF-8", "@@"]
)
def test_an_unusable_environment_locale_is_ignored(value: str) -> None:
    """An unknown $LANG never stops a command, even when --lang is given."""
    assert languages.resolve("en", None, None, None, {"LANG": value})[0] == "en"
    assert languages.resolve(None, None, None, None, {"LC_ALL": value})[0] in ("en", "es")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fr", None), "unknown language 'fr' for --lang: choose one of en, es"),
        ((None, "xx_YY"), "unknown language 'xx_YY' for --locale"),
        ((None, "123"), "unknown locale '123' for --locale"),
        ((None, "en_AU"), "no regional data for 'en_AU' in --locale: use en_GB, en_US instead"),
        (("es", "es_CO"), "no regional data for 'es_CO' in --locale: use es_ES, es_MX instead"),
    ],
)
def test_options_are_checked(args: tuple[str | None, str | None], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        languages.resolve(*args, None, None, {})


@pytest.mark.parametrize(
    ("lang", "region", "currency", "paper", "dictionary"),
    [("es", "ES", "EUR", "A4", "es_ES"), ("es", "MX", "MXN", "letter", "es_MX"),
     ("en", "US", "USD", "letter", "en_US"), ("en", "GB", "GBP", "A4", "en_GB")],
)  # fmt: skip
def test_regional_conventions(
    lang: str, region: str, currency: str, paper: str, dictionary: str
) -> None:
    found = languages.language(lang).region(region)
    assert (found.currency, found.paper, found.dictionary) == (currency, paper, dictionary)


def test_an_unknown_region_borrows_the_default() -> None:
    assert languages.language("es").region("AR").code == "ES"


FIXTURE = Path(__file__).parent / "data" / "language-fr"


def test_a_language_is_a_folder_of_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding a language touches no Python: a copy of locales/ plus a fixture folder for French
    renders every archetype's every document in French."""
    from breakup import registry
    from breakup.render import render

    locales = tmp_path / "locales"
    shutil.copytree(resources.locales_dir(), locales)
    shutil.copytree(FIXTURE, locales / "fr")
    monkeypatch.setattr(resources, "LOCALES_DIR", locales)
    for cached in (languages._codes, languages._load, catalog.load_catalog, catalog.environment):
        cached.cache_clear()
    try:
        assert "fr" in languages.languages()
        assert languages.resolve(None, None, None, None, {"LANG": "fr_FR.UTF-8"}) == ("fr", "fr_FR")
        _pseudo_catalogs(locales)
        for archetype in catalog.archetype_ids():
            for document in registry.DOCUMENTS:
                if registry.DOCUMENTS[document].needs_referrals:
                    continue
                doc = render(document, archetype, lang="fr", today=date(2026, 12, 1))
                assert doc.body.strip() and doc.lang == "fr"
    finally:
        for cached in (
            languages._codes,
            languages._load,
            catalog.load_catalog,
            catalog.environment,
        ):
            cached.cache_clear()


def _pseudo_catalogs(locales: Path) -> None:
    """Write French catalogs as a translator would deliver them: every message of every .pot,
    here marked rather than translated (the test proves the mechanism, not the French)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    def pseudo(template: Path, target: Path) -> None:
        with template.open("rb") as handle:
            pot = read_po(handle)
        po = Catalog(locale="fr")
        for message in pot:
            if not message.id:
                continue
            if isinstance(message.id, tuple):
                forms = [message.id[0]] + [message.id[1]] * (po.num_plurals - 1)
                po.add(message.id, tuple(f"«{m}»" for m in forms), flags=message.flags)
            else:
                po.add(message.id, f"«{message.id}»", flags=message.flags)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_po(handle, po)

    pseudo(locales / "messages.pot", locales / "fr" / "LC_MESSAGES" / "messages.po")
    for pot in (locales / "archetypes").glob("*.pot"):
        pseudo(pot, locales / "fr" / "archetypes" / pot.stem / "messages.po")


def test_a_plural_after_a_stressed_vowel_takes_the_plural_possessive() -> None:
    """A round-32 reviewer: "el diseño de su menús escolares" ("sus menús")."""
    data = languages.language("es")
    assert (
        data.possessive("diseño de menús escolares", "your") == "el diseño de sus menús escolares"
    )
    assert data.possessive("autobús escolar", "their") == "su autobús escolar"

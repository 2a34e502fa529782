"""Regional variants read as local: each region's words, dates, money and paper."""

from __future__ import annotations

import re

import pytest
from conftest import FACTS, TODAY

from breakup import catalog, languages, registry
from breakup.models import Profile, Sender
from breakup.render import render

LOCALES = ["es_ES", "es_MX", "en_US", "en_GB"]
CASES = [
    (a, d, loc) for a in catalog.archetype_ids() for d in registry.DOCUMENTS for loc in LOCALES
]
NO_CURRENCY = Profile(sender=Sender(name="Ann Lee", email="ann@example.com"))


def forbidden(locale: str) -> tuple[str, ...]:
    lang, region = languages.parse_locale(locale) or ("en", None)
    return languages.language(lang).region(region).forbidden


@pytest.mark.parametrize(
    ("archetype", "document", "locale"), CASES, ids=["-".join(c) for c in CASES]
)
def test_no_word_of_the_other_variant(
    profile: Profile, archetype: str, document: str, locale: str
) -> None:
    lang = locale.split("_")[0]
    for register in ("formal", "informal"):
        body = render(document, archetype, facts=FACTS, profile=profile, lang=lang, locale=locale,
                      register=register, today=TODAY).body  # fmt: skip
        text = body.casefold()
        for word in forbidden(locale):
            found = re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", text)
            assert not found, (word, text[max(0, found.start() - 60) : found.end() + 60])


@pytest.mark.parametrize(
    ("locale", "date_text", "money", "paper"),
    [
        ("es_ES", "15 de enero de 2027", "4250,00 €", "A4"),
        ("es_MX", "15 de enero de 2027", "$4,250.00", "letter"),
        ("en_US", "January 15, 2027", "$4,250.00", "letter"),
        ("en_GB", "15 January 2027", "£4,250.00", "A4"),
    ],
)
def test_dates_money_and_paper_follow_the_region(
    locale: str, date_text: str, money: str, paper: str
) -> None:
    """Without a currency in the options or the profile, the region's own applies."""
    from dataclasses import replace

    lang = locale.split("_")[0]
    facts = replace(FACTS, currency=None, invoices=(), outstanding=FACTS.overdue)
    doc = render("email", "late-payer", facts=facts, profile=NO_CURRENCY, lang=lang, locale=locale,
                 today=TODAY)  # fmt: skip
    assert date_text in doc.body
    assert money in doc.body.replace("\u00a0", " ").replace("4.250", "4250")
    page = render("email", "late-payer", facts=facts, profile=NO_CURRENCY, lang=lang, locale=locale,
                  fmt="html", today=TODAY)  # fmt: skip
    assert f"size: {paper}" in page.body
    assert doc.paper == paper


def _advices(lang: str) -> list[str]:
    import tomllib

    from breakup.resources import LOCALES_DIR

    data = tomllib.loads((LOCALES_DIR / lang / "tone.toml").read_text(encoding="utf-8"))
    found = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("advice", "advice_informal") and isinstance(item, str):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


@pytest.mark.parametrize("locale", LOCALES)
def test_the_tone_checks_advice_uses_the_regions_words(locale: str) -> None:
    """`breakup check --locale` respells the advice: no word of the other variant is left."""
    lang, region = locale.split("_")
    conventions = languages.language(lang).region(region)
    for advice in _advices(lang):
        text = conventions.respell(advice).casefold()
        for word in conventions.forbidden:
            assert not re.search(rf"(?<!\w){re.escape(word.casefold())}(?!\w)", text), (
                word, advice)  # fmt: skip


def test_check_locale_gives_british_advice_and_refuses_an_unknown_locale() -> None:
    from click.testing import CliRunner

    from breakup.cli import cli

    draft = "You're always asking for too much. I'm so sorry!!\n"
    runner = CliRunner()
    gb = runner.invoke(cli, ["check", "--lang", "en", "--locale", "en_GB", "-"], input=draft)
    us = runner.invoke(cli, ["check", "--lang", "en", "-"], input=draft)
    assert gb.exit_code == us.exit_code == 1
    assert "behaviour" in gb.stdout and "exclamation marks" in gb.stdout
    assert "behavior" in us.stdout and "exclamation points" in us.stdout
    bad = runner.invoke(cli, ["check", "--locale", "xx", "-"], input=draft)
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: unknown locale 'xx'")

"""Amounts said aloud on a call: Spanish in words, English in figures."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal

import pytest
from conftest import FACTS, TODAY
from hypothesis import given
from hypothesis import strategies as st

from breakup import languages
from breakup.models import Invoice, Profile
from breakup.render import render
from breakup.spoken import LIMIT, CurrencyWords, amount_in_words, spanish_number

SPANISH_WORDS = languages.language("es").spoken_currencies
EURO = SPANISH_WORDS["EUR"]


@pytest.mark.parametrize(
    ("n", "masculine", "feminine"),
    [
        (0, "cero", "cero"),
        (1, "un", "una"),
        (16, "dieciséis", "dieciséis"),
        (21, "veintiún", "veintiuna"),
        (22, "veintidós", "veintidós"),
        (31, "treinta y un", "treinta y una"),
        (45, "cuarenta y cinco", "cuarenta y cinco"),
        (100, "cien", "cien"),
        (101, "ciento un", "ciento una"),
        (200, "doscientos", "doscientas"),
        (515, "quinientos quince", "quinientas quince"),
        (1000, "mil", "mil"),
        (1001, "mil un", "mil una"),
        (2000, "dos mil", "dos mil"),
        (5430, "cinco mil cuatrocientos treinta", "cinco mil cuatrocientas treinta"),
        (21000, "veintiún mil", "veintiuna mil"),
        (100000, "cien mil", "cien mil"),
        (142800, "ciento cuarenta y dos mil ochocientos", "ciento cuarenta y dos mil ochocientas"),
        (1000000, "un millón", "un millón"),
        (2500000, "dos millones quinientos mil", "dos millones quinientas mil"),
        (21000000, "veintiún millones", "veintiún millones"),
        (999999999, "novecientos noventa y nueve millones novecientos noventa y nueve mil "
         "novecientos noventa y nueve", "novecientos noventa y nueve millones novecientas "
         "noventa y nueve mil novecientas noventa y nueve"),
    ],
)  # fmt: skip
def test_spanish_numbers_before_a_noun(n: int, masculine: str, feminine: str) -> None:
    assert spanish_number(n) == masculine
    assert spanish_number(n, feminine=True) == feminine


@pytest.mark.parametrize(("n", "said"), [(1, "uno"), (21, "veintiuno"), (41, "cuarenta y uno")])
def test_a_number_on_its_own_keeps_uno(n: int, said: str) -> None:
    assert spanish_number(n, before_noun=False) == said


@pytest.mark.parametrize("n", [-1, LIMIT])
def test_out_of_range_numbers_are_refused(n: int) -> None:
    with pytest.raises(ValueError):
        spanish_number(n)


@pytest.mark.parametrize(
    ("amount", "currency", "said"),
    [
        ("5430", "EUR", "cinco mil cuatrocientos treinta euros"),
        ("1", "EUR", "un euro"),
        ("3180.50", "EUR", "tres mil ciento ochenta euros con cincuenta"),
        ("0.01", "EUR", "un céntimo"),
        ("0", "EUR", "cero euros"),
        ("14200", "MXN", "catorce mil doscientos pesos"),
        ("21.01", "MXN", "veintiún pesos con un centavo"),
        ("221", "GBP", "doscientas veintiuna libras"),
        ("1", "GBP", "una libra"),
        ("1000000", "USD", "un millón de dólares"),
        ("3000000.25", "USD", "tres millones de dólares con veinticinco centavos"),
        ("1200000", "USD", "un millón doscientos mil dólares"),
        ("2.999", "EUR", "tres euros"),
    ],
)
def test_spanish_amounts(amount: str, currency: str, said: str) -> None:
    assert amount_in_words(Decimal(amount), currency, "es", SPANISH_WORDS) == said


@pytest.mark.parametrize(
    ("amount", "currency", "lang"),
    [
        ("5430", "EUR", "en"),  # English says figures
        ("5430", "JPY", "es"),  # no words for the currency
        ("-5", "EUR", "es"),
        (str(LIMIT), "EUR", "es"),
    ],
)
def test_figures_where_there_are_no_words(amount: str, currency: str, lang: str) -> None:
    names = languages.language(lang).spoken_currencies or SPANISH_WORDS
    assert amount_in_words(Decimal(amount), currency, lang, names) is None


@given(st.integers(min_value=0, max_value=LIMIT - 1))
def test_every_number_reads_as_words(n: int) -> None:
    """Lower-case Spanish words, single-spaced, no "uno" before the noun, and a different
    text for a different number (checked against its neighbour)."""
    said = spanish_number(n)
    assert re.fullmatch(r"[a-záéíóúñ]+( [a-záéíóúñ]+)*", said), said
    assert not said.endswith("uno")
    if n + 1 < LIMIT:
        assert spanish_number(n + 1) != said


def _spoken(body: str) -> list[str]:
    lines = body.splitlines()
    return [line[2:] for line in lines if line.startswith("> ")] + [
        line.strip()[2:] for line in lines if line.strip().startswith("→ ")
    ]


def test_a_spanish_script_says_the_amounts_and_lists_the_figures(profile: Profile) -> None:
    facts = dataclasses.replace(
        FACTS,
        invoices=(Invoice("F-7", Decimal("3450"), None), Invoice("F-9", Decimal("1980.50"), None)),
        outstanding=None,
        final_invoice=Decimal("1200"),
    )
    body = render("script", "late-payer", facts=facts, profile=profile, lang="es",
                  locale="es_ES", today=TODAY).body  # fmt: skip
    spoken = " ".join(_spoken(body))
    assert "cinco mil cuatrocientos treinta euros con cincuenta" in spoken
    assert "tres mil cuatrocientos cincuenta euros" in spoken
    assert "€" not in spoken and not re.search(r"\d[.,]\d{3}", spoken)
    # What the user keeps at hand stays in figures, to read at a glance.
    at_hand = body.replace("\u00a0", " ")
    assert "Total: 5.430,50 €" in at_hand and "1.200,00 €" in at_hand


def test_a_mexican_script_says_pesos(profile: Profile) -> None:
    facts = dataclasses.replace(FACTS, outstanding=Decimal("14200"), invoices=(), currency="MXN")
    body = render("script", "late-payer", facts=facts, profile=profile, lang="es",
                  locale="es_MX", today=TODAY).body  # fmt: skip
    assert "catorce mil doscientos pesos" in " ".join(_spoken(body))


def test_an_english_script_keeps_figures(profile: Profile) -> None:
    facts = dataclasses.replace(FACTS, outstanding=Decimal("5430"), invoices=(), currency="USD")
    body = render("script", "late-payer", facts=facts, profile=profile, lang="en",
                  locale="en_US", today=TODAY).body  # fmt: skip
    assert "$5,430" in " ".join(_spoken(body))


def test_currency_words_are_checked_when_the_language_loads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from breakup import resources
    from breakup.errors import CatalogError

    folder = tmp_path / "xx"
    folder.mkdir()
    (folder / "language.toml").write_text(
        'default_region = "XX"\n[regions.XX]\ncurrency = "EUR"\n'
        '[spoken_currencies]\nEUR = "euros"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(resources, "locales_dir", lambda: tmp_path)
    languages._load.cache_clear()
    try:
        with pytest.raises(CatalogError, match="spoken_currencies"):
            languages.language("xx")
    finally:
        languages._load.cache_clear()


def test_currency_words_keep_their_gender() -> None:
    assert SPANISH_WORDS["GBP"] == CurrencyWords("libra", "libras", "penique", "peniques", True)
    assert EURO.feminine is False


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "said"),
    [("21000", "KWD", "en_US", "KWD\u00a021,000"),
     ("1000001", "KWD", "en_US", "KWD\u00a01,000,001"),
     ("21000", "KWD", "es_ES", "21.000\u00a0KWD"),
     ("21000", "USD", "en_US", "$21,000"),
     ("5.5", "USD", "en_US", "$5.50")],
)  # fmt: skip
def test_figures_said_aloud_drop_only_the_zero_cents(
    amount: str, currency: str, locale: str, said: str
) -> None:
    """A red-team finding: with a three-decimal currency, the thousands were taken for the
    cents ("KWD 21.000", a thousand times too small). Only the decimal part goes."""
    from breakup.context import spoken_money

    assert spoken_money(Decimal(amount), currency, locale).replace(" ", "\u00a0") == said

"""Amounts as a speaker says them on a call: "cinco mil cuatrocientos treinta euros".

A call script is read aloud, and "5.430 €" makes a Spanish speaker stop to turn the figures
into words, so the script's spoken lines say an amount in words where the language has a
speller here and its language.toml names the currency ([spoken_currencies]). Elsewhere
(English, whose speakers read "$5,430" aloud without a pause, or a language added without a
speller) the amount stays in figures.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple


class CurrencyWords(NamedTuple):
    """How a currency is said: the unit in the singular and plural, the same for its
    hundredth, whether the unit is feminine ("doscientas libras"), and whether the hundredths
    after a whole amount go unnamed ("treinta euros con cincuenta": in Spain nobody says
    "céntimos" there, a round-28 reviewer)."""

    one: str
    many: str
    cent: str
    cents: str
    feminine: bool = False
    bare_cents: bool = False


# Amounts from a billion up are rare on an invoice and long to say: they stay in figures.
LIMIT = 10**9

_ES_SMALL = (
    "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince"
    " dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés"
    " veinticuatro veinticinco veintiséis veintisiete veintiocho veintinueve"
).split()
_ES_TENS = ("", "", "", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta",
            "noventa")  # fmt: skip
_ES_HUNDREDS = ("", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
                "seiscientos", "setecientos", "ochocientos", "novecientos")  # fmt: skip


def _es_below_thousand(n: int, feminine: bool, before_noun: bool) -> str:
    if n == 100:
        return "cien"
    hundreds, rest = divmod(n, 100)
    words = []
    if hundreds:
        word = _ES_HUNDREDS[hundreds]
        # "doscientas libras", but "ciento veinte libras".
        words.append(word[:-2] + "as" if feminine and hundreds > 1 else word)
    if rest:
        tens, unit = divmod(rest, 10)
        word = (
            _ES_SMALL[rest]
            if rest < 30
            else _ES_TENS[tens] + (f" y {_ES_SMALL[unit]}" if unit else "")
        )
        if word.endswith("uno"):
            # "veintiún euros", "treinta y un mil", "veintiuna libras"; "uno" said alone.
            ending = "una" if feminine else "ún" if word == "veintiuno" else "un"
            word = word[:-3] + ending if feminine or before_noun else word
        words.append(word)
    return " ".join(words)


def spanish_number(n: int, feminine: bool = False, before_noun: bool = True) -> str:
    """A whole number from 0 to 999,999,999 in Spanish words, as it is said before a noun
    of that gender ("veintiún", "veintiuna") or, with before_noun False, on its own."""
    if not 0 <= n < LIMIT:
        raise ValueError(f"{n} is out of range")
    if n == 0:
        return "cero"
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    words = []
    if millions:
        # "un millón", "veintiún millones": millón is masculine whatever the currency.
        words.append(
            "un millón"
            if millions == 1
            else f"{_es_below_thousand(millions, False, True)} millones"
        )
    if thousands:
        words.append(
            "mil" if thousands == 1 else f"{_es_below_thousand(thousands, feminine, True)} mil"
        )
    if units:
        words.append(_es_below_thousand(units, feminine, before_noun))
    return " ".join(words)


def _spanish_amount(units: int, cents: int, words: CurrencyWords) -> str:
    said = []
    if units or not cents:
        number = spanish_number(units, words.feminine)
        # "un millón de euros", "dos millones de pesos"; "un millón doscientos mil pesos".
        joiner = " de" if units and units % 1_000_000 == 0 else ""
        said.append(f"{number}{joiner} {words.one if units == 1 else words.many}")
    if cents and units and words.bare_cents:
        said.append(spanish_number(cents))
    elif cents:
        said.append(f"{spanish_number(cents)} {words.cent if cents == 1 else words.cents}")
    return " con ".join(said)


SPELLERS: Mapping[str, Callable[[int, int, CurrencyWords], str]] = {"es": _spanish_amount}


def amount_in_words(
    amount: Decimal, currency: str, language: str, names: Mapping[str, CurrencyWords]
) -> str | None:
    """Say `amount` in words, or None where it stays in figures: a language without a
    speller, a currency without words, a negative amount or one from LIMIT up."""
    speller = SPELLERS.get(language)
    words = names.get(currency.upper())
    if speller is None or words is None or amount < 0:
        return None
    hundredths = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    units, cents = divmod(hundredths, 100)
    if units >= LIMIT:
        return None
    return speller(units, cents, words)

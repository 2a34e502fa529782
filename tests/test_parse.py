"""The values a user types, read as a user of their locale types them (breakup.parse)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.dates import format_date, get_date_format
from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from breakup import i18n
from breakup.errors import InputError
from breakup.parse import (
    amount_currency,
    parse_amount,
    parse_currency,
    parse_date,
    parse_int,
    single_line,
)

DAY_FIRST = ["es_ES", "es_MX", "es_AR", "en_GB", "en_IE", "en_AU"]
LOCALES = [None, "es_ES", "es_MX", "en_GB", "en_US"]
DMY_FORMS = "use YYYY-MM-DD or DD/MM/YYYY, e.g. 2027-01-15 or 15/01/2027"
MDY_FORMS = "use YYYY-MM-DD or MM/DD/YYYY, e.g. 2027-01-15 or 01/15/2027"
ISO_FORMS = "use YYYY-MM-DD, e.g. 2027-01-15"
COMMA_FORMS = "use digits with a comma for decimals, e.g. 3180, 3.180,00 or 3180,50"
POINT_FORMS = "use digits with a point for decimals, e.g. 3180, 3,180.00 or 3180.50"
PLAIN_FORMS = "use digits without a thousands separator, e.g. 3180, 3180.50 or 3180,50"


def refusal(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    """Return the message of the InputError the call raises."""
    with pytest.raises(InputError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


# --- dates -----------------------------------------------------------------------------------

DEC_31 = date(2026, 12, 31)
JAN_5 = date(2026, 1, 5)
DATES = [
    # ISO, in any locale or none
    *[("2026-12-31", loc, DEC_31) for loc in LOCALES],
    (" 2026-12-31\n", None, DEC_31),
    ("2026-1-5", "en_US", JAN_5),
    ("1900-01-01", None, date(1900, 1, 1)),
    ("2999-12-31", None, date(2999, 12, 31)),
    # day first: every separator, with or without leading zeros
    *[(f"31{sep}12{sep}2026", loc, DEC_31) for loc in DAY_FIRST for sep in "/-."],
    *[(text, loc, JAN_5) for loc in DAY_FIRST for text in ("5/1/2026", "05/01/2026")],
    ("29/02/2028", "es_ES", date(2028, 2, 29)),
    # month first
    ("12/31/2026", "en_US", DEC_31),
    ("1/5/2026", "en_US", JAN_5),
    ("01/05/2026", "en_US", JAN_5),
    # no locale: a slash date with a single reading
    ("31/12/2026", None, DEC_31),
    ("12/31/2026", None, DEC_31),
    ("05/05/2026", None, date(2026, 5, 5)),
    ("31/12/2026", "xx_YY", DEC_31),  # a locale Babel does not know counts as none
    ("31/12/2026", "en_CA", DEC_31),  # year-first short date: read as no locale
]


@pytest.mark.parametrize(
    ("text", "locale", "expected"), DATES, ids=[f"{t.strip()}-{loc}" for t, loc, _ in DATES]
)
def test_date_forms_accepted(text: str, locale: str | None, expected: date) -> None:
    assert parse_date(text, "--end-date", locale) == expected


BAD_DATES = [
    ("31/02/2027", "es_ES", "February 2027 has 28 days"),
    ("2026-02-30", None, "February 2026 has 28 days"),
    ("2028-02-30", None, "February 2028 has 29 days"),
    ("31/04/2026", "en_GB", "April 2026 has 30 days"),
    ("04/31/2026", "en_US", "April 2026 has 30 days"),
    ("2026-01-32", None, "January 2026 has 31 days"),
    ("2026-13-01", None, f"there is no month 13; {ISO_FORMS}"),
    ("2026-00-10", "es_ES", f"there is no month 0; {DMY_FORMS}"),
    ("31/12/2026", "en_US", f"there is no month 31; {MDY_FORMS}"),
    ("12/31/2026", "es_ES", f"there is no month 31; {DMY_FORMS}"),
    ("13/13/2026", None, f"there is no month 13; {ISO_FORMS}"),
    ("00/01/2026", "es_ES", "there is no day 0"),
    ("9999-12-31", None, "the year 9999 is not between 1900 and 2999"),
    ("1899-12-31", "es_ES", "the year 1899 is not between 1900 and 2999"),
    ("31/12/0000", "es_ES", "the year 0 is not between 1900 and 2999"),
    ("03/04/3000", None, "the year 3000 is not between 1900 and 2999"),
    ("31/12/26", "es_ES", f"write the year with four digits; {DMY_FORMS}"),
    ("12/31/26", "en_US", f"write the year with four digits; {MDY_FORMS}"),
    ("31/12/26", None, f"write the year with four digits; {ISO_FORMS}"),
    ("31/12/202", "es_ES", DMY_FORMS),
    ("31-12-2026", None, ISO_FORMS),  # no locale: only a slash date can be read
    ("12-31-2026", "en_US", MDY_FORMS),
    ("31.12.2026", "en_US", MDY_FORMS),
    ("31/12-2026", "es_ES", DMY_FORMS),
    ("2026/12/31", "es_ES", DMY_FORMS),
    ("31 12 2026", "es_ES", DMY_FORMS),
    ("tomorrow", "en_GB", DMY_FORMS),
    ("", None, ISO_FORMS),
    ("46387", "es_ES", DMY_FORMS),  # a serial outside a spreadsheet
    ("٢٠٢٦-١٢-٣١", None, ISO_FORMS),  # Arabic-Indic digits
    ("2026-12-31T10:00", None, ISO_FORMS),
    ("9" * 5000, None, ISO_FORMS),
]


@pytest.mark.parametrize(
    ("text", "locale", "problem"), BAD_DATES, ids=[f"{t[:12]}-{loc}" for t, loc, _ in BAD_DATES]
)
def test_date_refused_with_the_reason(text: str, locale: str | None, problem: str) -> None:
    message = refusal(parse_date, text, "--end-date", locale)
    assert message == f"invalid date {text!r} for --end-date: {problem}"


def test_ambiguous_date_names_both_readings_and_the_forms() -> None:
    message = refusal(parse_date, "03/04/2026", "column end_date", None)
    assert message == (
        "ambiguous date '03/04/2026' for column end_date: "
        f"it could be April 3, 2026 or March 4, 2026; {ISO_FORMS}"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("46387", DEC_31),
        ("45658", date(2025, 1, 1)),
        (" 20000 ", date(1954, 10, 3)),
        ("80000", date(2119, 1, 11)),
        ("2026-12-31", DEC_31),
        ("31/12/2026", DEC_31),
    ],
    ids=["2026-12-31", "2025-01-01", "lowest", "highest", "iso", "local"],
)
def test_spreadsheet_serial_dates(text: str, expected: date) -> None:
    assert parse_date(text, "column end_date", "es_ES", serials=True) == expected


@pytest.mark.parametrize("text", ["19999", "80001", "4250", "46387.5", "-46387"])
def test_spreadsheet_serial_out_of_range_refused(text: str) -> None:
    message = refusal(parse_date, text, "column end_date", "es_ES", serials=True)
    assert message == f"invalid date {text!r} for column end_date: {DMY_FORMS}"


def numeric_form(locale: str) -> str:
    """The locale's CLDR short date with a four-digit year."""
    return get_date_format("short", locale).pattern.replace("yy", "y")


@pytest.mark.parametrize("locale", [*DAY_FIRST, "en_US"])
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_date_in_the_locales_numeric_form_reads_back(locale: str, day: date) -> None:
    text = format_date(day, numeric_form(locale), locale=locale)
    assert parse_date(text, "--end-date", locale) == day


@pytest.mark.parametrize("pattern", ["dd-MM-y", "dd.MM.y", "d/M/y"])
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_day_first_form_reads_back(pattern: str, day: date) -> None:
    assert parse_date(format_date(day, pattern, locale="es_ES"), "--end-date", "es_ES") == day


@pytest.mark.parametrize("locale", LOCALES)
@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)))
def test_every_iso_date_reads_back(locale: str | None, day: date) -> None:
    assert parse_date(day.isoformat(), "--end-date", locale) == day


@given(text=st.text(max_size=20), locale=st.sampled_from(LOCALES), serials=st.booleans())
def test_any_text_gives_a_date_or_an_input_error(
    text: str, locale: str | None, serials: bool
) -> None:
    try:
        parsed = parse_date(text, "--end-date", locale, serials=serials)
    except InputError:
        return
    assert 1900 <= parsed.year <= 2999


# --- amounts ---------------------------------------------------------------------------------

AMOUNTS = [
    # plain, in any locale or none
    *[(text, loc, Decimal(value)) for loc in LOCALES for text, value in [
        ("4250", "4250"), ("4250.50", "4250.50"), ("4250,50", "4250.50"), ("0,5", "0.5"),
    ]],
    (" 4250 ", None, Decimal("4250")),
    ("999999999999999.99", None, Decimal("999999999999999.99")),
    # es_ES: a point groups, a comma separates the decimals
    ("4.250,50", "es_ES", Decimal("4250.50")),
    ("3.180", "es_ES", Decimal("3180")),
    ("3.180,00", "es_ES", Decimal("3180.00")),
    ("1.234.567,89", "es_ES", Decimal("1234567.89")),
    ("999.999.999.999.999,99", "es_ES", Decimal("999999999999999.99")),
    ("4 250,50", "es_ES", Decimal("4250.50")),
    ("4\u00a0250,50", "es_ES", Decimal("4250.50")),
    ("4.250,50 €", "es_ES", Decimal("4250.50")),
    ("4.250,50\u00a0€", "es_ES", Decimal("4250.50")),
    ("€ 4.250,50", "es_ES", Decimal("4250.50")),
    ("EUR 4.250,50", "es_ES", Decimal("4250.50")),
    ("4 250.50", "es_ES", Decimal("4250.50")),  # spaces group; the lone point is a decimal
    # es_MX, en_*: a comma groups, a point separates the decimals
    ("4,250.50", "es_MX", Decimal("4250.50")),
    ("3,180", "es_MX", Decimal("3180")),
    ("$4,250.50", "es_MX", Decimal("4250.50")),
    ("MX$4,250.50", "es_MX", Decimal("4250.50")),
    ("4,250.50 MXN", "es_MX", Decimal("4250.50")),
    ("£4,250.50", "en_GB", Decimal("4250.50")),
    ("3,180", "en_GB", Decimal("3180")),
    ("4 250.50", "en_GB", Decimal("4250.50")),
    ("$4,250.50", "en_US", Decimal("4250.50")),
    ("US$4,250.50", "en_US", Decimal("4250.50")),
    ("4,250.50 usd", "en_US", Decimal("4250.50")),
    ("1,234,567", "en_US", Decimal("1234567")),
    # no locale: only what has a single reading
    ("1,234,567", None, Decimal("1234567")),
    ("1.234.567", None, Decimal("1234567")),
    ("1.234,56", None, Decimal("1234.56")),
    ("1,234.56", None, Decimal("1234.56")),
    ("4\u202f250,50", None, Decimal("4250.50")),
    ("GBP 4250", None, Decimal("4250")),
    # fr_FR and en_ZA group with a space and write a decimal comma
    ("4 250,50", "fr_FR", Decimal("4250.50")),
    ("4250.50", "en_ZA", Decimal("4250.50")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "locale", "expected"), AMOUNTS, ids=[f"{t.strip()}-{loc}" for t, loc, _ in AMOUNTS]
)
def test_amount_forms_accepted(text: str, locale: str | None, expected: Decimal) -> None:
    parsed = parse_amount(text, "--outstanding", locale)
    assert parsed == expected
    assert parsed.as_tuple().exponent == expected.as_tuple().exponent  # decimals kept as typed


AMBIGUOUS = "{mark!r} may separate thousands or decimals; {forms}"
BAD_AMOUNTS = [
    ("3,180", "es_ES", f"more than 2 decimals; {COMMA_FORMS}"),
    ("3.180", "en_US", f"more than 2 decimals; {POINT_FORMS}"),
    ("3.180", "es_MX", f"more than 2 decimals; {POINT_FORMS}"),
    ("1.234,567", None, f"more than 2 decimals; {PLAIN_FORMS}"),
    ("4250.505", None, f"more than 2 decimals; {PLAIN_FORMS}"),
    ("3.18.0", "es_ES", COMMA_FORMS),
    ("4.25.0", "es_ES", COMMA_FORMS),
    ("4.25.0", None, PLAIN_FORMS),
    ("42.50.000", "es_ES", COMMA_FORMS),
    ("4250.000", "es_ES", f"more than 2 decimals; {COMMA_FORMS}"),  # not a group: 4 digits
    ("0.250", "es_ES", f"more than 2 decimals; {COMMA_FORMS}"),  # not a group: 0
    ("4250 000", None, PLAIN_FORMS),
    ("0 250", None, PLAIN_FORMS),
    ("4,250.50", "es_ES", COMMA_FORMS),  # the comma is the decimal mark in Spain
    ("1,234,567", "es_ES", COMMA_FORMS),
    ("4.250,50", "en_US", POINT_FORMS),  # the grouping comma after the decimal point
    ("4.250,50", "es_MX", POINT_FORMS),
    ("1.234 567", None, PLAIN_FORMS),
    ("4,,250", "en_US", POINT_FORMS),
    ("4250.", "en_US", POINT_FORMS),
    (".50", "en_US", POINT_FORMS),
    ("1e3", None, PLAIN_FORMS),
    ("NaN", None, PLAIN_FORMS),
    ("Infinity", None, PLAIN_FORMS),
    ("", None, PLAIN_FORMS),
    ("€", None, PLAIN_FORMS),
    ("€4250€", None, PLAIN_FORMS),
    ("EUR 4250 EUR", None, PLAIN_FORMS),
    ("4250 abc", "en_US", POINT_FORMS),
    ("٤٢٥٠", None, PLAIN_FORMS),
    ("+4250", None, PLAIN_FORMS),
    ("-4250", None, "the amount cannot be negative"),
    ("\u22124250", None, "the amount cannot be negative"),
    ("-€4.250,50", "es_ES", "the amount cannot be negative"),
    ("€ -4250", None, "the amount cannot be negative"),
    ("1" * 16, None, "too large: at most 15 digits before the decimal point"),
    ("1" * 27, None, "too large: at most 15 digits before the decimal point"),
    ("1.000.000.000.000.000", "es_ES", "too large: at most 15 digits before the decimal point"),
    ("3.180", None, AMBIGUOUS.format(mark=".", forms=PLAIN_FORMS)),
    ("3,180", None, AMBIGUOUS.format(mark=",", forms=PLAIN_FORMS)),
    ("€ 3,180", None, AMBIGUOUS.format(mark=",", forms=PLAIN_FORMS)),
    ("1 234,567", None, AMBIGUOUS.format(mark=",", forms=PLAIN_FORMS)),
    ("3,180", "xx_YY", AMBIGUOUS.format(mark=",", forms=PLAIN_FORMS)),
    (
        "3.180",
        "en_ZA",
        AMBIGUOUS.format(
            mark=".", forms="use digits with a comma for decimals, e.g. 3180, 3 180,00 or 3180,50"
        ),
    ),
]


@pytest.mark.parametrize(
    ("text", "locale", "problem"),
    BAD_AMOUNTS,
    ids=[f"{t[:12]}-{loc}" for t, loc, _ in BAD_AMOUNTS],
)
def test_amount_refused_with_the_reason(text: str, locale: str | None, problem: str) -> None:
    message = refusal(parse_amount, text, "--outstanding", locale)
    kind = "ambiguous" if "may separate" in problem else "invalid"
    assert message == f"{kind} amount {text!r} for --outstanding: {problem}"


MONEY = st.decimals(min_value=0, max_value=Decimal("999999999999999.99"), places=2)


@pytest.mark.parametrize("locale", ["es_ES", "es_MX", "en_GB", "en_US"])
@given(amount=MONEY)
def test_every_amount_as_the_locale_writes_it_reads_back(locale: str, amount: Decimal) -> None:
    text = format_decimal(amount, format="#,##0.00", locale=locale)
    assert parse_amount(text, "--outstanding", locale) == amount


@pytest.mark.parametrize(
    ("locale", "currency"),
    [("es_ES", "EUR"), ("es_MX", "MXN"), ("en_GB", "GBP"), ("en_US", "USD"), ("en_US", "MXN")],
)
@given(amount=MONEY)
def test_every_price_as_the_locale_writes_it_reads_back(
    locale: str, currency: str, amount: Decimal
) -> None:
    text = format_currency(amount, currency, locale=locale)
    assert parse_amount(text, "--outstanding", locale) == amount


@pytest.mark.parametrize("locale", LOCALES)
@given(amount=MONEY)
def test_every_plain_amount_reads_back(locale: str | None, amount: Decimal) -> None:
    assert parse_amount(f"{amount:f}", "--outstanding", locale) == amount


@given(
    text=st.text(alphabet="0123456789.,- \u00a0€$EUR", max_size=24), locale=st.sampled_from(LOCALES)
)
def test_any_text_gives_an_amount_or_an_input_error(text: str, locale: str | None) -> None:
    try:
        parsed = parse_amount(text, "--outstanding", locale)
    except InputError:
        return
    assert 0 <= parsed < 10**15
    assert parsed == parsed.quantize(Decimal("0.01"))


# --- currency, whole numbers, single lines ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("EUR", "EUR"), ("eur", "EUR"), (" usd ", "USD"), ("Mxn", "MXN"), ("GBP", "GBP")],
    ids=["upper", "lower", "spaces", "mixed", "gbp"],
)
def test_currency_accepted(text: str, expected: str) -> None:
    assert parse_currency(text, "--currency") == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [("450 €", None, "EUR"), ("€450", "en_US", "EUR"), ("USD 500", "es_ES", "USD"),
     ("500 mxn", None, "MXN"), ("£3.50", None, "GBP"), ("US$ 40", "es_MX", "USD"),
     ("$500", "es_MX", "MXN"), ("$500", "en_US", "USD"), ("$500", "en_GB", "USD"),
     ("$500", None, None), ("500", "es_ES", None), ("4.250,50", "es_ES", None),
     ("NZ$ 5", "en_US", None), ("500 XYZ", None, None)],
)  # fmt: skip
def test_the_currency_typed_with_an_amount(text: str, locale: str | None, expected: str) -> None:
    assert amount_currency(text, locale) == expected


@pytest.mark.parametrize(
    "text",
    ["EUR1", "EU", "EURO", "ZZZ", "", "€", "EUR\u202e", "\u202eEUR", "E\u0301UR", "ＥＵＲ",
     "XXX", "XAU", "xdr"],
    ids=["digit", "short", "long", "unknown", "empty", "symbol", "bidi-after", "bidi-before",
         "combining", "fullwidth", "no-currency", "gold", "drawing-rights"],
)  # fmt: skip
def test_currency_refused(text: str) -> None:
    message = refusal(parse_currency, text, "--currency")
    assert message == (
        f"unknown currency {text!r} for --currency: "
        "use an ISO 4217 code such as EUR, USD, GBP or MXN"
    )


@pytest.mark.parametrize(
    ("text", "expected"), [("30", 30), (" 0 ", 0), ("90", 90)], ids=["middle", "lowest", "highest"]
)
def test_whole_number_accepted(text: str, expected: int) -> None:
    assert parse_int(text, "--notice-days", maximum=90) == expected


@pytest.mark.parametrize("text", ["91", "-1", "3.5", "30 days", "", "٣٠", "+5", "1" * 30], ids=str)
def test_whole_number_refused(text: str) -> None:
    message = refusal(parse_int, text, "--notice-days", maximum=90)
    assert message == (
        f"invalid number {text!r} for --notice-days: use a whole number from 0 to 90"
    )


def test_whole_number_minimum() -> None:
    assert parse_int("-2", "--hours", minimum=-5, maximum=5) == -2
    assert "from 1 to 24" in refusal(parse_int, "0", "--hours", minimum=1, maximum=24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Ferretería Núñez  ", "Ferretería Núñez"),
        ("web\tdesign", "web design"),
        ("Acme\u202egnp.exe", "Acmegnp.exe"),
        ("\u2066Acme\u2069 Ltd", "Acme Ltd"),
        ("Ac\x00me\x1b[31m", "Acme[31m"),
        ("Acme\x7f\x9b", "Acme"),
        ("\u200fشركة\u200f", "\u200fشركة\u200f"),  # right-to-left marks are text, not spoofing
    ],
    ids=["strip", "tab", "override", "isolate", "c0", "c1", "rlm-kept"],
)
def test_single_line_cleaned(text: str, expected: str) -> None:
    assert single_line(text, "--client") == expected


@pytest.mark.parametrize(
    "text",
    ["a\nb", "a\rb", "a\r\nb", "a\u2028b", "a\u2029b", "a\x0bb", "a\x0cb", "a\x85b", "a\n"],
    ids=["lf", "cr", "crlf", "line-sep", "para-sep", "vt", "ff", "nel", "trailing"],
)
def test_single_line_refuses_line_breaks(text: str) -> None:
    message = refusal(single_line, text, "--client")
    assert message == "--client must be a single line: remove the line breaks from it"


def test_single_line_limit_counts_what_is_kept() -> None:
    assert single_line("x" * 500 + "\u202e", "--client") == "x" * 500
    assert single_line("x" * 10, "--service", limit=10) == "x" * 10
    message = refusal(single_line, "x" * 501, "--client")
    assert message == "--client is too long: 501 characters, at most 500"
    assert refusal(single_line, "x" * 11, "--service", limit=10).endswith("at most 10")


# --- the interface language --------------------------------------------------------------------

SOURCE = Path(__file__).parents[1] / "breakup" / "parse.py"


def message_ids() -> list[str]:
    """Every string literal parse.py passes to _()."""
    tree = ast.parse(SOURCE.read_text(encoding="utf-8"))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "_"
        and isinstance(node.args[0], ast.Constant)
    ]


def shout(message_id: str) -> str:
    """Upper-case a message's words, not its {placeholders}: a translation we can spot."""
    return re.sub(r"[^{}]+(?=\{|$)", lambda m: m.group().upper(), message_id)


@pytest.fixture
def shouting(monkeypatch: pytest.MonkeyPatch) -> None:
    shouted = {message_id: shout(message_id) for message_id in message_ids()}
    monkeypatch.setitem(i18n._state, "messages", shouted)


def test_message_ids_are_unique_with_named_placeholders() -> None:
    ids = message_ids()
    assert len(ids) == len(set(ids)) > 20
    for message_id in ids:
        assert "{}" not in message_id and "%" not in message_id, message_id


# Each refusal, and what in its message is not breakup's own words.
EVERY_REFUSAL = [
    (parse_date, ("2026-02-30", "--end-date", "es_ES"), ["February"]),
    (parse_date, ("31/12/2026", "--end-date", "en_US"), []),
    (parse_date, ("2026-13-01", "--end-date", None), []),
    (parse_date, ("00/01/2026", "--end-date", "es_ES"), []),
    (parse_date, ("9999-12-31", "--end-date", None), []),
    (parse_date, ("31/12/26", "--end-date", "es_ES"), []),
    (parse_date, ("03/04/2026", "--end-date", None), ["April", "March"]),
    (parse_date, ("soon", "--end-date", "en_US"), []),
    (parse_amount, ("3,180", "--outstanding", "es_ES"), []),
    (parse_amount, ("3.180", "--outstanding", "en_GB"), []),
    (parse_amount, ("3.180", "--outstanding", None), []),
    (parse_amount, ("-5", "--outstanding", None), []),
    (parse_amount, ("1" * 20, "--outstanding", None), []),
    (parse_amount, ("4,250.50", "--outstanding", "es_ES"), []),
    (parse_currency, ("EUR1", "--currency"), []),
    (parse_int, ("91", "--notice-days", 0, 90), []),
    (single_line, ("a\nb", "--client"), []),
    (single_line, ("x" * 501, "--client"), []),
]


@pytest.mark.parametrize(
    ("call", "args", "foreign"),
    EVERY_REFUSAL,
    ids=[f"{call.__name__}-{args[0][:10]}" for call, args, _ in EVERY_REFUSAL],
)
@pytest.mark.usefixtures("shouting")
def test_every_message_goes_through_the_interface_language(
    call: object, args: tuple[object, ...], foreign: list[str]
) -> None:
    if call is parse_int:
        text, option, minimum, maximum = args
        message = refusal(call, text, option, minimum=minimum, maximum=maximum)
    else:
        message = refusal(call, *args)
    rest = message.replace(repr(args[0]), "").replace(str(args[1]), "")
    for word in foreign:
        rest = rest.replace(word, "")
    assert not re.search("[a-z]", rest), message  # every English word was "translated"


SPANISH = {
    "invalid date {value!r} for {option}: {problem}":
        "fecha no válida {value!r} en {option}: {problem}",
    "{month} has {days} days": "{month} tiene {days} días",
    "ambiguous date {value!r} for {option}: it could be {first} or {second}; {forms}":
        "fecha ambigua {value!r} en {option}: puede ser el {first} o el {second}; {forms}",
    "use YYYY-MM-DD, e.g. 2027-01-15": "usa AAAA-MM-DD, p. ej., 2027-01-15",
    "invalid amount {value!r} for {option}: {problem}":
        "importe no válido {value!r} en {option}: {problem}",
    "use digits with a comma for decimals, e.g. 3180, {grouped} or 3180,50":
        "usa cifras con coma decimal, p. ej., 3180, {grouped} o 3180,50",
}  # fmt: skip


@pytest.fixture
def spanish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(i18n._state, "lang", "es")
    monkeypatch.setitem(i18n._state, "messages", SPANISH)


@pytest.mark.usefixtures("spanish")
def test_spanish_interface_names_the_month_in_spanish() -> None:
    message = refusal(parse_date, "2026-02-30", "--end-date", "en_US")
    assert message == "fecha no válida '2026-02-30' en --end-date: febrero de 2026 tiene 28 días"


@pytest.mark.usefixtures("spanish")
def test_spanish_interface_names_both_readings_in_spanish() -> None:
    message = refusal(parse_date, "03/04/2026", "columna end_date", None)
    assert message == (
        "fecha ambigua '03/04/2026' en columna end_date: puede ser el 3 de abril de 2026 "
        "o el 4 de marzo de 2026; usa AAAA-MM-DD, p. ej., 2027-01-15"
    )


@pytest.mark.usefixtures("spanish")
def test_spanish_interface_amount() -> None:
    message = refusal(parse_amount, "3.18.0", "--outstanding", "es_ES")
    assert message == (
        "importe no válido '3.18.0' en --outstanding: "
        "usa cifras con coma decimal, p. ej., 3180, 3.180,00 o 3180,50"
    )


# --- start-up cost ---------------------------------------------------------------------------


def test_fast_paths_do_not_import_babel() -> None:
    """An ISO date, a plain amount and the other values are read without loading Babel."""
    code = """
import sys
from breakup.parse import parse_amount, parse_date, parse_int, single_line
for locale in (None, "es_ES", "en_US"):
    parse_date(" 2026-12-31 ", "--end-date", locale, serials=True)
    parse_date("46387", "column end_date", locale, serials=True)
    for amount in ("4250", "4250.50", "4250,50", " 0,5 "):
        parse_amount(amount, "--outstanding", locale)
parse_amount("1.234.567,89", "--outstanding", None)
parse_int("30", "--notice-days", maximum=90)
single_line("Ferretería Núñez", "--client")
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("babel", "click", "jinja2"))
assert not loaded, loaded
"""
    root = Path(__file__).parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr

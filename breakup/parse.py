"""Read the values a user types, the way a user of their locale types them.

Pure functions, no Click: each takes the raw text, the name of the option or column it came
from ("--end-date", "column end_date") and, where it matters, the locale the user writes in
("es_ES", "en_US"; None when unknown). Each returns the value or raises InputError with one
sentence naming the value, the option, what is wrong and the forms accepted for that locale.

A locale Babel does not know is read as None: the strictest reading, never a guess.
Babel is imported only when a value needs the locale's conventions or an error is worded:
an ISO date and a plain amount (4250, 4250.50, 4250,50) never load it.
"""

from __future__ import annotations

import functools
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from breakup.errors import InputError
from breakup.i18n import _, language

FIRST_YEAR, LAST_YEAR = 1900, 2999
MAX_DIGITS = 15  # before the decimal point
# Excel's 1900 date system counts a 1900-02-29 that never was: from serial 61 on, serial n
# is this day plus n days. The range keeps a stray quantity from being read as a date.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = range(20000, 80001)

_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
# Day and month in the locale's order; any year length, so that "31/12/26" gets its own reason.
_NUMERIC = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]+)")
_SERIAL = re.compile(r"[0-9]{5}")

_PLAIN_AMOUNT = re.compile(r"[0-9]{1,15}(?:[.,][0-9]{1,2})?")
_SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_MONEY = r"[€$£]|[A-Z]{1,2}\$|[A-Za-z]{3}"  # €, US$, EUR: stripped, not checked against --currency
# Compiled on first use (re caches it): most amounts are plain, and start-up is timed.
_AMOUNT = (
    rf"(?P<minus>[-\u2212]\s*)?(?:(?P<before>{_MONEY})\s*)?(?P<sign>[-\u2212]\s*)?"
    rf"(?P<number>[0-9]+(?:[.,{_SPACES}][0-9]+)*)(?:\s*(?P<after>{_MONEY}))?"
)
_MARK = re.compile(r"([^0-9])")

_LINE_BREAKS = re.compile("[\r\n\v\f\x85\u2028\u2029]")
# Other control characters, and the bidi overrides and isolates that can make text read
# differently from what it holds.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_INTEGER = re.compile(r"-?[0-9]{1,18}")


# --- dates -----------------------------------------------------------------------------------


def parse_date(
    value: str, option: str, locale: str | None = None, *, serials: bool = False
) -> date:
    """Read a date written as ISO or in the locale's numeric form.

    ==================  ===========================================================
    locale              accepted (besides YYYY-MM-DD, always accepted)
    ==================  ===========================================================
    day first           D/M/YYYY, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY: es_ES, es_MX
                        and the other es_*, en_GB, en_IE, en_AU (CLDR's short date
                        puts d before M)
    month first         M/D/YYYY: en_US, en_PH, es_PA, es_PR (M before d)
    None, year first    D/M/YYYY or M/D/YYYY only when one reading is possible:
                        31/12/2026 and 12/31/2026 yes, 03/04/2026 refused as ambiguous
                        (en_CA and en_ZA write y-MM-dd: they count as None)
    ==================  ===========================================================

    Refused, with the reason: two-digit years (31/12/26: which century?), years outside
    1900..2999 (9999-12-31 breaks date arithmetic later), impossible dates in words
    (2026-02-30: "February 2026 has 28 days"; 2026-13-01: "there is no month 13").
    With `serials` (a spreadsheet cell), a whole number from 20000 to 80000 is an Excel
    serial date in the 1900 date system: 46387 is 2026-12-31.
    """
    text = value.strip()
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
        return _calendar_date(value, option, locale, year, month, day)
    if serials and _SERIAL.fullmatch(text) and int(text) in _SERIALS:
        return _EXCEL_EPOCH + timedelta(days=int(text))

    order = _date_order(locale)
    numeric = _NUMERIC.fullmatch(text)
    if numeric is None:
        raise _date_error(value, option, _date_forms(order))
    first, mark, second, year_text = numeric.groups()
    if len(year_text) == 2:
        problem = _("write the year with four digits; {forms}")
        raise _date_error(value, option, problem.format(forms=_date_forms(order)))
    if len(year_text) != 4 or (order != "dmy" and mark != "/"):
        raise _date_error(value, option, _date_forms(order))
    year, a, b = int(year_text), int(first), int(second)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _date_error(value, option, _year_problem(year))
    if order == "dmy" or (order is None and (a > 12 or a == b)):
        day, month = a, b
    elif order == "mdy" or b > 12:
        month, day = a, b
    else:
        message = _(
            "ambiguous date {value!r} for {option}: it could be {first} or {second}; {forms}"
        )
        raise InputError(
            message.format(
                value=value,
                option=option,
                first=_long_date(date(year, b, a)),
                second=_long_date(date(year, a, b)),
                forms=_date_forms(order),
            )
        )
    return _calendar_date(value, option, locale, year, month, day)


def _calendar_date(
    value: str, option: str, locale: str | None, year: int, month: int, day: int
) -> date:
    """Return the date, or raise saying in words why there is no such day."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        problem = _year_problem(year)
    elif not 1 <= month <= 12:
        problem = _("there is no month {month}; {forms}").format(
            month=month, forms=_date_forms(_date_order(locale))
        )
    elif day < 1:
        problem = _("there is no day {day}").format(day=day)
    else:
        first = date(year, month, 1)
        days = ((first + timedelta(days=31)).replace(day=1) - first).days
        if day <= days:
            return date(year, month, day)
        problem = _("{month} has {days} days").format(month=_month_name(first), days=days)
    raise _date_error(value, option, problem)


def _year_problem(year: int) -> str:
    return _("the year {year} is not between 1900 and 2999").format(year=year)


def _date_error(value: str, option: str, problem: str) -> InputError:
    message = _("invalid date {value!r} for {option}: {problem}")
    return InputError(message.format(value=value, option=option, problem=problem))


def _date_forms(order: str | None) -> str:
    if order == "dmy":
        return _("use YYYY-MM-DD or DD/MM/YYYY, e.g. 2027-01-15 or 15/01/2027")
    if order == "mdy":
        return _("use YYYY-MM-DD or MM/DD/YYYY, e.g. 2027-01-15 or 01/15/2027")
    return _("use YYYY-MM-DD, e.g. 2027-01-15")


@functools.cache
def _date_order(locale: str | None) -> str | None:
    """Return "dmy" or "mdy" as the locale's short date orders them; None for year first."""
    if not locale:
        return None
    from babel.core import UnknownLocaleError
    from babel.dates import get_date_format

    try:
        pattern = get_date_format("short", locale=locale.replace("-", "_")).pattern
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    fields = re.sub(r"'[^']*'", "", pattern).replace("L", "M")  # quoted text is literal
    day, month, year = (fields.find(c) for c in "dMy")
    if min(day, month, year) < 0 or year < min(day, month):
        return None
    return "dmy" if day < month else "mdy"


def _month_name(first: date) -> str:
    """Name the month in the interface language: "February 2026", "febrero de 2026"."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", first, locale=language())


def _long_date(day: date) -> str:
    from babel.dates import format_skeleton

    return format_skeleton("yMMMMd", day, locale=language())


# --- amounts ---------------------------------------------------------------------------------


class _Marks(NamedTuple):
    """How a locale writes numbers: decimal "." or ","; group ".", "," or " " (any space)."""

    decimal: str
    group: str


def parse_amount(value: str, option: str, locale: str | None = None) -> Decimal:
    """Read a non-negative amount of money, with at most 2 decimals and 15 digits before them.

    Always accepted: 4250, 4250.50, 4250,50 (one mark followed by one or two digits can only
    be the decimal one), spaces or no-break spaces between thousands (4 250,50), a currency
    symbol or code before or after (€, $, £, US$, EUR, MXN...; stripped, not checked here).

    A mark followed by exactly three digits is read by the locale's convention (CLDR):
    es_ES (es_AR, es_CO...): 3.180 = 3180, 4.250,50; 3,180 has 3 decimals: refused.
    en_* and es_MX (es_US, es_PE...): 3,180 = 3180, 4,250.50; 3.180 has 3 decimals: refused.
    None: 3.180 and 3,180 are refused as ambiguous (3.18 or 3180?); 1,234,567 (a repeated
    mark can only group) and 1.234,56 (the last of two marks is the decimal one) are not.

    Refused with the locale's forms: mixed-up grouping (4.25.0, 42.50.000), groups with the
    locale's decimal mark or the decimal with its group mark (4,250.50 in es_ES, 4.250,50 in
    en_US), negative amounts, more than 2 decimals or 15 digits before them.
    """
    text = value.strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return Decimal(text.replace(",", "."))
    parts = re.fullmatch(_AMOUNT, text)
    if (
        parts is None
        or (parts["before"] and parts["after"])
        or not _is_money(parts["before"] or parts["after"])
    ):
        raise _amount_error(value, option, _amount_forms(locale))
    if parts["minus"] or parts["sign"]:
        raise _amount_error(value, option, _("the amount cannot be negative"))

    runs = _MARK.split(parts["number"])
    digits = runs[::2]
    marks = [" " if mark in _SPACES else mark for mark in runs[1::2]]
    decimal = _decimal_mark(value, option, locale, marks, digits)
    fraction = digits.pop() if decimal else ""
    groups = marks[:-1] if decimal else marks
    if len(fraction) > 2:
        problem = _("more than 2 decimals; {forms}").format(forms=_amount_forms(locale))
        raise _amount_error(value, option, problem)
    if groups and (
        len(set(groups)) > 1
        or decimal in groups
        or not _groups(digits)
        or (groups[0] != " " and _group_mark(locale) not in (None, groups[0]))
    ):
        raise _amount_error(value, option, _amount_forms(locale))
    whole = "".join(digits)
    if len(whole.lstrip("0")) > MAX_DIGITS:
        problem = _("too large: at most 15 digits before the decimal point")
        raise _amount_error(value, option, problem)
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def _decimal_mark(
    value: str, option: str, locale: str | None, marks: list[str], digits: list[str]
) -> str | None:
    """Tell which mark, if any, separates the decimals: it can only be the last one."""
    mark = marks[-1] if marks else " "
    if mark == " ":
        return None
    if len(digits[-1]) != 3 or (len(marks) == 1 and not _groups(digits)):
        return mark  # 4250.5, 4250.505, 0.250: what the mark ends is not a thousand
    if mark in marks[:-1]:  # a decimal mark appears once
        return None
    if any(other not in (" ", mark) for other in marks[:-1]):  # the group mark came first
        return mark
    conventions = _number_marks(locale)
    if conventions and mark == conventions.decimal:
        return mark
    if conventions and mark == conventions.group:
        return None
    message = _(
        "ambiguous amount {value!r} for {option}: "
        "{mark!r} may separate thousands or decimals; {forms}"
    )
    raise InputError(
        message.format(value=value, option=option, mark=mark, forms=_amount_forms(locale))
    )


def _groups(digits: list[str]) -> bool:
    """Tell whether runs of digits can be thousands: 1 to 3 digits (not 0), then threes."""
    head, *tail = digits
    return len(head) <= 3 and not head.startswith("0") and all(len(run) == 3 for run in tail)


def _amount_error(value: str, option: str, problem: str) -> InputError:
    message = _("invalid amount {value!r} for {option}: {problem}")
    return InputError(message.format(value=value, option=option, problem=problem))


def _amount_forms(locale: str | None) -> str:
    conventions = _number_marks(locale)
    if conventions is None:
        return _("use digits without a thousands separator, e.g. 3180, 3180.50 or 3180,50")
    if conventions.decimal == ",":
        group = "." if conventions.group == "." else " "
        return _("use digits with a comma for decimals, e.g. 3180, {grouped} or 3180,50").format(
            grouped=f"3{group}180,00"
        )
    group = "," if conventions.group == "," else " "
    return _("use digits with a point for decimals, e.g. 3180, {grouped} or 3180.50").format(
        grouped=f"3{group}180.00"
    )


def _group_mark(locale: str | None) -> str | None:
    conventions = _number_marks(locale)
    return conventions.group if conventions else None


@functools.cache
def _number_marks(locale: str | None) -> _Marks | None:
    """Return the locale's decimal and group marks; None when unknown or neither "." nor ","."""
    if not locale:
        return None
    from babel.core import UnknownLocaleError
    from babel.numbers import get_decimal_symbol, get_group_symbol

    try:
        decimal = get_decimal_symbol(locale.replace("-", "_"))
        group = get_group_symbol(locale.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    if decimal not in (".", ","):
        return None
    # A group mark we do not accept (de_CH's ’) is shown as a space in the examples.
    return _Marks(decimal, group if group in (".", ",") else " ")


def _is_money(symbol: str | None) -> bool:
    """Tell whether a symbol around an amount is €, $, £, US$ or a code Babel knows."""
    return not symbol or not symbol.isalpha() or _is_currency(symbol)


# ISO 4217 codes that are no money to bill in: precious metals, special drawing rights, bond
# units, "no currency" and the testing code (a round-31 red team billed in "¤50.00").
_NOT_MONEY = frozenset("XAU XAG XPT XPD XDR XBA XBB XBC XBD XSU XUA XTS XXX XRE XFO XFU".split())


def _is_currency(code: str) -> bool:
    from babel.numbers import is_currency

    return code.upper() not in _NOT_MONEY and is_currency(code.upper())


# The symbols that name one currency wherever they are typed; "$" depends on the region.
_SYMBOLS = {"€": "EUR", "£": "GBP", "US$": "USD", "MX$": "MXN", "CA$": "CAD", "C$": "CAD",
            "A$": "AUD", "AU$": "AUD"}  # fmt: skip


def amount_currency(value: str, locale: str | None = None) -> str | None:
    """Tell the currency typed with an amount ("450 €", "USD 500"), as an ISO code.

    None for a plain amount, for a symbol that could be several currencies (NZ$, R$) and for
    "$" without a region: such an amount is read in the currency in use. "$" is the region's
    own dollar or peso (MXN in es_MX, USD in en_US), else USD (in en_GB, es_ES).
    """
    text = value.strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return None
    parts = re.fullmatch(_AMOUNT, text)
    symbol = (parts["before"] or parts["after"]) if parts else None
    if not symbol:
        return None
    if symbol.isalpha():
        return symbol.upper() if _is_currency(symbol) else None
    if symbol == "$":
        return _local_dollar(locale)
    return _SYMBOLS.get(symbol)


def _local_dollar(locale: str | None) -> str | None:
    """The currency a "$" means in a locale's region: its own dollar or peso, else USD."""
    if not locale or "_" not in locale.replace("-", "_"):
        return None
    from babel.core import UnknownLocaleError
    from babel.numbers import get_currency_symbol, get_territory_currencies

    name = locale.replace("-", "_")
    try:
        codes = get_territory_currencies(name.rsplit("_", 1)[1])
        local = [code for code in codes if get_currency_symbol(code, locale=name) == "$"]
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    return local[0] if local else "USD"


# --- other values ----------------------------------------------------------------------------


def parse_currency(value: str, option: str) -> str:
    """Read an ISO 4217 code Babel knows, in any case: eur is EUR; EUR1 is refused."""
    code = value.strip()
    if not _CURRENCY.fullmatch(code) or not _is_currency(code):
        raise InputError(
            _(
                "unknown currency {value!r} for {option}: "
                "use an ISO 4217 code such as EUR, USD, GBP or MXN"
            ).format(value=value, option=option)
        )
    return code.upper()


def parse_int(value: str, option: str, *, minimum: int = 0, maximum: int) -> int:
    """Read a whole number from `minimum` to `maximum`, such as days of notice."""
    text = value.strip()
    if _INTEGER.fullmatch(text) and minimum <= int(text) <= maximum:
        return int(text)
    raise InputError(
        _(
            "invalid number {value!r} for {option}: use a whole number from {minimum} to {maximum}"
        ).format(value=value, option=option, minimum=minimum, maximum=maximum)
    )


def single_line(value: str, option: str, *, limit: int = 500) -> str:
    """Read one line of text: no line breaks, no hidden characters, at most `limit` of them.

    Line breaks are refused, not joined: the user meant two lines, and should say which.
    A tab becomes a space; other control characters and the bidi overrides and isolates
    (U+202A-U+202E, U+2066-U+2069) are removed: they can make a name read as another.
    """
    if _LINE_BREAKS.search(value):
        raise InputError(
            _("{option} must be a single line: remove the line breaks from it").format(
                option=option
            )
        )
    if re.search("[\ud800-\udfff]", value):
        # What a terminal or a file gave as bytes that are not UTF-8 (Python keeps them as
        # lone surrogates): they would print as garbage in a letter.
        raise InputError(
            _("{option} holds bytes that are not UTF-8 text: type it again, or check the "
              "terminal's encoding").format(option=option)
        )  # fmt: skip
    text = _INVISIBLE.sub("", value.replace("\t", " ")).strip()
    if len(text) > limit:
        raise InputError(
            _("{option} is too long: {length} characters, at most {limit}").format(
                option=option, length=len(text), limit=limit
            )
        )
    return text

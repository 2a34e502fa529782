"""The one pipeline from what the user gave to what a template sees.

`build` turns the client's facts, the profile and the options into one plain dict: every value
the user typed is cleaned of control characters and escaped for the output format by the
format's own escape function (registry.FORMATS), dates and amounts are formatted for the
locale, and facts that were not given become visible placeholders. Every document, every
format and every batch row goes through here.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from breakup import catalog, languages, registry
from breakup.i18n import _
from breakup.models import ClientFacts, Profile, Referral
from breakup.parse import _date_order
from breakup.spoken import amount_in_words

# Days after the end date the follow-up reminders fall (moved to the next working day).
HANDOVER_CHECK_DAYS = 3
# A call further back than this is named with a warning: most likely a typing slip.
OLD_CALL_DAYS = 60
# Two weeks before the end: time to prepare the handover.
HANDOVER_PREPARE_DAYS = 14
# The client gets at least two weeks between the call and a payment deadline.
PAYMENT_LEAD_DAYS = 14
CLOSE_FILE_DAYS = 30

# What to fill in, keyed by placeholder name: how the user supplies it (see `hints`).
PLACEHOLDER_KEYS = (
    "client",
    "contact",
    "end_date",
    "outstanding",
    "final_due",
    "sender_name",
    "sender_company",
    "sender_email",
    "referral",
)


def hints() -> dict[str, str]:
    """How to fill in each placeholder, in the interface language."""
    return {
        "client": _("--client (the client's organization)"),
        "contact": _("--contact (the person you write to)"),
        "client_email": _("--client-email (the To: of the draft)"),
        "referral_email": _("email in the provider's [[referrals]] table (the To: of the draft)"),
        "end_date": _("--end-date (your last day of work) or --notice-days"),
        "outstanding": _("--invoice REF:AMOUNT:DUE or --outstanding AMOUNT (what is overdue)"),
        "final_due": _("--final-due (when the final invoice falls due) or --end-date"),
        "sender_name": _("name in the profile's [sender] table"),
        "sender_company": _("company in the profile's [sender] table"),
        "sender_email": _("email in the profile's [sender] table"),
        "referral": _("a [[referrals]] entry in the profile (matching --service, if given)"),
    }


class PastDay:
    """A day far enough back that its weekday and month alone would read as still to come:
    every form has the year (a call of 1 January 2025, thanked for as "Wednesday, January 1",
    a round-32 red-team finding)."""

    __slots__ = ("_day",)

    def __init__(self, day: Day) -> None:
        self._day = day

    def __getattr__(self, name: str) -> Any:
        if name in ("spoken", "short"):
            return self._day.full
        return getattr(self._day, name)


class Day:
    """A date as the documents write it, formatted for the locale only when printed.

    `full` has the weekday and the year ("Friday, January 15, 2027"), for a date's first
    mention in a document; `short` the day and month ("January 15"), for the next ones;
    `spoken` the weekday, day and month, as said on a call; `iso` for machines.
    """

    __slots__ = ("_locale", "value")

    def __init__(self, value: date, locale: str) -> None:
        self.value = value
        self._locale = locale

    @property
    def full(self) -> str:
        return _format_date(self.value, self._locale, "full")

    @property
    def short(self) -> str:
        return _format_date(self.value, self._locale, "short")

    @property
    def medium(self) -> str:
        """The day, month and year, no weekday ("October 10, 2026"): for a past date."""
        return _format_date(self.value, self._locale, "medium")

    @property
    def spoken(self) -> str:
        return _format_date(self.value, self._locale, "spoken")

    @property
    def iso(self) -> str:
        return self.value.isoformat()

    def __str__(self) -> str:
        return self.full

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(self.full))


class Missing(Day):
    """A date nobody gave: every form is the placeholder."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text

    @property
    def full(self) -> str:
        return self._text

    short = medium = spoken = iso = full


def _month_since(day: date | None, today: date, locale: str) -> str | None:
    """A month as it follows "since" ("July", "julio"; "July 2025", "julio de 2025" a year
    or more back), when "the past few months" would understate it (five months or more: a
    red team of round 29 found "Since November" said of one invoice a day overdue); None
    otherwise."""
    if day is None or day >= today:
        return None
    from babel.dates import format_date

    back = (today.year - day.year) * 12 + today.month - day.month
    if back < 5:
        return None
    if back >= 12:
        pattern = "MMMM 'de' y" if locale.startswith("es") else "MMMM y"
    else:
        pattern = "MMMM"
    return format_date(day, pattern, locale=locale)


@functools.lru_cache(maxsize=4096)
def _format_date(value: date, locale: str, form: str) -> str:
    from babel.dates import format_date

    return format_date(value, _pattern(locale, form), locale=locale)


@functools.lru_cache(maxsize=64)
def _pattern(locale: str, form: str) -> str:
    """The date pattern of a form: the locale's full one, or its long or full one without the
    year ("EEEE, MMMM d"); without the comma after the weekday where the language or the
    region writes none in running text (Spanish: "el viernes 15 de enero"; British English:
    "Friday 15 January")."""
    import re

    from babel.dates import get_date_format

    lang, region = languages.parse_locale(locale) or ("en", None)
    comma = True
    if lang in languages.languages():
        data = languages.language(lang)
        own = data.region(region).weekday_comma if region in data.regions else None
        comma = data.weekday_comma if own is None else own
    pattern = get_date_format(
        "long" if form in ("short", "medium") else "full", locale=locale
    ).pattern
    if form not in ("full", "medium"):
        pattern = _without_year(pattern)
    return pattern if comma else re.sub(r"(E{4}),\s*", r"\1 ", pattern)


def _without_year(pattern: str) -> str:
    """A date pattern with the year taken out ("EEEE, MMMM d, y" -> "EEEE, MMMM d")."""
    import re

    # The year and what joins it: ", y" (en), " 'de' y" (es), " y" (en_GB), "y. " at the start.
    pattern = re.sub(r"[\s,]*(?:'[^']*'\s*)?y+[.]?\s*$", "", pattern)
    return re.sub(r"^y+[.,]?\s*(?:'[^']*'\s*)?", "", pattern).strip()


def spoken_money(amount: Decimal, currency: str, locale: str) -> str:
    """An amount as said aloud: without the cents when there are none ("$2,400")."""
    if amount != amount.to_integral_value():
        return format_money(amount, currency, locale)
    from babel.numbers import get_currency_precision, get_decimal_symbol

    text = format_money(amount, currency, locale)
    digits = get_currency_precision(currency)
    if digits:
        import re

        # The decimal part is the zeros after the locale's decimal mark: drop it and the mark,
        # never a group of thousands ("KWD 21,000.000" is "KWD 21,000", not "KWD 21.000").
        mark = re.escape(get_decimal_symbol(locale))
        text = re.sub(rf"{mark}0{{{digits}}}(?!\d)", "", text, count=1)
    return text


@functools.lru_cache(maxsize=4096)
def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """Write an amount in a currency as the locale does ("4.250,00 €", "$4,250.00")."""
    import re

    from babel.numbers import format_currency

    text = format_currency(amount, currency, locale=locale)
    # CLDR glues a foreign ISO code to the digits in some locales (es_MX: "EUR4,250.00").
    return re.sub(r"^([A-Z]{3})(?=\d)", "\\1\u00a0", text)


def format_number(value: Decimal, locale: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=locale)


_BRACKETS = re.compile(r"\([^()]*\)")


def format_list(items: list[str], locale: str) -> str:
    """Join words as the language does: "A, B and C", "A, B y C". When an item holds a
    comma (not between brackets), or three or more items of which one holds the conjunction, the
    items are parted by semicolons, so the reader can tell where each one ends: "A; B, C; and
    D". Two items whose first holds the conjunction get a
    comma before it: "the login and password, and the files"."""
    if len(items) < 2:
        return "".join(items)
    from babel.lists import format_list as babel_format_list

    joined = babel_format_list(items, locale=locale)
    # The conjunction, from the language's own pattern for two items ("{0} and {1}").
    pair = babel_format_list(["\x00", "\x01"], locale=locale)
    conjunction = pair.split("\x00", 1)[1].split("\x01", 1)[0].strip(" ,")
    if not conjunction:
        return joined
    # "Karla e Iván": the conjunction takes another form before some words.
    said = _conjunction_before(conjunction, items[-1], locale)
    if said != conjunction and joined.endswith(f" {conjunction} {items[-1]}"):
        joined = joined[: -len(f"{conjunction} {items[-1]}")] + f"{said} {items[-1]}"
    # A comma between brackets ("A-1 ($100.00, due October 1)") parts nothing. Three items or
    # more of which one holds the conjunction ("the menus and cards, the plates and the
    # specifications and supplier details") are parted by semicolons too.
    if any("," in _BRACKETS.sub("", item) for item in items) or (
        len(items) > 2 and any(f" {conjunction} " in f" {item} " for item in items)
    ):
        return "; ".join(items[:-1]) + f"; {said} " + items[-1]
    if len(items) == 2 and f" {conjunction} " in f" {items[0]} ":
        return f"{items[0]}, {said} {items[1]}"
    return joined


def _conjunction_before(conjunction: str, word: str, locale: str) -> str:
    """The form a conjunction takes before a word, as the language's data says ("e" for "y"
    before "Iván" or "hijos", not before "hielo"); the conjunction itself otherwise."""
    lang = locale.split("_")[0]
    if lang not in languages.languages():
        return conjunction
    form = languages.language(lang).conjunction_forms.get(conjunction)
    return form[0] if form and form[1].match(word) else conjunction


def _listing(items: list[Any], locale: str) -> Any:
    """format_list for templates: items that are markup (escaped already, in HTML) give
    markup, so that the list is not escaped a second time."""
    joined = format_list([str(item) for item in items], locale)
    if items and all(hasattr(item, "__html__") for item in items):
        from markupsafe import Markup

        return Markup(joined)
    return joined


def asked_end(facts: ClientFacts, today: date) -> date | None:
    """The end date the user asked for: the one given, or today plus the notice period."""
    if facts.end_date is None and facts.notice_days is not None:
        return today + timedelta(days=facts.notice_days)
    return facts.end_date


def documents_end(
    facts: ClientFacts, today: date, holidays: tuple[str, ...] = (), notice: int | None = None
) -> date | None:
    """The end date the documents use: the one given, or today plus the notice period; on a
    weekend or public holiday, the working day before, or the one after when the day before
    has passed (or comes before the call) or would leave less than the contract's notice.
    One date for every document of a plan (a warning names the move)."""
    end = asked_end(facts, today)
    if end is None:
        return None
    before = working_day_before(end, holidays)
    if before == end:
        return end
    notice = facts.notice_days if notice is None else notice
    earliest = max(today, facts.call_date or today)
    if before < earliest or (notice and (before - earliest).days < notice):
        return working_day(end, holidays)
    return before


def _reach_at(contact: str, locale: str) -> str:
    """An emergency contact as it follows "you can reach me": a bare number gets the
    preposition a number takes there ("on 0161…", "at (555)…", "en el 612…"; a red team of
    round 29 found "I can be reached 0161 555 0100")."""
    text = contact.strip()
    if not text or not (text[0].isdigit() or text[0] in "+("):
        return text
    if locale.startswith("es"):
        return f"en el {text}"
    return f"{'at' if locale == 'en_US' else 'on'} {text}"


def answer_by(sent: date, today: date, end: date | None, off: tuple[str, ...] = ()) -> date:
    """The day the email asks the client to answer by: a week (on a working day) after it is
    sent, or the working day before the end date when the week would run past it, so that
    what the client raises is settled before the last day and the final invoice (a red-team
    finding of round 28)."""
    week = working_day(max(sent, today) + timedelta(days=7), off)
    if end is not None and week >= end:
        earlier = working_day_before(end - timedelta(days=1), off)
        if earlier > max(sent, today):
            return earlier
    return week


def given_day(
    day: date | None, holidays: tuple[str, ...] = (), latest: date | None = None
) -> date | None:
    """A date the user gave the client to act by (a payment deadline, a due date), as the
    documents use it: on a weekend or public holiday, the next working day (a deadline that
    falls on a day off runs to the next one), or the working day before when the next one
    would come after `latest` (the end date asked for) and the day itself does not. A
    warning names the move."""
    if day is None:
        return None
    after = working_day(day, holidays)
    if latest is not None and after > latest >= day:
        return working_day_before(day, holidays)
    return after


def working_day_before(day: date, holidays: tuple[str, ...] = ()) -> date:
    """Move a weekend day or a public holiday to the working day before (for a deadline)."""
    from breakup.holidays import previous_working_day

    return previous_working_day(day, holidays)


def working_days_before(day: date, count: int, holidays: tuple[str, ...] = ()) -> date:
    """The working day that leaves `count` whole working days between it and `day`: with two
    before Friday 26 February, Tuesday 23, so a piece sent then can be reviewed on the
    Wednesday and the Thursday."""
    for _step in range(count + 1):
        day = working_day_before(day - timedelta(days=1), holidays)
    return day


def _still_to_come(value: date | None, today: date, locale: str) -> Day | None:
    """A date the documents may give as a deadline: only one after today."""
    return Day(value, locale) if value is not None and value > today else None


def _before_the_holidays(day: date | None, today: date, holidays: tuple[str, ...]) -> date | None:
    """A deadline for the call that falls between Christmas Eve and New Year's Day moves to the
    working day before Christmas Eve, if that is still to come: nobody wants this conversation
    on New Year's Eve, and many businesses are closed that week."""
    if day is None or not (
        (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day == 1)
    ):
        return day
    year = day.year if day.month == 12 else day.year - 1
    earlier = working_day_before(date(year, 12, 23), holidays)
    return earlier if earlier >= today else day


def working_day(day: date, holidays: tuple[str, ...] = ()) -> date:
    """Move a weekend day or a public holiday to the working day after (for a reminder)."""
    from breakup.holidays import next_working_day

    return next_working_day(day, holidays)


def greeting_name(contact: str, lang: str, informal: bool = False) -> str:
    """Return what a letter greets the contact by, without a comma, semicolon or colon
    after it (the greeting adds its own: never "Hi Zed,," from "Zed, Jones").

    The first name ("Laura"), a compound one ("María José"), or a title with the surname
    ("Mr Doyle", "Dr van der Berg"), or with the first name where the language puts it there
    ("doña Lucía", from "D.ª Lucía Pérez"). A name that starts with a particle ("van der
    Berg") is kept whole.
    """
    return _greeting_name(contact, lang, informal).rstrip(",;:")


# Words after a name that are not its surname ("Martin Luther King Jr.").
_SUFFIXES = frozenset("jr sr ii iii iv phd esq md".split())
# Words that join two people in one contact ("Mr and Mrs Smith", "Sr. y Sra. Pérez").
_JOINS = frozenset("and & y e".split())


@functools.cache
def _all_titles() -> frozenset[str]:
    """Every language's courtesy titles: a letter in one language to a contact typed with the
    other's ("Mr Trevor McIlroy" in Spanish) reads the title as a title, not as a name."""
    found: set[str] = set()
    for code in languages.languages():
        data = languages.language(code)
        found |= data.titles | data.titles_with_first_name
    return frozenset(found)


def _tidy_contact(contact: str, lang: str) -> list[str]:
    """The words of a contact a greeting can use (red-team findings of round 25): no symbol
    without a letter ("🍕 Tony"), one title where several are stacked ("Prof. Dr. Hans
    Müller"), no suffix after the surname ("Jr."), a name typed in capitals written as a name
    ("JOHN SMITH")."""
    words = [word for word in contact.split() if any(ch.isalpha() for ch in word)]
    titles = _all_titles() | languages.language(lang).titles

    def is_title(word: str) -> bool:
        return word.casefold().rstrip(".") in titles or word.casefold() in titles

    while len(words) > 2 and is_title(words[0]) and is_title(words[1]):
        del words[1]
    while len(words) > 2 and words[-1].casefold().rstrip(".,") in _SUFFIXES:
        words.pop()
    return [
        word.capitalize() if word.isupper() and len(word) > 3 and not is_title(word) else word
        for word in words
    ]


def _greeting_name(contact: str, lang: str, informal: bool) -> str:
    words = _tidy_contact(contact, lang)
    if not words:
        return contact.strip()
    data = languages.language(lang)
    if len(words) > 2 and any(word.casefold() in _JOINS for word in words):
        # Two people ("Mr and Mrs Smith"): greeted as typed, never "Dear and,".
        return " ".join(words)

    def folded(word: str) -> str:
        return word.casefold().rstrip(".")

    titles = data.titles | (_all_titles() - data.titles_with_first_name)
    title = (
        words[0]
        if len(words) > 1 and folded(words[0]) in titles | data.titles_with_first_name
        else ""
    )
    if not title and len(words) > 1 and words[0].casefold() in data.titles_with_first_name:
        title = words[0]
    rest = words[1:] if title else words
    if rest and re.fullmatch(r"\w\.", rest[0]):
        # An initial ("J. R. R. Tolkien"): no first name to greet by; the name as typed.
        return " ".join(words)
    if informal and title and folded(title) in titles | data.titles_with_first_name:
        # "Hi Carlos," rather than "Hi Dr. Ibáñez,": a title is formal; without a first name
        # (just "Dr. Ibáñez") it stays.
        if len(rest) >= 2 and rest[0].casefold() not in data.particles:
            return " ".join(_first_name(rest))
    if title and folded(title) in titles:
        # Title and surname: the surname is the last word, with any particles before it.
        start = len(rest) - 1
        while start > 0 and rest[start - 1].casefold() in data.particles:
            start -= 1
        surname = rest[start:] if len(rest) > 1 else rest
        return " ".join([title, *surname])
    if title and (
        folded(title) in data.titles_with_first_name
        or title.casefold() in data.titles_with_first_name
    ):
        # A greeting writes the title in full: "Buenos días, don Francisco:".
        full = data.title_words.get(folded(title)) or data.title_words.get(title.casefold(), title)
        return " ".join([full, *_first_name(rest)])
    if words[0].casefold() in data.particles or words[0][:1].islower():
        return " ".join(words)
    return " ".join(_first_name(words))


def only_titles(contact: str, lang: str) -> bool:
    """Tell whether a contact is a title and nothing else ("Doña", "Mr", "Dr. Lic.")."""
    data = languages.language(lang)
    titles = data.titles | data.titles_with_first_name | set(data.title_words) | _all_titles()
    words = [word.casefold() for word in contact.split()]
    return bool(words) and all(word in titles or word.rstrip(".") in titles for word in words)


def only_suffixes(contact: str) -> bool:
    """Tell whether a contact is a suffix and nothing else ("Jr.", "PhD": "Dear Jr.," was a
    red-team finding of round 28)."""
    words = [word.casefold().strip(".,") for word in contact.split()]
    return bool(words) and all(word in _SUFFIXES for word in words)


def _first_name_only(contact: str, lang: str) -> str:
    name = greeting_name(contact, lang, informal=True)
    data = languages.language(lang)
    first = name.split()[0].casefold().rstrip(".") if name else ""
    titled = first in data.titles | data.titles_with_first_name or first in data.title_words
    return "" if titled else name


def _without_title(contact: str, lang: str) -> str:
    """A contact as a colleague names them: "Rogelio Salinas" from "Arq. Rogelio Salinas".
    A title with a surname alone ("Sr. Gómez") gives nothing: in a sentence it would need
    an article whose gender the title may not say ("el Arq.", "la Lic.")."""
    data = languages.language(lang)
    words = contact.split()
    first = words[0].casefold().rstrip(".") if words else ""
    if first in data.titles or first in data.titles_with_first_name:
        return " ".join(words[1:]) if len(words) >= 3 else ""
    return contact.strip()


# Legal forms a company name may end with; a message between colleagues leaves them out
# ("Café La Talavera", not "Café La Talavera S.A. de C.V.").
_LEGAL_FORM = re.compile(
    r",?\s+(?:S\.?\s?A\.?(?:\s?B\.?)?(?:\s+de\s+C\.?\s?V\.?)?|S\.?\s?L\.?(?:\s?U\.?|\s?P\.?)?"
    r"|S\.?\s?C\.?|S\.?\s?de\s+R\.?\s?L\.?(?:\s+de\s+C\.?\s?V\.?)?|S\.?\s?Coop\.?"
    r"|Ltd\.?|Limited|L\.?L\.?C\.?|L\.?L\.?P\.?|Inc\.?|PLC|Corp\.?|GmbH)$",
    re.IGNORECASE,
)


# A club, a church or a charity may be a company and still not trade: the British line keeps
# its caveat for them (a round-32 red team).
_NOT_A_TRADER = re.compile(
    r"\b(?:club|church|charity|charitable|trust|foundation|association|society|parish|chapel"
    r"|mosque|synagogue|temple|school|academy|c\.?i\.?c|cio|asociaci[oó]n|fundaci[oó]n|club"
    r"|parroquia|comunidad de propietarios)\b",
    re.IGNORECASE,
)


def without_legal_form(name: str) -> str:
    """Drop a trailing legal form ("S.L.", "Ltd", "S.A. de C.V."); a name that is only a legal
    form ("Ltd") has no space before it and stays."""
    return _LEGAL_FORM.sub("", name.strip())


@functools.cache
def _all_second_given_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every language's second given names and particles: a compound name is one name in any
    letter ("Dear José María," as "Buenos días, José María:", a red-team finding of round 28)."""
    names: set[str] = set()
    particles: set[str] = set()
    for code in languages.languages():
        data = languages.language(code)
        names |= data.second_given_names
        particles |= data.particles
    return frozenset(names), frozenset(particles)


def _first_name(words: list[str]) -> list[str]:
    names, particles = _all_second_given_names()
    if len(words) >= 3 and words[1].casefold() in names:
        return words[:2]
    if len(words) >= 4 and words[1].casefold() in particles:
        # "María del Carmen Ruiz": a particle inside a compound first name.
        if words[2].casefold() in names:
            return words[:3]
    return words[:1]


def tidy(text: str) -> str:
    """Drop the second full stop of a name that ends a sentence ("S.L.." -> "S.L.")."""
    import re

    return re.sub(r"(?<=\w\.)\.(?=\s|$|<)", "", text)


def build(
    archetype: str,
    facts: ClientFacts,
    profile: Profile,
    *,
    lang: str,
    locale: str,
    register: str,
    fmt: str,
    today: date,
    placeholders: dict[str, str],
    document: str = "",
    kit: bool = False,
    standalone: bool = True,
) -> dict[str, Any]:
    """Build the one plain dict every template sees (see the README's template reference)."""
    esc: Callable[[str], str] = registry.FORMATS[fmt].escape if fmt in registry.FORMATS else str

    def user(value: str | None) -> str:
        return esc(str(catalog.strip_controls(value))) if value else ""

    region = languages.region_of(locale)
    data = languages.language(lang)
    conventions = data.region(region if region else data.default_region)
    nation = profile.defaults.subdivision or conventions.nation_of(profile.sender.phone or "")
    if nation and (conventions.nations or profile.defaults.subdivision is None):
        conventions = conventions.within(nation)
    elif conventions.holidays_note_home and conventions.at_home(profile.sender.phone or ""):
        # A landline in England or Wales: no word of Scotland's or Northern Ireland's bank
        # holidays in the notes (British reviewers of rounds 30 and 31).
        conventions = conventions._replace(holidays_note=conventions.holidays_note_home)
    currency = facts.currency or profile.defaults.currency or conventions.currency
    sender = profile.sender
    notice = facts.notice_days if facts.notice_days is not None else profile.defaults.notice_days
    end = documents_end(facts, today, conventions.holidays, notice)
    # "Between now and 31 March, we'll take care of the weekly runs until 31 March": the end
    # date said twice in one sentence (reviewers in Mexico and Spain, round 33).
    work = (
        [_without_end(item, end, conventions.holidays, _date_order(locale)) for item in facts.work]
        if end
        else facts.work
    )

    def day(value: date | None, placeholder: str | None = None) -> Day | None:
        if value is not None:
            return Day(value, locale)
        return Missing(placeholder) if placeholder else None

    def money(amount: Decimal | None) -> str | None:
        return format_money(amount, currency, locale) if amount is not None else None

    def said(amount: Decimal) -> str:
        # On the call: "cinco mil cuatrocientos treinta euros" where the language says
        # amounts in words, else the figures without cents ("$5,430").
        words = amount_in_words(amount, currency, lang, data.spoken_currencies)
        return words or spoken_money(amount, currency, locale)

    def taxed(amount: str | None) -> str | None:
        """An amount the profile gives before the region's tax: "£3,150.00 plus VAT"; the only
        amount of a plan whose amounts include it: "3.150,00 € (IVA incluido)"."""
        tax = profile.defaults.tax
        alone = not facts.invoices and not facts.overdue
        form = (
            data.plus_tax
            if tax == "excluded"
            else data.with_tax
            if tax == "included" and alone
            else ""
        )
        if amount is None or not form or not conventions.tax_name:
            return amount
        return form.format(amount=amount, tax=conventions.tax_name)

    overdue = facts.overdue
    off = conventions.holidays
    final_due = given_day(facts.final_due, off)
    if final_due is None and facts.final_invoice != 0 and end is not None:
        final_due = working_day(end + timedelta(days=profile.defaults.payment_days), off)
    given_pay_by = given_day(facts.pay_by, off, asked_end(facts, today))
    pay_by = given_pay_by or end
    if document == "boundaries" and given_pay_by is None:
        # The message that keeps the client has no end date to pay by: the profile's payment
        # days from today (a round-31 red team read "settle it by [end date]").
        # Between a week and a month: 0 days or a year is no deadline for a balance already
        # overdue (a round-32 red team).
        days = min(max(profile.defaults.payment_days, 7), 30)
        pay_by = working_day(today + timedelta(days=days), off)
    # The client's documents name only the providers who agreed, once one has; the heads-up
    # goes to every provider who offers the service (it is how one is asked).
    providers, referrals = recommended(profile, facts)
    contact = facts.contact or ""
    base = end or today
    reminders = []
    if end is not None and end - timedelta(days=HANDOVER_PREPARE_DAYS) > today:
        reminders.append(
            ("prepare", working_day_before(end - timedelta(days=HANDOVER_PREPARE_DAYS), off))
        )
    if end is not None:
        reminders.append(("end", end))
    reminders.append(("handover", working_day(base + timedelta(days=HANDOVER_CHECK_DAYS), off)))
    if overdue and pay_by is not None:
        reminders.append(("overdue", working_day(pay_by + timedelta(days=1), off)))
    if facts.final_invoice != 0 and final_due is not None:
        reminders.append(("final", working_day(final_due + timedelta(days=1), off)))
    # The file closes after the last check on money (a payment deadline may fall after the
    # end: a red-team finding of round 27 had it archived two weeks before the check).
    checks = [when for kind, when in reminders if kind in ("overdue", "final")]
    close = max([base + timedelta(days=CLOSE_FILE_DAYS)] + [c + timedelta(days=14) for c in checks])
    reminders.append(("close", working_day(close, off)))
    # The last day to hold the call: the contract's notice before the end date, with a day to
    # spare (reviewers read a deadline at exactly the notice as no margin at all), and (when an
    # overdue balance has its own earlier deadline) two weeks before that deadline to pay it.
    by_notice = (
        working_day_before(end - timedelta(days=facts.notice_days + 1), off)
        if end is not None and facts.notice_days
        else None
    )
    by_payment = (
        working_day_before(given_pay_by - timedelta(days=PAYMENT_LEAD_DAYS), off)
        if overdue and given_pay_by is not None and (end is None or given_pay_by < end)
        else None
    )
    # A day already past is no task: the notes and the script say to call as soon as possible,
    # and why (a warning says it too).
    notice_late = by_notice is not None and by_notice < today
    payment_late = by_payment is not None and by_payment < today
    if notice_late:
        by_notice = None
    if payment_late:
        by_payment = None
    by_notice, by_payment = (_before_the_holidays(d, today, off) for d in (by_notice, by_payment))
    call_by = min((d for d in (by_notice, by_payment) if d is not None), default=None)
    # The provider's answer is needed before the call: the working day before the call when
    # its date is known, else before the last day to hold it (or a month before the end).
    # Once the call has happened (a call date already past), the answer is needed now: no
    # date. A kit (or --after-call) without a past call date is still a plan whose heads-up
    # goes out before the call, as its notes say.
    client_told = facts.call_date is not None and facts.call_date < today
    before = facts.call_date if facts.call_date is not None and facts.call_date > today else None
    if facts.call_date is None and end is not None:
        # Without a contract's notice or a payment deadline, the notes ask for the call at
        # least a calendar month before the end: the answer is needed the working day before
        # that (a reviewer of round 24 found both on the same Tuesday).
        before = call_by or _before_the_holidays(
            working_day_before(month_earlier(end), off), today, off
        )
    reply_by = working_day_before(before - timedelta(days=1), off) if before else None
    if reply_by is not None and reply_by <= today:
        reply_by = None
    # The heads-ups go a week before that answer is due (or today, when that day has passed),
    # so that none gives a provider a day to answer (a reviewer of round 27).
    heads_up_by = working_day_before(reply_by - timedelta(days=7), off) if reply_by else None
    if heads_up_by is not None and heads_up_by <= today:
        heads_up_by = None
    if reply_by is not None and not all(r.agreed for r in providers):
        # The day the heads-up asked the providers not yet asked to answer by.
        reminders.append(("answers", reply_by))
    # The working day after the week the email gives the client to answer (kept only by an
    # archetype whose email asks for an answer: its week_check says what to check). Counted
    # from the call when the email confirms one: its date, else the last day to hold it.
    # The notes always plan a call first (a red team of round 28: dated from today, the check
    # came seven weeks before the call it follows).
    sent = facts.call_date or before or today
    reminders.append(
        ("replies", working_day(answer_by(sent, today, end, off) + timedelta(days=1), off))
    )
    # On the last day, its own line comes after the checks that fall on it (they settle
    # what the final invoice bills).
    reminders.sort(key=lambda item: (item[1], item[0] == "end"))
    echoes = echo_pattern(archetype, data.echoes, data.method_clauses)
    listed = [_referral(r, user, lang, echoes, formal=register == "formal") for r in referrals]
    # What opens something (a login, a key, a code) goes to the client alone; the rest is
    # told to a provider who agreed, in the client's third person.
    private = [item for item in facts.handover if _is_access(item) or _opens_door(item)]
    shared = [user(_to_them(item, lang)) for item in facts.handover if item not in private]
    return {
        "archetype": archetype,
        "document": document,
        "lang": lang,
        "locale": locale,
        "region": conventions.code,
        "register": register,
        "formal": register == "formal",
        "format": fmt,
        "standalone": standalone,
        # A letter read on paper or as a page: it cannot ask to "reply to this email".
        "printed": fmt == "html" and standalone,
        "kit": kit,
        "quotes": conventions.quotes,
        # A client whose name carries a legal form ("Ltd", "S.L.") is a company: the line
        # drops its caveat on private persons (a round-30 reviewer in England).
        "late_payment_law": (
            conventions.late_payment_law_company
            if facts.client
            and _LEGAL_FORM.search(facts.client.strip())
            and not _NOT_A_TRADER.search(facts.client)
            else ""
        )
        or conventions.late_payment_law,
        # Under a provider's heading, the contact line names them again (English) or not.
        "contact_by_name": data.contact_by_name,
        "paper": conventions.paper,
        "holidays": conventions.holidays,
        "records": conventions.records,
        "records_invoices": conventions.records_invoices,
        "payment_receipt": conventions.payment_receipt,
        # A balance above the small-claims limit is not a small claim (£10,755 in England,
        # a round-30 reviewer); only when it is in the region's own currency.
        "unpaid_next": (
            conventions.unpaid_next_over.format(amount=money(overdue))
            if overdue
            and conventions.unpaid_next_over
            and conventions.small_claims_limit is not None
            and currency == conventions.currency
            and overdue > conventions.small_claims_limit
            else conventions.unpaid_next
        ),
        # Which holidays the reminders skip, where a nation's replaced the region's.
        "holidays_note": conventions.holidays_note,
        # The days the profile gives a client to pay an invoice (the late payer's new terms).
        "payment_days": profile.defaults.payment_days,
        # Whether the amounts include the region's tax ("included", "excluded", or None), and
        # its name: a Mexican reviewer asked of every amount whether it included IVA.
        "tax": profile.defaults.tax if conventions.tax_name else None,
        "tax_name": conventions.tax_name,
        "solo": sender.solo,
        "sender": {
            "name": user(sender.name) or placeholders["sender_name"],
            "company": user(sender.company)
            or ("" if sender.name else placeholders["sender_company"]),
            "email": user(sender.email) or placeholders["sender_email"],
            "phone": user(sender.phone),
            "first_name": user(greeting_name(sender.name, lang))
            if sender.name
            else placeholders["sender_name"],
        },
        "client": {
            "name": user(facts.client) or placeholders["client"],
            # In running text, with the article its first word takes: "con el Hotel…".
            "the": user(data.with_article(facts.client))
            if facts.client
            else placeholders["client"],
            "contact": user(contact) or placeholders["contact"],
            # For a colleague: the name without its legal form or title, with the article
            # the name takes in running text.
            "short_the": user(data.with_article(without_legal_form(facts.client)))
            if facts.client
            else placeholders["client"],
            "short": user(without_legal_form(facts.client))
            if facts.client
            else placeholders["client"],
            "untitled": user(_without_title(contact, lang)) if contact else "",
            # English letters greet a contact by the first name, titled or not ("Dear Trevor,"),
            # as a supplier does after months of work; --greeting gives another.
            "greet": user(
                facts.greeting
                or greeting_name(contact, lang, register == "informal" or data.greet_by_first_name)
            )
            or placeholders["contact"],
            # "Estimado Sr. Vilariño:", where the language and the title say it.
            "salutation": user(
                data.salutation(
                    greeting_name(contact, lang), full_name=len(_tidy_contact(contact, lang)) > 2
                )
                if register == "formal" and not facts.greeting and contact
                else ""
            ),
            "email": user(facts.client_email),
            # The contact by first name, for the user's own notes ("What Alba said"); empty
            # when there is none to use (no contact, or only a title and a surname).
            "first": user(_first_name_only(contact, lang)),
            "relation": facts.relation or "friend",
        },
        "service": user(facts.service),
        # The service as the client's, in a message to someone else ("their X work", "sus
        # X") and to the client ("your X work", "su X", or "tu X" in tú).
        "their_service": user(data.possessive(facts.service or "", "their")),
        "your_service": user(
            data.possessive(
                facts.service or "", "your_informal" if register == "informal" else "your"
            )
        ),
        # The sentence goes on after the hours: a full stop typed at their end would stay.
        "contact_hours": user(_without_full_stop(facts.contact_hours or "")),
        "urgent_contact": user(_without_full_stop(_reach_at(facts.urgent_contact or "", locale))),
        "emergency": user(_without_full_stop(facts.emergency or "")),
        "end": day(end, placeholders["end_date"]),
        "end_given": end is not None,
        "pay_by": day(pay_by, placeholders["end_date"]),
        "pay_by_is_end": given_pay_by is None or given_pay_by == end,
        "call": (
            PastDay(Day(facts.call_date, locale))
            if facts.call_date is not None and (today - facts.call_date).days > OLD_CALL_DAYS
            else day(facts.call_date)
        ),
        "call_past": facts.call_date is not None and facts.call_date < today,
        "after_call": facts.after_call,
        "today": Day(today, locale),
        # A week from the day the email goes (the call's, if it is still to come), on a working
        # day: "let me know by Friday, 4 December", not "within a week".
        # None when the email follows a call whose day is unknown: the email then says "within
        # a week" (round 17's emails would otherwise have asked for a reply by a past date).
        "week": None
        if facts.after_call and facts.call_date is None
        else Day(answer_by(facts.call_date or today, today, end, off), locale),
        "notice_days": facts.notice_days,
        # The end date leaves the contract's notice, counted from the day the email goes (the
        # call's, if it is still to come; else today): the email can then say it is the notice.
        "notice_met": bool(facts.notice_days)
        and end is not None
        and (end - max(facts.call_date or today, today)).days >= (facts.notice_days or 0),
        "invoices": [
            {
                "reference": user(i.reference),
                "amount": money(i.amount),
                "due": day(i.due),
                "spoken": said(i.amount),
            }
            for i in facts.invoices
        ],
        # The month of the oldest overdue invoice, for "Since July, though, payments have
        # fallen…" (a round-28 reviewer read "the past few months" of an invoice eight months
        # overdue); with the year when it is a year or more back.
        "overdue_since": _month_since(
            min((i.due for i in facts.invoices if i.due), default=None), today, locale
        ),
        "overdue": money(overdue) if overdue else None,
        "overdue_spoken": said(overdue) if overdue else None,
        # A count as said aloud: {{ spell(invoices|length) }} is "two" in a spoken line.
        "spell": data.spell,
        # Items in a sentence, joined as the language does: {{ listing(["A", "B", "C"]) }} is
        # "A, B, and C" in American English, "A, B y C" in Spanish.
        "listing": lambda items: _listing(list(items), locale),
        "yours": lambda items: [_to_you(item, lang) for item in items],
        # What the user takes care of, the preposition said again where the language does:
        # "me encargo yo de A y de B".
        "listing_care_of": lambda items: _listing(
            [
                type(item)(f"{data.care_of} ") + item if data.care_of and n else item
                for n, item in enumerate(items)
            ],
            locale,
        ),
        "overdue_placeholder": placeholders["outstanding"],
        # "£3,150.00 plus VAT" in every document when the profile's amounts exclude the tax (a
        # round-32 reviewer: the email added VAT, the script and the notes did not).
        "final_invoice": taxed(money(facts.final_invoice)) if facts.final_invoice else None,
        "final_spoken": taxed(said(facts.final_invoice)) if facts.final_invoice else None,
        # A final invoice with an amount but no date to fall due on (no end date): a
        # placeholder, as for the end date itself.
        "final_due": day(final_due, placeholders["final_due"] if facts.final_invoice else None),
        # No amount given: the documents still say a final invoice will follow (0: none).
        "final_invoice_expected": facts.final_invoice != 0,
        "work": [user(item) for item in work],
        # The same work told to another provider: the client is "they" (a round-31 red team).
        "work_shared": [user(_to_them(item, lang)) for item in work],
        # An item with a comma of its own: in a sentence, the items would need semicolons.
        "work_has_commas": any("," in _BRACKETS.sub("", item) for item in work),
        "handover_items": [user(item) for item in facts.handover],
        "collect": [user(item) for item in facts.collect],
        "retrieve": [user(item) for item in facts.retrieve],
        # Told to the next provider, the client's room is "their" room (round 34).
        "retrieve_shared": [user(_to_them(item, lang)) for item in facts.retrieve],
        "keep": [user(item) for item in facts.keep],
        # A handover item that is a login or a password: the email sends them, no "if".
        "handover_access": any(_is_access(item) for item in facts.handover),
        # What a provider who agreed hears they would start from: the handover less anything
        # that opens a door (logins, codes, keys), which is the client's alone.
        "handover_shared": shared,
        # Something was left out of that list: the heads-up says it goes to the client
        # directly (a round-30 reviewer read the shorter list as a contradiction).
        "handover_private": bool(private),
        # What kind: logins only, keys and codes only, or both ("llaves, códigos" for a social
        # media account read as a template to a round-31 reviewer).
        "private_kinds": "keys" * any(_PHYSICAL.search(i) for i in private)
        + "logins" * any(not _PHYSICAL.search(i) for i in private),
        "notice_by": day(by_notice),
        # The end date leaves less than the contract's notice: the earliest that does.
        "notice_late": day(today + timedelta(days=facts.notice_days or 0)) if notice_late else None,
        "payment_late": payment_late,
        # A month before the end: when a conversation without a contract should be held.
        # A calendar month: 9 March for 9 April, never 10 March ("at least a month" said of 30
        # days read as short notice to two Spanish reviewers).
        "month_before_end": day(
            _before_the_holidays(working_day_before(month_earlier(end), off), today, off)
        )
        if end is not None and month_earlier(end) > today
        else None,
        # The working day that leaves n working days before the end date, if still to come:
        # {{ before_end(4) }} for a last piece with its review round and changes after it.
        "before_end": lambda count: _still_to_come(
            working_days_before(end, count, off) if end is not None else None, today, locale
        ),
        # When to hold the call at the latest, and whether the payment deadline decides it.
        "call_by": day(call_by),
        # The heads-up asks for an answer by this day (None: no call date to answer before).
        "reply_by": day(reply_by),
        "heads_up_by": day(heads_up_by),
        # The client has heard the news (a call date already past): the heads-up no longer
        # asks the provider to keep it to themselves.
        "client_told": client_told,
        "call_by_payment": call_by is not None and call_by == by_payment and call_by != by_notice,
        "hours": format_number(facts.hours, locale) if facts.hours is not None else None,
        # For the plural of "hours": 1 is "hour", 1.5 and 20 are "hours".
        "hours_count": 1 if facts.hours == 1 else 2,
        "referrals": listed,
        "providers": [_referral(r, user, lang, echoes) for r in providers],
        "referral_names": format_list([r["display"] for r in listed], locale),
        # After the first mention, the notes name each provider by first name ("Rocío").
        "referral_short_names": format_list([r["short"] for r in listed], locale),
        "invoice_refs": format_list([user(i.reference) for i in facts.invoices], locale),
        "referral_placeholder": placeholders["referral"],
        "reminders": [{"kind": kind, "day": Day(when, locale)} for kind, when in reminders],
        "reminders_from_end": end is not None,
    }


def recommended(profile: Profile, facts: ClientFacts) -> tuple[list[Referral], list[Referral]]:
    """The providers offering the service, and those the letters recommend: the ones who have
    agreed, or all of them while none has."""
    providers = [r for r in profile.referrals if r.offers(facts.service)]
    return providers, [r for r in providers if r.agreed] or providers


# The sender's own words in an item ("the rechecks from my December shifts", "the notes on
# the cases I saw"), read back to the sender in the script and the notes: "your", "you". Only
# pronouns whose verb does not change (Spanish verbs would, so only possessives there).
# The client, whom the sender's items call "you" ("the source documents you sent me"), is
# "they" to the user and to another provider (a round-30 reviewer).
_TO_THEM = {"you": "they", "your": "their", "yours": "theirs", "you've": "they've",
            "you're": "they're", "you'd": "they'd", "yourself": "themselves",
            "yourselves": "themselves"}  # fmt: skip
_SECOND_PERSON = re.compile(r"\b(?i:" + "|".join(sorted(_TO_THEM, key=len, reverse=True)) + r")\b")
# "you" as an object is "them": after a preposition ("the training for you"), or with no verb
# after it ("the report I promised you", "the files we sent you last week"); a round-31 red
# team found "the report you promised they".
_PREPOSITIONS = frozenset(
    "for to of with from by about at on in into onto towards toward than like as without".split()
)
_NOT_A_VERB = frozenset(
    "and or but last yesterday today tonight this next earlier before after during back "
    "personally directly in on at for to with by from of about".split()
)


def _you(text: str, match: re.Match[str]) -> str:
    """ "they" or "them" for the "you" matched in text."""
    before = re.search(r"([A-Za-z']+)\W*$", text[: match.start()])
    after = re.match(r"\W*([A-Za-z']+)", text[match.end() :])
    if before and before.group(1).lower() in _PREPOSITIONS:
        return "them"
    if not after or after.group(1).lower() in _NOT_A_VERB:
        return "them"
    return "they"


def _second_person(text: str, match: re.Match[str]) -> str:
    """The client's word for a "you" word matched in text, in its case ("Your" is "Their")."""
    found = match.group(0)
    said = _you(text, match) if found.lower() == "you" else _TO_THEM[found.lower()]
    if found.isupper() and len(found) > 1:
        return said.upper()
    return said[:1].upper() + said[1:] if found[:1].isupper() else said


# The client's possessives in a Spanish item ("tu nueva web"), told to the user or to another
# provider: "su nueva web" (a round-31 red team), and "te" as "le" ("la cafetera que te dejé":
# "que le dejé", a round-31 reviewer).
_ES_TO_THEM = {"tu": "su", "tus": "sus", "Tu": "Su", "Tus": "Sus", "tuyo": "suyo", "tuya": "suya",
               "tuyos": "suyos", "tuyas": "suyas", "te": "le"}  # fmt: skip
_ES_SECOND_PERSON = re.compile(r"\b(?:" + "|".join(_ES_TO_THEM) + r")\b")

# The verbs a Spanish item says in the first person, said to the user in the notes: "los moldes
# que tengo en mi cocina" is "que tienes en tu cocina", not "que tengo en tu cocina" (a round-36
# reviewer in Mexico). Words that are also nouns ("uso", "traje") are left out.
_ES_FIRST_VERBS = {
    "tengo": "tienes", "tenemos": "tienes", "guardo": "guardas", "guardamos": "guardas",
    "dejé": "dejaste", "dejamos": "dejaste", "hice": "hiciste", "hicimos": "hiciste",
    "presté": "prestaste", "instalé": "instalaste", "instalamos": "instalaste",
    "llevé": "llevaste", "compré": "compraste", "compramos": "compraste", "puse": "pusiste",
    "pusimos": "pusiste", "me": "te", "nos": "te",
}  # fmt: skip
_FIRST_PERSON = {
    "en": (
        # "I" only between lower-case words ("the cases I saw"), never "Phase I" or "Type I".
        re.compile(
            r"\b(?:I'm|I've|I'd|I'll|we're|we've|we'd|we'll|[Mm]y|mine|[Oo]ur|ours|we|me|us|"
            + "(?i:"
            + "|".join(sorted(_TO_THEM, key=len, reverse=True))
            + r"))\b|(?<=[a-z] )I(?= [a-z])"
        ),
        {"I'm": "you're", "I've": "you've", "I'd": "you'd", "I'll": "you'll", "we're": "you're",
         "we've": "you've", "we'd": "you'd", "we'll": "you'll", "my": "your", "mine": "yours",
         "our": "your", "ours": "yours", "I": "you", "we": "you", "me": "you", "us": "you",
         **_TO_THEM},
    ),
    "es": (
        re.compile(
            r"\b(?:[Mm]is?|[Nn]uestr[oa]s?|m[íi][oa]s?|[Tt]us?|tuy[oa]s?|te|"
            + "|".join(sorted(_ES_FIRST_VERBS, key=len, reverse=True))
            + r")\b"
        ),
        {**_ES_TO_THEM, "mi": "tu", "mis": "tus", "nuestro": "tu", "nuestra": "tu",
         "nuestros": "tus", "nuestras": "tus", "mío": "tuyo", "mía": "tuya", "míos": "tuyos",
         "mías": "tuyas", "mio": "tuyo", "mia": "tuya", "mios": "tuyos", "mias": "tuyas",
         **_ES_FIRST_VERBS},
    ),
}  # fmt: skip

# After the noun, a Spanish possessive takes its long form ("el menaje nuestro que sigue en
# el club" is "el menaje tuyo", not "el menaje tu": a round-28 reviewer).
_ES_POSTPOSED = re.compile(r"\s*(?:$|[,;.:)]|(?:que|y|e|o|de|del|en|con|para|por|a)\b)")


def _to_them(item: str, lang: str) -> str:
    """An item the sender wrote to the client ("the documents you sent me"), told to another
    provider: the client is "they" (a round-30 reviewer read "you" as the provider)."""
    text = str(item)
    if lang == "es":
        # Only the possessives: a verb's person ("que nos enviaste") cannot be changed.
        swapped = _ES_SECOND_PERSON.sub(lambda m: _ES_TO_THEM[m.group(0)], text)
    elif lang == "en":
        swapped = _SECOND_PERSON.sub(lambda m: _second_person(text, m), text)
    else:
        return item
    return type(item)(swapped) if type(item) is not str else swapped


def _to_you(item: str, lang: str) -> str:
    """An item the sender wrote in the first person, said to the sender: "my" is "your"."""
    pattern, words = _FIRST_PERSON.get(lang, (None, {}))
    if pattern is None:
        return item
    text = str(item)

    def swap(m: re.Match[str]) -> str:
        found = m.group(0)
        if found == "I":
            # Only after a word in lower case: "the cases I saw", not "Phase I of".
            before = re.search(r"(\S+) $", text[: m.start()])
            if not before or not before.group(1).islower():
                return "I"
        if lang == "en" and found.lower() in _TO_THEM:
            return _second_person(text, m)
        said = words.get(found) or words[found.lower()]
        if (
            lang == "es"
            and found.lower().startswith("nuestr")
            and _ES_POSTPOSED.match(text, m.end())
        ):
            # "el menaje nuestro": tuyo, tuya, tuyos, tuyas, as "nuestro" agrees.
            said = "tuy" + found.lower()[len("nuestr") :]
        # "I've" is always written with a capital: "you've" mid-item (a round-32 reviewer
        # read "the mirror You've hung"); at the item's start it keeps one.
        i_form = found == "I" or found[:2] in ("I'", "I’")
        capital = found[:1].isupper() and (not i_form or m.start() == 0)
        return said[:1].upper() + said[1:] if capital and found != "I" else said

    swapped = pattern.sub(swap, text)
    # An escaped item (HTML) stays escaped: the words swapped hold no markup.
    return type(item)(swapped) if type(item) is not str else swapped


def echo_pattern(
    archetype: str,
    echoes: Mapping[str, tuple[str, ...]],
    methods: Mapping[str, tuple[str, ...]] | None = None,
) -> re.Pattern[str] | None:
    """The words of a provider's note that echo the archetype's reason for ending, as one
    pattern (longest first, whole words, any case); None when the archetype has none. With
    `methods`, the words that open a clause saying how a provider works (", with the proof
    rounds set out in the quote", ", con un calendario aprobado…") count too, after a comma
    or semicolon: where the reason is the way of working, any such clause reads against it."""
    words = echoes.get(archetype, ())
    openers = (methods or {}).get(archetype, ())
    if not words and not openers:
        return None

    def alternatives(found: tuple[str, ...]) -> str:
        # Any run of spaces between the words: "payment  terms", "payment\u00a0terms".
        return "|".join(
            re.escape(w).replace(r"\ ", r"\s+") for w in sorted(found, key=len, reverse=True)
        )

    parts = [f"(?<!\\w)(?:{alternatives(words)})(?!\\w)"] if words else []
    if openers:
        parts.append(f"(?<=[,;]\\s)(?:{alternatives(openers)})(?!\\w)")
    return re.compile("|".join(parts), re.IGNORECASE)


# A gerund, English or Spanish: a phrase that opens with one hangs on what comes before it.
_GERUND = re.compile(r"\w+(?:ing|ando|iendo|yendo)\b", re.IGNORECASE)

# Where a note's clauses meet: a comma or semicolon and a space, or a spaced dash.
_CLAUSE_BREAK = re.compile(r"([,;]\s+|\s+[\u2014\u2013]\s+)")


def without_echoes(
    note: str, pattern: re.Pattern[str] | None, data: languages.Language
) -> tuple[str, str]:
    """The note as the client's letter gives it, and what it leaves out ("" when nothing).

    A note is read as its head and the clauses after it that open with one of the language's
    clause openers ("…, and they work to a fixed weekly visit", "…, con tarifa cerrada"), each
    with the items of a list that follow it ("…, and every sheet, form or report is quoted
    separately"). A clause that echoes the reason for ending is left out, and the rest still
    reads whole; when the echo is in the head, the head ends at the first joining word of the
    part the echo is in, or at the comma before that part, or the whole note is left out when
    too little would be left. The words are the language's (`data`): clause_openers,
    clause_joins, list_joins."""
    if pattern is None or not pattern.search(note):
        return note, ""
    openers, joins, list_joins = data.clause_openers, data.clause_joins, data.list_joins
    parts = _CLAUSE_BREAK.split(note.strip())
    # Each group: the break before it (none for the head) and its text.
    groups = [parts[0]]
    for sep, clause in zip(parts[1::2], parts[2::2], strict=True):
        first = clause.split(maxsplit=1)[:1]
        if first and first[0].casefold() in openers:
            groups.append(sep + clause)
        else:
            groups[-1] += sep + clause
    dropped = []
    echo = pattern.search(groups[0])
    if echo:
        # The head itself echoes: keep what comes before the first of the language's joining
        # words ahead of the echo ("Es consultora independiente y deja cada acuerdo por
        # escrito": "y", "and", "who", not a preposition), if that much says
        # something on its own (three words); else the whole note goes.
        # Only within the part of the head the words are in: "…along the Front Range, priced
        # per lease from a signed scope" ends at the comma, not at the "and" of "retail and
        # office leases" before it.
        before = groups[0][: echo.start()]
        breaks = list(_CLAUSE_BREAK.finditer(before))
        start = breaks[-1].end() if breaks else 0
        cuts = [
            m
            for m in re.finditer(r"(?<=\s)\w+(?=\s)", before)
            if m.start() >= start and m[0].casefold() in joins
        ]
        # The first joining word of that part: a later "and" may join two nouns ("the
        # turnaround and price"), and cutting there leaves half a phrase.
        if cuts:
            head = before[: cuts[0].start()].rstrip(" ,;")
        else:
            head = before[: breaks[-1].start()] if breaks else ""
            nxt = groups[1].lstrip(",; ").split(maxsplit=1)[:1] if len(groups) > 1 else []
            if head and nxt and nxt[0].casefold() in list_joins:
                # An item of a list went ("payroll, deposits, and tax filings"): the last one
                # joins the first without the comma, "payroll and tax filings".
                groups[1] = " " + groups[1].lstrip(",; ")
        if len(head.split()) < 3:
            second = _second_clause(groups, pattern, data)
            if not second:
                return "", note.strip()
            gone = [
                _CLAUSE_BREAK.sub("", g, count=1).strip() for g in groups[1:] if pattern.search(g)
            ]
            return second, "; ".join([groups[0].strip(" ,;"), *gone])
        dropped.append(groups[0][len(head) :].strip(" ,;"))
        # The cut took the last item's joining word ("trabaja sola, negocia bien y contesta
        # en el día"): the items left are joined by it again, "trabaja sola y negocia bien".
        items = head.rsplit(", ", 1)
        # Not after a phrase that hangs on the whole head ("…across Maine, working from a
        # plan and a fixed number of reviews"): its "and" joined two nouns, not the items.
        joined = (
            bool(cuts)
            and len(items) == 2
            and cuts[0][0].casefold() in list_joins
            and not _GERUND.match(items[1])
        )
        groups[0] = f"{items[0]} {cuts[0][0]} {items[1]}" if joined else head
    kept = [g for g in groups if not pattern.search(g)]
    dropped += [_CLAUSE_BREAK.sub("", g, count=1).strip() for g in groups if pattern.search(g)]
    last = groups[-1]
    if pattern.search(last) and len(groups) > 1 and last not in kept[-1:]:
        # The list's last item went with its "and" ("…across Scotland, works in Dorico, and
        # agrees a fixed proofing round"): the item before it would be left hanging after a
        # comma, so it goes too.
        opener = _CLAUSE_BREAK.sub("", last, count=1).split(maxsplit=1)[:1]
        items = kept[-1].rsplit(", ", 1) if kept else []
        if opener and opener[0].casefold() in list_joins and len(items) == 2:
            kept[-1] = items[0]
            dropped.insert(0, items[1])
    return "".join(kept), "; ".join(dropped)


def _second_clause(groups: list[str], pattern: re.Pattern[str], data: languages.Language) -> str:
    """When a note's head echoes the reason whole, what its next clause says on its own: "…,
    and she's especially good with class schedules" is "She's especially good with class
    schedules." Only a clause that opens with a joining word and a subject of its own (the
    language's clause_subjects); else nothing. The letter still names what it left out."""
    rest = [g for g in groups[1:] if not pattern.search(g)]
    if not rest or rest[0] != groups[1]:
        return ""
    words = _CLAUSE_BREAK.sub("", rest[0], count=1).strip().split(maxsplit=2)
    if len(words) < 3 or words[0].casefold() not in data.clause_joins:
        return ""
    if words[1].casefold() not in data.clause_subjects:
        return ""
    first = f"{words[1][:1].upper()}{words[1][1:]} {words[2]}"
    return "".join([first, *rest[1:]])


def referral_echoes(
    archetype: str,
    referrals: list[Referral],
    lang: str,
    data: languages.Language,
) -> list[tuple[str, str]]:
    """What the letter leaves out of each provider's note because it echoes the reason for
    ending, as (the provider's short name, the words left out): "and they ask for a deposit"
    in a late payer's letter, "with a fixed scope" in a scope shifter's."""
    pattern = echo_pattern(archetype, data.echoes, data.method_clauses)
    found = []
    for r in referrals:
        _kept, dropped = without_echoes(r.note_in(lang), pattern, data)
        if dropped:
            name = (greeting_name(r.name, lang) if r.name else "") or r.company
            found.append((name, dropped))
    return found


_SHE = re.compile(r"\b(?:she|her|hers|herself)\b|\bshe's\b", re.IGNORECASE)
_HE = re.compile(r"\b(?:he|his|him|himself)\b|\bhe's\b", re.IGNORECASE)


def _note_pronoun(note: str) -> str:
    """The pronoun an English note uses for its provider, "she" or "he", when it uses only
    one of the two; else "" (the letter then repeats the name)."""
    she, he = bool(_SHE.search(note)), bool(_HE.search(note))
    return "she" if she and not he else "he" if he and not she else ""


# A Spanish note that opens with "Su empresa…" reads, in a letter in usted, as the client's own
# firm (reviewers in Spain and Mexico, round 31): "La empresa de Inmaculada…".
_SU_NOUN = re.compile(r"(Sus?) ([a-záéíóúñ]+)(?= ([a-záéíóúñ]+))")
# Words after the noun that are no verb: "Su laboratorio acreditado analiza…" stays as it is.
_NOT_VERB_ES = frozenset("de del en la el los las con para por y e a al que sin".split())


def _whose(note: str, name: str) -> str:
    """ "Su estudio ilustra…" as "El estudio de Martí ilustra…" (the article from the noun's
    ending, as most names of a business take it: la empresa, el taller, los técnicos)."""
    m = _SU_NOUN.match(note)
    if not m or not name:
        return note
    verb = m.group(3)
    if verb in _NOT_VERB_ES or not verb.endswith(("a", "e", "an", "en")):
        return note
    noun = m.group(2)
    plural = m.group(1) == "Sus"
    feminine = noun.endswith("as" if plural else "a")
    article = ("Las" if feminine else "Los") if plural else ("La" if feminine else "El")
    return f"{article} {noun} de {name}{note[m.end() :]}"


def _referral(
    referral: Referral,
    user: Callable[[str | None], str],
    lang: str,
    echoes: re.Pattern[str] | None,
    formal: bool = False,
) -> dict[str, Any]:
    given = greeting_name(referral.name, lang) if referral.name else ""
    first = user(given)
    data = languages.language(lang)
    # The note as the client reads it: without what echoes the reason for ending.
    given_note, _dropped = without_echoes(referral.note_in(lang), echoes, data)
    note = given_note
    words = note.split(maxsplit=1)
    rest = words[1].split() if len(words) == 2 else []
    # "Configura Holded para comercios": a product's name may follow the verb; "Cuenta Clara
    # gestiona…" is a firm's name followed by its own verb, and keeps its words.
    named_object = len(rest) > 1 and rest[1].casefold() not in data.note_verbs
    if (
        len(words) == 2
        and given
        and words[0].casefold().rstrip(",;:") in data.note_verbs
        and words[0][:1].isupper()
        and (words[1][:1].islower() or named_object)
    ):
        # A Spanish note drops its subject ("Capacita a los equipos…"); a paragraph of its own
        # needs one: "Omar capacita a los equipos…".
        # It starts the paragraph: "Doña Lucía lleva…", though the greeting says "doña".
        note = f"{given[:1].upper()}{given[1:]} {words[0][:1].lower()}{words[0][1:]} {words[1]}"
    if lang == "es" and formal:
        # Named in it now ("La empresa de Inmaculada…"): the next sentence goes on without.
        note = _whose(note, given)
    # In a sentence: "Jorge Salas (Salas Digital)".
    display = (
        f"{user(referral.name)} ({user(referral.company)})"
        if referral.name and referral.company
        else user(referral.name or referral.company)
    )
    return {
        "name": user(referral.name),
        "company": user(referral.company),
        "label": ", ".join(x for x in (user(referral.name), user(referral.company)) if x),
        "display": display,
        "first_name": first,
        # After the first mention in the notes: "Rocío", or the company when there is no name.
        "short": first or display,
        "email": user(referral.email),
        "phone": user(referral.phone),
        "note": user(note),
        # The note opens with its subject, the provider's first name ("Omar capacita…"), so
        # the letter's next sentence need not name them again.
        "note_named": note != given_note,
        # "She" or "he" when the user's own note says so ("She's a registered farrier…"),
        # never guessed from a name, so the letter's next sentence need not repeat the name;
        # "they" in a language whose verbs need no subject ("Ya está al tanto…").
        "pronoun": _note_pronoun(given_note) if lang == "en" else "they",
        "agreed": referral.agreed,
        # In running text, with the article the company's name takes: "de la Escuela…".
        "company_the": user(data.with_article(referral.company)) if referral.company else "",
    }


# The end of an abbreviation such as "p.m.", "a. m." or "etc.", whose full stop stays.
_ABBREVIATION_END = re.compile(
    r"(?:(?:^|[\s.])[^\W\d_]\.\s?[^\W\d_]|(?<![^\W\d_])(?:etc|approx|incl|excl|aprox))\.$",
    re.IGNORECASE,
)


def month_earlier(day: date) -> date:
    """The same day of the month before (the month's last day where it has fewer days):
    9 March for 9 April, 28 February for 31 March."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _without_full_stop(text: str) -> str:
    """Drop the full stop a sentence will add (the fact goes mid-sentence), but not the one
    that ends an abbreviation: "9 a.m. to 5 p.m." keeps it."""
    text = text.rstrip()
    if text.endswith(".") and not _ABBREVIATION_END.search(text):
        text = text.rstrip(" .")
    return text


def _weekday(value: date) -> str:
    from babel.dates import format_date

    from breakup import i18n

    return format_date(value, "EEEE", locale=i18n.language())


_ACCESS = re.compile(
    r"\b(pass ?words?|logins?|credentials?|access|admin|accounts?"
    r"|contraseñas?|claves?|credenciales|accesos?|cuentas?|usuarios?)\b"
    # A deliverable named after them opens nothing: "the login page design", "the key accounts
    # report", "the annual accounts", "el informe de cuentas clave" (a round-31 red team).
    r"(?!\s+(?:page|screen|form|flow|design|mock-?ups?|report|reports|plan|review|summary"
    r"|strategy|list of clients|payable|receivable|clave|anuales|por cobrar|por pagar"
    # An archive's "access copies" are files (a round-33 reviewer in Scotland).
    r"|de resultados|cop(?:y|ies)|files?|versions?|formats?"
    # A locksmith's "access control readers" are hardware (a round-35 reviewer in the US).
    r"|control|readers?|points?|panels?|doors?|roads?|ramps?|hatch(?:es)?|equipment)\b)",
    re.IGNORECASE,
)
# Accounts that are figures, not logins: a year's accounts, a client's key accounts.
_FIGURES = re.compile(
    r"\b(?:annual|year-end|year end|management|statutory|final|draft|filed|company|key"
    r"|abbreviated|interim|quarterly|monthly)\s+accounts\b|\bcuentas\s+(?:anuales|clave)\b",
    re.IGNORECASE,
)


# What opens a door you walk through, as opposed to a login: keys, fobs, cards, alarm or gate
# codes, a lockbox, a remote.
_PHYSICAL = re.compile(
    r"\b(?:keys?|key ?fobs?|fobs?|key ?cards?|keycards?|access cards?|alarms?|safes?|padlocks?"
    r"|lock ?box(?:es)?|remotes?|gate|door|entry|combinations?|llaves?|mandos?|alarmas?"
    r"|tarjetas?|candados?)\b",
    re.IGNORECASE,
)


# A record of keys or codes opens nothing: "the fob register", "the key log" (a round-31
# reviewer missed the fob register in a heads-up).
_KEY_RECORDS = re.compile(
    r"\b(?:key ?fobs?|fobs?|keys?|key ?cards?|cards?|codes?|alarms?|llaves?|tarjetas?)"
    r"\s+(?:registers?|lists?|logs?|inventory|inventories|schedules?|records?|register"
    r"|registros?|inventarios?|listados?)\b|\b(?:registers?|lists?|logs?|inventory|records?"
    r"|registros?|inventarios?|listados?) (?:of|de) (?:the |los |las )?(?:key ?fobs?|fobs?|keys"
    r"|cards|llaves|tarjetas)\b",
    re.IGNORECASE,
)


def _opens_door(item: str) -> bool:
    """Tell whether a handover item opens a door (keys, fobs, codes), not a record of them."""
    return bool(_KEYS.search(_KEY_RECORDS.sub(" ", item)))


def _is_access(item: str) -> bool:
    """Tell whether a handover item is a login, a password or an account to transfer."""
    return bool(_ACCESS.search(_FIGURES.sub(" ", item)))


# What opens a door (keys, fobs, alarm and entry codes, PINs): a colour code or a tax code
# opens nothing (a round-28 reviewer missed "the paint list with colour codes").
_KEYS = re.compile(
    r"\b(keys|key(?!\s+(?:dates?|contacts?|findings?|points?|figures?|documents?|decisions?"
    r"|people|metrics?|messages?|stakeholders?|accounts?|clients?|suppliers?|information|data"
    r"|facts?|terms?|milestones?|deliverables?|issues?|risks?|results?|pages?|files?))"
    r"|key ?fobs?|fobs?|key ?cards?|keycards?|access cards?|pins?|alarms?|safes?|combinations?"
    r"|padlocks?|lock ?box(?:es)?|remotes?|gate openers?|garage openers?"
    r"|(?:alarm|door|gate|entry|access|lock|safe|lockbox|key ?box|building|recovery|backup)"
    r" ?codes?|passcodes?|passphrases?|tokens?|api|secrets?|2fa|mfa|otp|totp|authenticator"
    r"|user(?:name)?s? and pass(?:words?)?|pass\b"
    r"|llaves?|pines|alarmas?|cajas? fuertes?|combinaci[oó]n(?:es)?|candados?|mandos?"
    r"|tarjetas? de (?:acceso|entrada)|c[oó]digos? de (?:la )?(?:alarma|acceso|entrada"
    r"|puerta|caja|cerradura|portal|recuperaci[oó]n|seguridad)"
    r"|e\.?\s?firma|firma electr[oó]nica|ciec|certificados? digital(?:es)?|fiel)\b",
    re.IGNORECASE,
)

# The sample profile's sender (templates/samples/breakup.toml): a document signed with it
# was not meant to be sent.
SAMPLE_SENDER_EMAIL = "maria@estudiolumen.es"


def warnings(
    facts: ClientFacts,
    profile: Profile,
    today: date,
    holidays: tuple[str, ...] = (),
    asking: bool = False,
    locale: str | None = None,
) -> list[str]:
    """What looks wrong, in the interface language (the document is still written).

    `holidays` are the region's public-holiday rules: a date the user gives that falls on one
    is named (breakup's own dates avoid them). `asking`: the document is the heads-up, the
    message that asks the providers, so a provider who has not agreed yet is no warning.
    """
    found = []
    if profile.sender.email == SAMPLE_SENDER_EMAIL and profile.source is not None:
        found.append(
            _(
                "{path} still holds the sample sender ({name}): put your own name and email in "
                "its [sender] table"
            ).format(path=profile.source, name=profile.sender.name)
        )
    # A provider recommended with no way to reach them: "mention my name when you write", and
    # nowhere to write (a round-31 red team).
    _providers, listed = recommended(profile, facts)
    for referral in listed:
        if not (referral.email or referral.phone):
            found.append(
                _(
                    "the referral {name} has no email or phone: the client has no way to reach "
                    "them; add one to its [[referrals]] entry in the profile"
                ).format(name=referral.name or referral.company)
            )
    if (
        facts.call_date is not None
        and facts.pay_by is not None
        and today <= facts.pay_by < facts.call_date
    ):
        # The email goes on the day of the call: it would ask for payment by a day already
        # past (a round-32 red team).
        found.append(
            _(
                "the payment deadline {date} comes before the call on {call}, the day the email "
                "goes: give a later --pay-by"
            ).format(date=facts.pay_by.isoformat(), call=facts.call_date.isoformat())
        )
    if facts.call_date is not None and (today - facts.call_date).days > OLD_CALL_DAYS:
        # A call almost two years back was thanked for as "January 10" (a round-31 red team).
        found.append(
            _(
                "the call date {date} is {days} days ago: check --call-date (the email thanks the "
                "client for that call)"
            ).format(date=facts.call_date.isoformat(), days=(today - facts.call_date).days)
        )
    notice = facts.notice_days if facts.notice_days is not None else profile.defaults.notice_days
    end = facts.end_date
    used = documents_end(facts, today, holidays, notice)
    asked = asked_end(facts, today)
    # A date given on a weekend or public holiday, and the one every document uses instead: the
    # end date (see documents_end), a payment deadline or due date (see given_day).
    moves = [
        (_("the end date"), asked, used, "--end-date"),
        (_("the payment deadline"), facts.pay_by, given_day(facts.pay_by, holidays, asked),
         "--pay-by"),
        (_("the final invoice's due date"), facts.final_due, given_day(facts.final_due, holidays),
         "--final-due"),
    ]  # fmt: skip
    for what, when, moved, option in moves:
        if when is None or moved is None or moved == when:
            continue
        off = (
            _("a {weekday}").format(weekday=_weekday(when))
            if when.weekday() >= 5
            else _("a public holiday")
        )
        found.append(
            (
                _(
                    "{what} {date} is {off}: the documents use {used}, the working day after "
                    "(give another with {option})"
                )
                if moved > when
                else _(
                    "{what} {date} is {off}: the documents use {used}, the working day before "
                    "(give another with {option})"
                )
            ).format(
                what=what, date=when.isoformat(), off=off, used=moved.isoformat(), option=option
            )
        )
    end = used if end is not None else None
    call = facts.call_date
    if call is not None and end is not None and call > end:
        found.append(
            _("the call date {call} is after the end date {end}: check both dates").format(
                call=call.isoformat(), end=end.isoformat()
            )
        )
    elif call is not None and call > today and end is not None and notice is not None:
        if (end - call).days < notice:
            found.append(
                _(
                    "a call on {call} leaves less than the contract's {days} days' notice before "
                    "the end date {end}: call earlier or move the end date"
                ).format(call=call.isoformat(), days=notice, end=end.isoformat())
            )
    offering, _recommended = recommended(profile, facts)
    waiting = [r.name or r.company for r in offering if not r.agreed and not asking]
    if waiting and len(waiting) < len(offering):
        found.append(
            _(
                "not yet agreed to be recommended: {names}. The client's documents leave them "
                "out until you set agreed = true for them in the profile; the heads-up asks them"
            ).format(names=", ".join(waiting))
        )
    elif waiting:
        found.append(
            _(
                "not yet agreed to be recommended: {names}. Ask first, then set agreed = true "
                "for them in the profile (the documents name them already)"
            ).format(names=", ".join(waiting))
        )
    if facts.end_date is not None and facts.end_date < today:
        found.append(
            _("the end date {date} is in the past").format(date=facts.end_date.isoformat())
        )
    if facts.pay_by is not None and facts.pay_by < today:
        found.append(_("the payment deadline {date} is in the past").format(date=facts.pay_by))
    if end is not None and facts.final_due is not None and facts.final_due < end:
        found.append(
            _(
                "the final invoice would fall due on {due}, before the work it bills ends on "
                "{end}: give a later --final-due"
            ).format(due=facts.final_due, end=end)
        )
    if notice is not None and end is not None and (end - today).days < notice:
        found.append(
            _(
                "the contract's notice period is {days} days, so the earliest end date from "
                "today is {earliest}: check the contract before sending"
            ).format(days=notice, earliest=(today + timedelta(days=notice)).isoformat())
        )
    if end is not None:
        # "the alarm monitoring until 28 February" for an end on the 26th: three documents
        # under 4 in round 33 came from a work item that outlived the end date.
        order = _date_order(locale)
        for item in facts.work:
            # An item the documents shorten ("until the end of February" for Friday the 26th)
            # no longer says anything else.
            if _without_end(item, end, holidays, order) != item:
                continue
            named = _date_in(item, end, order)
            if named is not None and named > end:
                found.append(
                    _(
                        "the work item {item!r} names {date}, after the end date {end}: the "
                        "documents say it is done by then; check the item or the end date"
                    ).format(item=item, date=named.isoformat(), end=end.isoformat())
                )
    return found


def _date_in(text: str, end: date, order: str | None = None) -> date | None:
    """The latest day a work item names ("until 28 February", "through March 15, 2028",
    "hasta el 15 de marzo", "until the end of March", "2027-03-15", "15/03/2027" where the
    locale puts the day first, "Mar 15", "until April", "the sprint March 20-25"); None when
    it names none. A day without a year is the one nearest the end date: "January 10" after
    an end in late December is next January."""
    folded = text.casefold()
    days: list[date] = []

    def add(year: int | None, month: int, day: int) -> None:
        if year is None:
            year = end.year
            # Half a year before the end is next year's ("January 10" for an end on 29 December).
            try:
                if (end - date(year, month, day)).days > 183:
                    year += 1
                elif (date(year, month, day) - end).days > 183:
                    year -= 1
            except ValueError:
                return
        try:
            days.append(date(year, month, day))
        except ValueError:
            return

    def month_end(year: int | None, month: int) -> None:
        if year is None:
            year = end.year + (1 if month < end.month - 6 else 0)
        add(year, month, calendar.monthrange(year, month)[1])

    for m in _ISO_DAY.finditer(folded):
        add(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _NUMERIC_DAY.finditer(folded):
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if order == "dmy":
            add(year, second, first)
        elif order == "mdy":
            add(year, first, second)
    for m in _DAY_MONTH.finditer(folded):
        first = bool(m.group("d1"))
        day_text = m.group("d1") if first else (m.group("to") or m.group("d2"))
        month_text = m.group("m1") if first else m.group("m2")
        year_text = m.group("y1") if first else m.group("y2")
        number = _MONTHS.get(month_text.rstrip("."))
        if number:
            add(int(year_text) if year_text else None, number, int(day_text))
    for m in _END_OF_MONTH.finditer(folded):
        number = _MONTHS.get(m.group(1).rstrip("."))
        if number:
            month_end(int(m.group(2)) if m.group(2) else None, number)
    for m in _UNTIL_MONTH.finditer(folded):
        number = _MONTHS.get(m.group(1).rstrip("."))
        if number:
            month_end(int(m.group(2)) if m.group(2) else None, number)
    for m in _MONTH_YEAR.finditer(folded):
        number = _MONTHS.get(m.group(1).rstrip("."))
        if number:
            month_end(int(m.group(2)), number)
    for m in _UNTIL_YEAR.finditer(folded):
        add(int(m.group(1)), 1, 1)
    return max(days, default=None)


def _without_end(item: str, end: date, holidays: tuple[str, ...], order: str | None = None) -> str:
    """A work item less a closing "until 31 March" or "hasta final de marzo" that names the
    end date itself, or its month when only days off are left in it; any other item as it is."""
    m = _UNTIL_END.search(item)
    if m is None:
        return item
    named = _date_in(m.group(0).strip(" ,."), end, order)
    if named is None or named < end:
        return item
    from breakup.holidays import is_day_off

    rest = (end + timedelta(days=n) for n in range(1, (named - end).days + 1))
    if all(is_day_off(d, holidays) for d in rest):
        return item[: m.start()].rstrip(" ,")
    return item


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "enero"), ("february", "febrero"), ("march", "marzo"),
            ("april", "abril"), ("may", "mayo"), ("june", "junio"), ("july", "julio"),
            ("august", "agosto"), ("september", "septiembre", "setiembre"),
            ("october", "octubre"), ("november", "noviembre"), ("december", "diciembre"),
        ),
        1,
    )
    for name in names
}  # fmt: skip
# Their short forms ("Mar", "sept.", "dic."), read next to a day or after "until".
_MONTHS.update(
    {
        name: number
        for number, names in enumerate(
            (
                ("jan", "ene"), ("feb",), ("mar",), ("apr", "abr"), (), ("jun",), ("jul",),
                ("aug", "ago"), ("sep", "sept"), ("oct",), ("nov",), ("dec", "dic"),
            ),
            1,
        )
        for name in names
    }
)  # fmt: skip
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_NAME = _MONTH[1:-1]
_YEAR = r"(?:,? (?:de |del )?(\d{4}))?"
# "15 March 2027", "15 de marzo de 2027", "1.º de marzo", "15-mar", "March 15, 2027", "Mar. 15",
# "March 20-25" (its last day).
_DAY_MONTH = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th|\.?º|\.?°)?(?: de)?[ -](?P<m1>{_NAME})\.?"
    rf"(?:,? (?:de |del )?(?P<y1>\d{{4}}))?(?!\w)"
    rf"|\b(?P<m2>{_NAME})\.? (?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:\s?[-–]\s?(?P<to>\d{{1,2}})\b)?(?:,? (?P<y2>\d{{4}}))?(?!\w)"
)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DAY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# A month alone after "until" ("through April", "hasta abril de 2028"): to its last day.
_UNTIL_MONTH = re.compile(
    rf"\b(?:until|till|through|thru|up to|hasta|by) (?:the month of |el mes de )?({_NAME})"
    rf"(?!\.? ?\d{{1,2}}\b)\.?{_YEAR}(?! ?\d)(?!\w)"
)
# A month and its year ("the March 2028 issue", "el cierre de marzo de 2027"): to its last day.
_MONTH_YEAR = re.compile(rf"(?<!\d )(?<!\d)\b({_NAME})\.?,? (?:de |del )?(\d{{4}})\b")
# A year alone after "until" ("until 2028", "hasta 2028"): from its first day. Not "the budget
# for 2027" or "el presupuesto de 2027", which say what the work is about (a round-36 red team).
_UNTIL_YEAR = re.compile(r"\b(?:until|till|through|hasta) (\d{4})\b(?![-/])")
_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|miércoles"
    r"|miercoles|jueves|viernes|sábado|sabado|domingo),? "
)
# A closing phrase that says until when: "until 31 March", "through March", "until Friday,
# February 26", "hasta el 31 de marzo", "hasta finales de marzo" (a year after it is allowed).
_UNTIL_END = re.compile(
    rf",?\s+(?:until|till|through|up to|hasta)\s+(?P<when>(?:el |the |(?:the )?end of |"
    rf"(?:a )?fin(?:al(?:es)?)? de )?(?:{_WEEKDAY})?(?:\d{{1,2}}(?:st|nd|rd|th)?(?: de)? "
    rf"{_MONTH}\.?|{_MONTH}\.?(?: \d{{1,2}}(?:st|nd|rd|th)?)?|\d{{4}}-\d{{1,2}}-\d{{1,2}}"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{4}}))(?:,? (?:de |del )?\d{{4}})?\s*\.?$",
    re.IGNORECASE,
)
_END_OF_MONTH = re.compile(rf"\b(?:the )?(?:end of|fin(?:al(?:es)?)? de) ({_NAME})\.?{_YEAR}(?!\w)")

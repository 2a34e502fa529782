"""The client's facts a user can give: one table for the options, the batch columns and the README.

Each fact has an option (--end-date), a batch column (end_date), an environment variable
(BREAKUP_END_DATE) and a kind that says how its text is read. `read` turns raw text (from
the command line or a spreadsheet cell) into ClientFacts, reading dates and amounts as the
user's locale writes them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from breakup import parse
from breakup.errors import InputError
from breakup.i18n import _
from breakup.models import RELATIONS, ClientFacts, Invoice


class Fact(NamedTuple):
    """One fact. Fields: name (ClientFacts field and batch column), kind (text, email, date,
    amount, days, hours, invoices, list, relation, flag), metavar, help, repeat (the option
    may be given more than once)."""

    name: str
    kind: str
    metavar: str
    help: str
    repeat: bool = False

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def envvar(self) -> str:
        return "BREAKUP_" + self.name.upper()


FACTS: tuple[Fact, ...] = (
    Fact("client", "text", "NAME", "The client's organization."),
    Fact("contact", "text", "NAME", "The person you write to."),
    Fact(
        "greeting",
        "text",
        "NAME",
        "The name to greet them by, if the guess from --contact is wrong.",
    ),
    Fact("client_email", "email", "EMAIL", "The contact's email address (the To: of a draft)."),
    Fact(
        "service", "text", "TEXT", "The service you are ending; also picks the matching referrals."
    ),
    Fact(
        "end_date",
        "date",
        "DATE",
        "Your last day of work, e.g. 2027-01-15 or as your locale writes it.",
    ),
    Fact(
        "notice_days",
        "days",
        "DAYS",
        "The contract's notice period; sets the end date if none is given.",
    ),
    Fact(
        "invoice",
        "invoices",
        "REF:AMOUNT[:DUE]",
        "An overdue invoice, e.g. F-102:1250:2026-10-31 (repeatable).",
        True,
    ),
    Fact(
        "outstanding", "amount", "AMOUNT", "The overdue balance. Default: the sum of the invoices."
    ),
    Fact("pay_by", "date", "DATE", "Deadline for the overdue balance. Default: the end date."),
    Fact(
        "final_invoice", "amount", "AMOUNT", "The final invoice for the remaining work (0: none)."
    ),
    Fact(
        "final_due",
        "date",
        "DATE",
        "When the final invoice falls due. Default: the profile's payment_days after the end date.",
    ),
    Fact("currency", "currency", "CODE", "ISO 4217 code. Default: the profile, else the region's."),
    Fact("work", "list", "TEXT", "Work you will finish before the end (repeatable).", True),
    Fact(
        "handover",
        "list",
        "TEXT",
        "What you will hand over, e.g. the ledger files (repeatable).",
        True,
    ),
    Fact(
        "collect",
        "list",
        "TEXT",
        "The client's own things you hold, for them to collect, e.g. the spare parts in your"
        " store (repeatable).",
        True,
    ),
    Fact(
        "retrieve",
        "list",
        "TEXT",
        "Your own things at the client's, to collect before the end, e.g. the scaffolding on"
        " site (repeatable).",
        True,
    ),
    Fact(
        "keep",
        "list",
        "TEXT",
        "Records of the work you must keep after the end, besides the contract and invoices,"
        " e.g. the inspection reports (repeatable).",
        True,
    ),
    Fact("hours", "hours", "HOURS", "The hours you have available until the end date."),
    Fact(
        "contact_hours",
        "text",
        "TEXT",
        'When the client can reach you until the end, e.g. "Monday to Friday, 9am to 5pm".',
    ),
    Fact(
        "urgent_contact",
        "text",
        "TEXT",
        'How the client can reach you in a real emergency until the end, e.g. "on 0161 555 0100".',
    ),
    Fact(
        "emergency",
        "text",
        "TEXT",
        'What counts as an emergency, with --urgent-contact, e.g. "a leak or a failed boiler".',
    ),
    Fact(
        "relation",
        "relation",
        "friend|relative",
        "For a family friend: a friend (default) or a relative.",
    ),
    Fact("after_call", "flag", "", "Write the email as the confirmation of a call already held."),
    Fact("call_date", "date", "DATE", "The date of that call. Default: today."),
)
BY_NAME = {f.name: f for f in FACTS}
# A batch cell holding several invoices or work items separates them with "|" or line breaks.
_SEPARATORS = re.compile(r"\s*(?:\||\r?\n)\s*")
MAX_ITEMS = 50


def split_cell(value: str) -> list[str]:
    """Split a spreadsheet cell that holds several items ("a | b" or one per line)."""
    return [item for item in _SEPARATORS.split(value.strip()) if item]


def parse_invoice(value: str, where: str, locale: str | None) -> Invoice:
    """Read REF:AMOUNT or REF:AMOUNT:DUE (the reference may itself hold colons)."""
    parts = [p.strip() for p in value.split(":")]
    due: date | None = None
    if len(parts) >= 3 and re.fullmatch(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}", parts[-1]):
        due = parse.parse_date(parts[-1], where, locale)
        parts = parts[:-1]
    if len(parts) < 2 or not parts[0]:
        raise InputError(
            _(
                "invalid invoice {value!r} for {option}: use REFERENCE:AMOUNT or "
                "REFERENCE:AMOUNT:DUE, e.g. F-102:1250:2026-10-31"
            ).format(value=value, option=where)
        )
    reference = parse.single_line(":".join(parts[:-1]), where, limit=60)
    amount = parse.parse_amount(parts[-1], where, locale)
    if not amount:
        raise InputError(
            _(
                "invoice {reference} for {option} is for 0: leave out an invoice with nothing "
                "to pay"
            ).format(reference=reference, option=where)
        )
    return Invoice(reference, amount, due)


def _relation(value: str, where: str) -> str:
    text = value.strip().casefold()
    aliases = {
        "friend": "friend",
        "relative": "relative",
        "amigo": "friend",
        "amiga": "friend",
        "familiar": "relative",
        "family": "relative",
        "familia": "relative",
    }
    if text not in aliases:
        raise InputError(
            _("invalid relation {value!r} for {option}: use {choices}").format(
                value=value, option=where, choices=" or ".join(RELATIONS)
            )
        )
    return aliases[text]


def _flag(value: str, where: str) -> bool:
    text = value.strip().casefold()
    if text in ("1", "true", "yes", "y", "sí", "si", "x"):
        return True
    if text in ("", "0", "false", "no", "n"):
        return False
    raise InputError(
        _("invalid value {value!r} for {option}: use yes or no").format(value=value, option=where)
    )


def read(
    raw: Mapping[str, Any],
    locale: str | None,
    where: Callable[[Fact], str],
    *,
    serials: bool = False,
    problems: list[str] | None = None,
) -> ClientFacts:
    """Turn raw values (text, or lists of text for repeatable facts) into ClientFacts.

    `where` names a fact for messages ("--end-date" or "column end_date"); `serials` reads a
    plain number in a date cell as a spreadsheet date. Empty values mean "not given". With a
    `problems` list, every bad value is added to it (and left out) instead of raising at the
    first one, so a spreadsheet row reports all its problems at once.
    """
    values: dict[str, Any] = {}
    for fact in FACTS:
        value = raw.get(fact.name)
        if value is None or value == "" or value == () or value == []:
            continue
        name = where(fact)
        items: Sequence[str] = value if isinstance(value, (list, tuple)) else [value]
        if fact.repeat and len(items) == 1 and isinstance(value, str):
            items = split_cell(value)
        if len(items) > MAX_ITEMS:
            raise InputError(
                _("too many values for {option}: at most {limit}").format(
                    option=name, limit=MAX_ITEMS
                )
            )
        try:
            values[fact.name] = _convert(fact, items, name, locale, serials)
        except InputError as error:
            if problems is None:
                raise
            problems.append(str(error))
    try:
        _typed_currency(raw, values, locale, where)
    except InputError as error:
        if problems is None:
            raise
        problems.append(str(error))
    if "invoice" in values:
        values["invoices"] = values.pop("invoice")
    return ClientFacts(**values)


def _typed_currency(
    raw: Mapping[str, Any], values: dict[str, Any], locale: str | None, where: Callable[[Fact], str]
) -> None:
    """Take the currency typed with the amounts ("450 €", "USD 500") as the documents' own.

    It becomes the currency when none is given; a given one that differs, or amounts typed in
    two currencies, are refused: an amount is never printed in a currency it was not typed in.
    """
    typed: dict[str, tuple[str, str]] = {}
    for fact in FACTS:
        value = raw.get(fact.name)
        if fact.kind not in ("amount", "invoices") or not value:
            continue
        items = value if isinstance(value, (list, tuple)) else split_cell(str(value))
        for item in items:
            amount = str(item)
            if fact.kind == "invoices":
                parts = amount.split(":")
                if len(parts) >= 3 and re.fullmatch(
                    r"\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\s*", parts[-1]
                ):
                    parts = parts[:-1]
                amount = parts[-1]
            code = parse.amount_currency(amount, locale)
            if code:
                typed.setdefault(code, (amount.strip(), where(fact)))
    if not typed:
        return
    if len(typed) > 1:
        (first, (text, name)), (second, (other, other_name)) = list(typed.items())[:2]
        raise InputError(
            _(
                "amounts in two currencies: {text!r} for {option} is in {first}, {other!r} for "
                "{other_option} in {second}; give every amount in one currency"
            ).format(
                text=text,
                option=name,
                first=first,
                other=other,
                other_option=other_name,
                second=second,
            )
        )
    code, (text, name) = next(iter(typed.items()))
    given = values.get("currency")
    if given and given != code:
        raise InputError(
            _(
                "the amount {text!r} for {option} is in {typed}, but the currency given is "
                "{given}: drop the currency from the amount or give {typed} as the currency"
            ).format(text=text, option=name, typed=code, given=given)
        )
    values["currency"] = code


def _convert(fact: Fact, items: Sequence[Any], name: str, locale: str | None, serials: bool) -> Any:
    text = items[0] if items else ""
    if fact.kind == "flag":
        return text if isinstance(text, bool) else _flag(str(text), name)
    if fact.kind == "text":
        return parse.single_line(text, name)
    if fact.kind == "email":
        from breakup.mail import parse_address

        return parse_address(parse.single_line(text, name), name)
    if fact.kind == "date":
        return parse.parse_date(text, name, locale, serials=serials)
    if fact.kind == "amount":
        return parse.parse_amount(text, name, locale)
    if fact.kind == "currency":
        return parse.parse_currency(text, name)
    if fact.kind == "days":
        return parse.parse_int(text, name, minimum=0, maximum=365)
    if fact.kind == "hours":
        hours = parse.parse_amount(text, name, locale)
        if hours > Decimal(10000):
            raise InputError(
                _(
                    "invalid number {value!r} for {option}: use a whole number from {minimum} to "
                    "{maximum}"
                ).format(value=text, option=name, minimum=0, maximum=10000)
            )
        return hours
    if fact.kind == "relation":
        return _relation(text, name)
    if fact.kind == "invoices":
        invoices = tuple(parse_invoice(item, name, locale) for item in items)
        seen: set[str] = set()
        for invoice in invoices:
            # The same invoice twice asked the client for it twice (a red-team finding of
            # round 25).
            key = invoice.reference.casefold()
            if key in seen:
                raise InputError(
                    _("invoice {reference!r} is given twice in {option}: list it once").format(
                        reference=invoice.reference, option=name
                    )
                )
            seen.add(key)
        return invoices
    if fact.kind == "list":
        # A blank item ("--work ''") names nothing: "I'll have finished ." and an empty
        # bullet were printed (a red-team finding of round 25).
        return tuple(text for text in (parse.single_line(i, name) for i in items) if text)
    raise AssertionError(fact.kind)  # pragma: no cover

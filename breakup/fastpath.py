"""Render the rows of a batch fast, sharing the template work between rows of one shape.

Rendering a template for every row would cost milliseconds a row, so documents of the same
shape (the same archetype, language, register, format and the same facts given or missing)
are rendered once with stand-ins for the per-row values, checked to be safe for
substitution, and then filled in per row; anything the check refuses renders the ordinary
way. Tests hold this path to producing exactly what the ordinary path produces.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import escape  # already loaded: Jinja uses it

from breakup import catalog, models, publish, render
from breakup.errors import BreakupError
from breakup.models import ClientFacts, Person, Profile
from breakup.sheet import Job, RowError

# A value this long, or holding the stand-in characters, renders the ordinary way.
_FAST_VALUE_LIMIT = 200
_FIRST, _LAST = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}")
_PAD = " zq" * 150
_TOKEN_BYTES = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}".encode())
_USER_KEYS = ("c", "p", "f", "s")  # client, contact, first name, service: typed by the user
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HTML_SPECIAL = re.compile(r"[<>&'\"]")


def _token(key: str, prefix: str = "") -> str:
    return f"{_FIRST}{prefix}{key}{_LAST}"


def _strip_controls(text: str) -> str:
    return str(catalog._strip_controls(text))


class _Skeleton(NamedTuple):
    """A document rendered with stand-ins, ready to be filled in per row."""

    text: str
    subject: str
    missing: tuple[str, ...]
    keys: frozenset[str]


class FastRenderer:
    """Render the rows of a batch, sharing the template work between rows of the same shape."""

    def __init__(self, profile: Profile, *, today: date, now: datetime,
                 templates: Path | None = None) -> None:  # fmt: skip
        self.profile = profile
        self.today = today
        self.now = now
        self.templates = templates
        self._skeletons: dict[tuple[Any, ...], _Skeleton | None] = {}
        self._drafts: dict[tuple[Any, ...], _Draft | None] = {}

    # The shape of a row: everything that changes which sentences a document holds.
    def _shape(self, job: Job, register: str) -> tuple[Any, ...]:
        facts = job.facts
        matches = tuple(i for i, r in enumerate(self.profile.referrals) if r.offers(facts.service))
        owed = None if facts.outstanding is None else facts.outstanding > 0
        return (
            job.archetype, job.lang, job.locale, register, bool(facts.client),
            bool(facts.contact), facts.end_date is not None,
            (facts.pay_by or facts.end_date) is not None, owed, bool(facts.service), matches,
        )  # fmt: skip

    def _stand_ins(
        self, job: Job, prefix: str, pad: str = ""
    ) -> tuple[ClientFacts, dict[str, Any]]:
        facts = job.facts

        def tok(key: str) -> str:
            return _token(key + pad, prefix)

        stand_in = ClientFacts(
            client=tok("c") if facts.client else None,
            contact=tok("p") if facts.contact else None,
            client_email=facts.client_email,
            end_date=facts.end_date,
            pay_by=facts.pay_by,
            outstanding=facts.outstanding,
            currency=facts.currency,
            service=tok("s") if facts.service else None,
        )
        overrides: dict[str, Any] = {
            "referrals": [
                {"name": r.name, "company": r.company, "email": r.email, "phone": r.phone,
                 "note": r.note, "services": list(r.services)}
                for r in self.profile.referrals if r.offers(facts.service)
            ],
            "reminders": [{"days": d, "date": tok(f"r{d}")} for d in render.REMINDER_DAYS],
        }  # fmt: skip
        if facts.contact:
            overrides["client"] = {"first_name": tok("f")}
        if facts.end_date is not None:
            overrides["end_date"] = tok("e")
        if (facts.pay_by or facts.end_date) is not None:
            overrides["pay_by"] = tok("y")
        if facts.outstanding is not None:
            overrides["outstanding"] = tok("o")
        return stand_in, overrides

    def _render_with(self, document: str, fmt: str, job: Job, register: str, prefix: str,
                     pad: str, standalone: bool) -> render.Document:  # fmt: skip
        facts, overrides = self._stand_ins(job, prefix, pad)
        return render.render(
            document, job.archetype, facts=facts, profile=self.profile, lang=job.lang,
            locale=job.locale, register=register, fmt=fmt, today=self.today,
            templates=self.templates, standalone=standalone, _overrides=overrides,
        )  # fmt: skip

    def _skeleton(self, document: str, fmt: str, job: Job, register: str, prefix: str = "",
                  standalone: bool = True) -> _Skeleton | None:  # fmt: skip
        key = (document, fmt, prefix, standalone, self._shape(job, register))
        if key not in self._skeletons:
            self._skeletons[key] = self._build(document, fmt, job, register, prefix, standalone)
        return self._skeletons[key]

    def _build(self, document: str, fmt: str, job: Job, register: str, prefix: str,
               standalone: bool) -> _Skeleton | None:  # fmt: skip
        try:
            plain = self._render_with(document, fmt, job, register, prefix, "", standalone)
            padded = self._render_with(document, fmt, job, register, prefix, _PAD, standalone)
        except BreakupError:  # the ordinary render says why, with the row's own values
            return None

        # Safe only if the stand-ins go through untouched: nothing measured, counted, cut or
        # changed them (a title underlined to its length, a speaking time counted in words),
        # so any value can take their place. The padded stand-ins are long and many words.
        def widen(text: str) -> str:
            return _TOKEN.sub(lambda m: f"{_FIRST}{m.group(1)}{_PAD}{_LAST}", text)

        if widen(plain.body) != padded.body or widen(plain.subject) != padded.subject:
            return None
        keys = frozenset(m.group(1) for m in _TOKEN.finditer(plain.body + plain.subject))
        return _Skeleton(plain.body, plain.subject, plain.missing, keys)

    def _values(self, job: Job, keys: frozenset[str], fmt: str) -> dict[str, str]:
        """The per-row values of a skeleton's stand-ins, escaped for its format."""
        values = self._plain_values(job, keys)
        for key, value in values.items():
            if _CONTROL_CHARS.search(value):
                value = _strip_controls(value)
            if fmt == "md" and key in _USER_KEYS:
                value = render._md_escape(value)
            elif fmt == "html" and _HTML_SPECIAL.search(value):
                value = _html_escape(value)
            values[key] = value
        return values

    def _plain_values(self, job: Job, names: frozenset[str]) -> dict[str, str]:
        """The per-row values by stand-in name, before any escaping."""
        facts = job.facts
        locale = job.locale
        base = facts.end_date or self.today
        raw: dict[str, str] = {}
        for name in names:
            if name == "c":
                raw[name] = facts.client or ""
            elif name == "p":
                raw[name] = facts.contact or ""
            elif name == "f":
                raw[name] = models.greeting_name(facts.contact or "")
            elif name == "s":
                raw[name] = facts.service or ""
            elif name == "e":
                raw[name] = _long_date(facts.end_date, locale)
            elif name == "y":
                raw[name] = _long_date(facts.pay_by or facts.end_date, locale)
            elif name == "o":
                raw[name] = _money(facts.outstanding, facts.currency or self.profile.currency
                                  or render.DEFAULT_CURRENCY, locale)  # fmt: skip
            else:
                raw[name] = _long_date(base + timedelta(days=int(name[1:])), locale)
        return raw

    def _fast_ok(self, job: Job) -> bool:
        facts = job.facts
        texts = (facts.client or "", facts.contact or "", facts.service or "")
        return all(len(t) <= _FAST_VALUE_LIMIT and _FIRST not in t and _LAST not in t
                   for t in texts)  # fmt: skip

    def produce(self, document: str, fmt: str, job: Job) -> tuple[bytes, tuple[str, ...]]:
        """Return a document's file content for a row, and what it lacks."""
        register = job.register or render.default_register(job.archetype, job.lang,
                                                           self.templates)  # fmt: skip
        if self._fast_ok(job):
            if fmt == "eml":
                draft = self._draft(job, register)
                if draft is not None:
                    try:
                        return self._fill_draft(job, draft)
                    except _SlowPath:
                        pass
            elif fmt in render.FORMATS:
                skeleton = self._skeleton(document, fmt, job, register)
                if skeleton is not None:
                    values = self._values(job, skeleton.keys, fmt)
                    body = _TOKEN.sub(lambda m: values[m.group(1)], skeleton.text)
                    return body.encode("utf-8"), skeleton.missing
        out = publish.publish(
            document, job.archetype, fmt, facts=job.facts, profile=self.profile, lang=job.lang,
            locale=job.locale, register=register, today=self.today, templates=self.templates,
            now=self.now,
        )  # fmt: skip
        return out.data, out.missing

    # .eml drafts: the MIME structure comes from the email package, once per shape.
    def _draft(self, job: Job, register: str) -> _Draft | None:
        key = self._shape(job, register)
        if key not in self._drafts:
            self._drafts[key] = self._build_draft(job, register)
        return self._drafts[key]

    def _build_draft(self, job: Job, register: str) -> _Draft | None:
        text = self._skeleton("email", "text", job, register, "t", standalone=False)
        html = self._skeleton("email", "html", job, register, "h", standalone=False)
        if text is None or html is None:
            return None
        from email.message import EmailMessage
        from email.policy import SMTP
        from email.utils import format_datetime, make_msgid

        message = EmailMessage(policy=SMTP)
        message.set_content(text.text, charset="utf-8", cte="8bit")
        message.add_alternative(html.text, subtype="html", charset="utf-8", cte="8bit")
        body = message.as_bytes()
        # The body and the subject cut at their stand-ins: the odd pieces are the stand-ins'
        # names, "t" or "h" (the text or the HTML part) and then the value's name.
        pieces = _TOKEN_BYTES.split(body)
        subject = _TOKEN.split(text.subject)
        slots = tuple((key.startswith(b"h"), key[1:].decode()) for key in pieces[1::2])
        sender = self.profile.sender
        domain = sender.email.rpartition("@")[2] if sender.email else "breakup.invalid"
        return _Draft(
            pieces=tuple(pieces),
            slots=slots,
            names=frozenset([name for _html, name in slots] + [k[1:] for k in subject[1::2]]),
            subject=tuple(subject),
            missing=text.missing,
            longest=max(len(line) for line in body.split(b"\r\n")),
            sender=_from_header(sender) if sender.email else "",
            date=format_datetime(self.now),
            message_id=functools.partial(make_msgid, domain=domain),
        )

    def _fill_draft(self, job: Job, draft: _Draft) -> tuple[bytes, tuple[str, ...]]:
        plain = self._plain_values(job, draft.names)
        text: dict[str, bytes] = {}
        html: dict[str, bytes] = {}
        for name, value in plain.items():
            if _CONTROL_CHARS.search(value):
                value = plain[name] = _strip_controls(value)
            text[name] = html[name] = value.encode()
            if _HTML_SPECIAL.search(value):
                html[name] = _html_escape(value).encode()
        values = [html[name] if is_html else text[name] for is_html, name in draft.slots]
        # The parts go as 8bit, so no line may pass 998 bytes: a line holds at most the
        # longest line of the draft and every value (a long value takes the ordinary path).
        if draft.longest + sum(map(len, values)) > 990:
            raise _SlowPath
        pieces = list(draft.pieces)
        pieces[1::2] = values
        subject = list(draft.subject)
        subject[1::2] = [plain[key[1:]] for key in subject[1::2]]
        facts = job.facts
        to = ""
        if facts.client_email:
            name = facts.contact or facts.client or ""
            to = _address_header("To", name, facts.client_email)
        headers = (
            f"{draft.sender}{to}Subject: {_subject_header(''.join(subject))}\r\n"
            f"Date: {draft.date}\r\nMessage-ID: {draft.message_id()}\r\nX-Unsent: 1\r\n"
        )
        pieces[0] = headers.encode("ascii") + pieces[0]
        missing = draft.missing + ("client_email",) * (not facts.client_email)
        return b"".join(pieces), missing


class _Draft(NamedTuple):
    """An .eml draft with stand-ins, as the email package wrote it, ready to fill in.

    Fields: pieces (the draft's bytes, cut at its stand-ins), slots (for each stand-in in
    order: whether it takes a value's HTML form, and the value's name), names (the values it
    needs), subject (cut as the pieces), missing, longest (its longest line, in bytes), and
    the headers shared by every row: sender (the From line, or ""), date, message_id (a
    function returning a new Message-ID).
    """

    pieces: tuple[bytes, ...]
    slots: tuple[tuple[bool, str], ...]
    names: frozenset[str]
    subject: tuple[str, ...]
    missing: tuple[str, ...]
    longest: int
    sender: str
    date: str
    message_id: Callable[[], str]


class _SlowPath(Exception):
    """This row's draft renders the ordinary way."""


@functools.lru_cache(maxsize=4096)
def _long_date(value: date | None, locale: str) -> str:
    return render._format_date(value, locale) if value else ""


def _money(value: Decimal | None, currency: str, locale: str) -> str:
    if value is None:
        return ""
    shape = _money_shape(currency, locale)
    if shape is None:
        return render._format_money(value, currency, locale)
    prefix, suffix, group, decimal, digits = shape
    number = f"{value:,.{digits}f}" if digits else f"{value:,.0f}"
    number = number.replace(",", "\0").replace(".", decimal).replace("\0", group)
    return f"{prefix}{number}{suffix}"


@functools.lru_cache(maxsize=64)
def _money_shape(currency: str, locale: str) -> tuple[str, str, str, str, int] | None:
    """Learn how Babel writes amounts in a currency and locale, so rows need not ask it.

    Babel is slow per call (tens of microseconds). The shape is read off a probe amount and
    accepted only if it reproduces Babel on a set of checks; otherwise each row asks Babel.
    """
    probe = render._format_money(Decimal("1234567.25"), currency, locale)
    found = re.fullmatch(r"(\D*?)1(?P<g>\D)234(?P=g)567(?:(\D)(\d+))?(\D*)", probe)
    if not found:
        return None
    prefix, group, decimal, fraction, suffix = found.groups()
    digits = len(fraction or "")
    shape = (prefix, suffix, group, decimal or ".", digits)
    checks = ("0", "7", "12.5", "999.99", "1000", "4250", "98765.43", "1000000.5", "0.01")
    for text in checks:
        amount = Decimal(text)
        prefix_, suffix_, group_, decimal_, digits_ = shape
        number = f"{amount:,.{digits_}f}".replace(",", "\0").replace(".", decimal_)
        if f"{prefix_}{number.replace(chr(0), group_)}{suffix_}" != render._format_money(
            amount, currency, locale
        ):
            return None
    return shape


def _html_escape(text: str) -> str:
    return str(escape(text))


# Names the quick header encoding renders exactly as the email package's header registry
# does; any other (unusual spaces, symbols) takes the ordinary path.
_PLAIN_NAME = re.compile(r"[\w .,'&()-]*")


def _from_header(sender: Person) -> str:
    """The From header line, as the email package writes it."""
    name = sender.name or sender.company
    try:
        return _address_header("From", name, sender.email)
    except _SlowPath:
        return _folded_header("From", name, sender.email)


def _address_header(field: str, name: str, address: str) -> str:
    """An address header line (To, From) as the email package writes it, for a plain name
    and an ASCII address: anything else raises _SlowPath."""
    if not (address.isascii() and _PLAIN_NAME.fullmatch(name)):
        raise _SlowPath
    if name.isascii():
        import email.utils

        value = email.utils.formataddr((name, address))
    else:
        # One encoded word in UTF-8 and base64 (RFC 2047), as formataddr writes it with such
        # a charset, without the email package's machinery: that took a tenth of a row.
        import base64

        value = f"=?utf-8?b?{base64.b64encode(name.encode()).decode('ascii')}?= <{address}>"
    if len(field) + 2 + len(value) > 78:
        # Too long for a line: the email package folds it, and a folded name reads back
        # with spaces in it, so the email package writes this one as it would.
        return _folded_header(field, name, address)
    return f"{field}: {value}\r\n"


def _folded_header(field: str, name: str, address: str) -> str:
    from email.headerregistry import Address
    from email.policy import SMTP

    local, _, domain = address.rpartition("@")
    return str(SMTP.header_factory(field, Address(name, local, domain)).fold(policy=SMTP))


@functools.lru_cache(maxsize=1024)
def _subject_header(subject: str) -> str:
    from email.header import Header

    if re.search(r"[\r\n]", subject):
        raise RowError("the subject contains a line break")
    return Header(subject, "utf-8", header_name="Subject").encode(linesep="\r\n")

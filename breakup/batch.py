"""breakup batch: the documents for many clients from a spreadsheet, streamed and written safely.

Rows are read one at a time (CSV in UTF-8 or Windows-1252, or JSON Lines), each becomes a
folder of documents, and a bad row is reported while the others still render. Rendering a
template for every row would cost milliseconds a row, so documents of the same shape (the
same archetype, language, register, format and the same facts given or missing) are
rendered once with stand-ins for the per-row values, checked to be safe for substitution,
and then filled in per row; anything the check refuses renders the ordinary way.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import itertools
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import escape  # already loaded: Jinja uses it

from breakup import catalog, models, publish, render
from breakup.errors import BreakupError, InputError, OutputError
from breakup.models import ClientFacts, Person, Profile
from breakup.output import safe_name

COLUMNS = (
    "archetype", "client", "contact", "client_email", "lang", "locale", "end_date", "pay_by",
    "outstanding", "currency", "service", "register",
)  # fmt: skip
_REGISTERS = {"formal": "formal", "usted": "formal", "informal": "informal", "tu": "informal",
              "tú": "informal"}  # fmt: skip
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip
# A value this long, or holding the stand-in characters, renders the ordinary way.
_FAST_VALUE_LIMIT = 200
_FIRST, _LAST = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}")
_PAD = " zq" * 150
_TOKEN_BYTES = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}".encode())
_USER_KEYS = ("c", "p", "f", "s")  # client, contact, first name, service: typed by the user
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_HTML_SPECIAL = re.compile(r"[<>&'\"]")


class RowError(Exception):
    """Raised when one row cannot be rendered; the message is the reason given in failed.csv."""


# The records below are NamedTuples and a plain class, not dataclasses: a dataclass is
# compiled when the module is imported (about a millisecond each), and every batch pays that.
class Defaults(NamedTuple):
    """What a row falls back to when its cell is empty: the batch's options.

    Fields: lang, locale, register, currency (each None when not given).
    """

    lang: str | None = None
    locale: str | None = None
    register: str | None = None
    currency: str | None = None


class Job(NamedTuple):
    """One row, parsed.

    Fields: number (the spreadsheet row, header = 1), archetype, facts, lang, locale,
    register (None: the archetype's default), name (what the folder is named after).
    """

    number: int
    archetype: str
    facts: ClientFacts
    lang: str
    locale: str
    register: str | None
    name: str


class Summary:
    """What a batch did.

    Fields: rows (read), written (rows with documents written), skipped (rows already
    complete, with --resume), failed (rows with an error), failed_path (failed.csv, or None),
    missing (HOW_TO_FILL keys of what some document lacks), ignored_columns.
    """

    def __init__(self, ignored_columns: list[str] | None = None) -> None:
        self.rows = 0
        self.written = 0
        self.skipped = 0
        self.failed = 0
        self.failed_path: Path | None = None
        self.missing: set[str] = set()
        self.ignored_columns = ignored_columns or []


# --- reading ---------------------------------------------------------------------------------


def scan(path: Path) -> tuple[str, int]:
    """Find the file's encoding and count its lines, reading it once in chunks."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror}") from None
    decoders = {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "cp1252")}
    lines = 0
    with handle:
        first = True
        while chunk := handle.read(1 << 16):
            if first and chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            first = False
            lines += chunk.count(b"\n")
            for name, decoder in list(decoders.items()):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    del decoders[name]
    if "utf-8" in decoders:
        return "utf-8-sig", lines
    if "cp1252" in decoders:
        return "cp1252", lines
    raise InputError(
        f"{path} is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8' and try again"
    )


def _column(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _unknown_column(name: str, where: str) -> str:
    from difflib import get_close_matches

    close = get_close_matches(name, COLUMNS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"the columns are {', '.join(COLUMNS)}"
    return f"unknown column {name!r} in {where}: {hint}"


def _misspelt(name: str) -> bool:
    if name in COLUMNS:  # the usual case: difflib is not even imported
        return False
    from difflib import get_close_matches

    return bool(get_close_matches(name, COLUMNS, n=1, cutoff=0.8))


def extra_columns(header: list[str]) -> list[str]:
    """The columns batch does not use (left as they are)."""
    return [h for h in header if h and h not in COLUMNS]


def read_rows(path: Path, encoding: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Return the header and an iterator of (row number, cells), streaming the file."""
    if path.suffix.lower() == ".jsonl":
        return list(COLUMNS), _jsonl_rows(path)
    with path.open(encoding=encoding, newline="") as first:
        header_line = first.readline()
    if not header_line.strip():
        raise InputError(f"{path} is empty: the first row must name the columns")
    # The delimiter is the one the header row uses most: , or ; (Excel in many locales) or tab.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    try:
        header = [_column(h) for h in next(csv.reader([header_line], delimiter=delimiter))]
    except StopIteration:
        raise InputError(f"{path} is empty: the first row must name the columns") from None
    except csv.Error as error:
        raise InputError(f"{path}: cannot read the header row: {error}") from None
    # A column that looks like a misspelt one is an error; any other is the spreadsheet's own
    # (a CRM export has many) and is left alone.
    problems = [_unknown_column(h, path.name) for h in header if h and _misspelt(h)]
    if problems or "archetype" not in header:
        raise InputError(
            problems[0]
            if problems
            else f"{path} has no 'archetype' column: add one (the columns are {', '.join(COLUMNS)})"
        )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            number = 1
            try:
                for cells in reader:
                    number += 1
                    if not "".join(cells).strip():  # a blank row
                        continue
                    yield number, dict(zip(header, cells, strict=False))
            except csv.Error as error:
                raise InputError(f"{path}, row {number + 1}: {error}") from None

    return header, rows()


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                yield number, {"_error": f"invalid JSON: {error.msg} (column {error.colno})"}
                continue
            if not isinstance(data, dict):
                yield number, {"_error": "each line must be a JSON object"}
                continue
            cells: dict[str, str] = {}
            for key, value in data.items():
                name = _column(str(key))
                if _misspelt(name):
                    cells["_error"] = _unknown_column(str(key), "this line")
                cells[name] = "" if value is None else str(value)
            yield number, cells


# --- parsing a row ---------------------------------------------------------------------------


# Resolved (language, locale) by the cells that gave them, for the profile of the batch. Not
# an lru_cache: hashing a Profile (a dataclass, hashed field by field) would cost every row.
_LOCALES: dict[tuple[str, str], tuple[Profile, tuple[str, str]]] = {}


def _locale(lang: str, locale: str, profile: Profile) -> tuple[str, str]:
    found = _LOCALES.get((lang, locale))
    if found is None or found[0] is not profile:
        resolved = render.resolve_locale(lang or None, locale or None, profile, os.environ)
        found = _LOCALES[lang, locale] = (profile, resolved)
    return found[1]


@functools.lru_cache(maxsize=64)
def _currency(value: str) -> str:
    return models.parse_currency(value, "column currency")


def parse_row(number: int, cells: dict[str, str], defaults: Defaults, profile: Profile) -> Job:
    """Turn a row's cells into a job, or raise RowError with the reason."""
    if "_error" in cells:
        raise RowError(cells["_error"])
    # Every cell by its column, stripped: "" when it is empty or the file lacks the column.
    (archetype, client, contact, client_email, lang, locale, end_date, pay_by, outstanding,
     currency, service, register) = [(cells.get(c) or "").strip() for c in COLUMNS]  # fmt: skip
    ids = catalog.archetype_ids()
    if not archetype:
        raise RowError(f"archetype is empty: use one of {', '.join(ids)}")
    try:
        if archetype not in ids:
            raise InputError(f"unknown archetype {archetype!r}: choose one of {', '.join(ids)}")
        register = register.lower()
        if register and register not in _REGISTERS:
            raise InputError(f"invalid register {register!r}: use formal or informal")
        lang, locale = _locale(lang or defaults.lang or "", locale or defaults.locale or "",
                               profile)  # fmt: skip
        facts = ClientFacts(
            client=models.single_line(client, "column client") if client else None,
            contact=models.single_line(contact, "column contact") if contact else None,
            client_email=models.parse_email(client_email, "column client_email")
            if client_email else None,
            end_date=models.parse_date(end_date, "column end_date") if end_date else None,
            pay_by=models.parse_date(pay_by, "column pay_by") if pay_by else None,
            outstanding=models.parse_amount(outstanding, "column outstanding")
            if outstanding else None,
            currency=_currency(currency) if currency else defaults.currency,
            service=models.single_line(service, "column service") if service else None,
        )  # fmt: skip
    except BreakupError as error:
        raise RowError(str(error)) from None
    name = facts.client or facts.contact or f"row-{number}"
    return Job(number, archetype, facts, lang, locale,
               _REGISTERS.get(register) or defaults.register, name)  # fmt: skip


# --- rendering many rows fast ------------------------------------------------------------------


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


# --- running a batch ----------------------------------------------------------------------------


def folder_name(name: str, used: set[str]) -> str:
    """A safe, unique folder name for a row: it can never leave the output folder."""
    base = safe_name(name, fallback="client")
    if base in _RESERVED:
        base = f"{base}-client"
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return slug


# Flags for os.open as open(path, "wb") would set them (O_BINARY on Windows only).
_WRITE_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)
                | getattr(os, "O_BINARY", 0))  # fmt: skip


def _write(folder: str, name: str, data: bytes, pid: int) -> None:
    """Write a file whole: a temporary file beside it (named after the process), then a
    rename."""
    path = f"{folder}{os.sep}{name}"
    tmp = f"{folder}{os.sep}.{name}.{pid}.tmp"
    try:
        # os.open and os.write, not open(): a file object costs more than the write itself.
        fd = os.open(tmp, _WRITE_FLAGS, 0o666)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _row_name(number: int, cells: dict[str, str]) -> str:
    """What a row's folder is named after: its client, else its contact, else its number."""
    for column in ("client", "contact"):
        if value := (cells.get(column) or "").strip():
            return value
    return f"row-{number}"


class _Plan(NamedTuple):
    """What a worker needs, with the renderer, to render its share of the rows."""

    source: Path
    encoding: str
    out_dir: Path
    documents: tuple[str, ...]
    fmt: str
    profile: Profile
    defaults: Defaults
    force: bool
    resume: bool


# Rows go through in chunks, one kind of work at a time: name and parse a chunk's rows, then
# render them, then write their files. Going row by row from one kind to the next was about
# a quarter slower (each pushes the others' code and data out of the processor's caches).
_CHUNK_ROWS = 64


def _work(plan: _Plan, renderer: FastRenderer, part: int, parts: int, failed_file: Path,
          tick: Callable[[], None]) -> Summary:  # fmt: skip
    """Render the rows whose position modulo `parts` is `part`; failures go to failed_file.

    Every worker reads the whole file and names every row's folder, so the names are the
    same whichever worker renders a row.
    """
    header, rows = read_rows(plan.source, plan.encoding)
    summary = Summary(ignored_columns=extra_columns(header))
    failures = _Failures(failed_file, [c for c in header if c] or list(COLUMNS))
    out_dir = str(plan.out_dir)
    extension = publish.EXTENSIONS[plan.fmt]
    names = [(d, f"{publish.FILE_STEMS[d]}.{extension}") for d in plan.documents]
    used: set[str] = set()
    pid = os.getpid()  # a system call: once, not for every file
    numbered = enumerate(rows)
    try:
        while chunk := list(itertools.islice(numbered, _CHUNK_ROWS * parts)):
            # 1. Name every row's folder; parse this worker's rows and make their folders.
            jobs = []
            for position, (number, cells) in chunk:
                slug = folder_name(_row_name(number, cells), used)
                if position % parts != part:
                    continue
                summary.rows += 1
                folder = os.path.join(out_dir, slug)
                try:
                    job = parse_row(number, cells, plan.defaults, plan.profile)
                    new, todo = _make_folder(folder, slug, names, plan)
                except RowError as error:
                    failures.add(number, cells, error)
                    tick()
                    continue
                if not todo:
                    summary.skipped += 1
                    tick()
                    continue
                jobs.append((number, cells, folder, new, job, todo))
            # 2. Render them, then 3. write their files. A row that fails, or a batch that
            # stops (PDF without WeasyPrint, a full disk), leaves no empty folder behind.
            files = []
            try:
                for number, cells, folder, new, job, todo in jobs:
                    done = []
                    try:
                        for document, name in todo:
                            data, missing = renderer.produce(document, plan.fmt, job)
                            done.append((folder, name, data))
                            summary.missing.update(missing)
                    except OutputError:
                        raise
                    except (RowError, BreakupError) as error:
                        failures.add(number, cells, error)
                        if new:
                            _remove_if_empty(folder)
                    else:
                        files += done
                        summary.written += 1
                    tick()
                for folder, name, data in files:
                    _write(folder, name, data, pid)
            except BaseException:
                for _number, _cells, folder, new, _job, _todo in jobs:
                    if new:
                        _remove_if_empty(folder)
                raise
            failures.flush()
    finally:
        failures.close()
    summary.failed = failures.count
    return summary


def _remove_if_empty(folder: str) -> None:
    with contextlib.suppress(OSError):  # one that holds files stays
        os.rmdir(folder)


class _Failures:
    """A worker's failed rows: their cells, number and reason, for its part of failed.csv.

    A chunk's rows fail in two stages (parsing, rendering): they are written at the end of
    the chunk, in row order, as failed.csv lists them.
    """

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.fields = [*columns, "row", "reason"]
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        self._handle: Any = None
        self._writer: Any = None

    def add(self, number: int, cells: dict[str, str], error: Exception) -> None:
        self._rows.append({**cells, "row": number, "reason": str(error)})
        self.count += 1

    def flush(self) -> None:
        if not self._rows:
            return
        if self._handle is None:  # opened on the first failure: most batches have none
            self._handle = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.DictWriter(self._handle, fieldnames=self.fields,
                                          extrasaction="ignore")  # fmt: skip
            self._writer.writeheader()
        self._writer.writerows(sorted(self._rows, key=lambda row: row["row"]))
        self._rows.clear()

    def close(self) -> None:
        self.flush()
        if self._handle is not None:
            self._handle.close()


def _make_folder(folder: str, slug: str, names: list[tuple[str, str]],
                 plan: _Plan) -> tuple[bool, list[tuple[str, str]]]:  # fmt: skip
    """Make a row's folder; return whether it is new and the documents to write into it.

    One mkdir tells whether the folder is new: a new one holds nothing to keep. In one that
    exists, --resume writes only the missing documents, --force overwrites, and otherwise
    any document already there is a RowError.
    """
    try:
        os.mkdir(folder)
        return True, names
    except FileExistsError:
        pass
    except OSError as error:
        raise OutputError(f"cannot create {folder}: {error.strerror}") from None
    if plan.force and not plan.resume:
        return False, names
    existing = [name for _d, name in names if os.path.exists(os.path.join(folder, name))]
    if plan.resume:
        return False, [(d, name) for d, name in names if name not in existing]
    if existing:
        raise RowError(
            f"{slug}/ already holds {', '.join(existing)}: pass --force to overwrite or "
            "--resume to skip finished rows"
        )
    return False, names


def worker_count(rows: int) -> int:
    """How many processes to render with: one per core for long files, where fork exists."""
    if not hasattr(os, "fork") or rows < 400:
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


def run(
    source: Path,
    out_dir: Path,
    *,
    documents: tuple[str, ...],
    fmt: str,
    profile: Profile,
    defaults: Defaults,
    force: bool = False,
    resume: bool = False,
    today: date | None = None,
    now: datetime | None = None,
    templates: Path | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Summary:
    """Render every row of `source` into `out_dir`; return what happened."""
    if fmt == "eml" and documents != ("email",):
        raise InputError("--format eml is for the email only: add --only email")
    encoding, lines = scan(source)
    header, _rows = read_rows(source, encoding)  # refuses a bad header before any work
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {out_dir}: {error.strerror}") from None
    plan = _Plan(source, encoding, out_dir, documents, fmt, profile, defaults, force, resume)
    now = now or datetime.now().astimezone()
    renderer = FastRenderer(profile, today=today or date.today(), now=now, templates=templates)
    parts = workers or worker_count(lines)
    part_files = [out_dir / f".failed.{os.getpid()}.{n}.tmp" for n in range(parts)]
    if parts == 1:
        summary = _work(plan, renderer, 0, 1, part_files[0],
                        lambda: progress(1) if progress else None)  # fmt: skip
    else:
        _prime(plan, renderer)
        summary = _fork_workers(plan, renderer, parts, part_files, progress)
    failed_path = out_dir / "failed.csv"
    if summary.failed:
        _merge_failures(part_files, failed_path, [c for c in header if c] or list(COLUMNS))
        summary.failed_path = failed_path
    else:
        failed_path.unlink(missing_ok=True)
    for part_file in part_files:
        part_file.unlink(missing_ok=True)
    return summary


def _prime(plan: _Plan, renderer: FastRenderer) -> None:
    """Render the first row once before the workers fork: they inherit what it loaded and
    built (templates, catalogs, locale data, its draft) instead of each doing it again."""
    _header, rows = read_rows(plan.source, plan.encoding)
    for number, cells in itertools.islice(rows, 1):
        with contextlib.suppress(RowError, BreakupError):  # its worker reports it
            job = parse_row(number, cells, plan.defaults, plan.profile)
            for document in plan.documents:
                renderer.produce(document, plan.fmt, job)


def _fork_workers(plan: _Plan, renderer: FastRenderer, parts: int, part_files: list[Path],
                  progress: Callable[[int], None] | None) -> Summary:  # fmt: skip
    """Render with one forked process per part; gather their summaries."""
    tick_read, tick_write = os.pipe()
    children = []
    for part in range(parts):
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            os.close(tick_read)
            os.close(result_read)
            _worker(plan, renderer, part, parts, part_files[part], tick_write, result_write)
        os.close(result_write)
        children.append((pid, result_read))
    os.close(tick_write)
    with os.fdopen(tick_read, "rb") as ticks:
        while chunk := ticks.read1(4096):
            if progress is not None:
                progress(len(chunk))
    summary = Summary(ignored_columns=[])
    errors = []
    for pid, result_read in children:
        with os.fdopen(result_read, encoding="utf-8") as handle:
            report = json.loads(handle.read() or '{"error": "a worker stopped"}')
        os.waitpid(pid, 0)
        if "error" in report:
            errors.append(report)
            continue
        summary.rows += report["rows"]
        summary.written += report["written"]
        summary.skipped += report["skipped"]
        summary.failed += report["failed"]
        summary.missing.update(report["missing"])
    if errors:
        first = errors[0]
        raise (OutputError if first.get("output") else BreakupError)(first["error"])
    return summary


def _worker(plan: _Plan, renderer: FastRenderer, part: int, parts: int, part_file: Path,
            tick_write: int, result_write: int) -> None:  # fmt: skip
    """A forked worker's life: render its rows, tick per row, report, exit."""
    code = 0
    counter = 0

    def tick() -> None:
        nonlocal counter
        counter += 1
        if counter % 32 == 0:
            os.write(tick_write, b"." * 32)

    try:
        done = _work(plan, renderer, part, parts, part_file, tick)
        os.write(tick_write, b"." * (counter % 32))
        report: dict[str, Any] = {
            "rows": done.rows, "written": done.written, "skipped": done.skipped,
            "failed": done.failed, "missing": sorted(done.missing),
        }  # fmt: skip
    except BaseException as error:  # reported to the parent, which raises it
        report = {"error": str(error) or type(error).__name__,
                  "output": isinstance(error, OutputError)}  # fmt: skip
        code = 1
    with os.fdopen(result_write, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(report))
    os._exit(code)


def _merge_failures(part_files: list[Path], target: Path, columns: list[str]) -> None:
    """Write failed.csv: the workers' failed rows, in file order, with one header."""
    import heapq

    fields = [*columns, "row", "reason"]
    handles = [path.open(encoding="utf-8", newline="") for path in part_files if path.exists()]
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        readers = [csv.DictReader(handle) for handle in handles]
        merged = heapq.merge(*readers, key=lambda row: int(row["row"]))
        with tmp.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(merged)
        os.replace(tmp, target)
    finally:
        for handle in handles:
            handle.close()

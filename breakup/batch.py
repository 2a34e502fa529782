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
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from breakup import catalog, models, publish, render
from breakup.errors import BreakupError, InputError, OutputError
from breakup.models import ClientFacts, Profile
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


@dataclass(frozen=True)
class Defaults:
    """What a row falls back to when its cell is empty: the batch's options.

    Fields: lang, locale, register, currency (each None when not given).
    """

    lang: str | None = None
    locale: str | None = None
    register: str | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Job:
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


@dataclass
class Summary:
    """What a batch did.

    Fields: rows (read), written (rows with documents written), skipped (rows already
    complete, with --resume), failed (rows with an error), failed_path (failed.csv, or None).
    """

    rows: int = 0
    written: int = 0
    skipped: int = 0
    failed: int = 0
    failed_path: Path | None = None
    missing: set[str] = field(default_factory=set)
    ignored_columns: list[str] = field(default_factory=list)


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
    from difflib import get_close_matches

    return name not in COLUMNS and bool(get_close_matches(name, COLUMNS, n=1, cutoff=0.8))


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
                    if not any(c.strip() for c in cells):
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


def _cell(cells: dict[str, str], name: str) -> str:
    return (cells.get(name) or "").strip()


@functools.lru_cache(maxsize=256)
def _locale(lang: str, locale: str, profile: Profile) -> tuple[str, str]:
    return render.resolve_locale(lang or None, locale or None, profile, os.environ)


@functools.lru_cache(maxsize=64)
def _currency(value: str) -> str:
    return models.parse_currency(value, "column currency")


def parse_row(number: int, cells: dict[str, str], defaults: Defaults, profile: Profile) -> Job:
    """Turn a row's cells into a job, or raise RowError with the reason."""
    if "_error" in cells:
        raise RowError(cells["_error"])
    archetype = _cell(cells, "archetype")
    ids = catalog.archetype_ids()
    if not archetype:
        raise RowError(f"archetype is empty: use one of {', '.join(ids)}")
    try:
        if archetype not in ids:
            raise InputError(f"unknown archetype {archetype!r}: choose one of {', '.join(ids)}")

        def text(name: str) -> str | None:
            value = _cell(cells, name)
            return models.single_line(value, f"column {name}") if value else None

        def parsed(name: str, parser: Callable[[str, str], Any]) -> Any:
            value = _cell(cells, name)
            return parser(value, f"column {name}") if value else None

        register_cell = _cell(cells, "register").lower()
        if register_cell and register_cell not in _REGISTERS:
            raise InputError(f"invalid register {register_cell!r}: use formal or informal")
        register = _REGISTERS.get(register_cell) or defaults.register
        currency = _cell(cells, "currency")
        lang, locale = _locale(
            _cell(cells, "lang") or defaults.lang or "",
            _cell(cells, "locale") or defaults.locale or "",
            profile,
        )
        facts = ClientFacts(
            client=text("client"),
            contact=text("contact"),
            client_email=parsed("client_email", models.parse_email),
            end_date=parsed("end_date", models.parse_date),
            pay_by=parsed("pay_by", models.parse_date),
            outstanding=parsed("outstanding", models.parse_amount),
            currency=_currency(currency) if currency else defaults.currency,
            service=text("service"),
        )
    except BreakupError as error:
        raise RowError(str(error)) from None
    name = facts.client or facts.contact or f"row-{number}"
    return Job(number, archetype, facts, lang, locale, register, name)


# --- rendering many rows fast ------------------------------------------------------------------


def _token(key: str, prefix: str = "") -> str:
    return f"{_FIRST}{prefix}{key}{_LAST}"


def _strip_controls(text: str) -> str:
    return str(catalog._strip_controls(text))


@dataclass(frozen=True)
class _Skeleton:
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
        self._date_header = ""

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
        plain = self._render_with(document, fmt, job, register, prefix, "", standalone)
        padded = self._render_with(document, fmt, job, register, prefix, _PAD, standalone)

        # Safe only if the stand-ins go through untouched: nothing measured, counted, cut or
        # changed them (a title underlined to its length, a speaking time counted in words),
        # so any value can take their place. The padded stand-ins are long and many words.
        def widen(text: str) -> str:
            return _TOKEN.sub(lambda m: f"{_FIRST}{m.group(1)}{_PAD}{_LAST}", text)

        if widen(plain.body) != padded.body or widen(plain.subject) != padded.subject:
            return None
        keys = frozenset(m.group(1) for m in _TOKEN.finditer(plain.body + plain.subject))
        return _Skeleton(plain.body, plain.subject, plain.missing, keys)

    def _values(self, job: Job, keys: frozenset[str], fmt: str, prefix: str) -> dict[str, str]:
        plain = self._plain_values(job, frozenset(key[len(prefix) :] for key in keys))
        raw = {key: plain[key[len(prefix) :]] for key in keys}
        return self._escaped(raw, fmt, prefix)

    def _plain_values(self, job: Job, names: frozenset[str]) -> dict[str, str]:
        """The per-row values by stand-in name, before any escaping."""
        facts = job.facts
        locale = job.locale
        base = facts.end_date or self.today
        raw: dict[str, str] = {}
        for name in names:
            key = name
            if name == "c":
                raw[key] = facts.client or ""
            elif name == "p":
                raw[key] = facts.contact or ""
            elif name == "f":
                raw[key] = (facts.contact or "").split(maxsplit=1)[0]
            elif name == "s":
                raw[key] = facts.service or ""
            elif name == "e":
                raw[key] = _long_date(facts.end_date, locale)
            elif name == "y":
                raw[key] = _long_date(facts.pay_by or facts.end_date, locale)
            elif name == "o":
                raw[key] = _money(facts.outstanding, facts.currency or self.profile.currency
                                  or render.DEFAULT_CURRENCY, locale)  # fmt: skip
            else:
                raw[key] = _long_date(base + timedelta(days=int(name[1:])), locale)
        return raw

    @staticmethod
    def _escaped(raw: dict[str, str], fmt: str, prefix: str) -> dict[str, str]:
        for key, value in raw.items():
            if _CONTROL_CHARS.search(value):
                value = _strip_controls(value)
            if fmt == "md" and key[len(prefix) :] in _USER_KEYS:
                value = render._md_escape(value)
            elif fmt == "html" and _HTML_SPECIAL.search(value):
                value = _html_escape(value)
            raw[key] = value
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
                    values = self._values(job, skeleton.keys, fmt, "")
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
            text = self._skeleton("email", "text", job, register, "t", standalone=False)
            html = self._skeleton("email", "html", job, register, "h", standalone=False)
            if text is None or html is None:
                self._drafts[key] = None
            else:
                from email.message import EmailMessage
                from email.policy import SMTP

                message = EmailMessage(policy=SMTP)
                message.set_content(text.text, charset="utf-8", cte="8bit")
                message.add_alternative(html.text, subtype="html", charset="utf-8", cte="8bit")
                body = message.as_bytes()
                keys = frozenset(m.group(1).decode() for m in _TOKEN_BYTES.finditer(body))
                # The subject's stand-ins are text ones, whether or not the body has them.
                keys |= frozenset(_TOKEN.findall(text.subject))
                text_keys = frozenset(k for k in keys if k.startswith("t"))
                # The body cut at its stand-ins: odd pieces are stand-in names, filled per row.
                pieces = _TOKEN_BYTES.split(body)
                self._drafts[key] = _Draft(
                    body=body,
                    pieces=tuple(pieces),
                    slots=tuple((i, pieces[i].decode()) for i in range(1, len(pieces), 2)),
                    names=frozenset(k[1:] for k in keys),
                    subject=text.subject,
                    missing=text.missing,
                    longest=max(len(line) for line in body.split(b"\r\n")),
                    text_keys=text_keys,
                    html_keys=keys - text_keys,
                )
        return self._drafts[key]

    def _fill_draft(self, job: Job, draft: _Draft) -> tuple[bytes, tuple[str, ...]]:
        from email.utils import make_msgid

        plain = self._plain_values(job, draft.names)
        values = self._escaped({k: plain[k[1:]] for k in draft.text_keys}, "text", "t")
        values.update(self._escaped({k: plain[k[1:]] for k in draft.html_keys}, "html", "h"))
        encoded = {k: v.encode("utf-8") for k, v in values.items()}
        if draft.longest + sum(len(v) for v in encoded.values()) > 990:
            raise _SlowPath
        pieces = list(draft.pieces)
        for index, key in draft.slots:
            pieces[index] = encoded[key]
        filled = b"".join(pieces)
        subject_text = _TOKEN.sub(lambda m: values[m.group(1)], draft.subject)
        missing = draft.missing
        facts = job.facts
        sender = self.profile.sender
        headers = []
        if sender.email:
            headers.append("From: " + self._from_header())
        if facts.client_email:
            headers.append("To: " + _address(facts.contact or facts.client or "",
                                             facts.client_email))  # fmt: skip
        headers.append("Subject: " + _subject_header(subject_text))
        headers.append("Date: " + self._date())
        domain = sender.email.rpartition("@")[2] if sender.email else "breakup.invalid"
        headers.append("Message-ID: " + make_msgid(domain=domain))
        headers.append("X-Unsent: 1")
        missing = missing + ("client_email",) * (not facts.client_email)
        return ("\r\n".join(headers) + "\r\n").encode("ascii") + filled, missing

    @functools.cache  # noqa: B019 - one renderer per batch, kept for its whole run
    def _from_header(self) -> str:
        sender = self.profile.sender
        try:
            return _address(sender.name or sender.company, sender.email)
        except _SlowPath:
            from email.headerregistry import Address
            from email.policy import SMTP

            local, _, domain = sender.email.rpartition("@")
            header = SMTP.header_factory("From", Address(sender.name, local, domain))
            return str(header.fold(policy=SMTP)).split(":", 1)[1].strip()

    def _date(self) -> str:
        if not self._date_header:
            from email.utils import format_datetime

            self._date_header = format_datetime(self.now)
        return self._date_header


@dataclass(frozen=True)
class _Draft:
    """An .eml draft with stand-ins, as the email package wrote it, ready to fill in."""

    body: bytes
    pieces: tuple[bytes, ...]
    slots: tuple[tuple[int, str], ...]
    names: frozenset[str]
    subject: str
    missing: tuple[str, ...]
    longest: int
    text_keys: frozenset[str]
    html_keys: frozenset[str]


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
    from markupsafe import escape

    return str(escape(text))


# Names the quick header encoding renders exactly as the email package's header registry
# does; any other (unusual spaces, symbols) takes the ordinary path.
_PLAIN_NAME = re.compile(r"[\w .,'&()-]*")


def _address(name: str, email: str) -> str:
    from email.utils import formataddr

    if not _PLAIN_NAME.fullmatch(name):
        raise _SlowPath
    return formataddr((name, email), charset=_header_charset())


@functools.cache
def _header_charset() -> Any:
    """UTF-8 with base64 encoded words: the email package then skips weighing Q against B."""
    from email import charset

    utf8 = charset.Charset("utf-8")
    utf8.header_encoding = charset.BASE64
    return utf8


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


def _write(path: str, data: bytes) -> None:
    """Write a file whole: a temporary file beside it, then a rename."""
    folder, name = os.path.split(path)
    tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _row_name(number: int, cells: dict[str, str]) -> str:
    """What a row's folder is named after: its client, else its contact, else its number."""
    return _cell(cells, "client") or _cell(cells, "contact") or f"row-{number}"


@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs to render its share of the rows."""

    source: Path
    encoding: str
    out_dir: Path
    documents: tuple[str, ...]
    fmt: str
    profile: Profile
    defaults: Defaults
    force: bool
    resume: bool
    today: date
    now: datetime
    templates: Path | None


def _work(plan: _Plan, part: int, parts: int, failed_file: Path,
          tick: Callable[[], None]) -> Summary:  # fmt: skip
    """Render the rows whose position modulo `parts` is `part`; failures go to failed_file.

    Every worker reads the whole file and names every row's folder, so the names are the
    same whichever worker renders a row.
    """
    header, rows = read_rows(plan.source, plan.encoding)
    renderer = FastRenderer(plan.profile, today=plan.today, now=plan.now,
                            templates=plan.templates)  # fmt: skip
    extension = publish.EXTENSIONS[plan.fmt]
    summary = Summary(ignored_columns=extra_columns(header))
    used: set[str] = set()
    failed_handle = None
    columns = [c for c in header if c] or list(COLUMNS)
    try:
        out_dir = str(plan.out_dir)
        names = [(d, f"{publish.FILE_STEMS[d]}.{extension}") for d in plan.documents]
        for position, (number, cells) in enumerate(rows):
            slug = folder_name(_row_name(number, cells), used)
            if position % parts != part:
                continue
            summary.rows += 1
            folder = os.path.join(out_dir, slug)
            try:
                job = parse_row(number, cells, plan.defaults, plan.profile)
                targets = [(d, os.path.join(folder, name)) for d, name in names]
                if os.path.isdir(folder):  # a new folder holds nothing: no need to look
                    if plan.resume:
                        targets = [(d, path) for d, path in targets if not os.path.exists(path)]
                        if not targets:
                            summary.skipped += 1
                            continue
                    elif not plan.force:
                        existing = [name for (_d, name), (_e, path) in zip(names, targets,
                                    strict=True) if os.path.exists(path)]  # fmt: skip
                        if existing:
                            raise RowError(
                                f"{slug}/ already holds {', '.join(existing)}: pass --force "
                                "to overwrite or --resume to skip finished rows"
                            )
                outputs = []
                for document, path in targets:
                    data, missing = renderer.produce(document, plan.fmt, job)
                    outputs.append((path, data))
                    summary.missing.update(missing)
                os.makedirs(folder, exist_ok=True)
                for path, data in outputs:
                    _write(path, data)
                summary.written += 1
            except (RowError, BreakupError) as error:
                if isinstance(error, OutputError):
                    raise
                summary.failed += 1
                if failed_handle is None:
                    failed_handle = failed_file.open("w", encoding="utf-8", newline="")
                    writer = csv.DictWriter(failed_handle, fieldnames=[*columns, "row", "reason"],
                                            extrasaction="ignore")  # fmt: skip
                    writer.writeheader()
                writer.writerow({**cells, "row": number, "reason": str(error)})
            finally:
                tick()
    finally:
        if failed_handle is not None:
            failed_handle.close()
    return summary


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
    plan = _Plan(source, encoding, out_dir, documents, fmt, profile, defaults, force, resume,
                 today or date.today(), now or datetime.now().astimezone(), templates)  # fmt: skip
    parts = workers or worker_count(lines)
    part_files = [out_dir / f".failed.{os.getpid()}.{n}.tmp" for n in range(parts)]
    if parts == 1:
        summary = _work(plan, 0, 1, part_files[0], lambda: progress(1) if progress else None)
    else:
        summary = _fork_workers(plan, parts, part_files, progress)
    failed_path = out_dir / "failed.csv"
    if summary.failed:
        _merge_failures(part_files, failed_path, [c for c in header if c] or list(COLUMNS))
        summary.failed_path = failed_path
    else:
        failed_path.unlink(missing_ok=True)
    for part_file in part_files:
        part_file.unlink(missing_ok=True)
    return summary


def _fork_workers(plan: _Plan, parts: int, part_files: list[Path],
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
            _worker(plan, part, parts, part_files[part], tick_write, result_write)
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


def _worker(plan: _Plan, part: int, parts: int, part_file: Path, tick_write: int,
            result_write: int) -> None:  # fmt: skip
    """A forked worker's life: render its rows, tick per row, report, exit."""
    code = 0
    counter = 0

    def tick() -> None:
        nonlocal counter
        counter += 1
        if counter % 32 == 0:
            os.write(tick_write, b"." * 32)

    try:
        done = _work(plan, part, parts, part_file, tick)
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

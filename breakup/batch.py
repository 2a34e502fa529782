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
import csv
import functools
import io
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
FILE_STEMS = {
    "email": "email",
    "script": "call-script",
    "referral": "referral-letter",
    "notes": "follow-up-notes",
}
_REGISTERS = {"formal": "formal", "usted": "formal", "informal": "informal", "tu": "informal",
              "tú": "informal"}  # fmt: skip
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip
# A value this long, or holding the stand-in characters, renders the ordinary way.
_FAST_VALUE_LIMIT = 200
_FIRST, _LAST = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}")
_TOKEN_BYTES = re.compile(f"{_FIRST}([a-z0-9]+){_LAST}".encode())
_USER_KEYS = ("c", "p", "f", "s")  # client, contact, first name, service: typed by the user


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
    # The delimiter is the one the header row uses most: , or ; (Excel in many locales) or tab.
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    handle = path.open(encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        header = [_column(h) for h in next(reader)]
    except StopIteration:
        handle.close()
        raise InputError(f"{path} is empty: the first row must name the columns") from None
    except csv.Error as error:
        handle.close()
        raise InputError(f"{path}: cannot read the header row: {error}") from None
    # A column that looks like a misspelt one is an error; any other is the spreadsheet's own
    # (a CRM export has many) and is left alone.
    problems = [_unknown_column(h, path.name) for h in header if h and _misspelt(h)]
    if problems or "archetype" not in header:
        handle.close()
        raise InputError(
            problems[0]
            if problems
            else f"{path} has no 'archetype' column: add one (the columns are {', '.join(COLUMNS)})"
        )

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        with handle:
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
        self._drafts: dict[tuple[Any, ...], tuple[bytes, str, tuple[str, ...], int] | None] = {}
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
        padded = self._render_with(document, fmt, job, register, prefix, "zq" * 7, standalone)

        # Safe only if the stand-ins go through untouched: no filter measured, cut or changed
        # them (a title underlined to its length, say), so any value can take their place.
        def widen(text: str) -> str:
            return _TOKEN.sub(lambda m: f"{_FIRST}{m.group(1)}{'zq' * 7}{_LAST}", text)

        if widen(plain.body) != padded.body or widen(plain.subject) != padded.subject:
            return None
        keys = frozenset(m.group(1) for m in _TOKEN.finditer(plain.body + plain.subject))
        return _Skeleton(plain.body, plain.subject, plain.missing, keys)

    def _values(self, job: Job, keys: frozenset[str], fmt: str, prefix: str) -> dict[str, str]:
        facts = job.facts
        locale = job.locale
        base = facts.end_date or self.today
        raw: dict[str, str] = {}
        for key in keys:
            name = key[len(prefix) :]
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
        for key, value in raw.items():
            value = _strip_controls(value)
            if fmt == "md" and key[len(prefix) :] in _USER_KEYS:
                value = render._md_escape(value)
            elif fmt == "html":
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
    def _draft(self, job: Job, register: str) -> tuple[bytes, str, tuple[str, ...], int] | None:
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
                longest = max(len(line) for line in body.split(b"\r\n"))
                self._drafts[key] = (body, text.subject, text.missing, longest)
        return self._drafts[key]

    def _fill_draft(self, job: Job, draft: tuple[bytes, str, tuple[str, ...], int]
                    ) -> tuple[bytes, tuple[str, ...]]:  # fmt: skip
        from email.utils import make_msgid

        body, subject, missing, longest = draft
        keys = frozenset(m.group(1).decode() for m in _TOKEN_BYTES.finditer(body))
        text_keys = frozenset(k for k in keys if k.startswith("t"))
        values = self._values(job, text_keys, "text", "t")
        values.update(self._values(job, keys - text_keys, "html", "h"))
        encoded = {k.encode(): v.encode("utf-8") for k, v in values.items()}
        if longest + sum(len(v) for v in encoded.values()) > 990:
            raise _SlowPath
        filled = _TOKEN_BYTES.sub(lambda m: encoded[m.group(1)], body)
        subject_values = self._values(job, frozenset(_TOKEN.findall(subject)), "text", "t")
        subject_text = _TOKEN.sub(lambda m: subject_values[m.group(1)], subject)
        facts = job.facts
        sender = self.profile.sender
        headers = []
        if sender.email:
            headers.append("From: " + _address(sender.name or sender.company, sender.email))
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

    def _date(self) -> str:
        if not self._date_header:
            from email.utils import format_datetime

            self._date_header = format_datetime(self.now)
        return self._date_header


class _SlowPath(Exception):
    """This row's draft renders the ordinary way."""


@functools.lru_cache(maxsize=4096)
def _long_date(value: date | None, locale: str) -> str:
    return render._format_date(value, locale) if value else ""


@functools.lru_cache(maxsize=4096)
def _money(value: Decimal | None, currency: str, locale: str) -> str:
    return render._format_money(value, currency, locale) if value is not None else ""


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
    return formataddr((name, email), charset="utf-8")


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


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


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
) -> Summary:
    """Render every row of `source` into `out_dir`; return what happened."""
    if fmt == "eml" and documents != ("email",):
        raise InputError("--format eml is for the email only: add --only email")
    encoding, _lines = scan(source)
    header, rows = read_rows(source, encoding)
    renderer = FastRenderer(
        profile,
        today=today or date.today(),
        now=now or datetime.now().astimezone(),
        templates=templates,
    )
    extension = publish.EXTENSIONS[fmt]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create {out_dir}: {error.strerror}") from None
    summary = Summary(ignored_columns=extra_columns(header))
    used: set[str] = set()
    failed_tmp = out_dir / f".failed.csv.{os.getpid()}.tmp"
    failed_writer = None
    failed_handle: io.TextIOWrapper | None = None
    try:
        for number, cells in rows:
            summary.rows += 1
            try:
                job = parse_row(number, cells, defaults, profile)
                folder = out_dir / folder_name(job.name, used)
                targets = [(doc, folder / f"{FILE_STEMS[doc]}.{extension}") for doc in documents]
                todo = targets
                if resume:
                    todo = [(doc, path) for doc, path in targets if not path.exists()]
                    if not todo:
                        summary.skipped += 1
                        continue
                elif not force:
                    existing = [path.name for _doc, path in targets if path.exists()]
                    if existing:
                        raise RowError(
                            f"{folder.name}/ already holds {', '.join(existing)}: pass --force "
                            "to overwrite or --resume to skip finished rows"
                        )
                outputs = []
                for doc, path in todo:
                    data, missing = renderer.produce(doc, fmt, job)
                    outputs.append((path, data))
                    summary.missing.update(missing)
                folder.mkdir(exist_ok=True)
                for path, data in outputs:
                    _write(path, data)
                summary.written += 1
            except (RowError, BreakupError) as error:
                if isinstance(error, OutputError):
                    raise
                summary.failed += 1
                if failed_writer is None:
                    failed_handle = failed_tmp.open("w", encoding="utf-8", newline="")
                    columns = [c for c in header if c] or list(COLUMNS)
                    failed_writer = csv.DictWriter(
                        failed_handle,
                        fieldnames=[*columns, "row", "reason"],
                        extrasaction="ignore",
                    )
                    failed_writer.writeheader()
                failed_writer.writerow({**cells, "row": number, "reason": str(error)})
            finally:
                if progress is not None:
                    progress(1)
    finally:
        if failed_handle is not None:
            failed_handle.close()
    failed_path = out_dir / "failed.csv"
    if summary.failed:
        os.replace(failed_tmp, failed_path)
        summary.failed_path = failed_path
    else:
        failed_path.unlink(missing_ok=True)
    return summary

"""The clients file of a batch: read it as a stream (CSV or JSON Lines), one row a job.

CSV in UTF-8 (with or without BOM) or Windows-1252, its delimiter found from the header row;
columns named like the options; a misspelt column refused, any other left alone.
"""

from __future__ import annotations

import codecs
import csv
import functools
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from breakup import catalog, models, render
from breakup.errors import BreakupError, InputError
from breakup.models import ClientFacts, Profile

COLUMNS = (
    "archetype", "client", "contact", "client_email", "lang", "locale", "end_date", "pay_by",
    "outstanding", "currency", "service", "register",
)  # fmt: skip
_REGISTERS = {"formal": "formal", "usted": "formal", "informal": "informal", "tu": "informal",
              "tú": "informal"}  # fmt: skip


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

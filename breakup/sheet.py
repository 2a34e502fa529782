"""The clients file of a batch, read as a stream: CSV (as a spreadsheet saves it) or JSON Lines.

CSV in UTF-8 (with or without BOM) or Windows-1252, its delimiter found from the header row;
columns named like the options (breakup.facts), plus archetype, id, lang, locale and register.
A problem with the whole file (its header, its encoding) is an InputError; a problem with one
row makes that row fail, with its reason, and the others are still read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, NamedTuple

from breakup import facts
from breakup.errors import InputError
from breakup.i18n import _

# The columns a batch reads; any other column is left alone.
SETTINGS = ("archetype", "id", "lang", "locale", "register")
COLUMNS = (*SETTINGS, *(f.name for f in facts.FACTS))
# failed.csv's own columns: the row number in the first file, and why the row failed. Named
# so that no column of the user's (a "row", a "reason") is taken for them.
ROW, REASON = "breakup_row", "breakup_reason"
ALIASES = {"invoices": "invoice", "email": "client_email", "end": "end_date"}
# A cell longer than this is not a value a client document needs.
MAX_CELL = 20_000
# A row (a line of JSON Lines) longer than this is not one client: the file is refused, before
# anything is written, instead of being read into memory whole.
MAX_ROW = 4_000_000
_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")
# The facts by column name, and the kinds whose cell is text a document prints as it is.
_FACTS = {fact.name: fact for fact in facts.FACTS}
_TEXT_KINDS = ("text", "email", "relation")


class Source(NamedTuple):
    """A clients file, as found. Fields: path, kind ("csv" or "jsonl"), encoding, bom,
    delimiter, header (the columns, named as breakup reads them), lines (to size a bar),
    names (the header as written, for the failed file)."""

    path: Path
    kind: str
    encoding: str
    bom: bool
    delimiter: str
    header: list[str]
    lines: int
    names: tuple[str, ...] = ()


class Failed(NamedTuple):
    """A row that failed, as its failed file keeps it. Fields: number, label (who it was for),
    reasons, cells, raw (the original line of a JSON Lines row), values (a CSV row's cells in
    order, unnamed columns included)."""

    number: int
    label: str
    reasons: list[str]
    cells: dict[str, str]
    raw: str
    values: tuple[str, ...] = ()


class Row(NamedTuple):
    """One row. Fields: number (its row number: the spreadsheet's, header = 1, or the `row`
    of a failed.csv it came from), position (its place in this file), cells (by column;
    empty cells as ""), raw (the original text of the line, for JSON Lines), problem (why it
    cannot be read, or ""), hint (what may explain a failure: more values than columns),
    values (a CSV row's cells in order, unnamed columns included)."""

    number: int
    position: int
    cells: dict[str, str]
    raw: str
    problem: str
    hint: str = ""
    values: tuple[str, ...] = ()


def column_name(name: str) -> str:
    text = name.strip().lower().replace(" ", "_").replace("-", "_")
    return ALIASES.get(text, text)


def _misspelt(name: str) -> str | None:
    if name in COLUMNS or name in (ROW, REASON):
        return None
    from difflib import get_close_matches

    close = get_close_matches(name, COLUMNS, n=1, cutoff=0.8)
    return close[0] if close else None


def open_source(path: Path) -> Source:
    """Find a file's kind, encoding and delimiter, and check its header."""
    from breakup.inputs import check_file

    check_file(path)  # a folder, a device, a pipe (it cannot be read twice): said as such
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
            lines = head.count(b"\n")
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
    except OSError as error:
        raise InputError(
            _("cannot read {path}: {reason}").format(path=path, reason=error.strerror)
        ) from None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:200].count(b"\0") > 10:
        raise InputError(
            _(
                "{path} is UTF-16 text: save it as 'CSV UTF-8' (or 'CSV (semicolon delimited)') "
                "and try again"
            ).format(path=path)
        )
    bom = head.startswith(codecs.BOM_UTF8)
    encoding = "utf-8-sig" if bom else _guess_encoding(path)
    if path.suffix.lower() == ".jsonl":
        return Source(path, "jsonl", "utf-8-sig", bom, ",", list(COLUMNS), lines)
    with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
        header_line = next(_bounded(handle, path, {"number": 1, "read": 0}), "")
    if not header_line.strip():
        raise InputError(
            _("{path} is empty: the first row must name the columns").format(path=path)
        )
    delimiter = _delimiter(header_line)
    names = tuple(next(csv.reader([header_line], delimiter=delimiter)))
    header = [column_name(h) for h in names]
    _check_header(header, path)
    return Source(path, "csv", encoding, bom, delimiter, header, lines, names)


def _guess_encoding(path: Path) -> str:
    """UTF-8 unless the file is not UTF-8 anywhere but is Windows-1252 (as Excel saves it).

    A file that is UTF-8 except for a stray byte stays UTF-8: the row holding the byte fails
    and says so, instead of every letter of every row turning into mojibake.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid_multibyte = invalid = False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            try:
                decoder.decode(chunk)
                valid_multibyte = valid_multibyte or any(b >= 0xC2 for b in chunk)
            except UnicodeDecodeError:
                invalid = True
                text = chunk.decode("utf-8", errors="replace")
                valid_multibyte = valid_multibyte or any(
                    ord(c) > 0x7F and c != "\ufffd" for c in text
                )
                decoder = codecs.getincrementaldecoder("utf-8")()
    if not invalid or valid_multibyte:
        return "utf-8"
    return "cp1252"


def _delimiter(header: str) -> str:
    """The delimiter the header row uses most, outside quotes: , or ; (Excel) or tab."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d])


def _check_header(header: list[str], path: Path) -> None:
    seen: dict[str, int] = {}
    for index, name in enumerate(header, 1):
        if not name:
            continue
        if name in seen:
            raise InputError(
                _(
                    "{path}: the column {name!r} appears twice in the header (columns {first} and "
                    "{second}): keep one"
                ).format(path=path.name, name=name, first=seen[name], second=index)
            )
        seen[name] = index
        close = _misspelt(name)
        if close:
            raise InputError(
                _("unknown column {name!r} in {path}: did you mean {close!r}?").format(
                    name=name, path=path.name, close=close
                )
            )
    if "archetype" not in header:
        raise InputError(
            _("{path} has no 'archetype' column: add one (the columns are {columns})").format(
                path=path.name, columns=", ".join(COLUMNS)
            )
        )


def rows(source: Source) -> Iterator[Row]:
    """Yield the rows of a file, one at a time; a row that cannot be read carries why."""
    if source.kind == "jsonl":
        yield from _jsonl_rows(source)
    else:
        yield from _csv_rows(source)


def _bad_bytes(text: str) -> str:
    found = re.search(r"[\udc80-\udcff]", text)
    if not found:
        return ""
    byte = ord(found.group()) - 0xDC00
    return _(
        "this row holds a byte that is not UTF-8 (0x{byte:02X}) while the rest of the file is: "
        "save the file as 'CSV UTF-8' and try again"
    ).format(byte=byte)


def _cell(value: str) -> str:
    # A cell failed.csv neutralized for spreadsheets ("'=...") reads back as typed.
    return _FORMULA.sub("", value)


def _bounded(handle: IO[str], path: Path, row: dict[str, int]) -> Iterator[str]:
    """The lines of a file, none read past MAX_ROW characters, and no row longer than that
    either (a cell may hold line breaks). row: the number of the row being read ("number"),
    and the characters read of it ("read"), which the reader sets to 0 at each new row."""
    while line := handle.readline(MAX_ROW + 1):
        row["read"] += len(line)
        if row["read"] > MAX_ROW:
            raise InputError(
                _(
                    "{path}: row {number} is longer than {limit:,} characters: a row is one "
                    "client; check that this is the right file, or for a quote left open"
                ).format(path=path, number=row["number"], limit=MAX_ROW)
            )
        yield line


def _csv_rows(source: Source) -> Iterator[Row]:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))
    header = source.header
    with source.path.open(encoding=source.encoding, errors="surrogateescape", newline="") as handle:
        # A row's number is the spreadsheet's (the header is row 1), counting blank rows, and
        # a cell that holds line breaks as one row.
        row = {"number": 1, "read": 0}
        reader = csv.reader(_bounded(handle, source.path, row), delimiter=source.delimiter)
        next(reader, None)
        position = 0
        record = 1
        while True:
            record += 1
            row.update(number=record, read=0)
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                position += 1
                yield Row(
                    record,
                    position,
                    {},
                    "",
                    _("cannot read the row: {problem}").format(problem=error),
                )
                continue
            if not "".join(cells).strip():
                continue
            position += 1
            cells = [_cell(value) for value in cells]
            values = {name: value for name, value in zip(header, cells, strict=False) if name}
            number = _number(values.get(ROW, ""), record)
            problem = hint = ""
            if len(cells) > len(header):
                hint = _(
                    "the row has {cells} values but the header has {columns} columns: a value "
                    "holding the delimiter {delimiter!r} must be in quotes"
                ).format(cells=len(cells), columns=len(header), delimiter=source.delimiter)
                if any(c.strip() for c in cells[len(header) :]):
                    problem, hint = hint, ""
            if not problem and any(len(v) > MAX_CELL for v in values.values()):
                problem = _("a cell is longer than {limit:,} characters").format(limit=MAX_CELL)
            problem = problem or _bad_bytes("".join(cells))
            yield Row(number, position, values, "", problem, hint, tuple(cells))


def _number(value: str, fallback: int) -> int:
    text = value.strip()
    return int(text) if text.isdigit() and len(text) < 10 else fallback


class _JsonObject(dict[str, object]):
    """A JSON object that remembers the first key its line gave twice (json keeps the last)."""

    def __init__(self, pairs: list[tuple[str, object]]) -> None:
        super().__init__(pairs)
        self.repeated = ""
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                self.repeated = key
                break
            seen.add(key)


class _Pairs(list[tuple[str, object]]):
    """A JSON object read as its pairs, in order (a repeated key kept)."""


class _Number(str):
    """A JSON number as the line wrote it ("1e400" stays 1e400, never Infinity)."""


class _NotJson(ValueError):
    """NaN or Infinity in a line: not JSON (RFC 8259), though Python's reader takes them."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.msg = _("{name} is not a JSON value").format(name=name)


def _refuse_constant(name: str) -> object:
    """Refuse NaN and Infinity while reading a row: a client called "nan" reached a folder
    name and a script's title (a round-31 red team)."""
    raise _NotJson(name)


def _no_constant(name: str) -> object:
    """NaN and Infinity are not JSON: a line that has one is written back as its text."""
    raise ValueError(name)


def _json_object(pairs: list[tuple[str, object]], ascii_only: bool) -> str:
    """A JSON object written from its pairs, in order, a repeated key included; objects
    inside it are written the same way."""

    def value(item: object) -> str:
        if isinstance(item, _Pairs):
            return _json_object(item, ascii_only)
        if isinstance(item, list):
            return "[" + ", ".join(value(v) for v in item) + "]"
        if isinstance(item, _Number):
            return str.__str__(item)
        return json.dumps(item, ensure_ascii=ascii_only)

    items = (f"{json.dumps(key, ensure_ascii=ascii_only)}: {value(v)}" for key, v in pairs)
    return "{" + ", ".join(items) + "}"


def _jsonl_rows(source: Source) -> Iterator[Row]:
    with source.path.open(encoding="utf-8-sig", errors="surrogateescape") as handle:
        position = 0
        row = {"number": 1, "read": 0}
        for line_number, line in enumerate(_bounded(handle, source.path, row), 1):
            row.update(number=line_number + 1, read=0)
            if not line.strip():
                continue
            position += 1
            raw = line.rstrip("\r\n")
            problem = _bad_bytes(raw)
            if problem:
                yield Row(line_number, position, {}, raw, problem)
                continue
            try:
                # A number with a fraction is kept exact (1.234 is not 1.2339999...).
                data = json.loads(
                    line,
                    parse_float=Decimal,
                    parse_constant=_refuse_constant,
                    object_pairs_hook=_JsonObject,
                )
            except (ValueError, RecursionError) as error:
                # A JSONDecodeError says where; a ValueError is a number over Python's 4,300
                # digits; a RecursionError, nesting too deep.
                nested = isinstance(error, RecursionError)
                reason = getattr(error, "msg", None) or (
                    "too deeply nested" if nested else "a number too long"
                )
                yield Row(
                    line_number,
                    position,
                    {},
                    raw,
                    _("invalid JSON: {problem}").format(problem=reason),
                )
                continue
            if not isinstance(data, dict):
                yield Row(line_number, position, {}, raw, _("each line must be a JSON object"))
                continue
            cells: dict[str, str] = {}
            # A key given twice ("client" and "Client", or the same one twice) would keep one
            # of the two values without a word: the row is refused, naming both.
            repeated = getattr(data, "repeated", "")
            problem = (
                _("the key {key!r} is given twice: keep one").format(key=repeated)
                if repeated
                else ""
            )
            given: dict[str, str] = {}
            for key, value in data.items():
                name = column_name(str(key))
                if name in given and not problem:
                    problem = _(
                        "the keys {first!r} and {second!r} name the same column: keep one"
                    ).format(first=given[name], second=str(key))
                given.setdefault(name, str(key))
                close = _misspelt(name)
                if close and not problem:
                    problem = _("unknown key {name!r}: did you mean {close!r}?").format(
                        name=str(key), close=close
                    )
                # Text, a number, true/false or a list of those: an object or a nested list
                # would reach the client's documents as Python's own notation.
                items = value if isinstance(value, list) else [value]
                if any(isinstance(v, (dict, list)) for v in items) and not problem:
                    problem = _(
                        "the value of {name!r} is an object or a nested list: give text, a "
                        "number or a list of texts"
                    ).format(name=str(key))
                fact = _FACTS.get(name)
                # true/false where a setting, a text, an amount or a date goes: "id": false
                # named a folder "false" (a round-36 red team), "invalid amount 'True'" a value
                # nobody typed (round 34), "Dear True," reached a greeting (round 25).
                boolean = any(isinstance(v, bool) for v in items) and (
                    name in SETTINGS or (fact is not None and fact.kind != "flag")
                )
                wanted = {
                    "amount": _("an amount"),
                    "date": _("a date"),
                    "days": _("a number of days"),
                    "hours": _("a number of hours"),
                    "currency": _("a currency code"),
                }.get(fact.kind if fact is not None else "")
                if problem:
                    pass
                elif fact is not None and isinstance(value, list) and not fact.repeat:
                    # One line of text in a one-value column: "Ana | Bob" reached a client's
                    # greeting (a red-team finding of round 25).
                    problem = _(
                        "the value of {name!r} is a list: this column takes one value"
                    ).format(name=str(key))
                elif boolean and wanted:
                    problem = _("the value of {name!r} is true or false: give {what}").format(
                        name=str(key), what=wanted
                    )
                elif boolean:
                    problem = _("the value of {name!r} is true or false: give it as text").format(
                        name=str(key)
                    )
                elif (
                    fact is not None
                    and fact.kind in _TEXT_KINDS
                    and any(isinstance(v, (int, Decimal, float)) for v in items)
                ):
                    # 12.50 would be written "12.5", 1e400 "1E+400" (a round-31 red team).
                    problem = _(
                        "the value of {name!r} is a number: give it as text, in quotes"
                    ).format(name=str(key))
                over = [v for v in items if _fraction_over_cents(v)]
                if over and not problem:
                    problem = _(
                        "the number {number} for {name!r} has more than 2 decimals: a JSON "
                        'number has no thousands separator (write 1234, or "1.234" as text '
                        "in the row's own style)"
                    ).format(number=_json_text(over[0]), name=str(key))
                text = " | ".join(_json_text(v) for v in items)
                if re.search(r"[\ud800-\udfff]", text):
                    problem = problem or _("the line holds an invalid character (a lone surrogate)")
                cells[name] = text
            number = _number(cells.get(ROW, ""), line_number)
            yield Row(number, position, cells, raw, problem)


def _json_text(value: object) -> str:
    """A JSON value as a cell: a number in its own notation, never the row locale's.

    JSON writes 1.234 and 1234.5 with a point whatever the row's language, so a number is
    written here without grouping or trailing zeros (1234.5, 3180, 1.23 for 1.230): with at
    most two decimals, a form every locale reads the same; as typed, "1.230" would be 1230 in
    a Spanish row. A number too large or too small to write out stays in its E notation,
    which no field accepts.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal) and value.is_finite() and -20 < value.adjusted() < 20:
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def _fraction_over_cents(value: object) -> bool:
    """Tell whether a JSON number has more than two decimals (1.234, not 1.230)."""
    if not isinstance(value, Decimal):
        return False
    whole, _point, fraction = _json_text(value).partition(".")
    return len(fraction) > 2


# --- the failed file -------------------------------------------------------------------------


def _neutral(value: str) -> str:
    """Prefix with an apostrophe a cell a spreadsheet would run as a formula (read as typed)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def failed_path(source: Source, out_dir: Path) -> Path:
    """Where the failed rows of a file go: failed.csv, or failed.jsonl for JSON Lines."""
    return out_dir / ("failed.jsonl" if source.kind == "jsonl" else "failed.csv")


# Which failed files breakup wrote into an output folder: for each, the clients file it came
# from and a digest of what was written, so that one is replaced only while it is still that.
FAILED_RECORD = ".breakup-failed.json"
# failed.csv, then failed-2.csv ... failed-99.csv.
_FAILED_NAMES = 99


def choose_failed_path(source: Source, out_dir: Path) -> Path:
    """Where this run's failed rows go, without ever replacing a file that is not breakup's.

    The file being run, when it is one of the output folder's failed files (the loop: fix
    failed.csv, run it); else failed.csv, when it is free or is still, unchanged, the failed
    file of an earlier run of this same clients file; else the first failed-N.csv that is.
    A failed.csv of the user's, one edited since, or another file's failed rows is left alone.
    """
    base = failed_path(source, out_dir)
    names = [
        base,
        *(base.with_name(f"{base.stem}-{n}{base.suffix}") for n in range(2, _FAILED_NAMES + 1)),
    ]
    for path in names:
        with contextlib.suppress(OSError):
            if os.path.samefile(path, source.path):
                return path
    records = _failed_records(out_dir)
    origin = str(source.path.resolve())
    for path in names:
        if not os.path.lexists(path):
            return path
        record = records.get(path.name)
        if isinstance(record, dict) and record.get("source") == origin:
            if record.get("sha256") == _digest(path):
                return path
    raise InputError(
        _(
            "{out} holds {count} failed files already: move them away and run the batch again"
        ).format(out=out_dir, count=_FAILED_NAMES)
    )


def record_failed(out_dir: Path, target: Path, source: Source, digest: str) -> None:
    """Note that breakup wrote `target` (with this digest) for the failed rows of `source`."""
    records = _failed_records(out_dir)
    records[target.name] = {"source": str(source.path.resolve()), "sha256": digest}
    data = json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8", "surrogatepass")
    _write_whole(out_dir / FAILED_RECORD, data)


def _failed_records(out_dir: Path) -> dict[str, object]:
    try:
        fd = os.open(out_dir / FAILED_RECORD, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))  # fmt: skip
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return {}
            data = json.loads(handle.read(1 << 20))
    except (OSError, ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _digest(path: Path) -> str | None:
    """The SHA-256 of a regular file (never through a link), or None."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def write_failed(source: Source, target: Path, failures: Sequence[Failed]) -> str:
    """Write the failed rows in the input's own form, ready to fix and run again.

    CSV: the same columns (the user's own, unnamed ones included, under the header as
    written), delimiter, encoding and BOM, with ROW (the row number in the first file, kept
    across reruns) and REASON. JSON Lines: each original object with ROW and REASON added, or
    the original text in "line" when it was not valid JSON.
    The file is written whole (a temporary file, then a rename). Return its SHA-256.
    """
    if source.kind == "jsonl":
        lines = []
        for failure in failures:
            try:
                # As pairs: a key the line gave twice keeps both values to fix (a dict would
                # keep the last one only, and lose the other without a word).
                pairs = json.loads(
                    failure.raw,
                    object_pairs_hook=_Pairs,
                    parse_float=_Number,
                    parse_int=_Number,
                    parse_constant=_no_constant,
                )
                if not isinstance(pairs, _Pairs):
                    raise ValueError
            except (ValueError, RecursionError):
                pairs = [("line", failure.raw)]
            pairs = _Pairs((k, v) for k, v in pairs if k not in (ROW, REASON))
            pairs += [(ROW, failure.number), (REASON, " / ".join(failure.reasons))]
            line = _json_object(pairs, ascii_only=False)
            try:
                line.encode("utf-8")
            except UnicodeEncodeError:  # a lone surrogate: kept as its JSON escape
                line = _json_object(pairs, ascii_only=True)
            lines.append(line)
        payload = ("\n".join(lines) + "\n").encode("utf-8")
    else:
        import csv
        import io

        names = source.names or tuple(source.header)
        keep = [i for i, name in enumerate(source.header) if name not in (ROW, REASON)]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=source.delimiter, lineterminator="\r\n")
        writer.writerow([*(names[i] for i in keep), ROW, REASON])
        for failure in failures:
            values = failure.values or tuple(failure.cells.get(h, "") for h in source.header)
            values += ("",) * (len(source.header) - len(values))
            writer.writerow(
                [_neutral(values[i]) for i in keep]
                + [failure.number, _neutral(" / ".join(failure.reasons))]
            )
        encoding = "cp1252" if source.encoding == "cp1252" else "utf-8"
        payload = (("\ufeff" if source.bom else "") + buffer.getvalue()).encode(
            encoding, errors="replace" if encoding == "cp1252" else "surrogateescape"
        )
    _write_whole(target, payload)
    return hashlib.sha256(payload).hexdigest()


def _write_whole(target: Path, payload: bytes) -> None:
    """Write a file whole and private: a new temporary file beside it, then a rename."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.breakup-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

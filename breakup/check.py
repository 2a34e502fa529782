"""Flag blaming, personal or emotional phrasing in a draft, and say what to write instead.

The rules are data: one `locales/<lang>/tone.toml` per language, its format described at
the top of the file. `check_text` matches them against a folded copy of the draft (lower
case, no accents, straight quotes) and reports positions in the original text. The advice
addresses the writer in the register asked for (Spanish: "usted" or "tú"):

    from breakup.check import check_text, format_findings
    print(format_findings(check_text(draft, "es", "informal"), "es", "text"))
"""

from __future__ import annotations

import bisect
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from breakup.errors import BreakupError, InputError
from breakup.resources import LOCALES_DIR

RULES_FILE = "tone.toml"
FORMATS = ("text", "json")
# Same names as breakup.catalog.REGISTERS; not imported, to keep `breakup check` light.
REGISTERS = ("formal", "informal")

# Curly and typographic quotes fold to their ASCII forms, so "you’re" matches "you're".
_QUOTES = {**dict.fromkeys("‘’‚‛′ʼ´`", "'"), **dict.fromkeys("“”„‟″«»", '"')}
_MACRO = r"\{([a-z_][a-z0-9_]*)\}"
# A match starts after a non-word character and ends before one. The start test is a plain
# lookbehind because the regex engine runs it at every position: anything heavier makes a
# check several times slower. A category of punctuation patterns sets boundaries = false.
_START = r"(?<!\w)"
_END = r"(?!(?<=\w)\w)"
# How far around a finding an allow pattern may reach (in characters).
_ALLOW_REACH = 200
_NON_ASCII = r"[^\x00-\x7f]"
# A word in capitals, given a character class of the capitals present in the draft.
_CAPS_WORD = r"(?<!\w){0}+(?:['’]{0}+)*(?!\w)"
_CAPS_GAP = r"[,;:]?[^\S\n]+"
# A space before a quantifier, or inside a character class, would not mean what it says.
_MISPLACED_SPACE = r" [?*+]| \{\d|\[[^\]]* [^\]]*\]"


@dataclass(frozen=True)
class Finding:
    """One phrase worth rewording.

    Fields: line and column (1-based, column in characters of the original text),
    category (stable id such as "blame"), label (the category's localized name),
    match (the text exactly as in the draft) and advice (what to write instead, in the
    register asked for).
    """

    line: int
    column: int
    category: str
    label: str
    match: str
    advice: str


_Advice = tuple[str, str]


class _Category(NamedTuple):
    """A compiled category: one alternation of all its patterns and of its allow patterns.

    Each advice is a pair indexed like REGISTERS: (formal, informal); the informal one is
    the formal one when the file gives no variant. A pattern with its own advice is a
    named group "a<n>"; its advice is advices[n].
    """

    id: str
    label: str
    advice: _Advice
    regex: re.Pattern[str] | None
    advices: tuple[_Advice, ...]
    allow: re.Pattern[str] | None
    caps: bool
    acronyms: frozenset[str]
    caps_min_letters: int


class _Rules(NamedTuple):
    """The compiled categories and UI strings of one language."""

    categories: tuple[_Category, ...]
    clean: str
    one: str
    other: str
    quote_open: str
    quote_close: str


class _RuleError(Exception):
    """Raised while compiling a rule file; _load_rules prefixes the file name."""


def available_languages() -> list[str]:
    """Return the languages that have a rule file, sorted."""
    if not LOCALES_DIR.is_dir():
        return []
    return sorted(p.parent.name for p in LOCALES_DIR.glob(f"*/{RULES_FILE}") if p.is_file())


def check_text(text: str, lang: str, register: str = "formal") -> list[Finding]:
    """Return the findings in `text`, sorted by line then column.

    The advice addresses the writer in `register` ("formal" or "informal"). Raise
    InputError for an unknown language or register, BreakupError for an invalid rule file.
    """
    if register not in REGISTERS:
        raise InputError(f"unknown register {register!r}: use formal or informal")
    pick = REGISTERS.index(register)
    rules = _rules_for(lang)
    folded, origin = _fold(text)
    spans: list[tuple[int, int, int, str]] = []  # start, end, category index, advice
    for index, category in enumerate(rules.categories):
        if category.regex is not None:
            for m in category.regex.finditer(folded):
                if category.allow is not None and _allowed(category.allow, folded, m):
                    continue
                start, end = _original_span(m.start(), m.end(), origin, text)
                group = m.lastgroup
                advice = category.advices[int(group[1:])] if group else category.advice
                spans.append((start, end, index, advice[pick]))
        if category.caps:
            advice_text = category.advice[pick]
            spans.extend((s, e, index, advice_text) for s, e in _caps_runs(text, category))
    return _findings(text, spans, rules.categories)


def format_findings(findings: Sequence[Finding], lang: str, fmt: str) -> str:
    """Return the findings as "text" (a line each, then a summary line) or as "json".

    Text quotes each match with the language's quotation marks. The result has no
    trailing newline. Raise InputError for an unknown format or language.
    """
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r} for --format: choose one of {', '.join(FORMATS)}")
    rules = _rules_for(lang)
    if fmt == "json":
        import json  # Only this branch needs it; importing it up front slows every command.

        return json.dumps([asdict(f) for f in findings], ensure_ascii=False, indent=2)
    if not findings:
        return rules.clean
    lines = [
        f"{f.line}:{f.column}: {f.label}: "
        f"{rules.quote_open}{' '.join(f.match.split())}{rules.quote_close} — {f.advice}"
        for f in findings
    ]
    count = len(findings)
    lines.append(rules.one if count == 1 else rules.other.format(count=count))
    return "\n".join(lines)


# Loading the rules ---------------------------------------------------------------------


def _rules_for(lang: str) -> _Rules:
    """Return the compiled rules of `lang`, or raise InputError naming the valid languages."""
    path = LOCALES_DIR / lang / RULES_FILE
    if not (re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", lang) and path.is_file()):
        choices = ", ".join(available_languages()) or "none installed"
        raise InputError(f"unknown language {lang!r} for --lang: choose one of {choices}")
    return _load_rules(path)


@functools.cache
def _load_rules(path: Path) -> _Rules:
    """Read and compile one rule file, or raise BreakupError naming the file and problem."""
    try:
        with path.open("rb") as stream:
            data = tomllib.load(stream)
    except OSError as exc:
        raise BreakupError(f"{path}: cannot read the tone rules: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BreakupError(f"{path}: invalid TOML: {exc}") from exc
    try:
        return _compile_rules(data)
    except _RuleError as exc:
        raise BreakupError(f"{path}: {exc}") from None


def _compile_rules(data: dict[str, Any]) -> _Rules:
    _check_keys(data, "the file", {"messages", "macros", "category"}, {"messages", "category"})
    messages = _table(data["messages"], "[messages]")
    _check_keys(messages, "[messages]", _MESSAGE_KEYS, {"clean", "one", "other"})
    clean, one, other = (_text(messages[k], f"[messages] {k}") for k in ("clean", "one", "other"))
    if "{count}" not in other:
        raise _RuleError("[messages] other must contain {count}")
    quote_open, quote_close = (
        _text(messages.get(k, '"'), f"[messages] {k}") for k in ("quote_open", "quote_close")
    )
    macros = _compile_macros(_table(data.get("macros", {}), "[macros]"))
    tables = data["category"]
    if not isinstance(tables, list) or not tables:
        raise _RuleError("[[category]] must be an array of tables with at least one entry")
    categories: list[_Category] = []
    for number, table in enumerate(tables, start=1):
        category = _compile_category(_table(table, f"category #{number}"), number, macros)
        if any(c.id == category.id for c in categories):
            raise _RuleError(f"category #{number}: duplicate id {category.id!r}")
        categories.append(category)
    return _Rules(tuple(categories), clean, one, other, quote_open, quote_close)


def _compile_macros(table: dict[str, Any]) -> dict[str, str]:
    """Expand each macro in file order; a macro may use the ones defined above it."""
    macros: dict[str, str] = {}
    for name, value in table.items():
        where = f"[macros] {name}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise _RuleError(f"{where}: a macro name uses a-z, 0-9 and _ only")
        items = value if isinstance(value, list) and value else [value]
        body = "|".join(_text(item, where) for item in items)
        macros[name] = _expand(f"(?:{body})", macros, where)
    return macros


_MESSAGE_KEYS = {"clean", "one", "other", "quote_open", "quote_close"}
_CATEGORY_KEYS = {
    "id", "label", "advice", "advice_informal", "patterns", "allow", "boundaries", "caps",
    "acronyms", "caps_min_letters",
}  # fmt: skip


def _compile_category(table: dict[str, Any], number: int, macros: dict[str, str]) -> _Category:
    _check_keys(table, f"category #{number}", _CATEGORY_KEYS, {"id", "label", "advice"})
    ident = _text(table["id"], f"category #{number} id")
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", ident):
        raise _RuleError(f"category #{number}: id {ident!r} must use a-z, 0-9, - and _")
    where = f"category {ident!r}"
    # Each entry: its patterns and their own advice (None for the category's advice).
    entries: list[tuple[list[str], _Advice | None]] = []
    for item in _array(table.get("patterns", []), f"{where} patterns"):
        if isinstance(item, dict):
            entries.append(_advised_patterns(item, where))
        else:
            entries.append(([_text(item, f"{where} patterns")], None))
    allow = [_text(a, f"{where} allow") for a in _array(table.get("allow", []), f"{where} allow")]
    boundaries = _flag(table.get("boundaries", True), f"{where} boundaries")
    caps = _flag(table.get("caps", False), f"{where} caps")
    acronyms = _array(table.get("acronyms", []), f"{where} acronyms")
    minimum = table.get("caps_min_letters", 5)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 2:
        raise _RuleError(f"{where}: caps_min_letters must be a whole number of at least 2")
    if not entries and not caps:
        raise _RuleError(f"{where}: give patterns, or caps = true")
    return _Category(
        id=ident,
        label=_text(table["label"], f"{where} label"),
        advice=_advice(table, where),
        regex=_join(entries, macros, where, boundaries),
        advices=tuple(advice or ("", "") for _, advice in entries),
        allow=_join([([a], None) for a in allow], macros, f"{where} allow", boundaries),
        caps=caps,
        acronyms=frozenset(_text(a, f"{where} acronyms") for a in acronyms),
        caps_min_letters=minimum,
    )


def _advised_patterns(item: dict[str, Any], where: str) -> tuple[list[str], _Advice]:
    """Read { pattern = "...", advice = "..." } or { patterns = [...], advice = "..." }.

    Either form may also give advice_informal.
    """
    known = {"pattern", "patterns", "advice", "advice_informal"}
    _check_keys(item, f"{where} pattern table", known, {"advice"})
    if ("pattern" in item) == ("patterns" in item):
        raise _RuleError(f"{where}: a pattern table needs either pattern or patterns")
    items = [item["pattern"]] if "pattern" in item else item["patterns"]
    patterns = [_text(p, f"{where} patterns") for p in _array(items, f"{where} patterns")]
    if not patterns:
        raise _RuleError(f"{where}: a pattern table needs at least one pattern")
    return patterns, _advice(item, f"{where} pattern")


def _advice(table: dict[str, Any], where: str) -> _Advice:
    """Return (formal, informal) advice; without advice_informal, both are the advice."""
    formal = _text(table["advice"], f"{where} advice")
    if "advice_informal" not in table:
        return formal, formal
    return formal, _text(table["advice_informal"], f"{where} advice_informal")


def _join(
    entries: list[tuple[list[str], _Advice | None]],
    macros: dict[str, str],
    where: str,
    boundaries: bool,
) -> re.Pattern[str] | None:
    """Compile all patterns into one alternation; on failure, name the culprit.

    Only entries with their own advice become named groups (a<n>): a group at the start
    of an alternative stops the engine from skipping it on its first letter, so it is
    slower than a plain alternative.
    """
    if not entries:
        return None
    parts = []
    for number, (patterns, advice) in enumerate(entries):
        body = "|".join(f"(?:{_expand(p, macros, where)})" for p in patterns)
        parts.append(f"(?P<a{number}>{body})" if advice is not None else body)
    start, end = (_START, _END) if boundaries else ("", "")
    try:
        regex = re.compile(f"{start}(?:{'|'.join(parts)}){end}")
        if not regex.fullmatch(""):
            return regex
    except re.error:
        pass
    # Compiling is most of the loading time, so patterns are compiled one by one only here.
    for pattern in (p for patterns, _ in entries for p in patterns):
        try:
            alone = re.compile(_expand(pattern, macros, where))
        except re.error as exc:
            raise _RuleError(f"{where}: invalid pattern {pattern!r}: {exc}") from None
        if alone.fullmatch(""):
            raise _RuleError(f"{where}: pattern {pattern!r} matches empty text")
    raise _RuleError(f"{where}: the patterns cannot be combined; is a group left open?")


def _expand(pattern: str, macros: dict[str, str], where: str) -> str:
    """Fold the pattern, replace each {macro} by its body and each run of spaces by \\s+."""

    def body(m: re.Match[str]) -> str:
        try:
            return macros[m.group(1)]
        except KeyError:
            raise _RuleError(f"{where}: unknown macro {{{m.group(1)}}} in {pattern!r}") from None

    if re.search(_MISPLACED_SPACE, pattern):
        raise _RuleError(
            f"{where}: in {pattern!r}, a space stands for \\s+ and cannot take a quantifier "
            "or sit inside [...]; write \\s* or \\s there"
        )
    return re.sub(" +", r"\\s+", re.sub(_MACRO, body, _fold_pattern(pattern)))


def _fold_pattern(pattern: str) -> str:
    """Fold a pattern like the draft (case, accents, quotes), leaving escapes such as \\W."""
    out: list[str] = []
    escaped = False
    for char in pattern:
        out.append(char if escaped else _fold_char(char))
        escaped = not escaped and char == "\\"
    return "".join(out)


def _check_keys(table: dict[str, Any], where: str, known: set[str], required: set[str]) -> None:
    unknown = sorted(set(table) - known)
    if unknown:
        raise _RuleError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})")
    missing = sorted(required - set(table))
    if missing:
        raise _RuleError(f"{where}: missing key {missing[0]!r}")


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _RuleError(f"{where} must be a table")
    return value


def _array(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _RuleError(f"{where} must be an array")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _RuleError(f"{where} must be a non-empty string")
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _RuleError(f"{where} must be true or false")
    return value


# Matching ------------------------------------------------------------------------------


@functools.cache
def _fold_char(char: str) -> str:
    """Return `char` in lower case without accents, or the ASCII form of a quote."""
    if char in _QUOTES:
        return _QUOTES[char]
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Return the folded text and, when lengths differ, each folded character's origin.

    Folding is one character to one almost always ("É" to "e", "’" to "'"), so positions
    carry over unchanged and the origin list is None.
    """
    folded = re.sub(_NON_ASCII, _fold_match, text).lower()
    if len(folded) == len(text):
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        pieces.append(piece)
        origin.extend([index] * len(piece))
    origin.append(len(text))
    return "".join(pieces), origin


def _fold_match(m: re.Match[str]) -> str:
    return _fold_char(m.group())


def _original_span(start: int, end: int, origin: list[int] | None, text: str) -> tuple[int, int]:
    if origin is None:
        return start, end
    first, last = origin[start], origin[end - 1] + 1
    # Keep the accents typed as separate combining marks after the last letter.
    while last < len(text) and unicodedata.combining(text[last]):
        last += 1
    return first, last


def _allowed(allow: re.Pattern[str], folded: str, m: re.Match[str]) -> bool:
    """Tell whether an allow pattern matches text overlapping the match `m`."""
    window = allow.finditer(folded, max(0, m.start() - _ALLOW_REACH), m.end() + _ALLOW_REACH)
    return any(a.start() < m.end() and m.start() < a.end() for a in window)


def _caps_runs(text: str, category: _Category) -> Iterator[tuple[int, int]]:
    """Yield runs of words in capitals: two or more, or one long word; acronyms excepted."""
    capitals = "".join(sorted(c for c in set(text) if c.isupper()))
    if not capitals:
        return
    run: list[tuple[int, int]] = []
    for m in re.finditer(_CAPS_WORD.format(f"[{re.escape(capitals)}]"), text):
        if text[m.start() : m.end()] in category.acronyms:
            continue
        if run and re.fullmatch(_CAPS_GAP, text[run[-1][1] : m.start()]):
            run.append(m.span())
            continue
        if run and _shouted(run, category.caps_min_letters):
            yield run[0][0], run[-1][1]
        run = [m.span()]
    if run and _shouted(run, category.caps_min_letters):
        yield run[0][0], run[-1][1]


def _shouted(run: list[tuple[int, int]], min_letters: int) -> bool:
    longest = max(end - start for start, end in run)
    return longest >= min_letters or (len(run) >= 2 and longest >= 2)


def _findings(
    text: str, spans: list[tuple[int, int, int, str]], categories: Sequence[_Category]
) -> list[Finding]:
    """Sort the spans, report each exact span once, and turn offsets into line:column."""
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    line_starts = [0]
    if spans:
        line_starts.extend(m.end() for m in re.finditer("\n", text))
    findings: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    for start, end, index, advice in spans:
        if (start, end) in seen:
            continue
        seen.add((start, end))
        line = bisect.bisect_right(line_starts, start)
        category = categories[index]
        findings.append(
            Finding(
                line=line,
                column=start - line_starts[line - 1] + 1,
                category=category.id,
                label=category.label,
                match=text[start:end],
                advice=advice,
            )
        )
    return findings

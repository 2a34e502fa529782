"""Load the tone rules of one language (`locales/<lang>/tone.toml`) and fold text for them.

The rules are matched against a folded copy of the draft: lower case, no accents, straight
quotes. `_fold` returns that copy and, when folding changed its length, where each folded
character came from, so that a match is reported at its place in the original text.
`_load_rules` reads and compiles one rule file (its format is described at its top).
"""

from __future__ import annotations

import bisect
import functools
import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple

from breakup import chars, tone_model
from breakup.errors import BreakupError

# Curly and typographic quotes fold to their ASCII forms, so "you’re" matches "you're".
_QUOTES = {**dict.fromkeys("‘’‚‛′ʼ´`", "'"), **dict.fromkeys("“”„‟″«»", '"')}
# What a draft may hide between letters: a soft hyphen, zero-width spaces and joiners, bidi
# marks and controls, word joiners, a BOM, tags. Matching reads past them.
_INVISIBLE = re.compile(f"[{chars.INVISIBLE}]")
# Cyrillic and Greek letters drawn like Latin ones, read as those (the rules are Latin).
_LOOKALIKES = dict(
    zip(
        "аеёіїјорсѕуҮүхһԁԛԝӏАВЕЁІЇЈКМНОРСЅТУХαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeeiijopcsyyyxhdqwlabeeiijkmhopcstyxabeikvoptuxabezhikmnoptyx",
        strict=True,
    )
)
# A terminal's control sequences (colours, cursor moves, titles) and the other control
# characters but tab and line breaks: a draft pasted from a terminal may hold them between
# the words of a phrase, and matching reads past them as past an invisible character.
_CONTROL = re.compile(
    # CSI (ESC [ or the one-byte form): colours, cursor moves.
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    # Strings (OSC, DCS, SOS, PM, APC), to their terminator or the end.
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    # Any other escape: intermediates, then one final byte (ESC ( B, ESC 7, ESC =, ESC c).
    r"|\x1b[ -/]*[0-~]?"
    # Not the vertical tab, form feed and NEL: they part words as a line break does (a
    # round-34 red team: "You are a\vdeadbeat").
    r"|[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x84\x86-\x9f]"
)
_MACRO = r"\{([a-z_][a-z0-9_]*)\}"

# A match starts after a non-word character and ends before one. The start test is a plain
# lookbehind because the regex engine runs it at every position: anything heavier makes a
# check several times slower. A category of punctuation patterns sets boundaries = false.
_START = r"(?<!\w)"
_END = r"(?!(?<=\w)\w)"

_NON_ASCII = r"[^\x00-\x7f]"

# A space before a quantifier, or inside a character class, would not mean what it says.
_MISPLACED_SPACE = r" [?*+]| \{\d|\[[^\]]* [^\]]*\]"
# A group repeated without bound, "(...)*", "(...)+" or "(...){2,}": at every word of a
# long run ("so so so ...") the engine would retry the whole run, in quadratic time.
_UNBOUNDED_GROUP = re.compile(r"(?<!\\)\)(?:[*+]|\{\d*,\})")
_ID = r"[a-z][a-z0-9_-]*"


_Advice = tuple[str, str]
# A pattern table: its patterns, its own advice (None: the category's) and its rule id.
_Entry = tuple[list[str], _Advice | None, str | None]


class _Category(NamedTuple):
    """A compiled category: one alternation of all its patterns and of its allow patterns.

    Each advice is a pair indexed like REGISTERS: (formal, informal); the informal one is
    the formal one when the file gives no variant. A pattern table with its own advice or
    id is a named group "a<n>"; its advice is advices[n] and its id rules[n].
    """

    id: str
    label: str
    advice: _Advice
    regex: re.Pattern[str] | None
    advices: tuple[_Advice | None, ...]
    rules: tuple[str | None, ...]
    allow: re.Pattern[str] | None
    caps: bool
    acronyms: frozenset[str]
    caps_min_letters: int
    merge: bool
    model: bool


class _Rules(NamedTuple):
    """The compiled categories and UI strings of one language, and its tone model.

    `model` is None when no category sets model = true; `words` are the [model] table's.
    """

    categories: tuple[_Category, ...]
    clean: str
    one: str
    other: str
    quote_open: str
    quote_close: str
    words: tone_model.Words | None = None
    model: tone_model.Model | None = None


class _RuleError(Exception):
    """Raised while compiling a rule file; _load_rules prefixes the file name."""


@functools.cache
def _load_rules(path: Path) -> _Rules:
    """Read and compile one rule file and its model, or raise BreakupError naming the file."""
    rules = _read_rules(path)
    if rules.words is None:
        return rules
    # Read only now, when a draft is checked: `breakup --help` never pays for it.
    return rules._replace(model=tone_model.load_model(path.with_name(tone_model.MODEL_FILE)))


def _read_rules(path: Path) -> _Rules:
    """Read and compile one rule file, without its model (training writes the model)."""
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
    known = {"messages", "macros", "category", "model"}
    _check_keys(data, "the file", known, {"messages", "category"})
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
    words = None
    models = [c.id for c in categories if c.model]
    if len(models) > 1:
        raise _RuleError(f"categories {models[0]!r} and {models[1]!r} both set model = true")
    if models or "model" in data:
        if not models or "model" not in data:
            raise _RuleError("a category with model = true and a [model] table go together")
        words = _model_words(_table(data["model"], "[model]"))
    return _Rules(tuple(categories), clean, one, other, quote_open, quote_close, words)


def _model_words(table: dict[str, Any]) -> tone_model.Words:
    """Read the [model] table: the word lists the model's features count, folded."""
    keys = {"second_person", "first_person"}
    _check_keys(table, "[model]", keys, keys)
    lists = {
        key: frozenset(_fold(_text(w, f"[model] {key}"))[0] for w in _array(table[key], key))
        for key in sorted(keys)
    }
    return tone_model.Words(**lists)


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
    "acronyms", "caps_min_letters", "merge", "model",
}  # fmt: skip


def _compile_category(table: dict[str, Any], number: int, macros: dict[str, str]) -> _Category:
    _check_keys(table, f"category #{number}", _CATEGORY_KEYS, {"id", "label", "advice"})
    ident = _text(table["id"], f"category #{number} id")
    if not re.fullmatch(_ID, ident):
        raise _RuleError(f"category #{number}: id {ident!r} must use a-z, 0-9, - and _")
    where = f"category {ident!r}"
    entries: list[_Entry] = []
    for item in _array(table.get("patterns", []), f"{where} patterns"):
        if isinstance(item, dict):
            entries.append(_pattern_table(item, where))
        else:
            entries.append(([_text(item, f"{where} patterns")], None, None))
    rule_ids = [entry[2] for entry in entries if entry[2]]
    if len(set(rule_ids)) != len(rule_ids):
        raise _RuleError(f"{where}: two pattern tables have the same id")
    allow = [_text(a, f"{where} allow") for a in _array(table.get("allow", []), f"{where} allow")]
    boundaries = _flag(table.get("boundaries", True), f"{where} boundaries")
    caps = _flag(table.get("caps", False), f"{where} caps")
    acronyms = _array(table.get("acronyms", []), f"{where} acronyms")
    minimum = table.get("caps_min_letters", 5)
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 2:
        raise _RuleError(f"{where}: caps_min_letters must be a whole number of at least 2")
    model = _flag(table.get("model", False), f"{where} model")
    if model and (entries or caps or allow):
        raise _RuleError(f"{where}: a category with model = true has no patterns of its own")
    if not entries and not caps and not model:
        raise _RuleError(f"{where}: give patterns, or caps = true, or model = true")
    if not boundaries:
        for entry in entries:
            for pattern in entry[0]:
                if not pattern.startswith("(?<!"):
                    raise _RuleError(
                        f"{where}: with boundaries = false, pattern {pattern!r} must begin "
                        "with a lookbehind (?<!...) that keeps it from starting inside a run "
                        "of what it matches"
                    )
    return _Category(
        id=ident,
        label=_text(table["label"], f"{where} label"),
        advice=_advice(table, where),
        regex=_join(
            [(p, a is not None or r is not None) for p, a, r in entries], macros, where, boundaries
        ),  # fmt: skip
        advices=tuple(entry[1] for entry in entries),
        rules=tuple(entry[2] for entry in entries),
        allow=_join([([a], False) for a in allow], macros, f"{where} allow", boundaries),
        caps=caps,
        acronyms=frozenset(_text(a, f"{where} acronyms") for a in acronyms),
        caps_min_letters=minimum,
        merge=_flag(table.get("merge", False), f"{where} merge"),
        model=model,
    )


def _pattern_table(
    item: dict[str, Any], where: str
) -> tuple[list[str], _Advice | None, str | None]:
    """Read { pattern = "..." } or { patterns = [...] }, with advice and/or an id.

    Either form may also give advice_informal (with advice).
    """
    known = {"id", "pattern", "patterns", "advice", "advice_informal"}
    _check_keys(item, f"{where} pattern table", known, set())
    if ("pattern" in item) == ("patterns" in item):
        raise _RuleError(f"{where}: a pattern table needs either pattern or patterns")
    if "advice" not in item and "id" not in item:
        raise _RuleError(f"{where}: a pattern table needs an advice, an id, or both")
    if "advice_informal" in item and "advice" not in item:
        raise _RuleError(f"{where}: a pattern table with advice_informal needs advice")
    items = [item["pattern"]] if "pattern" in item else item["patterns"]
    patterns = [_text(p, f"{where} patterns") for p in _array(items, f"{where} patterns")]
    if not patterns:
        raise _RuleError(f"{where}: a pattern table needs at least one pattern")
    rule = None
    if "id" in item:
        rule = _text(item["id"], f"{where} pattern id")
        if not re.fullmatch(_ID, rule):
            raise _RuleError(f"{where}: rule id {rule!r} must use a-z, 0-9, - and _")
    advice = _advice(item, f"{where} pattern") if "advice" in item else None
    return patterns, advice, rule


def _advice(table: dict[str, Any], where: str) -> _Advice:
    """Return (formal, informal) advice; without advice_informal, both are the advice."""
    formal = _text(table["advice"], f"{where} advice")
    if "advice_informal" not in table:
        return formal, formal
    return formal, _text(table["advice_informal"], f"{where} advice_informal")


def _join(
    entries: list[tuple[list[str], bool]],
    macros: dict[str, str],
    where: str,
    boundaries: bool,
) -> re.Pattern[str] | None:
    """Compile all patterns into one alternation; on failure, name the culprit.

    Only entries that need telling apart (own advice or id) become named groups (a<n>):
    a group at the start of an alternative stops the engine from skipping it on its first
    letter, so it is slower than a plain alternative.
    """
    if not entries:
        return None
    parts = []
    for number, (patterns, named) in enumerate(entries):
        expanded = [_expand(p, macros, where) for p in patterns]
        for pattern, body in zip(patterns, expanded, strict=True):
            if _UNBOUNDED_GROUP.search(body):
                raise _RuleError(
                    f"{where}: pattern {pattern!r} repeats a group without bound, which "
                    "makes a long draft slow to check; bound it, e.g. (?:{intens} ){0,3}"
                )
        body = "|".join(f"(?:{e})" for e in expanded)
        parts.append(f"(?P<a{number}>{body})" if named else body)
    start, end = (_START, _END) if boundaries else ("", "")
    try:
        regex = re.compile(f"{start}(?:{'|'.join(parts)}){end}")
        if not regex.fullmatch(""):
            return regex
    except re.error:
        pass
    # Compiling is most of the loading time, so patterns are compiled one by one only here.
    for pattern in (p for entry in entries for p in entry[0]):
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


@functools.cache
def _fold_char(char: str) -> str:
    """Return `char` in lower case without accents, or the ASCII form of a quote or of a
    letter that looks like one (Cyrillic е, full-width ｙ); nothing for an invisible one."""
    if char in _QUOTES:
        return _QUOTES[char]
    if char in _LOOKALIKES:
        return _LOOKALIKES[char]
    if _INVISIBLE.match(char):
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _fold(text: str) -> tuple[str, list[int] | None]:
    """Return the folded text and, when lengths differ, each folded character's origin.

    Folding is one character to one almost always ("É" to "e", "’" to "'"), so positions
    carry over unchanged and the origin list is None.
    """
    controls = list(_CONTROL.finditer(text))
    folded = re.sub(_NON_ASCII, _fold_match, text).lower()
    if len(folded) == len(text) and not controls:
        return folded, None
    pieces: list[str] = []
    origin: list[int] = []
    start = 0
    # The text between control sequences, folded character by character; the sequences
    # themselves fold to nothing.
    for stop, resume in [(m.start(), m.end()) for m in controls] + [(len(text), len(text))]:
        for index in range(start, stop):
            piece = _fold_char(text[index])
            pieces.append(piece)
            origin.extend([index] * len(piece))
        start = resume
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


def _folded_span(start: int, end: int, origin: list[int] | None) -> tuple[int, int]:
    """Map an original span to the folded text (the inverse of _original_span)."""
    if origin is None:
        return start, end
    return bisect.bisect_left(origin, start), bisect.bisect_left(origin, end)

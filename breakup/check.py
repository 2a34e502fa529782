"""Flag blaming, personal or emotional phrasing in a draft, and say what to write instead.

The rules are data: one `locales/<lang>/tone.toml` per language, its format described at
the top of the file. `check_text` matches them against a folded copy of the draft (lower
case, no accents, straight quotes) and reports positions in the original text. The advice
addresses the writer in the register asked for (Spanish: "usted" or "tú"):

    from breakup.check import check_text, format_findings
    print(format_findings(check_text(draft, "es", "informal"), "es", "text"))

`check_draft` also picks the draft's language (see `choose_language`), and `report` turns
the results of several drafts into text, JSON or one line per finding, a line at a time.
The draft is matched a paragraph at a time, so time grows linearly with its length and
memory stays bounded; a draft over MAX_DRAFT_BYTES is refused.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

from breakup.errors import BreakupError, InputError
from breakup.i18n import _
from breakup.models import CheckConfig
from breakup.profile import parse_check_config
from breakup.resources import LOCALES_DIR
from breakup.terminal import json_safe, printable

RULES_FILE = "tone.toml"
PROJECT_FILE = ".breakup-check.toml"
FORMATS = ("text", "json", "line")
JSON_VERSION = 1
# Larger drafts are refused: a draft is a letter, and this keeps time and memory bounded.
MAX_DRAFT_BYTES = 10 * 1024 * 1024
# Same names as breakup.catalog.REGISTERS; not imported, to keep `breakup check` light.
REGISTERS = ("formal", "informal")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}

# A paragraph longer than this is matched in pieces cut at a line break (or a space).
_PIECE = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")
# Curly and typographic quotes fold to their ASCII forms, so "you’re" matches "you're".
_QUOTES = {**dict.fromkeys("‘’‚‛′ʼ´`", "'"), **dict.fromkeys("“”„‟″«»", '"')}
# What a draft may hide between letters: a soft hyphen, zero-width spaces and joiners, bidi
# marks and controls, word joiners, a BOM, tags. Matching reads past them.
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\U000e0000-\U000e007f]"
)
# Cyrillic and Greek letters drawn like Latin ones, read as those (the rules are Latin).
_LOOKALIKES = dict(
    zip(
        "аеёіїјорсѕуҮүхһԁԛԝӏАВЕЁІЇЈКМНОРСЅТУХαβεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
        "aeeiijopcsyyyxhdqwlabeeiijkmhopcstyxabeikvoptuxabezhikmnoptyx",
        strict=True,
    )
)
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
_CAPS_GAP = re.compile(r"[,;:]?[^\S\n]+")
# The end of a sentence: its closing marks (and quotes) before a space, or a blank line.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|\Z)|\n[^\S\n]*\n")
# A space before a quantifier, or inside a character class, would not mean what it says.
_MISPLACED_SPACE = r" [?*+]| \{\d|\[[^\]]* [^\]]*\]"
# A group repeated without bound, "(...)*", "(...)+" or "(...){2,}": at every word of a
# long run ("so so so ...") the engine would retry the whole run, in quadratic time.
_UNBOUNDED_GROUP = re.compile(r"(?<!\\)\)(?:[*+]|\{\d*,\})")
_ID = r"[a-z][a-z0-9_-]*"
_DIRECTIVE = re.compile(r"breakup-check:[^\S\n]*(ignore|disable|enable)\b([^\n]*)", re.I)
_COMMENT_OPENERS = re.compile(r"(?:<!--|#|//|/\*|\[//\]:\s*#\s*\(|[%;])[^\S\n]*\Z")


@dataclass(frozen=True)
class Finding:
    """One phrase worth rewording.

    Fields: line and column of its first character, end_line and end_column just past its
    last (all 1-based; columns count characters of the original text), category (stable
    id such as "blame"), rule (stable id of the rule within the category, such as
    "legal", or None for a rule without one), label (the category's localized name),
    match (the text exactly as in the draft) and advice (what to write instead, in the
    register asked for).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    category: str
    rule: str | None
    label: str
    match: str
    advice: str


class DraftResult(NamedTuple):
    """A checked draft: its name as given ("-" for stdin), the language it was checked in,
    its findings (possibly still to be computed) and a note for the user ("" for none)."""

    file: str
    lang: str
    findings: Iterable[Finding]
    note: str = ""


class LanguageChoice(NamedTuple):
    """The language a draft is checked in, the one it reads as (None when unclear), and a
    note for the user ("" for none)."""

    lang: str
    detected: str | None
    note: str


_Advice = tuple[str, str]
# A pattern table: its patterns, its own advice (None: the category's) and its rule id.
_Entry = tuple[list[str], _Advice | None, str | None]
# start, end (in the piece), category index, rule id, advice
_Span = tuple[int, int, int, str | None, str]


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


def check_text(
    text: str, lang: str, register: str = "formal", config: CheckConfig | None = None
) -> list[Finding]:
    """Return the findings in `text`, sorted by line then column.

    The advice addresses the writer in `register` ("formal" or "informal"); `config`
    leaves out categories, rules and phrases. Raise InputError for an unknown language or
    register, a draft over MAX_DRAFT_BYTES or a bad inline comment, BreakupError for an
    invalid rule file.
    """
    return list(iter_findings(text, lang, register, config))


def iter_findings(
    text: str,
    lang: str,
    register: str = "formal",
    config: CheckConfig | None = None,
    file: str | None = None,
) -> Iterator[Finding]:
    """Yield the findings of check_text one by one, a paragraph at a time; an error in an
    inline comment names `file` ("-" for standard input), when given."""
    if register not in REGISTERS:
        message = _("unknown register {register!r}: use formal or informal")
        raise InputError(message.format(register=register))
    if len(text) > MAX_DRAFT_BYTES:
        raise InputError(too_large_message("-"))
    pick = REGISTERS.index(register)
    rules = _rules_for(lang)
    config = config or CheckConfig()
    validate_config(config)
    disabled = frozenset(config.disable)
    allow = _phrases_regex(config.allow)
    ignores = _Ignores(text, file)
    return _findings(text, rules, pick, disabled, allow, ignores)


def check_draft(
    text: str,
    file: str = "-",
    *,
    lang: str | None = None,
    forced: bool = False,
    register: str = "formal",
    config: CheckConfig | None = None,
) -> DraftResult:
    """Check a draft in the language it reads as, and say so when that is not `lang`.

    `lang` is the language in use (None for none), `forced` says it was asked for
    explicitly (--lang) and wins over the draft's. When the draft is too short or mixed to
    tell, and reads clean in the language in use, it is also checked in the others: it
    is never passed as clean only because its language was guessed wrong.
    """
    choice = choose_language(text, lang, forced, file)
    findings = iter_findings(text, choice.lang, register, config, file)
    if forced or choice.detected is not None:
        return DraftResult(file, choice.lang, findings, choice.note)
    found = list(findings)
    if not found:
        for other in available_languages():
            if other != choice.lang:
                found = check_text(text, other, register, config)
                if found:
                    message = _(
                        "Note: cannot tell which language {file} is in; it reads clean as "
                        "{used} but not as {other}, so it is checked as {other} (use --lang "
                        "to choose)."
                    ).format(
                        file=_draft_name(file),
                        used=_language_name(choice.lang),
                        other=_language_name(other),
                    )
                    return DraftResult(file, other, found, message)
    return DraftResult(file, choice.lang, found, choice.note)


def choose_language(
    text: str, lang: str | None, forced: bool = False, file: str = "-"
) -> LanguageChoice:
    """Pick the language to check `text` in, from the one in use and the draft's own.

    Without `forced`, a draft that clearly reads as another language with rules is
    checked in that language, with a note saying so. With no language in use, an unclear
    draft is checked in English.
    """
    from breakup.detect import detect_language

    if lang is not None:
        _rules_for(lang)  # an unknown language is an error before anything is read
    detected = detect_language(text)
    if detected is not None and detected not in available_languages():
        detected = None
    if lang is None:
        return LanguageChoice(detected or "en", detected, "")
    if detected is None or detected == lang:
        return LanguageChoice(lang, detected, "")
    names = {
        "file": _draft_name(file),
        "draft": _language_name(detected),
        "used": _language_name(lang),
        "lang": lang,
    }
    if forced:
        message = _("Note: {file} reads as {draft}, but --lang {lang} asks for {used}; "
                    "checking it as {used}.")  # fmt: skip
        return LanguageChoice(lang, detected, message.format(**names))
    message = _("Note: {file} reads as {draft}; checking it as {draft} (use --lang {lang} "
                "to force {used}).")  # fmt: skip
    return LanguageChoice(detected, detected, message.format(**names))


def _language_name(lang: str) -> str:
    return _(LANGUAGE_NAMES[lang]) if lang in LANGUAGE_NAMES else lang


def _draft_name(file: str) -> str:
    return _("the draft") if file == "-" else printable(file)


def too_large_message(file: str) -> str:
    """Return the error for a draft over MAX_DRAFT_BYTES."""
    message = _("{file} is larger than {limit} MB, the most breakup check reads: a draft is a "
                "letter, so split it and check each part")  # fmt: skip
    return message.format(file=_draft_name(file), limit=MAX_DRAFT_BYTES // (1024 * 1024))


# Configuration ---------------------------------------------------------------------------


def known_ids() -> frozenset[str]:
    """Return every category id and "category/rule" id, in any language."""
    return _known_ids(LOCALES_DIR)


@functools.cache
def _known_ids(locales: Path) -> frozenset[str]:
    ids: set[str] = set()
    for lang in available_languages():
        for category in _rules_for(lang).categories:
            ids.add(category.id)
            ids.update(f"{category.id}/{rule}" for rule in category.rules if rule)
    return frozenset(ids)


def validate_config(config: CheckConfig) -> None:
    """Raise InputError when `config` disables a category or rule that no rule file has."""
    unknown = [ident for ident in config.disable if ident not in known_ids()]
    if unknown:
        categories = sorted(i for i in known_ids() if "/" not in i)
        message = _("{source}: unknown category or rule {ident!r} in disable: the categories "
                    "are {categories} (rules: see `breakup check --list-rules`)")  # fmt: skip
        raise InputError(
            message.format(
                source=config.source or "[check]",
                ident=unknown[0],
                categories=", ".join(categories),
            )
        )


def find_project_config(folder: Path, notes: list[str] | None = None) -> Path | None:
    """Return the nearest .breakup-check.toml in `folder` or its parents that can be trusted.

    The search stops at the repository's root (a folder with .git), the home folder, the root
    of the file system, and at a folder other users can write to (such as /tmp): a config
    there, or one owned by another user or writable by others, could be anyone's, so it is
    skipped, with a note appended to `notes`, and the search stops. Raises InputError for an
    entry named like the config that is not a file (a folder, a link to nothing).
    """
    home = Path.home()
    for parent in (folder, *folder.parents):
        candidate = parent / PROJECT_FILE
        if _writable_by_others(parent):
            if os.path.lexists(candidate) and notes is not None:
                message = _("Note: ignored {path}: {folder} can be written by other users, so "
                            "anyone could have put it there; move its settings to a folder only "
                            "you can write to, or to your profile's [check] table")  # fmt: skip
                notes.append(message.format(path=candidate, folder=parent))
            return None
        if os.path.lexists(candidate):
            problem = _untrusted(candidate)
            if problem is None:
                return candidate
            if notes is not None:
                notes.append(
                    _("Note: ignored {path}: {problem}").format(path=candidate, problem=problem)
                )
            return None
        if (parent / ".git").exists() or parent == home:
            return None
    return None


def _writable_by_others(folder: Path) -> bool:
    """Tell whether other users may create files in `folder` (sticky or not)."""
    try:
        return bool(folder.stat().st_mode & stat.S_IWOTH)
    except OSError:
        return False


def _untrusted(path: Path) -> str | None:
    """Say why a config file cannot be trusted (its owner, its mode), or None; raise
    InputError for an entry that is not a file."""
    try:
        info = path.stat()
    except OSError:
        message = _("{path} is a link to nothing: remove it, or point it at your config file")
        raise InputError(message.format(path=path)) from None
    if not stat.S_ISREG(info.st_mode):
        message = _("{path} is not a file: remove or rename it, since breakup check reads a file "
                    "of that name as its config")  # fmt: skip
        raise InputError(message.format(path=path))
    getuid = getattr(os, "getuid", None)
    if getuid is not None and info.st_uid not in (getuid(), 0):
        return _("it belongs to another user, so it is not your config")
    if info.st_mode & stat.S_IWOTH:
        return _("other users can change it; make it yours alone (chmod o-w) to use it")
    return None


def load_project_config(path: Path) -> CheckConfig:
    """Read a .breakup-check.toml: the keys of a profile's [check] table, at the top level."""
    from breakup.errors import ProfileError

    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        message = _("cannot read {path}: {reason}")
        raise ProfileError(message.format(path=path, reason=exc.strerror)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        message = _("{path}: invalid TOML: {reason}")
        raise ProfileError(message.format(path=path, reason=exc)) from None
    return parse_check_config(data, PROJECT_FILE, path)


def list_rules(lang: str) -> list[tuple[str, str]]:
    """Return (id, label) for each category and each rule with an id, in file order."""
    rows: list[tuple[str, str]] = []
    for category in _rules_for(lang).categories:
        rows.append((category.id, category.label))
        rows.extend((f"{category.id}/{rule}", "") for rule in dict.fromkeys(category.rules) if rule)
    return rows


# Reporting -------------------------------------------------------------------------------


def format_findings(findings: Sequence[Finding], lang: str, fmt: str, file: str = "-") -> str:
    """Return one draft's findings as "text", "json" or "line" (see `report`).

    The result has no trailing newline. Raise InputError for an unknown format or language.
    """
    return "\n".join(report([DraftResult(file, lang, findings)], fmt))


def report(drafts: Iterable[DraftResult], fmt: str, *, show_file: bool = False) -> Iterator[str]:
    """Yield the report of the drafts, a line at a time, as findings come.

    - "text": "line:column: label: «match» — advice" for each finding, then a summary line
      ("2 findings", or the all-clear); with `show_file`, each line starts with "file:".
    - "line": "file:line:column: category: «match» — advice" for each finding, nothing
      else ("-" is written <stdin>).
    - "json": one JSON document, {"version": 1, "files": [{"file", "lang", "findings":
      [...], "summary": {"findings", "categories"}}], "summary": {"files", "findings"}};
      a finding has the fields of Finding. The README documents the schema.
    """
    if fmt not in FORMATS:
        message = _("unknown format {fmt!r} for --format: choose one of {choices}")
        raise InputError(message.format(fmt=fmt, choices=", ".join(FORMATS)))
    if fmt == "json":
        yield from _json_report(drafts)
        return
    for draft in drafts:
        rules = _rules_for(draft.lang)
        # A file name cannot forge a line (file:line:col: in the line format) or an escape.
        name = "<stdin>" if draft.file == "-" else printable(draft.file)
        prefix = f"{name}:" if show_file or fmt == "line" else ""
        count = 0
        for f in draft.findings:
            count += 1
            match = printable(" ".join(f.match.split()))
            quoted = f"{rules.quote_open}{match}{rules.quote_close}"
            label = f.category if fmt == "line" else f.label
            yield f"{prefix}{f.line}:{f.column}: {label}: {quoted} — {f.advice}"
        if fmt == "text":
            summary = rules.one if count == 1 else rules.other.format(count=count)
            yield f"{prefix} {summary if count else rules.clean}".lstrip()


def _json_report(drafts: Iterable[DraftResult]) -> Iterator[str]:
    def dumps(value: Any) -> str:
        return json_safe(json.dumps(value, ensure_ascii=False))

    yield "{"
    yield f'  "version": {JSON_VERSION},'
    yield '  "files": ['
    files = total = 0
    for draft in drafts:
        if files:
            yield "    },"
        files += 1
        _rules_for(draft.lang)
        yield "    {"
        yield f'      "file": {dumps(draft.file)},'
        yield f'      "lang": {dumps(draft.lang)},'
        yield '      "findings": ['
        categories: dict[str, int] = {}
        previous = None
        for finding in draft.findings:
            if previous is not None:
                yield f"        {previous},"
            previous = dumps(asdict(finding))
            categories[finding.category] = categories.get(finding.category, 0) + 1
        if previous is not None:
            yield f"        {previous}"
        count = sum(categories.values())
        total += count
        yield "      ],"
        yield f'      "summary": {dumps({"findings": count, "categories": categories})}'
    if files:
        yield "    }"
    yield "  ],"
    yield f'  "summary": {dumps({"files": files, "findings": total})}'
    yield "}"


# Loading the rules ---------------------------------------------------------------------


def _rules_for(lang: str) -> _Rules:
    """Return the compiled rules of `lang`, or raise InputError naming the valid languages."""
    path = LOCALES_DIR / lang / RULES_FILE
    if not (re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", lang) and path.is_file()):
        choices = ", ".join(available_languages()) or _("none installed")
        message = _("unknown language {lang!r} for --lang: choose one of {choices}")
        raise InputError(message.format(lang=lang, choices=choices))
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
    "acronyms", "caps_min_letters", "merge",
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
    if not entries and not caps:
        raise _RuleError(f"{where}: give patterns, or caps = true")
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


# Matching ------------------------------------------------------------------------------


def _findings(
    text: str,
    rules: _Rules,
    pick: int,
    disabled: frozenset[str],
    allow: re.Pattern[str] | None,
    ignores: _Ignores,
) -> Iterator[Finding]:
    """Match the draft a piece at a time and yield its findings in order."""
    line = 1  # the line the current piece starts on
    line_start = 0  # offset in `text` of that line's first character
    position = 0
    for start, end in _pieces(text):
        newlines = text.count("\n", position, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", position, start) + 1
        position = start
        piece = text[start:end]
        spans = _piece_spans(piece, rules, pick, disabled, allow)
        if not spans:
            continue
        starts = [0, *(m.end() for m in re.finditer("\n", piece))]
        seen: set[tuple[int, int]] = set()
        for first, last, index, rule, advice in spans:
            if (first, last) in seen:
                continue
            seen.add((first, last))
            row = bisect.bisect_right(starts, first)
            end_row = bisect.bisect_right(starts, last - 1) if last > first else row
            category = rules.categories[index]
            if ignores.ignored(line + row - 1, category.id, rule):
                continue
            yield Finding(
                line=line + row - 1,
                column=_column(start, first, starts[row - 1], line_start, row),
                end_line=line + end_row - 1,
                end_column=_column(start, last, starts[end_row - 1], line_start, end_row),
                category=category.id,
                rule=rule,
                label=category.label,
                match=piece[first:last],
                advice=advice,
            )


def _column(piece_start: int, offset: int, row_start: int, line_start: int, row: int) -> int:
    """Return the 1-based column of `offset` in a piece, whose first row may begin mid-line."""
    if row == 1:
        return piece_start + offset - line_start + 1
    return offset - row_start + 1


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of the paragraphs, long ones cut at a line break or a space."""
    start = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        yield from _cut(text, start, m.start() + 1)
        start = m.start() + 1
    yield from _cut(text, start, len(text))


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > _PIECE:
        limit = start + _PIECE
        cut = text.rfind("\n", start, limit)
        if cut <= start:
            cut = max(text.rfind(" ", start, limit), text.rfind("\t", start, limit))
        cut = cut + 1 if cut > start else limit
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def _piece_spans(
    piece: str,
    rules: _Rules,
    pick: int,
    disabled: frozenset[str],
    allow: re.Pattern[str] | None,
) -> list[_Span]:
    """Return the spans to report in one piece, sorted, merged where a category asks."""
    folded, origin = _fold(piece)
    allowed = [m.span() for m in allow.finditer(folded)] if allow is not None else []
    spans: list[_Span] = []
    for index, category in enumerate(rules.categories):
        if category.id in disabled:
            continue
        found: list[_Span] = []
        if category.regex is not None:
            for m in category.regex.finditer(folded):
                if category.allow is not None and _allowed(category.allow, folded, m):
                    continue
                if allowed and _overlaps(allowed, m.start(), m.end()):
                    continue
                group = m.lastgroup
                number = int(group[1:]) if group else -1
                rule = category.rules[number] if group else None
                if rule is not None and f"{category.id}/{rule}" in disabled:
                    continue
                own = category.advices[number] if group else None
                advice = (own or category.advice)[pick]
                first, last = _original_span(m.start(), m.end(), origin, piece)
                found.append((first, last, index, rule, advice))
        if category.caps:
            for first, last in _caps_runs(piece, category):
                if allowed and _overlaps(allowed, *_folded_span(first, last, origin)):
                    continue
                found.append((first, last, index, None, category.advice[pick]))
        if category.merge and len(found) > 1:
            found = _merge_by_sentence(piece, found)
        spans.extend(found)
    spans.sort(key=lambda s: (s[0], -s[1], s[2]))
    return spans


def _merge_by_sentence(piece: str, spans: list[_Span]) -> list[_Span]:
    """Merge the spans of one category that fall in the same sentence into one."""
    spans.sort()
    ends = [m.end() for m in _SENTENCE_END.finditer(piece)]
    merged = [spans[0]]
    for span in spans[1:]:
        first, last, index, rule, advice = merged[-1]
        # A sentence ends between the two when a sentence end falls in [last, span start].
        boundary = bisect.bisect_left(ends, last)
        if boundary < len(ends) and ends[boundary] <= span[0]:
            merged.append(span)
        else:
            merged[-1] = (first, max(last, span[1]), index, rule, advice)
    return merged


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Tell whether [start, end) overlaps one of the sorted, non-overlapping `spans`."""
    index = bisect.bisect_right(spans, (end, end)) - 1
    while index >= 0 and spans[index][1] > start:
        if spans[index][0] < end:
            return True
        index -= 1
    return False


@functools.cache
def _phrases_regex(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile allowed phrases: folded like the draft, any run of spaces for a space."""
    if not phrases:
        return None
    bodies = sorted(
        (r"\s+".join(re.escape(word) for word in _fold(p)[0].split()) for p in phrases),
        key=len,
        reverse=True,
    )
    return re.compile(f"(?<!\\w)(?:{'|'.join(bodies)})(?!\\w)")


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


def _folded_span(start: int, end: int, origin: list[int] | None) -> tuple[int, int]:
    """Map an original span to the folded text (the inverse of _original_span)."""
    if origin is None:
        return start, end
    return bisect.bisect_left(origin, start), bisect.bisect_left(origin, end)


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
        if run and _CAPS_GAP.fullmatch(text, run[-1][1], m.start()):
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


# Inline comments -----------------------------------------------------------------------


class _Ignores:
    """The lines that inline comments leave out, read once from the whole draft.

    `breakup-check: ignore` at the end of a line leaves out that line; on a line of its
    own (a comment and nothing else), the next line with text. `breakup-check: disable`
    leaves out everything from its line to a `breakup-check: enable`. Each may name
    categories or "category/rule" ids (`ignore venting, threat/legal`); anything after
    "--" is a comment.
    """

    def __init__(self, text: str, file: str | None = None) -> None:
        self.file = file
        # line -> ids left out (empty: everything)
        self.lines: dict[int, frozenset[str]] = {}
        # From block_lines[i] on, block_states[i] is left out (None: nothing; empty: all).
        self.block_lines: list[int] = []
        self.block_states: list[frozenset[str] | None] = []
        if _DIRECTIVE.search(text) is None:
            return
        disabled: set[str] | None = None  # None: nothing; empty: everything
        line = 1
        position = 0
        for m in _DIRECTIVE.finditer(text):
            line += text.count("\n", position, m.start())
            position = m.start()
            ids = self._ids(m.group(2), line)
            kind = m.group(1).lower()
            if kind == "ignore" and self._alone(text, m):
                self._ignore_next(text, m.end(), line, ids)
            elif kind == "ignore":
                self.lines[line] = ids
            elif kind == "disable":
                everything = not ids or disabled == set()
                disabled = set() if everything else (disabled or set()) | ids
                self._block_from(line, frozenset(disabled))
            else:
                if ids and disabled:
                    disabled -= ids
                else:
                    disabled = None
                self._block_from(line, frozenset(disabled) if disabled else None)

    def _ignore_next(self, text: str, after: int, line: int, ids: frozenset[str]) -> None:
        """Leave out the next line with text after the comment's line."""
        end = text.find("\n", after)
        while end != -1:
            line += 1
            following = text.find("\n", end + 1)
            content = text[end + 1 : following if following != -1 else len(text)]
            if content.strip():
                self.lines[line] = ids
                return
            end = following

    @staticmethod
    def _alone(text: str, m: re.Match[str]) -> bool:
        """Tell whether the comment is alone on its line (nothing but comment marks)."""
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = _COMMENT_OPENERS.sub("", text[line_start : m.start()])
        after = m.group(2).split("-->", 1)[1] if "-->" in m.group(2) else ""
        return not re.search(r"\w", before) and not re.search(r"\w", after)

    def _ids(self, rest: str, line: int) -> frozenset[str]:
        words = rest.split("--", 1)[0].replace("*/", " ").replace(")", " ")
        ids = frozenset(w for w in re.split(r"[\s,]+", words) if w)
        known = known_ids()
        for ident in ids:
            if ident not in known:
                where = _("line {line}").format(line=line)
                if self.file is not None:
                    where = _("{file}, line {line}").format(file=_draft_name(self.file), line=line)
                message = _("{where}: unknown category or rule {ident!r} in a breakup-check "
                            "comment; see `breakup check --list-rules`")  # fmt: skip
                raise InputError(message.format(where=where, ident=ident))
        return ids

    def ignored(self, line: int, category: str, rule: str | None) -> bool:
        """Tell whether a finding of `category` (and `rule`) on `line` is left out."""
        for ids in (self.lines.get(line), self._block(line)):
            if ids is None:
                continue
            if not ids or category in ids or (rule and f"{category}/{rule}" in ids):
                return True
        return False

    def _block_from(self, line: int, state: frozenset[str] | None) -> None:
        self.block_lines.append(line)
        self.block_states.append(state)

    def _block(self, line: int) -> frozenset[str] | None:
        index = bisect.bisect_right(self.block_lines, line) - 1
        return self.block_states[index] if index >= 0 else None

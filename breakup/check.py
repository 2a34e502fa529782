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

Then a learned model (breakup.tone_model, weights in `locales/<lang>/tone-model.json`)
scores each sentence that no rule matched, and reports those it flags as category "tone".
The rules are loaded by breakup.tone_rules and matched by breakup.tone_match; the helpers
that breakup.rehearse shares with them are re-exported here.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple

from breakup import chars
from breakup.errors import InputError
from breakup.i18n import _
from breakup.models import CheckConfig
from breakup.profile import parse_check_config
from breakup.resources import LOCALES_DIR
from breakup.terminal import json_safe, printable
from breakup.tone_match import Finding as Finding
from breakup.tone_match import _allowed as _allowed
from breakup.tone_match import _findings, _Ignores, _phrases_regex
from breakup.tone_rules import _END as _END
from breakup.tone_rules import _START as _START
from breakup.tone_rules import _compile_macros as _compile_macros
from breakup.tone_rules import _expand as _expand
from breakup.tone_rules import _fold as _fold
from breakup.tone_rules import _load_rules, _Rules
from breakup.tone_rules import _original_span as _original_span
from breakup.tone_rules import _RuleError as _RuleError

RULES_FILE = "tone.toml"
PROJECT_FILE = ".breakup-check.toml"
FORMATS = ("text", "json", "line")
JSON_VERSION = 1
# Larger drafts are refused: a draft is a letter, and this keeps time and memory bounded.
MAX_DRAFT_BYTES = 10 * 1024 * 1024
# Same names as breakup.catalog.REGISTERS; not imported, to keep `breakup check` light.
REGISTERS = ("formal", "informal")
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


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
    ignores = _Ignores(text, known_ids, file)
    return _findings(_end_links(text), rules, pick, disabled, allow, ignores, shown=text)


# An invisible character right after a link or an address ends it: matching reads past
# invisible characters, so "https://x.com<zero-width space>You are..." would otherwise glue
# the sentence to the link and hide it. One character for one: positions do not move.
# The text in runs without a space or an invisible character, and those separators one by
# one: each character is read once (a pattern that retried the rest of a long "a@a@a@…" run
# at each "@" took quadratic time).
_RUNS = re.compile(rf"[^\s{chars.INVISIBLE}]+|[\s{chars.INVISIBLE}]")
_LINK_START = re.compile(r"https?://|www\.", re.IGNORECASE)
_HIDDEN = re.compile(rf"[{chars.INVISIBLE}]")


def _end_links(text: str) -> str:
    if "@" not in text and "/" not in text and "www" not in text.casefold():
        return text
    out = list(text)
    previous: re.Match[str] | None = None
    for m in _RUNS.finditer(text):
        if previous is not None and _HIDDEN.fullmatch(m.group()) and _is_link(previous, text):
            out[m.start()] = " "
        previous = m
    return "".join(out)


def _is_link(run: re.Match[str], text: str) -> bool:
    """Tell whether a run of text reads as a link or an address: it holds "http://",
    "https://" or "www.", or an "@" after a character that is not a space."""
    word = run.group()
    if word.isspace() or _HIDDEN.fullmatch(word):
        return False
    if _LINK_START.search(word) or "@" in word[1:]:
        return True
    return word.startswith("@") and run.start() > 0 and not text[run.start() - 1].isspace()


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
    if forced:
        return DraftResult(file, choice.lang, findings, choice.note)
    if choice.detected is not None:
        found = list(findings)
        mixed = _other_language_parts(text, choice.lang, register, config, found)
        if not mixed:
            return DraftResult(file, choice.lang, found, choice.note)
        note = _("Note: part of {file} reads as another language; that part is checked in it "
                 "too.").format(file=_draft_name(file))  # fmt: skip
        merged = sorted(found + mixed, key=lambda f: (f.line, f.column))
        return DraftResult(file, choice.lang, merged, " ".join(filter(None, [choice.note, note])))
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


def _other_language_parts(
    text: str,
    lang: str,
    register: str,
    config: CheckConfig | None,
    found: list[Finding],
) -> list[Finding]:
    """Return the findings of the paragraphs that read as another language, checked in it.

    A Spanish letter with "P.S. You are a deadbeat." reads as Spanish as a whole; its last
    paragraph reads as English, and English finds what Spanish cannot. A finding is kept
    only where its paragraph scores higher for that language than for `lang`, and not where
    `lang` already reported something at the same place.
    """
    from breakup.detect import language_scores

    lines = text.split("\n")
    seen = {(f.line, f.column) for f in found}
    extra: list[Finding] = []
    for other in available_languages():
        if other == lang:
            continue
        for finding in check_text(text, other, register, config):
            if (finding.line, finding.column) in seen:
                continue
            first = last = finding.line - 1
            while first > 0 and lines[first - 1].strip():
                first -= 1
            while last + 1 < len(lines) and lines[last + 1].strip():
                last += 1
            scores = language_scores("\n".join(lines[first : last + 1]))
            # Or the sentence alone: "Es usted un moroso." inside an English paragraph (a
            # round-31 red team); the column is 1-based.
            said = _sentence_at(lines[finding.line - 1], finding.column - 1)
            alone = language_scores(said)
            # A short one counts too ("Go to hell." in a Spanish letter: a round-32 red team).
            if scores.get(other, 0) > scores.get(lang, 0) or alone.get(other, 0) > alone.get(
                lang, 0
            ):
                extra.append(finding)
                seen.add((finding.line, finding.column))
    return extra


_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)]*\s+")


def _sentence_at(line: str, column: int) -> str:
    """The sentence of a line that holds the given column (0-based)."""
    start = 0
    for end in _SENTENCE_END.finditer(line):
        if end.end() > column:
            return line[start : end.end()]
        start = end.end()
    return line[start:]


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

"""Match the tone rules against a draft, a paragraph at a time, and honour inline comments.

`_findings` cuts the draft into pieces of bounded size (paragraphs, long ones cut at a
line break or a space), matches each category's alternation against the folded piece and
yields a Finding per span, with positions in the original text. `_Ignores` reads the
`breakup-check:` comments once.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from breakup import tone_model
from breakup.errors import InputError
from breakup.i18n import _
from breakup.tone_rules import _Category, _fold, _folded_span, _original_span, _Rules

# A paragraph longer than this is matched in pieces cut at a line break (or a space).
_PIECE = 20_000
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")

# How far around a finding an allow pattern may reach (in characters).
_ALLOW_REACH = 200

# A word in capitals, given a character class of the capitals present in the draft.
_CAPS_WORD = r"(?<!\w){0}+(?:['’]{0}+)*(?!\w)"
_CAPS_GAP = re.compile(r"[,;:]?[^\S\n]+")
# The end of a sentence: its closing marks (and quotes) before a space, or a blank line.
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s|\Z)|\n[^\S\n]*\n")

# A word: two letters in a row. A "sentence" without one (initials, a dotted run) says nothing.
_WORD = re.compile(r"[^\W\d_]{2}")
# Only in a comment, as the README shows it: "<!-- breakup-check: ignore -->", "# …", "// …",
# "/* … */", "[//]: # (…)", "% …", "; …", the marker at the start of a line or after a space.
# Visible prose ("You are a deadbeat. breakup-check: ignore"), "C# breakup-check" and a quoted
# reply ("> # breakup-check: disable") turn nothing off (a round-34 red team).
_DIRECTIVE = re.compile(
    r"(?:^[^\S\n]*|(?<=[^\S\n]))(?:<!--|#|//|/\*|\[//\]:[^\S\n]*#[^\S\n]*\(|[%;])[^\S\n]*"
    r"breakup-check:[^\S\n]*(ignore|disable|enable)\b([^\n]*)",
    re.I | re.M,
)
# A whole breakup-check comment, with its markers: what is left of a "sentence" without it.
_DIRECTIVE_COMMENT = re.compile(
    r"(?:<!--|#|//|/\*|\[//\]:\s*#\s*\(|[%;])?[^\S\n]*breakup-check:[^\n]*?(?:-->|\*/|\)|$)",
    re.I | re.M,
)
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


# start, end (in the piece), category index, rule id, advice
_Span = tuple[int, int, int, str | None, str]

# Matching ------------------------------------------------------------------------------


def _findings(
    text: str,
    rules: _Rules,
    pick: int,
    disabled: frozenset[str],
    allow: re.Pattern[str] | None,
    ignores: _Ignores,
    shown: str | None = None,
) -> Iterator[Finding]:
    """Match the draft a piece at a time and yield its findings in order. `shown` is the
    draft as the user wrote it, when `text` was changed for matching (one character for one:
    the positions are the same); the findings quote it."""
    shown = text if shown is None else shown
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
        spans.sort(key=lambda s: (s[0], -s[1], s[2]))
        starts = [0, *(m.end() for m in re.finditer("\n", piece))]
        seen: set[tuple[int, int]] = set()
        for first, last, index, rule, advice in spans:
            if (first, last) in seen:
                continue
            seen.add((first, last))
            row = bisect.bisect_right(starts, first)
            end_row = bisect.bisect_right(starts, last - 1) if last > first else row
            category = rules.categories[index]
            # A rule's finding is left out by a comment on its first line; the model's
            # finding is a sentence, left out by a comment on any of its lines.
            rows = range(row, end_row + 1) if category.model else (row,)
            if any(ignores.ignored(line + r - 1, category.id, rule) for r in rows):
                continue
            yield Finding(
                line=line + row - 1,
                column=_column(start, first, starts[row - 1], line_start, row),
                end_line=line + end_row - 1,
                end_column=_column(start, last, starts[end_row - 1], line_start, end_row),
                category=category.id,
                rule=rule,
                label=category.label,
                match=shown[start + first : start + last],
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


# The end of a sentence inside a piece: where a cut splits no phrase.
_CUT_AT = re.compile(r"[.!?…][\"'”’»)\]]*\s")


def _cut(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut a long paragraph at the last sentence end of each window (a phrase across the cut,
    "You are a | deadbeat", was missed: a red-team finding), else at a line break or a
    space, else anywhere."""
    while end - start > _PIECE:
        limit = start + _PIECE
        last = None
        for last in _CUT_AT.finditer(text, start, limit):  # noqa: B007 (the last one is kept)
            pass
        if last is not None and last.end() > start + 1:
            yield start, last.end()
            start = last.end()
            continue
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
    """Return the spans to report in one piece (unsorted), merged where a category asks.

    With a model, the sentences that no rule matched are scored too (see _model_spans).
    """
    folded, origin = _fold(piece)
    allowed = [m.span() for m in allow.finditer(folded)] if allow is not None else []
    model = _model_category(rules, disabled)
    spans: list[_Span] = []
    hits: list[tuple[int, int]] = []
    for index, category in enumerate(rules.categories):
        off = category.id in disabled
        if off and model is None:
            continue
        found: list[_Span] = []
        for first, last, rule, advice in _rule_matches(piece, folded, origin, category, pick):
            hits.append((first, index))
            if off or (rule is not None and f"{category.id}/{rule}" in disabled):
                continue
            if allowed and _overlaps(allowed, *_folded_span(first, last, origin)):
                continue
            found.append((first, last, index, rule, advice))
        if category.merge and len(found) > 1:
            found = _merge_by_sentence(piece, found)
        spans.extend(found)
    if model is not None:
        spans.extend(_model_spans(piece, folded, origin, rules, model, pick, hits, allowed))
    return spans


def _rule_matches(
    piece: str, folded: str, origin: list[int] | None, category: _Category, pick: int
) -> Iterator[tuple[int, int, str | None, str]]:
    """Yield (start, end, rule id, advice) of a category's matches, but those it allows."""
    if category.regex is not None:
        for m in category.regex.finditer(folded):
            if category.allow is not None and _allowed(category.allow, folded, m):
                continue
            group = m.lastgroup
            number = int(group[1:]) if group else -1
            own = category.advices[number] if group else None
            first, last = _original_span(m.start(), m.end(), origin, piece)
            yield (
                first,
                last,
                category.rules[number] if group else None,
                (own or category.advice)[pick],
            )
    if category.caps:
        for first, last in _caps_runs(piece, category):
            yield first, last, None, category.advice[pick]


def _model_category(rules: _Rules, disabled: frozenset[str]) -> int | None:
    """Return the index of the model's category, or None when there is none or it is off."""
    if rules.model is None:
        return None
    for index, category in enumerate(rules.categories):
        if category.model and category.id not in disabled:
            return index
    return None


def _model_spans(
    piece: str,
    folded: str,
    origin: list[int] | None,
    rules: _Rules,
    index: int,
    pick: int,
    hits: list[tuple[int, int]],
    allowed: list[tuple[int, int]],
) -> Iterator[_Span]:
    """Yield each sentence that no rule matched and that the model scores as flagged.

    A sentence where a rule matched is the rules' to report, even when the user's
    configuration leaves that rule out: the model never reports it instead. An allowed
    phrase is blanked before scoring, so it adds nothing to the score.
    """
    assert rules.model is not None and rules.words is not None
    category = rules.categories[index]
    starts = sorted(first for first, _ in hits)
    for first, last in tone_model.sentences(piece):
        matched = bisect.bisect_left(starts, first)
        if matched < len(starts) and starts[matched] < last:
            continue
        text = piece[first:last]
        if _DIRECTIVE.search(text) and not _DIRECTIVE_COMMENT.sub("", text).strip():
            continue  # a breakup-check comment, not a sentence of the draft
        if not _WORD.search(text):
            continue  # no word of two letters ("a.a.a.", "A.B.C."): nothing said to judge
        low, high = _folded_span(first, last, origin)
        sentence = _blank(folded, low, high, allowed)
        logit = tone_model.score(rules.model, sentence, text, rules.words)
        if logit >= rules.model.cutoff:
            yield first, last, index, None, category.advice[pick]


def _blank(folded: str, low: int, high: int, allowed: list[tuple[int, int]]) -> str:
    """Return folded[low:high] with the allowed phrases in it replaced by spaces."""
    if not allowed:
        return folded[low:high]
    chars = list(folded[low:high])
    for start, end in allowed[max(0, bisect.bisect_left(allowed, (low, low)) - 1) :]:
        if start >= high:
            break
        for position in range(max(start, low), min(end, high)):
            chars[position - low] = " "
    return "".join(chars)


def rule_hits(text: str, rules: _Rules) -> list[str]:
    """Return the ids of the rule categories that match `text` anywhere, in file order.

    Used to train the model on the same features the check computes.
    """
    ids: list[str] = []
    pieces = [(text[a:b], *_fold(text[a:b])) for a, b in _pieces(text)]
    for category in rules.categories:
        if any(next(_rule_matches(p, f, o, category, 0), None) for p, f, o in pieces):
            ids.append(category.id)
    return ids


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

    def __init__(
        self, text: str, known: Callable[[], frozenset[str]], file: str | None = None
    ) -> None:
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
            if text[text.rfind("\n", 0, m.start()) + 1 : m.start()].lstrip().startswith(">"):
                continue  # a comment quoted from someone else's message
            ids = self._ids(m.group(2), line, known)
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

    def _ids(self, rest: str, line: int, known: Callable[[], frozenset[str]]) -> frozenset[str]:
        words = rest.split("--", 1)[0].replace("*/", " ").replace(")", " ")
        ids = frozenset(w for w in re.split(r"[\s,]+", words) if w)
        for ident in ids:
            if ident not in known():
                where = _("line {line}").format(line=line)
                if self.file is not None:
                    from breakup.terminal import printable

                    name = _("the draft") if self.file == "-" else printable(self.file)
                    where = _("{file}, line {line}").format(file=name, line=line)
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

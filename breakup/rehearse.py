"""Rehearse the call: breakup plays the client and reads each reply for tone and substance.

The core plans a session, runs the conversation one client line at a time and scores it; it
never prints nor reads the terminal (breakup.cli_rehearse does)::

    from breakup.rehearse import Conversation, plan
    talk = Conversation(plan("late-payer", lang="es", seed=7))
    print(talk.next_line().text)                  # the client's first line
    answer = talk.answer("Vale, gracias.")
    print([miss.label for miss in answer.misses])   # the goals the reply missed
    print(talk.debrief())

The substance rules are data: one `locales/<lang>/substance.toml` per language (its format is
described at its top), matched like the tone rules of breakup.check.
"""

from __future__ import annotations

import functools
import random
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from breakup import context, languages, render
from breakup.catalog import strip_controls
from breakup.check import (
    _END,
    _START,
    Finding,
    _allowed,
    _compile_macros,
    _expand,
    _fold,
    _original_span,
    _RuleError,
    check_text,
)
from breakup.errors import BreakupError, InputError, OutputError, TemplateError
from breakup.i18n import _
from breakup.models import ClientFacts, Profile
from breakup.resources import LOCALES_DIR

RULES_FILE = "substance.toml"
# How many client lines a session has at each difficulty.
DIFFICULTIES = {"easy": 3, "normal": 5, "hard": 7}
# The debrief: each item, the goals it scores, and how. "said": passed by the first reply that
# shows it, missed by the first that misses it (or, when it came up, by none showing it);
# "avoid": passed unless a reply misses it; "tone": the tone check's findings; "calm": the
# replies to lines said under pressure (a push, a raised voice, a line that asks for calm).
DEBRIEF = (
    ("decision", ("decision",), "said"),
    ("date", ("date",), "said"),
    ("no_concession", ("price", "no_promise", "no_new_work", "boundary"), "avoid"),
    ("tone", (), "tone"),
    ("referral", ("referral",), "said"),
    ("calm", ("calm",), "calm"),
)
# The kinds of miss (keys of [does] in substance.toml) that give the client ground, and so
# invite a push; and those that heat the call up, as a hostile tone does.
CONCESSIONS = frozenset({"concede", "reopen", "apologize", "promise", "assent"})
HOSTILE = frozenset({"escalate", "defend"})
# A share of the exit line's words that makes a reply the exit line, said in one's own way.
EXIT_OVERLAP = 0.6
RECORD = "breakup-rehearse"
# A transcript to replay is a few pages of Markdown; a reply is a few sentences.
MAX_TRANSCRIPT = 10_000_000
MAX_REPLY = 10_000
# Escape sequences a terminal would act on (colors, cursor moves, titles), then control bytes.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


@dataclass(frozen=True)
class Line:
    """One line the client says.

    Fields: id (stable within the archetype: "3" for its third reaction, "3p" for that
    reaction's push, with "!" when said in a raised voice), text, suggested (the script's
    reply), goals (what a good reply does), reaction (its index), push, raised.
    """

    id: str
    text: str
    suggested: str
    goals: tuple[str, ...]
    reaction: int
    push: bool = False
    raised: bool = False


@dataclass(frozen=True)
class Miss:
    """A goal a reply missed.

    Fields: goal (its id), label (its name), kind (concede, reopen, apologize, promise...),
    does (the kind as the user reads it), match (the words, as typed), advice.
    """

    goal: str
    label: str
    kind: str
    does: str
    match: str
    advice: str


@dataclass(frozen=True)
class Answer:
    """A reply and what was found in it.

    Fields: turn (from 1), line, reply (cleaned; empty when skipped), findings (the tone
    check's), misses (the goals missed), met (the goals the reply shows), verdict ("firm",
    "soft", "concede", "exit" or "skip"), hostile (its tone makes a client who has an exit
    line raise their voice).
    """

    turn: int
    line: Line
    reply: str
    findings: tuple[Finding, ...] = ()
    misses: tuple[Miss, ...] = ()
    met: tuple[str, ...] = ()
    verdict: str = "skip"
    hostile: bool = False

    @property
    def neutral(self) -> bool:
        return bool(self.reply) and not self.findings


@dataclass(frozen=True)
class Outcome:
    """One item of the debrief.

    Fields: key (an item of DEBRIEF), result ("pass", "miss", or "none" when it never came
    up), turns (the turns that decided it).
    """

    key: str
    result: str
    turns: tuple[int, ...] = ()


@dataclass(frozen=True)
class Replay:
    """What a transcript records to face the same client lines again.

    Fields: archetype, lang, lines (the line ids in order), results (the debrief then).
    """

    archetype: str
    lang: str
    lines: tuple[str, ...]
    results: tuple[Outcome, ...] = ()


class _Reaction(NamedTuple):
    says: str
    reply: str
    goals: tuple[str, ...]
    push: str


@dataclass(frozen=True)
class Session:
    """A planned rehearsal.

    Fields: archetype, lang, difficulty, seed (drawn when not given, and recorded), opening
    (what the user says first: the script's opening and decision), reactions, exit_line (""
    when the archetype has none), order (the reactions in the order the client brings them),
    replay, rules (the substance rules), texts (the evaluated rehearsal.j2).
    """

    archetype: str
    lang: str
    difficulty: str
    seed: int
    opening: str
    reactions: tuple[_Reaction, ...]
    exit_line: str
    order: tuple[int, ...]
    replay: Replay | None = None
    rules: Any = field(default=None, repr=False)
    texts: Any = field(default=None, repr=False)

    def line(self, ident: str) -> Line:
        """The client line of an id such as "3", "3p" or "3p!"."""
        m = re.fullmatch(r"([1-9][0-9]*)(p?)(!?)", ident)
        index = int(m.group(1)) - 1 if m else -1
        if not m or index >= len(self.reactions) or (m.group(2) and not self.reactions[index].push):
            raise InputError(
                _("the transcript names a client line {id!r} that {archetype} does not have: "
                  "replay it with the same archetype and profile").format(
                    id=ident, archetype=self.archetype)
            )  # fmt: skip
        return self._line(index, bool(m.group(2)), bool(m.group(3)))

    def _line(self, index: int, push: bool, raised: bool) -> Line:
        r = self.reactions[index]
        goals = r.goals + (("calm",) if raised and "calm" not in r.goals else ())
        ident = f"{index + 1}{'p' if push else ''}{'!' if raised else ''}"
        return Line(ident, r.push if push else r.says, r.reply, goals, index, push, raised)


def plan(
    archetype: str,
    *,
    lang: str = "en",
    locale: str | None = None,
    register: str | None = None,
    facts: ClientFacts | None = None,
    profile: Profile | None = None,
    difficulty: str = "normal",
    seed: int | None = None,
    replay: Replay | None = None,
    templates: Path | None = None,
    today: date | None = None,
) -> Session:
    """Prepare a session: the client's lines, their order (varied by seed), the rules."""
    if difficulty not in DIFFICULTIES:
        raise InputError(
            _("unknown difficulty {name!r}: choose one of {choices}").format(
                name=difficulty, choices=", ".join(DIFFICULTIES)
            )
        )
    register = register or render.default_register(archetype, lang, templates)
    locale = locale or languages.babel_locale(lang, languages.language(lang).default_region)
    env = render.environment(lang, locale, register, False, templates)
    ctx = context.build(
        archetype, facts or ClientFacts(), profile or Profile(), lang=lang, locale=locale,
        register=register, fmt="text", today=today or date.today(),
        placeholders=render.placeholders(env), document="script",
    )  # fmt: skip
    ctx["a"] = a = render.load_archetype(archetype, lang, locale, register, templates, ctx)
    ctx["mail"] = False
    talk = render.evaluate(env, "documents/script.j2", ctx)
    rules = _session_rules(lang, _end_forms(ctx), _referral_names(ctx))
    reactions = tuple(
        _Reaction(clean(str(r["says"])), clean(str(r["reply"])),
                  tuple(str(g) for g in r.get("goals") or ()), clean(str(r.get("push") or "")))
        for r in a.reactions
    )  # fmt: skip
    for number, reaction in enumerate(reactions, 1):
        for goal in reaction.goals:
            if goal not in rules.goals:
                raise TemplateError(
                    _("{archetype}: reaction {number} has the goal {goal!r}, which "
                      "{file} does not define: use one of {goals}").format(
                        archetype=archetype, number=number, goal=goal,
                        file=LOCALES_DIR / lang / RULES_FILE, goals=", ".join(rules.goals))
                )  # fmt: skip
    if seed is None:
        seed = random.SystemRandom().randrange(1_000_000)
    order = list(range(len(reactions)))
    random.Random(seed).shuffle(order)
    if difficulty == "hard":  # the client who argues: the lines that can push come first
        order.sort(key=lambda i: not reactions[i].push)
    return Session(
        archetype=archetype, lang=lang, difficulty=difficulty, seed=seed,
        opening=clean(f"{talk.opening} {a.decision}"), reactions=reactions,
        exit_line=clean(str(a.exit_line or "")), order=tuple(order), replay=replay,
        rules=rules, texts=_texts(render.evaluate(env, "rehearsal.j2", ctx), templates),
    )  # fmt: skip


def _texts(module: Any, templates: Path | None) -> Any:
    """The rehearsal's words: a user's rehearsal.j2 is called turn after turn, so its macros
    run within the time bound too."""
    from breakup import sandbox

    if templates is None:
        return module
    return sandbox.BoundedModule(module, lambda error: render.template_error(error, "rehearsal.j2"))


def clean(text: str) -> str:
    """Drop terminal escape sequences and control characters; join the lines into one."""
    return " ".join(str(strip_controls(_ESCAPES.sub("", text))).split())


class Conversation:
    """The state machine of a session: the client's next line depends on the reply.

    A reply that concedes brings the reaction's push (from normal difficulty up; on hard, a
    soft or skipped reply does too); a firm one moves on to a new reaction, and on hard, once
    none is left, to pushes not yet made. A hostile reply makes a client who has an exit line
    raise their voice; the exit line ends the call. A replay says its recorded lines in order.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.answers: list[Answer] = []
        self.ended = ""  # "done", "exit", or what the caller says ("eof", "interrupted")
        self._queue = list(session.order)
        self._pushed: set[int] = set()
        self._script = list(session.replay.lines) if session.replay else None
        self._current = self._scripted() if self._script is not None else self._new(False)
        if self._current is None:
            self.ended = "done"

    @property
    def limit(self) -> int:
        """How many client lines the session has at most."""
        if self.session.replay is not None:
            return len(self.session.replay.lines)
        return DIFFICULTIES[self.session.difficulty]

    def next_line(self) -> Line | None:
        """The line the client says now, or None when the session is over."""
        return None if self.ended else self._current

    def answer(self, reply: str) -> Answer:
        """Judge the reply to the current line and choose the client's next line."""
        line = self.next_line()
        if line is None:
            raise BreakupError(_("the rehearsal is over: start a new one"))
        answer = assess(self.session, line, reply, len(self.answers) + 1)
        upcoming = None
        if answer.verdict != "exit" and answer.turn < self.limit:
            upcoming = self._scripted() if self._script is not None else self._follow(answer)
        self.answers.append(answer)
        self._current = upcoming
        if upcoming is None:
            self.ended = "exit" if answer.verdict == "exit" else "done"
        return answer

    def stop(self, reason: str) -> None:
        """End the session early: "eof" (no more input) or "interrupted"."""
        self.ended = self.ended or reason

    def debrief(self) -> tuple[Outcome, ...]:
        """Score the session, item by item (see DEBRIEF)."""
        return debrief(self.answers, self.session.rules)

    def _scripted(self) -> Line | None:
        assert self._script is not None
        return self.session.line(self._script.pop(0)) if self._script else None

    def _new(self, raised: bool) -> Line | None:
        return self.session._line(self._queue.pop(0), False, raised) if self._queue else None

    def _follow(self, answer: Answer) -> Line | None:
        line, difficulty = answer.line, self.session.difficulty
        raised = answer.hostile and bool(self.session.exit_line)
        pushes = (difficulty == "normal" and answer.verdict == "concede") or (
            difficulty == "hard" and answer.verdict in ("concede", "soft", "skip")
        )
        if pushes and not line.push and self._can_push(line.reaction):
            self._pushed.add(line.reaction)
            return self.session._line(line.reaction, True, raised)
        if self._queue:
            return self._new(raised)
        if difficulty == "hard":
            spare = [i for i in self.session.order if self._can_push(i)]
            if spare:
                self._pushed.add(spare[0])
                return self.session._line(spare[0], True, raised)
        return None

    def _can_push(self, index: int) -> bool:
        return bool(self.session.reactions[index].push) and index not in self._pushed


def assess(session: Session, line: Line, reply: str, turn: int = 1) -> Answer:
    """Judge one reply to a client line: its tone, its substance, and what it does."""
    text = clean(reply)
    if not text:
        return Answer(turn=turn, line=line, reply="")
    rules: _Rules = session.rules
    # The advice speaks to the user, who is addressed informally (Spanish tú) here.
    findings = tuple(check_text(text, session.lang, "informal"))
    misses, met = judge(rules, text, line.goals)
    kinds = {m.kind for m in misses}
    hostile = bool(kinds & HOSTILE) or any(f.category in rules.escalate for f in findings)
    # Firm: it shows one of the line's goals, or the decision (a goal judged on every line).
    said = [g.id for g in rules.goals.values()
            if not g.met_by_default and (g.id in line.goals or g.always)]  # fmt: skip
    if session.exit_line and _is_exit(rules, text, session.exit_line):
        verdict = "exit"
    elif kinds & CONCESSIONS:
        verdict = "concede"
    elif misses or hostile or not set(said) & set(met):
        verdict = "soft"
    else:
        verdict = "firm"
    return Answer(turn, line, text, findings, misses, met, verdict, hostile)


def judge(
    rules: _Rules, text: str, goals: tuple[str, ...]
) -> tuple[tuple[Miss, ...], tuple[str, ...]]:
    """Return the goals a reply misses and the goals it shows.

    A reply is judged on the line's goals and on the goals marked `always`. Weak words ("OK.",
    "I'm sorry") miss a goal only when nothing else does and the reply holds none of the
    line's goals.
    """
    folded, origin = _fold(text)
    met = [g.id for g in rules.goals.values() if g.met is not None and g.met.search(folded)]
    misses: list[Miss] = []
    for goal in rules.goals.values():
        if goal.id not in goals and not goal.always:
            continue
        for group in goal.misses:
            m = _search(group, folded)
            if m is not None:
                misses.append(_miss(rules, goal, group, text, origin, m))
                break
    if not misses and not set(met) & set(goals):
        for weak in rules.weak:
            target = next((g for g in weak.goals if g in goals), None)
            m = _search(weak.group, folded) if target else None
            if target and m is not None:
                misses.append(_miss(rules, rules.goals[target], weak.group, text, origin, m))
                break
    missed = {miss.goal for miss in misses}
    order = {g: n for n, g in enumerate(goals)}
    misses.sort(key=lambda miss: order.get(miss.goal, len(order)))
    return tuple(misses), tuple(g for g in met if g not in missed)


def debrief(answers: list[Answer], rules: _Rules) -> tuple[Outcome, ...]:
    """Score the replies: per item of DEBRIEF, a pass or a miss and the turns that decided it."""
    given = [a for a in answers if a.reply]
    outcomes = []
    for key, goals, how in DEBRIEF:
        if how == "tone":
            flagged = [a.turn for a in given if a.findings]
            outcomes.append(_outcome(key, flagged[:1], (), bool(given)))
            continue
        if how == "calm":
            pressed = [a for a in given if a.line.push or a.line.raised or "calm" in a.line.goals]
            lost = [a.turn for a in pressed if a.verdict != "exit" and _lost_calm(a, rules)]
            outcomes.append(_outcome(key, lost[:1], tuple(a.turn for a in pressed), bool(pressed)))
            continue
        missed = [a.turn for a in given if any(m.goal in goals for m in a.misses)]
        asked = [a.turn for a in given if set(goals) & set(a.line.goals)]
        if how == "avoid":
            outcomes.append(_outcome(key, missed[:1], tuple(asked), bool(asked or missed)))
            continue
        shown = [a.turn for a in given if set(goals) & set(a.met)]
        if not missed and not shown and asked:
            missed = asked  # it came up, and no reply said it
        outcomes.append(_outcome(key, missed[:1], tuple(shown[:1]), bool(shown or missed)))
    return tuple(outcomes)


def _outcome(key: str, missed: list[int], passed: tuple[int, ...], came_up: bool) -> Outcome:
    if missed:
        return Outcome(key, "miss", tuple(missed))
    return Outcome(key, "pass", passed) if came_up else Outcome(key, "none")


def _lost_calm(answer: Answer, rules: _Rules) -> bool:
    return any(f.category in rules.calm for f in answer.findings) or any(
        m.goal == "calm" for m in answer.misses
    )


# What the session says, for the screen (esc=str) or the Markdown transcript ------------------


def client_text(session: Session, line: Line, esc: Callable[[str], str] = str) -> str:
    """The client's line with its label ("Client: ...")."""
    label = session.texts.raised_label if line.raised else session.texts.client_label
    return str(session.texts.labelled(label, esc(line.text)))


def notes(session: Session, answer: Answer, esc: Callable[[str], str] = str) -> list[str]:
    """What is said after a reply: the tone check, the substance, the script's reply."""
    t, rules = session.texts, session.rules
    lines = []
    if answer.reply:
        for f in answer.findings:
            text = t.finding_line({"label": f.label, "match": esc(f.match), "advice": f.advice})
            lines.append(str(t.labelled(t.check_label, text)))
        if not answer.findings:
            lines.append(str(t.labelled(t.check_label, t.neutral_text)))
        for m in answer.misses:
            text = t.miss_line(m.label, m.does, esc(m.match), m.advice)
            lines.append(str(t.labelled(t.substance_label, text)))
        if not answer.misses and answer.verdict != "exit" and answer.line.goals:
            # With no miss, a goal met by default is met (calm, unless the tone check found
            # it broken); the others only when the reply shows them.
            heated = any(f.category in rules.calm for f in answer.findings)
            goals = [rules.goals[g] for g in answer.line.goals]
            met = [g.label for g in goals if g.id in answer.met
                   or (g.met_by_default and not (heated and g.id == "calm"))]  # fmt: skip
            still = [g.label for g in goals if not g.met_by_default and g.id not in answer.met]
            if met or still:
                lines.append(str(t.labelled(t.substance_label, t.kept_line(met, still))))
    lines.append(str(t.labelled(t.suggested_label, esc(answer.line.suggested))))
    return lines


def ending(session: Session, talk: Conversation) -> str:
    """A note on how the session ended, or "" when the client said all their lines."""
    if talk.ended == "exit":
        return str(session.texts.exit_note)
    if talk.ended == "interrupted":
        return str(session.texts.interrupted_note(len(talk.answers) + 1))
    return ""


def debrief_lines(session: Session, outcomes: tuple[Outcome, ...]) -> list[str]:
    """The debrief, a line per item, with last time's result in a replay."""
    before = {o.key: o for o in session.replay.results} if session.replay else {}
    t = session.texts
    lines = []
    for o in outcomes:
        last = before.get(o.key)
        result = t.result(o.result, list(o.turns))
        if last is not None:
            result = t.compared(result, t.result(last.result, list(last.turns)))
        lines.append(str(t.labelled(t.debrief_labels[o.key], result)))
    return lines


def summary_line(session: Session, answers: list[Answer]) -> str:
    """The closing line, e.g. "Neutral replies: 3/4" ("Respuestas neutrales: 3/4")."""
    given = [a for a in answers if a.reply]
    return str(session.texts.summary_line(sum(a.neutral for a in given), len(given)))


def transcript(session: Session, talk: Conversation, replay_of: str = "") -> str:
    """The session as Markdown: every turn and its findings, the debrief, and a record of the
    client's lines (an HTML comment) that --replay reads. What was typed is escaped."""
    from breakup.registry import md_escape

    t = session.texts
    outcomes = talk.debrief()
    data = {
        "title": md_escape(str(t.title)),
        "record": record(session, talk, outcomes),
        "header": str(t.header(t.difficulty_names[session.difficulty], session.seed)),
        "replay": str(t.replay_note(md_escape(replay_of))) if replay_of else "",
        "opening": md_escape(session.opening),
        "turns": [
            {
                "client": client_text(session, a.line, md_escape),
                "reply": md_escape(a.reply),
                "notes": notes(session, a, md_escape),
            }
            for a in talk.answers
        ],
        "ending": ending(session, talk),
        "debrief": debrief_lines(session, outcomes),
        "summary": summary_line(session, talk.answers),
    }
    return str(t.transcript(data)).strip() + "\n"


def record(session: Session, talk: Conversation, outcomes: tuple[Outcome, ...]) -> str:
    """The HTML comment that records the client's lines and the debrief, for --replay."""
    lines = ",".join(a.line.id for a in talk.answers)
    results = ";".join(f"{o.key}:{o.result}:{'+'.join(map(str, o.turns))}" for o in outcomes)
    return (
        f"<!-- {RECORD} archetype={session.archetype} lang={session.lang} "
        f"difficulty={session.difficulty} seed={session.seed} lines={lines} "
        f"results={results} -->"
    )


def read_replay(path: Path) -> Replay:
    """Read the record of a transcript written by `breakup rehearse --transcript`."""
    from breakup.inputs import read_file

    text = read_file(path, MAX_TRANSCRIPT).decode("utf-8", errors="replace")
    m = re.search(rf"<!-- {RECORD} ([^\n]*?) -->", text)
    values = dict(re.findall(r"(\w+)=(\S*)", m.group(1))) if m else {}
    lines = tuple(x for x in values.get("lines", "").split(",") if x)
    if not (values.get("archetype") and values.get("lang") and lines):
        raise InputError(
            _("{path} holds no rehearsal to replay: give a transcript written by "
              "`breakup rehearse --transcript` with at least one answered line").format(path=path)
        )  # fmt: skip
    results = []
    for item in values.get("results", "").split(";"):
        parts = item.split(":")
        if len(parts) == 3 and parts[1] in ("pass", "miss", "none"):
            turns = tuple(int(n) for n in parts[2].split("+") if n.isdigit())
            results.append(Outcome(parts[0], parts[1], turns))
    return Replay(values["archetype"], values["lang"], lines, tuple(results))


def check_target(path: Path, force: bool) -> None:
    """Make sure the transcript can be written, before the session starts.

    Raise OutputError when the file exists (without force), is not a regular file, or when
    its folder cannot be created or written to.
    """
    import os
    import tempfile

    from breakup import output

    if output.exists(path) and not path.is_file():
        raise OutputError(
            _("{path} is not a regular file: choose a file name for the transcript").format(
                path=path
            )
        )
    if output.exists(path) and not force:
        raise OutputError(
            _("{path} already exists: choose another name or pass --force").format(path=path)
        )
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the transcript's missing folders are created when it is written
    try:
        if not folder.is_dir():
            raise NotADirectoryError(20, os.strerror(20))
        fd, probe = tempfile.mkstemp(prefix=".breakup-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise OutputError(
            _("cannot write the transcript {path}: {reason}").format(
                path=path, reason=error.strerror or error
            )
        ) from None


# The substance rules --------------------------------------------------------------------


class _Group(NamedTuple):
    kind: str
    regex: re.Pattern[str]
    allow: re.Pattern[str] | None


class _Goal(NamedTuple):
    id: str
    label: str
    advice: str
    met: re.Pattern[str] | None
    misses: tuple[_Group, ...]
    met_by_default: bool
    always: bool


class _Weak(NamedTuple):
    group: _Group
    goals: tuple[str, ...]


class _Rules(NamedTuple):
    """The compiled substance rules of a language, for one session's date and referrals."""

    goals: dict[str, _Goal]
    weak: tuple[_Weak, ...]
    does: dict[str, str]
    calm: frozenset[str]
    escalate: frozenset[str]
    exit: re.Pattern[str] | None


def _session_rules(lang: str, end: tuple[str, ...], referrals: tuple[str, ...]) -> _Rules:
    path = LOCALES_DIR / lang / RULES_FILE
    if not (re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", lang) and path.is_file()):
        raise InputError(
            _("no substance rules for the language {lang!r}: add {path} (see README, "
              "'Rehearsing the call')").format(lang=lang, path=path)
        )  # fmt: skip
    return _compile(path, end, referrals)


@functools.lru_cache(maxsize=32)
def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except OSError as error:
        raise BreakupError(f"{path}: cannot read the substance rules: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise BreakupError(f"{path}: invalid TOML: {error}") from None


@functools.lru_cache(maxsize=32)
def _compile(path: Path, end: tuple[str, ...], referrals: tuple[str, ...]) -> _Rules:
    data = _read(path)
    try:
        return _rules(data, {"end": _alternatives(end), "referrals": _alternatives(referrals)})
    except _RuleError as error:
        raise BreakupError(f"{path}: {error}") from None
    except (KeyError, TypeError, AttributeError) as error:
        raise BreakupError(f"{path}: missing or invalid entry: {error}") from None


def _rules(data: dict[str, Any], session: dict[str, str]) -> _Rules:
    macros = {**_compile_macros(data.get("macros", {})), **session}
    does = {str(k): str(v) for k, v in data["does"].items()}

    def group(table: dict[str, Any], where: str) -> _Group:
        kind = str(table["does"])
        if kind not in does:
            raise _RuleError(f"{where}: does = {kind!r} is not a key of [does]")
        allow = table.get("allow", [])
        return _Group(kind, _regex(table["patterns"], macros, where),
                      _regex(allow, macros, f"{where} allow") if allow else None)  # fmt: skip

    goals = {}
    for table in data["goal"]:
        ident = str(table["id"])
        where = f"goal {ident!r}"
        goals[ident] = _Goal(
            id=ident, label=str(table["label"]), advice=str(table["advice"]),
            met=_regex(table["met"], macros, f"{where} met") if table.get("met") else None,
            misses=tuple(group(g, f"{where} miss") for g in table.get("miss", [])),
            met_by_default=bool(table.get("met_by_default", False)),
            always=bool(table.get("always", False)),
        )  # fmt: skip
    weak = []
    for table in data.get("weak", []):
        unknown = [g for g in table["goals"] if g not in goals]
        if unknown:
            raise _RuleError(f"[[weak]] names the unknown goal {unknown[0]!r}")
        weak.append(_Weak(group(table, "[[weak]]"), tuple(table["goals"])))
    exits = data.get("exit", {}).get("patterns", [])
    return _Rules(
        goals=goals, weak=tuple(weak), does=does,
        calm=frozenset(data.get("tone", {}).get("calm", [])),
        escalate=frozenset(data.get("tone", {}).get("escalate", [])),
        exit=_regex(exits, macros, "[exit]") if exits else None,
    )  # fmt: skip


def _regex(patterns: list[str], macros: dict[str, str], where: str) -> re.Pattern[str]:
    if not isinstance(patterns, list) or not all(isinstance(p, str) and p for p in patterns):
        raise _RuleError(f"{where}: patterns must be a list of non-empty strings")
    body = "|".join(f"(?:{_expand(p, macros, where)})" for p in patterns)
    try:
        regex = re.compile(f"{_START}(?:{body}){_END}")
    except re.error:
        for pattern in patterns:
            try:
                re.compile(_expand(pattern, macros, where))
            except re.error as error:
                raise _RuleError(f"{where}: invalid pattern {pattern!r}: {error}") from None
        raise _RuleError(f"{where}: the patterns cannot be combined") from None
    if regex.fullmatch(""):
        raise _RuleError(f"{where}: a pattern matches empty text")
    return regex


def _alternatives(texts: tuple[str, ...]) -> str:
    """A macro body matching any of the texts, folded; one that matches nothing for none."""
    forms = sorted({_fold(t)[0] for t in texts if t.strip()}, key=len, reverse=True)
    if not forms:
        return "(?!)"
    # Between words: any run of spaces, commas or periods ("Friday January 15").
    return "(?:" + "|".join(r"[\s,.]+".join(map(re.escape, f.split())) for f in forms) + ")"


def _end_forms(ctx: dict[str, Any]) -> tuple[str, ...]:
    """The end date as a reply may say it: as the documents write it, or day and month."""
    if not ctx["end_given"]:
        return ()
    from babel.dates import format_date

    end = ctx["end"]
    month = format_date(end.value, "MMMM", locale=ctx["locale"])
    day = str(end.value.day)
    return (end.full, end.short, end.spoken, end.iso, f"{day} {month}", f"{month} {day}",
            f"{day} de {month}", f"{day} of {month}", f"{day}th of {month}")  # fmt: skip


def _referral_names(ctx: dict[str, Any]) -> tuple[str, ...]:
    return tuple(r[k] for r in ctx["referrals"] for k in ("name", "company") if r[k])


def _search(group: _Group, folded: str) -> re.Match[str] | None:
    for m in group.regex.finditer(folded):
        if group.allow is None or not _allowed(group.allow, folded, m):
            return m
    return None


def _miss(
    rules: _Rules, goal: _Goal, group: _Group, text: str, origin: list[int] | None,
    m: re.Match[str],
) -> Miss:  # fmt: skip
    start, end = _original_span(m.start(), m.end(), origin, text)
    return Miss(goal.id, goal.label, group.kind, rules.does[group.kind], text[start:end],
                goal.advice)  # fmt: skip


def _is_exit(rules: _Rules, text: str, exit_line: str) -> bool:
    folded = _fold(text)[0]
    if rules.exit is not None and rules.exit.search(folded):
        return True
    wanted = {w for w in re.findall(r"\w+", _fold(exit_line)[0]) if len(w) >= 4}
    said = set(re.findall(r"\w+", folded))
    return bool(wanted) and len(wanted & said) >= EXIT_OVERLAP * len(wanted)

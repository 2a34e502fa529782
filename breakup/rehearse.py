"""Rehearse the call: the tool plays the client, the tone check reads each reply.

The core plans a session and assesses replies; the CLI runs the loop on the terminal::

    from breakup.rehearse import plan, assess
    session = plan("late-payer", lang="es", seed=7)
    answer = assess(session, session.turns[0], "Entiendo. La decisión sigue en pie.")
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from breakup import context, languages, render
from breakup.check import Finding, check_text
from breakup.models import ClientFacts, Profile

MIN_TURNS = 3
MAX_TURNS = 5


@dataclass(frozen=True)
class Turn:
    """One line the client says, with the call script's suggested reply.

    Fields: client (the client's line), suggested (the neutral reply from the script).
    """

    client: str
    suggested: str


@dataclass(frozen=True)
class Answer:
    """The user's reply to a turn and what the tone check found in it.

    Fields: turn, reply (empty when skipped), findings (empty when neutral).
    """

    turn: Turn
    reply: str
    findings: tuple[Finding, ...] = ()

    @property
    def neutral(self) -> bool:
        return bool(self.reply) and not self.findings


@dataclass(frozen=True)
class Session:
    """A planned rehearsal.

    Fields: lang, register, opening (the user's first lines, from the call script), turns (the
    client's reactions in the order they will come), texts (the evaluated rehearsal.j2
    module: labels and the transcript macro, in the session's language and register).
    """

    lang: str
    register: str
    opening: str
    turns: tuple[Turn, ...]
    texts: Any = field(repr=False)


def plan(
    archetype: str,
    *,
    lang: str = "en",
    locale: str | None = None,
    register: str | None = None,
    facts: ClientFacts | None = None,
    profile: Profile | None = None,
    seed: int | None = None,
    templates: Path | None = None,
    today: date | None = None,
) -> Session:
    """Pick and order the client's reactions for a session (varied by seed)."""
    register = register or render.default_register(archetype, lang, templates)
    locale = locale or languages.babel_locale(lang, languages.language(lang).default_region)
    env = render.environment(lang, locale, register, False, templates)
    ctx = context.build(
        archetype, facts or ClientFacts(), profile or Profile(), lang=lang, locale=locale,
        register=register, fmt="md", today=today or date.today(),
        placeholders=render.placeholders(env), document="script",
    )  # fmt: skip
    ctx["a"] = render.load_archetype(archetype, lang, locale, register, templates, ctx)
    ctx["mail"] = False
    talk = render.evaluate(env, "documents/script.j2", ctx)
    texts = render.evaluate(env, "rehearsal.j2", ctx)
    reactions = [Turn(str(r["says"]), str(r["reply"])) for r in ctx["a"].reactions]
    rng = random.Random(seed)
    count = max(MIN_TURNS, min(MAX_TURNS, len(reactions)))
    turns = tuple(rng.sample(reactions, min(count, len(reactions))))
    return Session(
        lang=lang, register=register, opening=str(talk.opening), turns=turns, texts=texts
    )


def assess(session: Session, turn: Turn, reply: str) -> Answer:
    """Check one reply; an empty reply counts as skipped."""
    text = reply.strip()
    findings = tuple(check_text(text, session.lang, session.register)) if text else ()
    return Answer(turn=turn, reply=text, findings=findings)


def summary_line(session: Session, answers: list[Answer]) -> str:
    """The closing line, e.g. "Neutral replies: 3/4" ("Respuestas neutrales: 3/4")."""
    given = [a for a in answers if a.reply]
    return str(session.texts.summary_line(sum(a.neutral for a in given), len(given)))


def transcript(session: Session, answers: list[Answer]) -> str:
    """The session as Markdown: the client's lines, the replies, the findings."""
    turns = [
        {
            "client": a.turn.client,
            "reply": a.reply,
            "suggested": a.turn.suggested,
            "findings": [
                {"label": f.label, "match": f.match, "advice": f.advice} for f in a.findings
            ],
        }
        for a in answers
    ]
    return str(session.texts.transcript(turns, session.opening)).strip() + "\n"

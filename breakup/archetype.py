"""An archetype's texts: evaluated from its archetype.j2 and checked against the schema.

The schema is the archetype interface: the names every archetype must set, and the optional
ones with the default a template sees when an archetype leaves them out. Loading checks both,
so an archetype missing a name fails at once with the file and the name, instead of halfway
through a document; templates never probe with `is defined`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from breakup.errors import TemplateError
from breakup.i18n import _


class Field(NamedTuple):
    """One name of the archetype interface.

    Fields: kind (text, texts, bool, int, register, signature, reactions, table), required,
    default (for optional names), doc (one line for the README's list).
    """

    kind: str
    required: bool
    default: Any
    doc: str


def _f(kind: str, doc: str, default: Any = None, *, required: bool = False) -> Field:
    return Field(kind, required, default, doc)


def _r(kind: str, doc: str) -> Field:
    return Field(kind, True, None, doc)


# Read by the documents; "(user)" texts speak to the user, "(client)" ones to the client,
# "(spoken)" ones are said on the call, in the client's register.
SCHEMA: dict[str, Field] = {
    "description": _r("text", "one line for `breakup archetypes` (user)"),
    "default_register": _r("register", '"formal" or "informal": how the client is addressed'),
    "why": _r("text", "why to frame the ending this way, for the call script (user)"),
    "keep_in_mind": _r("texts", "points to prepare before the call (user)"),
    "avoid": _r("texts", "what not to say on the call, described, never quoted (user)"),
    "reason": _r("texts", "the email's paragraphs that give the reason (client)"),
    "decision": _r("text", "the decision and its reason, as said on the call (spoken)"),
    "reactions": _r(
        "reactions",
        "the client's likely reactions: {says, reply} tables, optionally with goals "
        "(what a good reply does), push (what the client says after a concession) and "
        "instead (another reply for a user who has decided otherwise: {otherwise, when, reply}, "
        "the labels of the first reply and of this one)",
    ),
    "notes_items": _r("texts", "the archetype's own items in the follow-up checklist (user)"),
    "week_check": _f(
        "text",
        "what to check once the week the email gives the client to answer is up: a dated "
        "reminder in the notes and the calendar (user)",
    ),
    "prepare_note": _f(
        "text", "what else to do on the day the notes' reminder prepares the handover (user)"
    ),
    "reminder": _f(
        "table", "a dated reminder of its own in the notes: {day: a date, text: what to do} (user)"
    ),
    "notes_before": _f("texts", "its own tasks before the call, in the notes (user)", []),
    "notes_after": _f(
        "texts", "its own tasks after the call, before the confirmation, in the notes (user)", []
    ),
    "heads_up_reason": _f(
        "text",
        "why the engagement is ending, as told to a provider; none where any reason would say "
        "something of the client (the late payer)",
    ),
    "heads_up_fit": _f(
        "bool",
        "the heads-up asks whether the work suits the provider (a provider who agreed is asked "
        "whether they work that way)",
        False,
    ),
    "referral_fit": _f(
        "text",
        "in the referral letter, after the note on a provider who agreed: how they work, as "
        "the heads-up asked them, with {name} for their first name (client)",
    ),
    "talk_first": _f("bool", "the plan starts with a conversation, always (family friend)", False),
    "tracks_payment": _f("bool", "money owed is the heart of it: notes track it always", False),
    "no_contract": _f("bool", "no written contract is assumed (friends, family)", False),
    "own_unpaid_step": _f(
        "bool", "its notes items say what to do when a balance stays unpaid", False
    ),
    "unpaid_step": _f(
        "text",
        "what to do when a balance stays unpaid after the written follow-up, in the notes' "
        "Money section, in place of the region's usual next steps (user)",
    ),
    "bounds_new_work": _f("bool", "the work list bounds what is done before the end", False),
    "call_minutes": _f("int", "how long a call to book, in minutes", 15),
    "signature": _f("signature", '"full" (name, company, contacts) or "name" only', "full"),
    "subject": _f("text", "the email's subject, first notice (client)"),
    "subject_after_call": _f("text", "the email's subject after the call (client)"),
    "opening": _f("text", "the email's first paragraph, first notice (client)"),
    "opening_after_call": _f("text", "the email's first paragraph after the call (client)"),
    "email_close": _f("texts", "the email's last paragraphs before the sign-off (client)", []),
    "attach": _f(
        "text",
        'what the email says is attached, e.g. "the brief": a warning reminds the user (user)',
    ),
    "sign_off": _f("text", 'the email\'s sign-off, e.g. "Kind regards," (client)'),
    "script_opening": _f("text", "the call's first words (spoken)"),
    "script_closing": _f("text", "the call's last words (spoken)"),
    "listen": _f("texts", "what to say while listening and repeating back (spoken)", []),
    "talk": _f("table", "a longer talk: {intro, invite: [...], ground_rules: [...]} (spoken)"),
    "handover": _f(
        "texts", "the email's handover paragraphs, replacing the usual ones (client)", []
    ),
    "handover_extra": _f(
        "texts", "what the email's handover list adds after the user's own items (client)", []
    ),
    "exit_heading": _f("text", 'the heading of the exit line, e.g. "If it turns hostile" (user)'),
    "exit_line": _f("text", "what to say to end the call if it turns hostile (spoken)"),
    "to_writing": _f("text", "how to move the rest to writing (spoken)"),
    "incident_record": _f("bool", "the notes keep a record of incidents", False),
    "not_offered": _f("texts", "what the user does not offer, beyond the usual (user)", []),
    "have_at_hand": _f("texts", "what to have in front of you on the call (user)", []),
    "referral_intro": _f("text", "the referral letter's first paragraph (client)"),
    "boundaries": _f(
        "table",
        "the limits message: {subject, opening, limits: [...], if_crossed, in_writing, close, "
        "overdue_note} (client)",
    ),
}

_TABLE_KEYS = {
    "talk": ({"intro", "invite", "ground_rules"}, {"intro", "invite", "ground_rules"}),
    "boundaries": (
        {"subject", "opening", "limits", "if_crossed", "in_writing", "close", "overdue_note"},
        {"subject", "opening", "limits", "if_crossed", "in_writing"},
    ),
}


class Archetype(dict[str, Any]):
    """An archetype's texts by name, every schema name present (attribute access too)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_instead(value: Any) -> bool:
    """A reaction's other reply, if any: {otherwise, when, reply}, all texts (otherwise
    labels the first reply, when the other)."""
    return value is None or (
        isinstance(value, dict)
        and all(_is_text(value.get(key)) for key in ("otherwise", "when", "reply"))
    )


# What a reaction may hold: the line, the reply, what the reply holds to (goals), the line
# the client pushes with in a rehearsal, and another reply for a user who decided otherwise.
_REACTION_KEYS = frozenset({"says", "reply", "goals", "push", "instead"})
_INSTEAD_KEYS = frozenset({"otherwise", "when", "reply"})


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "text": _is_text,
    "texts": lambda v: isinstance(v, (list, tuple)) and all(_is_text(x) for x in v),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 240,
    "register": lambda v: v in ("formal", "informal"),
    "signature": lambda v: v in ("full", "name"),
    "table": lambda v: isinstance(v, dict),
    "reactions": lambda v: isinstance(v, (list, tuple)) and len(v) >= 3,
}
_EXPECTED = {
    "text": 'a non-empty text, e.g. {% set name = _("...") %}',
    "texts": 'a list of texts, e.g. {% set name = [_("..."), _("...")] %}',
    "bool": "true or false (not a quoted string)",
    "int": "a whole number of minutes from 1 to 240",
    "register": '"formal" or "informal"',
    "signature": '"full" or "name"',
    "table": 'a table, e.g. {% set name = {"key": _("...")} %}',
    "reactions": 'a list of at least 3 tables like {"says": _("..."), "reply": _("...")}',
}


def check(module: Any, file: Callable[[], str]) -> Archetype:
    """Check an evaluated archetype.j2 against the schema; fill in the optional names.

    `file` names the archetype's file for a message (asked only when there is one).
    """
    found = Archetype()
    for name, field in SCHEMA.items():
        value = getattr(module, name, None)
        if value is None:
            if field.required:
                raise TemplateError(
                    _(
                        "{file}: the archetype does not set {name!r} ({doc}): see README, "
                        "'Adding an archetype'"
                    ).format(file=file(), name=name, doc=field.doc)
                )
            found[name] = list(field.default) if isinstance(field.default, list) else field.default
            continue
        if not _CHECKS[field.kind](value):
            raise TemplateError(
                _("{file}: {name!r} must be {expected}").format(
                    file=file(), name=name, expected=_EXPECTED[field.kind]
                )
            )
        found[name] = value
    for name, (allowed, required) in _TABLE_KEYS.items():
        table = found[name]
        if table is None:
            continue
        missing = sorted(required - set(table))
        unknown = sorted(set(table) - allowed)
        if missing or unknown:
            problem = (
                _("lacks {key!r}").format(key=missing[0])
                if missing
                else _("has an unknown key {key!r}").format(key=unknown[0])
            )
            raise TemplateError(
                _("{file}: the table {name!r} {problem}").format(
                    file=file(), name=name, problem=problem
                )
            )
    for number, reaction in enumerate(found["reactions"], 1):
        # A misspelt key ("insted", "pusch") would leave its text out without a word.
        tables: list[tuple[Any, frozenset[str]]] = (
            [(reaction, _REACTION_KEYS)] if isinstance(reaction, dict) else []
        )
        if tables and isinstance(reaction.get("instead"), dict):
            tables.append((reaction["instead"], _INSTEAD_KEYS))
        for table, known in tables:
            unknown = sorted(set(map(str, table)) - known)
            if unknown:
                raise TemplateError(
                    _("{file}: reaction {number} has an unknown key {key!r}: use {keys}").format(
                        file=file(), number=number, key=unknown[0], keys=", ".join(sorted(known))
                    )
                )
        if not (
            isinstance(reaction, dict)
            and _is_text(reaction.get("says"))
            and _is_text(reaction.get("reply"))
            and _is_instead(reaction.get("instead"))
        ):
            raise TemplateError(
                _(
                    '{file}: reaction {number} needs "says" and "reply" texts '
                    '(and "instead", if given, "otherwise", "when" and "reply")'
                ).format(file=file(), number=number)
            )
    return found

"""The rendering core: client facts and a profile in, a finished document out.

Use it as a library::

    from breakup.render import render
    doc = render("email", "late-payer", lang="es")
    print(doc.subject, doc.body)
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import TemplateError as JinjaTemplateError
from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from breakup import archetype as schema
from breakup import catalog, context, languages, registry, safehtml, sandbox
from breakup.errors import BreakupError, CatalogError, InputError, LimitError, TemplateError
from breakup.i18n import _
from breakup.models import ClientFacts, Profile

T = TypeVar("T")

# Bounds on one render, so that a user template that loops without end stops with an error.
RENDER_SECONDS = sandbox.RENDER_SECONDS
MAX_OUTPUT_CHARS = 2_000_000


@dataclass(frozen=True)
class Document:
    """A rendered document.

    Fields: name (see registry.DOCUMENTS), archetype, lang, locale, register, fmt (text, md,
    html: the format it was rendered in), subject (the email subject or the document title),
    body (the full text), missing (placeholders left in it, as context.hints() keys),
    warnings (what looks wrong in the facts, in the interface language), paper ("A4" or
    "letter").
    """

    name: str
    archetype: str
    lang: str
    locale: str
    register: str
    fmt: str
    subject: str
    body: str
    missing: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    paper: str = "A4"


def render(document: str, archetype: str, **options: Any) -> Document:
    """Render one document for an archetype; the one function a library user needs.

    Options: facts (ClientFacts), profile (Profile), lang, locale, register ("formal" or
    "informal"; default: the archetype's), fmt ("text", "md", "html"), today (date),
    templates (a folder overlaying the built-in templates: rendered within bounds),
    standalone (False for the parts of an .eml draft), kit (True when the document is part of
    a kit, so it may refer to the others).
    """
    if options.get("templates") is not None and not sandbox.bounded():
        # User templates are untrusted: the whole render runs in a child process, capped in
        # memory and killed past the time limit (breakup's own stay here: no fork to pay).
        try:
            return sandbox.run_bounded(_render, document, archetype, seconds=RENDER_SECONDS,
                                       **options)  # fmt: skip
        except LimitError as error:
            raise TemplateError(
                _("{document} for {archetype}: {problem}").format(
                    document=document, archetype=archetype, problem=error
                )
            ) from None
    return _render(document, archetype, **options)


def placeholders(env: Any) -> dict[str, str]:
    """Return the localized placeholder of each fact that can be missing."""
    return _placeholders(env)


@functools.lru_cache(maxsize=64)
def _placeholders(env: Any) -> dict[str, str]:
    module = evaluate(env, "placeholders.j2", {})  # a user's own too: within bounds
    # A user's placeholders.j2 written before a key was added still renders: "[final due]".
    return {
        key: str(getattr(module, key, "") or f"[{key.replace('_', ' ')}]")
        for key in context.PLACEHOLDER_KEYS
    }


def environment(lang: str, locale: str, register: str, html: bool, templates: Path | None) -> Any:
    """The Jinja environment for a language, the region of a locale, a register and kind."""
    # Resolved: a relative folder is another folder once the working directory changes, and
    # the environments are cached.
    folder = templates.resolve() if templates is not None else None
    return catalog.environment(lang, languages.region_of(locale), register, html, folder)


def _check_cents(facts: ClientFacts, profile: Profile, lang: str, locale: str) -> None:
    """Refuse an amount with more decimals than its currency writes: 1500.50 yen was printed
    as ¥1,500 without a word (a red-team finding)."""
    from babel.numbers import get_currency_precision

    data = languages.language(lang)
    region = languages.region_of(locale)
    currency = (
        facts.currency
        or profile.defaults.currency
        or data.region(region if region else data.default_region).currency
    )
    digits = get_currency_precision(currency)
    amounts = [i.amount for i in facts.invoices] + [facts.outstanding, facts.final_invoice]
    for amount in amounts:
        if amount is not None and amount != amount.quantize(Decimal(1).scaleb(-digits)):
            raise InputError(
                _(
                    "the amount {amount} has more decimals than {currency} uses ({digits}): "
                    "round it, or check the currency"
                ).format(amount=amount, currency=currency, digits=digits)
            )


@functools.lru_cache(maxsize=256)
def default_register(archetype: str, lang: str, templates: Path | None = None) -> str:
    """Return the register an archetype's documents use unless told otherwise."""
    return bounded(_default_register, archetype, lang, templates)


def _default_register(archetype: str, lang: str, templates: Path | None) -> str:
    locale = languages.babel_locale(lang, None)
    return str(load_archetype(archetype, lang, locale, "formal", templates).default_register)


def describe(lang: str, locale: str, templates: Path | None = None) -> list[tuple[str, str]]:
    """Return each archetype's id and one-line description, in `lang`."""
    if templates is not None:  # loaded once here, not in each archetype's process
        environment(lang, locale, "formal", False, templates)
    return [
        (name, bounded(_description, name, lang, locale, templates))
        for name in catalog.archetype_ids(templates)
    ]


def _description(archetype: str, lang: str, locale: str, templates: Path | None) -> str:
    return str(load_archetype(archetype, lang, locale, "formal", templates).description)


def bounded(func: Callable[..., T], *args: Any) -> T:
    """Call func(*args, templates), in a bounded child process when the last argument is a
    folder of user templates (see render()); the result comes back pickled."""
    if args[-1] is None or sandbox.bounded():
        return func(*args)
    try:
        return sandbox.run_bounded(func, *args, seconds=RENDER_SECONDS)
    except LimitError as error:
        raise TemplateError(
            _("{archetype}: {problem}").format(archetype=args[0], problem=error)
        ) from None


def load_archetype(
    archetype: str,
    lang: str,
    locale: str,
    register: str,
    templates: Path | None = None,
    ctx: dict[str, Any] | None = None,
) -> schema.Archetype:
    """Evaluate an archetype's archetype.j2 in a context and check it against the schema."""
    catalog.check_archetype(archetype, templates)
    env = environment(lang, locale, register, False, templates)
    if ctx is None:
        ctx = context.build(
            archetype,
            ClientFacts(),
            Profile(),
            lang=lang,
            locale=locale,
            register=register,
            fmt="text",
            today=date.today(),
            placeholders=_placeholders(env),
        )
    name = f"archetypes/{archetype}/archetype.j2"
    module = evaluate(env, name, ctx)
    return schema.check(module, lambda: _template_path(env, name))


def evaluate(env: Any, name: str, ctx: dict[str, Any]) -> Any:
    """Evaluate a template as a module (its {% set %} values and macros), within bounds.

    With user templates, the memory this process may add is capped too (in a render's child
    process, limit_process already set the cap), and any error is the template's.
    """
    user = isinstance(env, sandbox.BoundedSandbox)
    with sandbox.memory_limit() if user else contextlib.nullcontext():
        try:
            with sandbox.time_limit(RENDER_SECONDS):
                return sandbox.make_module(env.get_template(name), ctx, MAX_OUTPUT_CHARS)
        except (
            JinjaTemplateError,
            BreakupError,
            RecursionError,
            UnicodeDecodeError,
            MemoryError,
            sandbox.RenderTimeout,
        ) as error:
            raise template_error(error, name) from None
        except Exception as error:
            if not user:
                raise  # breakup's own templates: a bug, reported as one
            raise template_error(error, name) from None


def _template_path(env: Any, name: str) -> str:
    try:
        return str(env.loader.get_source(env, name)[1])
    except (TemplateNotFound, BreakupError):  # pragma: no cover - it was just loaded
        return name


def template_error(error: BaseException, name: str) -> BreakupError:
    """Turn what a template raised into one BreakupError naming the template (and the line,
    for an error raised while it ran)."""
    if isinstance(error, BreakupError):
        return error
    found = _where(error)
    where = _("{file}, line {line}").format(file=found[0], line=found[1]) if found else name
    if isinstance(error, sandbox.RenderTimeout):
        return TemplateError(
            _(
                "{name}: rendering took longer than {seconds:g} s: check the template for a loop "
                "that does not end"
            ).format(name=where, seconds=RENDER_SECONDS)
        )
    if isinstance(error, RecursionError):
        return TemplateError(_("{name}: the template calls itself without end").format(name=where))
    if isinstance(error, UnicodeDecodeError):
        return TemplateError(
            _("{name}: the template is not UTF-8 text: save it as UTF-8").format(name=name)
        )
    if isinstance(error, MemoryError):
        return TemplateError(f"{name}: {sandbox.memory_message()}")
    if isinstance(error, TemplateNotFound):
        return TemplateError(_("template {name} not found").format(name=error.name))
    if isinstance(error, TemplateSyntaxError):
        where = error.filename or error.name or name
        return TemplateError(
            _("{file}, line {line}: {problem}").format(
                file=where, line=error.lineno, problem=error.message
            )
        )
    if isinstance(error, SecurityError):
        return TemplateError(
            _("{name}: unsafe template refused: {problem}").format(name=where, problem=error)
        )
    if isinstance(error, UndefinedError):
        return TemplateError(f"{where}: {error.message}")
    if isinstance(error, JinjaTemplateError):
        return TemplateError(f"{where}: {error}")
    return TemplateError(
        _("{where}: error in the template ({kind}: {problem}): fix the template there").format(
            where=where, kind=type(error).__name__, problem=error
        )
    )


def _where(error: BaseException) -> tuple[str, int] | None:
    """Return the template file and line an error was raised in (the innermost), if any."""
    found = None
    tb = error.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = (
                str(template.filename or template.name),
                template.get_corresponding_lineno(tb.tb_lineno),
            )
        tb = tb.tb_next
    return found


def _no_referral_message(profile: Profile, service: str | None) -> str:
    where = profile.source or "breakup.toml"
    if profile.referrals and service:
        return _(
            "no referral in {where} offers {service!r}: add it to the services of a "
            '[[referrals]] table (services = ["{service}"]), or leave out --service'
        ).format(where=where, service=service)
    return _(
        "no referrals to recommend: add a [[referrals]] table with name, company, email and "
        "services to {where} (see README, 'The profile')"
    ).format(where=where)


_LAST_ARCHETYPE: list[Any] = []


# Words that name no work on their own: a service of only these ("el", "the") would read
# "el trabajo de el" in every document.
_FUNCTION_WORDS = frozenset(
    "a an the of for and or to my our your el la lo los las un una unos unas de del y e o u "
    "para en con mi mis su sus".split()
)


_SALUTATION = re.compile(
    r"(?:dear|hi|hello|hey|estimad[oa]s?|querid[oa]s?|hola|buen[oa]s (?:días|dias|tardes))\b",
    re.IGNORECASE,
)
_ENGLISH_DETERMINERS = frozenset("the a an my our your their his her its this that".split())


def _render(
    document: str,
    archetype: str,
    *,
    facts: ClientFacts | None = None,
    profile: Profile | None = None,
    lang: str = "en",
    locale: str | None = None,
    register: str | None = None,
    fmt: str = "text",
    today: date | None = None,
    templates: Path | None = None,
    standalone: bool = True,
    kit: bool = False,
    mail: bool = False,
) -> Document:
    if document not in registry.DOCUMENTS:
        raise InputError(
            _("unknown document {name!r}: choose one of {choices}").format(
                name=document, choices=", ".join(registry.DOCUMENTS)
            )
        )
    if fmt not in ("text", "md", "html"):
        raise InputError(
            _("unknown format {name!r}: choose one of {choices}").format(
                name=fmt, choices="text, md, html"
            )
        )
    # One form for every name and note: composed (a title typed on a Mac, "Dn\u0303a.", is the
    # "Dña." the title list knows) and without invisible characters (a soft hyphen in
    # "up\u00adfront" hides the words the letter looks for).
    facts = _clean(facts or ClientFacts())
    profile = _clean(profile or Profile())
    locale = locale or languages.babel_locale(lang, languages.language(lang).default_region)
    today = today or date.today()
    for invoice in facts.invoices:
        # The documents call every listed invoice unpaid after its due date.
        if invoice.due is not None and invoice.due > today:
            raise InputError(
                _(
                    "invoice {reference} falls due on {due}, after today ({today}): list only "
                    "invoices already overdue, or check its due date"
                ).format(reference=invoice.reference, due=invoice.due, today=today)
            )
        if invoice.due == today:
            # Due today, it can still be paid on time (a round-31 red team).
            raise InputError(
                _(
                    "invoice {reference} falls due today ({due}), so it is not overdue yet: "
                    "list only invoices already overdue, or check its due date"
                ).format(reference=invoice.reference, due=invoice.due)
            )
    listed = sum((i.amount for i in facts.invoices), Decimal(0))
    if facts.invoices and facts.outstanding is not None and facts.outstanding != listed:
        # The email lists the invoices and then says "That's X in total": X must be their sum.
        raise InputError(
            _(
                "the overdue balance {balance} does not match the invoices listed, which add up "
                "to {total}: give each invoice's unpaid amount, or leave the balance out (it is "
                "their sum)"
            ).format(balance=facts.outstanding, total=listed)
        )
    if facts.service and not set(facts.service.casefold().split()) - _FUNCTION_WORDS:
        raise InputError(
            _(
                "the service {service!r} names no work: give the work itself, e.g. "
                '"bookkeeping" or "diseño web"'
            ).format(service=facts.service.strip())
        )
    # An English service named with its determiner ("the website", "your bookkeeping") read
    # "stop working on your the website" (a red-team finding of round 25): the documents add
    # their own, so the leading one goes.
    words = facts.service.split(maxsplit=1) if facts.service else []
    if lang == "en" and len(words) == 2 and words[0].casefold() in _ENGLISH_DETERMINERS:
        facts = dataclasses.replace(facts, service=words[1])
    if facts.contact and context.only_titles(facts.contact, lang):
        raise InputError(
            _(
                "the contact {contact!r} is only a title: give the name too (e.g. "
                '"{contact} Torres"), or leave the contact out'
            ).format(contact=facts.contact.strip())
        )
    # After the titles: "Sr." alone is a title in Spanish, not "Senior" (round-29 red team).
    if facts.contact and context.only_suffixes(facts.contact):
        raise InputError(
            _(
                "the contact {contact!r} is only a suffix: give the name too (e.g. "
                '"John Smith {contact}"), or leave the contact out'
            ).format(contact=facts.contact.strip())
        )
    if facts.greeting and (
        context.only_titles(facts.greeting, lang) or _SALUTATION.match(facts.greeting)
    ):
        # "--greeting Mr" gave "Dear Mr,", and "--greeting 'Dear John'" "Dear Dear John," (a
        # red-team finding of round 25): the greeting is the name only.
        raise InputError(
            _(
                "the greeting {greeting!r} is not a name: give only the name to greet them by "
                '(e.g. "John" or "Mr Smith"); the document writes "Dear" or "Estimado" itself'
            ).format(greeting=facts.greeting.strip())
        )
    _check_cents(facts, profile, lang, locale)
    register = register or default_register(archetype, lang, templates)
    env = environment(lang, locale, register, fmt == "html", templates)
    marks = _placeholders(env)
    ctx = context.build(
        archetype,
        facts,
        profile,
        lang=lang,
        locale=locale,
        register=register,
        fmt=fmt,
        today=today,
        placeholders=marks,
        document=document,
        kit=kit,
        standalone=standalone,
    )
    kind = registry.DOCUMENTS[document]
    if kind.needs_referrals and not ctx["referrals"]:
        raise InputError(_no_referral_message(profile, facts.service))
    # The text and the HTML part of a mail draft share the archetype's texts: the values in
    # them are the same (HTML escapes at output), so the second render reuses the first's.
    key = (archetype, lang, locale, register, templates, facts, id(profile), today, kit,
           document, fmt == "md", ctx["printed"])  # fmt: skip
    if _LAST_ARCHETYPE and _LAST_ARCHETYPE[0] == key:
        a = _LAST_ARCHETYPE[1]
    else:
        a = load_archetype(archetype, lang, locale, register, templates, ctx)
        # The profile is kept with the key: alive, its id cannot be another profile's.
        _LAST_ARCHETYPE[:] = [key, a, profile]
    if a.talk_first:
        ctx["after_call"] = True
    if document == "boundaries" and a.boundaries is None:
        raise InputError(
            _(
                "the archetype {name!r} has no boundaries message: set `boundaries` in its "
                "archetype.j2 (see README, 'Adding an archetype')"
            ).format(name=archetype)
        )
    ctx["a"] = a
    ctx["mail"] = mail
    name = f"documents/{document}.j2"
    module = evaluate(env, name, ctx)
    body = str(module)
    # Kept as markup for the page's <title>: str() would have it escaped a second time.
    title = getattr(module, "subject", "")
    subject = " ".join(str(title).split())
    if fmt == "html":
        page = evaluate(
            env,
            "formats/page.j2",
            {
                **ctx,
                "content": _markup(body),
                "title": title,
                "letter": standalone and kind.letter,
            },
        )
        body = str(page)
        if templates is not None:
            body = safehtml.check_page(body, document)
    words = languages.language(lang)
    # "de el Estudio Roig" -> "del Estudio Roig": an article breakup adds meets a preposition.
    body = words.contract(context.tidy(re.sub(r"\n{3,}", "\n\n", body).strip("\n"))) + "\n"
    subject = words.contract(subject)
    missing = tuple(key for key, text in marks.items() if text in body or text in subject)
    return Document(
        name=document,
        archetype=archetype,
        lang=lang,
        locale=locale,
        register=register,
        fmt=fmt,
        subject=context.tidy(subject),
        body=body,
        missing=missing,
        warnings=tuple(
            context.warnings(
                facts,
                profile,
                today,
                ctx["holidays"],
                asking=document == "heads-up",
                locale=ctx["locale"],
            )
        )
        + _unused_facts(env, archetype, facts)
        + (_echoes(archetype, facts, profile, lang) if document == "referral" else ())
        + (_attachment(ctx["a"]) if document == "email" else ())
        + (_first_notice(facts) if document == "email" and not ctx["after_call"] else ()),
        paper=ctx["paper"],
    )


def _first_notice(facts: ClientFacts) -> tuple[str, ...]:
    """A call date given for an email written as the first notice: said, since the user most
    likely meant the confirmation of that call (a round-31 red team)."""
    if facts.call_date is None:
        return ()
    return (
        _(
            "--call-date is given but the email is written as the first notice: add "
            "--after-call to write it as the confirmation of that call"
        ),
    )


def _attachment(a: Any) -> tuple[str, ...]:
    """Say what the email says is attached: no draft carries a file, so the user attaches it
    (a red-team finding: the .eml said "I've attached the brief" and had nothing attached)."""
    what = getattr(a, "attach", None)
    if not what:
        return ()
    return (_("the email says {what} is attached: attach it before you send").format(what=what),)


def _echoes(archetype: str, facts: ClientFacts, profile: Profile, lang: str) -> tuple[str, ...]:
    """Say what the letter left out of a provider's note because the client may read it as a
    comment on why the work ends (the note is the user's: they may want to reword it)."""
    _providers, referrals = context.recommended(profile, facts)
    echoes = context.referral_echoes(archetype, referrals, lang, languages.language(lang))
    found = [
        _(
            "the letter leaves out '{words}' from the note on {name}: the client may read it "
            "as a comment on why the work ends (reword it in your profile to keep it)"
        ).format(name=name, words=words)
        for name, words in echoes
    ]
    # A note in another language is quoted as written: say so (a red-team finding of round
    # 27: an English note in a Spanish letter, without a word).
    from breakup.detect import detect_language

    for referral in referrals:
        note = referral.note_in(lang)
        written = detect_language(note) if note else None
        if written is not None and written != lang:
            found.append(
                _(
                    "the note on {name} reads as {written} and the letter is in {lang}: give "
                    'it in both, note = {{ {lang} = "...", {written} = "..." }}'
                ).format(name=referral.name or referral.company, written=written, lang=lang)
            )
    return tuple(found)


def _unused_facts(env: Any, archetype: str, facts: ClientFacts) -> tuple[str, ...]:
    """Name a fact given for an archetype whose texts never use it (the contact hours: only
    some archetypes promise hours; the emergency contact: only the word breaker's hours
    paragraph gives one), so that it is not silently dropped."""
    unused = {
        "contact_hours": (facts.contact_hours, _(
            "--contact-hours is not used by the {archetype} archetype: none of its documents "
            "names your hours"
        )),
        "urgent_contact": (facts.urgent_contact, _(
            "--urgent-contact is not used by the {archetype} archetype: none of its documents "
            "gives an emergency contact"
        )),
    }  # fmt: skip
    read = _archetype_names(env, archetype)
    found = [
        message.format(archetype=archetype)
        for name, (given, message) in unused.items()
        if given and name not in read
    ]
    if facts.emergency and "emergency" not in read:
        found.append(
            _(
                "--emergency is not used by the {archetype} archetype: none of its documents "
                "gives an emergency contact"
            ).format(archetype=archetype)
        )
    elif facts.emergency and not facts.urgent_contact:
        found.append(_("--emergency is used only with --urgent-contact: give the number too"))
    return tuple(found)


def _archetype_names(env: Any, archetype: str) -> frozenset[str]:
    """The context names an archetype's archetype.j2 reads."""
    return _names_read(env.loader.get_source(env, f"archetypes/{archetype}/archetype.j2")[0])


@functools.lru_cache(maxsize=32)
def _names_read(source: str) -> frozenset[str]:
    """The context names a template's source reads (parsed once per source: a batch renders
    the same archetype row after row)."""
    from jinja2 import Environment, meta

    parser = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"])
    return frozenset(meta.find_undeclared_variables(parser.parse(source)))


def reminders(archetype: str, **options: Any) -> tuple[list[Any], str]:
    """The follow-up reminders as calendar events, and the calendar's name.

    Each event has a stable key (client, contact, service, end date, archetype, kind), so a
    new calendar file for the same engagement updates its events instead of adding them twice,
    and one for another engagement with the same client never moves them. With user
    templates, in a bounded child process, as render().
    """
    if options.get("templates") is not None and not sandbox.bounded():
        try:
            return sandbox.run_bounded(_reminders, archetype, seconds=RENDER_SECONDS, **options)
        except LimitError as error:
            raise TemplateError(
                _("{document} for {archetype}: {problem}").format(
                    document="notes", archetype=archetype, problem=error
                )
            ) from None
    return _reminders(archetype, **options)


def _reminders(archetype: str, **options: Any) -> tuple[list[Any], str]:
    from breakup import ics

    facts = options.get("facts") or ClientFacts()
    lang = options.get("lang", "en")
    locale = options.get("locale") or languages.babel_locale(lang, None)
    register = options.get("register") or default_register(
        archetype, lang, options.get("templates")
    )
    env = environment(lang, locale, register, False, options.get("templates"))
    ctx = context.build(
        archetype,
        facts,
        options.get("profile") or Profile(),
        lang=lang,
        locale=locale,
        register=register,
        fmt="text",
        today=options.get("today") or date.today(),
        placeholders=_placeholders(env),
        document="notes",
    )
    ctx["a"] = load_archetype(archetype, lang, locale, register, options.get("templates"), ctx)
    ctx["mail"] = False
    module = evaluate(env, "documents/notes.j2", ctx)
    texts = module.reminder_texts
    # The engagement: the same facts give the same UIDs (a second import updates the events),
    # another client, contact, service or end date gives others (it never moves this one's).
    # The client's name as typed, spaces and case aside: "Smith & Co" and "Smith Co" differ.
    end = getattr(ctx["end"], "value", None)
    client = _key_part(facts.client or facts.contact or "client")
    engagement = "/".join(_key_part(part) for part in (facts.contact, facts.service, end))
    events = [
        ics.Reminder(
            day=r["day"].value,
            summary=str(module.reminder_titles[r["kind"]]),
            description=str(texts[r["kind"]]),
            key=f"{client}/{engagement}/{archetype}/{r['kind']}",
        )
        for r in ctx["reminders"]
        if texts[r["kind"]]  # an archetype without a week_check has no "replies" reminder
    ]
    return events, str(module.subject)


def _key_part(value: object) -> str:
    """A part of a reminder's key: the value's words, case folded, punctuation kept."""
    return " ".join(str(value or "").split()).casefold()


def _markup(text: str) -> Any:
    from markupsafe import Markup

    return Markup(text)


__all__ = ["CatalogError", "Document", "default_register", "load_archetype", "render"]


def _clean(value: Any) -> Any:
    """Every string in a record (and in its records, tuples and mappings) in composed form
    (NFC), without control or invisible characters."""
    if isinstance(value, str):
        return catalog.strip_controls(unicodedata.normalize("NFC", value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _clean(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        items = [_clean(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, Mapping):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value

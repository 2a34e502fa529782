"""The rendering core: client facts and a profile in, a finished document out.

Use it as a library::

    from breakup.render import render
    doc = render("email", "late-payer", lang="es")
    print(doc.subject, doc.body)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Template, TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.environment import TemplateModule
from jinja2.exceptions import SecurityError

from breakup import catalog, sandbox
from breakup.errors import BreakupError, InputError, LimitError, TemplateError
from breakup.models import ClientFacts, Person, Profile, greeting_name
from breakup.sandbox import RenderTimeout, time_limit

DOCUMENTS = ("email", "script", "referral", "notes")
# Documents sent to the client: as a page they get a letterhead and the date.
LETTERS = ("email", "referral")
FORMATS = ("text", "md", "html")
DEFAULT_CURRENCY = "EUR"
REMINDER_DAYS = (3, 7, 30)
# Bounds on one render, so that a user template that loops without end stops with an error.
RENDER_SECONDS = sandbox.RENDER_SECONDS
MAX_OUTPUT_CHARS = sandbox.MAX_OUTPUT_CHARS
# The locale a language's formats follow when no region is given.
_DEFAULT_REGION = {"en": "en_US", "es": "es_ES"}

# What to fill in, keyed by placeholder name: how the user supplies it.
HOW_TO_FILL = {
    "client": "--client (the client's organization)",
    "contact": "--contact (the person you write to)",
    "client_email": "--client-email (the To: of the draft)",
    "end_date": "--end-date YYYY-MM-DD (your last day of work)",
    "outstanding": "--outstanding AMOUNT (the amount still owed)",
    "sender_name": "name in the profile's [sender] table",
    "sender_company": "company in the profile's [sender] table",
    "sender_email": "email in the profile's [sender] table",
    "referral": "a [[referrals]] entry in the profile (matching --service, if given)",
}


@dataclass(frozen=True)
class Document:
    """A rendered document.

    Fields: name (email, script, referral, notes), archetype, lang, locale, register,
    fmt (text, md, html), subject (the email subject or the document title), body (the
    full text), missing (what was not given and shows as a placeholder, as HOW_TO_FILL
    keys).
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


def resolve_locale(
    lang: str | None,
    locale: str | None,
    profile: Profile,
    environ: Mapping[str, str],
) -> tuple[str, str]:
    """Pick the language and locale: options, then the profile, then LANG, then English."""
    from babel import Locale, UnknownLocaleError

    def parse(value: str, option: str) -> Locale:
        text = value.split(".")[0].split("@")[0].replace("-", "_")
        try:
            return Locale.parse(text)
        except (UnknownLocaleError, ValueError, TypeError):
            raise InputError(
                f"unknown locale {value!r} for {option}: use a code such as es_ES, es_MX, "
                "en_US or en_GB"
            ) from None

    known = catalog.languages()

    def check_lang(value: str, option: str) -> str:
        code = value.strip().lower().replace("-", "_").split("_")[0]
        if code not in known:
            raise InputError(
                f"unknown language {value!r} for {option}: choose one of {', '.join(known)}"
            )
        return code

    if lang:
        chosen = check_lang(lang, "--lang")
    elif locale:
        chosen = check_lang(parse(locale, "--locale").language, "--locale")
    elif profile.lang:
        chosen = check_lang(profile.lang, f"[defaults] lang in {profile.source}")
    elif profile.locale:
        chosen = check_lang(parse(profile.locale, "[defaults] locale").language, "locale")
    else:
        env_locale = environ.get("LC_ALL") or environ.get("LANG") or ""
        env_lang = env_locale.split("_")[0].split(".")[0].lower()
        chosen = env_lang if env_lang in known else catalog.SOURCE_LANG

    candidates = [
        (locale, "--locale"),
        (profile.locale, "[defaults] locale"),
        (environ.get("LC_ALL") or environ.get("LANG"), "LANG"),
    ]
    for value, option in candidates:
        if not value or value in ("C", "POSIX") or value.startswith("C."):
            continue
        parsed = parse(value, option) if option != "LANG" else _try_parse(value)
        if parsed is not None and parsed.language == chosen:
            return chosen, str(parsed)
        if option == "--locale" and parsed is not None and lang:
            # An explicit --locale with another language: text in --lang, formats of --locale.
            return chosen, str(parsed)
    return chosen, _DEFAULT_REGION.get(chosen, chosen)


def _try_parse(value: str) -> Any:
    from babel import Locale

    try:
        return Locale.parse(value.split(".")[0].split("@")[0].replace("-", "_"))
    except (ValueError, TypeError, LookupError):
        return None


class _LazyDate:
    """A date formatted for the locale only when a template prints it.

    Babel loads a locale's data on first use (milliseconds): a document that shows no
    date should not pay for it.
    """

    __slots__ = ("_locale", "_text", "_value")

    def __init__(self, value: date, locale: str) -> None:
        self._value = value
        self._locale = locale
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = _format_date(self._value, self._locale)
        return self._text

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def _format_date(value: date, locale: str) -> str:
    from babel.dates import format_date

    return format_date(value, "long", locale=locale)


def _format_money(amount: Any, currency: str, locale: str) -> str:
    from babel.numbers import format_currency

    text = format_currency(amount, currency, locale=locale)
    # CLDR glues a foreign ISO code to the digits in some locales (es_MX: "EUR4,250.00").
    return re.sub(r"^([A-Z]{3})(?=\d)", "\\1\u00a0", text)


def default_locale(lang: str) -> str:
    """Return the locale a language's formats follow when no region is given."""
    return _DEFAULT_REGION.get(lang, lang)


def placeholders(env: Any) -> dict[str, str]:
    """Return the localized placeholder of each fact that can be missing."""
    return _placeholders(env)


def evaluate(env: Any, name: str, context: dict[str, Any]) -> Any:
    """Evaluate a template as a module (its {% set %} values and macros), within bounds."""
    try:
        with time_limit(RENDER_SECONDS):
            return _make_module(env.get_template(name), context)
    except (JinjaTemplateError, BreakupError, RecursionError, RenderTimeout, MemoryError) as error:
        raise _template_error(error, name) from None


@functools.lru_cache(maxsize=64)
def _placeholders(env: Any) -> dict[str, str]:
    module = evaluate(env, "placeholders.j2", {})
    # Not every fact has a placeholder: a missing --client-email just leaves To: empty.
    return {key: getattr(module, key) for key in HOW_TO_FILL if hasattr(module, key)}


def _person(person: Person, fill: dict[str, str] | None = None) -> dict[str, str]:
    data = {
        "name": person.name,
        "company": person.company,
        "email": person.email,
        "phone": person.phone,
    }
    if fill:
        for key, value in fill.items():
            data[key] = data[key] or value
    return data


def build_context(
    archetype: str,
    facts: ClientFacts,
    profile: Profile,
    *,
    lang: str,
    locale: str,
    register: str,
    fmt: str,
    today: date,
    placeholders: dict[str, str],
) -> dict[str, Any]:
    """Build the one plain dict every template sees."""
    currency = facts.currency or profile.currency or DEFAULT_CURRENCY
    end = facts.end_date
    pay_by = facts.pay_by or end
    base = end or today
    referrals = [r for r in profile.referrals if r.offers(facts.service)]
    referral_dicts = [
        {**_person(r), "note": r.note, "services": list(r.services)} for r in referrals
    ]
    return {
        "archetype": archetype,
        "lang": lang,
        "locale": locale,
        "register": register,
        "formal": register == "formal",
        "format": fmt,
        "standalone": True,
        "sender": _person(
            profile.sender,
            {
                "name": placeholders["sender_name"],
                "company": placeholders["sender_company"],
                "email": placeholders["sender_email"],
            },
        ),
        "client": {
            "name": facts.client or placeholders["client"],
            "contact": facts.contact or placeholders["contact"],
            # For greetings ("Dear Laura,"): the first name, or the title and surname.
            "first_name": greeting_name(facts.contact or "") or placeholders["contact"],
            "email": facts.client_email or "",
        },
        "service": facts.service or "",
        "end_date": _format_date(end, locale) if end else placeholders["end_date"],
        "pay_by": _format_date(pay_by, locale) if pay_by else placeholders["end_date"],
        "outstanding": (
            _format_money(facts.outstanding, currency, locale)
            if facts.outstanding is not None
            else placeholders["outstanding"]
        ),
        "has_outstanding": facts.outstanding is None or facts.outstanding > 0,
        "outstanding_given": facts.outstanding is not None,
        "referrals": referral_dicts,
        "referral_placeholder": placeholders["referral"],
        "today": _LazyDate(today, locale),
        "reminders": [
            {"days": days, "date": _LazyDate(base + timedelta(days=days), locale)}
            for days in REMINDER_DAYS
        ],
        "reminders_from_end_date": end is not None,
    }


def _no_referral_message(profile: Profile, service: str | None) -> str:
    where = profile.source or "breakup.toml"
    if profile.referrals and service:
        return (
            f"no referral in {where} offers {service!r}: add it to the services of a "
            f'[[referrals]] table (services = ["{service}"]), or leave out --service'
        )
    return (
        f"no referrals to recommend: add a [[referrals]] table with name, company, email "
        f"and services to {where} (see README, 'The profile')"
    )


def _make_module(template: Template, context: dict[str, Any]) -> TemplateModule:
    """Evaluate a template as a module, stopping if its output grows past the bound."""
    ctx = template.new_context(context)
    chunks: list[str] = []
    size = 0
    for chunk in template.root_render_func(ctx):
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateError(
                f"{template.name}: the output grew past {MAX_OUTPUT_CHARS:,} characters"
            )
        chunks.append(chunk)
    return TemplateModule(template, ctx, chunks)


def _template_error(error: Exception, name: str) -> BreakupError:
    if isinstance(error, BreakupError):
        return error
    if isinstance(error, RenderTimeout):
        return TemplateError(
            f"{name}: rendering took longer than {RENDER_SECONDS:g} s: check "
            "the template for a loop that does not end"
        )
    if isinstance(error, RecursionError):
        return TemplateError(f"{name}: the template calls itself without end")
    if isinstance(error, MemoryError):
        return TemplateError(f"{name}: {sandbox.memory_message()}")
    if isinstance(error, TemplateNotFound):
        return TemplateError(f"template {error.name} not found")
    if isinstance(error, TemplateSyntaxError):
        where = error.filename or error.name or name
        return TemplateError(f"{where}, line {error.lineno}: {error.message}")
    if isinstance(error, SecurityError):
        return TemplateError(f"{name}: unsafe template refused: {error}")
    if isinstance(error, UndefinedError):
        return TemplateError(f"{name}: {error.message}")
    return TemplateError(f"{name}: {error}")


@functools.lru_cache(maxsize=256)
def default_register(archetype: str, lang: str, templates: Path | None = None) -> str:
    """Return the register an archetype's documents use unless told otherwise."""
    module = archetype_module(archetype, lang, "formal", templates=templates)
    register = str(getattr(module, "default_register", "formal"))
    return register if register in catalog.REGISTERS else "formal"


def archetype_module(
    archetype: str,
    lang: str,
    register: str,
    templates: Path | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    """Evaluate an archetype's archetype.j2 (its texts in the given language)."""
    if archetype not in catalog.archetype_ids(templates):
        ids = ", ".join(catalog.archetype_ids(templates))
        raise InputError(f"unknown archetype {archetype!r}: choose one of {ids}")
    env = catalog.environment(lang, register, False, templates)
    name = f"archetypes/{archetype}/archetype.j2"
    try:
        with time_limit(RENDER_SECONDS):
            if context is None:
                placeholders = _placeholders(env)
                context = build_context(
                    archetype,
                    ClientFacts(),
                    Profile(),
                    lang=lang,
                    locale=_DEFAULT_REGION.get(lang, lang),
                    register=register,
                    fmt="text",
                    today=date.today(),
                    placeholders=placeholders,
                )
            return _make_module(env.get_template(name), context)
    except (JinjaTemplateError, BreakupError, RecursionError, RenderTimeout, MemoryError) as error:
        raise _template_error(error, name) from None


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _escape_user_values(context: dict[str, Any], escape: Any, keep: set[str]) -> None:
    """Escape what the user typed (never our own text, such as placeholders) for Markdown."""
    for key in ("sender", "client"):
        context[key] = {k: v if v in keep else escape(v) for k, v in context[key].items()}
    context["referrals"] = [
        {k: escape(v) if isinstance(v, str) else v for k, v in r.items()}
        for r in context["referrals"]
    ]
    context["service"] = escape(context["service"])


def _page(env: Any, context: dict[str, Any], content: str, title: Any, *, letter: bool) -> str:
    """Wrap an HTML fragment in the self-contained page."""
    from markupsafe import Markup

    page = env.get_template("formats/page.j2")
    html = page.render({**context, "content": Markup(content), "title": title, "letter": letter})
    return str(html).strip("\n") + "\n"


def render(document: str, archetype: str, **options: Any) -> Document:
    """Render one document for an archetype; the one function a library user needs.

    Options: facts (ClientFacts), profile (Profile), lang, locale, register ("formal" or
    "informal"; default: the archetype's), fmt ("text", "md", "html"), today (date),
    templates (a folder overlaying the built-in templates), standalone (False for the
    parts of an .eml draft).
    """
    where = f"{document} for {archetype}"
    if options.get("templates") is not None and not sandbox.bounded():
        # User templates are untrusted: the whole render runs in a child process, capped in
        # memory and killed past the time limit (built-in ones stay here: no fork to pay).
        try:
            return sandbox.run_bounded(
                render, document, archetype, seconds=RENDER_SECONDS, **options
            )
        except LimitError as error:
            raise TemplateError(f"{where}: {error}") from None
    try:
        with time_limit(RENDER_SECONDS):
            return _render(document, archetype, **options)
    except (RenderTimeout, MemoryError) as error:
        raise _template_error(error, where) from None


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
    _overrides: dict[str, Any] | None = None,
) -> Document:
    if document not in DOCUMENTS:
        raise InputError(f"unknown document {document!r}: choose one of {', '.join(DOCUMENTS)}")
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    facts = facts or ClientFacts()
    profile = profile or Profile()
    locale = locale or _DEFAULT_REGION.get(lang, lang)
    register = register or default_register(archetype, lang, templates)
    env = catalog.environment(lang, register, fmt == "html", templates)
    placeholders = _placeholders(env)
    context = build_context(
        archetype,
        facts,
        profile,
        lang=lang,
        locale=locale,
        register=register,
        fmt=fmt,
        today=today or date.today(),
        placeholders=placeholders,
    )
    context["standalone"] = standalone
    for key, value in (_overrides or {}).items():
        # Batch renders a skeleton with stand-ins for the per-row values (see batch.py).
        context[key] = {**context[key], **value} if isinstance(value, dict) else value
    if fmt == "md":
        _escape_user_values(context, _md_escape, set(placeholders.values()))
    if document == "referral" and not context["referrals"]:
        raise InputError(_no_referral_message(profile, facts.service))
    context["a"] = archetype_module(archetype, lang, register, templates, context)
    name = f"documents/{document}.j2"
    try:
        module = _make_module(env.get_template(name), context)
        body = str(module)
        # Kept as markup for the page's <title>: str() would have it escaped a second time.
        title = getattr(module, "subject", "")
        subject = str(title).strip()
    except (JinjaTemplateError, BreakupError, RecursionError) as error:
        raise _template_error(error, name) from None
    if fmt == "html":
        body = _page(env, context, body, title, letter=standalone and document in LETTERS)
    body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
    missing = tuple(key for key, text in placeholders.items() if text in body or text in subject)
    return Document(
        name=document,
        archetype=archetype,
        lang=lang,
        locale=locale,
        register=register,
        fmt=fmt,
        subject=subject,
        body=body,
        missing=missing,
    )

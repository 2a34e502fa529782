"""Turn a rendered document into the bytes of a file, in any format of registry.FORMATS."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from breakup import registry
from breakup.errors import InputError, LimitError, TemplateError
from breakup.i18n import _
from breakup.models import ClientFacts, Profile, Referral
from breakup.render import Document, render


@dataclass(frozen=True)
class Output:
    """A document ready to write.

    Fields: document (the rendered Document it came from), fmt, data (the file's bytes),
    binary (not for a terminal), missing (context.hints() keys of what was not given),
    warnings (from the document).
    """

    document: Document
    fmt: str
    data: bytes
    binary: bool
    missing: tuple[str, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.document.warnings


def format_for(fmt: str | None, output: Path | None) -> str:
    """Pick the format: the one asked for, else the output file's extension, else text.

    The name itself was checked when the option was read (cli.FileToWrite: only the
    extensions breakup writes).
    """
    suffix = output.suffix.lower() if output is not None else ""
    if fmt:
        if fmt not in registry.FORMATS:
            raise InputError(
                _("unknown format {name!r}: choose one of {choices}").format(
                    name=fmt, choices=", ".join(registry.FORMATS)
                )
            )
        named = registry.SUFFIXES.get(suffix)
        if named is not None and named != fmt:
            # A calendar file named .html would open in a browser as a web page, unescaped.
            raise InputError(
                _("the name {name} says {named}, but --format asks for {fmt}: name the file "
                  ".{ext}, or leave out --format").format(
                    name=output, named=named, fmt=fmt, ext=registry.FORMATS[fmt].extension)
            )  # fmt: skip
        return fmt
    return registry.SUFFIXES.get(suffix, "text")


def check_format(document: str, fmt: str) -> None:
    """Refuse a format the document cannot be written in, naming those it can."""
    if not registry.FORMATS[fmt].allows(document):
        raise InputError(
            _("--format {fmt} is not available for the {document}: choose one of {choices}").format(
                fmt=fmt, document=document, choices=", ".join(registry.formats_for(document))
            )
        )


def publish(
    document: str,
    archetype: str,
    fmt: str,
    *,
    now: datetime | None = None,
    provider: Referral | None = None,
    **options: Any,
) -> Output:
    """Render a document in one of registry.FORMATS; options are those of render().

    `provider` (one of the profile's referrals) writes the heads-up to that provider alone.
    As a mail draft the heads-up goes to one provider (see drafts() for several).
    """
    if fmt not in registry.FORMATS:
        raise InputError(
            _("unknown format {name!r}: choose one of {choices}").format(
                name=fmt, choices=", ".join(registry.FORMATS)
            )
        )
    check_format(document, fmt)
    now = now or datetime.now().astimezone()
    if provider is not None:
        profile = options.get("profile") or Profile()
        # The draft to one provider: asked (or, once agreed, told what to expect) as the
        # profile says; it names no other provider.
        options["profile"] = dataclasses.replace(profile, referrals=(provider,))
    if fmt == "eml":
        return _eml(document, archetype, now, options)
    if fmt == "ics":
        return _ics(archetype, now, options)
    doc = render(document, archetype, fmt=registry.FORMATS[fmt].source, **options)
    if fmt == "pdf":
        data = print_pdf(doc.body, options.get("templates"), document)
        return Output(doc, fmt, data, binary=True, missing=doc.missing)
    return Output(doc, fmt, doc.body.encode("utf-8"), binary=False, missing=doc.missing)


def drafts(
    document: str, archetype: str, fmt: str, *, now: datetime | None = None, **options: Any
) -> list[tuple[str, Output]]:
    """Render a document as the files it makes: [("", output)], except the heads-up as mail
    drafts, one per provider it goes to: [(the provider's name as a file-name part, draft)].

    Options are those of publish().
    """
    if fmt != "eml" or registry.DOCUMENTS[document].audience != "provider":
        return [("", publish(document, archetype, fmt, now=now, **options))]
    found = recipients(options.get("profile") or Profile(), options.get("facts") or ClientFacts())
    if len(found) < 2:  # none: publish says what to add to the profile
        return [("", publish(document, archetype, fmt, now=now, **options))]
    now = now or datetime.now().astimezone()
    return [
        (key, publish(document, archetype, fmt, now=now, provider=referral, **options))
        for key, referral in found
    ]


def recipients(profile: Profile, facts: ClientFacts) -> list[tuple[str, Referral]]:
    """The providers a heads-up goes to (those offering the service), each with a name for
    its draft's file: its name (else company) as a file name, numbered if two are alike."""
    from breakup.output import safe_name

    found: list[tuple[str, Referral]] = []
    taken: set[str] = set()
    for referral in profile.referrals:
        if not referral.offers(facts.service):
            continue
        base = safe_name(referral.name or referral.company or referral.email, "provider")
        key, number = base, 1
        while key in taken:
            number += 1
            key = f"{base}-{number}"
        taken.add(key)
        found.append((key, referral))
    return found


def draft_path(path: Path, key: str) -> Path:
    """The file of one of several drafts written for -o `path`: the key before the suffix."""
    return path.with_name(f"{path.stem}-{key}{path.suffix}") if key else path


def print_pdf(html: str, templates: Path | None, what: str) -> bytes:
    """Return the PDF of a page; one made from user templates is printed in a bounded child
    process, as it was rendered: its layout could ask for minutes and gigabytes."""
    from breakup import sandbox
    from breakup.pdf import html_to_pdf

    if templates is None or sandbox.bounded():
        return html_to_pdf(html)
    try:  # loaded once, here, rather than in each child
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return html_to_pdf(html)  # which says what to install
    try:
        return sandbox.run_bounded(html_to_pdf, html, seconds=sandbox.RENDER_SECONDS)
    except LimitError as error:
        raise TemplateError(
            _("{document}: printing the PDF of your templates' page: {problem}").format(
                document=what, problem=error
            )
        ) from None


def _eml(document: str, archetype: str, now: datetime, options: dict[str, Any]) -> Output:
    from breakup.mail import build_draft

    facts = options.get("facts") or ClientFacts()
    profile = options.get("profile") or Profile()
    if registry.DOCUMENTS[document].audience == "provider":
        # Never to the client: to the one provider the message is written to.
        found = recipients(profile, facts)
        if len(found) > 1:
            raise InputError(
                _(
                    "the {document} goes to {count} providers, one draft each: give -o "
                    "FILE.eml, and breakup writes FILE-<provider>.eml for each"
                ).format(document=document, count=len(found))
            )
        provider = found[0][1] if found else Referral()
        to_name, to_email = provider.name or provider.company, provider.email
        lacking, to_what = "referral_email", _("the provider's email")
    else:
        to_name, to_email = facts.contact or facts.client or "", facts.client_email or ""
        lacking, to_what = "client_email", "--client-email"
    text = render(document, archetype, fmt="text", standalone=False, **options)
    html = render(document, archetype, fmt="html", standalone=False, mail=True, **options)
    data = build_draft(
        subject=text.subject,
        text=text.body,
        html=html.body,
        sender_name=profile.sender.name or profile.sender.company,
        sender_email=profile.sender.email,
        to_name=to_name,
        to_email=to_email,
        now=now,
        to_what=to_what,
    )
    missing = text.missing + (lacking,) * (not to_email)
    return Output(text, "eml", data, binary=False, missing=missing)


def _ics(archetype: str, now: datetime, options: dict[str, Any]) -> Output:
    """The follow-up reminders as calendar events (the notes' Reminders section)."""
    from breakup.ics import calendar
    from breakup.render import reminders

    doc = render("notes", archetype, fmt="text", **options)
    events, name = reminders(archetype, **options)
    data = calendar(events, name=name, stamp=now, lang=doc.lang)
    return Output(doc, "ics", data, binary=False, missing=doc.missing)

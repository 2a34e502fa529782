"""Turn a rendered document into the bytes of a file, in any format of registry.FORMATS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from breakup import registry
from breakup.errors import InputError
from breakup.i18n import _
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

    A file name whose extension promises another format (".docx", ".odt"...) is refused.
    """
    if fmt:
        if fmt not in registry.FORMATS:
            raise InputError(
                _("unknown format {name!r}: choose one of {choices}").format(
                    name=fmt, choices=", ".join(registry.FORMATS)
                )
            )
        return fmt
    suffix = output.suffix.lower() if output is not None else ""
    if suffix in registry.FOREIGN_SUFFIXES:
        raise InputError(
            _(
                "{name}: breakup does not write {suffix} files; name the file .txt, .md, .html, "
                ".pdf or .eml, or give --format"
            ).format(name=output, suffix=suffix)
        )
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
    document: str, archetype: str, fmt: str, *, now: datetime | None = None, **options: Any
) -> Output:
    """Render a document in one of registry.FORMATS; options are those of render()."""
    if fmt not in registry.FORMATS:
        raise InputError(
            _("unknown format {name!r}: choose one of {choices}").format(
                name=fmt, choices=", ".join(registry.FORMATS)
            )
        )
    check_format(document, fmt)
    now = now or datetime.now().astimezone()
    if fmt == "eml":
        return _eml(document, archetype, now, options)
    if fmt == "ics":
        return _ics(archetype, now, options)
    doc = render(document, archetype, fmt=registry.FORMATS[fmt].source, **options)
    if fmt == "pdf":
        from breakup.pdf import html_to_pdf

        return Output(doc, fmt, html_to_pdf(doc.body), binary=True, missing=doc.missing)
    return Output(doc, fmt, doc.body.encode("utf-8"), binary=False, missing=doc.missing)


def _eml(document: str, archetype: str, now: datetime, options: dict[str, Any]) -> Output:
    from breakup.mail import build_draft
    from breakup.models import ClientFacts, Profile

    text = render(document, archetype, fmt="text", standalone=False, **options)
    html = render(document, archetype, fmt="html", standalone=False, mail=True, **options)
    facts = options.get("facts") or ClientFacts()
    profile = options.get("profile") or Profile()
    data = build_draft(
        subject=text.subject,
        text=text.body,
        html=html.body,
        sender_name=profile.sender.name or profile.sender.company,
        sender_email=profile.sender.email,
        to_name=facts.contact or facts.client or "",
        to_email=facts.client_email or "",
        now=now,
    )
    missing = text.missing + ("client_email",) * (not facts.client_email)
    return Output(text, "eml", data, binary=False, missing=missing)


def _ics(archetype: str, now: datetime, options: dict[str, Any]) -> Output:
    """The follow-up reminders as calendar events (the notes' Reminders section)."""
    from breakup.ics import calendar
    from breakup.render import reminders

    doc = render("notes", archetype, fmt="text", **options)
    events, name = reminders(archetype, **options)
    data = calendar(events, name=name, stamp=now, lang=doc.lang)
    return Output(doc, "ics", data, binary=False, missing=doc.missing)

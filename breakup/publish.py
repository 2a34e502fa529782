"""Turn a rendered document into the bytes of a file: text, Markdown, HTML, .eml or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from breakup.errors import InputError
from breakup.render import Document, render

OUTPUT_FORMATS = ("text", "md", "html", "eml", "pdf")
# The file a document is written to by kit and batch (plus the format's extension).
FILE_STEMS = {
    "email": "email",
    "script": "call-script",
    "referral": "referral-letter",
    "notes": "follow-up-notes",
}
EXTENSIONS = {"text": "txt", "md": "md", "html": "html", "eml": "eml", "pdf": "pdf"}
_BY_SUFFIX = {
    ".txt": "text",
    ".text": "text",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".eml": "eml",
    ".pdf": "pdf",
}


@dataclass(frozen=True)
class Output:
    """A document ready to write.

    Fields: document (the rendered Document it came from), fmt, data (the file's bytes),
    binary (True for PDF: not for a terminal), missing (HOW_TO_FILL keys of what was not
    given).
    """

    document: Document
    fmt: str
    data: bytes
    binary: bool
    missing: tuple[str, ...]


def format_for(fmt: str | None, output: Path | None) -> str:
    """Pick the format: the one asked for, else the output file's extension, else text."""
    if fmt:
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"unknown format {fmt!r}: choose one of {', '.join(OUTPUT_FORMATS)}")
        return fmt
    if output is not None and output.suffix.lower() in _BY_SUFFIX:
        return _BY_SUFFIX[output.suffix.lower()]
    return "text"


def publish(
    document: str, archetype: str, fmt: str, *, now: datetime | None = None, **options: Any
) -> Output:
    """Render a document in one of OUTPUT_FORMATS; options are those of render()."""
    if fmt == "eml":
        if document != "email":
            raise InputError(
                f"--format eml is for the email only: choose text, md, html or pdf for the "
                f"{document}"
            )
        return _eml(archetype, now or datetime.now().astimezone(), options)
    if fmt == "pdf":
        from breakup.pdf import html_to_pdf

        doc = render(document, archetype, fmt="html", **options)
        return Output(doc, fmt, html_to_pdf(doc.body), binary=True, missing=doc.missing)
    if fmt not in OUTPUT_FORMATS:
        raise InputError(f"unknown format {fmt!r}: choose one of {', '.join(OUTPUT_FORMATS)}")
    doc = render(document, archetype, fmt=fmt, **options)
    return Output(doc, fmt, doc.body.encode("utf-8"), binary=False, missing=doc.missing)


def _eml(archetype: str, now: datetime, options: dict[str, Any]) -> Output:
    from breakup.mail import build_draft
    from breakup.models import ClientFacts, Profile

    text = render("email", archetype, fmt="text", standalone=False, **options)
    html = render("email", archetype, fmt="html", standalone=False, **options)
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

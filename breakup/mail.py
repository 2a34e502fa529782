"""Build .eml drafts with the standard library's email package."""

from __future__ import annotations

import re
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from breakup.errors import InputError

_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]")


def _header_value(value: str, what: str) -> str:
    """Refuse a line break in a header value: it could add headers of its own."""
    if _LINE_BREAK.search(value):
        raise InputError(f"{what} contains a line break, which is not allowed in an email header")
    return value.strip()


def _address(name: str, email: str, what: str) -> Address:
    addr = parse_address(_header_value(email, what), what)
    local, _, domain = addr.rpartition("@")
    return Address(display_name=_header_value(name, what), username=local, domain=domain)


def build_draft(
    *,
    subject: str,
    text: str,
    html: str,
    sender_name: str,
    sender_email: str,
    to_name: str,
    to_email: str,
    now: datetime,
) -> bytes:
    """Return an unsent draft (X-Unsent: 1) with a text and an HTML alternative.

    Empty sender or recipient addresses are left out, so the user fills them in the mail
    client; any value with a line break is refused.
    """
    message = EmailMessage(policy=SMTP)
    if sender_email:
        message["From"] = _address(sender_name, sender_email, "the sender's email")
    if to_email:
        message["To"] = _address(to_name, to_email, "--client-email")
    message["Subject"] = _header_value(subject, "the subject")
    message["Date"] = format_datetime(now)
    domain = sender_email.rpartition("@")[2] if sender_email else "breakup.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message["X-Unsent"] = "1"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message.as_bytes()


def parse_address(value: str, what: str) -> str:  # provisional
    import re

    text = value.strip()
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[a-z]{2,}", text, re.I):
        raise InputError(
            f"invalid email address {value!r} for {what}: use the form name@example.com"
        )
    return text

"""Build .eml drafts by hand: every header and body byte is encoded here, nothing is parsed.

The standard library's email package decodes RFC 2047 encoded words it finds in the values
it is given, so a client named ``=?utf-8?q?=0D=0ABcc:_x@y.z?=`` became a line break and a
Bcc header. Here a value is only ever written, never read: display names and subjects go
out as plain ASCII only when a reader cannot take them for anything else, and as encoded
words otherwise, so a reader gets back exactly the text we were given.
"""

from __future__ import annotations

import os
import re
from binascii import b2a_base64, b2a_qp
from datetime import datetime

from breakup import chars
from breakup.errors import InputError
from breakup.i18n import _

# Header lines stay within RFC 5322's recommended 78 characters (CRLF excluded), but for an
# address longer than a line: no folding is recommended inside one (3.4.1), so it stands alone
# on its line, far below the 998 limit.
_LIMIT = 78
# An encoded word of 45 UTF-8 bytes: 60 base64 characters, 72 with =?utf-8?b? and ?=, so it
# fits RFC 2047's 75 and a continuation line (a space and the word) fits 78.
_WORD_BYTES = 45
_WORD_OVERHEAD = len("=?utf-8?b??=")

# Controls (C0 with CR, LF and TAB, DEL, C1 with NEL) and whitespace (U+2028, U+2029, the
# no-break and other Unicode spaces), in runs: each run becomes one space in a header
# value. Readers differ on other spaces (Python's drops a no-break space standing alone).
_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_PRINTABLE = re.compile(r"[ -~]*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
# A display name of atoms separated by single spaces is written as it is; other printable
# ASCII goes in a quoted string.
_ATOMS = re.compile(f"{_ATEXT}+(?: {_ATEXT}+)*")
_LOCAL = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
# What a local part with non-ASCII letters looks like: no spaces, controls or specials.
_UNICODE_LOCAL = re.compile(r'[^\s\x00-\x1f\x7f-\x9f<>()\[\]\\,;:@"]+')
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
# Letters IDNA 2003 (Python's codec) maps away but IDNA 2008 keeps: straße.de would become
# strasse.de, someone else's domain.
_IDNA_DEVIATIONS = frozenset("ßς\u200c\u200d")
_MESSAGE_ID = re.compile(r"<[!-;=?A-~]+@[!-;=?A-~]+>")
_LONGEST_ID = 998 - len("Message-ID: ")

# Quoted-printable, not base64: drafts stay readable in a text editor and a diff, lines are
# cut at 76 characters whatever the body holds, and it keeps the boundary below out of the
# body: in quoted-printable "=" is always followed by two hex digits or a line break, so the
# body never holds "=_".
_BOUNDARY = "=_breakup_4c7e19a2b85d3f60"
_QP = "Content-Transfer-Encoding: quoted-printable\r\n"
_PLAIN_PART = f'Content-Type: text/plain; charset="utf-8"\r\n{_QP}'
_HTML_PART = f'Content-Type: text/html; charset="utf-8"\r\n{_QP}'

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def build_draft(
    *,
    subject: str,
    text: str,
    html: str | None,
    sender_name: str,
    sender_email: str,
    to_name: str,
    to_email: str,
    now: datetime,
    message_id: str | None = None,
    to_what: str = "--client-email",
) -> bytes:
    """Return an unsent draft (X-Unsent: 1): a text part, and an HTML alternative if given.

    An empty sender or recipient address leaves its header out, for the user to fill in
    the mail client. Header values are literal text, except that each run of controls,
    line breaks and spaces becomes one space and the ends are trimmed. Raises InputError
    for an invalid address (naming `to_what`, where the recipient's came from) or Message-ID.
    """
    headers: list[str] = []
    domain = "breakup.invalid"
    if sender_email:
        sender = parse_address(sender_email, _("the sender's email"))
        domain = sender.rpartition("@")[2]
        headers.append(_address_header("From", sender_name, sender))
    if to_email:
        headers.append(_address_header("To", to_name, parse_address(to_email, to_what)))
    if message_id is None:
        message_id = _new_message_id(domain)
    elif not (len(message_id) <= _LONGEST_ID and _MESSAGE_ID.fullmatch(message_id)):
        raise InputError(
            _("invalid Message-ID {value!r}: use the form <id@example.com>").format(
                value=message_id
            )
        )
    headers += [
        _unstructured_header("Subject", subject),
        f"Date: {_format_date(now)}\r\n",
        _fit("Message-ID:", message_id),
        "X-Unsent: 1\r\nMIME-Version: 1.0\r\n",
    ]
    if html is None:
        headers.append(_PLAIN_PART)
        body = b"\r\n" + _quoted_printable(text)
    else:
        headers.append(f'Content-Type: multipart/alternative; boundary="{_BOUNDARY}"\r\n')
        body = b"".join(
            [
                f"\r\n--{_BOUNDARY}\r\n{_PLAIN_PART}\r\n".encode("ascii"),
                _quoted_printable(text),
                f"\r\n--{_BOUNDARY}\r\n{_HTML_PART}\r\n".encode("ascii"),
                _quoted_printable(html),
                f"\r\n--{_BOUNDARY}--\r\n".encode("ascii"),
            ]
        )
    # Every header is ASCII by construction; encoding as ASCII would fail loudly if not.
    return "".join(headers).encode("ascii") + body


def parse_address(value: str, what: str) -> str:
    """Return a plain address (name@example.com) with its domain in lowercase ASCII.

    Refuses display names, quotes, comments, spaces, and local parts that are not a
    dot-atom or hold non-ASCII letters; a non-ASCII domain is converted with IDNA.
    """
    local, at, domain = value.strip().partition("@")
    if at and "@" not in domain and not local.isascii() and _UNICODE_LOCAL.fullmatch(local):
        raise InputError(
            _(
                "email address {value!r} for {what} has non-ASCII letters before the @: mail"
                " clients cannot reliably send to such an address from a draft; use the"
                " person's ASCII address"
            ).format(value=value, what=what)
        )
    # "=?" is allowed in a dot-atom, but a reader would decode it as an encoded word.
    if _LOCAL.fullmatch(local) and len(local) <= 64 and "=?" not in local:
        if _IDNA_DEVIATIONS.intersection(domain.lower()):
            raise InputError(
                _(
                    "email address {value!r} for {what} has a domain that mail programs"
                    " write in two different ways: use its ASCII form, the one starting"
                    " with xn--"
                ).format(value=value, what=what)
            )
        ascii_domain = _ascii_domain(domain)
        if ascii_domain is not None:
            return f"{local}@{ascii_domain}"
    raise InputError(
        _("invalid email address {value!r} for {what}: use the form name@example.com").format(
            value=value, what=what
        )
    )


def message_id(domain: str) -> str:
    """Return a new, unique Message-ID value for a domain: <random@domain>."""
    ascii_domain = _ascii_domain(domain.strip())
    if ascii_domain is None:
        raise InputError(
            _("invalid domain {value!r} for a Message-ID: use the form example.com").format(
                value=domain
            )
        )
    return _new_message_id(ascii_domain)


def _new_message_id(domain: str) -> str:
    # Unique by its random part: a domain too long for one line gives way to the reserved one.
    if len(f" <{'0' * 32}@{domain}>") > _LIMIT:
        domain = "breakup.invalid"
    return f"<{os.urandom(16).hex()}@{domain}>"


def _ascii_domain(domain: str) -> str | None:
    """Return the domain in lowercase ASCII (IDNA for a non-ASCII one), or None if invalid."""
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    domain = domain.lower()
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        return None
    if domain.rpartition(".")[2].isdigit():  # a.b.c.123 is an IP address, not a domain
        return None
    return domain


def _clean(value: str) -> str:
    """Drop invisible characters (as the documents do), turn each run of controls and
    whitespace into one space; trim the ends."""
    return _BLANKS.sub(" ", _INVISIBLE.sub("", value)).strip(" ")


_INVISIBLE = re.compile(f"[{chars.INVISIBLE}]")


def _encoded_words(value: str, used: int) -> str:
    """Encode text as RFC 2047 words (UTF-8, base64), folded after a line's first `used`
    characters.

    A word never splits a UTF-8 character, and ends after a space when one is in reach:
    the whitespace between two encoded words is no text (RFC 2047, 6.2), but Python's
    email package before gh-128110 reads a space there in a display name, so breaking at
    a space costs such a reader an extra space at most, not a space inside a word.
    """
    data = value.encode("utf-8", "replace")  # "replace": a lone surrogate becomes "?"
    room = min((_LIMIT - used - _WORD_OVERHEAD) // 4 * 3, _WORD_BYTES)
    words = []
    start = 0
    while start < len(data):
        end = start + room
        if end < len(data):
            space = data.rfind(b" ", start + 1, end)
            if space > 0:
                end = space + 1
            else:
                while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
                    end -= 1
        words.append(f"=?utf-8?b?{b2a_base64(data[start:end], newline=False).decode()}?=")
        start = end
        room = _WORD_BYTES
    return "\r\n ".join(words)


def _fit(head: str, value: str) -> str:
    """Append a value to a header's last line, or fold it onto a line of its own."""
    last = len(head) - head.rfind("\n") - 1
    fold = " " if last + 1 + len(value) <= _LIMIT else "\r\n "
    return f"{head}{fold}{value}\r\n"


def _unstructured_header(field: str, value: str) -> str:
    """A header of free text (Subject): plain ASCII folded at spaces, else encoded words."""
    value = _clean(value)
    if not value:
        return f"{field}:\r\n"
    # A bare "=?" would be decoded by a reader as the start of an encoded word.
    if _PRINTABLE.fullmatch(value) and "=?" not in value:
        first, *words = value.split(" ")
        lines = [f"{field}: {first}"]
        for word in words:
            if len(lines[-1]) + 1 + len(word) <= _LIMIT:
                lines[-1] += " " + word
            else:
                lines.append(" " + word)  # unfolding drops the CRLF and keeps the space
        if all(len(line) <= _LIMIT for line in lines):
            return "\r\n".join(lines) + "\r\n"
    return f"{field}: {_encoded_words(value, len(field) + 2)}\r\n"


def _address_header(field: str, name: str, address: str) -> str:
    """An address header (From, To): the display name as atoms, a quoted string or encoded
    words, then the address."""
    name = _clean(name)
    head = f"{field}:"
    if not name:
        return _fit(head, address)
    phrase = ""
    if "=?" not in name:
        if _ATOMS.fullmatch(name):
            phrase = name
        elif _PRINTABLE.fullmatch(name):
            phrase = '"{}"'.format(name.replace("\\", "\\\\").replace('"', '\\"'))
    if phrase and len(head) + 1 + len(phrase) <= _LIMIT:
        head = f"{head} {phrase}"
    else:
        head = f"{head} {_encoded_words(name, len(head) + 1)}"
    return _fit(head, f"<{address}>")


def _format_date(now: datetime) -> str:
    """The RFC 5322 date, as email.utils.format_datetime writes it (-0000 when naive)."""
    offset = now.utcoffset()
    if offset is None:
        zone = "-0000"
    else:
        seconds = int(offset.total_seconds())
        hours, minutes = divmod(abs(seconds) // 60, 60)
        zone = f"{'-' if seconds < 0 else '+'}{hours:02d}{minutes:02d}"
    return (
        f"{_DAYS[now.weekday()]}, {now.day:02d} {_MONTHS[now.month - 1]} {now.year:04d}"
        f" {now.hour:02d}:{now.minute:02d}:{now.second:02d} {zone}"
    )


def _quoted_printable(text: str) -> bytes:
    """Encode a body as quoted-printable UTF-8 with CRLF line breaks.

    Each line is encoded on its own in binary mode, so a carriage return inside a line is
    written =0D (the text mode leaves it bare) and comes back as it was.
    """
    lines = text.encode("utf-8", "replace").split(b"\n")
    encoded = b"\n".join([b2a_qp(line, istext=False) for line in lines])
    return encoded.replace(b"\n", b"\r\n")

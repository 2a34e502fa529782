"""Write dated reminders as an iCalendar file (RFC 5545) for the user to import.

Written by hand, with no dependency, to keep start-up fast; the tests read the output back
with the independent `icalendar` parser.

    from breakup.ics import Reminder, calendar
    data = calendar(
        [Reminder(date(2027, 1, 18), "Check the handover", "", "acme/late-payer/handover")],
        name="Acme: follow-up", stamp=datetime.now(UTC),
    )
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from breakup import __version__

PRODID = f"-//breakup//breakup {__version__}//EN"
# Octets per line, not counting the CRLF; a continuation's leading space counts (§3.1).
_LINE_OCTETS = 75
_NEWLINE = re.compile(r"\r\n?")
# TEXT allows no control character but the tab (§3.3.11); C1 controls go too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The shape of an RFC 5646 language tag: enough that it cannot break the content line.
_LANG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")


@dataclass(frozen=True)
class Reminder:
    """One all-day reminder.

    Fields: day (date), summary (one line, not blank), description (may be multi-line or
    empty), key (a stable string naming this reminder across reruns, e.g.
    "acme/late-payer/handover-check": the same key gives the same UID, so a calendar app
    updates the event instead of adding a second one).
    """

    day: date
    summary: str
    description: str
    key: str

    def __post_init__(self) -> None:
        # A datetime is a date too, but would silently lose its time here.
        if isinstance(self.day, datetime) or not isinstance(self.day, date):
            raise TypeError(f"Reminder.day must be a date, not {self.day!r}")
        if not self.key:
            raise ValueError("Reminder.key is empty")
        if not _clean(self.summary).strip():
            raise ValueError(f"Reminder {self.key!r} has an empty summary")


def uid_for(key: str) -> str:
    """Return the UID of the reminder with this key: the same key always gives the same UID.

    The form is "<first 32 hex digits of the key's SHA-256>@breakup.invalid": 128 bits, so
    distinct keys do not collide in practice, and hashed so that a client's name in the key
    does not end up in the UID, which calendar servers keep even when the event is edited
    (RFC 7986 §5.3). The ".invalid" domain (RFC 6761) names no host.
    """
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@breakup.invalid"


def calendar(
    reminders: Sequence[Reminder], *, name: str, stamp: datetime, lang: str = "en"
) -> bytes:
    """Return an iCalendar file (UTF-8, CRLF lines) with one all-day event per reminder.

    name: the calendar's name; stamp: when the file is made (timezone-aware, written as
    DTSTAMP in UTC); lang: the language of the texts, an RFC 5646 tag such as "es".
    The same arguments always give the same bytes. Raises ValueError when there are no
    reminders (a calendar needs one component, §3.6), two share a key, the stamp is naive,
    the name is blank or lang is not a language tag.
    """
    if not reminders:
        raise ValueError("a calendar needs at least one reminder")
    if stamp.utcoffset() is None:
        raise ValueError(f"stamp must be timezone-aware: {stamp!r}")
    if not _LANG.fullmatch(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    if not _clean(name).strip():
        raise ValueError("the calendar's name is empty")
    seen: dict[str, str] = {}
    for reminder in reminders:
        uid = uid_for(reminder.key)
        if uid in seen:
            raise ValueError(f"two reminders share a UID: {seen[uid]!r} and {reminder.key!r}")
        seen[uid] = reminder.key

    utc = stamp.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    dtstamp = utc.isoformat().replace("-", "").replace(":", "") + "Z"
    language = f";LANGUAGE={lang}"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    for reminder in reminders:
        summary = _text(reminder.summary)
        description = _text(reminder.description)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid_for(reminder.key)}",
            f"DTSTAMP:{dtstamp}",
            f"DTSTART;VALUE=DATE:{_date(reminder.day)}",
            # All-day events end exclusively: a one-day event ends the next day (§3.6.1).
            f"DTEND;VALUE=DATE:{_date(reminder.day + timedelta(days=1))}",
            f"SUMMARY{language}:{summary}",
            *([f"DESCRIPTION{language}:{description}"] if description else []),
            # A reminder does not make the user busy that day.
            "TRANSP:TRANSPARENT",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            # The start of an all-day event is midnight wherever the user is; nine hours
            # later is 09:00 that morning, when the reminder can be acted on (at 00:00 it
            # would fire in the night and be missed).
            "TRIGGER;RELATED=START:PT9H",
            f"DESCRIPTION{language}:{summary}",
            "END:VALARM",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)


def _clean(text: str) -> str:
    """Return text with its line breaks as "\\n" and no other control character."""
    return _CONTROL.sub("", _NEWLINE.sub("\n", text))


def _text(text: str) -> str:
    """Return text as an RFC 5545 TEXT value (§3.3.11); the backslash is escaped first."""
    text = _clean(text).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def _date(day: date) -> str:
    # isoformat pads the year to four digits; strftime("%Y") does not on every platform.
    return day.isoformat().replace("-", "")


def _fold(line: str) -> bytes:
    """Return line as UTF-8 folded into lines of at most 75 octets, each ended by CRLF.

    A fold never splits a character's UTF-8 sequence (§3.1). A lone surrogate cannot be
    encoded and raises UnicodeEncodeError, a ValueError.
    """
    data = line.encode("utf-8")
    parts = []
    start, room = 0, _LINE_OCTETS
    while len(data) - start > room:
        end = start + room
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        parts.append(data[start:end])
        start, room = end, _LINE_OCTETS - 1
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"

"""The documents breakup writes and the formats it writes them in: one table each.

The command line's choices, its help, the kit, publishing, batch and the tests all read these
tables; adding a document is a row here and a template in templates/documents/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple


class Doc(NamedTuple):
    """A kind of document.

    Fields: name (the command and templates/documents/<name>.j2), stem (its file name in a
    kit or a batch folder), audience ("client", "provider" or "user": who reads it), summary
    (one line for `breakup --help`), help (the command's help), example (a command line),
    needs_referrals (stops without a matching referral), in_kit (written by `kit`).
    """

    name: str
    stem: str
    audience: str
    summary: str
    help: str
    example: str
    needs_referrals: bool = False
    in_kit: bool = True

    @property
    def letter(self) -> bool:
        """Sent to someone else: as a page it gets a letterhead and the date; it can be a draft."""
        return self.audience != "user"


DOCUMENTS: dict[str, Doc] = {
    d.name: d
    for d in (
        Doc(
            "script", "call-script", "user",
            "Write the call script, with likely reactions and replies.",
            "Write the call script for ARCHETYPE: what to say and in what order, the client's "
            "likely reactions with neutral replies, what not to say, the speaking time and how "
            "long a call to book.",
            'breakup script shouter --lang en --client "Acme" --end-date 2027-01-15',
        ),
        Doc(
            "email", "email", "client",
            "Write the termination email (or its confirmation of a call).",
            "Write the termination email for ARCHETYPE (see `breakup archetypes`): the first "
            "notice, or with --after-call the written confirmation of a call already held. "
            "Details you leave out appear as [placeholders].",
            'breakup email late-payer --lang es --client "Acme" --contact "Laura Gómez" \\\n'
            "    --end-date 2027-01-15 --invoice F-102:1250:2026-10-31 --profile breakup.toml",
        ),
        Doc(
            "referral", "referral-letter", "client",
            "Write the letter introducing the providers who can take over.",
            "Write the referral letter for ARCHETYPE: it introduces the profile's [[referrals]] "
            "that match --service (all of them without --service), why each fits, and how to "
            "reach them.",
            'breakup referral diva --service "web design" --profile breakup.toml',
            needs_referrals=True,
        ),
        Doc(
            "heads-up", "heads-up", "provider",
            "Write the message asking each recommended provider first.",
            "Write the heads-up for each provider you recommend: it asks whether they are open "
            "to hearing from the client and says, factually, why the engagement is ending.",
            'breakup heads-up late-payer --client "Acme" --service "web design"',
            needs_referrals=True,
        ),
        Doc(
            "notes", "follow-up-notes", "user",
            "Write your follow-up notes (for you, not the client).",
            "Write the follow-up notes for ARCHETYPE (for you, not the client): a call record to "
            "fill in, a checklist for the money, the handover and the data, and dated reminders "
            "(--format ics for your calendar).",
            "breakup notes family-friend --lang es --end-date 2027-01-15 -o notes.txt",
        ),
        Doc(
            "boundaries", "boundaries", "client",
            "Write the message that sets limits before ending it.",
            "Write the boundaries message for ARCHETYPE: the limits that would let the work go "
            "on (hours, payment terms, one written channel...), what happens if they are "
            "crossed, and a proposal to put them in writing.",
            'breakup boundaries diva --client "Acme" --hours 20',
            in_kit=False,
        ),
    )
}  # fmt: skip

KIT = tuple(d.name for d in DOCUMENTS.values() if d.in_kit)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~]|&(?=#?\w+;))")
# At the start of a line: what would begin a list, a rule or a heading's underline.
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([-+=])|(\d{1,9})([.)])(?=\s|$))", re.M)


def md_escape(text: str) -> str:
    """Escape what Markdown would read as markup: its special characters, an entity (&amp;),
    and a list marker, rule or underline at the start of a line (1. x, + x, ---)."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_LINE_START.sub(_md_line_start, text)


def _md_line_start(m: re.Match[str]) -> str:
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def _same(text: str) -> str:
    return text


class Format(NamedTuple):
    """An output format.

    Fields: name, extension, source (the format the templates render in: text, md or html),
    escape (applied to every value the user typed, for that source; HTML is escaped by the
    template engine), binary (not for a terminal), documents (the documents it can hold;
    None for all), summary.
    """

    name: str
    extension: str
    source: str
    escape: Callable[[str], str]
    binary: bool
    documents: tuple[str, ...] | None
    summary: str

    def allows(self, document: str) -> bool:
        return self.documents is None or document in self.documents


_LETTERS = tuple(d.name for d in DOCUMENTS.values() if d.letter)

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("text", "txt", "text", _same, False, None, "plain text"),
        Format("md", "md", "md", md_escape, False, None, "Markdown"),
        Format("html", "html", "html", _same, False, None, "a self-contained web page"),
        Format("pdf", "pdf", "html", _same, True, None, "PDF (needs breakup[pdf])"),
        Format("eml", "eml", "text", _same, False, _LETTERS, "a draft for your mail client"),
        Format("ics", "ics", "text", _same, False, ("notes",), "calendar reminders"),
    )
}  # fmt: skip

# What an output file's name says about its format.
SUFFIXES = {
    ".txt": "text", ".text": "text", ".md": "md", ".markdown": "md", ".html": "html",
    ".htm": "html", ".pdf": "pdf", ".eml": "eml", ".ics": "ics",
}  # fmt: skip
# Extensions that promise a format breakup does not write: a name ending so is refused (a
# letter in plain text named .docx, .png or .zip opens as garbage, or not at all, and one named
# .exe, .sh or .py is one click from being run). Top-level domains a client's name may end in
# and that are rarely files (.com, .app, .ai) are left out.
FOREIGN_SUFFIXES = (
    # documents, spreadsheets, slides, books
    ".doc", ".docx", ".docm", ".dot", ".dotx", ".odt", ".ott", ".rtf", ".pages", ".wpd", ".xps",
    ".epub", ".mobi", ".xls", ".xlsx", ".xlsm", ".ods", ".numbers", ".ppt", ".pptx", ".odp",
    ".key",
    # data and settings
    ".csv", ".tsv", ".json", ".jsonl", ".xml", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf",
    ".sql", ".db", ".sqlite",
    # mail and contacts in a form breakup does not write (it writes .eml and .ics)
    ".msg", ".mbox", ".vcf",
    # images, sound, video
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".svg", ".heic", ".ico",
    ".psd", ".mp3", ".wav", ".m4a", ".mp4", ".mov", ".avi", ".mkv",
    # archives and compressed files
    ".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar",
    # programs, scripts, templates
    ".exe", ".msi", ".dll", ".bat", ".cmd", ".ps1", ".vbs", ".sh", ".bash", ".zsh", ".py", ".js",
    ".jar", ".apk", ".dmg", ".deb", ".rpm", ".j2",
)  # fmt: skip


def formats_for(document: str) -> list[str]:
    """The formats a document can be written in."""
    return [f.name for f in FORMATS.values() if f.allows(document)]

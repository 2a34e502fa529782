"""What the user gives us: the profile (sender, referrals, defaults) and the client's facts.

Plain frozen records; reading them from a TOML file is breakup.profile's job, reading the
values a user types is breakup.parse's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

VOICES = ("I", "we")
RELATIONS = ("friend", "relative")


@dataclass(frozen=True)
class Person:
    """Someone named in a document.

    Fields: name, company, email, phone; each may be empty.
    """

    name: str = ""
    company: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Sender(Person):
    """The user, who signs the documents.

    Fields: those of Person, plus voice ("I" or "we"; None: "we" with a company, else "I").
    """

    voice: str | None = None

    @property
    def solo(self) -> bool:
        """Tell whether the documents speak as one person ("I") rather than a team ("we")."""
        if self.voice is not None:
            return self.voice == "I"
        return not self.company


@dataclass(frozen=True)
class Referral(Person):
    """A provider the user recommends to take over.

    Fields: those of Person, plus services (what they can take over, matched against
    --service), note (why they fit: a sentence or two to the client, which the referral
    letter quotes; a string, or one per language), agreed (they have said they are happy to be
    contacted).
    """

    services: tuple[str, ...] = ()
    note: str | dict[str, str] = ""
    agreed: bool = False

    def offers(self, service: str | None) -> bool:
        """Tell whether this provider covers the service (any service when none is given)."""
        if not service:
            return True
        wanted = service.casefold().strip()
        return any(wanted == s.casefold().strip() for s in self.services)

    def note_in(self, lang: str) -> str:
        """Return the note in a language: its own, else the first one given."""
        if isinstance(self.note, str):
            return self.note
        return self.note.get(lang) or next(iter(self.note.values()), "")


@dataclass(frozen=True)
class Defaults:
    """The profile's defaults for options not given.

    Fields: lang, locale, currency, payment_days (days after the end date a final invoice
    falls due), notice_days (the usual contract notice period), subdivision (the part of the
    region whose bank holidays apply, where they differ: "SCT" or "NIR" in GB), tax
    ("included" or "excluded": whether the amounts the user gives include the region's sales
    tax, VAT or IVA; the client's letters say so once; None says nothing).
    """

    lang: str | None = None
    locale: str | None = None
    currency: str | None = None
    payment_days: int = 14
    notice_days: int | None = None
    subdivision: str | None = None
    tax: str | None = None


@dataclass(frozen=True)
class CheckConfig:
    """What `breakup check` leaves out, from a profile's [check] table or a project file.

    Fields: disable (category ids such as "venting", or "category/rule" ids such as
    "threat/legal"), allow (phrases never reported, matched like the rules: case, accents
    and quote style aside), source (where it was read, for messages; "" when built in).
    """

    disable: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    source: str = ""

    def merged(self, other: CheckConfig) -> CheckConfig:
        """Return both configurations in one: what either disables or allows."""
        sources = ", ".join(s for s in (self.source, other.source) if s)
        return CheckConfig(
            disable=tuple(dict.fromkeys(self.disable + other.disable)),
            allow=tuple(dict.fromkeys(self.allow + other.allow)),
            source=sources,
        )


@dataclass(frozen=True)
class Profile:
    """The user's own settings, read from breakup.toml.

    Fields: sender, referrals (providers to recommend), defaults, check (what `breakup
    check` leaves out), source (the file it came from, or None for the empty profile).
    """

    sender: Sender = field(default_factory=Sender)
    referrals: tuple[Referral, ...] = ()
    defaults: Defaults = field(default_factory=Defaults)
    check: CheckConfig = field(default_factory=CheckConfig)
    source: Path | None = None


@dataclass(frozen=True)
class Invoice:
    """An invoice the client has not paid.

    Fields: reference (as printed on it), amount, due (its due date, or None).
    """

    reference: str
    amount: Decimal
    due: date | None = None


@dataclass(frozen=True)
class ClientFacts:
    """What the user tells us about the client and the end of the engagement.

    Fields (None or empty means "not given"):
      client (organization), contact (person), greeting (the name to greet them by, when
      the guess from contact is wrong), client_email, service (what is being ended);
      end_date (the last day of work), notice_days (the contract's notice period);
      invoices (overdue ones), outstanding (the overdue balance; default: their sum),
      pay_by (deadline for the overdue balance), final_invoice (amount for the remaining
      work; 0 for none), final_due (its due date; default: payment_days after the end),
      currency;
      work (what will be finished before the end), handover (what will be handed over),
      collect (the client's own things the user holds, for the client to collect), retrieve
      (the user's own things at the client's, to collect before the end), keep (records the
      user must keep after the end, besides the contract and invoices),
      hours (the hours available until then), contact_hours (when the client can reach
      the user until then, in the document's language, e.g. "Monday to Friday, 9am to 5pm"),
      urgent_contact (how the client can reach the user in a real emergency until then, to
      follow "you can reach me": "on 0161 555 0100", "en el 612 345 678"), emergency (what
      counts as one, to follow "such as": "a leak or a failed boiler");
      relation ("friend" or "relative", for a family friend);
      after_call (the email confirms a call already held), call_date (that call's date).
    """

    client: str | None = None
    contact: str | None = None
    greeting: str | None = None
    client_email: str | None = None
    service: str | None = None
    end_date: date | None = None
    notice_days: int | None = None
    invoices: tuple[Invoice, ...] = ()
    outstanding: Decimal | None = None
    pay_by: date | None = None
    final_invoice: Decimal | None = None
    final_due: date | None = None
    currency: str | None = None
    work: tuple[str, ...] = ()
    handover: tuple[str, ...] = ()
    collect: tuple[str, ...] = ()
    retrieve: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    hours: Decimal | None = None
    contact_hours: str | None = None
    urgent_contact: str | None = None
    emergency: str | None = None
    relation: str | None = None
    after_call: bool = False
    call_date: date | None = None

    @property
    def overdue(self) -> Decimal | None:
        """The overdue balance: as given, else the sum of the invoices, else None."""
        if self.outstanding is not None:
            return self.outstanding
        if self.invoices:
            return sum((i.amount for i in self.invoices), Decimal(0))
        return None

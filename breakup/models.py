"""What the user gives us: the profile (sender, referrals, defaults) and the client facts."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from breakup.errors import InputError, ProfileError

_EMAIL = re.compile(r"[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\]+\.[^@\s<>\"(),;:\[\]\\.]+")
_AMOUNT = re.compile(r"\d+(?:[.,]\d{1,2})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]")


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
class Referral(Person):
    """A provider the user recommends to take over.

    Fields: those of Person, plus services (what they can take over, matched against
    --service) and note (a line on why the user recommends them).
    """

    services: tuple[str, ...] = ()
    note: str = ""

    def offers(self, service: str | None) -> bool:
        """Tell whether this provider covers the service (any service when none is given)."""
        if not service:
            return True
        wanted = service.casefold().strip()
        return any(wanted == s.casefold().strip() for s in self.services)


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

    Fields: sender (the user signing the documents), referrals (providers to recommend),
    lang, locale and currency (defaults for the options of the same name), check (what
    `breakup check` leaves out), source (the file it came from, or None for the built-in
    empty profile).
    """

    sender: Person = field(default_factory=Person)
    referrals: tuple[Referral, ...] = ()
    lang: str | None = None
    locale: str | None = None
    currency: str | None = None
    check: CheckConfig = field(default_factory=CheckConfig)
    source: Path | None = None


@dataclass(frozen=True)
class ClientFacts:
    """What the user tells us about the client and the end of the engagement.

    Fields: client (organization), contact (person), client_email, end_date, pay_by
    (deadline for the outstanding amount; defaults to end_date), outstanding (amount owed),
    currency (ISO 4217 code), service (what is being ended). None means "not given".
    """

    client: str | None = None
    contact: str | None = None
    client_email: str | None = None
    end_date: date | None = None
    pay_by: date | None = None
    outstanding: Decimal | None = None
    currency: str | None = None
    service: str | None = None


# Courtesy titles a greeting keeps with the surname: "Dear Dr. Carter", "Buenos días, Sra. Gómez".
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sr", "sra", "srta", "d", "dña", "don", "doña"}
)


def greeting_name(contact: str) -> str:
    """Return what a letter greets the contact by: the first name, or the name with its title."""
    words = contact.split()
    if len(words) > 1 and words[0].rstrip(".").lower() in _TITLES:
        return " ".join(words)
    return words[0] if words else ""


# --- value parsers: each takes the raw text and the option's name for its message ---


def parse_date(value: str, option: str) -> date:
    """Read a YYYY-MM-DD date."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(
            f"invalid date {value!r} for {option}: use the form YYYY-MM-DD, e.g. 2027-01-15"
        ) from None


def parse_amount(value: str, option: str) -> Decimal:
    """Read a non-negative amount such as 4250 or 4250.50."""
    text = value.strip().replace(" ", "")
    if not _AMOUNT.fullmatch(text):
        raise InputError(
            f"invalid amount {value!r} for {option}: use digits with an optional decimal "
            "part and no thousands separator, e.g. 4250 or 4250.50"
        )
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise InputError(f"invalid amount {value!r} for {option}") from None


def parse_currency(value: str, option: str) -> str:
    """Read an ISO 4217 currency code such as EUR, USD or MXN."""
    from babel.numbers import is_currency

    code = value.strip().upper()
    if not _CURRENCY.fullmatch(code) or not is_currency(code):
        raise InputError(
            f"unknown currency {value!r} for {option}: use an ISO 4217 code such as "
            "EUR, USD, GBP or MXN"
        )
    return code


def parse_email(value: str, option: str) -> str:
    """Read a plain email address (no display name, no line breaks)."""
    text = value.strip()
    if not _EMAIL.fullmatch(text):
        raise InputError(
            f"invalid email address {value!r} for {option}: use the form name@example.com"
        )
    return text


def single_line(value: str, option: str) -> str:
    """Refuse a value with a line break: it would end up in a header or a one-line field."""
    if _LINE_BREAKS.search(value):
        raise InputError(f"{option} must be a single line: remove the line breaks from it")
    return value.strip()


# --- the profile ---

_PERSON_KEYS = ("name", "company", "email", "phone")
_REFERRAL_KEYS = (*_PERSON_KEYS, "services", "note")
_DEFAULTS_KEYS = ("lang", "locale", "currency")
_TOP_KEYS = ("sender", "referrals", "defaults", "check")
_CHECK_KEYS = ("disable", "allow")
_CHECK_ID = re.compile(r"[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?")


def _unknown_key(key: str, valid: tuple[str, ...], where: str, path: Path) -> ProfileError:
    from difflib import get_close_matches

    close = get_close_matches(key, valid, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(valid)}"
    return ProfileError(f"{path}: unknown key {key!r} in {where}: {hint}")


def _table(data: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: {where} must be a table, e.g. [{where}]")
    return data


def _text(table: dict[str, Any], key: str, where: str, path: Path) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(f"{path}: {where}.{key} must be a quoted string")
    return value.strip()


def _person_fields(table: dict[str, Any], where: str, path: Path) -> dict[str, str]:
    fields = {key: _text(table, key, where, path) for key in _PERSON_KEYS}
    if fields["email"]:
        try:
            parse_email(fields["email"], f"{where}.email")
        except InputError as error:
            raise ProfileError(f"{path}: {error}") from None
    return fields


def _referral(data: Any, number: int, path: Path) -> Referral:
    where = f"referrals[{number}]"
    table = _table(data, "referrals", path)
    for key in table:
        if key not in _REFERRAL_KEYS:
            raise _unknown_key(key, _REFERRAL_KEYS, where, path)
    services = table.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise ProfileError(
            f'{path}: {where}.services must be a list of strings, e.g. ["web design"]'
        )
    fields = _person_fields(table, where, path)
    if not fields["name"] and not fields["company"]:
        raise ProfileError(f"{path}: {where} needs a name or a company")
    return Referral(
        **fields,
        services=tuple(s.strip() for s in services),
        note=_text(table, "note", where, path),
    )


def parse_check_config(data: Any, where: str, path: Path) -> CheckConfig:
    """Validate a [check] table (or a project file's top level) into a CheckConfig.

    `where` names the table in messages, e.g. "[check]"; `path` is the file it came from.
    """
    from breakup.i18n import _

    if not isinstance(data, dict):
        message = _("{path}: {where} must be a table, e.g. [check]")
        raise ProfileError(message.format(path=path, where=where))
    for key in data:
        if key not in _CHECK_KEYS:
            raise _unknown_key(key, _CHECK_KEYS, where, path)
    lists: dict[str, tuple[str, ...]] = {}
    for key, example in (("disable", '["venting", "threat/legal"]'), ("allow", '["good luck"]')):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            raise ProfileError(
                _(
                    "{path}: {key} in {where} must be a list of non-empty strings, e.g. {example}"
                ).format(path=path, key=key, where=where, example=example)
            )
        lists[key] = tuple(item.strip() for item in value)
    for ident in lists["disable"]:
        if not _CHECK_ID.fullmatch(ident):
            raise ProfileError(
                _(
                    "{path}: {ident!r} in {where} disable is not a category or rule id: write "
                    '"category" or "category/rule", e.g. "venting" or "threat/legal"'
                ).format(path=path, ident=ident, where=where)
            )
    return CheckConfig(disable=lists["disable"], allow=lists["allow"], source=str(path))


def load_profile(path: Path) -> Profile:
    """Read and validate a profile TOML file."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProfileError(f"cannot read profile {path}: {error.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: the profile is not UTF-8 text: save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path}: invalid TOML: {error}") from None

    for key in data:
        if key not in _TOP_KEYS:
            raise _unknown_key(key, _TOP_KEYS, "the profile", path)
    sender = _table(data.get("sender", {}), "sender", path)
    for key in sender:
        if key not in _PERSON_KEYS:
            raise _unknown_key(key, _PERSON_KEYS, "[sender]", path)
    defaults = _table(data.get("defaults", {}), "defaults", path)
    for key in defaults:
        if key not in _DEFAULTS_KEYS:
            raise _unknown_key(key, _DEFAULTS_KEYS, "[defaults]", path)
    referrals = data.get("referrals", [])
    if not isinstance(referrals, list):
        raise ProfileError(f"{path}: referrals must be written as [[referrals]] tables")

    return Profile(
        sender=Person(**_person_fields(sender, "sender", path)),
        referrals=tuple(_referral(item, n, path) for n, item in enumerate(referrals, 1)),
        lang=_text(defaults, "lang", "defaults", path) or None,
        locale=_text(defaults, "locale", "defaults", path) or None,
        currency=_text(defaults, "currency", "defaults", path) or None,
        check=parse_check_config(data.get("check", {}), "[check]", path),
        source=path,
    )


def find_profile(explicit: str | None) -> Path | None:
    """Pick the profile: --profile (or BREAKUP_PROFILE), ./breakup.toml, the user config dir."""
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ProfileError(
                f"profile {explicit} not found: check the path given to --profile or "
                "BREAKUP_PROFILE"
            )
        return path
    local = Path("breakup.toml")
    if local.is_file():
        return local
    import click

    user = Path(click.get_app_dir("breakup")) / "breakup.toml"
    return user if user.is_file() else None

"""Find and read the profile (breakup.toml): who signs, whom to recommend, the defaults.

Every value is checked as strictly as the option it stands for: a currency as --currency, an
address as --client-email, a name as --client. An unknown key is refused with the closest
valid one suggested.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from breakup.errors import BreakupError, ProfileError
from breakup.i18n import _
from breakup.inputs import check_file, read_file
from breakup.models import VOICES, CheckConfig, Defaults, Profile, Referral, Sender

_PERSON_KEYS = ("name", "company", "email", "phone")
_SENDER_KEYS = (*_PERSON_KEYS, "voice")
_REFERRAL_KEYS = (*_PERSON_KEYS, "services", "note", "agreed")
_DEFAULTS_KEYS = (
    "lang",
    "locale",
    "currency",
    "payment_days",
    "notice_days",
    "subdivision",
    "tax",
)
_TOP_KEYS = ("sender", "referrals", "defaults", "check")
# A profile is a short file; anything bigger is not one.
MAX_BYTES = 1_000_000


def find_profile(explicit: str | None) -> Path | None:
    """Pick the profile: --profile (or BREAKUP_PROFILE), ./breakup.toml, the user config dir."""
    if explicit:
        path = Path(explicit).expanduser()
        if not os.path.exists(path):
            raise ProfileError(
                _(
                    "profile {path} not found: check the path given to --profile or BREAKUP_PROFILE"
                ).format(path=explicit)
            )
        check_file(path, ProfileError)  # a folder, /dev/zero, a FIFO: said as such
        return path
    for candidate in candidates():
        if candidate.is_file():
            return candidate
    return None


def candidates() -> list[Path]:
    """The places a profile is looked for when none is named, in order."""
    import click

    return [Path("breakup.toml"), Path(click.get_app_dir("breakup")) / "breakup.toml"]


def load_profile(path: Path) -> Profile:
    """Read and validate a profile TOML file."""
    raw = read_file(path, MAX_BYTES, ProfileError)
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ProfileError(
            _("{path}: the profile is not UTF-8 text: save it as UTF-8").format(path=path)
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(
            _("{path}: invalid TOML: {problem}").format(path=path, problem=error)
        ) from None
    except RecursionError:
        raise ProfileError(
            _("{path}: the profile is nested too deeply to be read").format(path=path)
        ) from None
    try:
        return _profile(data, path)
    except ProfileError:
        raise
    except BreakupError as error:
        raise ProfileError(f"{path}: {error}") from None


def _profile(data: dict[str, Any], path: Path) -> Profile:
    _known(data, _TOP_KEYS, _("the profile"), path)
    sender = _table(data.get("sender", {}), "sender", path)
    _known(sender, _SENDER_KEYS, "[sender]", path)
    defaults = _table(data.get("defaults", {}), "defaults", path)
    _known(defaults, _DEFAULTS_KEYS, "[defaults]", path)
    referrals = data.get("referrals", [])
    if not isinstance(referrals, list):
        raise ProfileError(
            _("{path}: referrals must be written as [[referrals]] tables").format(path=path)
        )
    voice = _text(sender, "voice", "sender", path) or None
    if voice is not None and voice not in VOICES:
        choices = " or ".join(f'"{v}"' for v in VOICES)
        raise ProfileError(
            _("{path}: [sender] voice must be {choices}").format(path=path, choices=choices)
        )
    return Profile(
        sender=Sender(**_person_fields(sender, "sender", path), voice=voice),
        referrals=tuple(_referral(item, n, path) for n, item in enumerate(referrals, 1)),
        defaults=_defaults(defaults, path),
        check=parse_check_config(data.get("check", {}), "[check]", path),
        source=path,
    )


_CHECK_KEYS = ("disable", "allow")
_CHECK_ID = re.compile(r"[a-z][a-z0-9_-]*(?:/[a-z][a-z0-9_-]*)?")


def parse_check_config(data: Any, where: str, path: Path) -> CheckConfig:
    """Validate a [check] table (or a project file's top level) into a CheckConfig.

    `where` names the table in messages, e.g. "[check]"; `path` is the file it came from.
    """
    if not isinstance(data, dict):
        message = _("{path}: {where} must be a table, e.g. [check]")
        raise ProfileError(message.format(path=path, where=where))
    _known(data, _CHECK_KEYS, where, path)
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


def _defaults(table: dict[str, Any], path: Path) -> Defaults:
    from breakup import languages, parse

    lang = _text(table, "lang", "defaults", path) or None
    locale = _text(table, "locale", "defaults", path) or None
    for value, key in ((lang, "lang"), (locale, "locale")):
        parsed = languages.parse_locale(value) if value else None
        if value and (parsed is None or parsed[0] not in languages.languages()):
            raise ProfileError(
                _(
                    "{path}: [defaults] {key} {value!r} is not a known language or locale: use a "
                    "code such as es, en, es_MX or en_GB"
                ).format(path=path, key=key, value=value)
            )
    currency = table.get("currency", "")
    if not isinstance(currency, str):
        raise ProfileError(
            _("{path}: {where}.{key} must be a quoted string").format(
                path=path, where="defaults", key="currency"
            )
        )
    return Defaults(
        lang=lang,
        locale=locale,
        currency=parse.parse_currency(currency, "[defaults] currency") if currency else None,
        payment_days=_days(table, "payment_days", path, 14),
        notice_days=_days(table, "notice_days", path, None),
        subdivision=_text(table, "subdivision", "defaults", path).upper() or None,
        tax=_tax(table, path),
    )


def _tax(table: dict[str, Any], path: Path) -> str | None:
    value = _text(table, "tax", "defaults", path).strip().lower()
    if value and value not in ("included", "excluded"):
        raise ProfileError(
            _('{path}: [defaults] tax must be "included" or "excluded", not {value!r}').format(
                path=path, value=value
            )
        )
    return value or None


def _days(table: dict[str, Any], key: str, path: Path, default: int | None) -> Any:
    value = table.get(key, default)
    if value is default:
        return value
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
        raise ProfileError(
            _("{path}: [defaults] {key} must be a whole number of days from 0 to 365").format(
                path=path, key=key
            )
        )
    return value


def _known(table: dict[str, Any], valid: tuple[str, ...], where: str, path: Path) -> None:
    for key in table:
        if key not in valid:
            from difflib import get_close_matches

            close = get_close_matches(key, valid, n=1)
            hint = (
                _("did you mean {key!r}?").format(key=close[0])
                if close
                else _("valid keys: {keys}").format(keys=", ".join(valid))
            )
            raise ProfileError(
                _("{path}: unknown key {key!r} in {where}: {hint}").format(
                    path=path, key=key, where=where, hint=hint
                )
            )


def _table(data: Any, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProfileError(
            _("{path}: {where} must be a table, e.g. [{where}]").format(path=path, where=where)
        )
    return data


def _text(table: dict[str, Any], key: str, where: str, path: Path) -> str:
    from breakup import parse

    value = table.get(key, "")
    if not isinstance(value, str):
        raise ProfileError(
            _("{path}: {where}.{key} must be a quoted string").format(
                path=path, where=where, key=key
            )
        )
    return parse.single_line(value, f"{where}.{key}") if value else ""


def _person_fields(table: dict[str, Any], where: str, path: Path) -> dict[str, str]:
    from breakup.mail import parse_address

    fields = {key: _text(table, key, where, path) for key in _PERSON_KEYS}
    if fields["email"]:
        fields["email"] = parse_address(fields["email"], f"{where}.email")
    return fields


def _referral(data: Any, number: int, path: Path) -> Referral:
    from breakup import parse

    where = f"referrals[{number}]"
    table = _table(data, "referrals", path)
    _known(table, _REFERRAL_KEYS, where, path)
    services = table.get("services", [])
    if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
        raise ProfileError(
            _('{path}: {where}.services must be a list of strings, e.g. ["web design"]').format(
                path=path, where=where
            )
        )
    fields = _person_fields(table, where, path)
    if not fields["name"] and not fields["company"]:
        raise ProfileError(
            _("{path}: {where} needs a name or a company").format(path=path, where=where)
        )
    agreed = table.get("agreed", False)
    if not isinstance(agreed, bool):
        raise ProfileError(
            _("{path}: {where}.agreed must be true or false").format(path=path, where=where)
        )
    return Referral(
        **fields,
        services=tuple(parse.single_line(s, f"{where}.services") for s in services),
        note=_note(table.get("note", ""), where, path),
        agreed=agreed,
    )


def _note(value: Any, where: str, path: Path) -> str | dict[str, str]:
    """A referral's note: one string, or a table of strings by language (note.es, note.en)."""
    from breakup import parse

    if isinstance(value, str):
        return parse.single_line(value, f"{where}.note", limit=600) if value else ""
    if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
        return {
            str(k): parse.single_line(v, f"{where}.note.{k}", limit=600) for k, v in value.items()
        }
    raise ProfileError(
        _(
            "{path}: {where}.note must be a string, or a table by language such as "
            '{{ en = "...", es = "..." }}'
        ).format(path=path, where=where)
    )


def _toml_string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def profile_text(answers: dict[str, str]) -> str:
    """A new profile from the answers `breakup init` asked for."""
    lines = [
        _("# Your breakup profile: who signs the documents, whom you recommend, your defaults."),
        _("# See README, 'The profile'."),
        "",
        "[sender]",
    ]
    for key in ("name", "company", "email", "phone"):
        if answers.get(key):
            lines.append(f"{key} = {_toml_string(answers[key])}")
    if answers.get("referral_name"):
        services = [s.strip() for s in answers.get("referral_services", "").split(",") if s.strip()]
        lines += [
            "",
            "[[referrals]]",
            f"name = {_toml_string(answers['referral_name'])}",
            f"email = {_toml_string(answers.get('referral_email', ''))}",
            f"services = [{', '.join(_toml_string(s) for s in services)}]",
            _("# Why they fit, in a sentence or two to the client: the referral letter quotes it."),
            'note = ""',
            _("# Set to true once they have said they are happy to be recommended."),
            "agreed = false",
        ]
    return "\n".join(lines) + "\n"

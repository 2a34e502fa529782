"""The interface's own language: errors, warnings, prompts, progress and summaries.

Documents have their own catalogs (breakup.catalog); this module translates what breakup
says to its user. The CLI picks the language once, before parsing the command line
(`set_language`); a library user gets English unless they call it. Messages are marked
with `_()` and formatted afterwards, so that the extracted id keeps its placeholders::

    raise InputError(_("unknown archetype {name!r}: choose one of {ids}").format(...))

A message the interface catalog lacks is shown in English: the tests keep the catalogs
complete, and a half-translated error is still better than none.
"""

from __future__ import annotations

import functools
from typing import Any

from breakup.resources import LOCALES_DIR

SOURCE_LANG = "en"
DOMAIN = "cli"
# Click's own messages ("Usage:", "No such option"), translated in a catalog of their own.
CLICK_DOMAIN = "click"

_state: dict[str, Any] = {"lang": SOURCE_LANG, "messages": {}}


def language() -> str:
    """Return the interface language in use."""
    return str(_state["lang"])


def set_language(lang: str | None) -> None:
    """Speak to the user in `lang` from now on (English for None or an unknown language)."""
    code = (lang or SOURCE_LANG).lower().replace("-", "_").split("_")[0]
    messages = _messages(code, DOMAIN) if code != SOURCE_LANG else {}
    _state["lang"] = code if code == SOURCE_LANG or messages else SOURCE_LANG
    _state["messages"] = messages


def _(message: str) -> str:
    """Return `message` in the interface language."""
    translated = _state["messages"].get(message)
    return translated if translated else message


def ngettext(singular: str, plural: str, count: int) -> str:
    """Return the singular or plural form of a message, in the interface language."""
    forms = _state["messages"].get((singular, 0 if count == 1 else 1))
    if forms:
        return str(forms)
    return singular if count == 1 else plural


@functools.cache
def _messages(lang: str, domain: str) -> dict[Any, str]:
    """The translated messages of one interface catalog, or {} when there is none."""
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return {}
    from breakup import cache

    cached = cache.load(path, f"ui-{domain}")
    if cached is not None:
        return dict(cached[0])
    from breakup.catalog import read_catalog

    messages, plural = read_catalog(path, complete=False)
    cache.store(path, f"ui-{domain}", (messages, plural))
    return messages


def click_messages(lang: str) -> dict[Any, str]:
    """Return the translation of Click's own messages for `lang` ({} for English)."""
    return {} if lang == SOURCE_LANG else _messages(lang, CLICK_DOMAIN)

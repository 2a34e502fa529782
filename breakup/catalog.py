"""Find the archetypes and languages, load the catalogs, build the Jinja environments."""

from __future__ import annotations

import functools
import gettext as _gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined

from breakup.errors import CatalogError, InputError
from breakup.resources import LOCALES_DIR, TEMPLATES_DIR
from breakup.sandbox import BoundedSandbox

SOURCE_LANG = "en"
REGISTERS = ("formal", "informal")
# The catalog of a language's default register; a language with a T-V distinction adds
# one more file named after the other register (Spanish: informal.po for "tú").
DEFAULT_DOMAIN = "messages"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def archetype_ids(extra: Path | None = None) -> list[str]:
    """List the archetypes: every folder of templates/archetypes with an archetype.j2."""
    return list(_archetype_ids(TEMPLATES_DIR, extra))


@functools.cache
def _archetype_ids(builtin: Path, extra: Path | None) -> tuple[str, ...]:
    roots = [builtin] if extra is None else [extra, builtin]
    found = {
        folder.name
        for root in roots
        for folder in (root / "archetypes").glob("*")
        if (folder / "archetype.j2").is_file()
    }
    return tuple(sorted(found))


def languages() -> list[str]:
    """List the languages: English (the source) and every locales/<lang> with a catalog."""
    found = {p.parent.parent.name for p in LOCALES_DIR.glob(f"*/LC_MESSAGES/{DEFAULT_DOMAIN}.po")}
    return sorted(found | {SOURCE_LANG})


class Catalog:
    """Translations read from one .po file, compiled in memory.

    A message the catalog lacks is an error, never a silent fallback to English.
    """

    def __init__(self, path: Path, messages: dict[Any, str], plural: Callable[[int], int]):
        self.path = path
        self._messages = messages
        self._plural = plural

    def _missing(self, message: str) -> CatalogError:
        return CatalogError(
            f"{self.path} has no translation for {message!r}: update the catalog "
            "(see README, 'Adding a language')"
        )

    def gettext(self, message: str) -> str:
        try:
            return self._messages[message]
        except KeyError:
            raise self._missing(message) from None

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        try:
            return self._messages[(singular, self._plural(n))]
        except KeyError:
            raise self._missing(singular) from None


class SourceCatalog:
    """The source language: messages are their own translation."""

    def gettext(self, message: str) -> str:
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


def catalog_path(lang: str, register: str) -> Path:
    """Return the .po file for a language and register."""
    folder = LOCALES_DIR / lang / "LC_MESSAGES"
    other = folder / f"{register}.po"
    return other if other.is_file() else folder / f"{DEFAULT_DOMAIN}.po"


@functools.cache
def load_catalog(lang: str, register: str) -> Catalog | SourceCatalog:
    """Load and check the catalog for a language and register."""
    if lang == SOURCE_LANG:
        return SourceCatalog()
    if lang not in languages():
        raise InputError(
            f"unknown language {lang!r} for --lang: choose one of {', '.join(languages())}"
        )
    path = catalog_path(lang, register)
    from breakup import cache

    cached = cache.load(path, "catalog")
    if cached is not None:
        messages, plural_expr = cached
        return Catalog(path, messages, _gettext.c2py(plural_expr))
    messages, plural_expr = read_catalog(path)
    cache.store(path, "catalog", (messages, plural_expr))
    return Catalog(path, messages, _gettext.c2py(plural_expr))


def read_catalog(path: Path, *, complete: bool = True) -> tuple[dict[Any, str], str]:
    """Read a .po file, refusing fuzzy entries, and untranslated ones when `complete`."""
    from babel.messages.pofile import PoFileError, read_po  # only when a catalog is needed

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as error:
        raise CatalogError(f"cannot read catalog {path}: {error}") from None

    messages: dict[Any, str] = {}
    problems = []
    for message in catalog:
        if not message.id:
            continue
        raw = message.string
        strings = tuple(raw) if isinstance(raw, (tuple, list)) else (raw or "",)
        if message.fuzzy or (complete and not all(strings)):
            problems.append(message.id if isinstance(message.id, str) else message.id[0])
            continue
        if isinstance(message.id, tuple):
            for index, text in enumerate(strings):
                if text:
                    messages[(message.id[0], index)] = text
        elif strings[0]:
            messages[message.id] = strings[0]
    if problems:
        raise CatalogError(
            f"{path} has {len(problems)} fuzzy or untranslated entries (first: "
            f"{problems[0]!r}): translate them and remove the fuzzy flags"
        )
    return messages, str(catalog.plural_expr)


def _strip_controls(value: Any) -> Any:
    """Drop control characters (but tabs and line breaks) from values put into a document.

    Markup (already escaped HTML, such as a translated sentence with its values) is cleaned
    too: removing control characters cannot unescape anything.
    """
    if isinstance(value, str) and _CONTROL.search(value):
        cleaned = _CONTROL.sub("", value)
        return type(value)(cleaned) if hasattr(value, "__html__") else cleaned
    return value


@functools.cache
def environment(
    lang: str, register: str, html: bool, user_templates: Path | None = None
) -> BoundedSandbox:
    """Build the Jinja environment for one catalog and output kind.

    User templates (--templates) overlay the built-in ones; every template renders in the
    sandbox, with StrictUndefined so a missing value fails instead of leaving a gap.
    """
    from breakup import cache

    search = [TEMPLATES_DIR] if user_templates is None else [user_templates, TEMPLATES_DIR]
    env = BoundedSandbox(
        loader=FileSystemLoader(search),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_strip_controls,
        bytecode_cache=cache.jinja_cache(html),
    )
    # Must agree with `trimmed = true` in babel.cfg, or extracted ids will not match.
    env.policies["ext.i18n.trimmed"] = True
    catalog = load_catalog(lang, register)
    env.install_gettext_callables(catalog.gettext, catalog.ngettext, newstyle=True)
    return env

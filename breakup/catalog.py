"""Find the archetypes, load the catalogs, build the Jinja environments.

A document's words come from a chain of catalogs, the first that has a message winning:
for Spanish as written in Mexico to a client addressed as "tú",

    es_MX/informal.po -> es/informal.po -> es_MX/messages.po -> es/messages.po

Regional and informal catalogs are sparse: they hold only what differs. The base catalog
(messages.po) of every language but English must be complete; a message missing from it is
an error, never a silent fallback to English. English is the source: the templates' own
words are its base catalog.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, TemplateNotFound

from breakup import resources
from breakup.errors import CatalogError, InputError, TemplateError
from breakup.i18n import _
from breakup.sandbox import BoundedSandbox

SOURCE_LANG = "en"
BASE = "messages"
INFORMAL = "informal"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# --- archetypes -------------------------------------------------------------------------


def archetype_ids(extra: Path | None = None) -> list[str]:
    """List the archetypes: every folder of templates/archetypes with an archetype.j2."""
    # Resolved: a relative folder means another folder once the working directory changes.
    return list(_archetype_ids(resources.templates_dir(), extra.resolve() if extra else None))


@functools.cache
def _archetype_ids(builtin: Path, extra: Path | None) -> tuple[str, ...]:
    roots = [builtin] if extra is None else [extra, builtin]
    found = set()
    for root in roots:
        base = (root / "archetypes").resolve()
        for folder in (root / "archetypes").glob("*"):
            # A symlinked folder could bring in files from anywhere: it is not an archetype.
            if folder.is_symlink() or (folder / "archetype.j2").is_symlink():
                continue
            if (folder / "archetype.j2").is_file() and folder.resolve().parent == base:
                found.add(folder.name)
    return tuple(sorted(found))


def check_archetype(archetype: str, templates: Path | None) -> None:
    """Raise InputError for an archetype that does not exist, naming those that do."""
    ids = archetype_ids(templates)
    if archetype not in ids:
        raise InputError(
            _("unknown archetype {name!r}: choose one of {ids}").format(
                name=archetype, ids=", ".join(ids)
            )
        )


# --- catalogs ---------------------------------------------------------------------------


def read_catalog(path: Path, *, complete: bool = True) -> tuple[dict[Any, str], str]:
    """Read a .po file, refusing fuzzy entries, and untranslated ones when `complete`."""
    from babel.messages.pofile import PoFileError, read_po  # only when a catalog is needed

    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as error:
        raise CatalogError(
            _("cannot read catalog {path}: {problem}").format(path=path, problem=error)
        ) from None
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
            _(
                "{path} has {count} fuzzy or untranslated entries (first: {first!r}): translate "
                "them and remove the fuzzy flags"
            ).format(path=path, count=len(problems), first=problems[0])
        )
    return messages, str(catalog.plural_expr)


def layer_files(folder: Path, domain: str) -> list[Path]:
    """The files of one catalog layer: each archetype's, then the documents' own (an archetype's
    own words win on a message both hold)."""
    shared = folder / "LC_MESSAGES" / f"{domain}.po"
    return [*sorted(folder.glob(f"archetypes/*/{domain}.po")), shared]


def layer_paths(lang: str, region: str | None, register: str) -> list[tuple[Path, bool]]:
    """The catalog files of a chain, first first, each with whether it must be complete.

    A layer is the documents' catalog (LC_MESSAGES/<domain>.po) and the archetypes' own
    (archetypes/<id>/<domain>.po); the base layer of a language must be complete.
    """
    root = resources.locales_dir()
    folders = ([root / f"{lang}_{region}"] if region else []) + [root / lang]
    domains = ([INFORMAL] if register == INFORMAL else []) + [BASE]
    chain = []
    for domain in domains:
        for folder in folders:
            base = domain == BASE and folder.name == lang
            if base and lang == SOURCE_LANG:
                continue  # English is the templates' own text
            for path in layer_files(folder, domain):
                if base or path.is_file():
                    chain.append((path, base))
    return chain


class Catalog:
    """The translations of one chain of catalogs: the first that has a message gives it.

    A message no catalog has is the source text in English, and an error elsewhere.
    """

    def __init__(self, layers: list[tuple[Path, dict[Any, str]]], plural: Callable[[int], int],
                 source: bool) -> None:  # fmt: skip
        self.layers = layers
        self._plural = plural
        self._source = source

    def _find(self, key: Any, message: str) -> str | None:
        for _path, messages in self.layers:
            found = messages.get(key)
            if found is not None:
                return found
        if self._source:
            return None
        where = self.layers[-1][0].parent.parent if self.layers else "the catalogs"
        raise CatalogError(
            _(
                "no catalog in {path} has a translation for {message!r}: update the catalogs "
                "(see README, 'Adding a language')"
            ).format(path=where, message=message)
        )

    def gettext(self, message: str) -> str:
        return self._find(message, message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._find((singular, self._plural(n)), singular)
        return found or (singular if n == 1 else plural)


@functools.cache
def load_catalog(lang: str, region: str | None, register: str) -> Catalog:
    """Load and check the chain of catalogs for a language, region and register."""
    from breakup import languages

    languages.language(lang)  # an unknown language is an input error, not a missing file
    layers: list[tuple[Path, dict[Any, str]]] = []
    plural_expr = "(n != 1)"
    for path, complete in layer_paths(lang, region, register):
        messages, expr = _load_po(path, complete)
        layers.append((path, messages))
        if complete:
            plural_expr = expr
    return Catalog(layers, _gettext.c2py(plural_expr), source=lang == SOURCE_LANG)


def _load_po(path: Path, complete: bool) -> tuple[dict[Any, str], str]:
    from breakup import cache

    if not path.is_file():
        raise CatalogError(
            _("catalog {path} is missing: see README, 'Adding a language'").format(path=path)
        )
    cached = cache.load(path, "catalog")
    if cached is not None:
        return dict(cached[0]), str(cached[1])
    messages, plural_expr = read_catalog(path, complete=complete)
    cache.store(path, "catalog", (messages, plural_expr))
    return messages, plural_expr


# --- templates --------------------------------------------------------------------------


def strip_controls(value: Any) -> Any:
    """Drop control and bidi-override characters (but tabs and line breaks) from a value.

    Markup (already escaped HTML) is cleaned too: removing them cannot unescape anything.
    """
    if isinstance(value, str) and _CONTROL.search(value):
        cleaned = _CONTROL.sub("", value)
        return type(value)(cleaned) if hasattr(value, "__html__") else cleaned
    return value


class ContainedLoader(FileSystemLoader):
    """A loader that refuses a template whose real path leaves its folder (a symlink out)."""

    def get_source(self, environment: Any, template: str) -> Any:
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        roots = [os.path.realpath(p) for p in self.searchpath]
        if not any(real.startswith(root + os.sep) for root in roots):
            raise TemplateError(
                _("{name}: refused, its real path {real} is outside the templates folder").format(
                    name=template, real=real
                )
            )
        return source, filename, uptodate


@functools.cache
def environment(lang: str, region: str | None, register: str, html: bool,
                user_templates: Path | None = None) -> Any:  # fmt: skip
    """Build the Jinja environment for one chain of catalogs and output kind.

    User templates (--templates) overlay the built-in ones and make the environment Jinja's
    bounded sandbox; breakup's own templates alone are trusted and render without it (the
    client's data is never template code either way). StrictUndefined everywhere: a missing
    value fails instead of leaving a gap.
    """
    from jinja2 import Environment

    from breakup import cache

    builtin = resources.templates_dir()
    search = [builtin] if user_templates is None else [user_templates, builtin]
    kind = Environment if user_templates is None else BoundedSandbox
    env = kind(
        loader=ContainedLoader([str(p) for p in search]),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        undefined=StrictUndefined,
        autoescape=html,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=strip_controls,
        bytecode_cache=cache.jinja_cache(html, sandboxed=user_templates is not None),
        # A command reads each template once: no need to check them for changes on every use.
        auto_reload=False,
    )
    # Must agree with `trimmed = true` in babel.cfg, or extracted ids will not match.
    env.policies["ext.i18n.trimmed"] = True
    catalog = load_catalog(lang, region, register)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        catalog.gettext, catalog.ngettext, newstyle=True
    )
    return env


def template_exists(env: Any, name: str) -> bool:
    """Tell whether a template can be found (in the overlay or the built-in folder)."""
    try:
        env.loader.get_source(env, name)
    except TemplateNotFound:
        return False
    return True

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

import errno
import functools
import gettext as _gettext
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, TemplateNotFound
from jinja2.loaders import split_template_path

from breakup import chars, resources
from breakup.errors import CatalogError, InputError, TemplateError
from breakup.i18n import _
from breakup.sandbox import BoundedSandbox

SOURCE_LANG = "en"
BASE = "messages"
INFORMAL = "informal"
# A template file larger than this is refused before it is read (the largest of breakup's own
# is about 22 KB).
MAX_TEMPLATE_BYTES = 1_000_000
# Controls (but tabs and line breaks), bidi overrides and marks, and the invisible format
# characters: zero-width spaces and joiners, the soft hyphen, word joiners, the BOM, tags.
_CONTROL = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{chars.INVISIBLE}]")


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
            if folder.is_symlink():
                continue
            # An archetype.j2 that is not a regular file (a link, a FIFO) is listed, and refused
            # with a reason when it is read.
            if os.path.lexists(folder / "archetype.j2") and folder.resolve().parent == base:
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
    """Drop control, bidi and invisible format characters (but tabs and line breaks) from a
    value.

    Markup (already escaped HTML) is cleaned too: removing them cannot unescape anything.
    """
    if isinstance(value, str) and _CONTROL.search(value):
        cleaned = _CONTROL.sub("", value)
        return type(value)(cleaned) if hasattr(value, "__html__") else cleaned
    return value


class ContainedLoader(BaseLoader):
    """A loader that reads only regular files inside its folders: the user's first (if any),
    then breakup's own.

    Each folder on the way and the file are opened relative to the one before, refusing a
    symbolic link (O_NOFOLLOW), so a link swapped in while a template is read cannot lead
    outside. A user template must also be a regular file with no other hard link, of at most
    MAX_TEMPLATE_BYTES; anything else there is refused, never silently replaced by the
    built-in template of the same name.
    """

    def __init__(self, builtin: Path, user: Path | None = None) -> None:
        self.roots = [(str(user), True)] if user is not None else []
        self.roots.append((str(builtin), False))

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        if not pieces:
            raise TemplateNotFound(template)
        for root, user in self.roots:
            data = _read_contained(root, pieces, user, template)
            if data is not None:
                path = os.path.join(root, *pieces)
                # The environments never reload a template (auto_reload is off).
                return data.decode("utf-8"), path, lambda: True
        raise TemplateNotFound(template)


_DIRECTORY = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_contained(root: str, pieces: list[str], user: bool, name: str) -> bytes | None:
    """Read root/pieces without following a link; None if it is not there."""
    if not _NOFOLLOW or os.open not in os.supports_dir_fd:  # pragma: no cover - Windows
        return _read_checked(root, pieces, user, name)
    try:
        folder = os.open(root, _DIRECTORY)  # the folder named: reached as the user named it
    except OSError:
        return None
    try:
        for depth, piece in enumerate(pieces[:-1], 1):
            try:
                inner = os.open(piece, _DIRECTORY | _NOFOLLOW, dir_fd=folder)
            except FileNotFoundError:
                return None
            except OSError:
                # A link (ELOOP, or ENOTDIR from O_DIRECTORY), or a file: refused only if it
                # is a link, else this folder does not have the template.
                try:
                    info = os.stat(piece, dir_fd=folder, follow_symlinks=False)
                except OSError:
                    return None
                if stat.S_ISLNK(info.st_mode):
                    raise _refused_link(name, os.path.join(root, *pieces[:depth])) from None
                return None
            os.close(folder)
            folder = inner
        path = os.path.join(root, *pieces)
        try:
            info = os.stat(pieces[-1], dir_fd=folder, follow_symlinks=False)
        except (FileNotFoundError, NotADirectoryError):
            return None
        _check_template_file(info, user, name, path)
        # O_NONBLOCK: a FIFO swapped in after the check does not block the open.
        flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            handle = os.open(pieces[-1], flags, dir_fd=folder)
        except OSError as error:
            raise _refused_link(name, path) if error.errno == errno.ELOOP else error from None
        with os.fdopen(handle, "rb") as file:
            opened = os.fstat(file.fileno())
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                _check_template_file(opened, user, name, path)
            return _read_bounded(file, name, path)
    finally:
        os.close(folder)


def _read_checked(  # pragma: no cover - Windows
    root: str, pieces: list[str], user: bool, name: str
) -> bytes | None:
    """Where files cannot be opened relative to a folder: check the real path, then compare
    the file opened with the one checked."""
    path = os.path.join(root, *pieces)
    if not os.path.lexists(path):
        return None
    real = os.path.realpath(path)
    if not real.startswith(os.path.realpath(root) + os.sep) or os.path.islink(path):
        raise _refused_link(name, path)
    info = os.stat(real)
    _check_template_file(info, user, name, path)
    with open(real, "rb") as file:
        opened = os.fstat(file.fileno())
        if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
            raise _refused_link(name, path)
        return _read_bounded(file, name, path)


def _check_template_file(info: os.stat_result, user: bool, name: str, path: str) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise _refused_link(name, path)
    if not stat.S_ISREG(info.st_mode):
        raise TemplateError(
            _(
                "{name}: refused, {path} is not a regular file (a folder, a FIFO or a device): "
                "put the template's own file there, or remove it"
            ).format(name=name, path=path)
        )
    if user and info.st_nlink > 1:
        raise TemplateError(
            _(
                "{name}: refused, {path} has other hard links, so it may be a file from outside "
                "the templates folder: put a copy of its own there"
            ).format(name=name, path=path)
        )
    if info.st_size > MAX_TEMPLATE_BYTES:
        raise _too_large(name, path)


def _read_bounded(file: Any, name: str, path: str) -> bytes:
    data: bytes = file.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        raise _too_large(name, path)
    return data


def _too_large(name: str, path: str) -> TemplateError:
    return TemplateError(
        _(
            "{name}: refused, {path} is larger than {limit} KB, far more than a template needs: "
            "split it into templates that include each other"
        ).format(name=name, path=path, limit=MAX_TEMPLATE_BYTES // 1000)
    )


def _refused_link(name: str, path: str) -> TemplateError:
    return TemplateError(
        _(
            "{name}: refused, {path} is a symbolic link, which could lead outside the templates "
            "folder: put the file itself there"
        ).format(name=name, path=path)
    )


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

    kind = Environment if user_templates is None else BoundedSandbox
    env = kind(
        loader=ContainedLoader(resources.templates_dir(), user_templates),
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

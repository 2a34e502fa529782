"""Bounds on what a template may do: the Jinja sandbox, and the process a render runs in.

User templates (--templates) are untrusted. Two layers keep one from exhausting the machine:

- BoundedSandbox refuses, before building it, any value a template asks for that is too
  large: a long string or list, a huge number, a wide padding, a text repeated by a join.
- run_bounded runs a whole render in a forked child with a memory cap (RLIMIT_AS); the
  parent kills it past the time limit. It is the backstop for what the first layer misses,
  including C-level work that SIGALRM (time_limit) cannot interrupt.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
import signal
import threading
import time
import types
from collections import abc
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from typing import Any, NoReturn, TypeVar

from jinja2 import Template, pass_environment
from jinja2.environment import TemplateModule
from jinja2.exceptions import FilterArgumentError, SecurityError
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import (
    MAX_RANGE,
    SandboxedEnvironment,
    SandboxedEscapeFormatter,
    SandboxedFormatter,
)
from jinja2.utils import Namespace, generate_lorem_ipsum
from markupsafe import Markup, soft_str

from breakup.errors import BreakupError, LimitError

T = TypeVar("T")

# One render: its time, its output, and the memory its process may add (run_bounded).
RENDER_SECONDS = 10.0
MAX_OUTPUT_CHARS = 2_000_000
MAX_MEMORY_MB = 200
# What one value built by a template may hold: characters of a string (or of the text of a
# list or dict), items of a list; a padding width, precision or indent; a power.
MAX_BUILT_LENGTH = 1_000_000
MAX_WIDTH = 10_000
MAX_EXPONENT = 10_000
# Below the 4,300 digits past which Python refuses to print an int.
MAX_INT_DIGITS = 4_000
_MAX_INT_BITS = MAX_INT_DIGITS * 3322 // 1000
# How long the parent waits past the limit for the child's own report before killing it.
_GRACE_SECONDS = 0.5

TOO_LARGE = "a template tried to build a value too large"
_TOO_BIG_NUMBER = "a template tried to compute a number too large"
_VIEWS = (abc.KeysView, abc.ValuesView, abc.ItemsView)
_SIZED = (str, list, tuple, dict, set, frozenset, range, *_VIEWS)
_METHODS = (types.BuiltinMethodType, types.MethodType)
_NUMBER = re.compile(r"[0-9*]")
_STRINGS = frozenset([str, Markup])


def _refuse(message: str = TOO_LARGE) -> NoReturn:
    raise SecurityError(message)


def _bound(size: int, limit: int = MAX_BUILT_LENGTH) -> None:
    if size > limit:
        _refuse()


def _measure(value: Any, limit: int = MAX_BUILT_LENGTH) -> tuple[int, int]:
    """Return a bound on len(str(value)), and the total depth of its items (for indenting).

    A list's text repeats every item however often the list holds the same one, so
    containers are walked; the walk stops once the length passes `limit`.
    """
    if isinstance(value, str):
        return len(value), 0
    if (
        isinstance(value, dict)
        and _STRINGS.issuperset(map(type, value))
        and _STRINGS.issuperset(map(type, value.values()))
    ):
        # The usual case, a format's values: a str's repr is at most 10 times as long.
        return 10 * (sum(map(len, value)) + sum(map(len, value.values()))) + 8 * len(value), 1
    size = nested = 0
    stack = [(value, 0)]
    while stack and size <= limit:
        item, depth = stack.pop()
        nested += depth
        if isinstance(item, str):  # inside a container: its repr, escapes included
            size += len(item) * (2 if item.isprintable() else 10) + 2
        elif isinstance(item, int):
            size += item.bit_length() // 3 + 2
        elif isinstance(item, dict):
            size += 2 + 4 * len(item)
            if size <= limit:
                stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, (list, tuple, set, frozenset, *_VIEWS)):
            size += 2 + 2 * len(item)
            if size <= limit:
                stack.extend((part, depth + 1) for part in item)
        elif isinstance(item, Namespace):
            stack.append((object.__getattribute__(item, "_Namespace__attrs"), depth))
        elif isinstance(item, TemplateModule):  # an {% import %}: its text is its output
            size += sum(map(len, item._body_stream))
        else:  # numbers, dates, macros, generators: a short text of their own
            size += 32
    return size, nested


def _text_len(value: Any) -> int:
    return _measure(value)[0]


_PLAIN = (str, int, float, type(None))  # their text is as long as they are


def _check_text(value: Any) -> None:
    """Refuse a value whose text would be too long (only containers can be)."""
    if not isinstance(value, _PLAIN):
        _bound(_text_len(value))


def _take(iterable: Any, room: int = MAX_BUILT_LENGTH) -> list[Any]:
    """Return an iterable's items as a list, refusing more than `room` of them."""
    if isinstance(iterable, _SIZED):
        _bound(len(iterable), room)
    items = list(itertools.islice(iterable, max(room, 0) + 1))
    _bound(len(items), room)
    return items


def _check_join(separator: Any, items: list[Any]) -> None:
    """Refuse joining items whose text, with the separators, would be too long."""
    escaped = hasattr(separator, "__html__") or any(hasattr(i, "__html__") for i in items)
    factor = 6 if escaped else 1  # escaping turns one character into up to six
    size = max(len(items) - 1, 0) * _text_len(separator) * factor
    for item in items:
        size += _text_len(item) * factor
        _bound(size)


def _check_pad(length: int, width: Any) -> None:
    if isinstance(width, int) and width > length:
        _bound(width, MAX_WIDTH)


def _check_replace(text: str, old: str, new: str, count: Any, factor: int = 1) -> None:
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    _bound(len(text) + times * max(len(new) * factor - len(old), 0))


def _check_int(bits: int) -> None:
    if bits > _MAX_INT_BITS:
        _refuse(_TOO_BIG_NUMBER)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    """Refuse an arithmetic operation whose result would be too large."""
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                _bound(len(seq) * times)
        if isinstance(left, int) and isinstance(right, int):
            _check_int(left.bit_length() + right.bit_length())
    elif operator == "+":
        if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            factor = 6 if hasattr(left, "__html__") or hasattr(right, "__html__") else 1
            _bound((len(left) + len(right)) * factor)
    elif operator == "**":
        if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
            _refuse(_TOO_BIG_NUMBER)
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_int(left.bit_length() * right)
    elif operator == "%" and isinstance(left, str):
        check_printf(left, right)


def check_printf(fmt: str, values: Any) -> None:
    """Refuse `fmt % values` if it asks for a width or precision over MAX_WIDTH, or would
    build a text over MAX_BUILT_LENGTH; a format Python refuses is left for it to refuse."""
    if "%" not in fmt:
        return
    positional = list(values) if isinstance(values, tuple) else [values]
    keyed = hasattr(values, "__getitem__") and not isinstance(values, (tuple, str))
    factor = 6 if hasattr(fmt, "__html__") else 1
    if not _NUMBER.search(fmt):  # no width, no precision: a quick bound may do
        longest = max(map(_text_len, positional), default=0)  # a dict's text holds its values
        if len(fmt) + fmt.count("%") * (longest * 10 + 340) * factor <= MAX_BUILT_LENGTH:
            return
    size, index, end = len(fmt), 0, len(fmt)
    start = fmt.find("%")
    while start != -1:
        j, key = start + 1, None
        if j < end and fmt[j] == "(":  # a key, with nested parentheses as Python reads it
            depth, j = 1, j + 1
            while j < end and depth:
                depth += {"(": 1, ")": -1}.get(fmt[j], 0)
                j += 1
            key = fmt[start + 2 : j - 1]
        while j < end and fmt[j] in "-+ #0":
            j += 1
        width, j, index = _printf_number(fmt, j, positional, index)
        precision = None
        if j < end and fmt[j] == ".":
            precision, j, index = _printf_number(fmt, j + 1, positional, index)
        while j < end and fmt[j] in "hlL":
            j += 1
        if j >= end:
            return
        _bound(max(width, precision or 0), MAX_WIDTH)
        if fmt[j] == "%":
            size += max(width, 1)
        else:
            try:
                value = values[key] if key is not None and keyed else positional[index]
            except Exception:  # Python refuses this format the same way
                return
            index += key is None
            size += max(width, _converted_len(fmt[j], value, precision) * factor)
        _bound(size)
        start = fmt.find("%", j + 1)


def _printf_number(fmt: str, j: int, args: list[Any], index: int) -> tuple[int, int, int]:
    """Read a width or precision at fmt[j]: digits, or `*` taking the next argument."""
    if j < len(fmt) and fmt[j] == "*":  # a negative width pads to the left
        value = args[index] if index < len(args) else 0
        return (abs(value) if isinstance(value, int) else 0), j + 1, index + 1
    digits = j
    while digits < len(fmt) and fmt[digits].isdigit():
        digits += 1
    if digits - j > 6:
        _refuse()
    return int(fmt[j:digits] or 0), digits, index


def _converted_len(conversion: str, value: Any, precision: int | None) -> int:
    """Return at most how long one %-conversion of value is, before any width."""
    if conversion in "sra":
        size = _text_len(value) * (1 if conversion == "s" else 10) + 2
        return size if precision is None else min(size, precision)
    if conversion in "diuoxX":
        digits = value.bit_length() // 3 + 2 if isinstance(value, int) else 330
        return digits + (precision or 0)
    return 330 + (precision or 0)  # floats: 1e308 has 309 digits before the point


class _BoundedFormatter(SandboxedFormatter):
    """str.format in the sandbox, refusing wide fields and long texts."""

    _factor = 1
    _size = 0

    def vformat(
        self, format_string: str, args: Sequence[Any], kwargs: abc.Mapping[str, Any]
    ) -> str:
        self._size = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is not None:
            _bound(_text_len(value) * (1 if conversion == "s" else 10))
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> Any:
        # Any number in a spec is a width or a precision (or a date's field, far smaller).
        numbers = [int(n) if len(n) < 7 else MAX_WIDTH + 1 for n in _digit_runs(format_spec)]
        widest = max(numbers, default=0)
        _bound(widest, MAX_WIDTH)
        text = 330 if isinstance(value, float) else _text_len(value)  # 1e308: 309 digits
        self._size += (max(widest, text) + widest) * self._factor
        _bound(self._size)
        return super().format_field(value, format_spec)


class _BoundedEscapeFormatter(_BoundedFormatter, SandboxedEscapeFormatter):
    """Markup.format in the sandbox: the same bounds, for escaped (longer) values."""

    _factor = 6


def _digit_runs(text: str) -> list[str]:
    return "".join(c if c.isdigit() else " " for c in text).split()


def _str_pad(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    _check_pad(len(owner), args[0] if args else None)
    return args


def _str_expandtabs(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    size = args[0] if args else kwargs.get("tabsize", 8)
    if isinstance(size, int):
        _bound(size, MAX_WIDTH)
        _bound(len(owner) + owner.count("\t") * size)
    return args


def _str_replace(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        count = args[2] if len(args) > 2 else kwargs.get("count", -1)
        _check_replace(owner, args[0], args[1], count, 6 if hasattr(owner, "__html__") else 1)
    return args


def _str_join(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    if not args:
        return args
    items = _take(args[0])
    _check_join(owner, items)
    return (items, *args[1:])


def _str_translate(owner: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    table = args[0] if args else None
    values = table.values() if isinstance(table, dict) else table
    if isinstance(values, (abc.ValuesView, list, tuple)):
        longest = max((len(v) for v in values if isinstance(v, str)), default=1)
        _bound(len(owner) * longest)
    return args


def _grow_one(owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    _bound(len(owner) + 1)
    return args


def _grow_many(owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    room = MAX_BUILT_LENGTH - len(owner) - len(kwargs)
    taken = []
    for arg in args:
        items = arg if isinstance(arg, _SIZED) else _take(arg, room)
        room -= len(items)
        if room < 0:
            _refuse()
        taken.append(items)
    return tuple(taken)


_Check = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[Any, ...]]
_STR_METHODS: dict[str, _Check] = {
    "center": _str_pad,
    "ljust": _str_pad,
    "rjust": _str_pad,
    "zfill": _str_pad,
    "expandtabs": _str_expandtabs,
    "replace": _str_replace,
    "join": _str_join,
    "translate": _str_translate,
}
_COLLECTION_METHODS: dict[str, _Check] = {
    "append": _grow_one,
    "insert": _grow_one,
    "add": _grow_one,
    "setdefault": _grow_one,
    "extend": _grow_many,
    "update": _grow_many,
}


# --- filters and globals: the built-in ones, bounded ----------------------------------------

# Filters that turn their arguments into text (or compare them): a list holding the same
# long string a million times is refused before its text is made.
_TEXT_FILTERS = (
    "capitalize center dictsort e escape filesizeformat float forceescape format indent int "
    "lower max min pprint replace safe sort string striptags title tojson trim truncate "
    "unique upper urlencode urlize wordcount xmlattr batch slice"
).split()


def _checked(func: Callable[..., Any], check: Callable[..., None] | None) -> Callable[..., Any]:
    """Wrap a filter: check its arguments (after any Jinja context argument), then run it."""
    skip = 0 if getattr(func, "jinja_pass_arg", None) is None else 1

    @functools.wraps(func)  # keeps Jinja's pass_context/pass_eval_context marker
    def bounded(*args: Any, **kwargs: Any) -> Any:
        own = args[skip:]
        for arg in (*own, *kwargs.values()):
            if not isinstance(arg, _PLAIN):
                _check_text(arg)
        if check is not None:
            check(*own, **kwargs)
        return func(*args, **kwargs)

    return bounded


def _center(value: Any, width: Any = 80) -> None:
    _check_pad(_text_len(value), width)


def _indent(s: Any, width: Any = 4, first: Any = False, blank: Any = False) -> None:
    step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
    _bound(step, MAX_WIDTH)
    if isinstance(s, str) and len(s) + (len(s) + 1) * step > MAX_BUILT_LENGTH:
        _bound(len(s) + (len(s.splitlines()) + 1) * step)


def _truncate(s: Any, length: Any = 255, killwords: Any = False, end: Any = "...",
              leeway: Any = None) -> None:  # fmt: skip
    # Jinja asserts these: an assertion is no error message (and vanishes under -O).
    if isinstance(length, int) and isinstance(end, str) and length < len(end):
        raise FilterArgumentError(f"truncate: expected length >= {len(end)}, got {length}")
    if isinstance(leeway, int) and leeway < 0:
        raise FilterArgumentError(f"truncate: expected leeway >= 0, got {leeway}")


def _replace(s: Any, old: Any, new: Any, count: Any = None) -> None:
    factor = 6 if any(hasattr(x, "__html__") for x in (s, old, new)) else 1
    _check_replace(soft_str(s), soft_str(old), soft_str(new), count, factor)


def _format(value: Any, *args: Any, **kwargs: Any) -> None:
    check_printf(soft_str(value), kwargs or args)


def _batch(value: Any, linecount: Any, fill_with: Any = None) -> None:
    if isinstance(linecount, int):
        _bound(linecount)


def _tojson(value: Any, indent: Any = None) -> None:
    step = len(indent) if isinstance(indent, str) else indent if isinstance(indent, int) else 0
    _bound(step, MAX_WIDTH)
    size, nested = _measure(value)
    _bound(size + nested * (step + 1))


def _pprint(value: Any) -> None:
    size, nested = _measure(value)
    _bound(size + nested)


def _urlize(value: Any, trim_url_limit: Any = None, nofollow: Any = False, target: Any = None,
            rel: Any = None, extra_schemes: Any = None) -> None:  # fmt: skip
    # Each link gets the target and rel: the text's words times their length.
    extra = sum(len(x) for x in (target, rel) if isinstance(x, str))
    _bound((len(soft_str(value).split()) + 1) * extra)


_FILTER_CHECKS: dict[str, Callable[..., None]] = {
    "center": _center,
    "indent": _indent,
    "truncate": _truncate,
    "replace": _replace,
    "format": _format,
    "batch": _batch,
    "slice": _batch,
    "tojson": _tojson,
    "pprint": _pprint,
    "urlize": _urlize,
}


def _bounded_join(join: Callable[..., str]) -> Callable[..., str]:
    @functools.wraps(join)
    def bounded(eval_ctx: Any, value: Any, d: Any = "", attribute: Any = None) -> str:
        items = _take(value)
        if attribute is not None:
            items = list(map(make_attrgetter(eval_ctx.environment, attribute), items))
        _check_join(d, items)
        return join(eval_ctx, items, d)

    return bounded


def _list(value: Any) -> list[Any]:
    """Convert the value into a list (at most MAX_BUILT_LENGTH items)."""
    return _take(value)


@pass_environment
def _sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Add up a sequence, as sum() does, one bounded addition at a time.

    sum() of lists copies the total at each step, in C: a million one-item lists would take
    hours that no alarm interrupts. Here each step is checked and can be interrupted.
    """
    items: Iterable[Any] = _take(iterable)
    if attribute is not None:
        items = map(make_attrgetter(environment, attribute), items)
    sum((), start)  # the TypeError sum() gives for a start it refuses (a string)
    total = start
    for item in items:
        _check_binop("+", total, item)
        total = total + item
    return total


@pass_environment
def _wordwrap(environment: Any, s: str, width: int = 79, break_long_words: bool = True,
              wrapstring: str | None = None, break_on_hyphens: bool = True) -> str:  # fmt: skip
    """Jinja's wordwrap, measuring the wrapped lines before joining them."""
    import textwrap

    if wrapstring is None:
        wrapstring = environment.newline_sequence
    _bound(len(wrapstring), MAX_WIDTH)
    paragraphs = [
        textwrap.wrap(line, width=width, expand_tabs=False, replace_whitespace=False,
                      break_long_words=break_long_words, break_on_hyphens=break_on_hyphens)
        for line in s.splitlines()
    ]  # fmt: skip
    lines = sum(len(p) for p in paragraphs) + len(paragraphs)
    _bound(sum(len(x) for p in paragraphs for x in p) + lines * len(wrapstring))
    return wrapstring.join([wrapstring.join(p) for p in paragraphs])


def _bounded_filters(filters: dict[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    bounded = {
        name: _checked(filters[name], _FILTER_CHECKS.get(name))
        for name in _TEXT_FILTERS
        if name in filters
    }
    bounded.update(join=_bounded_join(filters["join"]), list=_list, sum=_sum, wordwrap=_wordwrap)
    return bounded


def _range(*args: int) -> range:
    """range(), refusing more than Jinja's sandbox allows (MAX_RANGE items)."""
    numbers = range(*args)
    try:
        too_long = len(numbers) > MAX_RANGE
    except OverflowError:  # longer than an index can be
        too_long = True
    if too_long:
        _refuse()
    return numbers


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's lipsum(), refusing more than MAX_BUILT_LENGTH characters of it."""
    if isinstance(n, int) and isinstance(max, int):
        _bound(n * max * 16)  # at most `max` words a paragraph, of at most 15 characters
    return str(generate_lorem_ipsum(n, html, min, max))


def _checked_gettext(func: Callable[..., Any], plural: bool) -> Callable[..., Any]:
    """Wrap a newstyle gettext callable: it %-formats the message with the variables."""

    @functools.wraps(func)  # keeps pass_context
    def checked(context: Context, *args: Any, **variables: Any) -> Any:
        for message in args:
            if isinstance(message, str) and "%" in message:
                check_printf(message, {"num": args[-1], **variables} if plural else variables)
        return func(context, *args, **variables)

    return checked


# --- the environment ----------------------------------------------------------------------


def _joined(items: Iterable[Any], markup: bool) -> str:
    """Join the operands of `~`, refusing a result over MAX_BUILT_LENGTH."""
    parts = []
    size = 0
    html = False
    for item in items:
        if not isinstance(item, str):
            _check_text(item)
            item = str(item)
        html = html or hasattr(item, "__html__")
        size += len(item)
        _bound(size)
        parts.append(item)
    return Markup("").join(parts) if markup and html else "".join(parts)


def _str_join_operands(items: Iterable[Any]) -> str:
    return _joined(items, markup=False)


def _markup_join_operands(items: Iterable[Any]) -> str:
    return _joined(items, markup=True)


class BoundedTemplate(Template):
    """A template whose `~` (concatenation) is bounded."""

    @classmethod
    def from_code(
        cls,
        environment: Any,
        code: types.CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        # `~` compiles to a call of str_join or markup_join, names the compiled module
        # imports from jinja2.runtime. Rebinding them in the module, rather than generating
        # other code, covers code loaded from a bytecode cache too.
        template.root_render_func.__globals__.update(
            str_join=_str_join_operands, markup_join=_markup_join_operands
        )
        return template


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, refusing with a SecurityError any value too large to build.

    Bounded: the operators * ** % + ~, the filters that build text or lists from their
    arguments, str.format, the str methods that pad, replace or join, the growth of lists,
    dicts and sets, range() and lipsum(), gettext's formatting, a template's joined output
    (macros, blocks) and what it prints.
    """

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    template_class = BoundedTemplate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals.update(range=_range, lipsum=_lipsum)
        self.filters.update(_bounded_filters(self.filters))
        self.finalize = _checked_finalize(self.finalize)
        install = getattr(self, "install_gettext_callables", None)  # the i18n extension's
        if install is not None:
            self.install_gettext_callables = functools.partial(self._install_gettext, install)

    def _install_gettext(self, install: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        install(*args, **kwargs)
        for name in ("gettext", "_", "ngettext", "pgettext", "npgettext"):
            if name in self.globals:
                plural = name in ("ngettext", "npgettext")
                func: Callable[..., Any] = self.globals[name]  # type: ignore[assignment]
                self.globals[name] = _checked_gettext(func, plural)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        try:
            return super().call_binop(context, operator, left, right)
        except OverflowError:  # a float past 1e308
            _refuse(_TOO_BIG_NUMBER)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        owner = getattr(obj, "__self__", None) if isinstance(obj, _METHODS) else None
        check = None
        if isinstance(owner, str):
            check = _STR_METHODS.get(obj.__name__)
        elif isinstance(owner, (list, dict, set)):
            check = _COLLECTION_METHODS.get(obj.__name__)
        if check is not None:  # (Jinja passes _loop_vars and _block_vars to any call)
            own = {k: v for k, v in kwargs.items() if k not in ("_loop_vars", "_block_vars")}
            args = check(owner, args, own)
        return super().call(context, obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Sandbox str.format and format_map, as Jinja does, with bounded formatters."""
        if not isinstance(value, _METHODS) or value.__name__ not in ("format", "format_map"):
            return None
        owner = value.__self__
        if not isinstance(owner, str):
            return None
        formatter: _BoundedFormatter
        if isinstance(owner, Markup):
            formatter = _BoundedEscapeFormatter(self, escape=owner.escape)
        else:
            formatter = _BoundedFormatter(self)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                kwargs, args = args[0], ()
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return functools.update_wrapper(wrapper, value)

    def concat(self, parts: Iterable[str]) -> str:
        """Join a template's output (a macro's, a block's, a {% set %} block's), bounded."""
        if isinstance(parts, list):
            _bound(sum(map(len, parts)), MAX_OUTPUT_CHARS)
            return "".join(parts)
        kept = []
        size = 0
        for part in parts:
            size += len(part)
            _bound(size, MAX_OUTPUT_CHARS)
            kept.append(part)
        return "".join(kept)


def _checked_finalize(finalize: Callable[..., Any] | None) -> Callable[..., Any]:
    """Check what a template prints before it becomes text (see _measure)."""
    if finalize is None:

        def check(value: Any) -> Any:
            _check_text(value)
            return value

        return check

    @functools.wraps(finalize)  # keeps any pass_context marker
    def checked(*args: Any) -> Any:
        if not isinstance(args[-1], _PLAIN):
            _check_text(args[-1])
        return finalize(*args)

    return checked


# --- time and memory: the process ---------------------------------------------------------


class RenderTimeout(Exception):
    """Raised inside a block that ran past its time_limit."""


_memory_mb: int | None = None  # the cap limit_process set on this process, if any


def bounded() -> bool:
    """Tell whether this process already runs under limit_process (a render needs no fork)."""
    return _memory_mb is not None


def memory_message() -> str:
    """Say that a template ran out of memory, with this process's cap if it has one."""
    if _memory_mb is None:
        return "the template used more memory than is available"
    return f"the template used more than {_memory_mb} MB of memory"


def _too_slow(seconds: float) -> str:
    # The words render.py uses for the same limit, reached in Python code.
    return (
        f"rendering took longer than {seconds:g} s: check the template for a loop that does not end"
    )


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise RenderTimeout in the block after `seconds` (with SIGALRM, in the main thread).

    Nests: an inner limit never outlasts the one around it, which resumes after it. Only
    Python code is interrupted: a C call runs to its end first (see run_bounded).
    """
    if (
        not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return
    outer, _interval = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:
        yield  # the enclosing limit comes first
        return

    def expire(signum: int, frame: object) -> None:
        raise RenderTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - time.monotonic() + started, 1e-3))


def _address_space() -> int | None:
    """Return this process's virtual size in bytes (what RLIMIT_AS counts), if /proc says."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def limit_process(memory_mb: int = MAX_MEMORY_MB) -> None:
    """Cap this process's memory at its present size plus `memory_mb` (Linux: RLIMIT_AS).

    For a process that renders untrusted templates and nothing else afterwards, such as a
    forked batch worker: past the cap, allocations fail with MemoryError, which render()
    reports as a TemplateError. Renders in the process then run in it (see bounded()).
    """
    global _memory_mb
    _memory_mb = memory_mb
    try:
        import resource
    except ImportError:  # Windows
        return
    size = _address_space()
    if size is not None:
        limit = size + memory_mb * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        if soft == resource.RLIM_INFINITY or limit < soft:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def memory_limit(memory_mb: int = MAX_MEMORY_MB) -> Iterator[None]:
    """Cap this process's memory at its present size plus `memory_mb` for the block only.

    For user templates evaluated in this process rather than in a child (an archetype's texts
    in rehearse, called turn after turn): past the cap, allocations fail with MemoryError.
    The cap is lifted after the block; a process already under limit_process keeps its own.
    """
    global _memory_mb
    try:
        import resource
    except ImportError:  # Windows: no cap to set
        yield
        return
    size = _address_space()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = size + memory_mb * 2**20 if size is not None else None
    if limit is not None and hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if _memory_mb is not None or limit is None or soft != resource.RLIM_INFINITY and soft <= limit:
        yield  # already capped as tightly (or no way to tell the size)
        return
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        yield
        return
    _memory_mb = memory_mb
    try:
        yield
    finally:
        _memory_mb = None
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_bounded(
    func: Callable[..., T],
    *args: Any,
    seconds: float = RENDER_SECONDS,
    memory_mb: int = MAX_MEMORY_MB,
    **kwargs: Any,
) -> T:
    """Run func(*args, **kwargs) within `seconds` and `memory_mb`; return its result.

    Where os.fork exists, func runs in a forked child under limit_process(memory_mb) and
    time_limit(seconds), and the parent kills it (SIGKILL) if it has not answered half a
    second after that. The result, or the exception func raised, comes back pickled. Without
    fork (Windows), func runs here, under time_limit only. Past a bound: LimitError.
    """
    if not hasattr(os, "fork"):
        try:
            with time_limit(seconds):
                return func(*args, **kwargs)
        except RenderTimeout:
            raise LimitError(_too_slow(seconds)) from None
        except MemoryError:
            raise LimitError(memory_message()) from None
    import pickle

    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, func, args, kwargs, seconds, memory_mb)
    os.close(write_end)
    deadline = time.monotonic() + seconds + _GRACE_SECONDS
    payload = None
    try:
        payload = _receive(read_end, deadline, memory_mb)
    finally:
        os.close(read_end)
        if payload is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _pid, status = os.waitpid(pid, 0)
    if payload is None:
        if time.monotonic() >= deadline:
            raise LimitError(_too_slow(seconds))
        if os.WIFSIGNALED(status):
            name = signal.Signals(os.WTERMSIG(status)).name
            raise LimitError(f"rendering stopped: its process was killed by {name}")
        # A child that ends with no answer and no signal could not even send its error:
        # in practice, the memory cap (a red-team finding: the message named no cause).
        raise LimitError(
            f"rendering stopped without a result, most likely past the {memory_mb} MB memory "
            "limit: check the template for a loop that builds a large list or string"
        )
    ok, value = pickle.loads(payload)
    if ok:
        return value  # type: ignore[no-any-return]
    raise value


def _receive(fd: int, deadline: float, memory_mb: int) -> bytes | None:
    """Read the child's answer (its length, then its pickle); None if it did not come."""
    import selectors

    data = bytearray()
    wanted = 8
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while len(data) < wanted:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return None
            chunk = os.read(fd, min(wanted - len(data), 1 << 20))
            if not chunk:
                return None
            data += chunk
            if wanted == 8 and len(data) == 8:
                wanted += int.from_bytes(data, "big")
                if wanted > memory_mb * 2**20:
                    return None
    return bytes(data[8:])


def _child(write_end: int, func: Callable[..., Any], args: tuple[Any, ...],
           kwargs: dict[str, Any], seconds: float, memory_mb: int) -> NoReturn:  # fmt: skip
    """Run func in the forked child, send back its result or error, and exit."""
    import pickle

    try:
        try:
            limit_process(memory_mb)
            with time_limit(seconds):
                answer: tuple[bool, Any] = (True, func(*args, **kwargs))
        except BaseException as error:  # all of it goes back to the parent
            answer = (False, _portable(error, seconds))
        try:
            data = pickle.dumps(answer)
        except BaseException as error:  # an unpicklable result, or no memory left
            data = pickle.dumps((False, _portable(error, seconds)))
        data = len(data).to_bytes(8, "big") + data
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
    finally:
        os._exit(0)  # no atexit handlers, no flushing of buffers inherited from the parent


def _portable(error: BaseException, seconds: float) -> BaseException:
    """Return the child's exception in a form that pickles back to the parent."""
    import pickle

    if isinstance(error, RenderTimeout):
        return LimitError(_too_slow(seconds))
    if isinstance(error, MemoryError):
        return LimitError(memory_message())
    if isinstance(error, BreakupError):  # its message is all the user needs
        return error
    try:  # a bug: keep where it happened, for --debug and the report
        import traceback

        error.add_note("".join(traceback.format_exception(error)).rstrip())
        pickle.loads(pickle.dumps(error))
    except Exception:  # an exception that does not survive the trip
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def make_module(template: Template, context: dict[str, Any], limit: int) -> TemplateModule:
    """Evaluate a template as a module, stopping if its output grows past `limit` characters."""

    from breakup.errors import TemplateError

    ctx = template.new_context(context)
    chunks: list[str] = []
    size = 0
    for chunk in template.root_render_func(ctx):
        size += len(chunk)
        if size > limit:
            raise TemplateError(f"{template.name}: the output grew past {limit:,} characters")
        chunks.append(chunk)
    return TemplateModule(template, ctx, chunks)


class BoundedModule:
    """A template module whose macros run within the time and memory bounds when they are
    called later (a user template's rehearsal texts are called turn after turn, outside any
    render); `failed` turns what a call raised into the error to raise instead."""

    def __init__(self, module: Any, failed: Callable[[BaseException], BaseException],
                 seconds: float = RENDER_SECONDS) -> None:  # fmt: skip
        self._module = module
        self._failed = failed
        self._seconds = seconds

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if not callable(value):
            return value

        def bounded_call(*args: Any, **kwargs: Any) -> Any:
            with memory_limit():
                try:
                    with time_limit(self._seconds):
                        return value(*args, **kwargs)
                except BreakupError:
                    raise
                except Exception as error:  # within the cap, so a MemoryError can name it
                    raise self._failed(error) from None

        return bounded_call

"""User templates cannot exhaust memory or time: what a template builds is bounded before it
is built. Each attack ends in one clean error, quickly, without the memory."""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jinja2.sandbox import SandboxedEnvironment

from breakup import catalog, render, sandbox
from breakup.cli import cli
from breakup.errors import TemplateError

BIG = '{% set big = "x" * 1000000 %}'
TOO_LARGE = "too large"
# Each attack, as the whole of a user's documents/email.j2, and what its error says.
ATTACKS = {
    "printf-width": ('{{ "%2000000000s" % "x" }}', TOO_LARGE),
    "printf-precision": ('{{ "%.2000000000f" % 1.0 }}', TOO_LARGE),
    "printf-star-width": ('{{ "%*s" % (2000000000, "x") }}', TOO_LARGE),
    "printf-int-precision": ('{{ "%.2000000000d" % 1 }}', TOO_LARGE),
    "printf-dict-width": ('{{ "%(a)2000000000s" % {"a": 1} }}', TOO_LARGE),
    "printf-dict-repeat": (BIG + '{{ ("%(a)s" * 1000) % {"a": big} }}', TOO_LARGE),
    "format-filter": ('{{ "%2000000000s"|format("x") }}', TOO_LARGE),
    "center-filter": ('{{ "x"|center(10**9) }}', TOO_LARGE),
    "indent-width": ('{{ "a\nb"|indent(10**9) }}', TOO_LARGE),
    "indent-lines": ('{{ ("\n" * 100000)|indent(10000, blank=true) }}', TOO_LARGE),
    "wordwrap": ('{{ ("a " * 400000)|wordwrap(1, wrapstring="x" * 10000) }}', TOO_LARGE),
    "truncate": (BIG + "{{ ([big] * 1000000)|truncate(10**9) }}", TOO_LARGE),
    "str-format-width": ('{{ "{:>2000000000}".format(1) }}', TOO_LARGE),
    "str-format-nested": ('{{ "{0:{1}}".format(1, 10**9) }}', TOO_LARGE),
    "format-map": ('{{ "{a:>2000000000}".format_map({"a": 1}) }}', TOO_LARGE),
    "str-format-repeat": (BIG + '{{ ("{0}" * 1000).format(big) }}', TOO_LARGE),
    "join": (BIG + "{{ ([big] * 100000)|join }}", TOO_LARGE),
    "str-join": (BIG + '{{ "".join([big] * 100000) }}', TOO_LARGE),
    "tilde-doubling": (
        '{% set ns = namespace(s="x") %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}'
        "{% endfor %}{{ ns.s|length }}",
        TOO_LARGE,
    ),
    "append": (
        "{% set l = [0] * 1000000 %}{% for i in range(100000) %}{% do l.append(i) %}{% endfor %}"
        "{{ l|length }}",
        TOO_LARGE,
    ),
    "append-nesting": (  # a list of 2**30 items' text, from 60 appends
        "{% set ns = namespace(l=[]) %}{% for i in range(30) %}{% set m = [] %}"
        "{% do m.append(ns.l) %}{% do m.append(ns.l) %}{% set ns.l = m %}{% endfor %}{{ ns.l }}",
        TOO_LARGE,
    ),
    "plus-doubling": (
        "{% set ns = namespace(l=[1]) %}{% for i in range(60) %}{% set ns.l = ns.l + ns.l %}"
        "{% endfor %}{{ ns.l|length }}",
        TOO_LARGE,
    ),
    "extend-itself": (
        "{% set l = [1] %}{% for i in range(60) %}{% do l.extend(l) %}{% endfor %}",
        TOO_LARGE,
    ),
    "ljust": ('{{ "x".ljust(10**9) }}', TOO_LARGE),
    "zfill": ('{{ "1".zfill(10**9) }}', TOO_LARGE),
    "str-replace": ('{{ ("a" * 100000).replace("a", "x" * 100000) }}', TOO_LARGE),
    "replace-filter": ('{{ ("a" * 100000)|replace("a", "x" * 100000) }}', TOO_LARGE),
    "expandtabs": ('{{ ("\t" * 100000).expandtabs(10000) }}', TOO_LARGE),
    "translate": ('{{ ("a" * 100000).translate({97: "x" * 100000}) }}', TOO_LARGE),
    "range": ("{% for i in range(10**9) %}{% endfor %}", TOO_LARGE),
    "int-power": ("{{ 10**10000 }}", TOO_LARGE),
    "int-squaring": (
        "{% set ns = namespace(n=10) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}"
        "{% endfor %}{{ ns.n > 0 }}",
        TOO_LARGE,
    ),
    "float-power": ("{{ 10.0 ** 400 }}", TOO_LARGE),
    "list-filter": ("{{ range(10**9)|list|length }}", TOO_LARGE),
    "sum": ("{% set r = range(100000)|list %}{{ ([r] * 1000)|sum(start=[])|length }}", TOO_LARGE),
    "batch": ("{{ [1]|batch(10**9, 0)|list|length }}", TOO_LARGE),
    "slice": ("{{ [1]|slice(10**9)|list|length }}", TOO_LARGE),
    "print-repeated-list": (BIG + "{{ [big] * 1000000 }}", TOO_LARGE),
    "string-filter": (BIG + "{{ ([big] * 1000000)|string|length }}", TOO_LARGE),
    "tilde-list": (BIG + '{{ (([big] * 1000000) ~ "")|length }}', TOO_LARGE),
    "set-block": (  # 100,000 times a literal text of 100,000 characters, joined
        "{% set s %}{% for i in range(100000) %}" + "x" * 100000 + "{% endfor %}{% endset %}",
        TOO_LARGE,
    ),
    "macro-recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "calls itself"),
    "macro-doubling": (
        "{% macro f(n, s) %}{% if n %}{% set t %}{{ s }}{{ s }}{% endset %}{{ f(n - 1, t) }}"
        '{% else %}{{ s|length }}{% endif %}{% endmacro %}{{ f(40, "x") }}',
        TOO_LARGE,
    ),
    "include-itself": ('{% include "documents/email.j2" %}', "calls itself"),
    "lipsum": ("{{ lipsum(10**6)|length }}", TOO_LARGE),
    "gettext-width": ('{{ _("%(a)2000000000s", a=1) }}', TOO_LARGE),
    "trans-repeat": (BIG + "{% trans b=big %}" + "{{ b }}" * 1000 + "{% endtrans %}", TOO_LARGE),
    "tojson-indent": ("{{ [[[1]]]|tojson(indent=10**9) }}", TOO_LARGE),
    "urlize-target": ('{{ ("http://ab.cd " * 50000)|urlize(target="x" * 100000) }}', TOO_LARGE),
}
# What a test process may grow by (MiB), as the brief of these bounds says.
MEMORY_MIB = 300
SECONDS = 15


def overlay(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "mine"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def mib(maxrss: int) -> float:
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 2**10  # else KiB


def peak() -> float:
    """This process's peak memory so far (MiB)."""
    return mib(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


@pytest.fixture(autouse=True)
def fresh_environments() -> Any:
    yield
    catalog.environment.cache_clear()


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    return CliRunner()


@pytest.mark.parametrize(("body", "message"), ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_ends_in_one_clean_error_in_time_and_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 2.0)  # the attacks stopped by time: quickly
    root = overlay(tmp_path, {"documents/email.j2": body})
    mine = peak()
    start = time.monotonic()
    with pytest.raises(TemplateError, match=message) as caught:
        render.render("email", "late-payer", lang="en", templates=root)
    assert time.monotonic() - start < SECONDS
    assert peak() - mine < MEMORY_MIB
    assert "email" in str(caught.value)  # it names the template


def test_imported_module_text_is_bounded(tmp_path: Path) -> None:
    files = {
        "documents/email.j2": '{% import "documents/notes.j2" as m %}{{ m ~ "" }}',
        "documents/notes.j2": "{% for i in range(100000) %}" + "x" * 100000 + "{% endfor %}",
    }
    root = overlay(tmp_path, files)
    mine = peak()
    with pytest.raises(TemplateError, match=TOO_LARGE):
        render.render("email", "late-payer", lang="en", templates=root)
    assert peak() - mine < MEMORY_MIB


@pytest.mark.parametrize("name", ["printf-width", "wordwrap", "join", "tilde-doubling"])
def test_attack_through_the_cli_is_one_error_line(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    root = overlay(tmp_path, {"documents/email.j2": ATTACKS[name][0]})
    start = time.monotonic()
    result = runner.invoke(cli, ["email", "late-payer", "--templates", str(root)])
    assert time.monotonic() - start < SECONDS
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "too large" in errors[0], result.stderr
    assert "Traceback" not in result.output


# Everyday uses of what is bounded: the bounded sandbox renders them as Jinja's own does.
EVERYDAY = (
    '{{ "%s-%05d|%.2f" % ("a", 42, 3.14159) }} {{ "%(x)s" % {"x": 1} }} {{ "%s"|format(1) }} '
    '{{ "{0:>6}|{0!r}".format("x") }} {{ "{a}".format_map({"a": 1}) }} {{ ["a", "b"]|join(", ") }} '
    '{{ "x"|center(5) }}|{{ "ab".replace("a", "c") }} {{ [1, 2] + [3] }} {{ 2 ** 10 }} '
    '{{ "a" ~ 1 ~ [2] }} {{ range(3)|list }} {{ [1, 2, 3]|sum }} {{ [[1], [2]]|sum(start=[]) }} '
    '{{ "a b c d"|wordwrap(3) }} {{ [1, 2, 3]|batch(2, 0)|list }} {{ [1, 2, 3]|slice(2)|list }} '
    '{{ "a\nb"|indent(2, first=true) }} {{ "x".ljust(3) }}|{{ "7".zfill(3) }} {{ "<&>"|e }} '
    '{{ "long words here"|truncate(9) }} {{ {"k": [1]}|tojson }} {{ "a\tb".expandtabs(4) }} '
    "{% set l = [] %}{% do l.append(1) %}{% do l.extend([2, 3]) %}{{ l }} {{ 3 * 4 }} {{ 7 % 3 }}"
)


@pytest.mark.parametrize("autoescape", [False, True], ids=["text", "html"])
def test_everyday_uses_render_as_in_jinja(autoescape: bool) -> None:
    plain = SandboxedEnvironment(autoescape=autoescape, extensions=["jinja2.ext.do"])
    bounded = sandbox.BoundedSandbox(autoescape=autoescape, extensions=["jinja2.ext.do"])
    assert bounded.from_string(EVERYDAY).render() == plain.from_string(EVERYDAY).render()

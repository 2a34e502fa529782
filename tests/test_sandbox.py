"""User templates cannot exhaust memory or time: what a template builds is bounded before it
is built, and a render with --templates runs in a child process capped in memory and killed
past its time limit. Each attack ends in one clean error, quickly, without the memory."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jinja2.sandbox import SandboxedEnvironment

from breakup import catalog, render, sandbox
from breakup.cli import cli
from breakup.errors import LimitError, TemplateError

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


def resident() -> float:
    """This process's memory now (MiB), where /proc tells it; else its peak."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return peak()
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.fixture
def grown(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """How much each child run_bounded waits for grew (MiB): its peak, less this process's
    memory, which a forked child starts with."""
    growth = []

    def waitpid(pid: int, options: int) -> tuple[int, int]:
        pid, status, usage = os.wait4(pid, options)
        growth.append(mib(usage.ru_maxrss) - resident())
        return pid, status

    monkeypatch.setattr(os, "waitpid", waitpid)
    return growth


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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grown: list[float], body: str, message: str
) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 2.0)  # the attacks stopped by time: quickly
    root = overlay(tmp_path, {"documents/email.j2": body})
    mine = peak()
    start = time.monotonic()
    with pytest.raises(TemplateError, match=message) as caught:
        render.render("email", "late-payer", lang="en", templates=root)
    assert time.monotonic() - start < SECONDS
    assert peak() - mine < MEMORY_MIB
    assert all(growth < MEMORY_MIB for growth in grown)
    assert "email" in str(caught.value)  # it names the template


def test_imported_module_text_is_bounded(tmp_path: Path, grown: list[float]) -> None:
    files = {
        "documents/email.j2": '{% import "documents/notes.j2" as m %}{{ m ~ "" }}',
        "documents/notes.j2": "{% for i in range(100000) %}" + "x" * 100000 + "{% endfor %}",
    }
    root = overlay(tmp_path, files)
    mine = peak()
    with pytest.raises(TemplateError, match=TOO_LARGE):
        render.render("email", "late-payer", lang="en", templates=root)
    assert peak() - mine < MEMORY_MIB
    assert all(growth < MEMORY_MIB for growth in grown)


@pytest.mark.parametrize("name", ["printf-width", "wordwrap", "join", "tilde-doubling"])
def test_attack_through_the_cli_is_one_error_line(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    root = overlay(tmp_path, {"documents/email.j2": ATTACKS[name][0]})
    start = time.monotonic()
    result = runner.invoke(cli, ["email", "late-payer", "--templates", str(root)])
    assert time.monotonic() - start < SECONDS
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "too large" in errors[0], result.stderr
    assert "Traceback" not in result.output


# --- the backstop: what the checks let through ------------------------------------------------

# C-level work an alarm cannot interrupt: a million comparisons of million-character strings.
SLOW_IN_C = (
    '{% set big = "x" * 999990 %}{% set l = [] %}{% for i in range(100) %}'
    '{% do l.extend([big] * 10000) %}{% endfor %}{{ (big[:-1] ~ "y") in l }}'
)
# Many values, each within bounds: their sum is not.
MANY_VALUES = (
    '{% set big = "x" * 500000 %}{% set keep = [] %}{% for i in range(100000) %}'
    "{% do keep.append(big ~ i) %}{% endfor %}{{ keep|length }}"
)


def test_c_level_work_is_killed_at_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 1.0)
    root = overlay(tmp_path, {"documents/email.j2": SLOW_IN_C})
    start = time.monotonic()
    with pytest.raises(TemplateError, match=r"^email for late-payer: .*longer than 1 s"):
        render.render("email", "late-payer", lang="en", templates=root)
    assert time.monotonic() - start < 1.0 + 1.0


def test_memory_past_the_cap_is_an_error(tmp_path: Path, grown: list[float]) -> None:
    root = overlay(tmp_path, {"documents/email.j2": MANY_VALUES})
    mine = peak()
    with pytest.raises(TemplateError, match=f"more than {sandbox.MAX_MEMORY_MB} MB of memory"):
        render.render("email", "late-payer", lang="en", templates=root)
    assert peak() - mine < MEMORY_MIB
    assert len(grown) == 1 and sandbox.MAX_MEMORY_MB / 2 < grown[0] < MEMORY_MIB


def test_built_in_templates_render_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("a built-in render forked")

    monkeypatch.setattr(os, "fork", no_fork)
    assert "Dear" in render.render("email", "late-payer", lang="en").body


def test_user_templates_render_in_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forks = []
    real_fork = os.fork

    def counted_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(os, "fork", counted_fork)
    root = overlay(tmp_path, {"documents/email.j2": "Short: {{ client.name }}\n"})
    doc = render.render("email", "late-payer", lang="en", templates=root)
    assert doc.body.startswith("Short: ") and forks == [1]


# --- archetype modules: rehearse and batch evaluate them in this process ----------------------

LOOP = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_looping_archetype_stops_rehearse(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 0.5)
    root = overlay(tmp_path, {"archetypes/late-payer/archetype.j2": LOOP})
    start = time.monotonic()
    result = runner.invoke(cli, ["rehearse", "late-payer", "--templates", str(root)], input="\n")
    assert time.monotonic() - start < SECONDS
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert "archetype.j2, line 1: rendering took longer than 0.5 s" in errors[0]


def test_looping_archetype_fails_its_batch_row(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 0.5)
    root = overlay(tmp_path, {"archetypes/late-payer/archetype.j2": LOOP})
    (tmp_path / "clients.csv").write_text("archetype,client\nlate-payer,Acme\n", encoding="utf-8")
    start = time.monotonic()
    result = runner.invoke(cli, ["batch", "clients.csv", "-o", "out", "--templates", str(root)])
    assert time.monotonic() - start < SECONDS
    assert result.exit_code == 1, result.output
    assert "0 of 1 row into" in result.stderr and "Traceback" not in result.output
    failed = (tmp_path / "out" / "failed.csv").read_text(encoding="utf-8")
    assert "archetype.j2, line 1: rendering took longer than 0.5 s" in failed


# --- ordinary templates are untouched ---------------------------------------------------------


def _readme_archetype() -> str:
    """The minimal archetype the README's "Your own templates" section shows."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your own templates", 1)[1].split("\n## ", 1)[0]
    return section.split("```jinja\n", 1)[1].split("```", 1)[0]


OWN_ARCHETYPE = _readme_archetype()


def test_readme_archetype_still_renders(runner: CliRunner, tmp_path: Path) -> None:
    root = overlay(tmp_path, {"archetypes/fence-sitter/archetype.j2": OWN_ARCHETYPE})
    for command in ("script", "email", "notes"):
        result = runner.invoke(
            cli, [command, "fence-sitter", "--templates", str(root), "--client", "Acme"]
        )
        assert result.exit_code == 0, result.output
    assert (
        "Every decision we wait for moves the plan."
        in runner.invoke(cli, ["script", "fence-sitter", "--templates", str(root)]).stdout
    )


def test_overridden_email_still_renders(tmp_path: Path) -> None:
    body = "Dear {{ client.contact }},\n\n{{ a.reason|join('\\n\\n') }}\n"
    root = overlay(tmp_path, {"documents/email.j2": body})
    doc = render.render("email", "late-payer", lang="en", templates=root)
    assert doc.body.startswith("Dear ") and len(doc.body) > 100


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


# --- run_bounded, time_limit, limit_process -----------------------------------------------------


def fail(message: str) -> None:
    raise TemplateError(message)


def test_run_bounded_returns_the_result_and_raises_the_error() -> None:
    assert sandbox.run_bounded(pow, 2, 10) == 1024
    with pytest.raises(TemplateError, match="^a message$"):
        sandbox.run_bounded(fail, "a message")
    with pytest.raises(ZeroDivisionError):
        sandbox.run_bounded(divmod, 1, 0)
    assert sandbox.run_bounded(sandbox.bounded) is True and not sandbox.bounded()


def test_run_bounded_kills_c_level_work_past_the_limit() -> None:
    start = time.monotonic()
    with pytest.raises(LimitError, match="longer than 0.5 s"):
        sandbox.run_bounded(sum, range(10**13), seconds=0.5)  # one C call, minutes long
    assert time.monotonic() - start < 0.5 + 1.0


def test_run_bounded_caps_memory(grown: list[float]) -> None:
    with pytest.raises(LimitError, match="more than 64 MB of memory"):
        sandbox.run_bounded(bytearray, 2**30, memory_mb=64)
    assert len(grown) == 1 and grown[0] < 64


def test_a_child_that_ends_without_a_word_names_the_likely_cause() -> None:
    """A red-team finding of round 26: a template that filled a list past the cap ended its
    process before it could send the error, and the message named no cause and no fix."""
    with pytest.raises(LimitError, match="most likely past the 64 MB memory limit: check"):
        sandbox.run_bounded(os._exit, 3, memory_mb=64)


def test_without_fork_it_runs_here_under_the_alarm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "fork")

    def spin() -> None:
        while True:
            pass

    with pytest.raises(LimitError, match="longer than 0.2 s"):
        sandbox.run_bounded(spin, seconds=0.2)


def test_time_limits_nest() -> None:
    start = time.monotonic()
    with pytest.raises(sandbox.RenderTimeout), sandbox.time_limit(0.3):
        with sandbox.time_limit(5):  # never outlasts the limit around it
            time.sleep(2)
    assert time.monotonic() - start < 1
    with pytest.raises(sandbox.RenderTimeout), sandbox.time_limit(0.3):
        with sandbox.time_limit(0.05):
            pass
        time.sleep(2)  # the outer limit resumes after the inner one
    assert time.monotonic() - start < 2


# --- every command, in a process of its own under a hard ulimit ------------------------------

# An archetype that keeps a million-character text per step: each value is within bounds,
# their sum grows past any cap (5 GB), and no alarm stops it before the cap does.
HOG = (
    '{% set keep = [] %}{% for i in range(5000) %}{% do keep.append("x" * 999990 ~ i) %}'
    "{% endfor %}\n"
)
# The hard limit each command runs under: a regression fails here with MemoryError at this
# size, never taking the machine's memory.
ULIMIT = 2 * 2**30
COMMANDS = {
    "archetypes": (["archetypes"], ""),
    "decide-menu": (["decide"], "\n\n\n"),
    "rehearse": (["rehearse", "hog", "--client", "Acme"], "ok\n"),
    "script": (["script", "hog"], ""),
    "kit": (["kit", "hog", "-o", "kit"], ""),
    "pdf": (["email", "hog", "-o", "letter.pdf"], ""),
    "ics": (["notes", "hog", "-f", "ics"], ""),
    "batch": (["batch", "clients.csv", "-o", "out", "--only", "email"], ""),
    "batch-dry-run": (["batch", "clients.csv", "-o", "out", "--dry-run"], ""),
    # A user's placeholders.j2, which rehearse evaluates in its own process.
    "rehearse-placeholders": (["rehearse", "late-payer", "--client", "Acme"], "ok\n"),
    # A page whose layout, not its rendering, takes the memory: 20,000 paragraphs.
    "pdf-layout": (["email", "diva", "-o", "layout.pdf"], ""),
}


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ULIMIT, ULIMIT))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the cap needs fork and RLIMIT_AS")
@pytest.mark.parametrize(("args", "stdin"), COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_caps_what_a_user_template_may_take(
    tmp_path: Path, args: list[str], stdin: str
) -> None:
    """The memory a user archetype takes is capped at +200 MB in every command that
    evaluates it: the error names breakup's cap, not the ulimit set around the test."""
    if any(arg.endswith(".pdf") for arg in args):
        pytest.importorskip("weasyprint")
    root = overlay(tmp_path, {"archetypes/hog/archetype.j2": HOG + OWN_ARCHETYPE})
    if "layout.pdf" in args:
        paragraphs = "{% for i in range(20000) %}<p>x</p>{% endfor %}"
        (root / "documents").mkdir()
        (root / "documents" / "email.j2").write_text(paragraphs, encoding="utf-8")
    if "late-payer" in args:
        from breakup import resources

        builtin = (resources.templates_dir() / "placeholders.j2").read_text(encoding="utf-8")
        (root / "placeholders.j2").write_text(HOG + builtin, encoding="utf-8")
    (tmp_path / "clients.csv").write_text("archetype,client\nhog,Acme\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "breakup", *args, "--templates", str(root)],
        input=stdin, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
        preexec_fn=_capped,
    )  # fmt: skip
    assert f"more than {sandbox.MAX_MEMORY_MB} MB of memory" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    if args[0] != "batch":  # a batch reports the row, and exits 1 for a failed row
        assert result.returncode == 2, result.stderr
        assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
            line for line in result.stderr.splitlines() if "MB of memory" in line
        ]

"""Robustness and security: every bad input gets one clear line; user templates are sandboxed."""

from __future__ import annotations

import shlex
import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import DATA, FACTS, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakup import catalog, render
from breakup.cli import cli
from breakup.errors import TemplateError
from breakup.models import ClientFacts, Profile
from breakup.publish import OUTPUT_FORMATS, publish

BAD_INPUTS = [
    line.split("\t")
    for line in (DATA / "bad-inputs.tsv").read_text(encoding="utf-8").splitlines()
    if line and not line.startswith("#")
]


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return CliRunner()


@pytest.mark.parametrize(("args", "code", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_table(
    runner: CliRunner, tmp_path: Path, args: str, code: str, message: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[sender]\nnmae = 'x'\n", encoding="utf-8")
    notutf8 = tmp_path / "cp1252.toml"
    notutf8.write_bytes("[sender]\nname = 'Núñez'\n".encode("cp1252"))
    argv = shlex.split(args.format(profile=DATA / "profile.toml", bad_profile=bad, notutf8=notutf8))
    argv = [a.replace("\\n", "\n").replace("\\r", "\r") for a in argv]
    result = runner.invoke(cli, argv)
    assert result.exit_code == int(code), result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# --- user templates ---------------------------------------------------------------------

OWN_ARCHETYPE = """\
{% set default_register = "formal" %}
{% set description = "Keeps changing the brief." %}
{% set key_message = "The brief has changed too often for us to plan the work." %}
{% set reason = "We plan our capacity months ahead." %}
{% set tempted = ["You never know what you want."] %}
{% set why = "It is about planning." %}
{% set keep_in_mind = ["Keep every change in writing."] %}
{% set reactions = [["But it is a small change.", "Every change moves the plan."]] %}
{% set notes_items = ["File every change request."] %}
{% set email_paragraphs = [key_message ~ " " ~ reason] %}
"""


def user_templates(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "mine"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def fresh_environments() -> Any:
    yield
    catalog.environment.cache_clear()


def test_user_archetype_through_the_cli(runner: CliRunner, tmp_path: Path) -> None:
    root = user_templates(tmp_path, {"archetypes/scope-shifter/archetype.j2": OWN_ARCHETYPE})
    result = runner.invoke(
        cli, ["script", "scope-shifter", "--templates", str(root), "--client", "Acme"]
    )
    assert result.exit_code == 0, result.output
    assert "The brief has changed too often" in result.stdout
    assert "Every change moves the plan." in result.stdout


def test_user_template_overrides_a_built_in_one(tmp_path: Path) -> None:
    root = user_templates(tmp_path, {"documents/email.j2": "Short: {{ client.name }}\n"})
    doc = render.render("email", "diva", facts=FACTS, lang="en", templates=root)
    assert doc.body == "Short: Ferretería Núñez\n"


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os.system('echo hi') }}",
        "{{ client.__class__ }}",
        "{{ ''.format.__globals__ }}",
    ],
    ids=["mro", "globals", "class", "format-globals"],
)
def test_unsafe_template_is_refused(tmp_path: Path, body: str) -> None:
    root = user_templates(tmp_path, {"documents/email.j2": body})
    with pytest.raises(TemplateError, match="unsafe|undefined|has no attribute"):
        render.render("email", "diva", lang="en", templates=root)


def test_endless_loop_stops_with_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render, "RENDER_SECONDS", 0.5)
    loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    root = user_templates(tmp_path, {"documents/email.j2": loop})
    with pytest.raises(TemplateError, match="longer than 0.5 s"):
        render.render("email", "diva", lang="en", templates=root)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}", "output grew past"),
        ("{{ 'a' * 10**9 }}", "too large"),
        ("{{ [0] * 10**9 }}", "too large"),
        ("{{ 7 ** 100000000 }}", "too large"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "calls itself"),
    ],
    ids=["output", "string", "list", "power", "recursion"],
)
def test_templates_cannot_exhaust_memory(tmp_path: Path, body: str, message: str) -> None:
    root = user_templates(tmp_path, {"documents/email.j2": body})
    with pytest.raises(TemplateError, match=message):
        render.render("email", "diva", lang="en", templates=root)


def test_template_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    root = user_templates(tmp_path, {"documents/email.j2": "ok\n{% if %}\n"})
    with pytest.raises(TemplateError, match=r"email\.j2, line 2"):
        render.render("email", "diva", lang="en", templates=root)


# --- client data is data ------------------------------------------------------------------


def test_control_characters_are_stripped(profile: Profile) -> None:
    facts = ClientFacts(client="Acme\x07\x1b[31m Ltd\x00", contact="Ann\x08")
    for fmt in ("text", "md", "html"):
        body = render.render("email", "diva", facts=facts, profile=profile, lang="en", fmt=fmt).body
        assert not any(ch in body for ch in "\x00\x07\x08\x1b"), fmt
        assert "Acme" in body and "31m Ltd" in body


# --- offline by design ----------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_rendering_opens_no_network_connection(no_network: None, profile: Profile) -> None:
    pytest.importorskip("weasyprint")
    facts = ClientFacts(
        client="Acme", contact="Ann", client_email="ann@example.com", end_date=FACTS.end_date
    )
    for doc in render.DOCUMENTS:
        for fmt in OUTPUT_FORMATS:
            if fmt == "eml" and doc != "email":
                continue
            out = publish(
                doc, "late-payer", fmt, facts=facts, profile=profile, lang="es", today=TODAY
            )
            assert out.data


# --- random input never crashes -------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
OPTIONS = [
    "--client",
    "--contact",
    "--client-email",
    "--end-date",
    "--pay-by",
    "--outstanding",
    "--currency",
    "--service",
    "--lang",
    "--locale",
    "--format",
]
ARGS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(OPTIONS), TEXT).map(list),
        st.sampled_from([["--formal"], ["--informal"], ["--force"], ["-o", "out.txt"]]),
    ),
    max_size=6,
).map(lambda parts: [item for part in parts for item in part])


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    command=st.sampled_from(["email", "script", "referral", "notes"]),
    archetype=st.sampled_from(["late-payer", "diva", "family-friend", "shouter", "x"]),
    args=ARGS,
)
def test_random_arguments_never_give_a_traceback(
    runner: CliRunner, command: str, archetype: str, args: list[str]
) -> None:
    result = runner.invoke(cli, [command, archetype, *args, "--force"])
    assert result.exit_code in (0, 1, 2), result.output
    assert "Traceback" not in result.output
    assert "unexpected" not in result.stderr, result.stderr
    if result.exit_code != 0:
        assert result.stderr.count("Error:") == 1 or "Usage:" in result.stderr

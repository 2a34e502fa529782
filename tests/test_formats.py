"""Email drafts, HTML pages, Markdown and PDF: what a mail client, a browser or a printer sees."""

from __future__ import annotations

import email
import email.policy
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, FACTS, TODAY

from breakup import catalog
from breakup.cli import cli
from breakup.errors import InputError, OutputError
from breakup.models import ClientFacts, Profile
from breakup.publish import format_for, publish

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
HOSTILE = ClientFacts(
    client="<script>document.title='pwned'</script> & Sons",
    contact="<b>Zoë</b> Núñez",
    client_email="zoe@example.com",
    end_date=FACTS.end_date,
)


def parse(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.strict)
    assert isinstance(message, email.message.EmailMessage)
    return message


@pytest.mark.parametrize("arch", catalog.archetype_ids(), ids=str)
@pytest.mark.parametrize("lang", catalog.languages(), ids=str)
def test_eml_draft_has_headers_and_two_matching_parts(
    arch: str, lang: str, profile: Profile
) -> None:
    out = publish(
        "email", arch, "eml", facts=FACTS, profile=profile, lang=lang, today=TODAY, now=NOW
    )
    message = parse(out.data)
    assert message["From"].addresses[0].display_name == "María Fernández"
    assert message["From"].addresses[0].addr_spec == "maria@estudiolumen.es"
    assert message["To"].addresses[0].display_name == "Laura Gómez"
    assert message["To"].addresses[0].addr_spec == "laura@ferreterianunez.es"
    assert "15" in message["Subject"] and "2027" in message["Subject"]
    assert message["Date"].datetime == NOW
    assert re.fullmatch(r"<[^@>]+@estudiolumen\.es>", message["Message-ID"])
    assert message["X-Unsent"] == "1"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # The same content: every paragraph of the text part is in the HTML part.
    for paragraph in [p for p in text.split("\n\n") if p.strip()]:
        first_line = paragraph.splitlines()[0].strip()
        assert first_line.replace("&", "&amp;") in html
    assert not text.startswith(("Subject", "Asunto"))  # the subject is a header here


def test_eml_encodes_accented_headers_per_rfc_2047(profile: Profile) -> None:
    out = publish("email", "diva", "eml", facts=FACTS, profile=profile, lang="es", now=NOW)
    raw_headers = out.data.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii()
    assert b"=?utf-8?" in raw_headers
    assert parse(out.data)["Subject"].startswith("Fin de nuestra colaboración")


@pytest.mark.parametrize(
    "facts",
    [
        ClientFacts(contact="Ann\r\nBcc: victim@example.com", client_email="a@example.com"),
        ClientFacts(contact="Ann\nX-Evil: 1", client_email="a@example.com"),
    ],
    ids=["crlf", "lf"],
)
def test_line_breaks_in_header_values_are_refused(facts: ClientFacts) -> None:
    with pytest.raises(InputError, match="line break"):
        publish("email", "diva", "eml", facts=facts, lang="en", now=NOW)


def test_invalid_address_is_refused() -> None:
    facts = ClientFacts(client_email="not an address")
    with pytest.raises(InputError, match="name@example.com"):
        publish("email", "diva", "eml", facts=facts, lang="en", now=NOW)


def test_eml_is_only_for_the_email() -> None:
    with pytest.raises(InputError, match="eml is for the email only"):
        publish("script", "diva", "eml", lang="en")


def test_html_escapes_every_user_value(profile: Profile) -> None:
    out = publish(
        "email", "shouter", "html", facts=HOSTILE, profile=profile, lang="en", today=TODAY
    )
    html = out.data.decode()
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&amp; Sons" in html and "&lt;b&gt;Zoë&lt;/b&gt;" in html


def test_html_page_is_self_contained(profile: Profile) -> None:
    for doc in ("email", "script", "referral", "notes"):
        html = publish(
            doc, "diva", "html", facts=FACTS, profile=profile, lang="es", today=TODAY
        ).data.decode()
        assert html.startswith("<!DOCTYPE html>") and '<html lang="es">' in html
        assert "<style>" in html and "@media print" in html
        assert not re.search(r"<(script|img|link|iframe)\b", html)
        assert not re.search(r"(src|href)=|@import|url\(", html)


def test_letters_get_a_letterhead_and_date(profile: Profile) -> None:
    html = publish(
        "referral", "diva", "html", facts=FACTS, profile=profile, lang="es", today=TODAY
    ).data.decode()
    assert 'class="letterhead"' in html and "María Fernández" in html
    assert "1 de diciembre de 2026" in html


def test_markdown_escapes_user_values() -> None:
    facts = ClientFacts(client="*Acme* [link](http://x)", contact="Ann_Lee")
    body = publish("email", "diva", "md", facts=facts, lang="en").data.decode()
    assert r"\*Acme\* \[link\](http://x)" in body and r"Ann\_Lee" in body


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("x.eml", "eml"),
        ("x.HTML", "html"),
        ("x.md", "md"),
        ("x.pdf", "pdf"),
        ("x.txt", "text"),
        ("x.doc", "text"),
    ],
    ids=["eml", "html", "md", "pdf", "txt", "other"],
)
def test_format_follows_the_output_extension(name: str, fmt: str) -> None:
    assert format_for(None, Path(name)) == fmt
    assert format_for("md", Path(name)) == "md"


def test_pdf_without_weasyprint_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(OutputError, match=r"pip install 'breakup\[pdf\]'"):
        publish("email", "diva", "pdf", lang="en")


def test_pdf_is_the_printed_page(profile: Profile, tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    letter = publish("email", "diva", "pdf", facts=FACTS, profile=profile, lang="es", today=TODAY)
    assert letter.data.startswith(b"%PDF") and letter.binary
    script = publish(
        "script", "late-payer", "pdf", facts=FACTS, profile=profile, lang="es", today=TODAY
    )
    if shutil.which("pdftotext"):
        path = tmp_path / "script.pdf"
        path.write_bytes(script.data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Guion de la llamada" in text
        assert text.count("\f") > 1 and re.search(r"^1\s*/\s*\d$", text, re.M)
        path.write_bytes(letter.data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert text.count("\f") == 1 and not re.search(r"^1\s*/\s*1$", text, re.M)


def test_cli_writes_pdf_only_to_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["email", "diva", "--format", "pdf"])
    assert result.exit_code == 2 and "give -o FILE" in result.stderr


def test_cli_eml_draft_warns_when_there_is_no_recipient(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["email", "diva", "-o", "draft.eml", "--profile", str(DATA / "profile.toml")]
    )
    assert result.exit_code == 0, result.output
    assert "--client-email" in result.stderr
    message = parse((tmp_path / "draft.eml").read_bytes())
    assert message["To"] is None and message["X-Unsent"] == "1"


def test_kit_takes_a_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["kit", "diva", "-o", "out", "--format", "html", "--profile", str(DATA / "profile.toml")],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".html"] * 4

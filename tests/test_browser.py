"""The HTML pages in a real browser (headless Chromium): what a person would see."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FACTS, TODAY

from breakup.models import ClientFacts, Profile
from breakup.publish import publish

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI sets BREAKUP_REQUIRE_BROWSER=1 after installing Chromium: there a missing browser fails.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("BREAKUP_REQUIRE_BROWSER"),
    reason="Chromium not installed (apt-get install chromium)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = ClientFacts(
    client="<script>document.title='pwned'</script> & Sons",
    contact="<b>Zoë</b> Núñez",
    end_date=FACTS.end_date,
)


def chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM, "Chromium is required here"
    result = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def visible_text(tmp_path: Path, page: Path) -> str:
    """Print the page to PDF as a user would, and read the text back."""
    pdf = tmp_path / "printed.pdf"
    chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("lang", ["en", "es"])
def test_browser_shows_client_data_as_text_and_runs_nothing(
    tmp_path: Path, profile: Profile, lang: str
) -> None:
    page = tmp_path / "email.html"
    page.write_bytes(
        publish(
            "email", "late-payer", "html", facts=HOSTILE, profile=profile, lang=lang, today=TODAY
        ).data
    )
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert "<title>pwned</title>" not in dom
    assert dom.count("<script") == 0
    text = " ".join(visible_text(tmp_path, page).split())
    assert "<script>document.title='pwned'</script> & Sons" in text
    greeting = {"en": "Dear <b>Zoë</b>,", "es": "Buenos días, <b>Zoë</b>:"}[lang]
    assert greeting in text
    assert "María Fernández" in text  # the letterhead


@pytest.mark.parametrize("document", ["email", "script", "referral", "notes"])
def test_every_document_renders_its_text_in_the_browser(
    tmp_path: Path, profile: Profile, document: str
) -> None:
    page = tmp_path / f"{document}.html"
    rendered = publish(
        document, "diva", "html", facts=FACTS, profile=profile, lang="es", today=TODAY
    )
    page.write_bytes(rendered.data)
    text = " ".join(visible_text(tmp_path, page).split())
    assert rendered.document.subject in text
    assert "Ferretería Núñez" in text or document in ("email", "referral")

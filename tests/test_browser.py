"""The HTML pages and the mail drafts' HTML in a real browser (headless Chromium)."""

from __future__ import annotations

import email
import email.policy
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import FACTS, TODAY

from breakup import registry
from breakup.models import ClientFacts, Profile
from breakup.publish import publish
from breakup.safehtml import POLICY_META

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# CI sets BREAKUP_REQUIRE_BROWSER=1 after installing Chromium: there a missing browser fails.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("BREAKUP_REQUIRE_BROWSER"),
    reason="Chromium not installed (apt-get install chromium)",
)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync"]  # fmt: skip
HOSTILE = ClientFacts(
    client="<script>document.title='pwned'</script> & Sons",
    contact="<b>Zoë</b> Núñez",
    end_date=FACTS.end_date,
)


def chromium(tmp_path: Path, *args: str) -> str:
    assert CHROMIUM, "Chromium is required here"
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
                            capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    return result.stdout


def visible_text(tmp_path: Path, page: Path) -> str:
    """Print the page to PDF as a user would, and read the text back."""
    pdf = tmp_path / "printed.pdf"
    chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_client_data_shows_as_text_and_runs_nothing(
    tmp_path: Path, profile: Profile, lang: str
) -> None:
    page = tmp_path / "script.html"
    out = publish(
        "script", "late-payer", "html", facts=HOSTILE, profile=profile, lang=lang, today=TODAY
    )
    page.write_bytes(out.data)
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert "pwned</title>" not in dom and dom.count("<script") == 0
    text = " ".join(visible_text(tmp_path, page).split())
    assert "<script>document.title='pwned'</script> & Sons" in text


@pytest.mark.parametrize("document", list(registry.DOCUMENTS))
def test_every_document_shows_its_text(tmp_path: Path, profile: Profile, document: str) -> None:
    page = tmp_path / f"{document}.html"
    rendered = publish(
        document, "diva", "html", facts=FACTS, profile=profile, lang="es", today=TODAY
    )
    page.write_bytes(rendered.data)
    text = " ".join(visible_text(tmp_path, page).split())
    assert " ".join(rendered.document.subject.split()) in text


def _mail_html(profile: Profile, lang: str) -> str:
    out = publish(
        "email", "late-payer", "eml", facts=FACTS, profile=profile, lang=lang, today=TODAY
    )
    message = email.message_from_bytes(out.data, policy=email.policy.default)
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


@pytest.mark.parametrize("width", [360, 600, 1024])
def test_the_mail_html_fits_a_mail_client(tmp_path: Path, profile: Profile, width: int) -> None:
    """The draft's HTML part reads like a person's email at phone and desktop widths: no page
    frame, no card, no grey background, and nothing wider than the window."""
    html = _mail_html(profile, "es")
    for page_style in ("box-shadow", "42rem", "#f4f4f2", "letterhead"):
        assert page_style not in html
    # The probe is a script: the page's own policy would stop it.
    probe = html.replace(POLICY_META, "").replace(
        "</body>",
        "<script>document.title = document.documentElement.scrollWidth + 'x' + "
        "window.innerWidth;</script></body>",
    )
    page = tmp_path / "mail.html"
    page.write_text(probe, encoding="utf-8")
    dom = chromium(tmp_path, f"--window-size={width},900", "--dump-dom", page.as_uri())
    found = re.search(r"<title>(\d+)x(\d+)</title>", dom)
    assert found, dom[:300]
    assert int(found.group(1)) <= int(found.group(2)), "the text is wider than the window"


def test_the_pages_policy_stops_what_a_template_might_slip_in(
    tmp_path: Path, profile: Profile
) -> None:
    """The page's Content-Security-Policy is the backstop of the template check: a script and
    a remote image in the page neither run nor load (without the policy, both do)."""
    import http.server
    import threading

    from breakup.safehtml import POLICY_META

    hits: list[str] = []

    class Count(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Count)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    slipped = (f'<img src="http://127.0.0.1:{server.server_port}/px.png">'
               "<script>document.title = 'ran'</script></body>")  # fmt: skip
    out = publish("email", "late-payer", "html", facts=FACTS, profile=profile, lang="en",
                  today=TODAY)  # fmt: skip
    html = out.data.decode("utf-8")
    try:
        for policy, expected in ((True, False), (False, True)):
            page = tmp_path / f"page-{policy}.html"
            text = html if policy else html.replace(POLICY_META, "")
            page.write_text(text.replace("</body>", slipped), encoding="utf-8")
            hits.clear()
            dom = chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom", page.as_uri())
            assert ("<title>ran</title>" in dom) is expected
            assert bool(hits) is expected, hits
    finally:
        server.shutdown()
        server.server_close()

"""Print an HTML page to PDF with WeasyPrint, an optional extra.

The page is breakup's own and self-contained, but a user template may put anything in it:
WeasyPrint gets a URL fetcher that refuses every URL, so a PDF never fetches from the network
and never embeds a local file.
"""

from __future__ import annotations

from typing import Any

from breakup.errors import OutputError
from breakup.i18n import _

# Added only when the document runs over one page.
_PAGE_NUMBERS = (
    "@page { @bottom-center { content: counter(page) ' / ' counter(pages);"
    " font-size: 9pt; color: #555; } }"
)


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: nothing is fetched, whatever the page asks for."""
    raise ValueError(f"breakup fetches nothing ({url[:80]})")


def _fetcher() -> Any:
    """The refusing fetcher in the form this WeasyPrint takes: a URLFetcher (68 and later)
    or a function (earlier)."""
    try:
        from weasyprint.urls import URLFetcher
    except ImportError:
        return refuse_fetch

    class Refuse(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            return refuse_fetch(url)

    return Refuse()


def html_to_pdf(html: str) -> bytes:
    """Return the PDF of a page, with page numbers when it has more than one."""
    try:
        from weasyprint import CSS, HTML
    except ImportError:
        raise OutputError(
            _("PDF output needs WeasyPrint: install it with pip install 'breakup[pdf]' (or pip "
              "install '.[pdf]' from a checkout)")
        ) from None  # fmt: skip
    except OSError as error:  # WeasyPrint is there, the system libraries it needs are not
        raise OutputError(
            _("PDF output needs the Pango library, which WeasyPrint could not load ({problem}): "
              "install it (Debian/Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0; macOS: "
              "brew install pango)").format(problem=str(error).splitlines()[0][:120])
        ) from None  # fmt: skip
    import logging

    # WeasyPrint logs each refused resource as a warning; the refusal is the point.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fetcher = _fetcher()
    page = HTML(string=html, url_fetcher=fetcher, base_url=None)
    document = page.render()
    if len(document.pages) > 1:
        document = page.render(stylesheets=[CSS(string=_PAGE_NUMBERS, url_fetcher=fetcher)])
    return bytes(document.write_pdf())

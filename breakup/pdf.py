"""Print an HTML page to PDF with WeasyPrint, an optional extra."""

from __future__ import annotations

from breakup.errors import OutputError

# Added only when the document runs over one page.
_PAGE_NUMBERS = (
    "@page { @bottom-center { content: counter(page) ' / ' counter(pages);"
    " font-size: 9pt; color: #555; } }"
)


def html_to_pdf(html: str) -> bytes:
    """Return the PDF of a page, with page numbers when it has more than one."""
    try:
        from weasyprint import CSS, HTML
    except ImportError:
        raise OutputError(
            "PDF output needs WeasyPrint: install it with pip install 'breakup[pdf]' "
            "(or pip install '.[pdf]' from a checkout)"
        ) from None
    page = HTML(string=html)
    document = page.render()
    if len(document.pages) > 1:
        document = page.render(stylesheets=[CSS(string=_PAGE_NUMBERS)])
    return bytes(document.write_pdf())

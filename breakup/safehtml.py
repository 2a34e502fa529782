"""What an HTML page or draft made from user templates may hold: markup and text, and nothing
that runs or fetches (no script, no frame, no remote image or style, no event handler).

breakup's own pages carry a Content-Security-Policy that forbids both (see POLICY); a page
from user templates is checked, element by element, and refused if it asks for more. The
policy is what a browser enforces; the check is for mail clients, which read no policy.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from breakup.errors import TemplateError
from breakup.i18n import _

# In every page's <head> (templates/formats/page.j2): nothing loads, nothing runs; inline
# styles and images written into the page (data: URLs) still show.
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
POLICY_META = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'

# Markup for text: what a letter, a list or a table needs.
_ELEMENTS = frozenset(
    "html head body title meta style main header footer section article nav aside div span p br "
    "hr h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table thead tbody tfoot tr th td caption colgroup col "
    "strong em b i u s small big sub sup mark q cite abbr time address blockquote pre code kbd "
    "samp var del ins figure figcaption details summary wbr a img label font center".split()
)
_ATTRIBUTES = frozenset(
    "class id lang dir title style role alt width height align valign colspan rowspan scope "
    "headers start reversed type value datetime charset name content open border cellpadding "
    "cellspacing bgcolor color face size href src".split()
)
# Where a link may lead (followed only when clicked): the web, mail, the phone, the page.
_LINK = re.compile(r"(?:https?:|mailto:|tel:|#)", re.I)
# Images written into the page; an SVG image could hold anything, so it is not one of them.
_IMAGE = re.compile(r"data:image/(?:png|gif|jpeg|webp)[;,]", re.I)
# What a browser drops from a URL before reading its scheme.
_URL_IGNORED = re.compile(r"[\x00-\x20]")
# CSS that fetches or runs: url() (but data: URLs), @import, and the functions taking a URL.
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.S)
_CSS_FETCH = re.compile(
    r"@import|(?<![\w-])(?:-[a-z]+-)?(?:url|src|image|image-set|cross-fade|element|expression"
    r"|paint)\s*\((?!\s*['\"]?\s*data:image/(?:png|gif|jpeg|webp)[;,])|behaviou?r\s*:|binding"
)
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.I)


def check_page(page: str, what: str) -> str:
    """Return an HTML page made from user templates, with the policy in its <head>; raise
    TemplateError naming the first thing it holds that would run or fetch.

    `what` names the document, for the error.
    """
    checker = _Checker(page)
    checker.feed(page)
    checker.close()
    if checker.problem is not None:
        raise TemplateError(
            _(
                "{what}: the HTML of your templates holds {problem}, which could run or fetch "
                "something when the page or draft is opened: breakup writes neither; remove it "
                "from your templates"
            ).format(what=what, problem=checker.problem)
        )
    if checker.has_policy:
        return page
    # Right after <head>, else first (after a doctype): a policy applies to what follows it.
    at = checker.head_end
    if at is None:
        doctype = _DOCTYPE.match(page)
        at = doctype.end() if doctype else 0
    return f"{page[:at]}\n{POLICY_META}{page[at:]}" if at else f"{POLICY_META}\n{page}"


class _Checker(HTMLParser):
    """Record the first element, attribute or style that is not plain markup."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.problem: str | None = None
        self.has_policy = False
        self.head_end: int | None = None
        self._raw: str | None = None  # the element whose text is CSS (style)
        self._line_starts = [0, *(m.end() for m in re.finditer("\n", page))]

    def _refuse(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def _offset(self) -> int:
        """Where the tag being read starts in the page."""
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def handle_decl(self, decl: str) -> None:
        if decl.lower().split() != ["doctype", "html"]:
            self._refuse(f"<!{_short(decl)}>")

    def unknown_decl(self, data: str) -> None:
        self._refuse(f"<![{_short(data)}]>")

    def handle_pi(self, data: str) -> None:
        self._refuse(f"<?{_short(data)}>")

    def handle_comment(self, data: str) -> None:
        # Conditional comments (<!--[if mso]>) are markup to some mail clients.
        if "<" in data or data.lstrip().startswith("["):
            self._refuse(f"<!--{_short(data)}-->")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ELEMENTS:
            self._refuse(f"<{_short(tag)}>")
            return
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and "http-equiv" in values:
            if values["http-equiv"].lower() == "content-security-policy" and (
                values.get("content") == POLICY
            ):
                self.has_policy = True
                return
            self._refuse(f'<meta http-equiv="{_short(values["http-equiv"])}">')
            return
        for name, value in values.items():
            self._attribute(tag, name, value)
        if tag == "head":
            self.head_end = self._offset() + len(self.get_starttag_text() or "")
        if tag == "style":
            self._raw = tag

    def _attribute(self, tag: str, name: str, value: str) -> None:
        shown = f'<{tag} {_short(name)}="{_short(value)}">'
        if name not in _ATTRIBUTES:
            self._refuse(shown)
        elif name == "href":
            if tag != "a" or not _LINK.match(_URL_IGNORED.sub("", value)):
                self._refuse(shown)
        elif name == "src":
            if tag != "img" or not _IMAGE.match(_URL_IGNORED.sub("", value)):
                self._refuse(shown)
        elif name == "style":
            self._css(value, shown)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw is not None:
            # A browser may end a style where this parser does not (</style x>): no markup
            # inside one.
            if "<" in data:
                self._refuse(f"<style>{_short(data)}</style>")
            self._css(data, f"<style>{_short(data)}</style>")

    def _css(self, css: str, shown: str) -> None:
        plain = _CSS_COMMENT.sub("", _CSS_ESCAPE.sub(_unescape, css)).lower()
        if _CSS_FETCH.search(plain):
            self._refuse(shown)


def _unescape(m: re.Match[str]) -> str:
    if m.group(1):
        code = int(m.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
    return m.group(2)


def _short(text: str, limit: int = 60) -> str:
    from breakup.terminal import printable

    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"

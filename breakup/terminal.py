"""Text from the user's files and names, made safe to print on a terminal or in a log line."""

from __future__ import annotations

import re

# What a terminal or a line-based reader would act on rather than show: C0 controls (ESC,
# BEL, CR, LF, TAB), DEL, C1 controls (NEL, CSI), the line and paragraph separators, and the
# bidirectional controls that reorder what is shown (Trojan Source).
_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """Return text with each control character written as an escape (\\n, \\x1b, \\u2028),
    so that it is shown, never acted on: no escape sequence, no line of its own."""
    return _UNSAFE.sub(_escape, text) if _UNSAFE.search(text) else text


def _escape(m: re.Match[str]) -> str:
    char = m.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def json_safe(text: str) -> str:
    """Return JSON text with the controls json.dumps leaves as they are (DEL, C1, separators,
    bidi controls) written as \\u escapes: the same value, read back."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

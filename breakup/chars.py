"""Character classes more than one module needs: what is invisible, what is an address."""

from __future__ import annotations

import re

# What a text may hide between letters: the soft hyphen, the combining grapheme joiner, the
# Arabic letter mark, the Hangul and Khmer fillers, Mongolian and other variation selectors,
# zero-width spaces and joiners, bidi marks, overrides and isolates, word joiners, the BOM,
# tags. The body of a regex character class.
INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U000e0000-\U000e007f"
)

# An email address or a link: it names a place, so it is neither words nor a language.
ADDRESS = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+", re.IGNORECASE)

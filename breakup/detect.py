"""Tell whether a draft reads as English or Spanish, without any dependency.

A score per language: its frequent function words, counted once per occurrence, and
for Spanish its own marks (ñ, ¿, ¡, accented vowels). The draft's language is the one
that leads by a clear margin; a short or mixed draft gets None, and the caller keeps the
language it had::

    from breakup.detect import detect_language
    detect_language("Es usted un moroso.")  # "es"
"""

from __future__ import annotations

import re

from breakup import chars

# How much of a long draft is read: the first paragraphs decide.
SAMPLE_CHARS = 20_000
# A language must score at least this much, and this many times its rival.
MIN_SCORE = 2
MIN_RATIO = 2.0

# Words frequent in one language and rare in the other: "a", "me", "no", "he", "has",
# "son", "once" and "era" are words in both, so neither list has them.
_WORDS = {
    "en": frozenset(
        """the and to of you your is are was were we i it that this for with on have be
        not but my our will would can please us they them from at by as an do does if so
        what been all or there their which about just i'm don't it's you're we're can't
        won't i've we've i'll we'll you've didn't doesn't isn't any how when who why again
        thank thanks hope sorry should could than then some more very really know want""".split()
    ),
    "es": frozenset(
        """el la los las de del que y en un una unos unas por con para es su sus usted
        ustedes te le lo les se nos al pero como mas más muy ya esto este esta eso porque
        cuando también tambien hemos ha han hay sido estoy estamos eres soy somos nuestro
        nuestra gracias favor siempre nunca todo todos sin sobre hasta desde donde qué
        quién pues ni tu tú está esta están vez ser hacer puede podemos quiero mucho""".split()
    ),
}
_SPANISH_MARKS = re.compile(r"[ñ¿¡áéíóúü]")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def language_scores(text: str) -> dict[str, int]:
    """Return each language's score for the beginning of `text`."""
    sample = chars.ADDRESS.sub(" ", text[:SAMPLE_CHARS].lower())  # "josé@compañía.es"
    scores = dict.fromkeys(_WORDS, 0)
    for m in _WORD.finditer(sample):
        word = m.group().replace("’", "'")
        for lang, words in _WORDS.items():
            if word in words:
                scores[lang] += 1
    scores["es"] += len(_SPANISH_MARKS.findall(sample))
    return scores


def detect_language(text: str) -> str | None:
    """Return "en" or "es" when `text` clearly reads as one of them, else None."""
    scores = language_scores(text)
    (best, top), (_, second) = sorted(scores.items(), key=lambda item: -item[1])[:2]
    if top >= MIN_SCORE and top >= MIN_RATIO * second:
        return best
    return None

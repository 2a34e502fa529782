"""Score a sentence with the learned tone model: a logistic regression over hashed features.

The phrase rules catch the patterns someone wrote down; the model catches sentences that
read like the flagged sentences of its training data without using any listed phrase
(irony, insinuation, a threat worded a new way). Its weights are data, one file per
language (`locales/<lang>/tone-model.json`), written by `python -m breakup.tone_train`
from the training corpus; nothing here learns anything.

A sentence's features are strings, each hashed to one of 2**HASH_BITS buckets: its folded
words and word pairs, the 3- to 5-letter pieces of each word (so "pagaste" and "pagaron"
share "pag"), the rule categories that matched it, its punctuation, capitals and the
words addressing the reader or speaking for the writer. The score is the logistic of the
bias plus the weights of its features, each scaled by 1/sqrt(number of features) so that
a long sentence scores like a short one. Scoring is linear in the sentence's length.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from breakup import chars
from breakup.errors import BreakupError

MODEL_FILE = "tone-model.json"
FORMAT = 1
HASH_BITS = 20
_MASK = (1 << HASH_BITS) - 1
# Weights are stored as whole numbers of this unit, to keep the file small.
WEIGHT_UNIT = 1e-4
# A sentence longer than this is scored (and reported) in parts cut at a space.
MAX_SENTENCE = 400
# A shorter sentence ("Maybe.", "Take your time.") is too short for the model to judge.
MIN_WORDS = 4
# Letters each followed by a full stop, two or more: initials ("j.r.r.", "j. r.").
_INITIALS = re.compile(r"(?<!\w)(?:[^\W\d_]\.\s?){2,}")

# Words, numbers (all one feature: a dated or counted record reads as a fact), and the
# punctuation that carries tone: runs of ! and ?, ellipses, quotes, winks and frowns.
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+(?:[.,:/]\d+)*|[!?¡¿]+|\.\.+|…|\"|[:;]-?[()]")
# A sentence ends at its closing marks (and quotes) before a space and a word that does not
# start in lower case, unless they follow a one-letter word (the full stops of "S.A. de
# C.V., y…", "S. Coop." or "J. Smith" end nothing), at a blank line, or before a line that
# starts a list item.
_SENTENCE_END = re.compile(
    r"(?<!\b[^\W\d_])[.!?…]+[\"'”’»)\]]*(?=\Z|\s(?!\s{0,3}[a-zß-öø-ÿ]))"
    r"|\n[^\S\n]*\n|\n(?=[^\S\n]*(?:[-*•+>]|\d{1,3}[.)])[^\S\n])"
)
# A word of four letters or more, counted as shouted when it is all capitals.
_LONG_WORD = re.compile(r"(?<!\w)[^\W\d_]{4,}(?!\w)")


class Words(NamedTuple):
    """The words a language's rule file lists for the model ([model] in tone.toml).

    Fields: second_person (words addressing the reader: you, usted, tu...), first_person
    (words speaking for the writer: I, we, yo, nosotros...).
    """

    second_person: frozenset[str]
    first_person: frozenset[str]


class Model(NamedTuple):
    """A language's tone model: bucket -> weight, the bias, and the decision threshold.

    A sentence is flagged when its logit (bias plus scaled weights) reaches `cutoff`, the
    logit of `threshold` (a probability, chosen by cross-validation when training).
    """

    weights: dict[int, float]
    bias: float
    threshold: float
    cutoff: float


def score(model: Model, folded: str, original: str, words: Words) -> float:
    """Return the logit of a sentence no rule matched, or -inf when it is too short."""
    if not long_enough(folded):
        return -math.inf
    return logit(model, *vector(_features(_tokens(folded), folded, original, (), words)))


def long_enough(folded: str) -> bool:
    """Tell whether the model judges a sentence: it has MIN_WORDS words or more. Initials
    ("J.R.R.") are no words: "Signed, J.R.R." is not a sentence to judge."""
    return _words(_tokens(_INITIALS.sub(" ", folded))) >= MIN_WORDS


def _tokens(folded: str) -> list[str]:
    return _TOKEN.findall(chars.ADDRESS.sub(" ", folded))  # an address is not words


def _words(tokens: list[str]) -> int:
    return sum(1 for token in tokens if token[0].isalpha())


def features(folded: str, original: str, hits: Iterable[str], words: Words) -> Iterator[str]:
    """Yield the feature strings of one sentence, given folded and as written.

    `hits` are the ids of the rule categories that matched the sentence.
    """
    return _features(_tokens(folded), folded, original, hits, words)


def _features(
    tokens: list[str], folded: str, original: str, hits: Iterable[str], words: Words
) -> Iterator[str]:
    you = me = numbers = 0
    previous = "<s>"
    names = _names(original)
    for token in tokens:
        if token[0].isdigit():
            token = "0"
            numbers += 1
        elif token in names:
            token = NAME
        yield from _token_features(token)
        yield f"b {previous} {token}"
        previous = token
        you += token in words.second_person
        me += token in words.first_person
    yield f"b {previous} </s>"
    for hit in hits:
        yield f"r {hit}"
    yield f"y {min(you, 3)}"
    yield f"i {min(me, 3)}"
    if you and me:
        yield "y&i"
    if numbers:
        yield "n"
    if "!" in folded:
        yield "p !" if folded.count("!") == 1 else "p !!"
    if "?" in folded:
        yield "p ?"
    capitals = sum(1 for m in _LONG_WORD.finditer(original) if m.group().isupper())
    if capitals:
        yield f"k {min(capitals, 2)}"


# A name is no evidence either way: "doña María Dolores" or "Tipos Llorens" must not score
# like "dolores" (pains) or "lloran" (they cry). A word written with a capital and then
# lower case, not first in its sentence, counts as a name: one token for all of them.
NAME = "<name>"
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;\n(\"“«—–-])\s*$")


def _names(original: str) -> frozenset[str]:
    """Return the folded words of `original` that are written as names."""
    found = set()
    for m in _WORD.finditer(original):
        word = m.group()
        if len(word) < 2 or not word[0].isupper() or not word[1:].islower():
            continue
        if _SENTENCE_START.search(original[max(0, m.start() - 3) : m.start()]):
            continue
        decomposed = unicodedata.normalize("NFKD", word)
        found.add("".join(c for c in decomposed if not unicodedata.combining(c)).lower())
    return frozenset(found)


@functools.lru_cache(maxsize=1 << 15)
def _token_features(token: str) -> tuple[str, ...]:
    """Return a token's own features: the word, and its letter 3- to 5-grams."""
    if not token[0].isalpha():
        return (f"w {token}",)
    marked = f"<{token}>"
    grams = [f"w {token}"]
    for size in (3, 4, 5):
        grams.extend(f"c {marked[i : i + size]}" for i in range(len(marked) - size + 1))
    return tuple(grams)


@functools.lru_cache(maxsize=1 << 16)
def bucket(feature: str) -> int:
    """Return the hash bucket of a feature string (CRC-32: the same on every platform)."""
    return zlib.crc32(feature.encode("utf-8")) & _MASK


def vector(found: Iterable[str]) -> tuple[list[int], float]:
    """Return the buckets of the features (repeats kept) and their common scale."""
    buckets = [bucket(f) for f in found]
    return buckets, 1 / math.sqrt(len(buckets)) if buckets else 0.0


def logit(model: Model, buckets: list[int], scale: float) -> float:
    """Return the model's logit for a vector (see `vector`)."""
    weights = model.weights
    return model.bias + scale * sum(weights.get(b, 0.0) for b in buckets)


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of the sentences of `text`, without surrounding spaces.

    One pass over the text; a sentence over MAX_SENTENCE characters comes in parts cut
    at a space, so every part, and the report of it, has a bounded size.
    """
    start = 0
    for m in _SENTENCE_END.finditer(text):
        yield from _parts(text, start, m.end())
        start = m.end()
    yield from _parts(text, start, len(text))


def _parts(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


@functools.cache
def load_model(path: Path) -> Model:
    """Read a model file, or raise BreakupError naming the file and the problem."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise BreakupError(f"{path}: cannot read the tone model: {exc.strerror}") from exc
    except ValueError as exc:
        raise BreakupError(f"{path}: invalid JSON: {exc}") from exc
    try:
        return from_data(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise BreakupError(f"{path}: not a tone model of format {FORMAT}: {exc!r}") from None


def from_data(data: dict[str, Any]) -> Model:
    """Build a Model from the content of a model file (see breakup.tone_train.to_data)."""
    if data["format"] != FORMAT or data["hash_bits"] != HASH_BITS:
        raise ValueError("format or hash_bits")
    buckets, units = data["buckets"], data["weights"]
    if len(buckets) != len(units):
        raise ValueError("buckets and weights differ in length")
    weights: dict[int, float] = {}
    position = 0
    for step, unit in zip(buckets, units, strict=True):
        position += step  # the buckets are stored as increasing steps
        weights[position] = unit * WEIGHT_UNIT
    threshold = float(data["threshold"])
    if not 0 < threshold < 1:
        raise ValueError("threshold")
    cutoff = math.log(threshold / (1 - threshold))
    return Model(weights, float(data["bias"]), threshold, cutoff)

"""How well the tone check does on sentences it was not written from, and on the issue's lines.

The corpus in tests/data/tone/corpus/ was written by four writers who never saw the rules
(personas: angry freelancer, passive-aggressive agency, over-apologetic beginner, neutral
professional). The rules were tuned on dev.*.tsv, and the learned model trained on it
among others; test.*.tsv is frozen: its content is pinned by a hash, it is never training
data, and only the aggregate figures below are ever computed on it. A quarter of the two
new writers' sentences (tests/data/tone/train/) is held out of training by a fixed seed:
a second measure.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import DATA

from breakup import tone_train
from breakup.check import check_text

TONE = DATA / "tone"
CORPUS = TONE / "corpus"
LANGUAGES = ["en", "es"]

# sha256 of the frozen test split, as the corpus writers committed it. Never update these
# to make a test pass: a changed split is no longer a measure of anything.
TEST_SPLIT_SHA256 = {
    "en": "883fe833c989f3eba6fbf058a28b3a87ecf1377d1318a91a3fd1e29a3bb11d02",
    "es": "781ef231a057acbc4f8b7a7df42e4302855755d99db2848afcba470e5eab1d86",
}
# The figures the README reports for the frozen test split: (flagged caught, flagged,
# neutral flagged, neutral), rules and model together, measured once after training.
# The test fails when the check does worse than this.
TEST_FIGURES = {"en": (79, 90, 1, 90), "es": (81, 90, 4, 90)}
# The same for the new writers' held-out quarter.
HELD_OUT_FIGURES = {"en": (368, 426, 11, 431), "es": (371, 432, 23, 435)}
# The issue's target. The frozen split is still short of it (see the README): the dev
# split and the author's probes are held to it, the frozen split to what it measured.
TARGET_RECALL, TARGET_FALSE_POSITIVES = 0.95, 0.05


class Measure(NamedTuple):
    """Counts on one split: flagged sentences caught, neutral sentences flagged."""

    caught: int
    flagged: int
    false_positives: int
    neutral: int

    @property
    def recall(self) -> float:
        return self.caught / self.flagged

    @property
    def false_positive_rate(self) -> float:
        return self.false_positives / self.neutral


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """Read (label, sentence) rows: label flag or ok, the sentence in the last column."""
    rows = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        assert columns[0] in ("flag", "ok") and len(columns) >= 2, f"{path.name}:{number}"
        rows.append((columns[0], columns[-1]))
    return rows


def measure(rows: list[tuple[str, str]], lang: str) -> Measure:
    flagged = [s for label, s in rows if label == "flag"]
    neutral = [s for label, s in rows if label == "ok"]
    return Measure(
        caught=sum(1 for s in flagged if check_text(s, lang)),
        flagged=len(flagged),
        false_positives=sum(1 for s in neutral if check_text(s, lang)),
        neutral=len(neutral),
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_test_split_is_frozen(lang: str) -> None:
    data = (CORPUS / f"test.{lang}.tsv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == TEST_SPLIT_SHA256[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_frozen_test_split_keeps_the_readme_figures(lang: str) -> None:
    """Recall and false positives on sentences the rules were never tuned on.

    Only aggregate counts are computed and reported: a failure names no sentence.
    """
    found = measure(read_labelled(CORPUS / f"test.{lang}.tsv"), lang)
    caught, flagged, false_positives, neutral = TEST_FIGURES[lang]
    print(f"\n{lang} test split: {found}")
    assert (found.flagged, found.neutral) == (flagged, neutral)
    assert found.caught >= caught, "recall dropped below the README figure"
    assert found.false_positives <= false_positives, "false positives rose above the README"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_held_out_new_writers_keep_the_readme_figures(lang: str) -> None:
    """Recall and false positives on the quarter of the new writers' sentences that
    training never saw (their other three quarters are training data)."""
    _train, held = tone_train.load_rows(lang)
    rows = [("flag" if row.flagged else "ok", row.text) for row in held]
    found = measure(rows, lang)
    caught, flagged, false_positives, neutral = HELD_OUT_FIGURES[lang]
    print(f"\n{lang} held out: {found}")
    assert (found.flagged, found.neutral) == (flagged, neutral)
    assert found.caught >= caught, "recall dropped below the README figure"
    assert found.false_positives <= false_positives, "false positives rose above the README"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_dev_split_reaches_the_target(lang: str) -> None:
    """The split the rules were tuned on: a check of the tuning, not a measure."""
    found = measure(read_labelled(CORPUS / f"dev.{lang}.tsv"), lang)
    assert found.flagged >= 80 and found.neutral >= 80
    assert found.recall >= TARGET_RECALL
    assert found.false_positive_rate <= TARGET_FALSE_POSITIVES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_authors_probes_still_pass(lang: str) -> None:
    """Sentences written while widening the rules; a regression set, never a measure."""
    found = measure(read_labelled(TONE / f"probes.{lang}.tsv"), lang)
    assert found.recall >= TARGET_RECALL
    assert found.false_positive_rate <= TARGET_FALSE_POSITIVES


ISSUE_LINES = [
    ("en", "You are a bully."),
    ("en", "You are a deadbeat."),
    ("en", "You people are impossible."),
    ("en", "Don't expect a reference from us."),
    ("es", "Es usted un moroso."),
    ("es", "Eres un moroso."),
    ("es", "siempre me sales con excusas"),
    ("es", "tomaré medidas legales"),
    ("es", "Ojalá te vaya bonito"),
    ("es", "Ya era hora"),
]


@pytest.mark.parametrize(("lang", "text"), ISSUE_LINES, ids=[t for _, t in ISSUE_LINES])
def test_the_lines_quoted_in_the_issue_are_flagged(lang: str, text: str) -> None:
    assert check_text(text, lang)


FAMILIES = [
    ("en", "judging", "You're such a control freak."),
    ("en", "judging", "You guys are unbelievable."),
    ("en", "threat", "We will take legal action if this is not paid."),
    ("en", "threat", "I'll make sure everyone in the industry knows how you operate."),
    ("en", "sarcasm", "Good luck with that."),
    ("en", "relief", "I won't miss these Monday calls."),
    ("en", "comparison", "Any other studio would have dropped you."),
    ("en", "ridicule", "Your accounting is a joke."),
    ("en", "guilt", "After everything we've done for you, this is the thanks we get."),
    ("en", "reference", "I won't be writing you a recommendation."),
    ("es", "judging", "Ustedes son unos informales."),
    ("es", "threat", "Iniciaremos acciones legales si no paga."),
    ("es", "threat", "Voy a contar en redes cómo tratan a sus proveedores."),
    ("es", "sarcasm", "Suerte con eso."),
    ("es", "relief", "No le voy a echar de menos."),
    ("es", "comparison", "Cualquier otro estudio le habría dejado hace meses."),
    ("es", "ridicule", "Su contabilidad es un chiste."),
    ("es", "guilt", "Después de todo lo que hemos hecho por ustedes, así nos lo pagan."),
    ("es", "reference", "No cuente con una carta de recomendación."),
]


@pytest.mark.parametrize(
    ("lang", "category", "text"), FAMILIES, ids=[f"{lang}-{t}" for lang, _, t in FAMILIES]
)
def test_each_family_of_the_issue_has_its_category(lang: str, category: str, text: str) -> None:
    assert category in [f.category for f in check_text(text, lang)]


NEUTRAL_THAT_SHARE_WORDS = [
    ("en", "We will send the final invoice on 3 June."),
    ("en", "Your payment history shows three late invoices."),
    ("en", "We're happy to write a reference for the work we did together."),
    ("en", "Good luck with the launch next week."),
    ("en", "You are a valued client, and this decision was not easy."),
    ("es", "Le enviaremos la factura final el 3 de junio."),
    ("es", "Su historial de pagos muestra tres facturas con retraso."),
    ("es", "Con gusto le escribiré una referencia sobre el trabajo que hicimos."),
    ("es", "Mucha suerte con el lanzamiento de la semana que viene."),
    ("es", "Es usted un cliente muy valorado y esta decisión no ha sido fácil."),
]


@pytest.mark.parametrize(
    ("lang", "text"), NEUTRAL_THAT_SHARE_WORDS, ids=[t for _, t in NEUTRAL_THAT_SHARE_WORDS]
)
def test_facts_that_share_words_with_flagged_lines_stay_clean(lang: str, text: str) -> None:
    """A dated, counted record is a fact, not blame (see the README's decisions)."""
    assert check_text(text, lang) == []


def test_the_readme_reports_the_frozen_and_held_out_figures() -> None:
    """The README's table says what TEST_FIGURES and HELD_OUT_FIGURES say."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    for split, figures in (
        ("frozen test", TEST_FIGURES),
        ("held-out new writers", HELD_OUT_FIGURES),
    ):
        for lang, (caught, flagged, false_positives, neutral) in figures.items():
            recall, rate = caught / flagged, false_positives / neutral
            row = (
                f"| {split} | {lang} | {caught}/{flagged} ({recall:.1%}) | "
                f"{false_positives}/{neutral} ({rate:.1%}) |"
            )
            assert row in readme

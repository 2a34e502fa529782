"""The draft's own language, told apart without any dependency."""

from __future__ import annotations

import pytest

from breakup.detect import detect_language, language_scores

CLEAR = [
    ("es", "Es usted un moroso."),
    ("es", "Eres un moroso."),
    ("es", "siempre me sales con excusas"),
    ("es", "Ojalá te vaya bonito"),
    ("es", "Estimada Laura: le escribo para comunicarle que no podemos continuar."),
    ("en", "You are a bully."),
    ("en", "You people are impossible."),
    ("en", "Don't expect a reference from us."),
    ("en", "Dear Laura, I'm writing to let you know that we cannot continue."),
]


@pytest.mark.parametrize(("lang", "text"), CLEAR, ids=[t for _, t in CLEAR])
def test_a_clear_draft_reads_as_its_language(lang: str, text: str) -> None:
    assert detect_language(text) == lang


UNCLEAR = ["", "Ya era hora", "tomaré medidas legales", "OK.", "12/03/2027 — 4.250 €", "Laura"]


@pytest.mark.parametrize("text", UNCLEAR, ids=repr)
def test_a_short_or_unclear_draft_reads_as_none(text: str) -> None:
    """Below the margin the caller keeps its language (and checks the others too)."""
    assert detect_language(text) is None


def test_words_shared_by_both_languages_count_for_neither() -> None:
    assert language_scores("no me a he has son") == {"en": 0, "es": 0}


def test_spanish_marks_count_for_spanish() -> None:
    assert language_scores("¿ñ?")["es"] == 2


def test_a_mixed_draft_goes_to_the_language_that_leads_clearly() -> None:
    spanish = "Le escribo para decirle que no vamos a seguir con el proyecto. "
    assert detect_language(spanish * 3 + "Thank you.") == "es"
    assert detect_language("Thank you for the work. Gracias por todo.") is None


def test_only_the_beginning_of_a_long_draft_is_read() -> None:
    """Detection takes the same time on a 10 MB draft as on a letter."""
    english = "Thank you for the years of work together. " * 1000
    assert detect_language(english + "Es usted un moroso. " * 100_000) == "en"

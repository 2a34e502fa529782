"""breakup rehearse, driven through piped input as a user would script it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA

from breakup import catalog
from breakup.cli import cli
from breakup.rehearse import MIN_TURNS, assess, plan

HOSTILE = {"en": "You never pay on time and I'm fed up!!!", "es": "¡¡Estoy harta de sus excusas!!"}
CALM = {"en": "I understand. The decision stands.", "es": "Lo entiendo. La decisión sigue en pie."}
LAST = {"en": "Neutral replies: {}/{}", "es": "Respuestas neutrales: {}/{}"}


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    return CliRunner()


@pytest.mark.parametrize("arch", catalog.archetype_ids(), ids=str)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_hostile_replies_are_not_neutral_and_calm_ones_are(
    runner: CliRunner, arch: str, lang: str
) -> None:
    replies = "\n".join([HOSTILE[lang], CALM[lang], CALM[lang]]) + "\n"
    result = runner.invoke(cli, ["rehearse", arch, "--lang", lang, "--seed", "1"], input=replies)
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").splitlines()
    assert lines[-1] == LAST[lang].format(2, 3)


def test_session_opens_from_the_script_and_offers_suggested_replies(runner: CliRunner) -> None:
    result = runner.invoke(
        cli,
        [
            "rehearse",
            "late-payer",
            "--lang",
            "es",
            "--seed",
            "4",
            "--client",
            "Acme",
            "--end-date",
            "2027-01-15",
        ],
        input=HOSTILE["es"] + "\n",
    )
    out = result.stdout
    assert "Usted abre la llamada: Gracias por dedicarme unos minutos" in out
    assert "15 de enero de 2027" in out
    assert "Revisión del tono: desahogo emocional" in out
    assert "Respuesta sugerida:" in out
    assert out.rstrip().endswith("Respuestas neutrales: 0/1")


def test_end_of_input_ends_the_session_with_a_summary(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rehearse", "diva", "--seed", "2"], input="")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith("Neutral replies: 0/0")


def test_empty_line_skips_a_turn(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rehearse", "diva", "--seed", "2"], input="\n" + CALM["en"])
    assert result.stdout.rstrip().endswith("Neutral replies: 1/1")


def test_seed_varies_the_order_and_repeats_it() -> None:
    orders = {tuple(t.client for t in plan("shouter", seed=seed).turns) for seed in range(8)}
    assert len(orders) > 1
    assert plan("shouter", seed=3).turns == plan("shouter", seed=3).turns
    assert all(len(plan(a, seed=1).turns) >= MIN_TURNS for a in catalog.archetype_ids())


def test_family_friend_rehearses_in_tu() -> None:
    session = plan("family-friend", lang="es", seed=1)
    assert "Tú abres la llamada" == str(session.texts.you_open)
    answer = assess(session, session.turns[0], "Te entiendo.")
    assert answer.neutral


def test_transcript_records_lines_replies_and_findings(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli,
        [
            "rehearse",
            "shouter",
            "--lang",
            "es",
            "--seed",
            "1",
            "--transcript",
            "t.md",
            "--profile",
            str(DATA / "profile.toml"),
        ],
        input=HOSTILE["es"] + "\n" + CALM["es"] + "\n",
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert text.startswith("# Ensayo: [nombre del cliente]")
    assert "**Usted:** ¡¡Estoy harta de sus excusas!!" in text
    assert "Revisión del tono: desahogo emocional" in text
    assert "Revisión del tono: neutral; no hay nada que cambiar." in text
    assert text.rstrip().endswith("Respuestas neutrales: 1/2")
    again = runner.invoke(cli, ["rehearse", "shouter", "--transcript", "t.md"], input="")
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_advice_follows_the_session_register() -> None:
    informal = plan("family-friend", lang="es", seed=1)
    formal = plan("family-friend", lang="es", register="formal", seed=1)
    reply = "Estoy harta de todo esto."
    assert assess(informal, informal.turns[0], reply).findings[0].advice.startswith("Deja")
    assert assess(formal, formal.turns[0], reply).findings[0].advice.startswith("Deje")

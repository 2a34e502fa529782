"""Call scripts, referral letters, follow-up notes and the kit, as a user would check them."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA, FACTS, TODAY

from breakup import catalog
from breakup.cli import cli
from breakup.errors import InputError
from breakup.models import ClientFacts, Profile
from breakup.render import render

ARCHETYPES = catalog.archetype_ids()
LANGS = catalog.languages()
GRID = [(a, lang) for a in ARCHETYPES for lang in LANGS]
IDS = [f"{a}-{lang}" for a, lang in GRID]


@pytest.mark.parametrize(("arch", "lang"), GRID, ids=IDS)
def test_script_has_at_least_six_reactions_each_with_a_reply(
    arch: str, lang: str, profile: Profile
) -> None:
    body = render("script", arch, facts=FACTS, profile=profile, lang=lang, today=TODAY).body
    exchanges = re.findall(r"^- .+\n  → .+$", body, re.M)
    assert len(exchanges) >= 6  # four of the archetype's own, reconsider, bargaining


@pytest.mark.parametrize(("arch", "lang"), GRID, ids=IDS)
def test_script_opening_states_the_purpose_in_two_sentences(
    arch: str, lang: str, profile: Profile
) -> None:
    body = render("script", arch, facts=FACTS, profile=profile, lang=lang, today=TODAY).body
    opening = body.split("\n> ", 1)[1].split("\n", 1)[0]
    sentences = re.split(r"(?<=[.?!])\s+", opening)
    first_two = " ".join(sentences[:2]) if len(sentences) > 1 else opening
    assert re.search(r"end|fin", first_two) and "15" in first_two


@pytest.mark.parametrize(("arch", "lang"), GRID, ids=IDS)
def test_script_marks_the_tempted_phrases_as_not_to_say(
    arch: str, lang: str, profile: Profile
) -> None:
    module_tempted = render(
        "script", arch, facts=FACTS, profile=profile, lang=lang, today=TODAY
    ).body.split("✗ ")[1:]
    assert len(module_tempted) >= 3


def test_speaking_time_is_localized() -> None:
    en = render("script", "diva", facts=FACTS, lang="en", today=TODAY).body
    es = render("script", "diva", facts=FACTS, lang="es", today=TODAY).body
    assert re.search(r"about \d+ min", en) and re.search(r"unos \d+ min", es)


def test_referral_letter_lists_matching_providers_with_details(profile: Profile) -> None:
    facts = ClientFacts(
        client="Acme", contact="Ann", end_date=date(2027, 1, 15), service="Web Design"
    )
    body = render("referral", "diva", facts=facts, profile=profile, lang="en", today=TODAY).body
    assert "Jorge Salas, Salas Digital" in body and "jorge@salasdigital.es" in body
    assert "Ten years building websites for retailers." in body
    assert "Ana Ruiz" not in body
    assert "If you would like an introduction" in body


@pytest.mark.parametrize(
    ("profile_path", "service", "message"),
    [
        (None, None, "add a [[referrals]] table"),
        (DATA / "profile.toml", "accounting", "no referral in"),
    ],
    ids=["no-profile", "no-match"],
)
def test_referral_letter_without_a_match_says_how_to_add_one(
    profile_path: Path | None, service: str | None, message: str
) -> None:
    from breakup.models import load_profile

    profile = load_profile(profile_path) if profile_path else Profile()
    with pytest.raises(InputError, match=re.escape(message)):
        render(
            "referral",
            "diva",
            facts=ClientFacts(service=service),
            profile=profile,
            lang="en",
            today=TODAY,
        )


def test_notes_reminders_count_from_the_end_date_or_today() -> None:
    with_end = render("notes", "diva", facts=FACTS, lang="en", today=TODAY).body
    assert "January 18, 2027" in with_end and "February 14, 2027" in with_end
    without = render("notes", "diva", lang="en", today=date(2027, 3, 1)).body
    assert "March 4, 2027" in without and "March 31, 2027" in without
    assert "from today" in without


@pytest.mark.parametrize(
    ("arch", "expected"),
    [
        ("late-payer", "account is settled in full"),
        ("diva", "hours and availability limits in writing"),
        ("family-friend", "lead on reconnecting"),
        ("shouter", "public criticism"),
    ],
    ids=["late-payer", "diva", "family-friend", "shouter"],
)
def test_notes_carry_the_archetype_own_items(arch: str, expected: str) -> None:
    assert expected in render("notes", arch, facts=FACTS, lang="en", today=TODAY).body


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return CliRunner()


KIT = [
    "kit",
    "late-payer",
    "--lang",
    "es",
    "--client",
    "Acme",
    "--contact",
    "Ann",
    "--end-date",
    "2027-01-15",
    "--outstanding",
    "10",
    "--profile",
    str(DATA / "profile.toml"),
]
KIT_NAMES = ["call-script.txt", "email.txt", "follow-up-notes.txt", "referral-letter.txt"]


def test_kit_writes_all_four_documents_and_says_so(runner: CliRunner) -> None:
    result = runner.invoke(cli, [*KIT, "-o", "out"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("out").iterdir()) == KIT_NAMES
    assert result.stdout.count("Wrote ") == 4
    assert Path("out/email.txt").read_text(encoding="utf-8").startswith("Asunto:")


def test_kit_never_overwrites_without_force(runner: CliRunner) -> None:
    Path("out").mkdir()
    Path("out/email.txt").write_text("my own edits", encoding="utf-8")
    refused = runner.invoke(cli, [*KIT, "-o", "out"])
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert sorted(p.name for p in Path("out").iterdir()) == ["email.txt"]
    assert Path("out/email.txt").read_text(encoding="utf-8") == "my own edits"
    forced = runner.invoke(cli, [*KIT, "-o", "out", "--force"])
    assert forced.exit_code == 0
    assert Path("out/email.txt").read_text(encoding="utf-8").startswith("Asunto:")


def test_kit_without_referrals_writes_the_rest_and_warns(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["kit", "diva", "-o", "out"])
    assert result.exit_code == 0
    assert "referral-letter.txt" not in [p.name for p in Path("out").iterdir()]
    assert "skipped the referral letter" in result.stderr


@pytest.mark.parametrize("command", ["script", "referral", "notes"], ids=str)
def test_document_commands_print_the_document(runner: CliRunner, command: str) -> None:
    result = runner.invoke(
        cli, [command, "shouter", "--lang", "es", "--profile", str(DATA / "profile.toml")]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()

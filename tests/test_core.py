"""The pure core: archetypes as data, the profile, client data kept as data."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATA, FACTS, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakup import catalog
from breakup.errors import CatalogError, InputError, ProfileError
from breakup.models import ClientFacts, load_profile
from breakup.render import render

EXTRA = """\
{% set default_register = "formal" %}
{% set description = _("Keeps moving the goalposts.") %}
{% set key_message = _("The scope has changed too often for us to plan the work.") %}
{% set reason = _("We plan our capacity months ahead.") %}
{% set tempted = [_("You never know what you want.")] %}
{% set why = _("It is about planning.") %}
{% set keep_in_mind = [_("Keep every change in writing.")] %}
{% set email_paragraphs = [key_message ~ " " ~ reason] %}
"""


@pytest.fixture
def extra_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "templates" / "archetypes" / "scope-shifter"
    folder.mkdir(parents=True)
    (folder / "archetype.j2").write_text(EXTRA, encoding="utf-8")
    yield tmp_path / "templates"
    catalog.environment.cache_clear()


def test_an_archetype_is_a_folder_of_templates(extra_templates: Path) -> None:
    assert "scope-shifter" in catalog.archetype_ids(extra_templates)
    doc = render(
        "email", "scope-shifter", facts=FACTS, lang="en", today=TODAY, templates=extra_templates
    )
    assert "The scope has changed too often for us to plan the work." in doc.body
    assert "Ferretería Núñez" in doc.body


def test_new_archetype_without_spanish_is_an_error_not_english(extra_templates: Path) -> None:
    with pytest.raises(CatalogError, match="no translation for 'Keeps moving the goalposts.'"):
        render("email", "scope-shifter", lang="es", today=TODAY, templates=extra_templates)


def test_unknown_archetype_names_the_valid_ones() -> None:
    with pytest.raises(InputError, match="choose one of diva, family-friend, late-payer, shouter"):
        render("email", "nagger")


def test_missing_facts_are_listed_and_shown_as_placeholders() -> None:
    doc = render("email", "late-payer", lang="es", today=TODAY)
    assert set(doc.missing) >= {"client", "contact", "end_date", "outstanding", "referral"}
    assert "[importe pendiente]" in doc.body


def test_no_outstanding_amount_no_payment_paragraph(profile: object) -> None:
    from decimal import Decimal

    facts = ClientFacts(client="Acme", contact="Ann", outstanding=Decimal("0"))
    doc = render("email", "late-payer", facts=facts, lang="en", today=TODAY)
    assert "outstanding balance" not in doc.body


def test_profile_with_no_matching_referral_leaves_a_placeholder(profile: object) -> None:
    doc = render(
        "email",
        "diva",
        facts=ClientFacts(service="accounting"),
        profile=profile,
        lang="en",
        today=TODAY,
    )  # type: ignore[arg-type]
    assert "referral" in doc.missing


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[sender]\nnmae = 'x'\n", "unknown key 'nmae' in [sender]: did you mean 'name'?"),
        ("[sender\nname = 'x'\n", "invalid TOML"),
        ("[sender]\nname = 3\n", "sender.name must be a quoted string"),
        ("[sender]\nemail = 'not-an-address'\n", "name@example.com"),
        ("[[referrals]]\nname = 'A'\nservices = 'web'\n", "must be a list of strings"),
        ("[[referrals]]\nnote = 'x'\n", "needs a name or a company"),
        ("[defautls]\nlang = 'es'\n", "did you mean 'defaults'?"),
    ],
    ids=["typo", "syntax", "type", "email", "services", "anonymous", "table-typo"],
)
def test_profile_errors_name_the_problem(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "breakup.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_profile(path)


def test_profile_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "breakup.toml"
    path.write_text("[sender]\nname = = 'x'\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"line 2, column \d+"):
        load_profile(path)


def test_profile_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "breakup.toml"
    path.write_bytes("[sender]\nname = 'Nú'\n".encode("cp1252"))
    with pytest.raises(ProfileError, match="not UTF-8"):
        load_profile(path)


def test_test_profile_loads() -> None:
    profile = load_profile(DATA / "profile.toml")
    assert profile.sender.name == "María Fernández"
    assert [r.name for r in profile.referrals if r.offers("diseño web")] == ["Jorge Salas"]


text_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=200
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    client=text_values,
    contact=text_values,
    lang=st.sampled_from(["en", "es"]),
    archetype=st.sampled_from(["late-payer", "diva", "family-friend", "shouter"]),
)
def test_client_data_is_rendered_as_data(
    client: str, contact: str, lang: str, archetype: str
) -> None:
    """Any text, Jinja syntax included, comes out literally and never breaks a render."""
    facts = ClientFacts(client="{{ 7*7 }}" + client, contact="{%raw%}" + contact)
    doc = render("email", archetype, facts=facts, lang=lang, today=TODAY)
    if archetype != "family-friend":
        assert "{{ 7*7 }}" in doc.body
    assert "{%raw%}" in doc.body
    assert "49" not in doc.body.replace(client, "").replace(contact, "")

"""What breakup writes for the client passes its own tone check, in every language and register."""

from __future__ import annotations

import re

import pytest
from conftest import FACTS, TODAY

from breakup import catalog
from breakup.check import check_text
from breakup.models import Profile
from breakup.render import render

GRID = [
    (arch, lang, register)
    for arch in catalog.archetype_ids()
    for lang in catalog.languages()
    for register in catalog.REGISTERS
]
IDS = ["-".join(case) for case in GRID]


@pytest.mark.parametrize(("arch", "lang", "register"), GRID, ids=IDS)
@pytest.mark.parametrize("document", ["email", "referral"])
def test_client_facing_documents_pass_the_check(
    document: str, arch: str, lang: str, register: str, profile: Profile
) -> None:
    body = render(
        document, arch, facts=FACTS, profile=profile, lang=lang, register=register, today=TODAY
    ).body
    assert check_text(body, lang) == []


@pytest.mark.parametrize(("arch", "lang", "register"), GRID, ids=IDS)
def test_every_suggested_reply_and_spoken_line_passes_the_check(
    arch: str, lang: str, register: str, profile: Profile
) -> None:
    script = render(
        "script", arch, facts=FACTS, profile=profile, lang=lang, register=register, today=TODAY
    ).body
    replies = re.findall(r"^  → (.+)$", script, re.M)
    spoken = re.findall(r"^> (.+)$", script, re.M)
    assert len(replies) >= 6 and len(spoken) == 3
    for line in replies + spoken:
        assert check_text(line, lang) == [], line


@pytest.mark.parametrize(("arch", "lang", "register"), GRID, ids=IDS)
def test_the_phrases_to_avoid_are_caught(
    arch: str, lang: str, register: str, profile: Profile
) -> None:
    """The script's "do not say" lines are exactly what the check exists to catch."""
    script = render(
        "script", arch, facts=FACTS, profile=profile, lang=lang, register=register, today=TODAY
    ).body
    avoid = re.findall(r"^✗ (.+)$", script, re.M)
    assert len(avoid) >= 3
    for line in avoid:
        assert check_text(line, lang) != [], line

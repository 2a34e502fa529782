"""What breakup writes for someone else passes its own tone check, in every language, region
and register."""

from __future__ import annotations

import re

import pytest
from conftest import FACTS, TODAY

from breakup import catalog, languages, registry
from breakup.check import check_text
from breakup.models import Profile
from breakup.render import render
from breakup.tone_train import profile_variants

GRID = [
    (arch, lang, languages.babel_locale(lang, region), register)
    for arch in catalog.archetype_ids()
    for lang in languages.languages()
    for region in sorted(languages.language(lang).regions)
    for register in ("formal", "informal")
]
IDS = ["-".join(case) for case in GRID]
SENT = [name for name, doc in registry.DOCUMENTS.items() if doc.audience != "user"]


@pytest.mark.parametrize(("arch", "lang", "locale", "register"), GRID, ids=IDS)
@pytest.mark.parametrize("document", SENT)
def test_documents_sent_to_someone_pass_the_check(
    document: str, arch: str, lang: str, locale: str, register: str, profile: Profile
) -> None:
    for sender in profile_variants(profile):  # "we" with one provider, "I" with several
        body = render(document, arch, facts=FACTS, profile=sender, lang=lang, locale=locale,
                      register=register, today=TODAY).body  # fmt: skip
        assert check_text(body, lang) == [], sender.sender.solo


@pytest.mark.parametrize(("arch", "lang", "locale", "register"), GRID, ids=IDS)
def test_every_spoken_line_passes_the_check(arch: str, lang: str, locale: str, register: str,
                                            profile: Profile) -> None:  # fmt: skip
    for sender in profile_variants(profile):
        script = render("script", arch, facts=FACTS, profile=sender, lang=lang, locale=locale,
                        register=register, today=TODAY).body  # fmt: skip
        replies = re.findall(r"^  → (.+)$", script, re.M)
        spoken = re.findall(r"^> (.+)$", script, re.M)
        # A second reply where the user decides, after its label: "  (If you've decided…)"
        others = re.findall(r"^  \((?:If you|Si )[^)]+\)\n  → (.+)$", script, re.M)[1:]
        assert len(replies) >= 6 and len(spoken) >= 3
        assert bool(others) == (arch in ("late-payer", "word-breaker")), others
        for line in replies + spoken + others:
            assert check_text(line, lang) == [], line

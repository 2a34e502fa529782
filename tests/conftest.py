"""Shared fixtures: a hermetic environment, the fixed facts and profile of the golden files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from breakup import i18n
from breakup.models import ClientFacts, Invoice, Profile
from breakup.profile import load_profile

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2026, 12, 1)


def pytest_configure(config: pytest.Config) -> None:
    # The compile cache of this test run, not the user's.
    import tempfile

    os.environ.setdefault("BREAKUP_CACHE_DIR", tempfile.mkdtemp(prefix="breakup-cache-"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the golden files from the current output (read the diff before committing).",
    )


@pytest.fixture(autouse=True)
def hermetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test runs as a new user would: no BREAKUP_* settings, no locale, no profile."""
    for name in list(os.environ):
        if name.startswith("BREAKUP_") and name != "BREAKUP_CACHE_DIR":
            monkeypatch.delenv(name)
    for name in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE"):
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path)
    yield
    i18n.set_language(None)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile(DATA / "profile.toml")


# The facts every golden file is rendered with: a full set, as a careful user would give them.
FACTS = ClientFacts(
    client="Ferretería Núñez S.L.",
    contact="Laura Gómez",
    client_email="laura@ferreterianunez.es",
    service="web design",
    end_date=date(2027, 1, 15),
    notice_days=30,
    invoices=(
        Invoice("F-2026-031", Decimal("1200"), date(2026, 10, 15)),
        Invoice("F-2026-034", Decimal("3050"), date(2026, 11, 15)),
    ),
    pay_by=date(2027, 1, 8),
    final_invoice=Decimal("900"),
    work=("the product pages for the spring catalogue", "the checkout fixes"),
    hours=Decimal("20"),
)


@pytest.fixture(scope="session")
def facts() -> ClientFacts:
    return FACTS

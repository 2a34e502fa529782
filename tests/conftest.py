"""Shared fixtures: the fixed facts and profile every golden file is rendered with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from breakup.models import ClientFacts, Profile, load_profile

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
TODAY = date(2026, 12, 1)


def pytest_configure(config: pytest.Config) -> None:
    # The compile cache of this test run, not the user's.
    import os
    import tempfile

    os.environ.setdefault("BREAKUP_CACHE_DIR", tempfile.mkdtemp(prefix="breakup-cache-"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the golden files from the current output (read the diff before committing).",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile(DATA / "profile.toml")


FACTS = ClientFacts(
    client="Ferretería Núñez",
    contact="Laura Gómez",
    client_email="laura@ferreterianunez.es",
    end_date=date(2027, 1, 15),
    outstanding=Decimal("4250"),
    currency="EUR",
)


@pytest.fixture(scope="session")
def facts() -> ClientFacts:
    return FACTS

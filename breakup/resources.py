"""Locate the templates/ and locales/ folders, installed or from a source checkout."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
# A wheel carries the folders inside the package (hatchling force-include); a source
# checkout or an editable install keeps them beside it, at the top of the repository.
DATA_ROOT = _PACKAGE if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent
TEMPLATES_DIR = DATA_ROOT / "templates"
LOCALES_DIR = DATA_ROOT / "locales"


def templates_dir() -> Path:
    """Return the built-in templates folder."""
    return TEMPLATES_DIR


def locales_dir() -> Path:
    """Return the folder of the languages (catalogs, language data, tone rules)."""
    return LOCALES_DIR

"""The exceptions breakup raises; the CLI turns each into one `Error:` line."""


class BreakupError(Exception):
    """Raised when breakup cannot do what was asked; the message says what and how to fix it."""

    exit_code = 1


class InputError(BreakupError):
    """Raised when an option, argument or input value is invalid."""

    exit_code = 2


class ProfileError(BreakupError):
    """Raised when the profile TOML cannot be read or holds invalid values."""

    exit_code = 2


class TemplateError(BreakupError):
    """Raised when a template fails to load or render; names the file and line.

    Templates that fail are the user's own (--templates), invalid input like any other.
    """

    exit_code = 2


class LimitError(TemplateError):
    """Raised when a render ran past its time or memory bound (see breakup.sandbox)."""


class CatalogError(BreakupError):
    """Raised when a translation catalog is missing, incomplete or invalid."""


class OutputError(BreakupError):
    """Raised when an output file cannot be written or would overwrite one."""

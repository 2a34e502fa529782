"""breakup: end a client relationship cleanly, in English or Spanish."""

__version__ = "0.1.0"

"""breakup: end a client relationship cleanly, in English or Spanish."""

__version__ = "0.2.0"

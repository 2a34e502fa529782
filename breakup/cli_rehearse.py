"""breakup rehearse: the command line of breakup.rehearse."""

from __future__ import annotations

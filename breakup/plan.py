"""The kit: one client's whole plan, in the order it is used.

The call comes first (the call script); the email confirms it the same day; the referral
letter introduces the providers the email names; the heads-up asks each provider first; the
notes and their calendar reminders keep the record. The documents are rendered together, so
they refer to each other, and written all or none.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from breakup import registry
from breakup.errors import InputError
from breakup.i18n import _
from breakup.models import ClientFacts
from breakup.output import write_all
from breakup.publish import Output, publish


@dataclass
class KitResult:
    """What a kit wrote. Fields: written (paths, in plan order), skipped (why a document was
    left out), warnings, missing (placeholders left, as context.hints() keys)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)


def kit_outputs(
    archetype: str, fmt: str, *, email_eml: bool = False, **options: Any
) -> tuple[list[tuple[str, Output]], list[str]]:
    """Render the plan's documents: (file name, output) in plan order, and what was skipped."""
    facts: ClientFacts = options.pop("facts", None) or ClientFacts()
    # In the plan, the email is the written confirmation of the call.
    confirmed = dataclasses.replace(facts, after_call=True)
    outputs: list[tuple[str, Output]] = []
    skipped: list[str] = []
    for name in registry.KIT:
        doc = registry.DOCUMENTS[name]
        chosen = "eml" if (email_eml and name == "email") else fmt
        try:
            out = publish(name, archetype, chosen, facts=confirmed, kit=True, **options)
        except InputError as error:
            if not doc.needs_referrals:
                raise
            skipped.append(
                _("skipped the {document}: {reason}").format(document=name, reason=error)
            )
            continue
        outputs.append((f"{doc.stem}.{registry.FORMATS[chosen].extension}", out))
        if name == "notes":
            ics = publish("notes", archetype, "ics", facts=confirmed, kit=True, **options)
            outputs.append((f"{doc.stem}.ics", ics))
    return outputs, skipped


def write_kit(
    archetype: str,
    folder: Path,
    fmt: str,
    *,
    force: bool = False,
    email_eml: bool = False,
    **options: Any,
) -> KitResult:
    """Render the whole plan and write it into `folder`, all files or none."""
    outputs, skipped = kit_outputs(archetype, fmt, email_eml=email_eml, **options)
    write_all([(folder / name, out.data) for name, out in outputs], force=force)
    result = KitResult(written=[folder / name for name, _out in outputs], skipped=skipped)
    for _name, out in outputs:
        result.missing.update(out.missing)
        for message in out.warnings:
            if message not in result.warnings:
                result.warnings.append(message)
    return result

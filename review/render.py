"""Render the review set: every archetype's kit and boundaries message, in English and Spanish,
from client facts the writers did not use (review/inputs/*.toml).

    python review/render.py [OUTDIR]      (default: review/outputs)
"""

from __future__ import annotations

import sys
import tomllib
from datetime import date
from pathlib import Path

from breakup import facts
from breakup.models import Defaults, Profile, Referral, Sender
from breakup.plan import kit_outputs
from breakup.publish import publish

HERE = Path(__file__).parent
TODAY = date(2026, 12, 14)


def profile(data: dict) -> Profile:
    sender = Sender(**data.get("sender", {}))
    referrals = tuple(
        Referral(**{**r, "services": tuple(r.get("services", ()))}) for r in data.get("referrals", [])
    )
    return Profile(sender=sender, referrals=referrals, defaults=Defaults())


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "outputs"
    for path in sorted((HERE / "inputs").glob("*.toml")):
        archetype = path.stem
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            lang, locale = case["lang"], case["locale"]
            raw = dict(case["facts"])
            raw["invoice"] = raw.pop("invoices", [])
            client = facts.read(raw, locale, lambda fact: fact.option)
            options = {"profile": profile(case["profile"]), "lang": lang, "locale": locale,
                       "today": TODAY}
            folder = out / lang / archetype
            folder.mkdir(parents=True, exist_ok=True)
            outputs, skipped = kit_outputs(archetype, "text", facts=client, **options)
            assert not skipped, skipped
            for name, output in outputs:
                if name.endswith(".txt"):
                    (folder / name).write_bytes(output.data)
            boundaries = publish("boundaries", archetype, "text", facts=client, **options)
            (folder / "boundaries.txt").write_bytes(boundaries.data)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

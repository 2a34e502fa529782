"""Render a review set: every archetype's kit and boundaries message, in each case's locale,
from client facts the writers did not use (review/inputs/<round>/*.toml).

    python review/render.py ROUND [OUTDIR]      (default: review/outputs/<ROUND>)

Each [[case]] is written to OUTDIR/<locale>/<archetype>/ (round1 used OUTDIR/<lang>/).
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
        Referral(**{**r, "services": tuple(r.get("services", ()))})
        for r in data.get("referrals", [])
    )
    # The profile's defaults a case may set: the tax its amounts include or exclude.
    tax = data.get("defaults", {}).get("tax")
    return Profile(sender=sender, referrals=referrals, defaults=Defaults(tax=tax))


def main() -> None:
    round_ = sys.argv[1] if len(sys.argv) > 1 else "round2"
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "outputs" / round_
    for path in sorted((HERE / "inputs" / round_).glob("*.toml")):
        archetype = path.stem
        for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            lang, locale = case["lang"], case["locale"]
            raw = dict(case["facts"])
            raw["invoice"] = raw.pop("invoices", [])
            client = facts.read(raw, locale, lambda fact: fact.option)
            options = {
                "profile": profile(case["profile"]),
                "lang": lang,
                "locale": locale,
                "today": TODAY,
            }
            folder = out / (lang if round_ == "round1" else locale) / archetype
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

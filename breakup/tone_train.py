"""Train the tone model of each language from labelled sentences, reproducibly.

    python -m breakup.tone_train            # retrain en and es: locales/*/tone-model.json
    python -m breakup.tone_train --outputs  # first re-render breakup's own sentences

The training data is every labelled file under tests/data/tone but the frozen test split
(corpus/test.*.tsv), which nothing here reads: the development split, the original corpus,
the rule author's probes, the new writers' files in train/ less a held-out quarter (drawn
with a fixed seed, before anything is fitted) and, as neutral examples, the sentences
breakup itself writes for someone else (train/breakup-output.*.tsv, every language's).

The model is a logistic regression fitted with FTRL-Proximal (L1 and L2 penalties: most
weights are exactly zero, so the file stays small), visiting the data in an order drawn
from a fixed seed: the same data gives the same file, byte for byte. The cutoff comes
from out-of-fold scores (FOLDS-fold cross-validation): the lowest at which the rules and
the model together flag no more than MAX_FALSE_POSITIVES of the writers' neutral sentences.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from breakup import tone_model
from breakup.tone_match import rule_hits
from breakup.tone_rules import _fold, _read_rules, _Rules

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "tone"
LOCALES = ROOT / "locales"
PROFILE = ROOT / "tests" / "data" / "profile.toml"
LANGUAGES = ("en", "es")

SEED = 20261127
FOLDS = 5
# The share of each new writer's sentences, of each label, kept out of training.
HELD_OUT = 0.25
NEW_WRITERS = (
    "small-business",
    "sarcastic-consultant",
    "burnt-out-designer",
    "formal-consultant",
    "tradesperson",
    "people-pleaser",
    "events-photographer",
    "it-contractor",
    "account-director",
    "legal-translator",
    "hotel-caterer",
    "it-security",
    "mx-marketing",
    "architect-studio",
    "mx-contador",
    "wedding-planner",
    "agency-ops",
)
OUTPUT_SOURCE = "breakup-output"
MAX_FALSE_POSITIVES = 0.035
# breakup's own sentences are never flagged: one that a fit scores at MINING_LOGIT or more
# counts MINING_FACTOR times more in the next fit (MINING_ROUNDS fits at most), and the
# cutoff stays OUTPUT_MARGIN above the highest of them.
MINING_LOGIT = 0.0
MINING_FACTOR = 4.0
MINING_ROUNDS = 4
OUTPUT_MARGIN = 0.25


@dataclass(frozen=True)
class Settings:
    """How a model is fitted: FTRL-Proximal's alpha, beta, l1 and l2, the passes over the
    data (epochs), and the starting weight of one of breakup's own sentences."""

    alpha: float = 0.5
    beta: float = 1.0
    l1: float = 0.2
    l2: float = 0.2
    epochs: int = 16
    output_weight: float = 1.0


class Row(NamedTuple):
    """A labelled sentence: its text, whether it is flagged, and its file's first name."""

    text: str
    flagged: bool
    source: str


class Example(NamedTuple):
    """A row as the model sees it: bucket -> value, the label (0 or 1), its weight."""

    x: dict[int, float]
    y: int
    weight: float


class Trained(NamedTuple):
    """A model file's content, and the cross-validated counts (see `measure`)."""

    data: dict[str, Any]
    cross_validated: dict[str, int]


# The data ----------------------------------------------------------------------------------


def read_rows(path: Path) -> list[Row]:
    """Read a labelled file: the label first (flag or ok; or a category, - for neutral),
    the sentence last, tab-separated; blank lines and # comments are skipped."""
    rows = []
    source = path.name.split(".")[0]
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2 or not columns[-1].strip():
            raise ValueError(f"{path}:{number}: expected 'label<TAB>sentence'")
        rows.append(Row(columns[-1], columns[0] not in ("ok", "-"), source))
    return rows


def training_files(lang: str, data: Path = DATA) -> list[Path]:
    """Return the files a language's model learns from, in a fixed order."""
    files = [data / "corpus" / f"dev.{lang}.tsv", data / f"{lang}.tsv"]
    files += [p for p in [data / f"probes.{lang}.tsv"] if p.is_file()]
    files += sorted((data / "train").glob(f"*.{lang}.tsv"))
    # breakup's sentences in the other languages too: a draft quotes names, titles and
    # facts in another language, and they are no reason to flag a sentence.
    files += sorted(p for p in (data / "train").glob(f"{OUTPUT_SOURCE}.*.tsv") if p not in files)
    if any(path.parent.name == "corpus" and path.name.startswith("test.") for path in files):
        raise AssertionError("the frozen test split is never training data")
    return files


def split_held_out(rows: Sequence[Row], seed: int = SEED) -> tuple[list[Row], list[Row]]:
    """Split rows into (training, held out): HELD_OUT of each new writer's rows of each
    label. The draw depends only on the seed, the writer and the label."""
    train: list[Row] = []
    held: list[Row] = []
    groups: dict[tuple[str, bool], list[Row]] = {}
    for row in rows:
        if row.source in NEW_WRITERS:
            groups.setdefault((row.source, row.flagged), []).append(row)
        else:
            train.append(row)
    for (source, flagged), group in sorted(groups.items()):
        order = list(range(len(group)))
        random.Random(f"{seed}:{source}:{flagged}").shuffle(order)
        cut = round(len(group) * HELD_OUT)
        held.extend(group[i] for i in sorted(order[:cut]))
        train.extend(group[i] for i in sorted(order[cut:]))
    return train, held


def load_rows(lang: str, data: Path = DATA) -> tuple[list[Row], list[Row]]:
    """Return (training rows, held-out rows) of a language."""
    return split_held_out([row for path in training_files(lang, data) for row in read_rows(path)])


# Fitting -----------------------------------------------------------------------------------


def example(row: Row, rules: _Rules) -> Example:
    """Turn a row into an example of weight 1, with the features the check computes."""
    assert rules.words is not None
    found = tone_model.features(
        _fold(row.text)[0], row.text, rule_hits(row.text, rules), rules.words
    )
    buckets, scale = tone_model.vector(found)
    x: dict[int, float] = {}
    for b in buckets:
        x[b] = x.get(b, 0.0) + scale
    return Example(x, int(row.flagged), 1.0)


def fit(examples: Sequence[Example], settings: Settings) -> tuple[dict[int, float], float]:
    """Fit a logistic regression with FTRL-Proximal; return (weights, bias), rounded.

    The passes visit the examples in an order drawn from SEED, so a fit is repeatable.
    Buckets are numbered densely first, so that the loop indexes lists.
    """
    alpha, beta, l1, l2 = settings.alpha, settings.beta, settings.l1, settings.l2
    dense: dict[int, int] = {}
    data = [
        ([dense.setdefault(b, len(dense)) for b in e.x], list(e.x.values()), e.y, e.weight)
        for e in examples
    ]
    # Per bucket, z and q (the root of the summed squared gradients); the bias's too.
    z = [0.0] * len(dense)
    q = [0.0] * len(dense)
    bias_z = bias_q = 0.0

    def weight(i: int) -> float:
        zi = z[i]
        if -l1 <= zi <= l1:
            return 0.0
        return (l1 - zi if zi > 0 else -l1 - zi) / ((beta + q[i]) / alpha + l2)

    order = list(range(len(data)))
    shuffle = random.Random(SEED).shuffle
    sqrt = math.sqrt
    for _ in range(settings.epochs):
        shuffle(order)
        for k in order:
            ids, values, y, w = data[k]
            bias = -bias_z * alpha / (beta + bias_q)
            # weight(i) for each bucket, written out: this loop is most of the training time
            current = []
            logit = bias
            for i, v in zip(ids, values, strict=True):
                zi = z[i]
                if zi > l1:
                    wi = (l1 - zi) / ((beta + q[i]) / alpha + l2)
                elif zi < -l1:
                    wi = (-l1 - zi) / ((beta + q[i]) / alpha + l2)
                else:
                    wi = 0.0
                current.append(wi)
                logit += wi * v
            g = w * (_sigmoid(logit) - y)
            for i, v, wi in zip(ids, values, current, strict=True):
                gi = g * v
                qi = q[i]
                grown = sqrt(qi * qi + gi * gi)
                z[i] += gi - (grown - qi) / alpha * wi
                q[i] = grown
            grown = sqrt(bias_q * bias_q + g * g)
            bias_z += g - (grown - bias_q) / alpha * bias
            bias_q = grown
    weights = {}
    for b, i in sorted(dense.items()):
        unit = round(weight(i) / tone_model.WEIGHT_UNIT)
        if unit:
            weights[b] = unit * tone_model.WEIGHT_UNIT
    return weights, round(-bias_z * alpha / (beta + bias_q), 4)


def _sigmoid(margin: float) -> float:
    if margin >= 0:
        return 1 / (1 + math.exp(-margin))
    e = math.exp(margin)
    return e / (1 + e)


def margin(weights: dict[int, float], bias: float, x: dict[int, float]) -> float:
    """Return the logit of an example under fitted weights."""
    return bias + sum(weights.get(i, 0.0) * v for i, v in x.items())


def folds(rows: Sequence[Row]) -> list[int]:
    """Return each row's fold: the rows of each file and label dealt out after a shuffle."""
    fold = [0] * len(rows)
    groups: dict[tuple[str, bool], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault((row.source, row.flagged), []).append(index)
    for (source, flagged), members in sorted(groups.items()):
        random.Random(f"{SEED}:folds:{source}:{flagged}").shuffle(members)
        for position, index in enumerate(members):
            fold[index] = position % FOLDS
    return fold


def out_of_fold(
    examples: Sequence[Example], fold: Sequence[int], judged: Sequence[bool], settings: Settings
) -> list[float]:
    """Return each example's logit from the model fitted on the other folds; -inf for a
    sentence too short for the model to judge."""
    scores = [-math.inf] * len(examples)
    for k in range(FOLDS):
        weights, bias = fit([e for e, f in zip(examples, fold, strict=True) if f != k], settings)
        for index, (e, f) in enumerate(zip(examples, fold, strict=True)):
            if f == k and judged[index]:
                scores[index] = margin(weights, bias, e.x)
    return scores


def choose_cutoff(rows: Sequence[Row], hits: Sequence[bool], scores: Sequence[float]) -> float:
    """Return the lowest logit cutoff at which the rules and the model together flag no
    more than MAX_FALSE_POSITIVES of the writers' neutral sentences (out-of-fold scores).

    It lies halfway between the last neutral score let through and the first one stopped,
    so that it does not sit on a training sentence.
    """
    neutral = [i for i, row in enumerate(rows) if not row.flagged and row.source != OUTPUT_SOURCE]
    allowed = math.floor(MAX_FALSE_POSITIVES * len(neutral)) - sum(hits[i] for i in neutral)
    if allowed < 0:
        raise ValueError("the rules alone flag more neutral sentences than allowed")
    ranked = sorted(scores[i] for i in neutral if not hits[i] and scores[i] > -math.inf)
    ranked.reverse()
    if allowed >= len(ranked):
        return ranked[-1] - 1.0
    above = ranked[allowed - 1] if allowed > 0 else ranked[0] + 2.0
    return (above + ranked[allowed]) / 2


def measure(rows: Sequence[Row], flagged: Sequence[bool]) -> dict[str, int]:
    """Count the flagged sentences caught and the writers' neutral sentences flagged."""
    counts = {"caught": 0, "flagged": 0, "false_positives": 0, "neutral": 0}
    for row, hit in zip(rows, flagged, strict=True):
        if row.flagged:
            counts["flagged"] += 1
            counts["caught"] += hit
        elif row.source != OUTPUT_SOURCE:
            counts["neutral"] += 1
            counts["false_positives"] += hit
    return counts


def train(lang: str, data: Path = DATA, settings: Settings | None = None) -> Trained:
    """Fit a language's model on its training rows; return the model file's content.

    First the fits that weigh up breakup's own sentences still scored as flagged (see
    MINING_LOGIT); then, with those weights, the cross-validation that sets the cutoff.
    """
    settings = settings or Settings()
    rules = _read_rules(LOCALES / lang / "tone.toml")
    rows, _held = load_rows(lang, data)
    hits = [bool(rule_hits(row.text, rules)) for row in rows]
    judged = [tone_model.long_enough(_fold(row.text)[0]) for row in rows]
    examples = [example(row, rules) for row in rows]
    outputs = [i for i, row in enumerate(rows) if row.source == OUTPUT_SOURCE and judged[i]]
    for i in outputs:
        examples[i] = examples[i]._replace(weight=settings.output_weight)
    for round_ in range(MINING_ROUNDS):
        weights, bias = fit(examples, settings)
        high = [i for i in outputs if margin(weights, bias, examples[i].x) >= MINING_LOGIT]
        if not high or round_ == MINING_ROUNDS - 1:
            break
        for i in high:
            examples[i] = examples[i]._replace(weight=examples[i].weight * MINING_FACTOR)
    scores = out_of_fold(examples, folds(rows), judged, settings)
    highest = max(margin(weights, bias, examples[i].x) for i in outputs)
    cutoff = max(choose_cutoff(rows, hits, scores), highest + OUTPUT_MARGIN)
    figures = measure(rows, [h or s >= cutoff for h, s in zip(hits, scores, strict=True)])
    return Trained(to_data(lang, weights, bias, cutoff, settings, len(rows)), figures)


# The model file ----------------------------------------------------------------------------


def to_data(
    lang: str,
    weights: dict[int, float],
    bias: float,
    cutoff: float,
    settings: Settings,
    rows: int,
) -> dict[str, Any]:
    """Return the content of a model file: the non-zero weights only, in whole units, their
    buckets as steps from the previous one."""
    steps: list[int] = []
    units: list[int] = []
    previous = 0
    for b in sorted(weights):
        steps.append(b - previous)
        units.append(round(weights[b] / tone_model.WEIGHT_UNIT))
        previous = b
    return {
        "format": tone_model.FORMAT,
        "lang": lang,
        "hash_bits": tone_model.HASH_BITS,
        "trained": {"seed": SEED, "rows": rows, "folds": FOLDS, **asdict(settings)},
        "bias": bias,
        "threshold": round(_sigmoid(cutoff), 6),
        "buckets": steps,
        "weights": units,
    }


def dumps(content: dict[str, Any]) -> str:
    """Return a model file's text: one key a line, each array on one line."""
    items = [
        f"  {json.dumps(k)}: {json.dumps(v, separators=(',', ':'))}" for k, v in content.items()
    ]
    return "{\n" + ",\n".join(items) + "\n}\n"


# breakup's own sentences -----------------------------------------------------------------


def breakup_sentences(lang: str, profile: Path = PROFILE) -> list[str]:
    """Return every sentence breakup writes for someone else in `lang`, sorted, once each.

    Every archetype, every document whose audience is not the user, every region, both
    registers and a few sets of facts; and the call script's spoken lines and suggested replies.
    """
    from breakup import catalog, languages, registry
    from breakup.profile import load_profile
    from breakup.render import render

    documents = [name for name, doc in registry.DOCUMENTS.items() if doc.audience != "user"]
    locales = [languages.babel_locale(lang, r) for r in sorted(languages.language(lang).regions)]
    found: set[str] = set()
    cases = itertools.product(_fact_sets(), locales, profile_variants(load_profile(profile)))
    for facts, locale, sender in cases:
        for arch in catalog.archetype_ids():
            for register in ("formal", "informal"):
                options = {"facts": facts, "profile": sender, "lang": lang, "locale": locale}
                options.update(register=register, today=date(2026, 12, 1))
                for document in documents:
                    found.update(_split(render(document, arch, **options).body))
                script = render("script", arch, **options).body
                for line in re.findall(r"^(?:  → |> )(.+)$", script, re.M):
                    found.update(_split(line))
    return sorted(found)


def profile_variants(profile: Any) -> list[Any]:
    """The profile as given (a company: "we", one provider agreed), and as one person ("I")
    with two providers who agreed and one who has not: every voice and every way the letter
    names the providers."""
    from dataclasses import replace

    from breakup.models import Referral

    more = (
        Referral(name="Marta Vidal", email="marta@example.com", services=("web design",),
                 note="She builds online shops for small retailers.", agreed=True),
        Referral(name="Luis Paredes", phone="+34 600 111 222", services=("web design",),
                 note="He maintains shop websites on a monthly plan."),
    )  # fmt: skip
    solo = replace(profile.sender, company=None, voice="I")
    return [profile, replace(profile, sender=solo, referrals=profile.referrals + more)]


def _split(text: str) -> Iterator[str]:
    for start, end in tone_model.sentences(text):
        sentence = " ".join(text[start:end].split())
        if re.search(r"[^\W\d_]{2}", sentence):
            yield sentence


def _fact_sets() -> list[Any]:
    """A client with every fact given (English names, then Spanish ones), one whose email
    follows a call, and one with no facts at all (placeholders)."""
    from breakup.models import ClientFacts, Invoice

    invoices = (
        Invoice("F-2026-031", Decimal("1200"), date(2026, 10, 15)),
        Invoice("F-2026-034", Decimal("3050"), date(2026, 11, 15)),
    )
    english = ClientFacts(
        client="Harbour Lights Ltd",
        contact="Sam Patel",
        client_email="sam@harbourlights.example",
        service="web design",
        end_date=date(2027, 1, 15),
        notice_days=30,
        invoices=invoices,
        pay_by=date(2027, 1, 8),
        final_invoice=Decimal("900"),
        work=("the product pages for the spring catalogue", "the checkout fixes"),
        handover=("the design files",),
        hours=Decimal("20"),
    )
    spanish = ClientFacts(
        client="Ferretería Núñez S.L.",
        contact="Laura Gómez",
        service="diseño web",
        end_date=date(2027, 2, 26),
        invoices=invoices[:1],
        work=("las fichas de producto",),
        handover=("los archivos de diseño",),
        hours=Decimal("12"),
    )
    after_call = ClientFacts(
        client="Olmo & Co",
        contact="Alex Moreno",
        end_date=date(2027, 3, 31),
        after_call=True,
        call_date=date(2026, 12, 10),
        relation="friend",
        final_invoice=Decimal("0"),
    )
    return [english, spanish, after_call, ClientFacts()]


def write_outputs(lang: str, data: Path = DATA) -> Path:
    """Write train/breakup-output.<lang>.tsv: breakup's own sentences, all neutral."""
    path = data / "train" / f"{OUTPUT_SOURCE}.{lang}.tsv"
    header = (
        "# Generated by `python -m breakup.tone_train --outputs`: every sentence breakup\n"
        "# writes for someone else, a neutral training example. Do not edit by hand.\n"
    )
    path.write_text(header + "".join(f"ok\t{s}\n" for s in breakup_sentences(lang)), "utf-8")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Retrain the models; with --outputs, re-render breakup's own sentences first."""
    parser = argparse.ArgumentParser(prog="python -m breakup.tone_train")
    parser.add_argument("--outputs", action="store_true", help="re-render breakup's sentences")
    parser.add_argument("--lang", action="append", choices=LANGUAGES, help="only this one")
    args = parser.parse_args(argv)
    languages = args.lang or LANGUAGES
    if args.outputs:
        for lang in LANGUAGES:  # every model learns from every language's outputs
            print(f"wrote {write_outputs(lang)}")
    for lang in languages:
        trained = train(lang)
        path = LOCALES / lang / tone_model.MODEL_FILE
        path.write_text(dumps(trained.data), "utf-8")
        cv, model = trained.cross_validated, trained.data
        print(
            f"{lang}: {len(model['weights'])} weights, threshold {model['threshold']}; "
            f"cross-validated: {cv['caught']}/{cv['flagged']} flagged sentences caught, "
            f"{cv['false_positives']}/{cv['neutral']} neutral ones flagged -> {path}"
        )


if __name__ == "__main__":
    main()

"""Weigh up whether to end it: the questions, the rules that read the answers, the worksheet.

The brief's decision points (the cost, the limits, the power), the bigger picture and the
signs to walk away, as questions. Each rule reads some answers and gives a reason (a key
whose sentence is in templates/decide.j2); a few of them decide the verdict: end it now,
set limits first, or keep and revisit. Never a score: the worksheet gives the reasons.

Use it as a library::

    from decimal import Decimal
    from breakup.decide import Answers, decide, publish
    answers = Answers(problem="diva", hours_spent=Decimal(40), hours_paid=Decimal(25))
    print(decide(answers).verdict)                       # "limits"
    print(publish(answers, "md", lang="es").data.decode())
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from breakup import languages
from breakup.errors import InputError
from breakup.i18n import _

END, LIMITS, KEEP = "end", "limits", "keep"
# One client above this share of the income is a risk to the business, whatever is decided.
DEPENDENCE_PERCENT = Decimal(30)
# Fewer months than this without the client's income: replace it before acting.
SHORT_RUNWAY_MONTHS = Decimal(3)
REVISIT_DAYS = 90
# Fewer answers than this: the worksheet says the recommendation rests on little.
FEW_ANSWERS = 4
# Problems where limits are no precondition: nobody negotiates being shouted at. (A schema
# field of the archetypes would make this data; until then, the built-in id.)
ABUSIVE = frozenset({"shouter"})
# When the main problem is not named: the archetype a sign points to, if it exists.
INFERRED = (("unfair", "scope-shifter"), ("extra_hours", "diva"))
HIDDEN_COSTS = ("team_morale", "lost_sleep", "other_clients")
SECTIONS = ("cost", "limits", "power", "picture", "walk_away")


class Question(NamedTuple):
    """One question. Fields: name (the Answers field and the answers file's key), kind (text,
    archetype, amount, hours, percent, months, yesno), metavar, help (the option's help)."""

    name: str
    kind: str
    metavar: str
    help: str

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


QUESTIONS: tuple[Question, ...] = (
    Question("client", "text", "NAME", "The client's name (for the title and the next step)."),
    Question("problem", "archetype", "ARCHETYPE", "The main problem: an archetype id."),
    Question("revenue", "amount", "AMOUNT", "What the client brings in a month."),
    Question("hours_spent", "hours", "HOURS", "Hours you spend on the client a month."),
    Question("hours_paid", "hours", "HOURS", "Hours a month the work pays for."),
    Question("usual_rate", "amount", "AMOUNT", "Your usual hourly rate."),
    Question("income_share", "percent", "PERCENT", "Their share of your total income, in %."),
    Question("team_morale", "yesno", "", "It hurts your team's morale or makes people leave."),
    Question("lost_sleep", "yesno", "", "It costs you sleep."),
    Question("other_clients", "yesno", "", "It has put off other clients."),
    Question("limits_set", "yesno", "", "You set limits in writing (hours, payment terms...)."),
    Question("limits_crossed", "yesno", "", "Those limits were crossed."),
    Question("leverage", "text", "TEXT", "What you bring them that competitors can't match."),
    Question("runway_months", "months", "MONTHS", "Months you could go without their income."),
    Question("outside_cause", "yesno", "", "The problem may come from outside them (budget cuts, "
             "a contact who can't sell your work internally)."),
    Question("butt_heads", "yesno", "", "You always butt heads."),
    Question("unfair", "yesno", "", "They keep changing the parameters and refuse to play fair."),
)  # fmt: skip
BY_NAME = {q.name: q for q in QUESTIONS}


@dataclass(frozen=True)
class Answers:
    """The answers to QUESTIONS; None is "not answered" (unknown), never "no".

    Fields: client; problem (an archetype id); revenue (a month), hours_spent and hours_paid
    (a month), usual_rate (an hour), income_share (percent of the user's income);
    team_morale, lost_sleep, other_clients (what else it costs); limits_set (in writing),
    limits_crossed; leverage (what the user brings that competitors can't match),
    runway_months (how long the user could go without this income); outside_cause (the
    problem may come from outside the client); butt_heads, unfair (the signs to walk away).
    """

    client: str | None = None
    problem: str | None = None
    revenue: Decimal | None = None
    hours_spent: Decimal | None = None
    hours_paid: Decimal | None = None
    usual_rate: Decimal | None = None
    income_share: Decimal | None = None
    team_morale: bool | None = None
    lost_sleep: bool | None = None
    other_clients: bool | None = None
    limits_set: bool | None = None
    limits_crossed: bool | None = None
    leverage: str | None = None
    runway_months: Decimal | None = None
    outside_cause: bool | None = None
    butt_heads: bool | None = None
    unfair: bool | None = None

    def answered(self) -> int:
        """Count the questions answered, the client's name aside."""
        return sum(getattr(self, q.name) is not None for q in QUESTIONS if q.name != "client")


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """What the answers say the client costs, a month. Fields (None when not given):
    extra_hours (spent beyond those paid, 0 when within), effective_rate (revenue per hour
    spent), extra_cost (the extra hours at the usual rate), yearly_cost (twelve months of it).
    """

    extra_hours: Decimal | None = None
    effective_rate: Decimal | None = None
    extra_cost: Decimal | None = None
    yearly_cost: Decimal | None = None


@dataclass(frozen=True)
class Reason:
    """One rule's finding. Fields: key (its sentence in templates/decide.j2), section (one
    of SECTIONS), values (what the sentence shows, unformatted), decisive (it set the
    verdict)."""

    key: str
    section: str
    values: Mapping[str, Any] = field(default_factory=dict)
    decisive: bool = False


@dataclass(frozen=True)
class Decision:
    """The recommendation. Fields: verdict (END, LIMITS or KEEP), archetype (the one that fits
    best, or None), inferred (the archetype comes from the answers, not the user's choice),
    reasons (every finding, the decisive ones first), watch (what to keep an eye on, as keys
    of templates/decide.j2), costs, answered (how many questions were answered)."""

    verdict: str
    archetype: str | None
    inferred: bool
    reasons: tuple[Reason, ...]
    watch: tuple[str, ...]
    costs: Costs
    answered: int

    @property
    def decisive(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if r.decisive)


def costs(a: Answers) -> Costs:
    """Work out the monthly cost figures the answers allow."""
    cent = Decimal("0.01")
    extra = None
    if a.hours_spent is not None and a.hours_paid is not None:
        extra = max(a.hours_spent - a.hours_paid, Decimal(0))
    rate = None
    if a.revenue is not None and a.hours_spent:
        rate = (a.revenue / a.hours_spent).quantize(cent)
    cost = (extra * a.usual_rate).quantize(cent) if extra and a.usual_rate is not None else None
    return Costs(extra, rate, cost, cost * 12 if cost is not None else None)


def decide(a: Answers, known: Sequence[str] | None = None) -> Decision:
    """Apply the rules to the answers; `known` archetypes (default: all) may be inferred."""
    if known is None:
        from breakup.catalog import archetype_ids

        known = archetype_ids()
    answered = a.answered()
    if a.limits_set is None and a.limits_crossed:
        a = dataclasses.replace(a, limits_set=True)  # crossed limits were set
    c = costs(a)
    cost = _cost_reasons(a, c)
    walk = _walk_reasons(a)
    trouble = a.problem is not None or any(r.key in _TROUBLE for r in cost)
    ending = [r for r in walk if r.key in ("abuse", "butt_heads", "unfair")]
    limits: list[Reason] = []
    if a.limits_set and a.limits_crossed:
        limits.append(Reason("limits_crossed", "limits", decisive=True))
    if ending or limits:
        verdict = END
        ending = [dataclasses.replace(r, decisive=True) for r in ending]
        walk = ending + [r for r in walk if r.key not in {e.key for e in ending}]
        if not limits and a.limits_set is not None and a.problem not in ABUSIVE:
            limits.append(Reason("limits_not_enough", "limits"))
    elif not trouble:
        verdict = KEEP
        limits.append(Reason("no_trouble", "limits", decisive=True))
    elif a.limits_set:
        verdict = KEEP
        key = "limits_hold" if a.limits_crossed is False else "limits_check"
        limits.append(Reason(key, "limits", decisive=True))
    else:
        verdict = LIMITS
        key = "limits_never" if a.limits_set is False else "limits_unknown"
        limits.append(Reason(key, "limits", decisive=True))
    power = _power_reasons(a, verdict)
    if verdict == END and _exposed(a):
        # Ending it is still right, but not before the income is replaced: the date matters.
        power = [dataclasses.replace(r, decisive=r.key == "runway_short") for r in power]
    reasons = [*cost, *limits, *power, *_picture_reasons(a, verdict), *walk]
    if answered < FEW_ANSWERS:
        reasons.append(Reason("few_answers", "decision",
                              {"count": answered, "total": len(QUESTIONS) - 1}))  # fmt: skip
    archetype, inferred = a.problem, False
    if archetype is None:
        signs = {"unfair": bool(a.unfair), "extra_hours": bool(c.extra_hours)}
        found = [target for sign, target in INFERRED if signs[sign] and target in known]
        archetype, inferred = (found[0], True) if found else (None, False)
    ordered = tuple(sorted(reasons, key=lambda r: not r.decisive))
    return Decision(verdict, archetype, inferred, ordered, _watch(a, c, verdict), c,
                    answered)  # fmt: skip


_TROUBLE = frozenset({"extra_hours", "rate_below", *HIDDEN_COSTS})


def _exposed(a: Answers) -> bool:
    """Tell whether losing the client now would put the business at risk: little runway,
    and a large (or unknown) share of the income."""
    short = a.runway_months is not None and a.runway_months < SHORT_RUNWAY_MONTHS
    return short and (a.income_share is None or a.income_share > DEPENDENCE_PERCENT)


def _cost_reasons(a: Answers, c: Costs) -> list[Reason]:
    found = []
    if c.extra_hours is not None:
        values = {"spent": a.hours_spent, "paid": a.hours_paid, "extra": c.extra_hours}
        found.append(Reason("extra_hours" if c.extra_hours else "hours_within", "cost", values))
    if c.extra_cost is not None:
        found.append(Reason("extra_cost", "cost", {"rate": a.usual_rate, "cost": c.extra_cost,
                                                   "year": c.yearly_cost}))  # fmt: skip
    if c.effective_rate is not None:
        values = {"effective": c.effective_rate, "rate": a.usual_rate, "revenue": a.revenue}
        key = "rate_only" if a.usual_rate is None else (
            "rate_below" if c.effective_rate < a.usual_rate else "rate_fine")  # fmt: skip
        found.append(Reason(key, "cost", values))
    elif a.revenue is not None:
        found.append(Reason("revenue_only", "cost", {"revenue": a.revenue}))
    found += [Reason(name, "cost") for name in HIDDEN_COSTS if getattr(a, name)]
    if all(getattr(a, name) is False for name in HIDDEN_COSTS):
        found.append(Reason("no_hidden_costs", "cost"))
    return found


def _walk_reasons(a: Answers) -> list[Reason]:
    found = []
    if a.problem in ABUSIVE:
        found.append(Reason("abuse", "walk_away"))
    if a.butt_heads:
        found.append(Reason("butt_heads", "walk_away"))
    if a.unfair:
        found.append(Reason("unfair", "walk_away"))
    if a.butt_heads is False and a.unfair is False:
        found.append(Reason("no_walk_signs", "walk_away"))
    return found


def _power_reasons(a: Answers, verdict: str) -> list[Reason]:
    found = []
    if a.income_share is not None:
        high = a.income_share > DEPENDENCE_PERCENT
        found.append(Reason("dependence_high" if high else "dependence_low", "power",
                            {"share": a.income_share, "line": DEPENDENCE_PERCENT}))  # fmt: skip
    if a.runway_months is not None:
        short = a.runway_months < SHORT_RUNWAY_MONTHS
        found.append(Reason("runway_short" if short else "runway_ok", "power",
                            {"months": a.runway_months}))  # fmt: skip
    if a.leverage:
        found.append(Reason("leverage", "power", {"leverage": a.leverage}))
    elif verdict == LIMITS:
        found.append(Reason("leverage_unknown", "power"))
    return found


def _picture_reasons(a: Answers, verdict: str) -> list[Reason]:
    if a.outside_cause:
        return [Reason("outside_end" if verdict == END else "outside", "picture")]
    if a.outside_cause is False:
        return [Reason("not_outside", "picture")]
    return []


def _watch(a: Answers, c: Costs, verdict: str) -> tuple[str, ...]:
    if verdict == END:
        return ()
    found = []
    if a.problem is not None:
        found.append("problem")
    if c.extra_hours is not None:
        found.append("hours")
    if verdict == LIMITS or a.limits_set:
        found.append("limits")
    found += [name for name in HIDDEN_COSTS if getattr(a, name)]
    if a.income_share is not None and a.income_share > DEPENDENCE_PERCENT:
        found.append("share")
    if a.outside_cause:
        found.append("outside")
    return tuple(found) or ("signs",)


def next_commands(d: Decision, a: Answers, *, lang: str, answers_file: str | None = None,
                  boundaries: bool = True, locale: str | None = None) -> list[str]:  # fmt: skip
    """The command lines to run next, ready to paste: the kit, the boundaries or decide again.

    `boundaries` says whether the archetype has a boundaries message; `locale` is kept on the
    command when it is not the language's default (es_MX stays es_MX).
    """
    from breakup.output import safe_name

    default = languages.babel_locale(lang, languages.language(lang).default_region)
    language = (["--lang", lang] if lang != "en" else []) + (
        ["--locale", locale] if locale and locale != default else []
    )
    client = ["--client", a.client] if a.client else []
    archetype = d.archetype or "ARCHETYPE"
    first = (
        []
        if d.archetype or d.verdict == KEEP
        else [shlex.join(["breakup", "archetypes", *language])]
    )
    if d.verdict == END:
        folder = safe_name(a.client or "", fallback="client") + "/"
        line = ["breakup", "kit", archetype, *language, *client, "-o", folder]
    elif d.verdict == LIMITS and boundaries:
        line = ["breakup", "boundaries", archetype, *language, *client]
    elif d.verdict == LIMITS:
        line = ["breakup", "check", "limits.txt", *language]
    else:
        again = ["--answers", answers_file] if answers_file else []
        line = ["breakup", "decide", *language, *again]
    return [*first, shlex.join(line)]


# --- the worksheet ------------------------------------------------------------------------


def problems(lang: str = "en", locale: str | None = None,
             templates: Path | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """The archetypes to choose the main problem from: (id, description in `lang`)."""
    from breakup.render import describe

    locale = locale or languages.babel_locale(lang, languages.language(lang).default_region)
    return describe(lang, locale, templates)


def publish(answers: Answers, fmt: str = "text", **options: Any) -> Any:
    """Decide and write the worksheet as a publish.Output in text, md, html or pdf.

    Options: lang, locale, currency (default: the region's), today (date), templates (a
    folder overlaying the built-in ones: rendered within bounds), answers_file (named in the
    command to run again).
    """
    from breakup import registry, sandbox
    from breakup.publish import Output

    if fmt not in ("text", "md", "html", "pdf"):
        raise InputError(
            _("--format {fmt} is not available for the worksheet: choose text, md, html or "
              "pdf").format(fmt=fmt)
        )  # fmt: skip
    source = registry.FORMATS[fmt].source
    if options.get("templates") is not None:
        doc = sandbox.run_bounded(_render, answers, source, **options)
    else:
        doc = _render(answers, source, **options)
    if fmt == "pdf":
        from breakup.publish import print_pdf

        data = print_pdf(doc.body, options.get("templates"), "decide")
        return Output(doc, fmt, data, binary=True, missing=())
    return Output(doc, fmt, doc.body.encode("utf-8"), binary=False, missing=())


# How the worksheet shows each value of a reason: as the answers of this kind are shown.
VALUE_KINDS = {
    "cost": "amount", "year": "amount", "effective": "amount", "rate": "amount",
    "revenue": "amount", "spent": "hours", "paid": "hours", "extra": "hours",
    "share": "percent", "line": "percent", "months": "months", "leverage": "text",
}  # fmt: skip


def _render(answers: Answers, fmt: str, *, lang: str = "en", locale: str | None = None,
            currency: str | None = None, today: date | None = None,
            templates: Path | None = None, answers_file: str | None = None) -> Any:  # fmt: skip
    import re

    from markupsafe import Markup

    from breakup import catalog, context, registry
    from breakup.render import Document, environment, evaluate, load_archetype

    locale = locale or languages.babel_locale(lang, languages.language(lang).default_region)
    region = languages.language(lang).region(languages.region_of(locale))
    currency = currency or region.currency
    today = today or date.today()
    decision = decide(answers, catalog.archetype_ids(templates))
    fit: dict[str, Any] | None = None
    if decision.archetype is not None:
        module = load_archetype(decision.archetype, lang, locale, "formal", templates)
        fit = {"id": decision.archetype, "description": str(module.description),
               "inferred": decision.inferred,
               "boundaries": module.boundaries is not None}  # fmt: skip
    commands = next_commands(decision, answers, lang=lang, answers_file=answers_file,
                             boundaries=fit is None or bool(fit["boundaries"]),
                             locale=locale)  # fmt: skip

    def shown(kind: str, value: Any) -> Any:
        """A value as the worksheet shows it: amounts and numbers as the locale writes them,
        the user's text escaped for the format, yes/no/None as they are."""
        if value is None or isinstance(value, bool):
            return value
        if kind in ("text", "archetype"):
            return registry.FORMATS[fmt].escape(str(catalog.strip_controls(value)))
        if kind == "amount":
            return context.format_money(value, currency, locale)
        if kind == "percent":
            from babel.numbers import format_percent

            return format_percent(value / 100, locale=locale, decimal_quantization=False)
        return context.format_number(value, locale) if kind in ("hours", "months") else value

    def reason(r: Reason) -> dict[str, Any]:
        values = {key: shown(VALUE_KINDS.get(key, ""), v) for key, v in r.values.items()}
        # For the plural of "hours" and "months": 1 is singular, 1.5 and 20 plural.
        values.update({f"{key}_count": 1 if v == 1 else 2 for key, v in r.values.items()
                       if VALUE_KINDS.get(key) in ("hours", "months")})  # fmt: skip
        return {"key": r.key, "v": values}

    def reasons(section: str) -> list[dict[str, Any]]:
        return [reason(r) for r in decision.reasons if r.section == section and not r.decisive]

    ctx = {
        "format": fmt, "lang": lang, "paper": region.paper, "today": context.Day(today, locale),
        "client": shown("text", answers.client) or "",
        "verdict": decision.verdict, "fit": fit,
        "decisive": [reason(r) for r in decision.decisive],
        "notes": reasons("decision"),
        "sections": [{"name": name, "reasons": reasons(name)} for name in SECTIONS],
        "watch": list(decision.watch),
        "revisit": context.Day(today + timedelta(days=REVISIT_DAYS), locale),
        "line": shown("percent", DEPENDENCE_PERCENT),
        "commands": commands,
        # Crossed limits are asked about only where limits were set.
        "answers": [{"name": q.name, "value": shown(q.kind, getattr(answers, q.name))}
                    for q in QUESTIONS if q.name != "limits_crossed" or answers.limits_set
                    or answers.limits_crossed is not None],
        "no_such_sentence": {},
    }  # fmt: skip
    env = environment(lang, locale, "formal", fmt == "html", templates)
    module = evaluate(env, "decide.j2", ctx)
    body, title = str(module), getattr(module, "title", "")
    if fmt == "html":
        page = evaluate(env, "formats/page.j2", {**ctx, "content": Markup(body), "title": title,
                                                  "letter": False, "mail": False})  # fmt: skip
        body = str(page)
        if templates is not None:
            from breakup.safehtml import check_page

            body = check_page(body, "decide")
    body = re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"
    return Document(name="decide", archetype=decision.archetype or "", lang=lang, locale=locale,
                    register="formal", fmt=fmt, subject=" ".join(str(title).split()), body=body,
                    missing=(), paper=region.paper)  # fmt: skip

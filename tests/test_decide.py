"""breakup decide: the rules give reasons and a verdict; asked, piped, from options or a file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GOLDEN, TODAY

from breakup import i18n, resources
from breakup.cli import cli
from breakup.cli_decide import load_answers
from breakup.decide import (
    END,
    KEEP,
    LIMITS,
    QUESTIONS,
    Answers,
    costs,
    decide,
    next_commands,
    publish,
)

D = Decimal
KNOWN = ("diva", "family-friend", "late-payer", "scope-shifter", "shouter")
GOLDENS = GOLDEN / "decide"

# --- the rules, case by case ----------------------------------------------------------------

# (id, answers, verdict, the decisive reasons, the other reasons it must give, archetype)
CASES = [
    ("nothing answered: keep, and say it rests on little", Answers(),
     KEEP, ["no_trouble"], ["few_answers"], None),
    ("shouting ends it without limits first", Answers(problem="shouter", limits_set=False),
     END, ["abuse"], [], "shouter"),
    ("no limits ever set: set them first", Answers(problem="late-payer", limits_set=False),
     LIMITS, ["limits_never"], ["leverage_unknown"], "late-payer"),
    ("limits not known: set them first", Answers(problem="diva"),
     LIMITS, ["limits_unknown"], [], "diva"),
    ("limits set and crossed: end it", Answers(problem="late-payer", limits_set=True,
                                               limits_crossed=True),
     END, ["limits_crossed"], [], "late-payer"),
    ("crossed limits were set", Answers(problem="late-payer", limits_crossed=True),
     END, ["limits_crossed"], [], "late-payer"),
    ("limits that hold: keep", Answers(problem="diva", limits_set=True, limits_crossed=False),
     KEEP, ["limits_hold"], [], "diva"),
    ("limits set, crossed unknown: keep and check", Answers(problem="diva", limits_set=True),
     KEEP, ["limits_check"], [], "diva"),
    ("always butting heads ends it, limits or not",
     Answers(problem="family-friend", butt_heads=True, limits_set=False),
     END, ["butt_heads"], ["limits_not_enough"], "family-friend"),
    ("moving the goalposts ends it, and points to the scope shifter",
     Answers(unfair=True, butt_heads=False), END, ["unfair"], [], "scope-shifter"),
    ("no walk-away sign is said", Answers(problem="diva", butt_heads=False, unfair=False),
     LIMITS, ["limits_unknown"], ["no_walk_signs"], "diva"),
    ("unpaid hours alone: set limits first, and they point to the diva",
     Answers(hours_spent=D(40), hours_paid=D(25)), LIMITS, ["limits_unknown"], ["extra_hours"],
     "diva"),
    ("a hidden cost alone is trouble", Answers(lost_sleep=True, limits_set=False),
     LIMITS, ["limits_never"], ["lost_sleep"], None),
    ("each hidden cost is a reason",
     Answers(team_morale=True, other_clients=True, limits_set=False),
     LIMITS, ["limits_never"], ["team_morale", "other_clients"], None),
    ("well paid, nothing else it costs: keep",
     Answers(revenue=D(3000), hours_spent=D(40), hours_paid=D(40), usual_rate=D(60),
             team_morale=False, lost_sleep=False, other_clients=False),
     KEEP, ["no_trouble"], ["hours_within", "rate_fine", "no_hidden_costs"], None),
    ("paid below the usual rate, with the cost of the extra hours",
     Answers(revenue=D(2000), hours_spent=D(40), hours_paid=D(25), usual_rate=D(60)),
     LIMITS, ["limits_unknown"], ["extra_hours", "extra_cost", "rate_below"], "diva"),
    ("a rate without a usual one to compare", Answers(revenue=D(2000), hours_spent=D(40)),
     KEEP, ["no_trouble"], ["rate_only"], None),
    ("revenue without hours", Answers(revenue=D(2000)), KEEP, ["no_trouble"],
     ["revenue_only"], None),
    ("short runway, high dependence: end it, but plan the date",
     Answers(problem="late-payer", limits_crossed=True, runway_months=D(2),
             income_share=D(50)),
     END, ["limits_crossed", "runway_short"], ["dependence_high"], "late-payer"),
    ("short runway, small share: end it now",
     Answers(problem="late-payer", limits_crossed=True, runway_months=D(2),
             income_share=D(10)),
     END, ["limits_crossed"], ["runway_short", "dependence_low"], "late-payer"),
    ("runway enough", Answers(problem="diva", runway_months=D(6)), LIMITS, ["limits_unknown"],
     ["runway_ok"], "diva"),
    ("leverage named", Answers(problem="diva", leverage="speed"), LIMITS, ["limits_unknown"],
     ["leverage"], "diva"),
    ("an outside cause: make their case easier",
     Answers(problem="late-payer", outside_cause=True), LIMITS, ["limits_unknown"],
     ["outside"], "late-payer"),
    ("an outside cause when ending it: end it without blame",
     Answers(problem="late-payer", limits_crossed=True, outside_cause=True), END,
     ["limits_crossed"], ["outside_end"], "late-payer"),
    ("no outside cause", Answers(problem="diva", outside_cause=False), LIMITS,
     ["limits_unknown"], ["not_outside"], "diva"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "verdict", "decisive", "also", "archetype"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_rules(answers: Answers, verdict: str, decisive: list[str], also: list[str],
               archetype: str | None) -> None:  # fmt: skip
    decision = decide(answers, KNOWN)
    assert decision.verdict == verdict
    assert [r.key for r in decision.decisive] == decisive
    assert set(also) <= {r.key for r in decision.reasons if not r.decisive}
    assert decision.archetype == archetype


def test_every_rule_has_a_case_and_a_sentence() -> None:
    """The cases above reach every sentence the template has, and nothing else."""
    template = (resources.templates_dir() / "decide.j2").read_text(encoding="utf-8")
    sentences = set(re.findall(r'r\.key == "([a-z_]+)"', template))
    reached = {r.key for _id, answers, *_rest in CASES for r in decide(answers, KNOWN).reasons}
    assert reached == sentences


def test_only_known_archetypes_are_inferred() -> None:
    decision = decide(Answers(unfair=True), known=("diva",))
    assert (decision.archetype, decision.inferred) == (None, False)
    assert decide(Answers(unfair=True), KNOWN).inferred


def test_costs_per_month_and_year() -> None:
    c = costs(Answers(revenue=D(2000), hours_spent=D(40), hours_paid=D(25), usual_rate=D(60)))
    assert (c.extra_hours, c.effective_rate, c.extra_cost, c.yearly_cost) == (
        D(15), D("50.00"), D("900.00"), D("10800.00"))  # fmt: skip
    assert costs(Answers(hours_spent=D(0), revenue=D(100))).effective_rate is None


@pytest.mark.parametrize(("answers", "lang", "boundaries", "expected"), [
    (Answers(client="Ferretería Núñez S.L.", problem="late-payer", limits_crossed=True), "es",
     True, ["breakup kit late-payer --lang es --client 'Ferretería Núñez S.L.' "
            "-o ferreteria-nunez-s-l/"]),
    (Answers(butt_heads=True), "en", True,
     ["breakup archetypes", "breakup kit ARCHETYPE -o client/"]),
    (Answers(client="Acme", problem="diva"), "en", True,
     ["breakup boundaries diva --client Acme"]),
    (Answers(client="Acme", problem="diva"), "en", False, ["breakup check limits.txt"]),
    (Answers(), "es", True, ["breakup decide --lang es --answers acme.toml"]),
], ids=["end: the kit", "end, no archetype: choose one", "limits: the boundaries",
        "limits, no boundaries message: check your own", "keep: decide again"])  # fmt: skip
def test_next_commands(answers: Answers, lang: str, boundaries: bool,
                       expected: list[str]) -> None:  # fmt: skip
    decision = decide(answers, KNOWN)
    got = next_commands(decision, answers, lang=lang, answers_file="acme.toml",
                        boundaries=boundaries)  # fmt: skip
    assert got == expected


def test_next_commands_keep_a_regional_locale() -> None:
    answers = Answers(client="Acme", problem="late-payer", limits_crossed=True)
    decision = decide(answers, KNOWN)
    assert next_commands(decision, answers, lang="es", locale="es_MX") == [
        "breakup kit late-payer --lang es --locale es_MX --client Acme -o acme/"]  # fmt: skip
    assert next_commands(decision, answers, lang="es", locale="es_ES") == [
        "breakup kit late-payer --lang es --client Acme -o acme/"]  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("answers", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_every_case_renders_in_every_language(answers: Answers, lang: str) -> None:
    text = publish(answers, "text", lang=lang, today=TODAY).data.decode()
    assert text.count("\n\n\n") == 0 and "[" not in text


# --- the golden worksheets ------------------------------------------------------------------


def _goldens() -> list[Path]:
    """<case>.<lang>.txt for each <case>.toml of answers, in each language."""
    return [GOLDENS / f"{p.stem}.{lang}.txt" for p in sorted(GOLDENS.glob("*.toml"))
            for lang in ("en", "es")]  # fmt: skip


@pytest.mark.parametrize("path", _goldens(), ids=lambda p: p.name)
def test_golden(path: Path, update_goldens: bool) -> None:
    """The worksheet of <case>.toml in <lang> is <case>.<lang>.txt, in full."""
    case, lang = path.stem.rsplit(".", 1)
    locale = {"en": "en_US", "es": "es_ES"}[lang]
    found = load_answers(GOLDENS / f"{case}.toml", locale=locale, known=KNOWN)
    text = publish(Answers(**found), "text", lang=lang, locale=locale, today=TODAY).data.decode()
    if update_goldens:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"{path.name} is missing: run pytest --update-goldens and read it"
    assert text == path.read_text(encoding="utf-8")


def test_no_golden_without_its_answers() -> None:
    assert set(GOLDENS.glob("*.txt")) == set(_goldens())


# --- the command ----------------------------------------------------------------------------

# One answer per line, in the order asked: the client, the problem (a number of the list),
# revenue, hours spent, hours paid, usual rate, share, morale, sleep, other clients, limits
# set, crossed, leverage, runway, outside, butting heads, unfair.
PIPED_EN = "Acme\n3\n3000\n\n\n\n50\nn\ny\nn\ny\ny\n\n2\nn\nn\nn\n"
PIPED_ES = (
    "Ferretería Núñez S.L.\n1\n2.000\n40\n25\n60\n35\nno\nsí\nno\nno\n"
    "Sé mantener su tienda en línea\n4\ns\nn\nn\n"
)


def invoke(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["decide", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_a_piped_session_in_english(runner: CliRunner) -> None:
    code, out, err = invoke(runner, input=PIPED_EN)
    assert code == 0, err
    assert out.startswith("Decision worksheet: Acme\n")
    assert "Recommendation: End it, but plan the date." in out
    assert "    breakup kit late-payer --client Acme -o acme/\n" in out
    assert "- Monthly revenue: $3,000.00\n" in out
    # The questions and the answers read from the pipe go to stderr; stdout is the worksheet.
    assert "What is the main problem with this client?" in err
    assert "Their share of your total income, in % (Enter to skip): 50\n" in err
    assert "Were they crossed? (y/n, Enter to skip): y\n" in err
    assert "Enter to skip" not in out


def test_a_piped_session_in_spanish(runner: CliRunner) -> None:
    """The answers typed as a Spanish user types them: 2.000 euros, sí, s, no."""
    code, out, err = invoke(runner, "--lang", "es", input=PIPED_ES)
    assert code == 0, err
    assert out.startswith("Hoja de decisión: Ferretería Núñez S.L.\n")
    assert "Recomendación: Primero, pon límites." in out
    assert "    breakup boundaries diva --lang es --client 'Ferretería Núñez S.L.'\n" in out
    assert "- Ingresos mensuales: 2.000,00\u00a0€\n" in out
    assert "- Te quita el sueño: sí\n" in out
    assert "- La causa puede ser externa: sí\n" in out
    assert "Lo que le aportas y la competencia no iguala: Sé mantener su tienda en línea." in out
    # The problems to choose from, described in the user's language.
    assert "1. diva           Requiere mucho más tiempo" in err
    # Limits never set: crossed is not asked, nor listed as unanswered.
    assert "Were they crossed?" not in err and "Límites sobrepasados" not in out


def test_the_questions_speak_the_interface_language(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompts are interface messages: the interface catalog translates them."""
    ui = {"Does it cost you sleep?": "¿Te quita el sueño?", "(y/n, Enter to skip)":
          "(s/n, Intro para saltar)", "yes": "sí", "no": "no"}  # fmt: skip
    monkeypatch.setattr(i18n, "_messages",
                        lambda lang, domain: ui if domain == i18n.DOMAIN else {})  # fmt: skip
    code, out, err = invoke(runner, "--lang", "es", "--problem", "diva", "--client", "Acme",
                            input="\n\n\n\n\n\ns\n")  # fmt: skip
    assert code == 0, err
    assert "¿Te quita el sueño? (s/n, Intro para saltar): s\n" in err
    assert "- Te quita el sueño: sí\n" in out


def test_a_wrong_answer_is_asked_again(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "--client", "Acme", "--problem", "diva",
                            input="lots\n2000\n40\nmaybe\n25\n")  # fmt: skip
    assert code == 0, err
    assert "Error: invalid amount 'lots' for --revenue" in err
    assert "Error: invalid number 'maybe' for --hours-paid" in err
    assert "- Hours paid a month: 25\n" in out


def test_a_yes_or_no_is_asked_again(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "--client", "Acme", "--problem", "diva", "--revenue", "1",
                            "--hours-spent", "1", "--hours-paid", "1", "--usual-rate", "1",
                            "--income-share", "1", input="perhaps\ny\n")  # fmt: skip
    assert code == 0, err
    assert "Error: answer y or n, or press Enter to skip" in err
    assert "- Hurts your team's morale: yes\n" in out


def test_the_end_of_input_leaves_the_rest_unknown(runner: CliRunner) -> None:
    code, out, err = invoke(runner, input="Acme\nshouter\n")
    assert code == 0, err
    assert "Recommendation: End it now." in out
    assert "Not answered: Monthly revenue, " in out


def test_no_input_asks_nothing(runner: CliRunner) -> None:
    code, out, err = invoke(runner, "--no-input", "--problem", "shouter", input="Acme\n")
    assert (code, err) == (0, "")
    assert out.startswith("Decision worksheet\n") and "breakup kit shouter -o client/" in out


def test_an_answers_file(runner: CliRunner, tmp_path: Path) -> None:
    answers = tmp_path / "acme.toml"
    answers.write_text('client = "Acme"\nproblem = "late-payer"\nlimits_set = true\n'
                       'limits_crossed = "yes"\nrevenue = "1.250,50"\nincome_share = "20%"\n',
                       encoding="utf-8")  # fmt: skip
    code, out, err = invoke(runner, "--answers", str(answers), "--no-input", "--lang", "es")
    assert (code, err) == (0, "")
    assert "Recomendación: Pon fin a la relación ahora." in out
    assert "- Ingresos mensuales: 1.250,50\u00a0€\n" in out
    assert "- Peso en tus ingresos: 20\u00a0%\n" in out


def test_options_win_over_the_answers_file(runner: CliRunner, tmp_path: Path) -> None:
    answers = tmp_path / "acme.toml"
    answers.write_text('problem = "late-payer"\nlimits_set = false\n', encoding="utf-8")
    code, out, _err = invoke(runner, "--answers", str(answers), "--limits-set",
                             "--no-limits-crossed", "--no-input")  # fmt: skip
    assert code == 0
    assert "Recommendation: Keep this client, and revisit on " in out
    assert "    breakup decide --answers " in out


def test_options_alone(runner: CliRunner) -> None:
    code, out, _err = invoke(runner, "--no-input", "--client", "Acme", "--problem",
                             "scope-shifter", "--unfair", "--hours-spent", "30",
                             "--hours-paid", "20")  # fmt: skip
    assert code == 0
    assert "Recommendation: End it now." in out
    assert "- They change the parameters and won't play fair: yes\n" in out
    assert "10 hours a month go unpaid" in out


@pytest.mark.parametrize(("content", "message"), [
    ('problem = "the worst"\n', "unknown archetype 'the worst': choose one of diva,"),
    ('hours_spent = -3\n', "invalid number -3 for"),
    ('lost_sleep = "often"\n', "invalid answer 'often' for"),
    ('sleep = true\n', "unknown key 'sleep': valid keys: client, problem,"),
    ('client = [1]\n', "client must be text"),
    ('problem = \n', "invalid TOML"),
], ids=["archetype", "number", "yes or no", "key", "text", "TOML"])  # fmt: skip
def test_a_wrong_answers_file_is_refused(runner: CliRunner, tmp_path: Path, content: str,
                                         message: str) -> None:  # fmt: skip
    answers = tmp_path / "bad.toml"
    answers.write_text(content, encoding="utf-8")
    code, out, err = invoke(runner, "--answers", str(answers), "--no-input")
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_a_wrong_option_is_refused(runner: CliRunner) -> None:
    code, _out, err = invoke(runner, "--no-input", "--income-share", "120")
    assert code == 2 and "invalid number '120' for --income-share" in err


def test_markdown(runner: CliRunner) -> None:
    code, out, _err = invoke(runner, "--no-input", "--client", "A*B_C", "--problem", "diva",
                             "--leverage", "<speed>", "-f", "md")  # fmt: skip
    assert code == 0
    assert out.startswith("# Decision worksheet: A\\*B\\_C\n")
    assert "**Recommendation:** Set limits first." in out and "## Next step" in out
    # The command is a code block: pasted as it is, not escaped.
    assert "\n    breakup boundaries diva --client 'A*B_C'\n" in out
    assert "- What you bring them: \\<speed\\>\n" in out


def test_html_page(runner: CliRunner) -> None:
    code, out, _err = invoke(runner, "--no-input", "--client", "<b>Acme</b>", "--problem",
                             "diva", "-o", "ws.html")  # fmt: skip
    assert code == 0
    page = Path("ws.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<title>Decision worksheet: &lt;b&gt;Acme&lt;/b&gt;</title>" in page
    command = "breakup boundaries diva --client &#39;&lt;b&gt;Acme&lt;/b&gt;&#39;"
    assert f"<pre><code>{command}</code></pre>" in page
    assert "<b>Acme" not in page


def test_pdf(runner: CliRunner) -> None:
    pytest.importorskip("weasyprint")
    code, _out, err = invoke(runner, "--no-input", "--problem", "diva", "--lang", "es",
                             "-o", "ws.pdf")  # fmt: skip
    assert code == 0, err
    assert Path("ws.pdf").read_bytes().startswith(b"%PDF")
    code, _out, err = invoke(runner, "--no-input", "-f", "pdf")
    assert code == 2 and "give -o FILE" in err


def test_an_existing_file_is_kept(runner: CliRunner) -> None:
    Path("ws.md").write_text("mine", encoding="utf-8")
    code, _out, err = invoke(runner, "--no-input", "-o", "ws.md")
    assert code != 0 and "already exists" in err
    assert Path("ws.md").read_text(encoding="utf-8") == "mine"
    assert invoke(runner, "--no-input", "-o", "ws.md", "--force")[0] == 0


def test_a_file_name_of_another_format_is_refused(runner: CliRunner) -> None:
    code, _out, err = invoke(runner, "--no-input", "-o", "ws.eml")
    assert code == 2 and "text, md, html or pdf" in err


def test_every_question_is_an_option() -> None:
    command = cli.get_command(None, "decide")  # type: ignore[arg-type]
    assert command is not None
    options = {opt for p in command.params for opt in p.opts}
    assert {q.option for q in QUESTIONS} <= options


def test_the_readme_session_is_real(runner: CliRunner) -> None:
    """The README's piped session is what the command prints, questions and worksheet."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deciding first: `breakup decide`", 1)[1].split("\n## ", 1)[0]
    block = section.split("```text\n", 1)[1].split("```", 1)[0]
    command, shown = block.split("    breakup decide\n", 1)
    piped = re.search(r"printf '(.*)'", command)
    assert piped is not None
    result = runner.invoke(cli, ["decide"], input=piped[1].replace("\\n", "\n"))
    assert result.exit_code == 0
    expected = shown.removesuffix("...\n")
    assert result.output.startswith(expected)


def test_your_own_archetype_is_a_problem_to_choose(runner: CliRunner, tmp_path: Path) -> None:
    """--templates: a user's archetype is listed with its description and can be chosen."""
    source = resources.templates_dir() / "archetypes" / "diva" / "archetype.j2"
    text = source.read_text(encoding="utf-8").replace(
        '_("Needs far more of your time than the engagement can support.")',
        '"Asks for the moon, every week."')  # fmt: skip
    mine = tmp_path / "mine" / "archetypes" / "moon"
    mine.mkdir(parents=True)
    (mine / "archetype.j2").write_text(text, encoding="utf-8")
    code, out, err = invoke(runner, "--templates", str(tmp_path / "mine"), "--client", "Acme",
                            input="moon\n")  # fmt: skip
    assert code == 0, err
    assert "moon           Asks for the moon, every week." in err
    assert "The archetype that fits: moon. Asks for the moon, every week." in out
    assert "    breakup boundaries moon --client Acme\n" in out

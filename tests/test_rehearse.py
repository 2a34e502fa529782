"""breakup rehearse: the conversation, the substance check, the debrief, and the terminal.

Most tests pipe replies through CliRunner as a user would script them; a few run the real
program, with its standard input closed, killed with SIGTERM, or on a pseudo-terminal.
"""

from __future__ import annotations

import dataclasses
import os
import re
import select
import signal
import subprocess
import sys
import time
import tomllib
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from breakup import catalog, cli_rehearse
from breakup.cli import cli
from breakup.models import ClientFacts, Profile, Referral, Sender
from breakup.rehearse import DIFFICULTIES, Conversation, Session, judge, plan
from breakup.resources import LOCALES_DIR

ROOT = Path(__file__).resolve().parent.parent
FACTS = ["--client", "Acme", "--end-date", "2027-01-15"]
INSTALLMENTS = {"en": "Can we pay the balance in installments?",
                "es": "¿Podemos pagar lo pendiente a plazos?"}  # fmt: skip
CONCEDING = {"en": "Ok, thanks.", "es": "Vale, gracias."}
FIRM = {
    "en": "Send me a proposal in writing and I'll look at it. The end date stays the same.",
    "es": "Envíame una propuesta por escrito y la estudiaré. La fecha de finalización se mantiene.",
}
HOLD = "The decision stands, and the end date stays the same."


def _seed_opening_with(archetype: str, lang: str, says: str) -> int:
    """A seed whose session opens with the client line `says`."""
    for seed in range(200):
        session = plan(archetype, lang=lang, seed=seed)
        if session.reactions[session.order[0]].says == says:
            return seed
    raise AssertionError(f"no seed opens {archetype} with {says!r}")


def _rehearse(runner: CliRunner, *args: str, replies: list[str] | bytes = ()) -> Result:
    data = replies if isinstance(replies, bytes) else "".join(f"{r}\n" for r in replies)
    return runner.invoke(cli, ["rehearse", *args], input=data)


def _client_lines(output: str) -> list[str]:
    """The client's lines of a session, as printed (joined when wrapped)."""
    text = re.sub(r"\n {2}(?=\S)", " ", output)  # unwrap continuation lines
    return re.findall(r"^(?:Client|Cliente)[^:\n]*: (.*)$", text, re.M)


# --- substance: a conceding reply is flagged with its goal; a firm one moves on ------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_conceding_reply_is_flagged_with_the_goal_it_misses(runner: CliRunner, lang: str) -> None:
    """ "Vale, gracias." to "¿Podemos pagar lo pendiente a plazos?" agrees to a payment plan."""
    seed = _seed_opening_with("late-payer", lang, INSTALLMENTS[lang])
    result = _rehearse(runner, "late-payer", "--lang", lang, "--seed", str(seed), *FACTS,
                       replies=[CONCEDING[lang]])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    expected = {
        "en": 'Substance: misses "no promises": agrees without holding your ground ("Ok").',
        "es": "Fondo: fallas en «no prometer nada»: asientes sin mantener tu postura («Vale»).",
    }[lang]
    assert expected in out
    suggested = {"en": "Suggested reply: Send me a proposal in writing",
                 "es": "Respuesta sugerida: Envíeme una propuesta por escrito"}[lang]  # fmt: skip
    assert suggested in out
    # The tone alone would have called it neutral.
    assert {"en": "Tone check: neutral", "es": "Revisión del tono: neutral"}[lang] in out


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_firm_reply_passes_and_the_client_moves_on(runner: CliRunner, lang: str) -> None:
    seed = _seed_opening_with("late-payer", lang, INSTALLMENTS[lang])
    result = _rehearse(runner, "late-payer", "--lang", lang, "--seed", str(seed), *FACTS,
                       replies=[FIRM[lang]])  # fmt: skip
    out = " ".join(result.stdout.split())
    met = {
        "en": "Substance: met: hold the end date, no promises.",
        "es": "Fondo: conseguido: mantener la fecha de finalización, no prometer nada.",
    }
    assert met[lang] in out
    session = plan("late-payer", lang=lang, seed=seed)
    lines = _client_lines(result.stdout)
    assert lines[0] == INSTALLMENTS[lang]
    assert lines[1] == session.reactions[session.order[1]].says  # a new reaction, not the push


def test_a_concession_brings_the_push_line(runner: CliRunner) -> None:
    seed = _seed_opening_with("late-payer", "en", INSTALLMENTS["en"])
    result = _rehearse(runner, "late-payer", "--seed", str(seed), replies=[CONCEDING["en"]])
    push = "If we agree on a plan, surely we can keep working together?"
    assert _client_lines(result.stdout)[:2] == [INSTALLMENTS["en"], push]


@pytest.mark.parametrize(
    ("reply", "kind", "goal"),
    [
        ("We could reconsider, I suppose.", "reopen", "decision"),
        ("I'll think about it.", "reopen", "decision"),
        ("I'm so sorry.", "apologize", "decision"),
        ("Perhaps later we can work together again.", "promise", "no_promise"),
    ],
    ids=["reopens", "thinks-it-over", "apologizes", "promises"],
)
def test_reopening_apologizing_and_promising_are_named(reply: str, kind: str, goal: str) -> None:
    session = plan("late-payer", seed=1)
    line = session.line(str(1 + [r.says for r in session.reactions].index(INSTALLMENTS["en"])))
    misses, _met = judge(session.rules, reply, line.goals + ("decision",))
    assert (misses[0].kind, misses[0].goal) == (kind, goal)


def test_the_scripts_own_replies_meet_their_goals() -> None:
    """No suggested reply of any archetype, language or voice misses a goal of its line."""
    for lang in ("en", "es"):
        for archetype in catalog.archetype_ids():
            for company in ("", "Lumen"):
                profile = Profile(sender=Sender(name="Ana", company=company),
                                  referrals=(Referral(name="Jorge Salas"),))  # fmt: skip
                session = plan(archetype, lang=lang, seed=1, profile=profile,
                               facts=ClientFacts(end_date=date(2027, 1, 15)))  # fmt: skip
                for reaction in session.reactions:
                    misses, _met = judge(session.rules, reaction.reply, reaction.goals)
                    assert not misses, (lang, archetype, reaction.reply, misses)


def test_the_rule_files_define_the_same_goals_and_kinds() -> None:
    files = {lang: tomllib.loads((LOCALES_DIR / lang / "substance.toml").read_text("utf-8"))
             for lang in ("en", "es")}  # fmt: skip
    goals = {lang: [g["id"] for g in data["goal"]] for lang, data in files.items()}
    assert goals["en"] == goals["es"]
    assert set(files["en"]["does"]) == set(files["es"]["does"])


# A development corpus: replies to lines with the given goals, and whether the substance check
# should flag them. The second half was written as held-out sets before the rules saw them
# (see the README for the figures then); keep it growing with real replies that fooled it.
CORPUS = [
    ("en", "date no_promise", "Ok, thanks.", True),
    ("en", "date no_promise", "Installments are fine, no problem.", True),
    ("en", "date no_promise", "Sure, a payment plan works for me.", True),
    ("en", "date no_promise", "Send me a plan in writing. The end date stays January 15.", False),
    ("en", "date no_promise", "I'll look at a written proposal, but the date doesn't move.", False),
    ("en", "decision date", "That's good to hear. The end date stays the same though.", False),
    ("en", "decision date", "Great, thanks.", True),
    ("en", "decision date", "If you pay this week, we can carry on working.", True),
    ("en", "decision date", "Let me think about it.", True),
    ("en", "decision date", "Maybe you're right.", True),
    ("en", "decision date handover", "Ok, we can push the date to February.", True),
    ("en", "decision date handover", "Another month is fine.", True),
    (
        "en",
        "decision date handover",
        "I can't move the end date, but you'll get all the files.",
        False,
    ),
    ("en", "decision date handover", "I'll stay on until the launch.", True),
    ("en", "no_new_work handover calm", "Sure, one more thing.", True),
    ("en", "no_new_work handover calm", "I'll squeeze it in this week.", True),
    (
        "en",
        "no_new_work handover calm",
        "That's new work: I'll put it in the handover notes for whoever takes over.",
        False,
    ),
    ("en", "no_new_work handover calm", "Just this once, then.", True),
    ("en", "boundary no_new_work calm", "OK, I'll keep my phone on.", True),
    ("en", "boundary no_new_work calm", "Call me anytime this weekend.", True),
    ("en", "boundary no_new_work calm", "I keep my usual working hours until the end date.", False),
    ("en", "decision facts calm", "What rate did you have in mind?", True),
    ("en", "decision price", "Name your rate and we'll see.", True),
    ("en", "decision price", "It isn't about the money. The decision stands.", False),
    ("en", "decision price", "For double the rate I'd stay.", True),
    ("en", "decision calm", "I'm so sorry.", True),
    ("en", "decision calm", "I'm sorry to hear that, but the decision stands.", False),
    ("en", "decision calm", "Calm down, please.", True),
    ("en", "decision calm", "Perhaps later we could work together again.", False),
    (
        "en",
        "listen calm decision",
        "So what I'm hearing is that the changes came from your boss. Have I got that right?",
        False,
    ),
    ("en", "listen calm decision", "That's not true.", True),
    ("en", "decision listen", "It's not my fault.", True),
    (
        "en",
        "date handover referral",
        "The end date stays. I can introduce you to someone I trust.",
        False,
    ),
    ("en", "date handover referral", "I'll recommend Jorge Salas to take over.", False),
    ("en", "decision boundary no_promise", "OK, let's talk tomorrow.", True),
    ("en", "decision boundary no_promise", "We'll see how it goes.", True),
    (
        "en",
        "decision boundary no_promise",
        "The decision won't change overnight. I'll send everything in writing today.",
        False,
    ),
    ("en", "decision date", "Right. Thanks for letting me know.", True),
    ("en", "decision date", "I understand, and I'm glad the payment is coming.", False),
    (
        "en",
        "decision facts",
        "Thank you. That's a fair offer, but paying for it doesn't solve the hours.",
        False,
    ),
    ("es", "date no_promise", "Vale, gracias.", True),
    ("es", "date no_promise", "A plazos está bien, no hay problema.", True),
    ("es", "date no_promise", "De acuerdo, lo hablamos.", True),
    ("es", "date no_promise", "Envíame una propuesta por escrito. La fecha se mantiene.", False),
    ("es", "decision date", "Me alegra oírlo, pero la fecha de finalización no cambia.", False),
    ("es", "decision date", "Perfecto, gracias.", True),
    ("es", "decision date", "Si pagáis esta semana, seguimos.", True),
    ("es", "decision date", "Lo pensaré.", True),
    ("es", "decision date", "Déjame pensarlo.", True),
    ("es", "decision date", "Puede que tengas razón.", True),
    ("es", "decision date handover", "Vale, podemos mover la fecha a febrero.", True),
    ("es", "decision date handover", "Otro mes está bien.", True),
    (
        "es",
        "decision date handover",
        "No puedo mover la fecha, pero tendrás todos los archivos.",
        False,
    ),
    ("es", "decision date handover", "Me quedo hasta el lanzamiento.", True),
    ("es", "no_new_work handover calm", "Te lo hago.", True),
    ("es", "no_new_work handover calm", "Vale, una última cosa más.", True),
    (
        "es",
        "no_new_work handover calm",
        "Eso es trabajo nuevo: lo apunto en las notas del traspaso para quien tome el relevo.",
        False,
    ),
    ("es", "no_new_work handover calm", "Solo por esta vez.", True),
    ("es", "boundary no_new_work calm", "Vale, tendré el móvil encendido.", True),
    ("es", "boundary no_new_work calm", "Llámame cuando quieras este fin de semana.", True),
    (
        "es",
        "boundary no_new_work calm",
        "Hasta la fecha de finalización mantengo mi horario de trabajo.",
        False,
    ),
    ("es", "decision price", "Dime tu tarifa y lo vemos.", True),
    ("es", "decision price", "No es por el dinero. La decisión está tomada.", False),
    ("es", "decision price", "Por el doble me quedo.", True),
    ("es", "decision calm", "Lo siento mucho.", True),
    ("es", "decision calm", "Cálmate, por favor.", True),
    (
        "es",
        "listen calm decision",
        "Lo que me dices es que los cambios vinieron de dirección, ¿lo he entendido bien?",
        False,
    ),
    ("es", "listen calm decision", "Eso no es verdad.", True),
    ("es", "decision listen", "No es culpa mía.", True),
    (
        "es",
        "date handover referral",
        "La fecha sigue siendo el 15 de enero. Puedo ponerte en contacto con alguien de confianza.",
        False,
    ),
    ("es", "date handover referral", "Te recomiendo a Jorge Salas.", False),
    ("es", "decision boundary no_promise", "Vale, hablamos mañana.", True),
    ("es", "decision boundary no_promise", "Ya veremos.", True),
    (
        "es",
        "decision boundary no_promise",
        "La decisión no va a cambiar de un día para otro. Hoy mismo te lo envío todo por escrito.",
        False,
    ),
    ("es", "decision date", "Bueno. Gracias por avisar.", True),
    ("es", "decision date", "Entiendo, y me alegra que el pago esté en camino.", False),
    (
        "es",
        "decision facts",
        "Gracias, es una oferta justa, pero pagarlo no resuelve el problema de las horas.",
        False,
    ),
    ("es", "date no_promise", "Sí, claro, podéis pagar a plazos.", True),
    ("es", "decision date", "Si lo veo necesario, te aviso.", False),
    ("en", "date no_promise", "Yeah, that should be fine.", True),
    ("en", "date no_promise", "No worries, we'll sort something out.", True),
    ("en", "decision date handover", "I hear you. Let me see what I can do.", True),
    ("en", "decision date handover", "Fine, two more weeks then.", True),
    ("en", "decision date handover", "We could maybe stretch to the end of February.", True),
    ("en", "no_new_work handover calm", "Happy to help with that last bit.", True),
    ("en", "decision date handover", "I'm not going anywhere until it's launched.", True),
    ("en", "no_new_work handover calm", "Absolutely, I can do that.", True),
    ("en", "decision price", "Let me know what you can offer.", True),
    ("en", "boundary no_new_work calm", "I'll be around if anything breaks.", True),
    ("en", "decision calm", "Honestly, I feel terrible about this.", True),
    ("en", "decision date", "Good to know. My last day is still January 15.", False),
    (
        "en",
        "date no_promise",
        "Put the proposal in an email and I'll answer by Friday. The date doesn't change.",
        False,
    ),
    (
        "en",
        "no_new_work handover calm",
        "That's outside what we agreed. It can go to the next provider.",
        False,
    ),
    ("en", "decision price", "Thanks, but money isn't the reason.", False),
    ("en", "boundary no_new_work calm", "I'm not available at weekends.", False),
    (
        "en",
        "decision date handover",
        "The fifteenth stays the last day, and the files will be ready.",
        False,
    ),
    (
        "en",
        "listen calm decision",
        "You're saying the brief came from above. I get that. It doesn't change the decision.",
        False,
    ),
    ("en", "decision calm", "I know this is hard to hear.", False),
    (
        "en",
        "decision boundary no_promise",
        "I'd rather not talk again tomorrow; I'll answer any questions by email.",
        False,
    ),
    ("es", "date no_promise", "Sí, eso no es problema.", True),
    ("es", "date no_promise", "Tranquilo, ya lo arreglaremos.", True),
    ("es", "decision date handover", "Te entiendo. Veré qué puedo hacer.", True),
    ("es", "decision date handover", "Bueno, dos semanas más entonces.", True),
    ("es", "decision date handover", "Podría alargarlo hasta finales de febrero.", True),
    ("es", "no_new_work handover calm", "Encantada de ayudarte con eso último.", True),
    ("es", "decision date handover", "No me voy hasta que esté lanzado.", True),
    ("es", "no_new_work handover calm", "Claro, eso lo hago yo.", True),
    ("es", "decision price", "Dime qué puedes ofrecer.", True),
    ("es", "boundary no_new_work calm", "Estaré pendiente por si algo falla.", True),
    ("es", "decision calm", "La verdad es que me sabe fatal.", True),
    ("es", "decision date", "Me alegra saberlo. Mi último día sigue siendo el 15 de enero.", False),
    (
        "es",
        "date no_promise",
        "Mándame la propuesta por correo y te contesto el viernes. La fecha no cambia.",
        False,
    ),
    (
        "es",
        "no_new_work handover calm",
        "Eso queda fuera de lo acordado. Puede hacerlo el próximo proveedor.",
        False,
    ),
    ("es", "decision price", "Gracias, pero el dinero no es el motivo.", False),
    ("es", "boundary no_new_work calm", "Los fines de semana no estoy disponible.", False),
    (
        "es",
        "decision date handover",
        "El día 15 sigue siendo el último, y los archivos estarán listos.",
        False,
    ),
    (
        "es",
        "listen calm decision",
        "Me dices que el encargo vino de arriba. Lo entiendo. No cambia la decisión.",
        False,
    ),
    ("es", "decision calm", "Sé que no es fácil de oír.", False),
    (
        "es",
        "decision boundary no_promise",
        "Prefiero no volver a hablarlo mañana; te contesto todo por correo.",
        False,
    ),
    ("en", "decision facts calm", "Alright, if it means that much to you, I'll stay.", True),
    ("en", "decision date", "Okay, we'll keep going for now and see.", True),
    ("en", "decision date handover", "Let's say the end of next month instead.", True),
    ("en", "no_new_work handover calm", "Fine, send it over and I'll get it done.", True),
    ("en", "decision price", "Well, for the right price, anything is possible.", True),
    ("en", "boundary no_new_work calm", "Sure, text me if the site goes down.", True),
    ("en", "decision date", "I really am sorry about all this.", True),
    ("en", "date no_promise", "I'm sure we can work out a payment schedule.", True),
    ("en", "decision calm", "Look, maybe I was too hasty.", True),
    ("en", "listen calm decision", "That's rubbish and you know it.", True),
    (
        "en",
        "decision date",
        "Thanks. Nothing changes on my side: January 15 is my last day.",
        False,
    ),
    (
        "en",
        "no_new_work handover calm",
        "I'll note it for the new team; my time until the end is booked for what we agreed.",
        False,
    ),
    ("en", "decision price", "I appreciate it, but it's a question of hours, not money.", False),
    (
        "en",
        "date handover referral",
        "By the 15th you'll have the files, and I can recommend a colleague.",
        False,
    ),
    ("en", "decision calm", "I understand you're upset. The decision is final.", False),
    (
        "en",
        "boundary no_new_work calm",
        "I won't be working this weekend. Email me on Monday.",
        False,
    ),
    (
        "en",
        "decision boundary no_promise",
        "There's nothing to revisit tomorrow. Questions by email, please.",
        False,
    ),
    (
        "en",
        "listen calm decision",
        "If I understand you correctly, it felt sudden. I hear that.",
        False,
    ),
    ("es", "decision facts calm", "Bueno, si tanto te importa, me quedo.", True),
    ("es", "decision date", "Vale, de momento seguimos y ya se verá.", True),
    ("es", "decision date handover", "Pongamos mejor a finales del mes que viene.", True),
    ("es", "no_new_work handover calm", "Venga, mándamelo y te lo dejo hecho.", True),
    ("es", "decision price", "Hombre, por un buen precio todo es posible.", True),
    ("es", "boundary no_new_work calm", "Claro, mándame un mensaje si se cae la web.", True),
    ("es", "decision date", "De verdad que siento mucho todo esto.", True),
    ("es", "date no_promise", "Seguro que podemos cuadrar un calendario de pagos.", True),
    ("es", "decision calm", "Mira, igual me he precipitado.", True),
    ("es", "listen calm decision", "Eso es una tontería y lo sabes.", True),
    (
        "es",
        "decision date",
        "Gracias. Por mi parte no cambia nada: el 15 de enero es mi último día.",
        False,
    ),
    (
        "es",
        "no_new_work handover calm",
        "Lo anoto para el nuevo equipo; mi tiempo hasta el final está reservado para lo acordado.",
        False,
    ),
    (
        "es",
        "decision price",
        "Te lo agradezco, pero es una cuestión de horas, no de dinero.",
        False,
    ),
    (
        "es",
        "date handover referral",
        "Para el día 15 tendrás los archivos y puedo recomendarte a una colega.",
        False,
    ),
    ("es", "decision calm", "Entiendo que estés molesto. La decisión es definitiva.", False),
    (
        "es",
        "boundary no_new_work calm",
        "Este fin de semana no trabajo. Escríbeme el lunes.",
        False,
    ),
    (
        "es",
        "decision boundary no_promise",
        "Mañana no hay nada que revisar. Las preguntas, por correo, por favor.",
        False,
    ),
    (
        "es",
        "listen calm decision",
        "Si te entiendo bien, te ha parecido repentino. Lo entiendo.",
        False,
    ),
    # Reopening the end date in words the miss patterns did not know counted as holding it,
    # since it named "the end date" (the round-28 red team).
    ("en", "date decision", "If it comes in, I'll reconsider the end date.", True),
    ("en", "date decision", "If it comes in, we can revisit the end date.", True),
    ("en", "date decision", "If it arrives, the end date is open for discussion.", True),
    ("en", "date decision", "If it comes in, I'll drop the end date.", True),
    ("en", "date decision", "Thanks. The end date stays the same either way.", False),
    ("es", "date decision", "Si llega, me replantearé la fecha de finalización.", True),
    ("es", "date decision", "Si llega el pago, podemos revisar la fecha de finalización.", True),
    ("es", "date decision", "Si llega, la fecha de finalización ya no es definitiva.", True),
    ("es", "date decision", "Gracias. La fecha de finalización se mantiene igual.", False),
]


@pytest.fixture(scope="module")
def sessions() -> dict[str, Session]:
    facts = ClientFacts(end_date=date(2027, 1, 15))
    profile = Profile(referrals=(Referral(name="Jorge Salas"),))
    return {lang: plan("late-payer", lang=lang, seed=1, facts=facts, profile=profile)
            for lang in ("en", "es")}  # fmt: skip


@pytest.mark.parametrize(("lang", "goals", "reply", "flagged"), CORPUS,
                         ids=[f"{c[0]}-{n}" for n, c in enumerate(CORPUS)])  # fmt: skip
def test_the_substance_check_on_the_corpus(
    sessions: dict[str, Session], lang: str, goals: str, reply: str, flagged: bool
) -> None:
    session = sessions[lang]
    misses, _met = judge(session.rules, reply, tuple(goals.split()))
    assert bool(misses) == flagged, misses


# --- the conversation: pushes, difficulty, seed, escalation, exit line ----------------------


@pytest.mark.parametrize(("difficulty", "turns"), list(DIFFICULTIES.items()))
def test_difficulty_sets_the_number_of_turns(
    runner: CliRunner, difficulty: str, turns: int
) -> None:
    result = _rehearse(runner, "diva", "--seed", "3", "--difficulty", difficulty,
                       replies=[HOLD] * 10)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(_client_lines(result.stdout)) == turns


def test_easy_never_pushes_and_hard_pushes_after_a_soft_reply() -> None:
    def lines(difficulty: str, reply: str) -> list[str]:
        talk = Conversation(plan("diva", seed=3, difficulty=difficulty))
        while talk.next_line() is not None:
            talk.answer(reply)
        return [a.line.id for a in talk.answers]

    assert not any("p" in i for i in lines("easy", "Sure, one more thing."))
    assert lines("normal", "Hmm.")[1][-1] != "p"  # a soft reply: normal moves on
    assert lines("hard", "Hmm.")[1].endswith("p")  # hard pushes back


def test_the_seed_repeats_the_session(runner: CliRunner) -> None:
    replies = [CONCEDING["en"], HOLD, "Hmm.", HOLD, HOLD]
    first = _rehearse(runner, "scope-shifter", "--seed", "11", replies=replies)
    again = _rehearse(runner, "scope-shifter", "--seed", "11", replies=replies)
    assert first.stdout == again.stdout
    runs = [_rehearse(runner, "scope-shifter", "--seed", str(s), replies=replies) for s in range(4)]
    assert len({tuple(_client_lines(run.stdout)) for run in runs}) > 1


def test_shouting_makes_the_shouter_raise_their_voice_and_the_exit_line_ends_it() -> None:
    session = plan("shouter", seed=2)
    talk = Conversation(session)
    talk.answer("YOU ARE IMPOSSIBLE!!")
    line = talk.next_line()
    assert line is not None and line.raised and "calm" in line.goals
    answer = talk.answer(session.exit_line)
    assert answer.verdict == "exit" and talk.ended == "exit" and talk.next_line() is None
    outcomes = {o.key: o for o in talk.debrief()}
    assert outcomes["tone"].result == "miss" and outcomes["tone"].turns == (1,)


def test_a_raised_line_is_marked_on_screen(runner: CliRunner) -> None:
    result = _rehearse(runner, "shouter", "--seed", "2", replies=["YOU ARE IMPOSSIBLE!!", HOLD])
    assert "Client, raising their voice: " in result.stdout
    assert "met: stay calm" not in result.stdout  # the tone check found it broken
    # A client with no exit line (an archetype of your own may have none) never raises it.
    calm = Conversation(dataclasses.replace(plan("late-payer", seed=2), exit_line=""))
    calm.answer("YOU ARE IMPOSSIBLE!!")
    line = calm.next_line()
    assert line is not None and not line.raised


# --- the debrief and the transcript -------------------------------------------------------


def test_the_debrief_scores_each_goal_with_its_turn(runner: CliRunner, tmp_path: Path) -> None:
    seed = _seed_opening_with("late-payer", "en", INSTALLMENTS["en"])
    replies = [CONCEDING["en"], HOLD, "You always pay late!!"]
    result = _rehearse(runner, "late-payer", "--seed", str(seed), *FACTS, "--transcript", "t.md",
                       replies=replies)  # fmt: skip
    assert result.exit_code == 0, result.output
    tail = result.stdout.strip().splitlines()[-8:]
    assert tail[0] == "Debrief"
    assert "End date held: pass (turn 2)" in tail
    assert "No concession: miss (turn 1)" in tail
    assert "Decision held: pass (turn 2)" in tail
    assert "Neutral tone: miss (turn 3)" in tail
    assert tail[-1] == "Neutral replies: 2/3"
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert "## Debrief" in text and "- No concession: miss (turn 1)" in text
    assert text.rstrip().endswith("Neutral replies: 2/3")
    assert "**You:** Ok, thanks." in text and "- Substance: misses" in text


def test_replay_says_the_same_client_lines_and_compares(runner: CliRunner, tmp_path: Path) -> None:
    replies = [CONCEDING["en"], "Hmm.", CONCEDING["en"], HOLD, HOLD]
    first = _rehearse(runner, "diva", "--seed", "5", "--transcript", "first.md", replies=replies)
    again = _rehearse(runner, "--replay", "first.md", "--transcript", "second.md",
                      replies=[HOLD] * 5)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert _client_lines(again.stdout) == _client_lines(first.stdout)
    assert "A replay of first.md" in again.stdout
    assert "; last time: " in again.stdout
    wrong = _rehearse(runner, "shouter", "--replay", "first.md")
    assert wrong.exit_code == 2 and "rehearses diva, not shouter" in wrong.stderr


def test_the_transcript_escapes_markdown(runner: CliRunner, tmp_path: Path) -> None:
    result = _rehearse(runner, "diva", "--client", "**x** <b>", "--transcript", "t.md",
                       replies=["I'll *never* <i>do</i> [it](x)"])  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert text.startswith("# Rehearsal: \\*\\*x\\*\\* \\<b\\>\n")
    assert "**x**" not in text and "<b>" not in text and "<i>" not in text
    assert "**You:** I'll \\*never\\* \\<i\\>do\\</i\\> \\[it\\](x)" in text
    assert "Rehearsal: **x** <b>" in result.stdout  # the screen shows it as typed


def test_control_characters_of_a_reply_are_not_echoed(runner: CliRunner) -> None:
    result = _rehearse(runner, "diva", "--client", "Acme\x1b]0;owned\x07",
                       replies=["\x1b[31mThe decision stands\x1b[0m.\x07\x1b[D"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout)
    assert "You: The decision stands." in result.stdout
    assert "Rehearsal: Acme" in result.stdout


def test_a_byte_that_is_not_utf8_does_not_end_the_session(runner: CliRunner) -> None:
    result = _rehearse(runner, "diva", "--seed", "1",
                       replies=b"The decision stands \xff.\n" + HOLD.encode() + b"\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "You: The decision stands \ufffd." in result.stdout
    assert result.stdout.rstrip().endswith("Neutral replies: 2/2")


def test_the_end_of_input_ends_the_session_with_a_debrief(runner: CliRunner) -> None:
    result = _rehearse(runner, "diva", "--seed", "2")
    assert result.exit_code == 0
    assert result.stdout.rstrip().endswith("Neutral replies: 0/0")


def test_lines_are_wrapped_at_the_terminal_width_between_words(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "41")
    result = _rehearse(runner, "diva", "--seed", "2", *FACTS, replies=[HOLD])
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 40
    session = plan("diva", seed=2)
    words = session.reactions[session.order[0]].reply.split()
    flowing = " ".join(result.stdout.split())
    assert " ".join(words) in flowing  # no word was cut in two


# --- failing early, and cleanly ------------------------------------------------------------


def test_an_unwritable_transcript_fails_before_any_prompt(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = _rehearse(runner, "diva", "--transcript", "file/t.md", replies=[HOLD])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Error: cannot write the transcript file/t.md")
    (tmp_path / "taken.md").write_text("mine", encoding="utf-8")
    taken = _rehearse(runner, "diva", "--transcript", "taken.md", replies=[HOLD])
    assert taken.stdout == "" and "already exists" in taken.stderr
    assert (tmp_path / "taken.md").read_text(encoding="utf-8") == "mine"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_fails_before_any_prompt(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    result = _rehearse(runner, "diva", "--transcript", "locked/t.md", replies=[HOLD])
    assert result.stdout == "" and "cannot write the transcript" in result.stderr


def _program(tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80", "TERM": "xterm"}
    return [sys.executable, "-m", "breakup", "rehearse"], env


@pytest.mark.skipif(os.name != "posix", reason="closes a file descriptor the POSIX way")
def test_a_closed_stdin_is_one_error_line(tmp_path: Path) -> None:
    command, env = _program(tmp_path)
    done = subprocess.run([*command, "diva"], env=env, capture_output=True, text=True,
                          preexec_fn=lambda: os.close(0), timeout=60)  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(
        "Error: cannot read your replies"
    )


def _read_until(stream: int, marker: str, timeout: float = 30) -> str:
    seen, deadline = b"", time.monotonic() + timeout
    while marker.encode() not in seen and time.monotonic() < deadline:
        ready, _w, _x = select.select([stream], [], [], 0.2)
        if ready:
            seen += os.read(stream, 4096)
    return seen.decode("utf-8", "replace")


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_sigterm_ends_the_session_and_keeps_the_transcript(tmp_path: Path) -> None:
    command, env = _program(tmp_path)
    child = subprocess.Popen([*command, "diva", "--seed", "2", "--transcript", "t.md"],
                             cwd=tmp_path, env=env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(HOLD.encode() + b"\n")
        child.stdin.flush()
        seen = _read_until(child.stdout.fileno(), "Suggested reply")
        seen += _read_until(child.stdout.fileno(), "Client: ", timeout=5)
        child.send_signal(signal.SIGTERM)
        rest, errors = child.communicate(timeout=30)
    finally:
        child.kill()
    assert child.returncode == 128 + signal.SIGTERM, errors
    out = seen + rest.decode()
    assert "Session interrupted at turn 2" in out and "Neutral replies: 1/1" in out
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert f"**You:** {HOLD}" in text and "Session interrupted at turn 2" in text


@pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals on Windows")
def test_on_a_terminal_keys_edit_the_line_and_ctrl_c_keeps_the_transcript(tmp_path: Path) -> None:
    """Left arrow moves the cursor (no ^[[D in the reply), Up recalls the last reply, Ctrl-C
    ends the session with its debrief and transcript."""
    pexpect = pytest.importorskip("pexpect")
    command, env = _program(tmp_path)
    child = pexpect.spawn(command[0], [*command[1:], "late-payer", "--seed", "1",
                                       "--transcript", "t.md"],
                          cwd=str(tmp_path), env=env, encoding="utf-8", timeout=30,
                          dimensions=(24, 80))  # fmt: skip
    try:
        child.expect_exact("You: ")
        child.send("The end date stays the sme.")
        child.send("\x1b[D" * 3 + "a\r")  # Left, Left, Left, "a": "the same."
        child.expect_exact("Suggested reply")
        child.expect_exact("You: ")
        child.send("\x1b[A\r")  # Up: the last reply again
        child.expect_exact("Suggested reply")
        child.expect_exact("You: ")
        child.sendintr()
        child.expect_exact("Neutral replies: 2/2")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    text = (tmp_path / "t.md").read_text(encoding="utf-8")
    assert text.count("**You:** The end date stays the same.") == 2
    assert "[D" not in text and "\x1b" not in text
    assert "Session interrupted at turn 3" in text


def test_the_cli_offers_the_cores_difficulties() -> None:
    assert cli_rehearse.DIFFICULTIES == tuple(DIFFICULTIES)


@pytest.mark.parametrize("reply", ["Go to hell.", "Shut up and pay.", "I hate you"])
def test_cursing_at_the_client_is_never_calm(runner: CliRunner, reply: str) -> None:
    """The round-25 red team: these got "Tone check: neutral" and "met: stay calm"."""
    result = _rehearse(runner, "late-payer", "--seed", "3", *FACTS, replies=[reply])
    out = " ".join(result.stdout.split())
    assert "Tone check: venting" in out, out
    assert "Tone check: neutral" not in out and "Neutral tone: pass" not in out

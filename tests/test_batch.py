"""breakup batch: spreadsheets in, one folder per client out, safely and fast."""

from __future__ import annotations

import csv
import email
import email.policy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from breakup import catalog
from breakup.batch import folder_name
from breakup.cli import cli
from breakup.fastpath import FastRenderer
from breakup.models import ClientFacts, Profile
from breakup.publish import publish
from breakup.sheet import Job

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
HEADER = "archetype,client,contact,client_email,lang,end_date,outstanding,service\n"
GOOD = "late-payer,Ferretería Núñez,Laura Gómez,laura@example.es,es,2027-01-15,4250,diseño web\n"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    return CliRunner()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def batch(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["batch", *args, "--profile", str(DATA / "profile.toml")])
    return result.exit_code, result.stderr


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (HEADER + GOOD, "utf-8"),
        ("\ufeff" + HEADER + GOOD, "utf-8"),
        ((HEADER + GOOD).replace(",", ";"), "utf-8"),
        ((HEADER + GOOD).replace(",", "\t"), "utf-8"),
        (
            " Archetype , Client ,contact,client_email,lang,end_date,outstanding,service\n" + GOOD,
            "utf-8",
        ),
        (HEADER + GOOD, "cp1252"),
    ],
    ids=["utf8", "bom", "semicolon", "tab", "header-spaces", "excel-1252"],
)
def test_csv_variants_are_read(runner: CliRunner, tmp_path: Path, text: str, encoding: str) -> None:
    write(tmp_path / "c.csv", text, encoding)
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email")
    assert code == 0, err
    body = (tmp_path / "out/ferreteria-nunez/email.txt").read_text(encoding="utf-8")
    assert "Ferretería Núñez" in body and "Buenos días, Laura:" in body and "4.250,00" in body


def test_jsonl_is_read(runner: CliRunner, tmp_path: Path) -> None:
    rows = [
        {"archetype": "diva", "client": "Acme", "lang": "en", "outstanding": 10},
        {"archetype": "shouter", "client": "Beta", "contact": None},
    ]
    write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    code, err = batch(runner, "c.jsonl", "-o", "out", "--only", "email,notes")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["acme", "beta"]
    assert "€10.00" in (tmp_path / "out/acme/email.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("client,contact\nAcme,Ann\n", "has no 'archetype' column"),
        (
            "archetype,clinet\ndiva,Acme\n",
            "unknown column 'clinet' in c.csv: did you mean 'client'?",
        ),
        ("", "is empty"),
    ],
    ids=["no-archetype", "typo", "empty"],
)
def test_bad_files_are_refused_whole(
    runner: CliRunner, tmp_path: Path, text: str, message: str
) -> None:
    write(tmp_path / "c.csv", text)
    code, err = batch(runner, "c.csv", "-o", "out")
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_undecodable_file_is_refused(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_bytes(b"archetype,client\ndiva,\x81\x8d\x90\n")
    code, err = batch(runner, "c.csv", "-o", "out")
    assert code == 2 and "neither UTF-8 nor Windows-1252" in err


# --- bad rows, safety ----------------------------------------------------------------------------

BAD_ROWS = (
    HEADER
    + GOOD
    + "nagger,Acme,,,,,,\n"
    + "diva,Beta,,,,15/01/2027,,\n"
    + "diva,Gamma,,not-an-address,,,,\n"
    + ",Delta,,,,,,\n"
    + "shouter,Epsilon,,,fr,,,\n"
    + "late-payer,Zeta,,,,,4.250,00,\n"
)


def test_bad_rows_are_reported_and_the_rest_render(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", BAD_ROWS)
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email")
    assert code == 1
    assert "1 of 7 rows" in err and "6 failed" in err
    with (tmp_path / "out/failed.csv").open(encoding="utf-8") as handle:
        failed = list(csv.DictReader(handle))
    reasons = {row["row"]: row["reason"] for row in failed}
    assert "unknown archetype 'nagger'" in reasons["3"]
    assert "invalid date '15/01/2027' for column end_date" in reasons["4"]
    assert "invalid email address" in reasons["5"]
    assert "archetype is empty" in reasons["6"]
    assert "unknown language 'fr'" in reasons["7"]
    assert failed[0]["client"] == "Acme"  # the same columns, to fix and run again
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "failed.csv",
        "ferreteria-nunez",
    ]


def test_outputs_are_never_overwritten_without_force(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD)
    assert batch(runner, "c.csv", "-o", "out", "--only", "email")[0] == 0
    mine = tmp_path / "out/ferreteria-nunez/email.txt"
    mine.write_text("edited by hand", encoding="utf-8")
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email")
    assert code == 1 and mine.read_text(encoding="utf-8") == "edited by hand"
    assert batch(runner, "c.csv", "-o", "out", "--only", "email", "--resume")[0] == 0
    assert mine.read_text(encoding="utf-8") == "edited by hand"
    assert batch(runner, "c.csv", "-o", "out", "--only", "email", "--force")[0] == 0
    assert mine.read_text(encoding="utf-8").startswith("Asunto:")
    assert not (tmp_path / "out/failed.csv").exists()  # the last run had no failures


def test_resume_finishes_incomplete_rows(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD)
    batch(runner, "c.csv", "-o", "out", "--only", "email,notes")
    (tmp_path / "out/ferreteria-nunez/follow-up-notes.txt").unlink()
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email,notes", "--resume")
    assert code == 0 and (tmp_path / "out/ferreteria-nunez/follow-up-notes.txt").exists()
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email,notes", "--resume")
    assert "1 already complete (skipped)" in err


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/absolute", "..", "con", "😀😀", "a/b\\c:d*e?f", "x" * 300, ""],
    ids=["dotdot", "absolute", "parent", "reserved", "emoji", "separators", "long", "empty"],
)
def test_folder_names_never_leave_the_output_folder(tmp_path: Path, name: str) -> None:
    used: set[str] = set()
    slug = folder_name(name, used)
    target = (tmp_path / slug).resolve()
    assert target.parent == tmp_path.resolve()
    assert slug not in ("", ".", "..", "con") and "/" not in slug and "\\" not in slug
    assert folder_name(name, used) != slug  # a second client of the same name gets its own


def test_same_client_twice_gets_two_folders(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD + GOOD)
    batch(runner, "c.csv", "-o", "out", "--only", "email")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "ferreteria-nunez",
        "ferreteria-nunez-2",
    ]


def test_eml_batch_writes_drafts(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD)
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email", "--format", "eml")
    assert code == 0, err
    data = (tmp_path / "out/ferreteria-nunez/email.eml").read_bytes()
    message = email.message_from_bytes(data, policy=email.policy.strict)
    assert message["To"].addresses[0].display_name == "Laura Gómez"
    assert message["X-Unsent"] == "1"
    code, err = batch(runner, "c.csv", "-o", "out2", "--format", "eml")
    assert code == 2 and "--only email" in err


def test_no_progress_bar_when_not_a_terminal(runner: CliRunner, tmp_path: Path) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD)
    code, err = batch(runner, "c.csv", "-o", "out", "--only", "email")
    assert "Rendering" not in err and "%" not in err


def test_init_writes_samples_and_never_overwrites(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0
    (tmp_path / "clients.csv").write_text("mine", encoding="utf-8")
    again = runner.invoke(cli, ["init"])
    assert "Kept" in again.stderr and (tmp_path / "clients.csv").read_text() == "mine"
    (tmp_path / "clients.csv").unlink()
    runner.invoke(cli, ["init"])
    result = runner.invoke(cli, ["batch", "clients.csv", "-o", "out", "--profile", "breakup.toml"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").iterdir())) == 5


# --- the fast path renders exactly what the ordinary path renders ----------------------------

FACTS = [
    ClientFacts(
        client="Acme <b>&</b> *x* [y]",
        contact="Zoë Núñez",
        client_email="z@x.es",
        end_date=date(2027, 1, 15),
        outstanding=Decimal("4250.5"),
        currency="EUR",
        service="web design",
    ),
    ClientFacts(client="Beta", end_date=date(2027, 3, 1), outstanding=Decimal("0")),
    ClientFacts(contact="Ann", pay_by=date(2027, 2, 1), service="accounting"),
    # A title stays with the surname in the greeting, on both paths ("Dear Dr. Ana Carter,").
    ClientFacts(client="Gamma", contact="Dr. Ana Carter", end_date=date(2027, 1, 15)),
    ClientFacts(),
]


@pytest.mark.parametrize("arch", catalog.archetype_ids(), ids=str)
@pytest.mark.parametrize(
    ("lang", "locale"),
    [("es", "es_ES"), ("en", "en_US"), ("es", "es_MX")],
    ids=["es_ES", "en_US", "es_MX"],
)
def test_fast_path_equals_the_ordinary_render(
    arch: str, lang: str, locale: str, profile: Profile
) -> None:
    renderer = FastRenderer(profile, today=TODAY, now=NOW)
    for facts in FACTS:
        job = Job(2, arch, facts, lang, locale, None, "x")
        for doc in ("email", "script", "referral", "notes"):
            for fmt in ("text", "md", "html"):
                try:
                    slow = publish(
                        doc,
                        arch,
                        fmt,
                        facts=facts,
                        profile=profile,
                        lang=lang,
                        locale=locale,
                        today=TODAY,
                    ).data
                except Exception:
                    continue
                assert renderer.produce(doc, fmt, job)[0] == slow, (doc, fmt, facts)


def _parts(data: bytes) -> tuple[list[str | None], str, str]:
    message = email.message_from_bytes(data, policy=email.policy.strict)
    headers = [
        str(message[h]) if message[h] else None
        for h in ("From", "To", "Subject", "Date", "X-Unsent")
    ]
    return (
        headers,
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Names the fast path once got wrong: a title, a name too long for one header line.
@example(client="Acme", contact="Dr. Ana Carter", lang="en", arch="diva")
@example(
    client="Ferretería Núñez",
    contact="María José Fernández de la Fuente y Núñez-Ortega " * 2,
    lang="es",
    arch="late-payer",
)
@given(
    client=text,
    contact=text,
    lang=st.sampled_from(["en", "es"]),
    arch=st.sampled_from(["late-payer", "diva", "family-friend", "shouter"]),
)
def test_fast_eml_equals_the_ordinary_draft(
    client: str, contact: str, lang: str, arch: str
) -> None:
    from breakup.models import load_profile

    profile = load_profile(DATA / "profile.toml")
    facts = ClientFacts(
        client=client.strip() or "x",
        contact=contact.strip() or "y",
        client_email="a@example.com",
        end_date=date(2027, 1, 15),
        outstanding=Decimal("12"),
    )
    if any(c in client + contact for c in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
        return
    job = Job(2, arch, facts, lang, "en_US" if lang == "en" else "es_ES", None, "x")
    fast = FastRenderer(profile, today=TODAY, now=NOW).produce("email", "eml", job)[0]
    slow = publish(
        "email",
        arch,
        "eml",
        facts=facts,
        profile=profile,
        lang=job.lang,
        locale=job.locale,
        today=TODAY,
        now=NOW,
    ).data
    assert _parts(fast) == _parts(slow)


def test_non_ascii_client_email_drafts_as_on_the_ordinary_path(profile: Profile) -> None:
    """An address such as zoë@ejemplo.es once stopped a whole .eml batch."""
    facts = ClientFacts(
        client="Acme",
        contact="Zoë Núñez",
        client_email="zoë@ejemplo.es",
        end_date=date(2027, 1, 15),
    )
    job = Job(2, "diva", facts, "es", "es_ES", None, "x")
    fast = FastRenderer(profile, today=TODAY, now=NOW).produce("email", "eml", job)[0]
    slow = publish(
        "email", "diva", "eml", facts=facts, profile=profile, lang="es", locale="es_ES",
        today=TODAY, now=NOW,
    ).data  # fmt: skip
    assert _parts(fast) == _parts(slow)
    assert _parts(fast)[0][1] == "Zoë Núñez <zoë@ejemplo.es>"


def test_a_row_without_a_matching_referral_names_its_service(
    runner: CliRunner, tmp_path: Path
) -> None:
    write(tmp_path / "c.csv", HEADER + GOOD.replace("diseño web", "fontanería"))
    code, _err = batch(runner, "c.csv", "-o", "out", "--only", "referral")
    assert code == 1
    with (tmp_path / "out/failed.csv").open(encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert "offers 'fontanería'" in row["reason"]
    assert not (tmp_path / "out/ferreteria-nunez").exists()  # no empty folder left behind


def test_parallel_workers_write_what_one_process_writes(tmp_path: Path, profile: Profile) -> None:
    """Forked workers split the rows; names, files and failed.csv are the same as serial."""
    import os

    from breakup.batch import run
    from breakup.sheet import Defaults

    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    lines = [HEADER.rstrip("\n")]
    for i in range(60):
        lines.append(GOOD.rstrip("\n") if i % 7 else "diva,Acme,,,,31/12/2027,,")
    source = write(tmp_path / "c.csv", "\n".join(lines) + "\n")

    def tree(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    results = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        summary = run(
            source,
            out,
            documents=("email", "notes"),
            fmt="md",
            profile=profile,
            defaults=Defaults(),
            today=TODAY,
            now=NOW,
            workers=workers,
        )
        assert (summary.rows, summary.written, summary.failed) == (60, 51, 9)
        results[workers] = tree(out)
    assert results[1] == results[2]
    assert "acme-9/follow-up-notes.md" not in results[1]
    assert "ferreteria-nunez-50/email.md" in results[1]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    client=text,
    contact=text,
    service=st.one_of(st.none(), text),
    doc=st.sampled_from(["email", "script", "notes"]),
    fmt=st.sampled_from(["text", "md", "html"]),
    arch=st.sampled_from(["late-payer", "diva", "family-friend", "shouter"]),
)
def test_fast_documents_equal_the_ordinary_render(
    client: str, contact: str, service: str | None, doc: str, fmt: str, arch: str
) -> None:
    from breakup.models import load_profile

    profile = load_profile(DATA / "profile.toml")
    facts = ClientFacts(
        client=client,
        contact=contact,
        service=service,
        end_date=date(2027, 1, 15),
        outstanding=Decimal("12"),
    )
    job = Job(2, arch, facts, "es", "es_ES", None, "x")
    fast = FastRenderer(profile, today=TODAY, now=NOW).produce(doc, fmt, job)[0]
    slow = publish(
        doc, arch, fmt, facts=facts, profile=profile, lang="es", locale="es_ES", today=TODAY
    ).data
    assert fast == slow

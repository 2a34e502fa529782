"""breakup batch: a spreadsheet in, one folder per client out, safely, and a failed file to fix."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import breakup
from breakup.cli import cli

PROFILE = ["--profile", str(DATA / "profile.toml")]

HEADER = "archetype,client,contact,client_email,lang,end_date,invoice,service\n"
GOOD = "late-payer,Acme,Ann Lee,ann@acme.example,en,2027-01-15,F-1:1200:2026-10-31,web design\n"
KIT = {"call-script.txt", "email.txt", "referral-letter.txt", "heads-up.txt", "follow-up-notes.txt"}


def env() -> dict[str, str]:
    """The environment of a subprocess: this test's, running the breakup under test (not
    whichever one is installed)."""
    return {**os.environ, "PYTHONPATH": str(Path(breakup.__file__).parent.parent)}


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, ["batch", *args, *PROFILE])
    return result.exit_code, result.stdout, result.stderr


def read_csv(path: str, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def read_dicts(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if not p.name.startswith(".")}


def test_one_folder_per_client_with_the_kit(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    assert files(Path("out/acme")) == KIT
    assert "Wrote the documents of 1 of 1 row into out." in err


def test_files_are_private(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    run(runner, "clients.csv", "-o", "out")
    for path in Path("out/acme").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_each_failed_row_is_printed_with_all_its_reasons(runner: CliRunner) -> None:
    bad = "late-payer,Beta,Bo,bo@,en,2027-02-30,F-9:abc,\n"
    Path("clients.csv").write_text(HEADER + GOOD + bad, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 1
    line = next(line for line in err.splitlines() if line.startswith("row 3 (Beta)"))
    assert "client_email" in line and "February 2027 has 28 days" in line and "invoice" in line
    assert files(Path("out/acme")) == KIT  # the good row is written all the same


def test_fix_and_rerun_keeps_row_numbers_and_one_reason_column(runner: CliRunner) -> None:
    """The README's loop: fix failed.csv, run it again; a row that fails twice keeps its number."""
    rows = (
        HEADER
        + GOOD
        + "late-payer,Beta,Bo,,en,2027-02-30,,\n"
        + "diva,Gamma,Gil,,en,31-31-2027,,\n"
    )
    Path("clients.csv").write_text(rows, encoding="utf-8")
    assert run(runner, "clients.csv", "-o", "out")[0] == 1
    failed = read_dicts("out/failed.csv")
    assert [r["breakup_row"] for r in failed] == ["3", "4"]
    fixed = Path("out/failed.csv").read_text(encoding="utf-8").replace("2027-02-30", "2027-02-26")
    Path("out/failed.csv").write_text(fixed, encoding="utf-8")
    code, _out, err = run(runner, "out/failed.csv", "-o", "out")
    assert code == 1 and "row 4 (Gamma)" in err
    header, *again = read_csv("out/failed.csv")
    assert header.count("breakup_row") == 1 and header.count("breakup_reason") == 1
    assert [r[header.index("breakup_row")] for r in again] == ["4"]
    assert files(Path("out/beta")) == KIT and files(Path("out/acme")) == KIT


def test_a_rerun_of_a_failed_row_never_takes_another_clients_folder(runner: CliRunner) -> None:
    """Two clients of the same name: the second's rerun from failed.csv gets its own folder."""
    second = "late-payer,Acme,Bob Ray,,en,2027-13-01,,\n"
    Path("clients.csv").write_text(HEADER + GOOD + second, encoding="utf-8")
    run(runner, "clients.csv", "-o", "out")
    before = Path("out/acme/email.txt").read_bytes()
    fixed = Path("out/failed.csv").read_text(encoding="utf-8").replace("2027-13-01", "2027-01-20")
    Path("out/failed.csv").write_text(fixed, encoding="utf-8")
    code, _out, err = run(runner, "out/failed.csv", "-o", "out")
    assert code == 0, err
    assert Path("out/acme/email.txt").read_bytes() == before
    (other,) = [p for p in Path("out").iterdir() if p.name.startswith("acme-")]
    assert "Bob" in (other / "email.txt").read_text(encoding="utf-8")
    code, _out, err = run(runner, "out/failed.csv", "-o", "out", "--force")
    assert Path("out/acme/email.txt").read_bytes() == before  # --force touches only its own row


def test_a_rerun_without_resume_says_so_once_before_writing(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    run(runner, "clients.csv", "-o", "out")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 2
    assert err.count("Error:") == 1 and "--resume" in err and "--force" in err
    assert not Path("out/failed.csv").exists()
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--resume")
    assert code == 0 and "1 already complete" in err


def test_resume_writes_what_is_missing_and_cleans_a_killed_run(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    run(runner, "clients.csv", "-o", "out")
    Path("out/acme/email.txt").unlink()
    Path("out/acme/.email.txt.abc123.breakup-tmp").write_text("half", encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--resume")
    assert code == 0, err
    assert files(Path("out/acme")) == KIT
    assert not any(p.name.endswith(".breakup-tmp") for p in Path("out/acme").iterdir())


def test_a_symlinked_row_folder_is_never_written_through(runner: CliRunner, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    Path("out").mkdir()
    Path("out/acme").symlink_to(elsewhere)
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert not any(elsewhere.iterdir())
    assert code == 0 and files(Path("out/acme").resolve()) == set()
    (own,) = [p for p in Path("out").iterdir() if p.name.startswith("acme-")]
    assert files(own) == KIT


def test_a_file_where_a_folder_goes_is_left_alone(runner: CliRunner) -> None:
    Path("out").mkdir()
    Path("out/acme").write_text("mine", encoding="utf-8")
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    assert Path("out/acme").read_text(encoding="utf-8") == "mine"


def test_concurrent_batches_into_one_folder(tmp_path: Path) -> None:
    """Two batches at once into one folder: one writes, the other stops with a clear error."""
    rows = HEADER + "".join(
        f"late-payer,Client {i},Person {i},,en,2027-01-15,,\n" for i in range(150)
    )
    Path("clients.csv").write_text(rows, encoding="utf-8")
    command = [sys.executable, "-m", "breakup", "batch", "clients.csv", "-o", "out", *PROFILE]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env())
    second = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env())
    results = [(p.returncode, p.communicate()[1]) for p in (first, second)]
    results = [
        (p.returncode, err) for p, (_code, err) in zip((first, second), results, strict=True)
    ]
    codes = sorted(code for code, _err in results)
    errors = " ".join(err for _code, err in results)
    assert codes in ([0, 1], [0, 2]), results
    assert "another breakup batch is writing into out" in errors or "already holds" in errors
    assert len([p for p in Path("out").iterdir() if p.is_dir()]) == 150


def test_failed_csv_keeps_the_inputs_encoding_delimiter_and_bom(runner: CliRunner) -> None:
    text = (HEADER + "late-payer,Peña,Íñigo,,es,30/02/2027,,\n").replace(",", ";")
    Path("clients.csv").write_bytes(text.encode("cp1252"))
    code, _out, _err = run(runner, "clients.csv", "-o", "out")
    assert code == 1
    raw = Path("out/failed.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    decoded = raw.decode("cp1252")
    assert decoded.startswith("archetype;client;") and "Peña;Íñigo" in decoded


def test_failed_csv_neutralizes_formulas(runner: CliRunner) -> None:
    Path("clients.csv").write_text(
        HEADER + 'late-payer,=HYPERLINK("http://x"),Ann,,en,2027-13-01,,\n', encoding="utf-8"
    )
    run(runner, "clients.csv", "-o", "out")
    row = read_dicts("out/failed.csv")[0]
    assert row["client"].startswith("'=")
    fixed = Path("out/failed.csv").read_text(encoding="utf-8").replace("2027-13-01", "2027-01-15")
    Path("out/failed.csv").write_text(fixed, encoding="utf-8")
    code, _out, err = run(runner, "out/failed.csv", "-o", "out")
    assert code == 0, err
    script = next(Path("out").glob("hyperlink*/call-script.txt")).read_text(encoding="utf-8")
    assert script.startswith('Call script: =HYPERLINK("http://x")')


@pytest.mark.parametrize(
    ("name", "bad", "reason"),
    [
        ("clients.jsonl", '{"archetype": "late-payer", "client": "\\ud800x"}\n', "lone surrogate"),
        ("clients.jsonl", b'{"archetype": "late-payer", "client": "Cami\xf3n"}\n', "not UTF-8"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "x"\n', "invalid JSON"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": {"a": 1}}\n', "an object"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "C", "id": ' + "9" * 5000 + "}\n",
         "a number too long"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "B", "work": [["x"]]}\n',
         "nested list"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "B", "lang": "es", '
         '"outstanding": 1.234}\n', "the number 1.234 for 'outstanding' has more than 2"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "L", "contact": ["Ana", "Bob"]}\n',
         "the value of 'contact' is a list"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "T", "contact": true}\n',
         "the value of 'contact' is true or false"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "W", "collect": [true]}\n',
         "the value of 'collect' is true or false"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "V", "outstanding": true}\n',
         "the value of 'outstanding' is true or false: give an amount"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "I", "id": false}\n',
         "the value of 'id' is true or false: give it as text"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": NaN, "contact": "Z"}\n',
         "NaN is not a JSON value"),
        ("clients.jsonl", '{"archetype": "late-payer", "client": "N", "contact": 1e400}\n',
         "the value of 'contact' is a number"),
        # A round-34 red team: an invisible character or full-width letters made a second
        # folder of identical documents for one client.
        ("clients.csv", "late-payer,Acme\u200b,Ann Lee,,en,2027-01-15,,\n",
         "the same client as row 2"),
        ("clients.csv", "late-payer,\uff21\uff43\uff4d\uff45,ANN LEE,,en,2027-01-15,,\n",
         "the same client as row 2"),
        ("clients.csv", "late-payer,Big,Ann,,en,9999-12-31,,\n", "not between 1900 and 2999"),
        ("clients.csv", "late-payer," + "x" * 200_000 + ",Ann,,en,,,\n", "longer than"),
        ("clients.csv", "late-payer,Acme, Inc,Ann,,en,2027-01-15,,\n", "must be in quotes"),
        ("clients.csv", "late-payer,Peña,Ann,,en,2027-01-15,,\n".encode()
         + "late-payer,Cami\u00f3n,Ann\n".encode("cp1252"), "not UTF-8"),
    ],
    ids=["lone-surrogate", "cp1252-jsonl", "bad-json", "object", "huge-number", "nested-list",
         "three-decimals", "list-in-one-value-column", "true-as-a-name", "true-in-a-list",
         "true-as-an-amount", "false-as-an-id", "nan-as-a-name",
         "number-as-a-name", "zero-width-repeat", "full-width-repeat", "year-9999",
         "huge-cell", "unquoted-comma", "stray-byte"],
)  # fmt: skip
def test_one_bad_row_fails_alone(
    runner: CliRunner, name: str, bad: str | bytes, reason: str
) -> None:
    """A row the file cannot give cleanly fails with its reason; the good row is written."""
    if name.endswith(".csv"):
        good = (HEADER + GOOD).encode()
    else:
        row = {"archetype": "late-payer", "client": "Acme", "contact": "Ann Lee", "lang": "en",
               "end_date": "2027-01-15"}  # fmt: skip
        good = (json.dumps(row) + "\n").encode()
    Path(name).write_bytes(good + (bad if isinstance(bad, bytes) else bad.encode()))
    code, _out, err = run(runner, name, "-o", "out")
    assert code == 1, err
    assert reason in err
    assert files(Path("out/acme")) == KIT


@pytest.mark.parametrize(
    ("number", "said"),
    [("1.230", "1,23\u00a0€"), ("1234.5", "1.234,50\u00a0€"), ("3180", "3.180,00\u00a0€"),
     ("1e3", "1.000,00\u00a0€")],
)  # fmt: skip
def test_a_json_number_means_the_same_in_every_row_language(
    runner: CliRunner, number: str, said: str
) -> None:
    """JSON writes 1.23 with a point: a Spanish row does not read it as 1230 euros."""
    Path("clients.jsonl").write_text(
        '{"archetype": "late-payer", "client": "Acme", "contact": "Ana", "lang": "es", '
        f'"end_date": "2027-01-15", "outstanding": {number}}}\n',
        encoding="utf-8",
    )
    code, _out, err = run(runner, "clients.jsonl", "-o", "out")
    assert code == 0, err
    email = Path("out/acme/email.txt").read_text(encoding="utf-8")
    assert f"importe vencido de {said}" in email


def test_a_rows_typed_currency_meets_the_batchs_currency(runner: CliRunner) -> None:
    """A row's '500 USD' is US dollars; under --currency EUR it fails with the reason."""
    Path("clients.csv").write_text(
        "archetype,client,contact,lang,end_date,outstanding\n"
        "late-payer,Acme,Ana,es,2027-01-15,500 USD\n"
        "late-payer,Beta,Bea,es,2027-01-15,500\n",
        encoding="utf-8",
    )
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    assert "500,00\u00a0US$" in Path("out/acme/email.txt").read_text(encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "eur", "--currency", "EUR")
    assert code == 1
    assert "row 2 (Acme): the amount '500 USD' for column outstanding is in USD" in err
    assert "500,00\u00a0€" in Path("eur/beta/email.txt").read_text(encoding="utf-8")


def test_a_utf16_file_is_named_as_such(runner: CliRunner) -> None:
    Path("clients.csv").write_bytes((HEADER + GOOD).encode("utf-16"))
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 2 and "UTF-16" in err


def test_a_duplicated_column_is_refused(runner: CliRunner) -> None:
    Path("clients.csv").write_text("archetype,client,client\nlate-payer,A,B\n", encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 2 and "appears twice" in err


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"archetype": "late-payer", "client": "A", "end_date": "2027-01-15", "client": "B"}',
         "the key 'client' is given twice: keep one"),
        ('{"archetype": "late-payer", "client": "A", "Client": "B", "end_date": "2027-01-15"}',
         "the keys 'client' and 'Client' name the same column: keep one"),
    ],
)  # fmt: skip
def test_a_json_key_given_twice_fails_its_row_and_keeps_both_values(
    runner: CliRunner, line: str, reason: str
) -> None:
    """A red-team finding: json keeps the last of two values without a word. The row fails,
    and the file to fix holds both values, not the one json kept."""
    Path("clients.jsonl").write_text(line + "\n", encoding="utf-8")
    code, _out, err = run(runner, "clients.jsonl", "-o", "out")
    assert code == 1 and reason in err, err
    failed = Path("out/failed.jsonl").read_text(encoding="utf-8")
    assert '"A"' in failed and '"B"' in failed and "breakup_reason" in failed
    # Fixed in place and run again, the row goes through.
    fixed = failed.replace(', "client": "B"', "").replace(', "Client": "B"', "")
    Path("out/failed.jsonl").write_text(fixed, encoding="utf-8")
    code, _out, err = run(runner, "out/failed.jsonl", "-o", "out")
    assert code == 0, err


@pytest.mark.parametrize(
    ("value", "written"),
    [("1e400", '"final_invoice": 1e400'), ("12.50", '"final_invoice": 12.50'),
     ("NaN", '"line": '), ("-Infinity", '"line": ')],
)  # fmt: skip
def test_a_failed_json_row_is_written_back_as_json(
    runner: CliRunner, value: str, written: str
) -> None:
    """A red-team finding of round 25: 1e400 came back as Infinity, and NaN as NaN, which no
    JSON parser reads. A number stays as the line wrote it; a line with NaN or Infinity (not
    JSON) is kept whole, as text."""
    line = (
        '{"archetype": "late-payer", "client": "A", "end_date": "2027-02-30", '
        f'"final_invoice": {value}}}'
    )
    Path("clients.jsonl").write_text(line + "\n", encoding="utf-8")
    code, _out, _err = run(runner, "clients.jsonl", "-o", "out")
    assert code == 1
    failed = Path("out/failed.jsonl").read_text(encoding="utf-8")
    assert written in failed, failed

    def not_json(name: str) -> None:
        pytest.fail(f"{name} in {failed}")

    for row in failed.splitlines():
        json.loads(row, parse_constant=not_json)


def test_dry_run_writes_nothing_and_fails_like_a_run(runner: CliRunner) -> None:
    Path("clients.csv").write_text(
        HEADER + GOOD + "late-payer,Beta,Bo,,en,2027-02-30,,\n", encoding="utf-8"
    )
    result = runner.invoke(cli, ["batch", "clients.csv", "-o", "out", "--dry-run", *PROFILE])
    assert result.exit_code == 1
    assert "acme/" in result.stdout and "email.txt" in result.stdout
    assert "row 3 (Beta)" in result.stderr
    assert not Path("out").exists()


def test_strict_fails_a_row_with_placeholders(runner: CliRunner) -> None:
    Path("clients.csv").write_text("archetype,client,lang\nlate-payer,Acme,en\n", encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--strict")
    assert code == 1 and "column contact" in err and "column end_date" in err
    code, _out, err = run(runner, "clients.csv", "-o", "out2")
    assert code == 0 and "1 row has placeholders" in err and "column contact" in err


def test_a_user_archetype_in_the_archetype_column(runner: CliRunner) -> None:
    from breakup import resources

    overlay = Path("mine/archetypes/my-payer")
    overlay.mkdir(parents=True)
    (overlay / "archetype.j2").write_text(
        (resources.templates_dir() / "archetypes/late-payer/archetype.j2").read_text(
            encoding="utf-8"
        ),
        encoding="utf-8",
    )
    Path("clients.csv").write_text(
        HEADER + GOOD.replace("late-payer", "my-payer"), encoding="utf-8"
    )
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--templates", "mine")
    assert code == 0, err


def test_email_as_a_draft_beside_pdf_or_text(runner: CliRunner) -> None:
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--email-format", "eml")
    assert code == 0, err
    assert "email.eml" in files(Path("out/acme")) and "call-script.txt" in files(Path("out/acme"))


def test_spanish_spreadsheet_values(runner: CliRunner) -> None:
    rows = (
        "archetype;client;contact;lang;locale;end_date;outstanding\n"
        "late-payer;Acme;Ana;es;es_ES;29/01/2027;3.180,00\n"
    )
    Path("clients.csv").write_bytes(rows.encode("cp1252"))
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    email = Path("out/acme/email.txt").read_text(encoding="utf-8")
    assert "3.180,00" in email and "29 de enero" in email


# --- many rows, and stopping ------------------------------------------------------------


def slow_email(root: Path, loops: int = 30) -> Path:
    """A templates folder whose email takes a while to render (some 0.1 s a row, at 30)."""
    from breakup import resources

    email = (resources.templates_dir() / "documents/email.j2").read_text(encoding="utf-8")
    busy = (
        "{% set ns = namespace(n=0) %}{% for i in range(" + str(loops) + ") %}"
        "{% for j in range(1000) %}{% set ns.n = ns.n + j %}{% endfor %}{% endfor %}"
    )
    (root / "documents").mkdir(parents=True)
    (root / "documents/email.j2").write_text(busy + email, encoding="utf-8")
    return root


def batch_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "breakup", "batch", *args, *PROFILE]


@pytest.mark.parametrize("templates", [False, True], ids=["built-in", "user-templates"])
def test_a_thousand_failing_rows_end_with_the_summary(templates: bool) -> None:
    """The failures of parallel workers outgrow a pipe; the batch still ends, says which rows
    failed, writes them all to failed.csv and exits 1 (it used to hang with no output)."""
    rows = "".join(f"late-payer,Client {i},Ann Lee,,en,25/01/2027,,\n" for i in range(1000))
    Path("clients.csv").write_text(HEADER + rows, encoding="utf-8")
    Path("mine").mkdir()
    extra = ["--templates", "mine"] if templates else []
    result = subprocess.run(
        batch_command("clients.csv", "-o", "out", "--only", "email", *extra),
        capture_output=True, text=True, timeout=60, env=env(),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "0 of 1000 rows" in result.stderr and "1000 failed" in result.stderr
    assert len(read_dicts("out/failed.csv")) == 1000


@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_a_batch_between_rows_and_resume_finishes_it(
    tmp_path: Path, signame: str
) -> None:
    """Ctrl-C (SIGINT to the whole process group) or SIGTERM ends a batch after the row in
    hand: exit 128 + the signal, the written rows kept, nothing half-written, the lock
    released, and --resume finishes it."""
    import signal
    import time

    signum = getattr(signal, signame)

    slow_email(tmp_path / "slow")
    rows = "".join(f"late-payer,Client {i},Ann Lee,,en,2027-01-25,,\n" for i in range(30))
    Path("clients.csv").write_text(HEADER + rows, encoding="utf-8")
    command = batch_command("clients.csv", "-o", "out", "--only", "email",
                            "--templates", str(tmp_path / "slow"))  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env(),
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(Path("out").glob("*/email.txt")) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(process.pid, signum)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + signum, err
    assert "Stopped after" in err and "--resume" in err and "Traceback" not in err
    written = [p for p in Path("out").iterdir() if (p / "email.txt").exists()]
    assert 0 < len(written) < 30
    assert not list(Path("out").rglob("*.breakup-tmp")) and not Path("out/failed.csv").exists()
    result = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=120,
                            env=env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"{len(written)} already complete" in result.stderr
    assert len(list(Path("out").glob("*/email.txt"))) == 30


@pytest.mark.parametrize(("name", "code"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_second_ctrl_c_stops_a_batch_at_once(tmp_path: Path, name: str, code: int) -> None:
    """Ctrl-C twice: the workers are stopped in the middle of their row; the lock is
    released, and --resume clears what they cut off and finishes. Two SIGTERMs exit 143, as
    one does (a red-team finding of round 25: 130)."""
    import signal
    import time

    stop = getattr(signal, name)

    slow_email(tmp_path / "slow", loops=300)  # a second or more a row
    rows = "".join(f"late-payer,Client {i},Ann Lee,,en,2027-01-25,,\n" for i in range(4))
    Path("clients.csv").write_text(HEADER + rows, encoding="utf-8")
    command = batch_command("clients.csv", "-o", "out", "--only", "email",
                            "--templates", str(tmp_path / "slow"))  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env(),
                               start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(Path("out").glob("*/.breakup-row.json")) and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(process.pid, stop)
        time.sleep(0.2)
        os.killpg(process.pid, stop)
        started = time.monotonic()
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == code, err
    assert "Stopped at once" in err and "--resume" in err and "Traceback" not in err
    assert time.monotonic() - started < 1
    result = subprocess.run([*command, "--resume"], capture_output=True, text=True, timeout=120,
                            env=env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list(Path("out").glob("*/email.txt"))) == 4
    assert not list(Path("out").rglob("*.breakup-tmp"))


def test_ctrl_c_ends_a_one_process_batch_after_the_row(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while a row is written: the row is finished, the batch ends there with exit
    130, and the same command with --resume writes the rest."""
    import signal

    from breakup import batch

    write_row = batch._write_row

    def write_then_signal(*args: object, **kwargs: object) -> bool:
        done = write_row(*args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)
        return done

    monkeypatch.setattr(batch, "_write_row", write_then_signal)
    second = GOOD.replace("Acme", "Beta").replace("Ann Lee", "Bo Li")
    Path("clients.csv").write_text(HEADER + GOOD + second, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 130, err
    assert "Stopped after 1 row: wrote the documents of 1 into out." in err
    assert files(Path("out/acme")) == KIT and not Path("out/beta").exists()
    monkeypatch.setattr(batch, "_write_row", write_row)
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--resume")
    assert code == 0 and "1 already complete" in err and files(Path("out/beta")) == KIT


# --- failed.csv: the user's columns, breakup's own --------------------------------------


def test_the_users_row_and_reason_columns_survive_in_failed_csv(runner: CliRunner) -> None:
    """A clients file with its own row and reason columns (and one without a name): failed.csv
    keeps them all with their values, breakup's own columns beside them; the message and the
    rerun give the row's real number."""
    Path("clients.csv").write_text(
        "archetype,client,end_date,reason,row,\n"
        "late-payer,Beta,2027-01-15,ok,8,x\n"
        "late-payer,Acme,2027-02-30,they never pay,7,my note\n",
        encoding="utf-8",
    )
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--only", "email")
    assert code == 1 and "row 3 (Acme)" in err and "row 7" not in err
    header, *rows = read_csv("out/failed.csv")
    assert header == ["archetype", "client", "end_date", "reason", "row", "", "breakup_row",
                      "breakup_reason"]  # fmt: skip
    assert rows[0][:7] == ["late-payer", "Acme", "2027-02-30", "they never pay", "7", "my note",
                           "3"]  # fmt: skip
    code, _out, err = run(runner, "out/failed.csv", "-o", "out", "--only", "email")
    assert code == 1 and "row 3 (Acme)" in err
    assert read_csv("out/failed.csv")[1][3:7] == ["they never pay", "7", "my note", "3"]


def test_a_row_number_counts_rows_as_a_spreadsheet_does(runner: CliRunner) -> None:
    """A cell holding a line break is one row, a blank row is a row: row 4 is the fourth."""
    Path("clients.csv").write_text(
        HEADER + GOOD.replace("web design", '"web\ndesign"') + ",,,,,,,\n"
        + "late-payer,Beta,Bo,,en,2027-02-30,,\n",
        encoding="utf-8",
    )  # fmt: skip
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--only", "email")
    assert code == 1 and "row 4 (Beta)" in err, err


_COLUMN_NAMES = ["row", "reason", "", "Notes", "Reason Given", "line", "ID interno", "nº"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(st.sampled_from(_COLUMN_NAMES), min_size=1, max_size=4, unique=True),
    data=st.data(),
)  # fmt: skip
def test_failed_csv_keeps_every_column_of_the_users(
    names: list[str], data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Whatever the user's own columns are called and hold, a failed row's failed.csv gives
    them back, cell for cell as breakup read them, when breakup reads it again."""
    from breakup import batch, sheet
    from breakup.models import Profile

    text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
    values = [data.draw(text) for _name in names]
    folder = tmp_path_factory.mktemp("failed")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["archetype", "client", "end_date", *names])
    writer.writerow(["late-payer", "Acme", "2027-02-30", *values])
    (folder / "clients.csv").write_text(buffer.getvalue(), encoding="utf-8")
    settings_ = batch.Settings(documents=("email",), fmt="text", profile=Profile())
    summary = batch.run(folder / "clients.csv", folder / "out", settings_)
    assert summary.failed == 1
    (given,) = sheet.rows(sheet.open_source(folder / "clients.csv"))
    source = sheet.open_source(folder / "out/failed.csv")
    (row,) = sheet.rows(source)
    assert source.names[3:-2] == tuple(names)
    assert row.values[3:-2] == given.values[3:] and row.number == 2


A_ROWS = HEADER + GOOD + "late-payer,Beta,Bo,,en,2027-02-30,,\n"
B_ROWS = HEADER + GOOD.replace("Acme", "Gamma") + "late-payer,Delta,Di,,en,2027-02-31,,\n"


def test_a_users_own_failed_csv_is_never_replaced(runner: CliRunner) -> None:
    Path("out").mkdir()
    Path("out/failed.csv").write_text("PRECIOUS USER SPREADSHEET\n", encoding="utf-8")
    Path("clients.csv").write_text(A_ROWS, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--only", "email")
    assert code == 1
    assert Path("out/failed.csv").read_text(encoding="utf-8") == "PRECIOUS USER SPREADSHEET\n"
    assert "fix it in out/failed-2.csv" in err and "out/failed.csv was left as it is" in err
    assert [r["client"] for r in read_dicts("out/failed-2.csv")] == ["Beta"]


def test_another_files_failed_rows_are_kept_and_a_rerun_replaces_its_own(
    runner: CliRunner,
) -> None:
    """A's failed rows stay when B runs into the same folder; a rerun of A or B replaces
    only its own failed file, as long as it is unchanged."""
    Path("a.csv").write_text(A_ROWS, encoding="utf-8")
    Path("b.csv").write_text(B_ROWS, encoding="utf-8")
    run(runner, "a.csv", "-o", "out", "--only", "email")
    code, _out, err = run(runner, "a.csv", "-o", "out", "--only", "email", "--resume")
    assert code == 1 and "fix it in out/failed.csv" in err and "left as it is" not in err
    run(runner, "b.csv", "-o", "out", "--only", "email")
    code, _out, err = run(runner, "b.csv", "-o", "out", "--only", "email", "--resume")
    assert code == 1 and "fix it in out/failed-2.csv" in err
    assert [r["client"] for r in read_dicts("out/failed.csv")] == ["Beta"]
    assert [r["client"] for r in read_dicts("out/failed-2.csv")] == ["Delta"]
    assert not Path("out/failed-3.csv").exists()


def test_fixes_typed_into_failed_csv_survive_a_rerun_of_the_first_file(
    runner: CliRunner,
) -> None:
    Path("a.csv").write_text(A_ROWS, encoding="utf-8")
    run(runner, "a.csv", "-o", "out", "--only", "email")
    fixed = Path("out/failed.csv").read_text(encoding="utf-8").replace("Bo,", "Bo Li,")
    Path("out/failed.csv").write_text(fixed, encoding="utf-8")
    code, _out, err = run(runner, "a.csv", "-o", "out", "--only", "email", "--resume")
    assert code == 1 and "fix it in out/failed-2.csv" in err
    assert Path("out/failed.csv").read_text(encoding="utf-8") == fixed


def test_a_failed_csv_link_is_neither_followed_nor_replaced(
    runner: CliRunner, tmp_path: Path
) -> None:
    target = tmp_path / "elsewhere.csv"
    target.write_text("theirs\n", encoding="utf-8")
    Path("out").mkdir()
    Path("out/failed.csv").symlink_to(target)
    Path("clients.csv").write_text(A_ROWS, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--only", "email")
    assert code == 1 and "fix it in out/failed-2.csv" in err
    assert Path("out/failed.csv").is_symlink() and target.read_text(encoding="utf-8") == "theirs\n"


# --- like the kit ----------------------------------------------------------------------------


def test_a_row_without_a_matching_referral_is_written_as_the_kit_writes_it(
    runner: CliRunner,
) -> None:
    """No referral offers the row's service: the batch writes what `kit` writes, without the
    referral letter and the heads-up, with the kit's warnings; alone, --only referral fails."""
    row = GOOD.replace("web design", "payroll")
    Path("clients.csv").write_text(HEADER + row, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    kit = runner.invoke(cli, ["kit", "late-payer", "-o", "kit", "--client", "Acme",
                              "--contact", "Ann Lee", "--client-email", "ann@acme.example",
                              "--lang", "en", "--end-date", "2027-01-15",
                              "--invoice", "F-1:1200:2026-10-31", "--service", "payroll",
                              *PROFILE])  # fmt: skip
    assert kit.exit_code == 0, kit.output
    assert files(Path("out/acme")) == files(Path("kit")) - {"follow-up-notes.ics"}
    assert files(Path("out/acme")) == KIT - {"referral-letter.txt", "heads-up.txt"}
    kit_warnings = [line for line in kit.stderr.splitlines() if "skipped the" in line]
    batch_warnings = [line for line in err.splitlines() if "skipped the" in line]
    assert len(kit_warnings) == 2
    assert batch_warnings == [
        w.replace("Warning: ", "Warning: row 2 (Acme): ") for w in kit_warnings
    ]
    code, _out, err = run(runner, "clients.csv", "-o", "out2", "--only", "referral")
    assert code == 1 and "row 2 (Acme): no referral" in err


# --- messages ---------------------------------------------------------------------------


def test_a_lock_file_that_is_a_link_is_named_as_such(runner: CliRunner, tmp_path: Path) -> None:
    Path("out").mkdir()
    Path("out/.breakup.lock").symlink_to(tmp_path / "elsewhere")
    Path("clients.csv").write_text(HEADER + GOOD, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 1 and err.startswith("Error: out/.breakup.lock is a symbolic link:"), err
    assert "remove it" in err and not (tmp_path / "elsewhere").exists()


def test_the_note_of_unused_columns_names_ten_at_most(runner: CliRunner) -> None:
    names = [f"c{i}" for i in range(100_000)] + ["x" * 500]
    Path("clients.csv").write_text(
        "archetype,client," + ",".join(names) + "\ndiva,Acme\n", encoding="utf-8"
    )
    code, _out, err = run(runner, "clients.csv", "-o", "out", "--only", "email")
    assert code == 0, err[-500:]
    (note,) = [line for line in err.splitlines() if line.startswith("Note: columns left unused")]
    assert (
        note == "Note: columns left unused: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 99,991 more"
    )


def test_a_date_a_row_gives_on_a_day_off_is_warned_about_with_its_column(
    runner: CliRunner,
) -> None:
    """A red-team finding of round 27: a row's Saturday end date moved in every document, and
    the batch said nothing (the single commands warn). Each move is named, with the column."""
    row = GOOD.replace("2027-01-15", "2027-02-27")
    Path("clients.csv").write_text(HEADER + row, encoding="utf-8")
    code, _out, err = run(runner, "clients.csv", "-o", "out")
    assert code == 0, err
    assert (
        "Warning: row 2 (Acme): the end date 2027-02-27 is a Saturday: the documents use "
        "2027-02-26, the working day before (give another in column end_date)" in err
    ), err
    assert "Friday, February 26, 2027" in Path("out/acme/email.txt").read_text(encoding="utf-8")
    assert "--end-date" not in err


def test_a_row_gets_the_warnings_the_command_gives(runner: CliRunner) -> None:
    """A round-32 red team: an old call date, an emergency without its number and an urgent
    contact the archetype does not use were warned about by the commands, never in a batch."""
    Path("c.csv").write_text(
        "archetype,client,contact,end_date,emergency,urgent_contact,call_date,after_call\n"
        "word-breaker,Acme,Jane Doe,2027-03-19,a leak,,,\n"
        "diva,Beta,Bob Roe,2027-03-19,,on 555,,\n"
        "word-breaker,Gamma,Gil Poe,2027-03-19,,,2025-01-01,true\n",
        encoding="utf-8",
    )
    code, _out, err = run(runner, "c.csv", "-o", "out", "--only", "email")
    assert code == 0, err
    assert "row 2 (Acme): --emergency is used only with --urgent-contact" in err
    assert "row 3 (Beta): --urgent-contact is not used by the diva archetype" in err
    assert "row 4 (Gamma): the call date 2025-01-01 is" in err


def test_ids_that_differ_only_in_case_are_named_as_the_clash(runner: CliRunner) -> None:
    """A round-34 red team: "Acme" and "acme" in the id column were reported as "the same
    client and contact", of two different clients."""
    Path("ids.csv").write_text(
        "id,archetype,client,contact,end_date,service,outstanding\n"
        "Acme,late-payer,Client 11,Dan,2027-02-26,bookkeeping,100\n"
        "acme,late-payer,Client 12,Dan,2027-02-26,bookkeeping,100\n",
        encoding="utf-8",
    )
    code, _out, err = run(runner, "ids.csv", "-o", "out", "--only", "email")
    assert code == 1, err
    assert "the same id as row 2 (ids are compared without case" in err
    assert "same client and contact" not in err

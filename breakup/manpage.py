"""A manual page (troff, man(7)) made from the Click commands: `breakup help --man`."""

from __future__ import annotations

import datetime
import re

import click

from breakup import __version__


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.MULTILINE)


def _options(ctx: click.Context, command: click.Command) -> list[str]:
    lines = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        names, help_text = record
        lines += [".TP", f"\\fB{_escape(names)}\\fR", _escape(help_text)]
    return lines


def manual(group: click.Group, ctx: click.Context) -> str:
    """Return the manual page of breakup and all its commands."""
    today = datetime.date.today().isoformat()
    lines = [
        f'.TH BREAKUP 1 "{today}" "breakup {__version__}" "User Commands"',
        ".SH NAME",
        "breakup \\- end a client relationship cleanly",
        ".SH SYNOPSIS",
        "\\fBbreakup\\fR [\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        _escape(group.help or ""),
        ".SH OPTIONS",
        *_options(ctx, group),
        ".SH COMMANDS",
    ]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None:
            continue
        sub = click.Context(command, info_name=name, parent=ctx)
        lines += [f".SS {name}", _escape((command.help or "").replace("\b\n", ""))]
        lines += _options(sub, command)
    lines += [".SH SEE ALSO", "The README of breakup, and \\fBbreakup help\\fR \\fICOMMAND\\fR."]
    return "\n".join(lines) + "\n"

"""Getting set up: `archetypes`, `init`, `config` and `help`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from breakup.cli import InputFailure, load_profile, profile_option, templates_option
from breakup.i18n import _
from breakup.terminal import printable


def make(name: str) -> click.Command:
    """Build the command called `name`."""
    return {"archetypes": _archetypes, "init": _init, "config": _config, "help": _help}[name]()


def _archetypes() -> click.Command:
    @click.command("archetypes", short_help=_("List the client archetypes."))
    @click.option(
        "--lang", envvar="BREAKUP_LANG", metavar="LANG", help="Language of the descriptions."
    )
    @click.option("--ids", is_flag=True, help="Print only the ids, one per line.")
    @templates_option()
    def archetypes(lang: str | None, ids: bool, templates_dir: Path | None) -> None:
        """List the client archetypes with a one-line description, yours (--templates) too.

        \b
        Example:
          breakup archetypes --lang es
        """
        from breakup import languages
        from breakup.catalog import archetype_ids
        from breakup.terminal import printable

        # A folder's name or an archetype's description cannot move the cursor or forge a line.
        names = [printable(name) for name in archetype_ids(templates_dir)]
        if ids:
            click.echo("\n".join(names))
            return
        from breakup.render import describe

        language, locale = languages.resolve(lang, None, None, None, os.environ)
        width = max(len(name) for name in names)
        for name, description in describe(language, locale, templates_dir):
            click.echo(f"{printable(name):<{width}}  {printable(description)}")

    return archetypes


def _init() -> click.Command:
    @click.command("init", short_help=_("Write a sample profile and clients file to start from."))
    @click.option(
        "--dir",
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Where to write the files.",
    )
    @click.option(
        "--user", "user", is_flag=True, help="Write the profile to your user config folder instead."
    )
    @click.option("--no-input", is_flag=True, help="Don't ask: write the sample profile as it is.")
    def init(folder: Path, user: bool, no_input: bool) -> None:
        """Write a profile (breakup.toml) and a sample clients file (clients.csv).

        Asks for your name, company, email and a first provider to recommend (press Enter
        to keep the sample's); --no-input writes the sample. Never overwrites a file.

        \b
        Example:
          breakup init && breakup batch clients.csv -o out
        """
        from breakup.output import exists, write_atomic
        from breakup.profile import profile_text
        from breakup.resources import templates_dir

        samples = templates_dir() / "samples"
        target = (Path(click.get_app_dir("breakup")) if user else folder) / "breakup.toml"
        answers = None if no_input or not interactive() else _ask()
        if not no_input and not interactive():
            # Piped answers are not read (a red-team finding: nothing said so).
            click.echo(
                _(
                    "Standard input is not a terminal: no questions asked, the sample profile is "
                    "written (as with --no-input)."
                ),
                err=True,
            )
        if exists(target):
            click.echo(_("Kept {path}: it already exists").format(path=target), err=True)
        else:
            text = (samples / "breakup.toml").read_text(encoding="utf-8")
            write_atomic(target, profile_text(answers) if answers else text)
            click.echo(_("Wrote {path}").format(path=printable(str(target))))
            if not answers:
                click.echo(
                    _(
                        "Edit {path}: it signs with a sample sender until you put your own name "
                        "in it."
                    ).format(path=target),
                    err=True,
                )
        clients = folder / "clients.csv"
        if exists(clients):
            click.echo(_("Kept {path}: it already exists").format(path=clients), err=True)
        else:
            write_atomic(clients, (samples / "clients.csv").read_bytes())
            click.echo(_("Wrote {path}").format(path=printable(str(clients))))

    return init


def interactive() -> bool:
    """Tell whether someone is at the keyboard to answer init's questions."""
    return sys.stdin.isatty()


def _ask() -> dict[str, str]:
    """Ask for the sender and a first referral, in the interface language."""
    from breakup.mail import parse_address

    def email(text: str) -> str:
        try:
            return parse_address(text, _("the email"))
        except Exception as error:  # noqa: BLE001 - shown, then asked again
            raise click.BadParameter(str(error)) from None

    answers = {
        "name": click.prompt(_("Your name"), default="", show_default=False),
        "company": click.prompt(_("Your company (Enter for none)"), default="", show_default=False),
        "email": click.prompt(_("Your email"), value_proc=email),
        "phone": click.prompt(_("Your phone (Enter for none)"), default="", show_default=False),
        "referral_name": click.prompt(
            _("A provider you recommend: name (Enter to skip)"), default="", show_default=False
        ),
    }
    if answers["referral_name"]:
        answers["referral_email"] = click.prompt(_("Their email"), value_proc=email)
        answers["referral_services"] = click.prompt(
            _("What they can take over, e.g. web design"), default="", show_default=False
        )
    return answers


def _config() -> click.Command:
    @click.command("config", short_help=_("Show the profile in use and check it."))
    @profile_option()
    def config(profile_path: str | None) -> None:
        """Show which profile is in use, where profiles are looked for, the resolved
        defaults, and check the file (exit 2 if it is invalid).

        \b
        Example:
          breakup config
        """
        from breakup import languages
        from breakup.profile import candidates, find_profile

        found = find_profile(profile_path)
        click.echo(_("Profile in use: {path}").format(path=found or _("none (built-in defaults)")))
        click.echo(_("Looked for, in order:"))
        click.echo(f"  --profile / BREAKUP_PROFILE: {profile_path or '-'}")
        for path in candidates():
            mark = "✓" if path.is_file() else "·"
            click.echo(f"  {mark} {path.resolve() if path.is_file() else path}")
        profile = load_profile(profile_path)
        lang, locale = languages.resolve(
            None, None, profile.defaults.lang, profile.defaults.locale, os.environ
        )
        data = languages.language(lang)
        region = data.region(languages.region_of(locale))
        currency = profile.defaults.currency or region.currency
        sender = profile.sender
        rows = [
            (
                _("sender"),
                ", ".join(x for x in (sender.name, sender.company, sender.email) if x) or "-",
            ),
            (_("voice"), "I" if sender.solo else "we"),
            (_("language"), f"{lang} ({locale})"),
            (_("currency"), currency),
            (_("paper"), region.paper),
            (_("payment days"), str(profile.defaults.payment_days)),
            (_("notice days"), str(profile.defaults.notice_days or "-")),
            (_("referrals"), ", ".join(r.name or r.company for r in profile.referrals) or "-"),
        ]
        click.echo(_("Resolved settings:"))
        width = max(len(k) for k, _v in rows)
        for key, value in rows:
            click.echo(f"  {key:<{width}}  {value}")
        click.echo(_("The profile is valid.") if found else _("No profile: the defaults apply."))

    return config


def _help() -> click.Command:
    @click.command("help", short_help=_("Show the help of breakup or of a command."))
    @click.argument("command", required=False)
    @click.option("--man", is_flag=True, help="Print the manual page (troff) instead.")
    @click.pass_context
    def help_(ctx: click.Context, command: str | None, man: bool) -> None:
        """Show the help of breakup, or of COMMAND.

        \b
        Example:
          breakup help batch
        """
        root = ctx.find_root().command
        assert isinstance(root, click.Group)
        if man:
            from breakup.manpage import manual

            click.echo(manual(root, ctx.find_root()), nl=False)
            return
        if command is None:
            click.echo(root.get_help(ctx.find_root()))
            return
        target = root.get_command(ctx, command)
        if target is None:
            raise InputFailure(_("no command {name!r}: see breakup help").format(name=command))
        sub = click.Context(target, info_name=command, parent=ctx.find_root())
        click.echo(target.get_help(sub))

    return help_

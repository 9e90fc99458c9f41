"""The README documents what the bot offers: every command, subcommand and option of the
command registry (``bot.core.commands``, which ``tests/test_command_registry.py`` holds one to
one with the bot's discord.py commands), who may run each, where each is offered, every console
command, every setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.adapters.console import COMMANDS as CONSOLE_COMMANDS
from bot.core.commands import COMMANDS, Access, CommandSpec, Install, Kind, slash_commands
from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")

WHO = {Access.EVERYONE: "everyone", Access.MODERATOR: "moderators", Access.MANAGER: "Manage Server"}


def documented_forms(name: str) -> list[str]:
    """The backticked spans of the README that show ``/name``, e.g. `/entry edit id [reason]`."""
    return re.findall(rf"`(/{re.escape(name)}(?: [^`]*)?)`", README)


def paragraph(starting: str) -> str:
    """The README's paragraph or list item that starts with ``starting``."""
    start = README.index(starting)
    end = re.compile(r"\n(?:\s*\n|- )").search(README, start + len(starting))
    return README[start : end.start() if end else None]


def top_level(spec: CommandSpec) -> str:
    return spec.name if spec.kind is not Kind.SLASH else f"`/{spec.group or spec.name}`"


@pytest.mark.parametrize("spec", slash_commands(), ids=lambda spec: spec.name)
def test_every_slash_command_subcommand_and_option_is_in_the_readme(spec: CommandSpec) -> None:
    """Each one as `/name required [optional]...`, its options in their order."""
    assert spec.usage in documented_forms(spec.name), f"{spec.usage} is not in README.md"


@pytest.mark.parametrize(
    "spec", [s for s in COMMANDS if s.kind is not Kind.SLASH], ids=lambda spec: spec.name
)
def test_every_context_menu_command_is_in_the_readme(spec: CommandSpec) -> None:
    assert f"**{spec.name}**" in README, spec.name


def test_every_option_choice_is_in_the_readme() -> None:
    for spec in COMMANDS:
        for option in spec.options:
            for choice in option.choices:
                assert f"`{choice}`" in README, f"/{spec.name} {option.name}: {choice}"


def test_the_readme_says_who_may_run_each_command_of_its_tables() -> None:
    """A table row `| `/form` | who | ... |` names the registry's access for that command."""
    rows = dict(
        re.findall(r"^\| `(/[^`]+)` \| (everyone|moderators|Manage Server) \|", README, re.M)
    )
    checked = 0
    for spec in slash_commands():
        if spec.usage in rows:
            assert rows[spec.usage] == WHO[spec.access], f"{spec.usage}: who may run it"
            checked += 1
    assert checked >= 10, "the moderation table no longer has its Who column"


def test_the_readme_says_where_each_command_is_offered() -> None:
    """A user's own install offers exactly the commands that are not server-only."""
    everywhere = paragraph("- **On your account** (*User Install*)")
    in_servers = everywhere[everywhere.index("say nothing of server entries") :]
    for spec in COMMANDS:
        name = top_level(spec)
        if Install.USER in spec.installs:
            assert name in everywhere.split("follow you")[0], f"{name}: offered on your account"
        else:
            assert name in in_servers, f"{name}: never offered outside a server"


@pytest.mark.parametrize("name", list(CONSOLE_COMMANDS), ids=str)
def test_every_console_command_is_in_the_readme(name: str) -> None:
    """The console's commands (the registry's, and its own `/findsources` and `/help`)."""
    spec = CONSOLE_COMMANDS[name]
    documented = [form.casefold() for form in documented_forms(name)]
    assert spec.usage.casefold() in documented or name == "help", f"/{name} is not documented"


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    for field in Settings.model_fields:
        variable = field.upper()
        assert f"`{variable}`" in README, f"{variable} missing from README"
        assert re.search(rf"^#? ?{variable}=", ENV_EXAMPLE, re.M), f"{variable} not in .env.example"


def test_readme_quick_start_has_the_two_commands_ci_runs() -> None:
    assert "python3 manage.py run" in README and "python3 manage.py test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "manage.py test" in ci

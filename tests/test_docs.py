"""The README documents what the bot offers: every slash command with every subcommand and
option (read from the command tree of the built bot), every console command, every setting."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.adapters.console import COMMANDS
from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")

# (qualified name, [(option, required), ...]) of every leaf slash command, and the names of
# the context-menu commands.
Signature = tuple[str, list[tuple[str, bool]]]


@pytest.fixture
async def tree(app: App) -> AsyncIterator[app_commands.CommandTree[FactBot]]:
    """The command tree of the bot as it starts (its own setup_hook), without logging in."""
    async with FactBot(app, sync_on_start=False) as bot:
        await bot.setup_hook()
        await asyncio.sleep(0)  # the digest scheduler starts waiting for READY: closes at once
        yield bot.tree


def slash_commands(tree: app_commands.CommandTree[FactBot]) -> list[Signature]:
    return [
        (command.qualified_name, [(p.name, p.required) for p in command.parameters])
        for command in tree.walk_commands()
        if isinstance(command, app_commands.Command)
    ]


def documented_forms(name: str) -> list[str]:
    """The backticked spans of the README that show ``/name``, e.g. `/entry edit id [reason]`."""
    return re.findall(rf"`(/{re.escape(name)}(?: [^`]*)?)`", README)


def form_of(name: str, options: list[tuple[str, bool]]) -> str:
    return " ".join([f"/{name}", *(o if required else f"[{o}]" for o, required in options)])


async def test_the_tree_has_the_commands_this_test_reads(
    tree: app_commands.CommandTree[FactBot],
) -> None:
    names = [name for name, _ in slash_commands(tree)]
    assert {"member", "search", "digest set", "entry add", "config moderator-role"} <= set(names)


async def test_every_slash_command_subcommand_and_option_is_in_the_readme(
    tree: app_commands.CommandTree[FactBot],
) -> None:
    """Each leaf command appears as `/name required [optional]...`, options in their order."""
    missing = [
        form_of(name, options)
        for name, options in slash_commands(tree)
        if form_of(name, options) not in documented_forms(name)
    ]
    assert missing == [], f"not documented in README.md as such: {missing}"


async def test_every_context_menu_command_is_in_the_readme(
    tree: app_commands.CommandTree[FactBot],
) -> None:
    for kind in (discord.AppCommandType.user, discord.AppCommandType.message):
        for command in tree.get_commands(type=kind):
            assert f"**{command.name}**" in README or f"`{command.name}`" in README, command.name


async def test_console_commands_match_the_slash_commands_and_the_readme(
    tree: app_commands.CommandTree[FactBot],
) -> None:
    """A console command takes the options of the slash command of its name, or stands for a
    context-menu command (``/findsources`` for **Find sources**); each is in the README."""
    slash = dict(slash_commands(tree))
    menus = {
        re.sub(r"\W", "", command.name).casefold()
        for kind in (discord.AppCommandType.user, discord.AppCommandType.message)
        for command in tree.get_commands(type=kind)
    }
    for name, spec in COMMANDS.items():
        if name == "help":
            continue
        options = [(o.name, o.required) for o in spec.options]
        if name in slash:
            assert slash[name] == options, f"console /{name} takes {options}, Discord's other"
        else:
            assert name in menus, f"console /{name} is neither a slash nor a context-menu command"
        documented = [form.casefold() for form in documented_forms(name)]
        assert form_of(name, options).casefold() in documented, f"/{name} is not documented"


def test_every_setting_is_documented_in_readme_and_env_example() -> None:
    for field in Settings.model_fields:
        variable = field.upper()
        assert f"`{variable}`" in README, f"{variable} missing from README"
        assert re.search(rf"^#? ?{variable}=", ENV_EXAMPLE, re.M), f"{variable} not in .env.example"


def test_readme_quick_start_has_the_two_commands_ci_runs() -> None:
    assert "python3 manage.py run" in README and "python3 manage.py test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text()
    assert "manage.py test" in ci

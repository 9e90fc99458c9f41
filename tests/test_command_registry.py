"""The command registry (``bot.core.commands``) and the bot's discord.py command tree describe
the same commands, one to one: what Discord is sent (``to_dict``, the payload of a sync) is
compared field by field with what the registry says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from discord import app_commands

from bot.adapters.discord.client import FactBot
from bot.app import App
from bot.core.commands import (
    COMMANDS,
    GROUPS,
    Access,
    CommandSpec,
    Context,
    Install,
    Kind,
    OptionSpec,
    OptionType,
    slash_commands,
)

OPTION_TYPES = {
    OptionType.TEXT: 3,
    OptionType.INTEGER: 4,
    OptionType.BOOLEAN: 5,
    OptionType.CHANNEL: 7,
    OptionType.ROLE: 8,
}
INSTALLS = {Install.SERVER: 0, Install.USER: 1}
CONTEXTS = {Context.SERVER: 0, Context.BOT_DM: 1, Context.PRIVATE_CHANNEL: 2}
MENU_TYPES = {Kind.USER: 2, Kind.MESSAGE: 3}
MANAGE_GUILD = str(1 << 5)


@pytest.fixture
async def payload(app: App) -> AsyncIterator[dict[tuple[int, str], dict[str, Any]]]:
    """What a sync would send Discord: each top-level command's dict, by (type, name)."""
    async with FactBot(app, sync_on_start=False) as bot:
        await bot.setup_hook()
        await asyncio.sleep(0)  # the digest scheduler starts waiting for READY: closes at once
        tree: app_commands.CommandTree[FactBot] = bot.tree
        yield {
            (c["type"], c["name"]): c for c in (cmd.to_dict(tree) for cmd in tree.get_commands())
        }


def _option(spec: OptionSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "type": OPTION_TYPES[spec.type],
        "required": spec.required,
        "choices": [{"name": c, "value": c} for c in spec.choices] or None,
        "autocomplete": bool(spec.completes),
    }


def _sent_option(option: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": option["name"],
        "description": option["description"],
        "type": option["type"],
        "required": option.get("required", False),
        "choices": option.get("choices") or None,
        "autocomplete": option.get("autocomplete", False),
    }


def _where(specs: list[CommandSpec]) -> dict[str, Any]:
    """Permissions, install types and contexts, which Discord sets per top-level command: every
    subcommand of a group must agree."""
    forms = {
        (
            None if spec.access is Access.EVERYONE else MANAGE_GUILD,
            sorted(INSTALLS[i] for i in spec.installs),
            sorted(CONTEXTS[c] for c in spec.contexts),
        ).__repr__()
        for spec in specs
    }
    assert len(forms) == 1, f"{specs[0].group}: its subcommands disagree on where they run"
    spec = specs[0]
    return {
        "default_member_permissions": None if spec.access is Access.EVERYONE else MANAGE_GUILD,
        "integration_types": sorted(INSTALLS[i] for i in spec.installs),
        "contexts": sorted(CONTEXTS[c] for c in spec.contexts),
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _sent_where(command: dict[str, Any]) -> dict[str, Any]:
    return {
        # Discord's JSON has a string; discord.py gives a group's as one, a command's as an int.
        "default_member_permissions": _text(command.get("default_member_permissions")),
        "integration_types": sorted(command.get("integration_types") or []),
        "contexts": sorted(command.get("contexts") or []),
    }


def expected_payload() -> dict[tuple[int, str], dict[str, Any]]:
    """The registry, in the shape of the comparison below."""
    expected: dict[tuple[int, str], dict[str, Any]] = {}
    groups: dict[str, list[CommandSpec]] = {}
    for spec in COMMANDS:
        if spec.kind is not Kind.SLASH:
            expected[(MENU_TYPES[spec.kind], spec.name)] = {**_where([spec]), "options": []}
        elif spec.group is None:
            expected[(1, spec.name)] = {
                **_where([spec]),
                "description": spec.description,
                "options": [_option(o) for o in spec.options],
            }
        else:
            groups.setdefault(spec.group, []).append(spec)
    for group, specs in groups.items():
        expected[(1, group)] = {
            **_where(specs),
            "description": GROUPS[group],
            "subcommands": {
                spec.name.split(" ", 1)[1]: {
                    "description": spec.description,
                    "options": [_option(o) for o in spec.options],
                }
                for spec in specs
            },
        }
    return expected


def sent_payload(payload: dict[tuple[int, str], dict[str, Any]]) -> dict[tuple[int, str], Any]:
    found: dict[tuple[int, str], dict[str, Any]] = {}
    for key, command in payload.items():
        options = command.get("options", [])
        subcommands = [o for o in options if o["type"] == 1]
        if key[0] != 1:
            found[key] = {**_sent_where(command), "options": options}
        elif subcommands:
            found[key] = {
                **_sent_where(command),
                "description": command["description"],
                "subcommands": {
                    o["name"]: {
                        "description": o["description"],
                        "options": [_sent_option(p) for p in o.get("options", [])],
                    }
                    for o in subcommands
                },
            }
        else:
            found[key] = {
                **_sent_where(command),
                "description": command["description"],
                "options": [_sent_option(o) for o in options],
            }
    return found


async def test_the_registry_and_discord_py_define_the_same_commands(
    payload: dict[tuple[int, str], dict[str, Any]],
) -> None:
    expected, sent = expected_payload(), sent_payload(payload)
    assert sorted(sent) == sorted(expected), "a command is in one and not the other"
    for key in expected:
        assert sent[key] == expected[key], f"{key[1]}: the tree and the registry differ"


def test_the_registry_names_each_command_once() -> None:
    names = [spec.name for spec in COMMANDS]
    assert len(names) == len(set(names))
    assert {spec.group for spec in slash_commands()} - {None} == set(GROUPS)

"""The edge: what a slash command or autocomplete payload must look like before any handler
runs (issue 13, "Payloads Discord shouldn't send").

Discord's client only sends options of the types the command registered, values within their
choices and ranges, and one focused option in an autocomplete; a forged or stale payload may
not. ``refusal`` checks a payload against the command discord.py would run and says, in
words a user can read, what is wrong; the tree answers it (a command with the message, an
autocomplete with no choices) instead of letting a handler meet a value of the wrong type.
Text is refused when it holds control characters (NUL and the like) or lone surrogates, which
one database stores and the other refuses: refused here, the same on every backend.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import discord
from discord import app_commands
from discord.app_commands.transformers import CommandParameter

from bot.core.errors import Invalid
from bot.core.i18n import N_, _
from bot.core.moderation.drafts import control_problem

__all__ = ["focused_option", "leaf_options", "refusal"]

_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
T = discord.AppCommandOptionType
_SUBCOMMANDS = (T.subcommand.value, T.subcommand_group.value)


def leaf_options(data: Mapping[str, Any]) -> tuple[list[str], list[Mapping[str, Any]]]:
    """(the subcommand path, the options given to the command itself)."""
    path: list[str] = []
    options: Any = data.get("options") or []
    while isinstance(options, list) and options:
        first = options[0]
        if isinstance(first, Mapping) and first.get("type") in _SUBCOMMANDS:
            path.append(str(first.get("name")))
            options = first.get("options") or []
        else:
            break
    if not isinstance(options, list):
        return path, []
    return path, [o for o in options if isinstance(o, Mapping)]


def focused_option(options: Iterable[Mapping[str, Any]]) -> str | None:
    return next((str(o.get("name")) for o in options if o.get("focused")), None)


def _type_ok(kind: int, value: Any) -> bool:
    if kind == T.string.value:
        return isinstance(value, str)
    if kind == T.integer.value:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == T.number.value:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == T.boolean.value:
        return isinstance(value, bool)
    if kind in (T.user.value, T.channel.value, T.role.value, T.mentionable.value):
        return isinstance(value, str | int) and bool(_SNOWFLAKE.fullmatch(str(value)))
    if kind == T.attachment.value:
        return isinstance(value, str | int)
    return False


def _value_problem(param: CommandParameter, value: Any, *, partial: bool) -> str | None:
    name = param.display_name
    if isinstance(value, str):
        problem = control_problem(value)
        if problem is not None:
            return f"“{name}” {problem}"
    if partial:
        return None
    if not _type_ok(param.type.value, value):
        return f"“{name}” should be {param.type.name}, not {type(value).__name__}"
    if param.choices and value not in [c.value for c in param.choices]:
        allowed = ", ".join(str(c.value) for c in param.choices)
        return f"“{name}” must be one of: {allowed}"
    measured = len(value) if isinstance(value, str) else value
    low, high = param.min_value, param.max_value
    if isinstance(measured, int | float) and not isinstance(measured, bool):
        if low is not None and measured < low:
            return f"“{name}” is below its minimum ({low})"
        if high is not None and measured > high:
            return f"“{name}” is above its maximum ({high})"
    return None


def _command(tree: app_commands.CommandTree[Any], interaction: discord.Interaction[Any]) -> Any:
    data: Any = interaction.data or {}
    path, _options = leaf_options(data)
    guild = discord.Object(interaction.guild_id) if interaction.guild_id else None
    command: Any = tree.get_command(str(data.get("name")), guild=guild) or tree.get_command(
        str(data.get("name"))
    )
    for name in path:
        if not isinstance(command, app_commands.Group):
            return None
        command = command.get_command(name)
    return command if isinstance(command, app_commands.Command) else None


def refusal(
    tree: app_commands.CommandTree[Any], interaction: discord.Interaction[Any]
) -> Invalid | None:
    """Why this slash command or autocomplete payload cannot be run as sent; None when it
    can (or when it is for a command this tree does not know: discord.py says so itself)."""
    data: Any = interaction.data
    if not isinstance(data, Mapping) or data.get("type", 1) != 1:
        return None  # context menus carry a target, not options
    command = _command(tree, interaction)
    if command is None:
        return None
    _path, options = leaf_options(data)
    autocomplete = interaction.type is discord.InteractionType.autocomplete
    focused = focused_option(options)
    if autocomplete and focused is None:
        return Invalid(N_("This autocomplete request names no option being typed."))
    params = {p.display_name: p for p in command._params.values()}
    problems: list[str] = []
    seen: set[str] = set()
    for option in options:
        name = str(option.get("name"))
        param = params.get(name)
        if param is None or name in seen:
            problems.append(f"“{name[:32]}” is not an option of /{command.qualified_name}")
            continue
        seen.add(name)
        # In an autocomplete every option holds what was typed so far: only its text counts.
        problem = _value_problem(param, option.get("value"), partial=autocomplete)
        if problem is None and not autocomplete and option.get("type") != param.type.value:
            problem = f"“{name}” was sent as the wrong kind of option"
        if problem is not None:
            problems.append(problem)
    if not autocomplete:
        missing = [n for n, p in params.items() if p.required and n not in seen]
        problems += [f"“{n}” is required" for n in missing]
    if not problems:
        return None
    return Invalid(
        _("This command can't run with what was sent: {problems}.").format(
            problems="; ".join(problems[:5])
        ),
        hint=N_("Pick the command again from Discord's list and fill in its options."),
    )

"""Where commands can be used, and whose entries they read there.

The bot can be installed in a server (its moderators' entries, digests and settings live
there) and on a user's own account, which takes the read-only commands into DMs, group DMs and
servers the bot is not in. ``FactBot`` makes "installed in a server, used in a server" every
command's default; ``everywhere`` opens a read-only command to user installs in every context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

__all__ = ["GUILD_CONTEXTS", "GUILD_INSTALLS", "everywhere", "scope"]

T = TypeVar("T")

GUILD_INSTALLS = app_commands.AppInstallationType(guild=True, user=False)
GUILD_CONTEXTS = app_commands.AppCommandContext(guild=True, dm_channel=False, private_channel=False)


def everywhere(command: T) -> T:
    """A read-only command: installable by servers and by users, usable in servers, the bot's
    DMs and group DMs (discord.py's ``allowed_installs`` and ``allowed_contexts``)."""
    installs: Callable[[T], T] = app_commands.allowed_installs(guilds=True, users=True)
    contexts: Callable[[T], T] = app_commands.allowed_contexts(
        guilds=True, dms=True, private_channels=True
    )
    return installs(contexts(command))


def scope(interaction: discord.Interaction[Any]) -> int | None:
    """The server whose own entries an answer may show: the interaction's server when the bot
    is installed there, else None (the curated store only): in DMs, and where a user runs their
    own install in a server that never added the bot, whose entries that user's command must
    neither read nor mention."""
    if interaction.guild_id is None or not interaction.is_guild_integration():
        return None
    return interaction.guild_id

"""Who is calling: an interaction's user as the core's ``Member``, judged by the core's one
moderator check (``bot.core.permissions.Permissions``).

Only what the interaction says of the member *now* counts (its resolved permission bits and
role ids), so a stale or forged call is judged on the member's current standing, never on the
fact that Discord showed them the command.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.core.permissions import Member, Permissions

__all__ = ["member_of", "moderates", "permissions_of"]


def member_of(interaction: discord.Interaction[Any]) -> Member:
    user = interaction.user
    roles = [role.id for role in user.roles] if isinstance(user, discord.Member) else []
    guild = interaction.guild
    return Member.of(
        user.id,
        user.display_name,
        interaction.guild_id,
        interaction.permissions.value if interaction.guild_id else 0,
        roles,
        is_owner=guild is not None and guild.owner_id == user.id,
    )


def permissions_of(interaction: discord.Interaction[Any]) -> Permissions | None:
    """The bot's shared ``Permissions`` (``FactBot.app.moderation.permissions``), if built."""
    app = getattr(interaction.client, "app", None)
    moderation = getattr(app, "moderation", None)
    found = getattr(moderation, "permissions", None)
    return found if isinstance(found, Permissions) else None


async def moderates(interaction: discord.Interaction[Any]) -> bool:
    """Whether the caller moderates this server, for the "add an entry" hint on an error reply
    only (never to authorise: every moderator use case decides that itself, in the core)."""
    permissions = permissions_of(interaction)
    if permissions is None:
        return False
    return await permissions.is_moderator(member_of(interaction))

"""Who may change the bot's settings for a server, decided anew on every call.

Discord hides moderator commands from members without Manage Server
(``default_member_permissions``), but a server's owner can override that per command and a
member's permissions can change after their client loaded the command list, so the bot checks
again on each call and refuses clearly. ``is_moderator`` is the one check the server-settings
commands (``/digest``) use; it asks the core's ``Permissions`` (``bot.core.permissions``, via
``members.moderates``), the same decision ``/entry`` uses: Manage Server, or the server's
moderator role (``/config moderator-role``).
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord.members import moderates
from bot.core.errors import Forbidden

__all__ = ["NOT_HERE", "is_moderator", "require_moderator"]

NOT_HERE = "This works only in a server, not in direct messages."

REFUSED = (
    "Only moderators can change the daily digest: members with the Manage Server permission, "
    "or with the server's moderator role."
)


async def is_moderator(interaction: discord.Interaction[Any]) -> bool:
    """Whether the caller moderates this server: Manage Server (the owner and administrators
    have it) as Discord resolved it for this interaction, or the moderator role."""
    if interaction.guild is None:
        return False
    return await moderates(interaction)


async def require_moderator(interaction: discord.Interaction[Any]) -> None:
    """Raise ``Forbidden`` (answered by ``FactTree.on_error``) unless ``is_moderator``; in a
    direct message (Discord offers these commands in servers only, but a stale or forged call
    may come from one) say that instead."""
    if interaction.guild_id is None:
        raise Forbidden(NOT_HERE, hint="Run it in the server whose digest it is.")
    if not await is_moderator(interaction):
        raise Forbidden(REFUSED, hint="Ask someone who manages the server to set it up.")

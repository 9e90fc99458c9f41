"""``/config``: server settings only members with Manage Server may change.

``/config moderator-role [role] [clear]`` names the role whose members moderate besides those
with Manage Server; without options it shows the setting.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import send_reply
from bot.core.moderation import Moderation
from bot.core.render.moderation import render_moderator_role

__all__ = ["ConfigCog"]


class ConfigCog(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="Server settings for this bot (Manage Server only)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, moderation: Moderation) -> None:
        self.moderation = moderation

    @config.command(name="moderator-role", description="The role whose members moderate entries")
    @app_commands.describe(
        role="Members with this role moderate too (besides those with Manage Server)",
        clear="Remove the moderator role: only Manage Server moderates",
    )
    async def moderator_role(
        self,
        interaction: discord.Interaction[Any],
        role: discord.Role | None = None,
        clear: bool = False,
    ) -> None:
        member = member_of(interaction)
        ledger = self.moderation.ledger
        if role is None and not clear:
            current = await ledger.moderator_role(member)
            await send_reply(interaction, render_moderator_role(current, changed=False))
            return
        chosen = await ledger.set_moderator_role(member, None if clear or role is None else role.id)
        await send_reply(interaction, render_moderator_role(chosen, changed=True))

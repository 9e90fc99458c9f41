"""``/config``: server settings only members with Manage Server may change.

``/config moderator-role [role] [clear]`` names the role whose members moderate besides those
with Manage Server; without options it shows the setting. @everyone and managed roles (a bot's
or an integration's) are refused.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import send_reply
from bot.core.errors import Invalid
from bot.core.i18n import N_, _
from bot.core.moderation.render import render_moderator_role
from bot.core.moderation.service import Moderation

__all__ = ["ConfigCog", "refuse_role"]


def refuse_role(role: discord.Role) -> None:
    """``Invalid`` for a role that cannot be the moderator role: @everyone (every member
    would moderate) or a managed role (a bot's or an integration's, which people are not
    given by hand)."""
    if role.is_default():
        raise Invalid(
            N_("@everyone can't be the moderator role: every member of the server would moderate."),
            hint=N_("Create a role for your moderators and choose it here."),
        )
    if role.managed:
        raise Invalid(
            _(
                "{role} is managed by a bot or an integration, so it can't be the moderator "
                "role: Discord gives it to that bot or integration only, never to people."
            ).format(role=role.name),
            hint=N_("Create a role for your moderators and choose it here."),
        )


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
        if role is not None and not clear:
            refuse_role(role)
        chosen = await ledger.set_moderator_role(member, None if clear or role is None else role.id)
        await send_reply(interaction, render_moderator_role(chosen, changed=True))

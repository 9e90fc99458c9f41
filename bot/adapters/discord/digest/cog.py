"""``/digest set | show | off | preview``: a server's daily fact, for members with Manage Server.

Each handler says who is calling (``member_of``), calls one ``DigestService`` method (which
decides whether they may: ``bot.core.permissions``), renders and responds; the scheduler hears
of every change. Failures are raised for ``FactTree.on_error``. The listeners keep the
scheduler in step with the servers this process holds, and stop a server's digest when the bot
leaves it.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.digest.scheduler import DigestScheduler
from bot.adapters.discord.members import member_of
from bot.adapters.discord.respond import send_reply
from bot.core.digest.plan import timezone_choices
from bot.core.digest.render import render_digest, render_digest_status
from bot.core.digest.service import DigestChannel, DigestService
from bot.core.i18n import reading_in

__all__ = ["REQUIRED_PERMISSIONS", "DigestCog", "missing_permissions"]

log = logging.getLogger(__name__)

REQUIRED_PERMISSIONS = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    # A restarted bot reads the channel's recent messages to see whether a post it never
    # recorded was made; without this it could not tell, and would not post twice to find out.
    ("read_message_history", "Read Message History"),
)


def missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    """The names of the permissions the bot lacks in ``channel`` to post digests there."""
    have = channel.permissions_for(me)
    return [label for name, label in REQUIRED_PERMISSIONS if not getattr(have, name)]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class DigestCog(commands.GroupCog, group_name="digest", group_description="A daily fact"):
    def __init__(self, digests: DigestService, scheduler: DigestScheduler) -> None:
        self.digests = digests
        self.scheduler = scheduler
        super().__init__()

    @app_commands.command(name="set", description="Post a sourced fact every day at this time")
    @app_commands.describe(
        channel="The text channel to post in",
        time="When, as HH:MM on a 24-hour clock, e.g. 09:00",
        timezone="Your time zone, e.g. Europe/London (suggested as you type)",
    )
    async def set_(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        time: app_commands.Range[str, 1, 16],
        timezone: app_commands.Range[str, 1, 64],
    ) -> None:
        guild = interaction.guild
        assert guild is not None  # guild_only
        posting = DigestChannel(
            channel.id, channel.name, tuple(missing_permissions(channel, guild.me))
        )
        status = await self.digests.set(member_of(interaction), posting, time, timezone)
        self.scheduler.changed(guild.id)
        await send_reply(interaction, render_digest_status(status))

    @set_.autocomplete("timezone")
    async def _timezone(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=name, value=name) for name in timezone_choices(current)]

    @app_commands.command(name="show", description="The daily digest's schedule and last post")
    async def show(self, interaction: discord.Interaction[Any]) -> None:
        status = await self.digests.status(member_of(interaction))
        await send_reply(interaction, render_digest_status(status))

    @app_commands.command(name="off", description="Stop the daily digest")
    async def off(self, interaction: discord.Interaction[Any]) -> None:
        status = await self.digests.off(member_of(interaction))
        self.scheduler.changed(status.subscription.guild_id)
        await send_reply(interaction, render_digest_status(status))

    @app_commands.command(name="preview", description="Today's digest, shown only to you")
    async def preview(self, interaction: discord.Interaction[Any]) -> None:
        answer = await self.digests.preview(member_of(interaction))
        guild = interaction.guild
        language = guild.preferred_locale if guild is not None else interaction.locale
        with reading_in(language.value):  # as it will be posted: in the server's language
            reply = render_digest(answer)
        await send_reply(interaction, reply)

    # -- the servers this process holds ------------------------------------------------------

    @commands.Cog.listener()
    async def on_guild_available(self, guild: discord.Guild) -> None:
        self.scheduler.changed(guild.id)

    @commands.Cog.listener()
    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.scheduler.changed(guild.id)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        await self.digests.forget(guild.id)
        self.scheduler.changed(guild.id)

"""``/stats`` (moderators, private): this server's use over the last 7 and 30 days, and the
questions nobody could answer; picking one opens the suggestion form prefilled with it (a
select, then the form: two clicks). Usage counts go when the bot leaves a server.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands, tasks

from bot.adapters.discord.forms import EntryForm, FormSpec
from bot.adapters.discord.members import member_of
from bot.adapters.discord.ops.observe import InteractionObserver
from bot.adapters.discord.respond import NO_PINGS, send_reply
from bot.core.i18n import _
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.moderation.render import render_suggested
from bot.core.moderation.service import Moderation
from bot.core.observe import Outcome
from bot.core.permissions import Member
from bot.core.render import Reply
from bot.core.usage.render import gap_label, render_stats
from bot.core.usage.service import Gap, Usage

__all__ = ["GAP_SELECT", "StatsCog"]

log = logging.getLogger(__name__)

GAP_SELECT = "stats:gap"
VIEW_TIMEOUT = 900.0
MODERATORS = discord.Permissions(manage_guild=True)
FLUSH_SECONDS = 10.0


def _draft(gap: Gap) -> Draft:
    """The suggestion form prefilled from a question nobody could answer."""
    return Draft(Kind.FACT, text=f"{gap.text} ")


class GapView(discord.ui.View):
    """A select of the unanswered questions; choosing one opens the suggestion form."""

    def __init__(
        self, moderation: Moderation, gaps: list[Gap], owner_id: int, guild_id: int | None
    ) -> None:
        super().__init__(timeout=VIEW_TIMEOUT)
        self.moderation = moderation
        self.guild_id = guild_id
        self.gaps = gaps[:25]
        self.owner_id = owner_id
        select: discord.ui.Select[GapView] = discord.ui.Select(
            custom_id=GAP_SELECT,
            placeholder=_("Suggest an entry answering one of these questions"),
            options=[
                discord.SelectOption(
                    label=gap_label(gap)[:100],
                    value=str(i),
                    description=_("asked {count}×").format(count=gap.count),
                )
                for i, gap in enumerate(self.gaps)
            ],
        )
        select.callback = self._chosen  # type: ignore[method-assign]
        self.select = select
        self.add_item(select)

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        if interaction.user.id == self.owner_id and interaction.guild_id == self.guild_id:
            return True
        InteractionObserver.ended(Outcome.USER_ERROR, ran=False)
        await interaction.response.send_message(
            _("This menu belongs to whoever opened /stats."),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        return False

    async def _chosen(self, interaction: discord.Interaction[Any]) -> None:
        gap = self.gaps[int(self.select.values[0])]
        moderation = self.moderation

        async def save(member: Member, draft: Draft, confirm: bool) -> Reply:
            return render_suggested(await moderation.review.suggest(member, draft, confirm=confirm))

        assert self.guild_id is not None  # /stats answers in a server only
        spec = FormSpec(_("Suggest a fact"), Kind.FACT, save, self.guild_id)  # bound to its server
        await interaction.response.send_modal(EntryForm(spec, _draft(gap), interaction.user.id))


class StatsCog(commands.Cog):
    def __init__(self, usage: Usage, moderation: Moderation) -> None:
        self.usage = usage
        self.moderation = moderation

    async def cog_load(self) -> None:
        self._flusher.start()

    async def cog_unload(self) -> None:
        self._flusher.cancel()

    @tasks.loop(seconds=FLUSH_SECONDS)
    async def _flusher(self) -> None:
        """Write the usage counted in memory every ``FLUSH_SECONDS``."""
        try:
            await self.usage.flush()
        except Exception:
            log.warning("could not write the usage counts; keeping them", exc_info=True)

    @app_commands.command(
        name="stats", description="Moderators: how this server used the bot, and what it missed"
    )
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def stats(self, interaction: discord.Interaction[Any]) -> None:
        found = await self.usage.stats(member_of(interaction))
        gaps = found.month.gaps
        view = (
            GapView(self.moderation, gaps, interaction.user.id, interaction.guild_id)
            if gaps
            else None
        )
        await send_reply(interaction, render_stats(found), view=view)

    @commands.Cog.listener()
    async def on_guild_remove(self, guild: discord.Guild) -> None:
        removed = await self.usage.forget(guild.id)
        log.info("left guild %s: forgot %d usage rows", guild.id, removed)

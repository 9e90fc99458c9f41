"""Right-click a message → Apps → **Find sources**: the sourced entries its words point at,
answered privately, with a **Post** button that shares the answer in the channel.

The Post button keeps no state of its own: it reposts the embeds of the private answer it sits
on, so it still works after a restart (a ``DynamicItem`` with a fixed custom id).

Report an error under the answer belongs to moderation: the client gives this cog the button
(``report``), so reading does not import moderation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.forms import VIEW_TIMEOUT
from bot.adapters.discord.installs import everywhere, scope
from bot.adapters.discord.respond import NO_PINGS, send_reply
from bot.core.i18n import _
from bot.core.reading.findsources import SourceFinder
from bot.core.render import render

__all__ = ["FIND_SOURCES", "POST", "POSTED", "FindSourcesCog", "PostButton"]

FIND_SOURCES = "Find sources"
POST = "findsources:post"
POSTED = "findsources:posted"


class PostButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.escape(POST)):
    """Shares the private answer it is attached to with the whole channel (pinging no one)."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(label=_("Post"), style=discord.ButtonStyle.primary, custom_id=POST)
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PostButton:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        embeds = interaction.message.embeds if interaction.message is not None else []
        if not embeds:
            await interaction.response.send_message(
                _("There is nothing to post here any more."),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.edit_message(view=_posted())
        await interaction.followup.send(embeds=embeds, allowed_mentions=NO_PINGS)


def _posted() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=_("Posted"), style=discord.ButtonStyle.secondary, custom_id=POSTED, disabled=True
        )
    )
    return view


def _post_view() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PostButton())
    return view


Refs = list[tuple[str, str, str]]  # (kind, key, text) of the entries a page shows


class FindSourcesCog(commands.Cog):
    def __init__(
        self,
        bot: commands.Bot,
        finder: SourceFinder,
        report: Callable[[Refs], discord.ui.Item[Any]] | None = None,
    ) -> None:
        self.bot = bot
        self.finder = finder
        self.report = report  # the Report an error button for a page's entries, if offered
        self.menu = everywhere(app_commands.ContextMenu(name=FIND_SOURCES, callback=self.find))

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(PostButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(PostButton)

    async def find(self, interaction: discord.Interaction[Any], message: discord.Message) -> None:
        answer = await self.finder.find(message.content, scope(interaction))
        reply = render(answer)
        # One page (the usual case: five matches at most) gets Post; a longer answer keeps its
        # Previous/Next buttons instead, since a post would show its first page only.
        view = _post_view() if answer.hits and len(reply.pages) == 1 else None
        refs = reply.sections[0].refs[0] if reply.sections and reply.sections[0].refs else []
        if view is not None and refs and self.report is not None:
            view.timeout = VIEW_TIMEOUT  # Report an error: the entries live in the view
            view.add_item(self.report(refs))
        await send_reply(interaction, reply, view=view)

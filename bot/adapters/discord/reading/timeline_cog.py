"""/timeline: the summits and the membership's growth as a picture, in a sourced embed."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters.discord.installs import everywhere, scope
from bot.adapters.discord.respond import send_reply
from bot.core.reading.timeline import TimelineService
from bot.core.render import render

__all__ = ["TimelineCog"]


class TimelineCog(commands.Cog):
    def __init__(self, timeline: TimelineService) -> None:
        self.timeline = timeline

    @everywhere
    @app_commands.command(
        name="timeline", description="A picture of the summits and the membership's growth"
    )
    async def timeline_command(self, interaction: discord.Interaction[Any]) -> None:
        # The first picture of a data version takes a moment to draw: answer "thinking" first.
        await interaction.response.defer(thinking=True)
        answer = await self.timeline.timeline(scope(interaction))
        png = await self.timeline.picture(answer)
        picture = discord.File(io.BytesIO(png), filename=answer.filename)
        await send_reply(interaction, render(answer), files=[picture])

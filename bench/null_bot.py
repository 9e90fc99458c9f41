"""The null bot of ``bench.discord_bench``: one slash command answering one constant embed.

    DISCORD_TOKEN=... DISCORD_API_BASE=... DISCORD_GATEWAY_URL=... python -m bench.null_bot

A plain discord.py client set up as ``FactBot`` is (the ``guilds`` intent, no pings), doing
nothing else: what discord.py itself costs per interaction, the floor every command of the
bot is compared with. Run by the benchmark in its own process against the loopback fake.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any

import discord
import yarl
from discord.ext import commands

CONSTANT_EMBED = discord.Embed(title="Constant", description="The same answer every time.")


def null_bot() -> commands.Bot:
    intents = discord.Intents.none()
    intents.guilds = True
    bot = commands.Bot(
        command_prefix=commands.when_mentioned,
        intents=intents,
        allowed_mentions=discord.AllowedMentions.none(),
        help_command=None,
    )

    @bot.tree.command(name="constant", description="Answers a constant embed")
    async def constant(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(embed=CONSTANT_EMBED)

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


async def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    if base := os.environ.get("DISCORD_API_BASE"):
        discord.http.Route.BASE = base.rstrip("/")
    if gateway := os.environ.get("DISCORD_GATEWAY_URL"):
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    async with null_bot() as bot:
        # SIGTERM (the benchmark's stop) closes the bot and returns, as the bot's own run
        # does: a process run under cProfile then writes its profile.
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        running = asyncio.create_task(bot.start(os.environ["DISCORD_TOKEN"]))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if running.done():
            running.result()  # a failed start raises here


if __name__ == "__main__":
    asyncio.run(main())

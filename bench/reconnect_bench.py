"""How long after a gateway outage ends the bot is back (its next RESUME or IDENTIFY).

    python -m bench.reconnect_bench [--outage 30] [--trials 5] [--library-backoff]

Each trial starts the bot against the loopback fake Discord, drops the gateway and refuses
every connection (503) for ``--outage`` seconds, brings it back and times the bot's return.
``--library-backoff``: discord.py's own backoff, as before ``bot.adapters.discord.ops.reconnect``.
Prints one line per trial and a summary; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
from pathlib import Path

import discord.backoff
import discord.client
import discord.shard

from bot.adapters.discord.client import FactBot
from bot.app import build_app
from bot.settings import Settings
from tests.fakediscord import FakeDiscord


async def trial(bot_factory: FactBot, outage: float) -> tuple[float, int, str]:
    async with FakeDiscord.running() as fake:
        fake.add_guild(name="Bench", channels=["general"])
        async with fake.client(bot_factory):
            fake.gateway_down()
            await asyncio.sleep(outage)
            refused = fake.gateway.refused
            ended = fake.gateway_up()
            seen = len(fake.gateway.attempts)
            await fake.wait_for(
                lambda: len(fake.gateway.attempts) > seen, "the bot to come back", 1200
            )
            at, kind = fake.gateway.attempts[seen]
            fake.log_errors.clear()
            return at - ended, refused, kind


async def main(outage: float, trials: int, library: bool) -> None:
    logging.basicConfig(level=logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            discord_token="fake-token",
            database_url="sqlite:///:memory:",
            command_hash_file=Path(folder) / "hash",
        )
        delays: list[float] = []
        async with build_app(settings) as app:
            for n in range(trials):
                bot = FactBot(app)  # installs the bot's backoff
                if library:
                    for module in (discord.client, discord.shard):
                        vars(module)["ExponentialBackoff"] = discord.backoff.ExponentialBackoff
                delay, refused, kind = await trial(bot, outage)
                delays.append(delay)
                print(
                    f"trial {n + 1}: back {delay:5.1f} s after a {outage:.0f} s outage "
                    f"({kind}; {refused} attempts refused during it)",
                    flush=True,
                )
    which = "discord.py's backoff" if library else "GatewayBackoff"
    print(
        f"{which}: mean {statistics.mean(delays):.1f} s, median {statistics.median(delays):.1f} "
        f"s, max {max(delays):.1f} s over {trials} trials of a {outage:.0f} s outage"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--library-backoff", action="store_true")
    args = parser.parse_args()
    asyncio.run(main(args.outage, args.trials, args.library_backoff))

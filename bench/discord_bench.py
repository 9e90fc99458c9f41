"""The bot through the loopback fake Discord: throughput and latency per command.

    python -m bench.discord_bench [--burst 200] [--rate 300] [--seconds 3]

For each command, side by side with a bot whose only command answers a constant embed:
- burst throughput: ``--burst`` interactions sent at once, answered per second;
- sustained latency: interactions sent at ``--rate`` per second for ``--seconds``; p50/p99 of
  the time from the INTERACTION_CREATE event sent to the interaction callback received;
- the same burst with an aiohttp ``TCPConnector`` limited to ``--connector-limit`` connections
  versus discord.py's default connector.
The fake, the bot and the load generator share one process and one event loop (2 cores here),
so the figures are an upper bound on the bot's own cost; the fake's payload checks are off
unless ``--validate`` (the e2e tests run them). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.adapters.discord.client import FactBot
from bot.app import build_app
from bot.settings import Settings
from tests.fakediscord import FakeDiscord

CONSTANT_EMBED = discord.Embed(title="Constant", description="The same answer every time.")
COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("member", {"country": "belarus"}),
    ("member", {}),
    ("summit", {"year": 2024}),
    ("quote", {"person": "fan-xianrong"}),
    ("search", {"query": "890 billion"}),
    ("fact", {}),
    ("source", {}),
    ("about", {}),
]


def constant_bot(**options: Any) -> commands.Bot:
    intents = discord.Intents.none()
    intents.guilds = True  # as FactBot: the comparison is the command, not the client setup
    bot = commands.Bot(command_prefix="!", intents=intents, **options)

    @bot.tree.command(name="constant", description="Answers a constant embed")
    async def constant(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message(
            embed=CONSTANT_EMBED, allowed_mentions=discord.AllowedMentions.none()
        )

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


async def burst(fake: FakeDiscord, command: str, options: dict[str, Any], count: int) -> float:
    start = time.perf_counter()
    replies = await asyncio.gather(
        *(fake.invoke(command, options, timeout=30) for _ in range(count))
    )
    elapsed = time.perf_counter() - start
    assert all(r.type == 4 for r in replies), "an interaction went unanswered"
    return count / elapsed


async def sustained(
    fake: FakeDiscord, command: str, options: dict[str, Any], rate: float, seconds: float
) -> tuple[float, float, float]:
    """Send at ``rate``/s; return (achieved rate, p50 ms, p99 ms)."""
    loop = asyncio.get_running_loop()
    total = int(rate * seconds)
    start = loop.time()
    tasks = []
    for i in range(total):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fake.invoke(command, options, timeout=30)))
    replies = await asyncio.gather(*tasks)
    achieved = total / (loop.time() - start)
    latencies = sorted(r.latency * 1000 for r in replies if r.latency is not None)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return achieved, statistics.median(latencies), p99


async def measure(
    make_bot: Callable[..., discord.Client],
    commands_to_run: list[tuple[str, dict[str, Any]]],
    args: argparse.Namespace,
    **bot_options: Any,
) -> dict[str, tuple[float, float, float, float]]:
    results = {}
    for command, options in commands_to_run:
        # A fresh fake and bot per command: the fake keeps every request and reply, and the
        # bot every live pager, so a shared session would slow each command after the first.
        async with FakeDiscord.running(check_clean=False, callback_deadline=30.0) as fake:
            fake.add_guild(name="bench")
            if not args.validate:
                # Checking each payload against Discord's OpenAPI schema is the fake's cost,
                # and it grows with the payload: leave it out of the bot's figures unless asked.
                fake.check = lambda kind, body, request: []  # type: ignore[method-assign]
            async with fake.client(make_bot(**bot_options)):
                await burst(fake, command, options, 20)  # warm up
                throughput = await burst(fake, command, options, args.burst)
                rate, p50, p99 = await sustained(fake, command, options, args.rate, args.seconds)
        label = command + (" " + " ".join(map(str, options.values())) if options else "")
        results[label] = (throughput, rate, p50, p99)
    return results


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            discord_token="fake-token",
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            command_hash_file=Path(tmp) / "hash",
            cooldown_rate=0,  # one fake user sends every request: no per-user cooldown
        )
        async with build_app(settings) as app:
            print(f"burst {args.burst}; sustained {args.rate}/s for {args.seconds}s")
            header = ("command", "burst/s", "rate/s", "p50 ms", "p99 ms", "vs const")
            print(f"{header[0]:<24}" + "".join(f"{h:>10}" for h in header[1:]))
            base = await measure(constant_bot, [("constant", {})], args)
            const_tp = base["constant"][0]
            real = await measure(lambda **o: FactBot(app, **o), COMMANDS, args)
            for label, (tp, rate, p50, p99) in {**base, **real}.items():
                print(
                    f"{label:<24}{tp:10.0f}{rate:10.0f}{p50:10.2f}{p99:10.2f}{tp / const_tp:10.2f}"
                )

            limit = args.connector_limit
            print(
                f"\nconnector: burst of {args.burst} /about, default vs TCPConnector(limit={limit})"
            )
            for name, make_options in (
                ("default", dict),
                (
                    f"limit={args.connector_limit}",
                    lambda: {"connector": aiohttp.TCPConnector(limit=args.connector_limit)},
                ),
            ):
                once = await measure(
                    lambda **o: FactBot(app, **o), [("about", {})], args, **make_options()
                )
                print(f"  {name:<12} {once['about'][0]:8.0f} interactions/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--burst", type=int, default=200)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--connector-limit", type=int, default=10)
    parser.add_argument(
        "--validate", action="store_true", help="let the fake check every payload (slower)"
    )
    asyncio.run(main(parser.parse_args()))

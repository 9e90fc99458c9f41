"""The bot's health, as ``/healthz`` reports it, and the gateway's connection events.

Healthy while every gateway shard this process runs is connected, the database answers a
trivial query within ``PING_TIMEOUT`` and the digest scheduler's task is alive.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.adapters.http.server import Health
from bot.core.observe import Metrics

if TYPE_CHECKING:
    from bot.adapters.discord.client import FactBot

__all__ = ["PING_TIMEOUT", "check_health", "count_gateway_events", "shards_connected"]

PING_TIMEOUT = 2.0


def shards_connected(bot: discord.Client) -> dict[int, bool]:
    """Each shard this process runs (0 when unsharded) and whether its websocket is open."""
    if isinstance(bot, discord.AutoShardedClient):
        ids = bot.shard_ids if bot.shard_ids is not None else range(bot.shard_count or 1)
        shards = bot.shards
        return {i: i in shards and not shards[i].is_closed() for i in ids}
    ws = getattr(bot, "ws", None)
    return {bot.shard_id or 0: ws is not None and ws.open}


async def check_health(bot: FactBot) -> Health:
    checks: dict[str, bool] = {}
    reasons: list[str] = []
    shards = shards_connected(bot)
    down = [i for i, up in shards.items() if not up]
    checks["gateway"] = bot.is_ready() and not bot.is_closed() and not down
    if not checks["gateway"]:
        if not bot.is_ready() or bot.is_closed():
            reasons.append("the gateway is not connected (not ready)")
        else:
            reasons.append(f"gateway shard(s) {', '.join(map(str, down))} disconnected")
    try:
        await asyncio.wait_for(bot.app.usage_store.ping(), PING_TIMEOUT)
        checks["database"] = True
    except TimeoutError:
        checks["database"] = False
        reasons.append(f"the database did not answer within {PING_TIMEOUT:.0f} s")
    except Exception as exc:
        checks["database"] = False
        reasons.append(f"the database failed: {type(exc).__name__}: {exc}"[:200])
    checks["digest_scheduler"] = bot.digest_scheduler.alive
    if not checks["digest_scheduler"]:
        reasons.append("the digest scheduler's task is not running")
    return Health(checks, reasons)


def count_gateway_events(bot: commands.Bot, metrics: Metrics) -> None:
    """Count connects, reconnects (every connect after the first), resumes and disconnects."""
    seen: set[int | None] = set()
    sharded = isinstance(bot, discord.AutoShardedClient)

    async def connected(shard_id: int | None = None) -> None:
        metrics.gateway("reconnect" if shard_id in seen else "connect")
        seen.add(shard_id)

    async def resumed(shard_id: int | None = None) -> None:
        metrics.gateway("resume")

    async def disconnected(shard_id: int | None = None) -> None:
        metrics.gateway("disconnect")

    prefix = "on_shard_" if sharded else "on_"
    bot.add_listener(connected, prefix + "connect")
    bot.add_listener(resumed, prefix + "resumed")
    bot.add_listener(disconnected, prefix + "disconnect")

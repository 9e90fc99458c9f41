"""Gateway shards: which shard a server is on, and which servers a process holds.

Discord puts server ``guild_id`` on shard ``(guild_id >> 22) % shard_count``, and sends that
server's events and interactions only to the connection that identified as that shard. With
``SHARD_COUNT``/``SHARD_IDS`` each process runs the shards it is given (see ``make_bot`` in
``client.py``), so it answers and posts digests for those servers only.
"""

from __future__ import annotations

from collections.abc import Collection

import discord

__all__ = ["holds", "process_shards", "shard_of"]


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord puts the server on (its id's timestamp part, modulo the count)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be at least 1, not {shard_count}")
    return (guild_id >> 22) % shard_count


def process_shards(bot: discord.Client) -> tuple[int, Collection[int]] | None:
    """(shard count, the shards this client runs), or None when it is not sharded."""
    if isinstance(bot, discord.AutoShardedClient):
        count = bot.shard_count
        if count is None:  # not connected yet: the automatic count is not known
            return None
        return count, bot.shard_ids if bot.shard_ids is not None else range(count)
    if bot.shard_count is not None and bot.shard_id is not None:
        return bot.shard_count, (bot.shard_id,)
    return None


def holds(bot: discord.Client, guild_id: int) -> bool:
    """Whether the server is on a shard this client runs (every server when not sharded)."""
    shards = process_shards(bot)
    return shards is None or shard_of(guild_id, shards[0]) in shards[1]

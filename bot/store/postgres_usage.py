"""The ``UsageStore`` over PostgreSQL: migration 0005's ``usage_counts``, on the
``PostgresStore``'s pool, in the store's schema; each method one statement (or one transaction)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date

from bot.core.records import UsageCount
from bot.store.postgres import PostgresStore

__all__ = ["PostgresUsageStore"]

_ADD = (
    "INSERT INTO usage_counts (guild_id, day, what, key, count) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (guild_id, day, what, key) "
    "DO UPDATE SET count = usage_counts.count + excluded.count"
)


def _deleted(status: str) -> int:
    """The row count of a ``DELETE n`` status."""
    return int(status.rsplit(" ", 1)[-1])


class PostgresUsageStore:
    def __init__(self, store: PostgresStore) -> None:
        self._pool = store.pool

    async def ping(self) -> None:
        await self._pool.fetchval("SELECT 1")

    async def add_usage(self, counts: Sequence[UsageCount]) -> None:
        if not counts:
            return
        # One row per key and a stable order: two processes adding the same keys lock the
        # rows in the same order and never deadlock.
        merged: dict[tuple[int, date, str, str], int] = {}
        for c in counts:
            key = (c.guild_id, c.day, c.what, c.key)
            merged[key] = merged.get(key, 0) + c.count
        rows = [(*key, n) for key, n in sorted(merged.items())]
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.executemany(_ADD, rows)

    async def usage(self, guild_id: int, since: date) -> builtins.list[UsageCount]:
        rows = await self._pool.fetch(
            "SELECT guild_id, day, what, key, count FROM usage_counts "
            "WHERE guild_id = $1 AND day >= $2 ORDER BY day, what, key",
            guild_id,
            since,
        )
        return [UsageCount(guild_id=g, day=d, what=w, key=k, count=n) for g, d, w, k, n in rows]

    async def usage_totals(
        self, what_prefix: str, since: date, *, limit: int
    ) -> builtins.list[tuple[str, str, int, int]]:
        rows = await self._pool.fetch(
            "SELECT what, key, sum(count) AS total, count(DISTINCT guild_id) "
            "FROM usage_counts WHERE left(what, $1) = $2 AND day >= $3 "
            "GROUP BY what, key ORDER BY total DESC, what, key LIMIT $4",
            len(what_prefix),
            what_prefix,
            since,
            limit,
        )
        return [(w, k, int(t), int(s)) for w, k, t, s in rows]

    async def purge_usage(self, before: date) -> int:
        return _deleted(await self._pool.execute("DELETE FROM usage_counts WHERE day < $1", before))

    async def forget_usage(self, guild_id: int) -> int:
        status = await self._pool.execute("DELETE FROM usage_counts WHERE guild_id = $1", guild_id)
        return _deleted(status)

"""The ``UsageStore``, written once for both SQL backends: migration 0005's ``usage_counts``,
on the document store's database (``bot.store.sql.Database``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date

from bot.core.records import UsageCount
from bot.store.sql import Database, day_of

__all__ = ["SqlUsageStore"]

_ADD = (
    "INSERT INTO usage_counts (guild_id, day, what, key, count) VALUES ($1, $2, $3, $4, $5) "
    "ON CONFLICT (guild_id, day, what, key) "
    "DO UPDATE SET count = usage_counts.count + excluded.count"
)


class SqlUsageStore:
    """``UsageStore`` on ``db``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def ping(self) -> None:
        async with self._db.read() as conn:
            await conn.fetchval("SELECT 1")

    async def add_usage(self, counts: Sequence[UsageCount]) -> None:
        if not counts:
            return
        # One row per key and a stable order: two processes adding the same keys lock the
        # rows in the same order and never deadlock.
        merged: dict[tuple[int, date, str, str], int] = {}
        for c in counts:
            key = (c.guild_id, c.day, c.what, c.key)
            merged[key] = merged.get(key, 0) + c.count
        rows = [
            (guild, self._db.day(day), what, key, n)
            for (guild, day, what, key), n in sorted(merged.items())
        ]
        async with self._db.write() as conn:
            await conn.executemany(_ADD, rows)

    async def usage(self, guild_id: int, since: date) -> builtins.list[UsageCount]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                "SELECT guild_id, day, what, key, count FROM usage_counts "
                "WHERE guild_id = $1 AND day >= $2 ORDER BY day, what, key",
                guild_id,
                self._db.day(since),
            )
        return [
            UsageCount(guild_id=g, day=day_of(d), what=w, key=k, count=n) for g, d, w, k, n in rows
        ]

    async def usage_totals(
        self, what_prefix: str, since: date, *, limit: int
    ) -> builtins.list[tuple[str, str, int, int]]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                "SELECT what, key, sum(count) AS total, count(DISTINCT guild_id) "
                "FROM usage_counts WHERE substr(what, 1, $1) = $2 AND day >= $3 "
                "GROUP BY what, key ORDER BY total DESC, what, key LIMIT $4",
                len(what_prefix),
                what_prefix,
                self._db.day(since),
                limit,
            )
        return [(w, k, int(t), int(s)) for w, k, t, s in rows]

    async def purge_usage(self, before: date) -> int:
        async with self._db.write() as conn:
            return await conn.execute(
                "DELETE FROM usage_counts WHERE day < $1", self._db.day(before)
            )

    async def forget_usage(self, guild_id: int) -> int:
        async with self._db.write() as conn:
            return await conn.execute("DELETE FROM usage_counts WHERE guild_id = $1", guild_id)

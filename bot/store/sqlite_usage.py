"""The ``UsageStore`` over SQLite: migration 0005's ``usage_counts``, on the ``SqliteStore``'s
connection (``SqliteStore.shared``), each method one transaction under the store's lock."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date

from bot.core.records import UsageCount
from bot.store.sqlite import SqliteStore

__all__ = ["SqliteUsageStore"]

_ADD = (
    "INSERT INTO usage_counts (guild_id, day, what, key, count) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (guild_id, day, what, key) DO UPDATE SET count = count + excluded.count"
)


class SqliteUsageStore:
    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def ping(self) -> None:
        async with self._store.shared() as conn:
            await conn.execute_fetchall("SELECT 1")

    async def add_usage(self, counts: Sequence[UsageCount]) -> None:
        if not counts:
            return
        rows = [(c.guild_id, c.day.isoformat(), c.what, c.key, c.count) for c in counts]
        async with self._store.shared(write=True) as conn:
            await conn.executemany(_ADD, rows)

    async def usage(self, guild_id: int, since: date) -> builtins.list[UsageCount]:
        async with self._store.shared() as conn:
            rows = await conn.execute_fetchall(
                "SELECT guild_id, day, what, key, count FROM usage_counts "
                "WHERE guild_id = ? AND day >= ? ORDER BY day, what, key",
                (guild_id, since.isoformat()),
            )
        return [
            UsageCount(guild_id=g, day=date.fromisoformat(d), what=w, key=k, count=n)
            for g, d, w, k, n in rows
        ]

    async def usage_totals(
        self, what_prefix: str, since: date, *, limit: int
    ) -> builtins.list[tuple[str, str, int, int]]:
        async with self._store.shared() as conn:
            rows = await conn.execute_fetchall(
                "SELECT what, key, sum(count) AS total, count(DISTINCT guild_id) "
                "FROM usage_counts WHERE substr(what, 1, ?) = ? AND day >= ? "
                "GROUP BY what, key ORDER BY total DESC, what, key LIMIT ?",
                (len(what_prefix), what_prefix, since.isoformat(), limit),
            )
        return [(w, k, int(t), int(s)) for w, k, t, s in rows]

    async def purge_usage(self, before: date) -> int:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "DELETE FROM usage_counts WHERE day < ?", (before.isoformat(),)
            )
            return cursor.rowcount

    async def forget_usage(self, guild_id: int) -> int:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute("DELETE FROM usage_counts WHERE guild_id = ?", (guild_id,))
            return cursor.rowcount

"""The ``DigestStore`` over PostgreSQL: the tables of migration 0002, on the ``PostgresStore``'s
pool (``PostgresStore.pool``), in the store's schema.

Each method is one statement (data-modifying CTEs where a write touches two tables), so each
is atomic on its own. The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` into
``digest_posts``, whose primary key is (guild_id, local_date): of any number of processes
claiming a day, exactly one inserts the row. ``take_over`` and ``finish`` are compare-and-set
updates on the claim's token.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import asyncpg

from bot.core.digest import Outcome, PostRecord, Schedule, Subscription
from bot.store.postgres import PostgresStore

__all__ = ["PostgresDigestStore"]

_SUB = "guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at"
_POST = (
    "guild_id, local_date, channel_id, cycle, entry_key, token, claimed_at, attempts, "
    "outcome, message_id, detail, finished_at"
)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


def _subscription(row: Sequence[Any] | asyncpg.Record) -> Subscription:
    guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at = row
    return Subscription(
        guild_id=int(guild_id),
        channel_id=int(channel_id),
        schedule=Schedule(post_time, timezone),
        since=since,
        cycle=int(cycle),
        paused=paused,
        paused_at=paused_at,
    )


def _post(row: Sequence[Any] | asyncpg.Record) -> PostRecord:
    guild_id, day, channel_id, cycle, key, token, claimed, attempts = row[:8]
    outcome, message_id, detail, finished = row[8:12]
    return PostRecord(
        guild_id=int(guild_id),
        day=day,
        channel_id=int(channel_id),
        cycle=int(cycle),
        key=key,
        token=token,
        claimed_at=claimed,
        attempts=int(attempts),
        outcome=outcome,
        message_id=int(message_id) if message_id is not None else None,
        detail=detail,
        finished_at=finished,
    )


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.utcoffset() is None:
        raise ValueError("digest times must be timezone-aware")
    return moment


class PostgresDigestStore:
    """``DigestStore`` in the schema of ``store``."""

    def __init__(self, store: PostgresStore) -> None:
        self._pool = store.pool

    async def save_subscription(self, sub: Subscription) -> None:
        await self._pool.execute(
            f"INSERT INTO digest_subscriptions ({_SUB}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
            "ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id, "
            "post_time = excluded.post_time, timezone = excluded.timezone, "
            "since = excluded.since, cycle = excluded.cycle, paused = excluded.paused, "
            "paused_at = excluded.paused_at, updated_at = now()",
            sub.guild_id,
            sub.channel_id,
            sub.schedule.at,
            sub.schedule.timezone,
            _aware(sub.since),
            sub.cycle,
            sub.paused,
            _aware(sub.paused_at),
        )

    async def subscription(self, guild_id: int) -> Subscription | None:
        row = await self._pool.fetchrow(
            f"SELECT {_SUB} FROM digest_subscriptions WHERE guild_id = $1", guild_id
        )
        return _subscription(row) if row is not None else None

    async def remove_subscription(self, guild_id: int, *, forget_posts: bool = False) -> bool:
        removed = await self._pool.fetchval(
            "WITH posts AS (DELETE FROM digest_posts WHERE guild_id = $1 AND $2), "
            "subs AS (DELETE FROM digest_subscriptions WHERE guild_id = $1 RETURNING 1) "
            "SELECT count(*) FROM subs",
            guild_id,
            forget_posts,
        )
        return bool(removed)

    async def active(self) -> builtins.list[tuple[Subscription, PostRecord | None]]:
        rows = await self._pool.fetch(
            f"SELECT {_prefixed(_SUB, 's')}, {_prefixed(_POST, 'p')} "
            "FROM digest_subscriptions s LEFT JOIN LATERAL ("
            f"SELECT {_POST} FROM digest_posts m WHERE m.guild_id = s.guild_id "
            "ORDER BY m.local_date DESC LIMIT 1) p ON true "
            "WHERE s.paused IS NULL ORDER BY s.guild_id"
        )
        return [
            (_subscription(row[:8]), _post(row[8:]) if row[8] is not None else None) for row in rows
        ]

    async def pause(self, guild_id: int, reason: str, at: datetime) -> None:
        await self._pool.execute(
            "UPDATE digest_subscriptions SET paused = $2, paused_at = $3, updated_at = now() "
            "WHERE guild_id = $1",
            guild_id,
            reason,
            _aware(at),
        )

    async def claim(self, post: PostRecord) -> bool:
        claimed = await self._pool.fetchval(
            "WITH claimed AS ("
            f"INSERT INTO digest_posts ({_POST}) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
            "ON CONFLICT (guild_id, local_date) DO NOTHING RETURNING guild_id, cycle), "
            "raised AS (UPDATE digest_subscriptions s SET cycle = c.cycle FROM claimed c "
            "WHERE s.guild_id = c.guild_id AND s.cycle < c.cycle) "
            "SELECT count(*) FROM claimed",
            post.guild_id,
            post.day,
            post.channel_id,
            post.cycle,
            post.key,
            post.token,
            _aware(post.claimed_at),
            post.attempts,
            post.outcome,
            post.message_id,
            post.detail,
            _aware(post.finished_at),
        )
        return bool(claimed)

    async def take_over(
        self, guild_id: int, day: date, token: str, new_token: str, at: datetime
    ) -> bool:
        taken = await self._pool.fetchval(
            "UPDATE digest_posts SET token = $4, claimed_at = $5, attempts = attempts + 1 "
            "WHERE guild_id = $1 AND local_date = $2 AND token = $3 AND outcome IS NULL "
            "RETURNING 1",
            guild_id,
            day,
            token,
            new_token,
            _aware(at),
        )
        return taken is not None

    async def finish(
        self,
        guild_id: int,
        day: date,
        token: str,
        outcome: Outcome,
        at: datetime,
        *,
        message_id: int | None = None,
        detail: str | None = None,
    ) -> bool:
        done = await self._pool.fetchval(
            "UPDATE digest_posts SET outcome = $4, message_id = $5, detail = $6, "
            "finished_at = $7 WHERE guild_id = $1 AND local_date = $2 AND token = $3 "
            "AND outcome IS NULL RETURNING 1",
            guild_id,
            day,
            token,
            outcome,
            message_id,
            detail,
            _aware(at),
        )
        return done is not None

    async def drop_failed(self, guild_id: int, day: date) -> bool:
        dropped = await self._pool.fetchval(
            "DELETE FROM digest_posts WHERE guild_id = $1 AND local_date = $2 "
            "AND outcome = 'failed' RETURNING 1",
            guild_id,
            day,
        )
        return dropped is not None

    async def post(self, guild_id: int, day: date) -> PostRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_POST} FROM digest_posts WHERE guild_id = $1 AND local_date = $2",
            guild_id,
            day,
        )
        return _post(row) if row is not None else None

    async def latest_post(
        self, guild_id: int, *, outcome: Outcome | None = None
    ) -> PostRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_POST} FROM digest_posts WHERE guild_id = $1 "
            "AND ($2::text IS NULL OR outcome = $2) ORDER BY local_date DESC LIMIT 1",
            guild_id,
            outcome,
        )
        return _post(row) if row is not None else None

    async def posted_keys(self, guild_id: int, cycle: int) -> set[str]:
        rows = await self._pool.fetch(
            "SELECT entry_key FROM digest_posts WHERE guild_id = $1 AND cycle = $2 "
            "AND (outcome IS NULL OR outcome = 'sent')",
            guild_id,
            cycle,
        )
        return {row[0] for row in rows}

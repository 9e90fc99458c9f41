"""The ``DigestStore``, written once for both SQL backends: the tables of migration 0002, on
the document store's database (``bot.store.sql.Database``).

The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` into ``digest_posts``, whose primary key
is (guild_id, local_date): of any number of processes claiming a day, exactly one inserts the
row. ``take_over`` and ``finish`` are compare-and-set updates on the claim's token, in a write
transaction, so they act on the latest committed row.
"""

from __future__ import annotations

import builtins
from datetime import UTC, date, datetime
from typing import Any

from bot.core.records import Outcome, PostRecord, Schedule, Subscription
from bot.store.sql import Database, Row, day_of, moment_of, time_of

__all__ = ["SqlDigestStore"]

_SUB = "guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at"
_POST = (
    "guild_id, local_date, channel_id, cycle, entry_key, token, claimed_at, attempts, "
    "outcome, message_id, detail, finished_at"
)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in columns.split(","))


def _subscription(row: Row) -> Subscription:
    guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at = row
    return Subscription(
        guild_id=int(guild_id),
        channel_id=int(channel_id),
        schedule=Schedule(time_of(post_time), timezone),
        since=moment_of(since),
        cycle=int(cycle),
        paused=paused,
        paused_at=moment_of(paused_at) if paused_at is not None else None,
    )


def _post(row: Row) -> PostRecord:
    guild_id, day, channel_id, cycle, key, token, claimed, attempts = row[:8]
    outcome, message_id, detail, finished = row[8:12]
    return PostRecord(
        guild_id=int(guild_id),
        day=day_of(day),
        channel_id=int(channel_id),
        cycle=int(cycle),
        key=key,
        token=token,
        claimed_at=moment_of(claimed),
        attempts=int(attempts),
        outcome=outcome,
        message_id=int(message_id) if message_id is not None else None,
        detail=detail,
        finished_at=moment_of(finished) if finished is not None else None,
    )


class SqlDigestStore:
    """``DigestStore`` on ``db``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _stamp(self, moment: datetime | None) -> Any:
        return self._db.stamp(moment) if moment is not None else None

    async def save_subscription(self, sub: Subscription) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                f"INSERT INTO digest_subscriptions ({_SUB}, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (guild_id) DO UPDATE SET "
                "channel_id = excluded.channel_id, post_time = excluded.post_time, "
                "timezone = excluded.timezone, since = excluded.since, cycle = excluded.cycle, "
                "paused = excluded.paused, paused_at = excluded.paused_at, "
                "updated_at = excluded.updated_at",
                sub.guild_id,
                sub.channel_id,
                self._db.clock(sub.schedule.at),
                sub.schedule.timezone,
                self._db.stamp(sub.since),
                sub.cycle,
                sub.paused,
                self._stamp(sub.paused_at),
                self._db.stamp(datetime.now(UTC)),
            )

    async def subscription(self, guild_id: int) -> Subscription | None:
        async with self._db.read() as conn:
            row = await conn.fetchrow(
                f"SELECT {_SUB} FROM digest_subscriptions WHERE guild_id = $1", guild_id
            )
        return _subscription(row) if row is not None else None

    async def remove_subscription(self, guild_id: int, *, forget_posts: bool = False) -> bool:
        async with self._db.write() as conn:
            removed = await conn.execute(
                "DELETE FROM digest_subscriptions WHERE guild_id = $1", guild_id
            )
            if forget_posts:
                await conn.execute("DELETE FROM digest_posts WHERE guild_id = $1", guild_id)
        return removed > 0

    async def active(self) -> builtins.list[tuple[Subscription, PostRecord | None]]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {_prefixed(_SUB, 's')}, {_prefixed(_POST, 'p')} "
                "FROM digest_subscriptions s LEFT JOIN digest_posts p "
                "ON p.guild_id = s.guild_id AND p.local_date = "
                "(SELECT max(m.local_date) FROM digest_posts m WHERE m.guild_id = s.guild_id) "
                "WHERE s.paused IS NULL ORDER BY s.guild_id"
            )
        return [
            (_subscription(row[:8]), _post(row[8:]) if row[8] is not None else None) for row in rows
        ]

    async def pause(self, guild_id: int, reason: str, at: datetime) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                "UPDATE digest_subscriptions SET paused = $2, paused_at = $3, updated_at = $3 "
                "WHERE guild_id = $1",
                guild_id,
                reason,
                self._db.stamp(at),
            )

    async def claim(self, post: PostRecord) -> bool:
        async with self._db.write() as conn:
            claimed = await conn.execute(
                f"INSERT INTO digest_posts ({_POST}) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
                "ON CONFLICT (guild_id, local_date) DO NOTHING",
                post.guild_id,
                self._db.day(post.day),
                post.channel_id,
                post.cycle,
                post.key,
                post.token,
                self._db.stamp(post.claimed_at),
                post.attempts,
                post.outcome,
                post.message_id,
                post.detail,
                self._stamp(post.finished_at),
            )
            if claimed:
                await conn.execute(
                    "UPDATE digest_subscriptions SET cycle = $1 WHERE guild_id = $2 AND cycle < $1",
                    post.cycle,
                    post.guild_id,
                )
        return claimed > 0

    async def take_over(
        self, guild_id: int, day: date, token: str, new_token: str, at: datetime
    ) -> bool:
        async with self._db.write() as conn:
            taken = await conn.execute(
                "UPDATE digest_posts SET token = $4, claimed_at = $5, attempts = attempts + 1 "
                "WHERE guild_id = $1 AND local_date = $2 AND token = $3 AND outcome IS NULL",
                guild_id,
                self._db.day(day),
                token,
                new_token,
                self._db.stamp(at),
            )
        return taken > 0

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
        async with self._db.write() as conn:
            done = await conn.execute(
                "UPDATE digest_posts SET outcome = $4, message_id = $5, detail = $6, "
                "finished_at = $7 WHERE guild_id = $1 AND local_date = $2 AND token = $3 "
                "AND outcome IS NULL",
                guild_id,
                self._db.day(day),
                token,
                outcome,
                message_id,
                detail,
                self._db.stamp(at),
            )
        return done > 0

    async def drop_failed(self, guild_id: int, day: date) -> bool:
        async with self._db.write() as conn:
            dropped = await conn.execute(
                "DELETE FROM digest_posts WHERE guild_id = $1 AND local_date = $2 "
                "AND outcome = 'failed'",
                guild_id,
                self._db.day(day),
            )
        return dropped > 0

    async def post(self, guild_id: int, day: date) -> PostRecord | None:
        async with self._db.read() as conn:
            row = await conn.fetchrow(
                f"SELECT {_POST} FROM digest_posts WHERE guild_id = $1 AND local_date = $2",
                guild_id,
                self._db.day(day),
            )
        return _post(row) if row is not None else None

    async def latest_post(
        self, guild_id: int, *, outcome: Outcome | None = None
    ) -> PostRecord | None:
        which = " AND outcome = $2" if outcome is not None else ""
        async with self._db.read() as conn:
            row = await conn.fetchrow(
                f"SELECT {_POST} FROM digest_posts WHERE guild_id = $1{which} "
                "ORDER BY local_date DESC LIMIT 1",
                *((guild_id, outcome) if outcome is not None else (guild_id,)),
            )
        return _post(row) if row is not None else None

    async def posted_keys(self, guild_id: int, cycle: int) -> set[str]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                "SELECT entry_key FROM digest_posts WHERE guild_id = $1 AND cycle = $2 "
                "AND (outcome IS NULL OR outcome = 'sent')",
                guild_id,
                cycle,
            )
        return {key for (key,) in rows}

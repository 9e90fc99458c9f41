"""The ``DigestStore`` over SQLite: the tables of migration 0002, on the ``SqliteStore``'s
connection (``SqliteStore.shared``), so every statement goes through the store's one lock and
each method is one transaction.

The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` into ``digest_posts``, whose primary key
is (guild_id, local_date): of any number of processes claiming a day on one database file,
exactly one inserts the row. Writes begin ``IMMEDIATE`` (SQLite's write lock), so the
compare-and-set updates (``take_over``, ``finish``) act on the latest committed row.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

import aiosqlite

from bot.core.digest import Outcome, PostRecord, Schedule, Subscription
from bot.store.sqlite import SqliteStore

__all__ = ["SqliteDigestStore", "utc_text"]

_SUB = "guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at"
_POST = (
    "guild_id, local_date, channel_id, cycle, entry_key, token, claimed_at, attempts, "
    "outcome, message_id, detail, finished_at"
)
_POST_P = ", ".join(f"p.{column.strip()}" for column in _POST.split(","))


def utc_text(moment: datetime) -> str:
    """A stored time: UTC, fixed width, so that text order is time order."""
    if moment.utcoffset() is None:
        raise ValueError("digest times must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _subscription(row: Sequence[Any]) -> Subscription:
    guild_id, channel_id, post_time, timezone, since, cycle, paused, paused_at = row
    return Subscription(
        guild_id=int(guild_id),
        channel_id=int(channel_id),
        schedule=Schedule(time.fromisoformat(post_time), timezone),
        since=datetime.fromisoformat(since),
        cycle=int(cycle),
        paused=paused,
        paused_at=_time(paused_at),
    )


def _post(row: Sequence[Any]) -> PostRecord:
    guild_id, day, channel_id, cycle, key, token, claimed, attempts = row[:8]
    outcome, message_id, detail, finished = row[8:12]
    return PostRecord(
        guild_id=int(guild_id),
        day=date.fromisoformat(day),
        channel_id=int(channel_id),
        cycle=int(cycle),
        key=key,
        token=token,
        claimed_at=datetime.fromisoformat(claimed),
        attempts=int(attempts),
        outcome=outcome,
        message_id=int(message_id) if message_id is not None else None,
        detail=detail,
        finished_at=_time(finished),
    )


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))


class SqliteDigestStore:
    """``DigestStore`` on the database of ``store``."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    async def save_subscription(self, sub: Subscription) -> None:
        async with self._store.shared(write=True) as conn:
            await conn.execute(
                f"INSERT INTO digest_subscriptions ({_SUB}, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET "
                "channel_id = excluded.channel_id, post_time = excluded.post_time, "
                "timezone = excluded.timezone, since = excluded.since, cycle = excluded.cycle, "
                "paused = excluded.paused, paused_at = excluded.paused_at, "
                "updated_at = excluded.updated_at",
                (
                    sub.guild_id,
                    sub.channel_id,
                    sub.schedule.at.strftime("%H:%M"),
                    sub.schedule.timezone,
                    utc_text(sub.since),
                    sub.cycle,
                    sub.paused,
                    utc_text(sub.paused_at) if sub.paused_at is not None else None,
                    utc_text(datetime.now(UTC)),
                ),
            )

    async def subscription(self, guild_id: int) -> Subscription | None:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn, f"SELECT {_SUB} FROM digest_subscriptions WHERE guild_id = ?", (guild_id,)
            )
        return _subscription(rows[0]) if rows else None

    async def remove_subscription(self, guild_id: int, *, forget_posts: bool = False) -> bool:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "DELETE FROM digest_subscriptions WHERE guild_id = ?", (guild_id,)
            )
            removed = cursor.rowcount > 0
            if forget_posts:
                await conn.execute("DELETE FROM digest_posts WHERE guild_id = ?", (guild_id,))
        return removed

    async def active(self) -> builtins.list[tuple[Subscription, PostRecord | None]]:
        sub_columns = ", ".join(f"s.{c.strip()}" for c in _SUB.split(","))
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {sub_columns}, {_POST_P} FROM digest_subscriptions s "
                "LEFT JOIN digest_posts p ON p.guild_id = s.guild_id AND p.local_date = "
                "(SELECT max(local_date) FROM digest_posts m WHERE m.guild_id = s.guild_id) "
                "WHERE s.paused IS NULL ORDER BY s.guild_id",
            )
        return [
            (_subscription(row[:8]), _post(row[8:]) if row[8] is not None else None) for row in rows
        ]

    async def pause(self, guild_id: int, reason: str, at: datetime) -> None:
        async with self._store.shared(write=True) as conn:
            await conn.execute(
                "UPDATE digest_subscriptions SET paused = ?, paused_at = ?, updated_at = ? "
                "WHERE guild_id = ?",
                (reason, utc_text(at), utc_text(at), guild_id),
            )

    async def claim(self, post: PostRecord) -> bool:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                f"INSERT INTO digest_posts ({_POST}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, local_date) DO NOTHING",
                (
                    post.guild_id,
                    post.day.isoformat(),
                    post.channel_id,
                    post.cycle,
                    post.key,
                    post.token,
                    utc_text(post.claimed_at),
                    post.attempts,
                    post.outcome,
                    post.message_id,
                    post.detail,
                    utc_text(post.finished_at) if post.finished_at is not None else None,
                ),
            )
            claimed = cursor.rowcount > 0
            if claimed:
                await conn.execute(
                    "UPDATE digest_subscriptions SET cycle = ? WHERE guild_id = ? AND cycle < ?",
                    (post.cycle, post.guild_id, post.cycle),
                )
        return claimed

    async def take_over(
        self, guild_id: int, day: date, token: str, new_token: str, at: datetime
    ) -> bool:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "UPDATE digest_posts SET token = ?, claimed_at = ?, attempts = attempts + 1 "
                "WHERE guild_id = ? AND local_date = ? AND token = ? AND outcome IS NULL",
                (new_token, utc_text(at), guild_id, day.isoformat(), token),
            )
            return cursor.rowcount > 0

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
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "UPDATE digest_posts SET outcome = ?, message_id = ?, detail = ?, "
                "finished_at = ? WHERE guild_id = ? AND local_date = ? AND token = ? "
                "AND outcome IS NULL",
                (outcome, message_id, detail, utc_text(at), guild_id, day.isoformat(), token),
            )
            return cursor.rowcount > 0

    async def drop_failed(self, guild_id: int, day: date) -> bool:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "DELETE FROM digest_posts "
                "WHERE guild_id = ? AND local_date = ? AND outcome = 'failed'",
                (guild_id, day.isoformat()),
            )
            return cursor.rowcount > 0

    async def post(self, guild_id: int, day: date) -> PostRecord | None:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_POST} FROM digest_posts WHERE guild_id = ? AND local_date = ?",
                (guild_id, day.isoformat()),
            )
        return _post(rows[0]) if rows else None

    async def latest_post(
        self, guild_id: int, *, outcome: Outcome | None = None
    ) -> PostRecord | None:
        where = "guild_id = ?"
        params: list[Any] = [guild_id]
        if outcome is not None:
            where += " AND outcome = ?"
            params.append(outcome)
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_POST} FROM digest_posts WHERE {where} ORDER BY local_date DESC LIMIT 1",
                params,
            )
        return _post(rows[0]) if rows else None

    async def posted_keys(self, guild_id: int, cycle: int) -> set[str]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                "SELECT entry_key FROM digest_posts WHERE guild_id = ? AND cycle = ? "
                "AND (outcome IS NULL OR outcome = 'sent')",
                (guild_id, cycle),
            )
        return {key for (key,) in rows}

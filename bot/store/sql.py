"""The dialect layer: what the SQL backends share as an interface, and the little that differs.

Every statement of the shared stores (``bot.store.moderation``, ``bot.store.digest``,
``bot.store.usage`` and the document reads of ``bot.store.documents``) is written once, with
PostgreSQL's numbered placeholders (``$1``); the SQLite connection rewrites them to SQLite's
own numbered form (``?1``), which SQLite binds the same way, a reused ``$1`` included. What
is left per backend is this module's ``Database``: how a connection is lent (a lock and
``BEGIN`` on SQLite's one connection, a pool on PostgreSQL), how a transaction begins, how
values that the two store differently go in (times, days, clock times), the per-server lock
(an advisory lock on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers) and
which error is a unique-key violation. Rows come back indexable by position on both, and the
readers below take either backend's form of a value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any, Protocol

__all__ = [
    "Connection",
    "Database",
    "Row",
    "aware",
    "day_of",
    "moment_of",
    "qmark",
    "status_count",
    "time_of",
    "utc_text",
]

Row = Sequence[Any]
"""A row of either backend (a tuple or an ``asyncpg.Record``): read it by position."""


class Connection(Protocol):
    """One connection inside ``Database.read``/``snapshot``/``write``. SQL uses ``$n``."""

    async def execute(self, sql: str, *args: Any) -> int:
        """Run one statement; how many rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any: ...


class Database(Protocol):
    """What one backend lends the shared stores."""

    def read(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for one read statement (no transaction needed)."""
        ...

    def snapshot(self) -> AbstractAsyncContextManager[Connection]:
        """A read-only transaction: several reads that see one state of the database."""
        ...

    def write(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction, committed when the block ends, rolled back on an error."""
        ...

    async def lock(self, conn: Connection, area: str, key: int) -> None:
        """Serialise writers of one server's ``area`` until the transaction ends."""
        ...

    def is_unique_violation(self, error: BaseException) -> bool: ...

    def stamp(self, moment: datetime) -> Any:
        """A timezone-aware time as this backend stores it."""
        ...

    def day(self, value: date) -> Any:
        """A calendar day as this backend stores it."""
        ...

    def clock(self, value: time) -> Any:
        """A time of day (hours and minutes) as this backend stores it."""
        ...


@lru_cache(maxsize=1024)
def qmark(sql: str) -> str:
    """``sql`` with ``$n`` placeholders made SQLite's ``?n`` (same numbers, same binding)."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


def status_count(status: str) -> int:
    """The row count at the end of an asyncpg command status (``UPDATE 3``, ``INSERT 0 1``)."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def aware(moment: datetime) -> datetime:
    """A time as PostgreSQL stores it (timestamptz); naive times are refused everywhere."""
    if moment.utcoffset() is None:
        raise ValueError("stored times must be timezone-aware")
    return moment


def utc_text(moment: datetime) -> str:
    """A time as SQLite stores it: UTC text, fixed width, so that text order is time order."""
    return aware(moment).astimezone(UTC).isoformat(timespec="microseconds")


def moment_of(value: Any) -> datetime:
    """A stored time back: PostgreSQL gives a ``datetime``, SQLite ISO text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def day_of(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def time_of(value: Any) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)

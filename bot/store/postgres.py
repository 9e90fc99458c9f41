"""The PostgreSQL dialect: an asyncpg connection pool, a ``tsvector`` column for search.

What the stores do is written once (``bot.store.documents``, ``moderation``, ``digest``,
``usage``), so this backend answers as SQLite does, answer for answer
(``tests/store/test_backends_agree.py`` holds them to it); this module holds what is PostgreSQL's
own: the pool, transactions (REPEATABLE READ read-only for a snapshot), the per-server
advisory lock, times and days stored as such, links and names gathered as arrays, the
one-statement upsert of a document (its links and names in data-modifying CTEs), bulk writes
over ``unnest`` and ``COPY``, the marks that let ``random`` start its walk to the n-th curated
key near it instead of at the first of 100,000 (``document_marks``), LISTEN/NOTIFY for the
in-memory store of other processes. Its search (``tsvector``) is ``bot.store.postgres_search``.

The URL is libpq's, plus ``?schema=NAME``: the store then lives in that schema (created on
``migrate`` when missing), which is how the tests get a throwaway store per test.
"""

from __future__ import annotations

import builtins
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import Any

import asyncpg

from bot.core.models import Document, Kind
from bot.core.models import link as shared_link
from bot.store.common import content_hash, normalise_name, search_terms
from bot.store.documents import Added, Changed
from bot.store.documents_sql import LinkRef, Params, keys_at
from bot.store.faults import COMMAND_TIMEOUT
from bot.store.migrations import migrate_postgres
from bot.store.postgres_listen import Listener
from bot.store.postgres_search import PostgresSearch
from bot.store.postgres_sql import (
    DOC_COLUMNS,
    INSERT_DOCUMENTS,
    LINK_COLUMNS,
    MARK_MIN,
    MARK_STEP,
    NAME_COLUMNS,
    PUT,
    UPDATE_DOCUMENTS,
    json_data,
    keys_at_marked,
    parse_postgres_url,
    side_records,
)
from bot.store.sql import Connection, Row, aware, status_count

__all__ = ["CHANGES_CHANNEL", "PostgresStore", "parse_postgres_url", "search_terms"]

CHANGES_CHANNEL = "sco_fact_bot_changes"
"""The NOTIFY channel of ``publish``/``subscribe``; payloads start with the schema name."""


class _Connection:
    """``bot.store.sql.Connection`` on a pooled asyncpg connection."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    async def execute(self, sql: str, *args: Any) -> int:
        return status_count(await self.raw.execute(sql, *args))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            await self.raw.executemany(sql, rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self.raw.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        row: Row | None = await self.raw.fetchrow(sql, *args)
        return row

    async def fetchval(self, sql: str, *args: Any) -> Any:
        return await self.raw.fetchval(sql, *args)


def _raw(conn: Connection) -> Any:
    """The asyncpg connection under ``conn`` (for ``COPY``, which has no SQL to share)."""
    assert isinstance(conn, _Connection)
    return conn.raw


class PostgresStore(PostgresSearch):
    """Every store protocol over PostgreSQL. Build with ``await PostgresStore.open(url)``."""

    backend_name = "PostgreSQL"
    doc_columns = DOC_COLUMNS
    doc_width = 9

    def __init__(
        self, pool: asyncpg.Pool, schema: str | None, dsn: str = "", settings: Any = None
    ) -> None:
        self._pool = pool
        self.schema = schema
        self._dsn = dsn
        self._settings: dict[str, str] = dict(settings or {})
        super().__init__()

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        statement_timeout: float | None = None,
    ) -> PostgresStore:
        """Connect a pool; call ``migrate`` before use (``open_store`` does).

        ``statement_timeout`` (seconds; the bot's ``DATABASE_TIMEOUT``): the server cancels
        any statement of this pool running longer, a lock wait included, and the caller gets
        ``QueryCanceledError``, a temporary storage fault ("the database is not answering").
        Set on every connection at connect time, so an interaction's reads stay one round
        trip; the long jobs (``migrate``, and the curated load and imports through
        ``long_write``) lift it. Unset (the command line's ``store`` tools): no bound.
        """
        dsn, schema = parse_postgres_url(url)
        settings = {"application_name": "sco-fact-bot"}
        if schema is not None:
            settings["search_path"] = f'"{schema}"'
        if statement_timeout is not None:
            settings["statement_timeout"] = f"{max(1, round(statement_timeout * 1000))}ms"
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            server_settings=settings,
            # A new connection's attempt gives up in time. No client-side command_timeout: it
            # would cut the long jobs too; a server that stops answering altogether (frozen)
            # is bounded by the Discord adapter (bot.adapters.discord.deadline).
            timeout=COMMAND_TIMEOUT,
        )
        return cls(pool, schema, dsn, settings)

    async def migrate(self) -> int:
        async with self._pool.acquire() as conn:
            if "statement_timeout" in self._settings:
                # Lifted for this session only: asyncpg's RESET ALL on release restores it.
                await conn.execute("SET statement_timeout = 0")
            exists = await conn.fetchval(
                "SELECT true FROM pg_namespace WHERE nspname = $1", self.schema
            )
            if self.schema is not None and not exists:
                # Created only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE
                # privilege on the database even when the schema is there. Another process
                # may create it at the same moment.
                with contextlib.suppress(asyncpg.UniqueViolationError):
                    await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            return await migrate_postgres(conn)

    async def close(self) -> None:
        await self._pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        """The connection pool (for tests and maintenance that read the tables directly)."""
        return self._pool

    async def analyze(self) -> None:
        """Refresh the planner's statistics (worth it after loading many documents)."""
        await self._pool.execute("ANALYZE documents, document_links, document_names")

    # -- the dialect: connections and transactions --------------------------------------------

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire() as conn:
            yield _Connection(conn)

    @contextlib.asynccontextmanager
    async def snapshot(self) -> AsyncIterator[Connection]:
        async with (
            self._pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            yield _Connection(conn)

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[Connection]:
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            yield _Connection(conn)

    @contextlib.asynccontextmanager
    async def long_write(self) -> AsyncIterator[Connection]:
        """A write transaction without the pool's statement timeout, for the curated load and
        imports, whose statements (and turns at the load's advisory lock) may rightly take
        longer; ``SET LOCAL`` ends with the transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            if "statement_timeout" in self._settings:
                await conn.execute("SET LOCAL statement_timeout = 0")
            yield _Connection(conn)

    async def lock(self, conn: Connection, area: str, key: int) -> None:
        """A transaction advisory lock on one server's ``area`` of this schema."""
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, $2))",
            f"{area} {self.schema or ''}",
            key,
        )

    def is_unique_violation(self, error: BaseException) -> bool:
        return isinstance(error, asyncpg.UniqueViolationError)

    def stamp(self, moment: datetime) -> datetime:
        return aware(moment)

    def day(self, value: date) -> date:
        return value

    def clock(self, value: time) -> time:
        return value

    # -- the dialect: documents ---------------------------------------------------------------

    def document(self, row: Row) -> Document:
        kind, key, guild_id, data, title, body, link_kinds, link_keys, names = row
        return Document(
            kind=Kind(kind),
            key=key,
            guild_id=guild_id,
            data=json.loads(data),
            title=title,
            body=body,
            links=tuple(shared_link(k, v) for k, v in zip(link_kinds, link_keys, strict=True)),
            names=tuple(names),
        )

    def key_list(self, query: str) -> str:
        return f"ARRAY({query})"

    def keys_from(self, value: Any) -> builtins.list[str]:
        return list(value)

    async def put_on(self, conn: Connection, doc: Document) -> None:
        if doc.guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        links = list(dict.fromkeys(doc.links))
        await conn.execute(
            PUT,
            doc.kind.value,
            doc.key,
            doc.guild_id,
            json_data(doc),
            doc.title,
            doc.body,
            content_hash(doc),
            [link.kind for link in links],
            [link.key for link in links],
            list(doc.names),
            [normalise_name(name) for name in doc.names],
        )

    async def insert_documents(
        self, conn: Connection, docs: Sequence[Added]
    ) -> builtins.list[tuple[int, Document]]:
        if not docs:
            return []
        rows = await conn.fetch(
            INSERT_DOCUMENTS,
            [d.kind.value for d, _, _, _ in docs],
            [d.key for d, _, _, _ in docs],
            [d.guild_id for d, _, _, _ in docs],
            [json_data(d) for d, _, _, _ in docs],
            [d.title for d, _, _, _ in docs],
            [d.body for d, _, _, _ in docs],
            [h for _, h, _, _ in docs],
            [created for _, _, created, _ in docs],
            [updated for _, _, _, updated in docs],
        )
        by_ident = {(d.kind.value, d.key, d.guild_id): d for d, _, _, _ in docs}
        return [(r[0], by_ident[(r[1], r[2], r[3])]) for r in rows]

    async def update_documents(self, conn: Connection, docs: Sequence[Changed]) -> None:
        if not docs:
            return
        ids = [doc_id for doc_id, _, _, _ in docs]
        await conn.execute("DELETE FROM document_links WHERE document_id = ANY($1::bigint[])", ids)
        await conn.execute("DELETE FROM document_names WHERE document_id = ANY($1::bigint[])", ids)
        await conn.execute(
            UPDATE_DOCUMENTS,
            ids,
            [json_data(d) for _, d, _, _ in docs],
            [d.title for _, d, _, _ in docs],
            [d.body for _, d, _, _ in docs],
            [h for _, _, h, _ in docs],
            [updated for _, _, _, updated in docs],
        )

    async def remove_documents(self, conn: Connection, ids: Sequence[int]) -> None:
        """Delete documents with their links and names (three statements, not a cascade per
        row: the count triggers then run once each)."""
        if ids:
            for table, column in (
                ("document_links", "document_id"),
                ("document_names", "document_id"),
                ("documents", "id"),
            ):
                await conn.execute(f"DELETE FROM {table} WHERE {column} = ANY($1::bigint[])", ids)

    async def write_side_tables(
        self, conn: Connection, written: Iterable[tuple[int, Document]]
    ) -> None:
        links, names = side_records(written)
        if links:
            await _raw(conn).copy_records_to_table(
                "document_links", records=links, columns=LINK_COLUMNS
            )
        if names:
            await _raw(conn).copy_records_to_table(
                "document_names", records=names, columns=NAME_COLUMNS
            )

    async def curated_changed(self, conn: Connection) -> None:
        """Rebuild the marks of every large curated kind (one pass over its keys in index
        order), at the generation now in force; small kinds lose theirs."""
        await conn.execute("DELETE FROM document_marks WHERE guild_id = 0")
        await conn.execute(
            "INSERT INTO document_marks (kind, guild_id, ordinal, key, generation) "
            "SELECT c.kind, 0, k.ordinal, k.key, c.generation FROM document_counts c "
            "CROSS JOIN LATERAL (SELECT t.key, row_number() OVER (ORDER BY t.key) - 1 AS ordinal "
            "FROM documents t WHERE t.kind = c.kind AND t.guild_id = 0) AS k "
            "WHERE c.guild_id = 0 AND c.n >= $1 AND k.ordinal % $2 = 0",
            MARK_MIN,
            MARK_STEP,
        )

    def _keys_at(
        self, kind: Kind, guild: int, link: LinkRef, offset: int, n: int, params: Params
    ) -> str:
        if link is None and guild == 0:
            return keys_at_marked(kind, offset, n, params)
        return keys_at(kind, guild, link, offset, n, params)

    # -- the dialect: changes from other processes (LISTEN/NOTIFY) ----------------------------

    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]:
        """Call ``callback(payload)`` for each ``publish``ed change of this schema, whichever
        process made it (LISTEN on a connection of its own); returns the way to stop."""
        # Its own connection, connected again after the server restarts (postgres_listen).
        prefix = f"{self.schema or ''}|"
        listener = Listener(self._dsn, self._settings, CHANGES_CHANNEL, prefix, callback)
        await listener.start()
        return listener.close

    async def publish(self, payload: str) -> bool:
        """NOTIFY every process listening on this schema (``subscribe``) of a change."""
        await self._pool.execute(
            "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, f"{self.schema or ''}|{payload}"
        )
        return True

"""The SQLite dialect: one aiosqlite connection, WAL for files, FTS5 for search.

What the stores do is written once (``bot.store.documents``, ``moderation``, ``digest``,
``usage``); this module holds what is SQLite's own: the connection and its lock, transactions
(``BEGIN`` for a snapshot, ``BEGIN IMMEDIATE`` for a write: SQLite's write lock, held across
processes, so the per-server ``lock`` has nothing left to do), times stored as UTC text,
links and names gathered as JSON, the one-document upsert, bulk writes by ``executemany``
and the FTS5 search.

Each aiosqlite call is a hop to the connection's thread (~50 us), so a read is one statement
where it can be. Every call holds the store's one lock (the connection is shared, and a write
spans several statements).
"""

from __future__ import annotations

import asyncio
import builtins
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.models import Document, Kind
from bot.core.models import link as shared_link
from bot.core.ports import SearchPage
from bot.store.common import SEARCH_COUNT_CAP, TITLE_WEIGHT, content_hash, normalise_name
from bot.store.common import scope as _scope
from bot.store.common import search_terms as _search_terms
from bot.store.documents import Added, Changed, SqlDocumentStore
from bot.store.documents_sql import Params, visible
from bot.store.faults import SQLITE_BUSY_MS
from bot.store.migrations import migrate_sqlite
from bot.store.sql import Connection, Row, qmark, utc_text

__all__ = ["MEMORY", "SqliteStore", "fts_query"]

MEMORY = ":memory:"
_UNIQUE = {sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE}


def fts_query(terms: Sequence[str]) -> str | None:
    """An FTS5 query matching documents that contain every term, each as a quoted phrase.

    User text never reaches FTS5 syntax: each term is one string literal (``"`` doubled), so
    ``*``, ``-``, ``:``, ``^``, ``AND``, ``NEAR(`` are just characters. The terms are those
    ``bot.store.common.search_terms`` keeps, as on PostgreSQL; ``None`` when none is left.
    """
    phrases = ['"' + term.replace('"', '""') + '"' for term in _search_terms(terms)]
    return " AND ".join(phrases) if phrases else None


async def _enable_wal(conn: aiosqlite.Connection) -> None:
    """Switch a file database to WAL. Only the first switch of a new file needs the database
    to itself, and SQLite answers BUSY at once rather than waiting: retry briefly."""
    for attempt in range(100):
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or attempt == 99:
                raise
            await asyncio.sleep(0.01 + 0.001 * attempt)


class _Connection:
    """``bot.store.sql.Connection`` on the aiosqlite connection: ``$n`` made ``?n``."""

    __slots__ = ("_conn",)

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, *args: Any) -> int:
        cursor = await self._conn.execute(qmark(sql), args)
        return max(cursor.rowcount, 0)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._conn.executemany(qmark(sql), rows)

    async def fetch(self, sql: str, *args: Any) -> list[Row]:
        return list(await self._conn.execute_fetchall(qmark(sql), args))

    async def fetchrow(self, sql: str, *args: Any) -> Row | None:
        rows = await self.fetch(sql, *args)
        return rows[0] if rows else None

    async def fetchval(self, sql: str, *args: Any) -> Any:
        row = await self.fetchrow(sql, *args)
        return row[0] if row is not None else None


class SqliteStore(SqlDocumentStore):
    """Every store protocol over SQLite. Build with ``await SqliteStore.open(path)``."""

    backend_name = "SQLite"
    doc_columns = (
        "d.kind, d.key, d.guild_id, d.data, d.title, d.body, "
        "(SELECT json_group_array(json_array(link_kind, link_key)) FROM (SELECT link_kind, "
        "link_key FROM document_links WHERE document_id = d.id ORDER BY position)), "
        "(SELECT json_group_array(name) FROM "
        "(SELECT name FROM document_names WHERE document_id = d.id ORDER BY position))"
    )
    doc_width = 8

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._sql = _Connection(conn)
        self._lock = asyncio.Lock()
        self.path = path
        super().__init__()

    @classmethod
    async def open(
        cls, path: str | Path = MEMORY, *, busy_timeout: float | None = None
    ) -> SqliteStore:
        """Connect and set the pragmas; call ``migrate`` before use (``open_store`` does).
        ``busy_timeout`` (seconds; the bot's ``DATABASE_TIMEOUT``): how long a statement waits
        for another process's lock before "database is locked" (``SQLITE_BUSY_MS`` unset)."""
        target = str(path)
        busy_ms = SQLITE_BUSY_MS if busy_timeout is None else max(1, round(busy_timeout * 1000))
        conn = await aiosqlite.connect(target, isolation_level=None)
        try:
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute(f"PRAGMA busy_timeout = {busy_ms}")
            if target != MEMORY:
                await _enable_wal(conn)
            await conn.execute("PRAGMA synchronous = NORMAL")
        except BaseException:
            await conn.close()
            raise
        return cls(conn, target)

    async def migrate(self) -> int:
        async with self._lock:
            return await migrate_sqlite(self._conn)

    async def close(self) -> None:
        await self._conn.close()

    async def copy_from(self, path: str | Path) -> None:
        """Make this database a copy of the SQLite file at ``path`` (SQLite's backup API): how
        the tests give each in-memory store the curated data loaded once into a template."""
        async with self._lock, aiosqlite.connect(str(path)) as source:
            await source.backup(self._conn)

    # -- the dialect: connections and transactions --------------------------------------------

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Connection]:
        async with self._lock:
            yield self._sql

    @asynccontextmanager
    async def _transaction(self, begin: str) -> AsyncIterator[Connection]:
        async with self._lock:
            try:
                # BEGIN inside the try: a task cancelled while aiosqlite's thread runs it must
                # still roll back, or the shared connection stays inside a transaction.
                await self._conn.execute(begin)
                yield self._sql
            except BaseException:
                await asyncio.shield(self._conn.rollback())
                raise
            await self._conn.commit()

    def snapshot(self) -> AbstractAsyncContextManager[Connection]:
        return self._transaction("BEGIN")

    def write(self) -> AbstractAsyncContextManager[Connection]:
        return self._transaction("BEGIN IMMEDIATE")

    async def lock(self, conn: Connection, area: str, key: int) -> None:
        """Nothing to do: a write transaction (``BEGIN IMMEDIATE``) is the only writer."""

    def is_unique_violation(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and error.sqlite_errorcode in _UNIQUE

    def stamp(self, moment: datetime) -> str:
        return utc_text(moment)

    def day(self, value: date) -> str:
        return value.isoformat()

    def clock(self, value: time) -> str:
        return value.strftime("%H:%M")

    # -- the dialect: documents ---------------------------------------------------------------

    def document(self, row: Row) -> Document:
        kind, key, guild_id, data, title, body, links, names = row
        return Document(
            kind=Kind(kind),
            key=key,
            guild_id=guild_id,
            data=json.loads(data),
            title=title,
            body=body,
            links=tuple(shared_link(k, v) for k, v in json.loads(links)),
            names=tuple(json.loads(names)),
        )

    def key_list(self, query: str) -> str:
        return f"(SELECT json_group_array(key) FROM ({query}))"

    def keys_from(self, value: Any) -> builtins.list[str]:
        return list(json.loads(value))

    async def put_on(self, conn: Connection, doc: Document) -> None:
        if doc.guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        now = utc_text(datetime.now(UTC))
        doc_id = await conn.fetchval(
            "INSERT INTO documents "
            "(kind, key, guild_id, data, title, body, content_hash, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) "
            "ON CONFLICT (kind, key, guild_id) DO UPDATE SET data = excluded.data, "
            "title = excluded.title, body = excluded.body, "
            "content_hash = excluded.content_hash, updated_at = excluded.updated_at "
            "RETURNING id",
            doc.kind.value,
            doc.key,
            doc.guild_id,
            json.dumps(doc.data, ensure_ascii=False),
            doc.title,
            doc.body,
            content_hash(doc),
            now,
        )
        await self._clear_side_tables(conn, [doc_id])
        await self.write_side_tables(conn, [(doc_id, doc)])

    async def _clear_side_tables(self, conn: Connection, ids: Sequence[int]) -> None:
        params = [(doc_id,) for doc_id in ids]
        await conn.executemany("DELETE FROM document_links WHERE document_id = $1", params)
        await conn.executemany("DELETE FROM document_names WHERE document_id = $1", params)

    async def write_side_tables(
        self, conn: Connection, written: Iterable[tuple[int, Document]]
    ) -> None:
        """The identity columns are copied from ``documents`` itself, never from the caller."""
        links: list[tuple[Any, ...]] = []
        names: list[tuple[Any, ...]] = []
        for doc_id, doc in written:
            for position, link in enumerate(dict.fromkeys(doc.links)):
                links.append((position, link.kind, link.key, doc_id))
            for position, name in enumerate(doc.names):
                names.append((position, name, normalise_name(name), doc_id))
        await conn.executemany(
            "INSERT INTO document_links "
            "(document_id, position, link_kind, link_key, kind, key, guild_id) "
            "SELECT id, $1, $2, $3, kind, key, guild_id FROM documents WHERE id = $4",
            links,
        )
        await conn.executemany(
            "INSERT INTO document_names (document_id, position, name, norm, kind, key, guild_id) "
            "SELECT id, $1, $2, $3, kind, key, guild_id FROM documents WHERE id = $4",
            names,
        )

    async def update_documents(self, conn: Connection, docs: Sequence[Changed]) -> None:
        await self._clear_side_tables(conn, [doc_id for doc_id, _, _, _ in docs])
        await conn.executemany(
            "UPDATE documents SET data = $1, title = $2, body = $3, content_hash = $4, "
            "updated_at = $5 WHERE id = $6",
            [
                (json.dumps(d.data, ensure_ascii=False), d.title, d.body, h, utc_text(at), i)
                for i, d, h, at in docs
            ],
        )

    async def insert_documents(
        self, conn: Connection, docs: Sequence[Added]
    ) -> builtins.list[tuple[int, Document]]:
        """One ``executemany`` (one hop to SQLite's thread), then the new ids by identity."""
        await conn.executemany(
            "INSERT INTO documents "
            "(kind, key, guild_id, data, title, body, content_hash, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            [
                (
                    d.kind.value,
                    d.key,
                    d.guild_id,
                    json.dumps(d.data, ensure_ascii=False),
                    d.title,
                    d.body,
                    h,
                    utc_text(created),
                    utc_text(updated),
                )
                for d, h, created, updated in docs
            ],
        )
        ids = await self.ids_of(conn, [(d.kind.value, d.key, d.guild_id) for d, _, _, _ in docs])
        return [(ids[(d.kind.value, d.key, d.guild_id)][0], d) for d, _, _, _ in docs]

    # -- the dialect: changes from other processes (none with SQLite) -------------------------

    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]:
        """Changes made by other processes: none with SQLite (one process per database)."""

        async def unsubscribe() -> None:
            return None

        return unsubscribe

    async def publish(self, payload: str) -> bool:
        """Tell other processes of a change: there are none with SQLite."""
        return False

    # -- the dialect: search (FTS5) -----------------------------------------------------------

    async def search(
        self,
        terms: Sequence[str],
        guild_id: int | None = None,
        *,
        kinds: Sequence[Kind] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        query = fts_query(terms)
        if query is None or (kinds is not None and not kinds):
            return SearchPage(total=0, hits=[])
        params = Params(query)
        where = visible("d", _scope(guild_id), params)
        matches = (
            "FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid "
            f"WHERE documents_fts MATCH $1 AND {where}"
        )
        if kinds is not None:
            matches += f" AND d.kind IN ({', '.join(params(Kind(k).value) for k in kinds)})"
        cap = int(SEARCH_COUNT_CAP)  # a constant, not a parameter: each statement may omit it
        paged = Params(*params.values)
        page = f"LIMIT {paged(limit)} OFFSET {paged(max(offset, 0))}"
        ranked = (
            f"SELECT d.id, bm25(documents_fts, {TITLE_WEIGHT}, 1.0) AS sort, "
            f"d.kind || ' ' || d.key AS tie {matches}"
        )
        async with self.snapshot() as conn:
            total = int(
                await conn.fetchval(
                    f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT {cap})", *params.values
                )
            )
            hits: list[Document] = []
            everything = f"{ranked} ORDER BY sort, tie {page}"
            if limit > 0 and total >= SEARCH_COUNT_CAP:
                window = (
                    " AND documents_fts.rowid <= (SELECT max(rowid) FROM (SELECT rowid "
                    f"FROM documents_fts WHERE documents_fts MATCH $1 ORDER BY rowid LIMIT {cap}))"
                )
                in_window = f"{ranked}{window} ORDER BY sort, tie {page}"
                hits = await self._capped_search_page(conn, in_window, everything, paged, limit)
            elif limit > 0 and offset < total:
                hits = await self._page(conn, everything, paged)
        return SearchPage(total=total, hits=hits)

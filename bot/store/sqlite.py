"""The SQLite backend: one aiosqlite connection, WAL for files, FTS5 for search.

Visibility: ``guild_id=None`` (or 0) reads curated rows only (``guild_id = 0``); a guild id reads
curated rows plus that guild's, and a guild row shadows the curated row of the same
(kind, key), and so does a row of ``hidden_entries`` (migration 0003: a curated entry the guild
hid from itself), which shows nothing in its place. Key-ordered pages (``list``, ``linked``)
merge two index-ordered branches, the guild's rows and the unshadowed curated ones
(``_ordered_page``); ``search`` and ``names`` filter row by row (``_visible``); ``count``,
``count_linked`` and ``random``, which must not scan, add up the two scopes and subtract the
shadowed curated rows, found from the guild's own (few) rows and hidden entries.

Guild documents are written with ``put`` and ``delete``, which the ``Store`` protocol does not
list yet, or inside another table's transaction (``shared``) with ``put_in_transaction`` and
``delete_in_transaction`` (``bot.store.sqlite_moderation``).

Each aiosqlite call is a hop to the connection's thread (~50 us), so a read is one statement
where it can be: a page query picks the page's ids first, then reads each document with its
links and names as JSON (``_page_sql``). Every public method holds one lock (the connection is
shared, and a write spans several statements); reads of several statements run in a
transaction so they see one snapshot.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import aiosqlite

from bot.core.models import Document, Kind
from bot.core.ports import SearchPage, SyncReport
from bot.store.common import (
    SEARCH_COUNT_CAP,
    TITLE_WEIGHT,
    check_seed,
    content_hash,
    normalise_name,
    nth_unshadowed,
)
from bot.store.common import scope as _scope
from bot.store.faults import SQLITE_BUSY_MS
from bot.store.migrations import migrate_sqlite
from bot.store.portable import (
    DOCUMENT_AREA,
    ImportReport,
    document_row,
    row_document,
    row_times,
)
from bot.store.portable import Row as PortableRow
from bot.store.sqlite_sql import DOC_COLUMNS as _DOC_COLUMNS
from bot.store.sqlite_sql import (
    Docs,
    Keys,
    LinkRef,
    Pairs,
    Params,
    Row,
    Rows,
    fts_query,
)
from bot.store.sqlite_sql import document_from_row as _document
from bot.store.sqlite_sql import in_scope as _in_scope
from bot.store.sqlite_sql import now as _now
from bot.store.sqlite_sql import ordered_page as _ordered_page
from bot.store.sqlite_sql import page_sql as _page_sql
from bot.store.sqlite_sql import visible as _visible

__all__ = [
    "MEMORY",
    "SqliteStore",
    "fts_query",
]

MEMORY = ":memory:"


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


class SqliteStore:
    """The ``Store`` protocol over SQLite. Build with ``await SqliteStore.open(path)``."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        self.path = path

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

    # -- plumbing -------------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self, begin: str) -> AsyncIterator[None]:
        async with self._lock:
            try:
                # BEGIN inside the try: a task cancelled while aiosqlite's thread runs it must
                # still roll back, or the shared connection stays inside a transaction.
                await self._conn.execute(begin)
                yield
            except BaseException:
                await asyncio.shield(self._conn.rollback())
                raise
            await self._conn.commit()

    def _snapshot(self) -> AbstractAsyncContextManager[None]:
        """A read of several statements."""
        return self._transaction("BEGIN")

    def _write(self) -> AbstractAsyncContextManager[None]:
        return self._transaction("BEGIN IMMEDIATE")

    @asynccontextmanager
    async def shared(self, *, write: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """The connection, inside a transaction under this store's lock, for the backends of
        other tables in the same database (``bot.store.sqlite_digest``)."""
        async with self._write() if write else self._snapshot():
            yield self._conn

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return list(await self._conn.execute_fetchall(sql, params))

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._all(sql, params)
        return rows[0][0] if rows else None

    async def _page(self, inner: str, params: Sequence[Any]) -> Docs:
        return [_document(row) for row in await self._all(_page_sql(inner), params)]

    async def _read_page(self, inner: str, params: Sequence[Any]) -> Docs:
        async with self._lock:
            return await self._page(inner, params)

    # -- writes ---------------------------------------------------------------------------

    async def _write_side_tables(self, docs: Iterable[tuple[int, Document]]) -> None:
        """Insert the links and names of freshly written documents (old ones deleted first).
        The identity columns are copied from ``documents`` itself, never from the caller."""
        links: list[tuple[Any, ...]] = []
        names: list[tuple[Any, ...]] = []
        for doc_id, doc in docs:
            for position, link in enumerate(dict.fromkeys(doc.links)):
                links.append((position, link.kind, link.key, doc_id))
            for position, name in enumerate(doc.names):
                names.append((position, name, normalise_name(name), doc_id))
        await self._conn.executemany(
            "INSERT INTO document_links "
            "(document_id, position, link_kind, link_key, kind, key, guild_id) "
            "SELECT id, ?, ?, ?, kind, key, guild_id FROM documents WHERE id = ?",
            links,
        )
        await self._conn.executemany(
            "INSERT INTO document_names (document_id, position, name, norm, kind, key, guild_id) "
            "SELECT id, ?, ?, ?, kind, key, guild_id FROM documents WHERE id = ?",
            names,
        )

    async def _clear_side_tables(self, ids: Sequence[int]) -> None:
        params = [(doc_id,) for doc_id in ids]
        await self._conn.executemany("DELETE FROM document_links WHERE document_id = ?", params)
        await self._conn.executemany("DELETE FROM document_names WHERE document_id = ?", params)

    async def sync_curated(self, docs: Sequence[Document]) -> SyncReport:
        incoming: dict[tuple[str, str], tuple[Document, str]] = {}
        for doc in docs:
            if doc.guild_id != 0:
                raise ValueError(f"sync_curated takes curated documents only: {doc.kind}/{doc.key}")
            ident = (doc.kind.value, doc.key)
            if ident in incoming:
                raise ValueError(f"duplicate curated document {doc.kind}/{doc.key}")
            incoming[ident] = (doc, content_hash(doc))
        async with self._write():
            existing = {
                (kind, key): (doc_id, digest)
                for doc_id, kind, key, digest in await self._all(
                    "SELECT id, kind, key, content_hash FROM documents WHERE guild_id = 0"
                )
            }
            removed = [doc_id for ident, (doc_id, _) in existing.items() if ident not in incoming]
            added: list[tuple[Document, str]] = []
            changed: list[tuple[int, Document, str]] = []
            for ident, (doc, digest) in incoming.items():
                if ident not in existing:
                    added.append((doc, digest))
                elif existing[ident][1] != digest:
                    changed.append((existing[ident][0], doc, digest))
            now = _now()
            await self._conn.executemany(
                "DELETE FROM documents WHERE id = ?", [(doc_id,) for doc_id in removed]
            )
            await self._clear_side_tables([doc_id for doc_id, _, _ in changed])
            await self._conn.executemany(
                "UPDATE documents SET data = ?, title = ?, body = ?, content_hash = ?, "
                "updated_at = ? WHERE id = ?",
                [
                    (json.dumps(d.data, ensure_ascii=False), d.title, d.body, h, now, doc_id)
                    for doc_id, d, h in changed
                ],
            )
            await self._conn.executemany(
                "INSERT INTO documents "
                "(kind, key, guild_id, data, title, body, content_hash, created_at, updated_at) "
                "VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.kind.value,
                        d.key,
                        json.dumps(d.data, ensure_ascii=False),
                        d.title,
                        d.body,
                        h,
                        now,
                        now,
                    )
                    for d, h in added
                ],
            )
            written = [(doc_id, d) for doc_id, d, _ in changed]
            if added:
                ids = {
                    (kind, key): doc_id
                    for doc_id, kind, key in await self._all(
                        "SELECT id, kind, key FROM documents WHERE guild_id = 0"
                    )
                }
                written += [(ids[(d.kind.value, d.key)], d) for d, _ in added]
            await self._write_side_tables(written)
        return SyncReport(
            added=len(added),
            updated=len(changed),
            removed=len(removed),
            unchanged=len(incoming) - len(added) - len(changed),
        )

    async def put(self, doc: Document) -> None:
        """Add or replace one guild's document. Not in the ``Store`` protocol yet."""
        async with self._write():
            await self.put_in_transaction(doc)

    async def put_in_transaction(self, doc: Document) -> None:
        """``put`` inside a write transaction already open (``shared(write=True)``)."""
        if doc.guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        now = _now()
        doc_id = await self._scalar(
            "INSERT INTO documents "
            "(kind, key, guild_id, data, title, body, content_hash, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, key, guild_id) DO UPDATE SET data = excluded.data, "
            "title = excluded.title, body = excluded.body, "
            "content_hash = excluded.content_hash, updated_at = excluded.updated_at "
            "RETURNING id",
            (
                doc.kind.value,
                doc.key,
                doc.guild_id,
                json.dumps(doc.data, ensure_ascii=False),
                doc.title,
                doc.body,
                content_hash(doc),
                now,
                now,
            ),
        )
        await self._clear_side_tables([doc_id])
        await self._write_side_tables([(doc_id, doc)])

    async def delete(self, kind: Kind, key: str, guild_id: int) -> bool:
        """Remove one guild's document; whether it existed. Not in the ``Store`` protocol yet."""
        async with self._write():
            return await self.delete_in_transaction(kind, key, guild_id)

    async def delete_in_transaction(self, kind: Kind, key: str, guild_id: int) -> bool:
        """``delete`` inside a write transaction already open (``shared(write=True)``)."""
        if guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        cursor = await self._conn.execute(
            "DELETE FROM documents WHERE kind = ? AND key = ? AND guild_id = ?",
            (kind.value, key, guild_id),
        )
        return cursor.rowcount > 0

    # -- reads ----------------------------------------------------------------------------

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None:
        docs = await self._read_page(
            "SELECT id, -guild_id AS sort, 0 AS tie FROM documents d "
            "WHERE kind = ? AND key = ? AND guild_id IN (0, ?) AND NOT (guild_id = 0 AND EXISTS "
            "(SELECT 1 FROM hidden_entries h WHERE h.guild_id = ? AND h.kind = d.kind "
            "AND h.key = d.key)) ORDER BY guild_id DESC LIMIT 1",
            (kind.value, key, _scope(guild_id), _scope(guild_id)),
        )
        return docs[0] if docs else None

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> Docs:
        if limit <= 0:
            return []
        return await self._read_page(
            *_ordered_page(kind, None, _scope(guild_id), limit, max(offset, 0))
        )

    async def count(self, kind: Kind, guild_id: int | None = None) -> int:
        async with self._snapshot():
            total, _, _ = await self._census(kind, _scope(guild_id), None)
        return total

    async def linked(
        self,
        kind: Kind,
        link_kind: str,
        link_key: str,
        guild_id: int | None = None,
        *,
        limit: int = 100,
    ) -> Docs:
        if limit <= 0:
            return []
        link = (link_kind, link_key)
        return await self._read_page(*_ordered_page(kind, link, _scope(guild_id), limit, 0))

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        """How many documents (of any kind) link to (``link_kind``, ``link_key``): the links
        of both scopes, less the curated ones shadowed, found from the guild's own rows and
        the curated entries it hid (those without a guild twin, not to count them twice)."""
        guild = _scope(guild_id)
        sql = (
            "SELECT coalesce(sum(n), 0) FROM document_link_counts "
            "WHERE link_kind = ? AND link_key = ? AND guild_id IN (0, ?)"
        )
        params: Params = [link_kind, link_key, guild]
        if guild:
            kinds = [kind.value for kind in Kind]
            sql = (
                f"SELECT ({sql}) - (SELECT count(*) FROM documents g JOIN document_links c "
                "ON c.link_kind = ? AND c.link_key = ? AND c.kind = g.kind AND c.guild_id = 0 "
                f"AND c.key = g.key WHERE g.kind IN ({', '.join('?' for _ in kinds)}) "
                "AND g.guild_id = ?) - (SELECT count(*) FROM hidden_entries h "
                "JOIN document_links c ON c.link_kind = ? AND c.link_key = ? "
                "AND c.kind = h.kind AND c.guild_id = 0 AND c.key = h.key WHERE h.guild_id = ? "
                "AND NOT EXISTS (SELECT 1 FROM documents g "
                "WHERE g.kind = h.kind AND g.key = h.key AND g.guild_id = h.guild_id))"
            )
            params += [link_kind, link_key, *kinds, guild, link_kind, link_key, guild]
        async with self._lock:
            total = await self._scalar(sql, params)
        return int(total)

    async def names(self, kind: Kind, guild_id: int | None = None) -> Pairs:
        visible, params = _visible("n", _scope(guild_id))
        async with self._lock:
            rows = await self._all(
                f"SELECT n.key, n.name FROM document_names n WHERE n.kind = ? AND {visible} "
                "ORDER BY n.key, n.position",
                (kind.value, *params),
            )
        return [(key, name) for key, name in rows]

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> Keys:
        # Distinct keys by hopping through the index (one seek per key, not a scan of every
        # link), each kept when a row the guild sees has it.
        visible, params = _visible("l", _scope(guild_id))
        async with self._lock:
            rows = await self._all(
                "WITH RECURSIVE k (link_key) AS ("
                "SELECT min(link_key) FROM document_links WHERE link_kind = ? UNION ALL "
                "SELECT (SELECT min(link_key) FROM document_links "
                "WHERE link_kind = ? AND link_key > k.link_key) FROM k "
                "WHERE k.link_key IS NOT NULL) "
                "SELECT k.link_key FROM k WHERE k.link_key IS NOT NULL AND EXISTS ("
                "SELECT 1 FROM document_links l WHERE l.link_kind = ? "
                f"AND l.link_key = k.link_key AND {visible}) ORDER BY k.link_key",
                (link_kind, link_kind, link_kind, *params),
            )
        return [key for (key,) in rows]

    # -- the in-memory store's loads (bot.store.cached) -----------------------------------

    async def scope_documents(self, guild_id: int) -> Docs:
        """Every document stored in one scope exactly: the curated ones (0) or one guild's own,
        in no particular order."""
        return await self._read_page(
            "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE guild_id = ?", (guild_id,)
        )

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        async with self._lock:
            rows = await self._all(
                "SELECT key FROM documents WHERE kind = ? AND guild_id = ? ORDER BY key",
                (kind.value, guild_id),
            )
        return [key for (key,) in rows]

    async def hidden_keys(self, guild_id: int) -> builtins.list[tuple[Kind, str]]:
        """The curated entries one guild hid from itself."""
        async with self._lock:
            rows = await self._all(
                "SELECT kind, key FROM hidden_entries WHERE guild_id = ?", (guild_id,)
            )
        return [(Kind(kind), key) for kind, key in rows]

    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]:
        """Changes made by other processes: none with SQLite (one process per database)."""

        async def unsubscribe() -> None:
            return None

        return unsubscribe

    async def publish(self, payload: str) -> bool:
        """Tell other processes of a change: there are none with SQLite."""
        return False

    # -- random ---------------------------------------------------------------------------

    async def _census(self, kind: Kind, guild: int, link: LinkRef) -> tuple[int, int, Keys]:
        """(visible total, the guild's own count, sorted keys of the curated rows it shadows)
        for one kind, or only those linked to ``link``. Without scans: counts come from
        ``document_counts`` or a range of the link index, shadows from the guild's own rows and
        hidden entries (counted as scope -1)."""
        counts = {
            int(scope): int(n)
            for scope, n in await self._all(
                "SELECT guild_id, n FROM document_counts WHERE kind = ? AND guild_id IN (0, ?) "
                "UNION ALL SELECT -1, count(*) FROM hidden_entries WHERE kind = ? AND guild_id = ?",
                (kind.value, guild, kind.value, guild),
            )
        }
        hides = counts.pop(-1, 0)
        # Any row of this kind, linked or not, or any hidden entry: then shadows are looked up.
        has_own = bool(guild and (counts.get(guild) or hides))
        if link is not None and counts:
            linked = await self._all(
                "SELECT guild_id, count(*) FROM document_links WHERE link_kind = ? "
                "AND link_key = ? AND kind = ? AND guild_id IN (0, ?) GROUP BY guild_id",
                (*link, kind.value, guild),
            )
            counts = {int(scope): int(n) for scope, n in linked}
        curated, own = counts.get(0, 0), counts.get(guild, 0) if guild else 0
        shadowed: Keys = []
        if has_own and curated:
            # Curated rows in scope with a guild twin, whatever the twin links to.
            table, condition, params = _in_scope(kind, link)
            rows = await self._all(
                f"SELECT key FROM {table} WHERE {condition} AND guild_id = 0 AND key IN "
                "(SELECT key FROM documents WHERE kind = ? AND guild_id = ? UNION "
                "SELECT key FROM hidden_entries WHERE kind = ? AND guild_id = ?) ORDER BY key",
                (*params, kind.value, guild, kind.value, guild),
            )
            shadowed = [key for (key,) in rows]
        return curated + own - len(shadowed), own, shadowed

    async def _keys_at(self, kind: Kind, guild: int, link: LinkRef, offset: int, n: int) -> Keys:
        """``n`` keys from ``offset`` in key order of one scope (guild 0 or one guild); the
        offset walks an index, never the table."""
        table, condition, params = _in_scope(kind, link)
        rows = await self._all(
            f"SELECT key FROM {table} WHERE {condition} AND guild_id = ? "
            "ORDER BY key LIMIT ? OFFSET ?",
            (*params, guild, n, offset),
        )
        return [key for (key,) in rows]

    async def _nth_unshadowed(self, kind: Kind, link: LinkRef, nth: int, shadowed: Keys) -> str:
        """The ``nth`` curated key in scope, not counting ``shadowed`` (sorted, all in scope).
        It lies within len(shadowed) rows after position ``nth``: read that window and walk
        it, counting the shadowed keys before the window and inside it."""
        window = await self._keys_at(kind, 0, link, nth, len(shadowed) + 1)
        return nth_unshadowed(window, shadowed, f"{kind} at {nth}")

    async def random(
        self,
        kind: Kind,
        guild_id: int | None = None,
        *,
        link: LinkRef = None,
        seed: float | None = None,
    ) -> Document | None:
        """The visible documents are numbered, the guild's own first (by key), then the
        curated ones it does not shadow (by key), and ``seed`` picks a number uniformly."""
        seed = check_seed(seed)
        guild = _scope(guild_id)
        async with self._snapshot():
            total, own, shadowed = await self._census(kind, guild, link)
            if total <= 0:
                return None
            index = min(int(seed * total), total - 1)
            if index < own:
                scope, offset = guild, index
            else:
                scope, offset = 0, index - own
                if shadowed:
                    key = await self._nth_unshadowed(kind, link, offset, shadowed)
                    return await self._exact(kind, key, 0)
            table, condition, params = _in_scope(kind, link)
            docs = await self._page(
                "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE kind = ? AND guild_id = ? "
                f"AND key = (SELECT key FROM {table} WHERE {condition} AND guild_id = ? "
                "ORDER BY key LIMIT 1 OFFSET ?)",
                (kind.value, scope, *params, scope, offset),
            )
        return docs[0] if docs else None

    async def _exact(self, kind: Kind, key: str, guild: int) -> Document | None:
        docs = await self._page(
            "SELECT id, 0 AS sort, 0 AS tie FROM documents "
            "WHERE kind = ? AND key = ? AND guild_id = ?",
            (kind.value, key, guild),
        )
        return docs[0] if docs else None

    # -- search ---------------------------------------------------------------------------

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
        visible, params = _visible("d", _scope(guild_id))
        matches = (
            "FROM documents_fts JOIN documents d ON d.id = documents_fts.rowid "
            f"WHERE documents_fts MATCH ? AND {visible}"
        )
        args: Params = [query, *params]
        if kinds is not None:
            matches += f" AND d.kind IN ({', '.join('?' for _ in kinds)})"
            args += [Kind(k).value for k in kinds]
        async with self._snapshot():
            total = int(
                await self._scalar(
                    f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT ?)", (*args, SEARCH_COUNT_CAP)
                )
            )
            hits: Docs = []
            ranked = (
                f"SELECT d.id, bm25(documents_fts, {TITLE_WEIGHT}, 1.0) AS sort, "
                f"d.kind || ' ' || d.key AS tie {matches}"
            )
            page = (limit, max(offset, 0))
            if limit > 0 and total >= SEARCH_COUNT_CAP:
                # FTS5 scores every match before it can order them: for a word in most of a
                # 100,000-document store that costs tens of milliseconds. Past the cap, rank
                # within the oldest SEARCH_COUNT_CAP matches (curated entries load first); the
                # answer already tells the user to narrow the search.
                window = (
                    " AND documents_fts.rowid <= (SELECT max(rowid) FROM (SELECT rowid "
                    "FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rowid LIMIT ?))"
                )
                hits = await self._page(
                    f"{ranked}{window} ORDER BY sort, tie LIMIT ? OFFSET ?",
                    (*args, query, SEARCH_COUNT_CAP, *page),
                )
            if limit > 0 and (offset < total or total >= SEARCH_COUNT_CAP) and len(hits) < limit:
                hits = await self._page(
                    f"{ranked} ORDER BY sort, tie LIMIT ? OFFSET ?", (*args, *page)
                )
        return SearchPage(total=total, hits=hits)

    # -- copying (bot.store.portable) -----------------------------------------------------

    def copy_areas(self) -> tuple[str, ...]:
        return (DOCUMENT_AREA,)

    async def export_rows(
        self, area: str, *, batch: int = 1000
    ) -> AsyncIterator[builtins.list[PortableRow]]:
        """Every document, curated and every guild's, by (kind, guild_id, key): a batch is
        one read along the ``documents_scope`` index, continuing after the last key."""
        if area != DOCUMENT_AREA:
            raise ValueError(f"the SQLite store has no {area!r} area to export")
        after: tuple[str, int, str] = ("", -1, "")
        while True:
            async with self._lock:
                rows = await self._all(
                    f"SELECT {_DOC_COLUMNS}, d.created_at, d.updated_at FROM documents d "
                    "WHERE (d.kind, d.guild_id, d.key) > (?, ?, ?) "
                    "ORDER BY d.kind, d.guild_id, d.key LIMIT ?",
                    (*after, batch),
                )
            if not rows:
                return
            yield [
                document_row(
                    _document(cast(Row, row[:8])),
                    datetime.fromisoformat(row[8]),
                    datetime.fromisoformat(row[9]),
                )
                for row in rows
            ]
            after = (rows[-1][0], rows[-1][2], rows[-1][1])

    async def import_rows(self, area: str, rows: Sequence[PortableRow]) -> ImportReport:
        """Write documents by (kind, key, guild_id), keeping their times: new ones added,
        changed ones (by content hash) rewritten, identical ones left alone. Curated documents
        included: this is a copy, not an edit."""
        if area != DOCUMENT_AREA:
            raise ValueError(f"the SQLite store has no {area!r} area to import")
        incoming: dict[tuple[str, str, int], tuple[Document, str, str, str]] = {}
        for row in rows:
            doc = row_document(row)
            created, updated = (t.isoformat(timespec="microseconds") for t in row_times(row))
            ident = (doc.kind.value, doc.key, doc.guild_id)
            incoming[ident] = (doc, content_hash(doc), created, updated)
        if not incoming:
            return ImportReport()
        async with self._write():
            existing = await self._ids_of(list(incoming))
            added = [ident for ident in incoming if ident not in existing]
            changed = [
                ident
                for ident, (_, digest, _, _) in incoming.items()
                if ident in existing and existing[ident][1] != digest
            ]
            await self._clear_side_tables([existing[ident][0] for ident in changed])
            await self._conn.executemany(
                "UPDATE documents SET data = ?, title = ?, body = ?, content_hash = ?, "
                "updated_at = ? WHERE id = ?",
                [
                    (json.dumps(d.data, ensure_ascii=False), d.title, d.body, h, updated, ident_id)
                    for ident_id, (d, h, _, updated) in (
                        (existing[ident][0], incoming[ident]) for ident in changed
                    )
                ],
            )
            await self._conn.executemany(
                "INSERT INTO documents "
                "(kind, key, guild_id, data, title, body, content_hash, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (*ident, json.dumps(d.data, ensure_ascii=False), d.title, d.body, h, c, u)
                    for ident, (d, h, c, u) in ((ident, incoming[ident]) for ident in added)
                ],
            )
            ids = await self._ids_of(added) if added else {}
            written = [(existing[ident][0], incoming[ident][0]) for ident in changed]
            written += [(ids[ident][0], incoming[ident][0]) for ident in added]
            await self._write_side_tables(written)
        return ImportReport(
            added=len(added),
            updated=len(changed),
            unchanged=len(incoming) - len(added) - len(changed),
        )

    async def _ids_of(
        self, idents: Sequence[tuple[str, str, int]]
    ) -> dict[tuple[str, str, int], tuple[int, str]]:
        """(id, content hash) of the stored documents among ``idents``, by identity."""
        found: dict[tuple[str, str, int], tuple[int, str]] = {}
        for start in range(0, len(idents), 300):
            chunk = idents[start : start + 300]
            values = ", ".join("(?, ?, ?)" for _ in chunk)
            for doc_id, kind, key, guild_id, digest in await self._all(
                "SELECT id, kind, key, guild_id, content_hash FROM documents "
                f"WHERE (kind, key, guild_id) IN (VALUES {values})",
                [part for ident in chunk for part in ident],
            ):
                found[(kind, key, guild_id)] = (doc_id, digest)
        return found

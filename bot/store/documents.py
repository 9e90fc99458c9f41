"""The ``Store`` protocol written once over a ``bot.store.sql.Database``: what both SQL
backends do alike, with the few steps that differ left to them (``SqliteStore``,
``PostgresStore``).

Visibility: ``guild_id=None`` (or 0) reads curated rows only (``guild_id = 0``); a guild id
reads curated rows plus that guild's, and a guild row shadows the curated row of the same
(kind, key), and so does a row of ``hidden_entries`` (migration 0003: a curated entry the guild
hid from itself), which shows nothing in its place. Key-ordered pages (``list``, ``linked``)
merge two index-ordered branches, the guild's rows and the unshadowed curated ones;
``names`` and ``link_keys`` filter row by row; ``count``, ``count_linked`` and ``random``, which
must not scan, add up the two scopes' counts (``document_counts``, ``document_link_counts``,
kept by triggers) and subtract the shadowed curated rows, found from the guild's own (few)
rows and hidden entries. Keys are in byte order on both (SQLite's BINARY, PostgreSQL's
``COLLATE "C"``), so pages and random picks agree seed by seed.

A read is one statement where it can be (each is a round trip, or a hop to SQLite's thread):
a page query picks the page's ids first, then reads each document with its links and names
(``page_sql``, the backend's: SQLite gathers them as JSON, PostgreSQL as arrays). Reads of
several statements run in a snapshot. Writes of many documents (``sync_curated``,
``import_rows``) are one transaction; ``sync_curated`` holds the "curated" lock, so processes
starting at once take turns instead of colliding.

What each backend supplies: the ``Database`` methods (``bot.store.sql``), ``page_sql`` and
``document`` (rows back into documents), ``put_on`` (one document, an upsert), the bulk
``insert_documents``/``update_documents``/``write_side_tables``, ``_keys_at`` (PostgreSQL
starts from a mark), ``curated_changed`` (PostgreSQL rebuilds its marks) and ``search``
(FTS5 or ``tsvector``).
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time
from typing import Any

from bot.core.models import Document, Kind
from bot.core.ports import SearchPage, SyncReport
from bot.store.common import check_seed, content_hash, nth_unshadowed, scope
from bot.store.digest import SqlDigestStore
from bot.store.documents_copy import export_documents, import_documents
from bot.store.documents_sql import (
    Added,
    Changed,
    LinkRef,
    Params,
    in_scope,
    keys_at,
    ordered_page,
    visible,
)
from bot.store.moderation import SqlModerationStore
from bot.store.portable import DOCUMENT_AREA, ImportReport
from bot.store.portable import Row as PortableRow
from bot.store.sql import Connection, Row
from bot.store.usage import SqlUsageStore

__all__ = ["Added", "Changed", "SqlDocumentStore"]

Docs = list[Document]
_IDENT_CHUNK = 300


SYNC_BATCH = 1000
"""Curated documents written per batch by ``sync_curated`` (inside its one transaction)."""


class SqlDocumentStore(ABC):
    """The ``Store``, and through ``moderation``, ``digests`` and ``usage`` every other store
    protocol of the composition root, on one database."""

    backend_name = "SQL"
    doc_columns = ""
    """The columns (of ``documents d``) that ``document`` reads one document from."""
    doc_width = 0
    """How many columns ``doc_columns`` is."""

    def __init__(self) -> None:
        self.moderation = SqlModerationStore(self, self)
        self.digests = SqlDigestStore(self)
        self.usage = SqlUsageStore(self)

    # -- the dialect (bot.store.sql.Database and the document steps) ---------------------------

    @abstractmethod
    async def migrate(self) -> int: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def subscribe(self, callback: Callable[[str], None]) -> Callable[[], Awaitable[None]]:
        """Call ``callback(payload)`` for each change another process ``publish``es."""

    @abstractmethod
    async def publish(self, payload: str) -> bool:
        """Tell other processes of a change; whether there were any to tell."""

    @abstractmethod
    def read(self) -> AbstractAsyncContextManager[Connection]: ...

    @abstractmethod
    def snapshot(self) -> AbstractAsyncContextManager[Connection]: ...

    @abstractmethod
    def write(self) -> AbstractAsyncContextManager[Connection]: ...

    def long_write(self) -> AbstractAsyncContextManager[Connection]:
        """A write transaction for the long jobs (the curated load, imports): where the
        dialect bounds statements (PostgreSQL's ``statement_timeout``), without that bound."""
        return self.write()

    @abstractmethod
    async def lock(self, conn: Connection, area: str, key: int) -> None: ...

    @abstractmethod
    def is_unique_violation(self, error: BaseException) -> bool: ...

    @abstractmethod
    def stamp(self, moment: datetime) -> Any: ...

    @abstractmethod
    def day(self, value: date) -> Any: ...

    @abstractmethod
    def clock(self, value: time) -> Any: ...

    def page_sql(self, inner: str) -> str:
        """Rows for ``document`` of the page ``inner`` selects as (id, sort, tie), in that
        order. Links and names are gathered for the page's rows only."""
        return (
            f"SELECT {self.doc_columns} FROM ({inner}) AS p JOIN documents d ON d.id = p.id "
            "ORDER BY p.sort, p.tie"
        )

    @abstractmethod
    def document(self, row: Row) -> Document: ...

    @abstractmethod
    def key_list(self, query: str) -> str:
        """An SQL expression: the keys ``query`` selects, as one value (``keys_from``)."""

    @abstractmethod
    def keys_from(self, value: Any) -> builtins.list[str]: ...

    @abstractmethod
    async def put_on(self, conn: Connection, doc: Document) -> None:
        """Add or replace one guild's document, with its links and names, on ``conn``."""

    @abstractmethod
    async def insert_documents(
        self, conn: Connection, docs: Sequence[Added]
    ) -> builtins.list[tuple[int, Document]]:
        """Insert new documents (without links and names); (id, document) of each."""

    @abstractmethod
    async def update_documents(self, conn: Connection, docs: Sequence[Changed]) -> None:
        """Rewrite changed documents in place, their links and names cleared."""

    @abstractmethod
    async def write_side_tables(
        self, conn: Connection, written: Iterable[tuple[int, Document]]
    ) -> None:
        """Insert the links and names of freshly written documents."""

    async def curated_changed(self, conn: Connection) -> None:  # noqa: B027 (a no-op hook)
        """Curated documents were added or removed (PostgreSQL rebuilds its marks)."""

    def _keys_at(
        self, kind: Kind, guild: int, link: LinkRef, offset: int, n: int, params: Params
    ) -> str:
        return keys_at(kind, guild, link, offset, n, params)

    @abstractmethod
    async def search(
        self,
        terms: Sequence[str],
        guild_id: int | None = None,
        *,
        kinds: Sequence[Kind] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage: ...

    # -- plumbing -----------------------------------------------------------------------------

    async def _page(self, conn: Connection, inner: str, params: Params) -> Docs:
        rows = await conn.fetch(self.page_sql(inner), *params.values)
        return [self.document(row) for row in rows]

    async def _read_page(self, inner: str, params: Params) -> Docs:
        async with self.read() as conn:
            return await self._page(conn, inner, params)

    # -- writes -------------------------------------------------------------------------------

    async def remove_documents(self, conn: Connection, ids: Sequence[int]) -> None:
        """Delete documents (their links and names with them)."""
        if ids:
            await conn.executemany("DELETE FROM documents WHERE id = $1", [(i,) for i in ids])

    async def sync_curated(self, docs: Iterable[Document]) -> SyncReport:
        """Make the curated documents equal ``docs``, in one transaction, reading ``docs``
        once and writing them ``SYNC_BATCH`` at a time: only the stored (kind, key) -> hash
        map and one batch are held, not every document and its rows at once (at 100,000
        facts the difference between holding the load and streaming it)."""
        seen: set[tuple[str, str]] = set()
        added: list[Added] = []
        changed: list[Changed] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        async with self.long_write() as conn:
            await self.lock(conn, "curated", 0)
            now = datetime.now(UTC)
            existing = {
                (kind, key): (doc_id, digest)
                for doc_id, kind, key, digest in await conn.fetch(
                    "SELECT id, kind, key, content_hash FROM documents WHERE guild_id = 0"
                )
            }

            async def flush() -> None:
                await self.update_documents(conn, changed)
                written = [(doc_id, d) for doc_id, d, _, _ in changed]
                written += await self.insert_documents(conn, added)
                await self.write_side_tables(conn, written)
                added.clear()
                changed.clear()

            for doc in docs:
                if doc.guild_id != 0:
                    raise ValueError(
                        f"sync_curated takes curated documents only: {doc.kind}/{doc.key}"
                    )
                ident = (doc.kind.value, doc.key)
                if ident in seen:
                    raise ValueError(f"duplicate curated document {doc.kind}/{doc.key}")
                seen.add(ident)
                digest = content_hash(doc)
                if ident not in existing:
                    added.append((doc, digest, now, now))
                    counts["added"] += 1
                elif existing[ident][1] != digest:
                    changed.append((existing[ident][0], doc, digest, now))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                if len(added) + len(changed) >= SYNC_BATCH:
                    await flush()
            await flush()
            # Removed last: their (kind, key) pairs are none of those just written.
            removed = [doc_id for ident, (doc_id, _) in existing.items() if ident not in seen]
            await self.remove_documents(conn, removed)
            if counts["added"] or removed:
                await self.curated_changed(conn)
        return SyncReport(
            added=counts["added"],
            updated=counts["updated"],
            removed=len(removed),
            unchanged=counts["unchanged"],
        )

    async def put(self, doc: Document) -> None:
        async with self.write() as conn:
            await self.put_on(conn, doc)

    async def delete(self, kind: Kind, key: str, guild_id: int) -> bool:
        async with self.write() as conn:
            return await self.delete_on(conn, kind, key, guild_id)

    async def delete_on(self, conn: Connection, kind: Kind, key: str, guild_id: int) -> bool:
        """``delete`` on ``conn``, inside another table's transaction (moderation's)."""
        if guild_id == 0:
            raise ValueError("curated documents change only through sync_curated")
        removed = await conn.execute(
            "DELETE FROM documents WHERE kind = $1 AND key = $2 AND guild_id = $3",
            kind.value,
            key,
            guild_id,
        )
        return removed > 0

    # -- reads --------------------------------------------------------------------------------

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None:
        docs = await self._read_page(
            "SELECT id, -guild_id AS sort, 0 AS tie FROM documents d "
            "WHERE kind = $1 AND key = $2 AND guild_id IN (0, $3) AND NOT (guild_id = 0 AND "
            "EXISTS (SELECT 1 FROM hidden_entries h WHERE h.guild_id = $3 AND h.kind = d.kind "
            "AND h.key = d.key)) ORDER BY guild_id DESC LIMIT 1",
            Params(kind.value, key, scope(guild_id)),
        )
        return docs[0] if docs else None

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> Docs:
        if limit <= 0:
            return []
        params = Params()
        inner = ordered_page(kind, None, scope(guild_id), limit, max(offset, 0), params)
        return await self._read_page(inner, params)

    async def count(self, kind: Kind, guild_id: int | None = None) -> int:
        async with self.read() as conn:
            total, _, _ = await self._census(conn, kind, scope(guild_id), None)
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
        params = Params()
        inner = ordered_page(kind, (link_kind, link_key), scope(guild_id), limit, 0, params)
        return await self._read_page(inner, params)

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        """How many documents (of any kind) link to (``link_kind``, ``link_key``): the links
        of both scopes, less the curated ones shadowed, found from the guild's own rows and
        the curated entries it hid (those without a guild twin, not to count them twice)."""
        guild = scope(guild_id)
        params = Params(link_kind, link_key, guild)
        sql = (
            "SELECT coalesce(sum(n), 0) FROM document_link_counts "
            "WHERE link_kind = $1 AND link_key = $2 AND guild_id IN (0, $3)"
        )
        if guild:
            kinds = ", ".join(params(kind.value) for kind in Kind)
            sql = (
                f"SELECT ({sql}) - (SELECT count(*) FROM documents g JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = g.kind AND c.guild_id = 0 "
                f"AND c.key = g.key WHERE g.kind IN ({kinds}) AND g.guild_id = $3) "
                "- (SELECT count(*) FROM hidden_entries h JOIN document_links c "
                "ON c.link_kind = $1 AND c.link_key = $2 AND c.kind = h.kind AND c.guild_id = 0 "
                "AND c.key = h.key WHERE h.guild_id = $3 AND NOT EXISTS (SELECT 1 FROM "
                "documents g WHERE g.kind = h.kind AND g.key = h.key AND g.guild_id = $3))"
            )
        async with self.read() as conn:
            return int(await conn.fetchval(sql, *params.values))

    async def names(
        self, kind: Kind, guild_id: int | None = None
    ) -> builtins.list[tuple[str, str]]:
        params = Params(kind.value)
        where = visible("n", scope(guild_id), params)
        async with self.read() as conn:
            rows = await conn.fetch(
                f"SELECT n.key, n.name FROM document_names n WHERE n.kind = $1 AND {where} "
                "ORDER BY n.key, n.position",
                *params.values,
            )
        return [(key, name) for key, name in rows]

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> builtins.list[str]:
        # Distinct keys by hopping through the index (one seek per key, not a scan of every
        # link), each kept when a row the guild sees has it.
        params = Params(link_kind)
        where = visible("l", scope(guild_id), params)
        async with self.read() as conn:
            rows = await conn.fetch(
                "WITH RECURSIVE k (link_key) AS ("
                "SELECT min(link_key) FROM document_links WHERE link_kind = $1 UNION ALL "
                "SELECT (SELECT min(link_key) FROM document_links "
                "WHERE link_kind = $1 AND link_key > k.link_key) FROM k "
                "WHERE k.link_key IS NOT NULL) "
                "SELECT k.link_key FROM k WHERE k.link_key IS NOT NULL AND EXISTS ("
                "SELECT 1 FROM document_links l WHERE l.link_kind = $1 "
                f"AND l.link_key = k.link_key AND {where}) ORDER BY k.link_key",
                *params.values,
            )
        return [key for (key,) in rows]

    # -- the in-memory store's loads (bot.store.cached) ---------------------------------------

    async def scope_documents(self, guild_id: int) -> Docs:
        """Every document stored in one scope exactly: the curated ones (0) or one guild's own,
        in no particular order."""
        return await self._read_page(
            "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE guild_id = $1", Params(guild_id)
        )

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        async with self.read() as conn:
            rows = await conn.fetch(
                "SELECT key FROM documents WHERE kind = $1 AND guild_id = $2 ORDER BY key",
                kind.value,
                guild_id,
            )
        return [key for (key,) in rows]

    async def hidden_keys(self, guild_id: int) -> builtins.list[tuple[Kind, str]]:
        """The curated entries one guild hid from itself."""
        async with self.read() as conn:
            rows = await conn.fetch(
                "SELECT kind, key FROM hidden_entries WHERE guild_id = $1", guild_id
            )
        return [(Kind(kind), key) for kind, key in rows]

    # -- random -------------------------------------------------------------------------------

    async def _census(
        self, conn: Connection, kind: Kind, guild: int, link: LinkRef
    ) -> tuple[int, int, builtins.list[str]]:
        """(visible total, the guild's own count, sorted keys of the curated rows it shadows)
        for one kind, or only those linked to ``link``, in one statement and without scans:
        counts come from ``document_counts`` or ``document_link_counts``, shadows from the
        guild's own rows and the curated entries it hid."""
        params = Params(kind.value)
        if link is None:
            counted = "FROM document_counts WHERE kind = $1"
        else:
            counted = (
                f"FROM document_link_counts WHERE link_kind = {params(link[0])} "
                f"AND link_key = {params(link[1])} AND kind = $1"
            )

        def count(guild_param: str) -> str:
            return f"(SELECT coalesce(sum(n), 0) {counted} AND guild_id = {guild_param})"

        if not guild:
            return int(await conn.fetchval(f"SELECT {count('0')}", *params.values)), 0, []
        g = params(guild)
        table, _, condition = in_scope(kind, link, params)
        shadows = (
            f"SELECT t.key FROM {table} t WHERE {condition} AND t.guild_id = 0 AND t.key IN "
            f"(SELECT o.key FROM documents o WHERE o.kind = $1 AND o.guild_id = {g} "
            f"UNION SELECT h.key FROM hidden_entries h WHERE h.kind = $1 AND h.guild_id = {g}) "
            "ORDER BY t.key"
        )
        row = await conn.fetchrow(
            f"SELECT {count('0')}, {count(g)}, {self.key_list(shadows)}", *params.values
        )
        assert row is not None
        curated, own, shadowed = int(row[0]), int(row[1]), sorted(self.keys_from(row[2]))
        return curated + own - len(shadowed), own, shadowed

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
        guild = scope(guild_id)
        async with self.snapshot() as conn:
            total, own, shadowed = await self._census(conn, kind, guild, link)
            if total <= 0:
                return None
            index = min(int(seed * total), total - 1)
            where, offset = (guild, index) if index < own else (0, index - own)
            if where == 0 and shadowed:
                # The nth unshadowed key lies within len(shadowed) rows after position nth:
                # read that window and walk it.
                params = Params()
                sql = self._keys_at(kind, 0, link, offset, len(shadowed) + 1, params)
                window = [key for (key,) in await conn.fetch(sql, *params.values)]
                key = nth_unshadowed(window, shadowed, f"{kind} at {offset}")
                docs = await self._page(
                    conn,
                    "SELECT id, 0 AS sort, 0 AS tie FROM documents "
                    "WHERE kind = $1 AND key = $2 AND guild_id = 0",
                    Params(kind.value, key),
                )
                return docs[0] if docs else None
            params = Params(kind.value, where)
            nth = self._keys_at(kind, where, link, offset, 1, params)
            docs = await self._page(
                conn,
                "SELECT id, 0 AS sort, 0 AS tie FROM documents WHERE kind = $1 AND guild_id = $2 "
                f"AND key = ({nth})",
                params,
            )
        return docs[0] if docs else None

    # -- copying (bot.store.portable) ---------------------------------------------------------

    def copy_areas(self) -> tuple[str, ...]:
        return (DOCUMENT_AREA,)

    def export_rows(
        self, area: str, *, batch: int = 1000
    ) -> AsyncIterator[builtins.list[PortableRow]]:
        """Every document, curated and every guild's (``bot.store.documents_copy``)."""
        self._check_area(area, "export")
        return export_documents(self, batch)

    async def import_rows(self, area: str, rows: Sequence[PortableRow]) -> ImportReport:
        """Write documents, keeping their times (``bot.store.documents_copy``)."""
        self._check_area(area, "import")
        return await import_documents(self, rows)

    def _check_area(self, area: str, what: str) -> None:
        if area != DOCUMENT_AREA:
            raise ValueError(f"the {self.backend_name} store has no {area!r} area to {what}")

    async def ids_of(
        self, conn: Connection, idents: Sequence[tuple[str, str, int]]
    ) -> dict[tuple[str, str, int], tuple[int, str]]:
        """(id, content hash) of the stored documents among ``idents``, by identity."""
        found: dict[tuple[str, str, int], tuple[int, str]] = {}
        for start in range(0, len(idents), _IDENT_CHUNK):
            params = Params()
            values = ", ".join(
                f"(CAST({params(kind)} AS text), CAST({params(key)} AS text), "
                f"CAST({params(guild)} AS bigint))"
                for kind, key, guild in idents[start : start + _IDENT_CHUNK]
            )
            for doc_id, kind, key, guild_id, digest in await conn.fetch(
                f"WITH u (kind, key, guild_id) AS (VALUES {values}) "
                "SELECT d.id, d.kind, d.key, d.guild_id, d.content_hash FROM documents d "
                "JOIN u ON d.kind = u.kind AND d.key = u.key AND d.guild_id = u.guild_id",
                *params.values,
            ):
                found[(kind, key, guild_id)] = (doc_id, digest)
        return found

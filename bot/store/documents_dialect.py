"""What each SQL backend supplies to the document store (``bot.store.documents``): the
``bot.store.sql.Database`` methods, ``page_sql`` and ``document`` (rows back into documents),
``put_on`` (one document, an upsert), the bulk ``insert_documents``/``update_documents``/
``write_side_tables``, ``_keys_at`` (PostgreSQL starts from a mark), ``curated_changed``
(PostgreSQL rebuilds its marks) and ``search`` (FTS5 or ``tsvector``); and the plumbing that
turns a page query into documents.

A page query picks the page's ids first, then reads each document with its links and names
(``page_sql``, the backend's: SQLite gathers them as JSON, PostgreSQL as arrays), so a read is
one statement where it can be (each is a round trip, or a hop to SQLite's thread).
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, time
from typing import Any

from bot.core.models import Document, Kind
from bot.core.ports import SearchPage
from bot.store.documents_sql import Added, Changed, LinkRef, Params, keys_at
from bot.store.sql import Connection, Row

__all__ = ["Docs", "DocumentDialect"]

Docs = list[Document]


class DocumentDialect(ABC):
    """The steps of the document store that differ between the backends, and its plumbing."""

    backend_name = "SQL"
    doc_columns = ""
    """The columns (of ``documents d``) that ``document`` reads one document from."""
    doc_width = 0
    """How many columns ``doc_columns`` is."""

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

    async def _capped_search_page(
        self, conn: Connection, in_window: str, everything: str, params: Params, limit: int
    ) -> Docs:
        """A search page once the matches reach ``common.SEARCH_COUNT_CAP``, alike on both
        backends. FTS5 and ``ts_rank`` score every match before they can order them: for a
        word in most of a 100,000-document store that costs tens of milliseconds. So the page
        is ranked within the oldest ``SEARCH_COUNT_CAP`` matches (``in_window``: curated
        entries load first, and the answer already tells the user to narrow the search), and
        only when that comes up short of ``limit`` among all of them (``everything``)."""
        hits = await self._page(conn, in_window, params)
        if len(hits) < limit:
            hits = await self._page(conn, everything, params)
        return hits

    async def _read_page(self, inner: str, params: Params) -> Docs:
        async with self.read() as conn:
            return await self._page(conn, inner, params)

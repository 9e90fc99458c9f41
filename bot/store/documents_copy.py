"""The document area of ``python -m bot store copy`` (``bot.store.portable``), written once
for both SQL backends: every document out in batches, and documents in by identity, keeping
their times. ``SqlDocumentStore.export_rows``/``import_rows`` call these."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from bot.core.models import Document
from bot.store.common import content_hash
from bot.store.documents_sql import Added, Changed
from bot.store.portable import ImportReport, Row, document_row, row_document, row_times
from bot.store.sql import Connection, moment_of
from bot.store.sql import Row as SqlRow

__all__ = ["CopiedStore", "export_documents", "import_documents"]


class CopiedStore(Protocol):
    """What copying needs of ``bot.store.documents.SqlDocumentStore`` (named here so that
    neither module imports the other)."""

    @property
    def doc_columns(self) -> str: ...

    @property
    def doc_width(self) -> int: ...

    def read(self) -> AbstractAsyncContextManager[Connection]: ...

    def write(self) -> AbstractAsyncContextManager[Connection]: ...

    def long_write(self) -> AbstractAsyncContextManager[Connection]: ...

    def document(self, row: SqlRow) -> Document: ...

    async def ids_of(
        self, conn: Connection, idents: Sequence[tuple[str, str, int]]
    ) -> dict[tuple[str, str, int], tuple[int, str]]: ...

    async def update_documents(self, conn: Connection, docs: Sequence[Changed]) -> None: ...

    async def insert_documents(
        self, conn: Connection, docs: Sequence[Added]
    ) -> list[tuple[int, Document]]: ...

    async def write_side_tables(
        self, conn: Connection, written: Iterable[tuple[int, Document]]
    ) -> None: ...

    async def curated_changed(self, conn: Connection) -> None: ...


async def export_documents(store: CopiedStore, batch: int) -> AsyncIterator[list[Row]]:
    """Every document, curated and every guild's, by (kind, guild_id, key): a batch is one
    read along the ``documents_scope`` index, continuing after the last key."""
    after: tuple[str, int, str] = ("", -1, "")
    width = store.doc_width
    while True:
        async with store.read() as conn:
            rows = await conn.fetch(
                f"SELECT {store.doc_columns}, d.created_at, d.updated_at FROM documents d "
                "WHERE (d.kind, d.guild_id, d.key) > ($1, $2, $3) "
                "ORDER BY d.kind, d.guild_id, d.key LIMIT $4",
                *after,
                batch,
            )
        if not rows:
            return
        yield [
            document_row(
                store.document(row[:width]), moment_of(row[width]), moment_of(row[width + 1])
            )
            for row in rows
        ]
        after = (rows[-1][0], rows[-1][2], rows[-1][1])


async def import_documents(store: CopiedStore, rows: Sequence[Row]) -> ImportReport:
    """Write documents by (kind, key, guild_id), keeping their times: new ones added, changed
    ones (by content hash) rewritten, identical ones left alone. Curated documents included:
    this is a copy, not an edit."""
    incoming: dict[tuple[str, str, int], Added] = {}
    for row in rows:
        doc = row_document(row)
        created, updated = row_times(row)
        incoming[(doc.kind.value, doc.key, doc.guild_id)] = (
            doc,
            content_hash(doc),
            created,
            updated,
        )
    if not incoming:
        return ImportReport()
    async with store.long_write() as conn:
        existing = await store.ids_of(conn, list(incoming))
        added = [v for ident, v in incoming.items() if ident not in existing]
        changed = [
            (existing[ident][0], doc, digest, updated)
            for ident, (doc, digest, _, updated) in incoming.items()
            if ident in existing and existing[ident][1] != digest
        ]
        await store.update_documents(conn, changed)
        written = [(doc_id, d) for doc_id, d, _, _ in changed]
        written += await store.insert_documents(conn, added)
        await store.write_side_tables(conn, written)
        if any(doc.guild_id == 0 for doc, _, _, _ in added):
            await store.curated_changed(conn)
    return ImportReport(
        added=len(added),
        updated=len(changed),
        unchanged=len(incoming) - len(added) - len(changed),
    )

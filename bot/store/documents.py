"""The ``Store`` protocol written once over a ``bot.store.sql.Database``: what both SQL
backends do alike, with the few steps that differ left to them (``SqliteStore``,
``PostgresStore``).

The reads are ``bot.store.documents_reads``, the steps that differ between the backends
``bot.store.documents_dialect``; here are the writes. Writes of many documents
(``sync_curated``, ``import_rows``) are one transaction; ``sync_curated`` holds the "curated"
lock, so processes starting at once take turns instead of colliding.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import UTC, datetime

from bot.core.models import Document, Kind
from bot.core.ports import SyncReport
from bot.store.common import Curated, curated_rows
from bot.store.digest import SqlDigestStore
from bot.store.documents_copy import export_documents, import_documents
from bot.store.documents_reads import DocumentReads
from bot.store.documents_sql import Added, Changed, Params
from bot.store.moderation import SqlModerationStore
from bot.store.portable import DOCUMENT_AREA, ImportReport
from bot.store.portable import Row as PortableRow
from bot.store.sql import Connection
from bot.store.usage import SqlUsageStore

__all__ = ["Added", "Changed", "SqlDocumentStore"]

_IDENT_CHUNK = 300


SYNC_BATCH = 1000
"""Curated documents written per batch by ``sync_curated`` (inside its one transaction)."""


EXISTING_PAGE = 5000
"""Stored curated hashes read per query by ``sync_hashed``."""
_SEEN = b""
"""What ``sync_hashed`` leaves in place of a stored document's hash once a row has matched it."""


async def _stored_hashes(conn: Connection) -> dict[tuple[str, str], bytes]:
    """Every stored curated document by (kind, key): its content hash (32 bytes) then its id
    (8), read a page at a time. At 100,000 facts, the whole result at once beside a map of
    (id, hex hash) tuples made from it was some 40 MB more at the peak of a start where
    nothing changed: 330 MB, over the bot's 300."""
    existing: dict[tuple[str, str], bytes] = {}
    kinds: dict[str, str] = {}  # each kind's name once
    last = 0
    while True:
        page = await conn.fetch(
            "SELECT id, kind, key, content_hash FROM documents "
            "WHERE guild_id = 0 AND id > $1 ORDER BY id LIMIT $2",
            last,
            EXISTING_PAGE,
        )
        for doc_id, kind, key, digest in page:
            ident = (kinds.setdefault(kind, kind), key)
            existing[ident] = _digest(digest) + doc_id.to_bytes(8, "big")
        if len(page) < EXISTING_PAGE:
            return existing
        last = page[-1][0]


def _digest(stored: str | None) -> bytes:
    """A stored hex hash as its 32 bytes; anything else (none, not one of ours) as 32 zero
    bytes, which no document hashes to: that document is written again, as it was when
    hashes were compared as text."""
    try:
        digest = bytes.fromhex(stored or "")
    except ValueError:
        digest = b""
    return digest if len(digest) == 32 else bytes(32)


def _stored_id(stored: bytes) -> int:
    return int.from_bytes(stored[32:], "big")


class SqlDocumentStore(DocumentReads):
    """The ``Store``, and through ``moderation``, ``digests`` and ``usage`` every other store
    protocol of the composition root, on one database."""

    def __init__(self) -> None:
        self.moderation = SqlModerationStore(self, self)
        self.digests = SqlDigestStore(self)
        self.usage = SqlUsageStore(self)

    # -- writes -------------------------------------------------------------------------------

    async def remove_documents(self, conn: Connection, ids: Sequence[int]) -> None:
        """Delete documents (their links and names with them)."""
        if ids:
            await conn.executemany("DELETE FROM documents WHERE id = $1", [(i,) for i in ids])

    async def sync_curated(self, docs: Iterable[Document]) -> SyncReport:
        """Make the curated documents equal ``docs`` (``sync_hashed``, each hashed as read)."""
        return await self.sync_hashed(curated_rows(docs))

    async def sync_hashed(self, rows: Iterable[Curated]) -> SyncReport:
        """Make the curated documents equal ``rows``, in one transaction, reading ``rows``
        once and writing them ``SYNC_BATCH`` at a time: only the stored (kind, key) -> hash
        map and one batch are held, not every document and its rows at once (at 100,000
        facts the difference between holding the load and streaming it). A row's document
        is made only when it is new or changed. A stored document a row has matched is
        marked ``_SEEN`` in that map, so only the new ones need a set of their own."""
        new: set[tuple[str, str]] = set()
        added: list[Added] = []
        changed: list[Changed] = []
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        async with self.long_write() as conn:
            await self.lock(conn, "curated", 0)
            now = datetime.now(UTC)
            existing = await _stored_hashes(conn)

            async def flush() -> None:
                await self.update_documents(conn, changed)
                written = [(doc_id, d) for doc_id, d, _, _ in changed]
                written += await self.insert_documents(conn, added)
                await self.write_side_tables(conn, written)
                added.clear()
                changed.clear()

            for row in rows:
                ident = (row.kind.value, row.key)
                stored = existing.get(ident)
                if stored == _SEEN or (stored is None and ident in new):
                    raise ValueError(f"duplicate curated document {row.kind}/{row.key}")
                if stored is None:
                    new.add(ident)
                    added.append((row.make(), row.digest, now, now))
                    counts["added"] += 1
                else:
                    existing[ident] = _SEEN
                    if stored.startswith(bytes.fromhex(row.digest)):
                        counts["unchanged"] += 1
                    else:
                        changed.append((_stored_id(stored), row.make(), row.digest, now))
                        counts["updated"] += 1
                if len(added) + len(changed) >= SYNC_BATCH:
                    await flush()
            await flush()
            # Removed last: their (kind, key) pairs are none of those just written.
            removed = [_stored_id(stored) for stored in existing.values() if stored != _SEEN]
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

"""A server's moderation tables moved whole, for the ``ModerationStore``: ``export_guild`` and
``import_guild`` (a server's export file), ``guild_ids`` and ``sync_guild`` (the store copy,
``bot.store.copy``). The base of ``bot.store.moderation.SqlModerationStore``, which does the
day-to-day reads and writes; both write a server's documents through ``DocumentWrites`` in the
same transaction as the records they serve.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.errors import Conflict
from bot.core.models import Document, Kind
from bot.core.records import AuditRecord, GuildExport
from bot.store.moderation_rows import (
    AUDIT_COLUMNS,
    HIDDEN_COLUMNS,
    SET_ROLE,
    SUGGESTION_COLUMNS,
    VERSION_COLUMNS,
    audit_of,
    audit_params,
    hidden_of,
    hidden_params,
    insert_sql,
    suggestion_of,
    suggestion_params,
    version_of,
    version_params,
)
from bot.store.sql import Connection, Database

__all__ = ["DocumentWrites", "ModerationTransfer"]

_SUGGESTION_NAMES = [c.strip() for c in SUGGESTION_COLUMNS.split(",")]
_REFRESH_SUGGESTION = ", ".join(f"{c} = excluded.{c}" for c in _SUGGESTION_NAMES[2:])


class DocumentWrites(Protocol):
    """A server's documents written inside another table's transaction."""

    async def put_on(self, conn: Connection, doc: Document) -> None: ...

    async def delete_on(self, conn: Connection, kind: Kind, key: str, guild_id: int) -> bool: ...


class ModerationTransfer:
    """Export, import and copy of one server's moderation tables on ``db``, writing the
    server's documents through ``documents``."""

    def __init__(self, db: Database, documents: DocumentWrites) -> None:
        self._db = db
        self._documents = documents

    async def _insert_audit(self, conn: Connection, records: Sequence[AuditRecord]) -> None:
        if records:
            await conn.executemany(
                insert_sql("audit_log", AUDIT_COLUMNS),
                [audit_params(a, self._db.stamp) for a in records],
            )

    async def export_guild(self, guild_id: int, at: datetime) -> GuildExport:
        async with self._db.snapshot() as conn:
            role = await conn.fetchval(
                "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = $1", guild_id
            )
            versions = await conn.fetch(
                f"SELECT {VERSION_COLUMNS} FROM entry_versions WHERE guild_id = $1 "
                "ORDER BY kind, key, version",
                guild_id,
            )
            hidden = await conn.fetch(
                f"SELECT {HIDDEN_COLUMNS} FROM hidden_entries WHERE guild_id = $1 ORDER BY at",
                guild_id,
            )
            suggestions = await conn.fetch(
                f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 ORDER BY number",
                guild_id,
            )
            audit = await conn.fetch(
                f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE guild_id = $1 ORDER BY id",
                guild_id,
            )
        return GuildExport(
            guild_id=guild_id,
            exported_at=at,
            moderator_role_id=int(role) if role is not None else None,
            versions=[version_of(r) for r in versions],
            hidden=[hidden_of(r) for r in hidden],
            suggestions=[suggestion_of(r) for r in suggestions],
            audit=[audit_of(r) for r in audit],
        )

    async def import_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        async with self._db.write() as conn:
            await self._db.lock(conn, "import", guild)
            held = await conn.fetchval(
                "SELECT (SELECT count(*) FROM entry_versions WHERE guild_id = $1) "
                "+ (SELECT count(*) FROM hidden_entries WHERE guild_id = $1) "
                "+ (SELECT count(*) FROM suggestions WHERE guild_id = $1) "
                "+ (SELECT count(*) FROM audit_log WHERE guild_id = $1) "
                "+ (SELECT count(*) FROM moderation_settings WHERE guild_id = $1) "
                "+ (SELECT count(*) FROM documents WHERE guild_id = $1)",
                guild,
            )
            if int(held):
                raise Conflict(
                    f"this database already holds entries or settings of server {guild}; "
                    "import only into one that holds nothing of it"
                )
            if export.moderator_role_id is not None:
                await conn.execute(SET_ROLE, guild, export.moderator_role_id)
            await self._insert_records(conn, export, "")
            await self._insert_audit(conn, export.audit)
            for doc in documents:
                await self._documents.put_on(conn, doc)

    async def _insert_records(self, conn: Connection, export: GuildExport, versions: str) -> None:
        """The export's versions (``versions``: what to do with one already held), hidden
        entries and suggestions (made equal to the export's, by number)."""
        stamp = self._db.stamp
        for sql, rows in (
            (
                insert_sql("entry_versions", VERSION_COLUMNS) + versions,
                [version_params(v, stamp) for v in export.versions],
            ),
            (
                insert_sql("hidden_entries", HIDDEN_COLUMNS),
                [hidden_params(h, stamp) for h in export.hidden],
            ),
            (
                insert_sql("suggestions", SUGGESTION_COLUMNS)
                + f" ON CONFLICT (guild_id, number) DO UPDATE SET {_REFRESH_SUGGESTION}",
                [suggestion_params(s, stamp) for s in export.suggestions],
            ),
        ):
            if rows:
                await conn.executemany(sql, rows)

    # -- store copy --------------------------------------------------------------------------

    async def guild_ids(self) -> builtins.list[int]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                "SELECT guild_id FROM entry_versions UNION SELECT guild_id FROM hidden_entries "
                "UNION SELECT guild_id FROM suggestions UNION SELECT guild_id FROM audit_log "
                "UNION SELECT guild_id FROM moderation_settings ORDER BY guild_id"
            )
        return [int(guild) for (guild,) in rows]

    async def sync_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        active = {(d.kind, d.key) for d in documents}
        retired = {(v.kind, v.key) for v in export.versions} - active
        async with self._db.write() as conn:
            await self._db.lock(conn, "import", guild)
            await conn.execute(SET_ROLE, guild, export.moderator_role_id)
            await conn.execute("DELETE FROM hidden_entries WHERE guild_id = $1", guild)
            await self._insert_records(conn, export, " ON CONFLICT DO NOTHING")
            held = await conn.fetchval("SELECT count(*) FROM audit_log WHERE guild_id = $1", guild)
            await self._insert_audit(conn, export.audit[int(held) :])
            for kind, key in retired:
                await self._documents.delete_on(conn, kind, key, guild)
            for doc in documents:
                await self._documents.put_on(conn, doc)

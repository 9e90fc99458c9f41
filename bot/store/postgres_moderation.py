"""The ``ModerationStore`` over PostgreSQL: the tables of migration 0003, on the
``PostgresStore``'s pool, in the store's schema.

A write that touches several tables (a version, the document it serves, the audit lines) is one
transaction on one pooled connection. Optimistic concurrency: a new version is written only if
the entry's latest version is the one before it; two writers racing past that check meet at the
(guild, kind, key, version) primary key, and the second gets ``Conflict``. A suggestion leaves
the queue by a compare-and-set on its status; numbering suggestions and importing take a
per-server transaction advisory lock.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from bot.core.errors import Conflict, RateLimited
from bot.core.models import Document, Kind
from bot.core.ports import EntryChange, Quota
from bot.core.records import (
    AuditRecord,
    EntryVersion,
    GuildExport,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)
from bot.store.faults import COMMAND_TIMEOUT
from bot.store.moderation_rows import (
    AUDIT_COLUMNS,
    HIDDEN_COLUMNS,
    SUGGESTION_COLUMNS,
    VERSION_COLUMNS,
    audit_of,
    audit_params,
    aware,
    hidden_of,
    hidden_params,
    suggestion_of,
    suggestion_params,
    version_of,
    version_params,
)
from bot.store.postgres import PostgresStore
from bot.store.postgres_sql import Conn

__all__ = ["PostgresModerationStore"]

_CASTS = {
    VERSION_COLUMNS: {"data": "::jsonb"},
    SUGGESTION_COLUMNS: {"data": "::jsonb", "new_person": "::jsonb"},
}
_NEXT_NUMBER = (
    "SELECT coalesce(max(substr(key, 2)::bigint), 0) FROM entry_versions "
    "WHERE guild_id = $1 AND key ~ '^s[0-9]+$' AND version = 1"
)
_SET_ROLE = (
    "INSERT INTO moderation_settings (guild_id, moderator_role_id) VALUES ($1, $2) "
    "ON CONFLICT (guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id"
)


def _values(columns: str) -> str:
    casts = _CASTS.get(columns, {})
    names = [c.strip() for c in columns.split(",")]
    return ", ".join(f"${n}{casts.get(name, '')}" for n, name in enumerate(names, start=1))


def _insert(table: str, columns: str) -> str:
    return f"INSERT INTO {table} ({columns}) VALUES ({_values(columns)})"


async def _lock(conn: Conn, area: str, guild_id: int) -> None:
    """A transaction advisory lock on one server's ``area``."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, $2))", area, guild_id)


async def _insert_audit(conn: Conn, records: Sequence[AuditRecord]) -> None:
    if records:
        await conn.executemany(
            _insert("audit_log", AUDIT_COLUMNS), [audit_params(a, aware) for a in records]
        )


class PostgresModerationStore:
    """``ModerationStore`` in the schema of ``store``."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self._pool = store.pool

    # -- settings ----------------------------------------------------------------------------

    async def moderator_role(self, guild_id: int) -> int | None:
        found = await self._pool.fetchval(
            "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = $1", guild_id
        )
        return int(found) if found is not None else None

    async def set_moderator_role(
        self, guild_id: int, role_id: int | None, audit: AuditRecord
    ) -> None:
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            await conn.execute(_SET_ROLE, guild_id, role_id)
            await _insert_audit(conn, [audit])

    # -- entries -----------------------------------------------------------------------------

    async def commit(self, change: EntryChange) -> None:
        try:
            async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
                await self._write(conn, change)
        except asyncpg.UniqueViolationError as exc:  # a writer racing past the check was first
            raise Conflict("an entry changed meanwhile") from exc

    async def commit_new(self, guild_id: int, make: Callable[[int], EntryChange]) -> EntryChange:
        try:
            async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
                await _lock(conn, "entries", guild_id)  # one new entry at a time per server
                found = await conn.fetchval(_NEXT_NUMBER, guild_id)
                change = make(int(found) + 1)
                await self._write(conn, change)
        except asyncpg.UniqueViolationError as exc:  # e.g. a new speaker's slug, taken meanwhile
            raise Conflict("an entry changed meanwhile") from exc
        return change

    async def _write(self, conn: Conn, change: EntryChange) -> None:
        for version in change.versions:
            latest = await conn.fetchval(
                "SELECT coalesce(max(version), 0) FROM entry_versions "
                "WHERE guild_id = $1 AND kind = $2 AND key = $3",
                version.guild_id,
                version.kind.value,
                version.key,
            )
            if int(latest) != version.version - 1:
                raise Conflict(
                    f"{version.kind.value} {version.key} is at version {latest} now, "
                    f"not {version.version - 1}"
                )
        if change.decided is not None:
            await self._decide(conn, change.decided)
        if change.versions:
            await conn.executemany(
                _insert("entry_versions", VERSION_COLUMNS),
                [version_params(v, aware) for v in change.versions],
            )
        for kind, key in change.delete:
            guild = change.versions[0].guild_id  # deletes retire an entry: one version
            await self._store.delete_in_transaction(conn, kind, key, guild)
        for doc in change.put:
            await self._store.put_in_transaction(conn, doc)
        await _insert_audit(conn, change.audit)

    async def _decide(self, conn: Conn, s: Suggestion) -> None:
        status = await conn.execute(
            "UPDATE suggestions SET status = $1, reviewer_id = $2, reviewer_name = $3, "
            "decided_at = $4, reason = $5, entry_key = $6 "
            "WHERE guild_id = $7 AND number = $8 AND status = 'pending'",
            s.status.value,
            s.reviewer.id if s.reviewer else None,
            s.reviewer.name if s.reviewer else None,
            aware(s.decided_at) if s.decided_at else None,
            s.reason,
            s.entry_key,
            s.guild_id,
            s.number,
        )
        if status == "UPDATE 0":
            raise Conflict(f"suggestion #{s.number} is no longer pending")

    async def versions(self, guild_id: int, kind: Kind, key: str) -> builtins.list[EntryVersion]:
        rows = await self._pool.fetch(
            f"SELECT {VERSION_COLUMNS} FROM entry_versions WHERE guild_id = $1 AND kind = $2 "
            "AND key = $3 ORDER BY version",
            guild_id,
            kind.value,
            key,
        )
        return [version_of(row) for row in rows]

    async def heads(self, guild_id: int, *, key: str | None = None) -> builtins.list[EntryVersion]:
        columns = ", ".join(f"v.{c.strip()}" for c in VERSION_COLUMNS.split(","))
        rows = await self._pool.fetch(
            f"SELECT DISTINCT ON (v.kind, v.key) {columns} FROM entry_versions v "
            "WHERE v.guild_id = $1 AND ($2::text IS NULL OR v.key = $2) "
            "ORDER BY v.kind, v.key, v.version DESC",
            guild_id,
            key,
        )
        return [version_of(row) for row in rows]

    async def next_number(self, guild_id: int) -> int:
        found = await self._pool.fetchval(_NEXT_NUMBER, guild_id)
        return int(found) + 1

    # -- hidden curated entries --------------------------------------------------------------

    async def hidden(self, guild_id: int) -> builtins.list[HiddenEntry]:
        rows = await self._pool.fetch(
            f"SELECT {HIDDEN_COLUMNS} FROM hidden_entries WHERE guild_id = $1 ORDER BY kind, key",
            guild_id,
        )
        return [hidden_of(row) for row in rows]

    async def hide(self, entry: HiddenEntry, audit: AuditRecord) -> None:
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            status = await conn.execute(
                _insert("hidden_entries", HIDDEN_COLUMNS) + " ON CONFLICT DO NOTHING",
                *hidden_params(entry, aware),
            )
            if status == "INSERT 0 0":
                raise Conflict(f"{entry.kind.value} {entry.key} is hidden already")
            await _insert_audit(conn, [audit])

    async def unhide(self, guild_id: int, kind: Kind, key: str, audit: AuditRecord) -> None:
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            status = await conn.execute(
                "DELETE FROM hidden_entries WHERE guild_id = $1 AND kind = $2 AND key = $3",
                guild_id,
                kind.value,
                key,
            )
            if status == "DELETE 0":
                raise Conflict(f"{kind.value} {key} is not hidden")
            await _insert_audit(conn, [audit])

    # -- suggestions -------------------------------------------------------------------------

    async def add_suggestion(
        self, suggestion: Suggestion, audit: AuditRecord, *, quota: Quota | None = None
    ) -> Suggestion:
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            await _lock(conn, "suggestions", suggestion.guild_id)
            if quota is not None:
                made = await conn.fetchval(
                    "SELECT count(*) FROM suggestions WHERE guild_id = $1 AND author_id = $2 "
                    "AND at > $3",
                    suggestion.guild_id,
                    suggestion.author.id,
                    aware(quota.since),
                )
                if int(made) >= quota.limit:
                    raise RateLimited("You have made the most suggestions allowed for now.")
            number = await conn.fetchval(
                "SELECT coalesce(max(number), 0) + 1 FROM suggestions WHERE guild_id = $1",
                suggestion.guild_id,
            )
            numbered = suggestion.model_copy(update={"number": int(number)})
            await conn.execute(
                _insert("suggestions", SUGGESTION_COLUMNS), *suggestion_params(numbered, aware)
            )
            detail = audit.detail.replace("{number}", str(numbered.number))
            await _insert_audit(conn, [audit.model_copy(update={"detail": detail})])
        return numbered

    async def suggestion(self, guild_id: int, number: int) -> Suggestion | None:
        row = await self._pool.fetchrow(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 AND number = $2",
            guild_id,
            number,
        )
        return suggestion_of(row) if row is not None else None

    async def suggestions(
        self,
        guild_id: int,
        status: SuggestionStatus = SuggestionStatus.PENDING,
        *,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[Suggestion]:
        rows = await self._pool.fetch(
            f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 AND status = $2 "
            "ORDER BY number LIMIT $3 OFFSET $4",
            guild_id,
            status.value,
            limit,
            max(offset, 0),
        )
        return [suggestion_of(row) for row in rows]

    async def count_suggestions(
        self, guild_id: int, status: SuggestionStatus = SuggestionStatus.PENDING
    ) -> int:
        found = await self._pool.fetchval(
            "SELECT count(*) FROM suggestions WHERE guild_id = $1 AND status = $2",
            guild_id,
            status.value,
        )
        return int(found)

    async def suggestion_times(
        self, guild_id: int, user_id: int, since: datetime
    ) -> builtins.list[datetime]:
        rows = await self._pool.fetch(
            "SELECT at FROM suggestions WHERE guild_id = $1 AND author_id = $2 AND at > $3 "
            "ORDER BY at",
            guild_id,
            user_id,
            aware(since),
        )
        return [row[0] for row in rows]

    # -- the audit log -----------------------------------------------------------------------

    async def audit_log(
        self,
        guild_id: int,
        *,
        entry: tuple[Kind, str] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        kind, key = (entry[0].value, entry[1]) if entry else (None, None)
        rows = await self._pool.fetch(
            f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE guild_id = $1 "
            "AND ($2::text IS NULL OR (kind = $2 AND key = $3)) "
            "ORDER BY id DESC LIMIT $4 OFFSET $5",
            guild_id,
            kind,
            key,
            limit,
            max(offset, 0),
        )
        return [audit_of(row) for row in rows]

    async def count_audit(self, guild_id: int) -> int:
        found = await self._pool.fetchval(
            "SELECT count(*) FROM audit_log WHERE guild_id = $1", guild_id
        )
        return int(found)

    # -- export / import ---------------------------------------------------------------------

    async def export_guild(self, guild_id: int, at: datetime) -> GuildExport:
        async with (
            self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            role = await conn.fetchval(
                "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = $1", guild_id
            )
            fetched: dict[str, list[Any]] = {}
            for name, sql in (
                (
                    "versions",
                    f"SELECT {VERSION_COLUMNS} FROM entry_versions WHERE guild_id = $1 "
                    "ORDER BY kind, key, version",
                ),
                (
                    "hidden",
                    f"SELECT {HIDDEN_COLUMNS} FROM hidden_entries WHERE guild_id = $1 ORDER BY at",
                ),
                (
                    "suggestions",
                    f"SELECT {SUGGESTION_COLUMNS} FROM suggestions "
                    "WHERE guild_id = $1 ORDER BY number",
                ),
                ("audit", f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE guild_id = $1 ORDER BY id"),
            ):
                fetched[name] = list(await conn.fetch(sql, guild_id))
        return GuildExport(
            guild_id=guild_id,
            exported_at=at,
            moderator_role_id=int(role) if role is not None else None,
            versions=[version_of(r) for r in fetched["versions"]],
            hidden=[hidden_of(r) for r in fetched["hidden"]],
            suggestions=[suggestion_of(r) for r in fetched["suggestions"]],
            audit=[audit_of(r) for r in fetched["audit"]],
        )

    async def import_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            await _lock(conn, "import", guild)
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
                await conn.execute(
                    "INSERT INTO moderation_settings (guild_id, moderator_role_id) VALUES ($1, $2)",
                    guild,
                    export.moderator_role_id,
                )
            for table, columns, rows in (
                (
                    "entry_versions",
                    VERSION_COLUMNS,
                    [version_params(v, aware) for v in export.versions],
                ),
                (
                    "hidden_entries",
                    HIDDEN_COLUMNS,
                    [hidden_params(h, aware) for h in export.hidden],
                ),
                (
                    "suggestions",
                    SUGGESTION_COLUMNS,
                    [suggestion_params(s, aware) for s in export.suggestions],
                ),
            ):
                if rows:
                    await conn.executemany(_insert(table, columns), rows)
            await _insert_audit(conn, export.audit)
            for doc in documents:
                await self._store.put_in_transaction(conn, doc)

    # -- store copy --------------------------------------------------------------------------

    async def guild_ids(self) -> builtins.list[int]:
        rows = await self._pool.fetch(
            "SELECT guild_id FROM entry_versions UNION SELECT guild_id FROM hidden_entries "
            "UNION SELECT guild_id FROM suggestions UNION SELECT guild_id FROM audit_log "
            "UNION SELECT guild_id FROM moderation_settings ORDER BY guild_id"
        )
        return [int(row[0]) for row in rows]

    async def sync_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        active = {(d.kind, d.key) for d in documents}
        retired = {(v.kind, v.key) for v in export.versions} - active
        columns = [c.strip() for c in SUGGESTION_COLUMNS.split(",")]
        refresh = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
        async with self._pool.acquire(timeout=COMMAND_TIMEOUT) as conn, conn.transaction():
            await _lock(conn, "import", guild)
            await conn.execute(_SET_ROLE, guild, export.moderator_role_id)
            if export.versions:
                await conn.executemany(
                    _insert("entry_versions", VERSION_COLUMNS) + " ON CONFLICT DO NOTHING",
                    [version_params(v, aware) for v in export.versions],
                )
            await conn.execute("DELETE FROM hidden_entries WHERE guild_id = $1", guild)
            if export.hidden:
                await conn.executemany(
                    _insert("hidden_entries", HIDDEN_COLUMNS),
                    [hidden_params(h, aware) for h in export.hidden],
                )
            if export.suggestions:
                await conn.executemany(
                    _insert("suggestions", SUGGESTION_COLUMNS)
                    + f" ON CONFLICT (guild_id, number) DO UPDATE SET {refresh}",
                    [suggestion_params(s, aware) for s in export.suggestions],
                )
            held = await conn.fetchval("SELECT count(*) FROM audit_log WHERE guild_id = $1", guild)
            await _insert_audit(conn, export.audit[int(held) :])
            for kind, key in retired:
                await self._store.delete_in_transaction(conn, kind, key, guild)
            for doc in documents:
                await self._store.put_in_transaction(conn, doc)

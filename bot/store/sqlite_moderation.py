"""The ``ModerationStore`` over SQLite: the tables of migration 0003, on the ``SqliteStore``'s
connection (``SqliteStore.shared``), so every method is one transaction under the store's lock
and a server's documents change in the same transaction as the versions they serve.

Optimistic concurrency: a new version is written only if the entry's latest version is the one
before it, checked inside a ``BEGIN IMMEDIATE`` transaction (SQLite's write lock, held across
processes), with the (guild, kind, key, version) primary key as the backstop; a suggestion
leaves the queue by a compare-and-set on its status. Either failing raises ``Conflict`` and
writes nothing.
"""

from __future__ import annotations

import builtins
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import aiosqlite

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
from bot.store.moderation_rows import (
    AUDIT_COLUMNS,
    HIDDEN_COLUMNS,
    SUGGESTION_COLUMNS,
    VERSION_COLUMNS,
    audit_of,
    audit_params,
    hidden_of,
    hidden_params,
    suggestion_of,
    suggestion_params,
    utc_text,
    version_of,
    version_params,
)
from bot.store.sqlite import SqliteStore

__all__ = ["SqliteModerationStore"]

_VERSION, _HIDDEN, _SUGGESTION, _AUDIT = (
    VERSION_COLUMNS,
    HIDDEN_COLUMNS,
    SUGGESTION_COLUMNS,
    AUDIT_COLUMNS,
)
_NEXT_NUMBER = (
    "SELECT coalesce(max(CAST(substr(key, 2) AS INTEGER)), 0) FROM entry_versions "
    "WHERE guild_id = ? AND key GLOB 's[0-9]*' AND version = 1"
)
_SET_ROLE = (
    "INSERT INTO moderation_settings (guild_id, moderator_role_id) VALUES (?, ?) "
    "ON CONFLICT (guild_id) DO UPDATE SET moderator_role_id = excluded.moderator_role_id"
)


def _retired(export: GuildExport, documents: Sequence[Document]) -> set[tuple[Kind, str]]:
    """The export's entries that serve no document (retired ones)."""
    active = {(d.kind, d.key) for d in documents}
    return {(v.kind, v.key) for v in export.versions} - active


def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(","))


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))


async def _insert_audit(conn: aiosqlite.Connection, records: Sequence[AuditRecord]) -> None:
    await conn.executemany(
        f"INSERT INTO audit_log ({_AUDIT}) VALUES ({_marks(_AUDIT)})",
        [audit_params(a, utc_text) for a in records],
    )


class SqliteModerationStore:
    """``ModerationStore`` on the database of ``store``."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store

    # -- settings ----------------------------------------------------------------------------

    async def moderator_role(self, guild_id: int) -> int | None:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = ?",
                (guild_id,),
            )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    async def set_moderator_role(
        self, guild_id: int, role_id: int | None, audit: AuditRecord
    ) -> None:
        async with self._store.shared(write=True) as conn:
            await conn.execute(_SET_ROLE, (guild_id, role_id))
            await _insert_audit(conn, [audit])

    # -- entries -----------------------------------------------------------------------------

    async def commit(self, change: EntryChange) -> None:
        async with self._store.shared(write=True) as conn:
            await self._write(conn, change)

    async def commit_new(self, guild_id: int, make: Callable[[int], EntryChange]) -> EntryChange:
        async with self._store.shared(write=True) as conn:  # BEGIN IMMEDIATE: one writer
            rows = await _rows(conn, _NEXT_NUMBER, (guild_id,))
            change = make(int(rows[0][0]) + 1)
            await self._write(conn, change)
        return change

    async def _write(self, conn: aiosqlite.Connection, change: EntryChange) -> None:
        for version in change.versions:
            rows = await _rows(
                conn,
                "SELECT coalesce(max(version), 0) FROM entry_versions "
                "WHERE guild_id = ? AND kind = ? AND key = ?",
                (version.guild_id, version.kind.value, version.key),
            )
            if int(rows[0][0]) != version.version - 1:
                raise Conflict(
                    f"{version.kind.value} {version.key} is at version {rows[0][0]} now, "
                    f"not {version.version - 1}"
                )
        if change.decided is not None:
            await self._decide(conn, change.decided)
        try:
            await conn.executemany(
                f"INSERT INTO entry_versions ({_VERSION}) VALUES ({_marks(_VERSION)})",
                [version_params(v, utc_text) for v in change.versions],
            )
        except sqlite3.IntegrityError as exc:  # a writer on another connection was first
            raise Conflict("an entry changed meanwhile") from exc
        for kind, key in change.delete:
            guild = change.versions[0].guild_id  # deletes retire an entry: one version
            await self._store.delete_in_transaction(kind, key, guild)
        for doc in change.put:
            await self._store.put_in_transaction(doc)
        await _insert_audit(conn, change.audit)

    async def _decide(self, conn: aiosqlite.Connection, s: Suggestion) -> None:
        cursor = await conn.execute(
            "UPDATE suggestions SET status = ?, reviewer_id = ?, reviewer_name = ?, "
            "decided_at = ?, reason = ?, entry_key = ? "
            "WHERE guild_id = ? AND number = ? AND status = 'pending'",
            (
                s.status.value,
                s.reviewer.id if s.reviewer else None,
                s.reviewer.name if s.reviewer else None,
                utc_text(s.decided_at) if s.decided_at else None,
                s.reason,
                s.entry_key,
                s.guild_id,
                s.number,
            ),
        )
        if cursor.rowcount == 0:
            raise Conflict(f"suggestion #{s.number} is no longer pending")

    async def versions(self, guild_id: int, kind: Kind, key: str) -> builtins.list[EntryVersion]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_VERSION} FROM entry_versions WHERE guild_id = ? AND kind = ? "
                "AND key = ? ORDER BY version",
                (guild_id, kind.value, key),
            )
        return [version_of(row) for row in rows]

    async def heads(self, guild_id: int, *, key: str | None = None) -> builtins.list[EntryVersion]:
        where, params = "v.guild_id = ?", [guild_id]
        if key is not None:
            where += " AND v.key = ?"
            params.append(key)  # type: ignore[arg-type]
        columns = ", ".join(f"v.{c.strip()}" for c in _VERSION.split(","))
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {columns} FROM entry_versions v WHERE {where} AND v.version = "
                "(SELECT max(version) FROM entry_versions m WHERE m.guild_id = v.guild_id "
                "AND m.kind = v.kind AND m.key = v.key) ORDER BY v.kind, v.key",
                params,
            )
        return [version_of(row) for row in rows]

    async def next_number(self, guild_id: int) -> int:
        async with self._store.shared() as conn:
            rows = await _rows(conn, _NEXT_NUMBER, (guild_id,))
        return int(rows[0][0]) + 1

    # -- hidden curated entries --------------------------------------------------------------

    async def hidden(self, guild_id: int) -> builtins.list[HiddenEntry]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_HIDDEN} FROM hidden_entries WHERE guild_id = ? ORDER BY kind, key",
                (guild_id,),
            )
        return [hidden_of(row) for row in rows]

    async def hide(self, entry: HiddenEntry, audit: AuditRecord) -> None:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                f"INSERT INTO hidden_entries ({_HIDDEN}) VALUES ({_marks(_HIDDEN)}) "
                "ON CONFLICT DO NOTHING",
                hidden_params(entry, utc_text),
            )
            if cursor.rowcount == 0:
                raise Conflict(f"{entry.kind.value} {entry.key} is hidden already")
            await _insert_audit(conn, [audit])

    async def unhide(self, guild_id: int, kind: Kind, key: str, audit: AuditRecord) -> None:
        async with self._store.shared(write=True) as conn:
            cursor = await conn.execute(
                "DELETE FROM hidden_entries WHERE guild_id = ? AND kind = ? AND key = ?",
                (guild_id, kind.value, key),
            )
            if cursor.rowcount == 0:
                raise Conflict(f"{kind.value} {key} is not hidden")
            await _insert_audit(conn, [audit])

    # -- suggestions -------------------------------------------------------------------------

    async def add_suggestion(
        self, suggestion: Suggestion, audit: AuditRecord, *, quota: Quota | None = None
    ) -> Suggestion:
        async with self._store.shared(write=True) as conn:
            if quota is not None:
                made = await _rows(
                    conn,
                    "SELECT count(*) FROM suggestions WHERE guild_id = ? AND author_id = ? "
                    "AND at > ?",
                    (suggestion.guild_id, suggestion.author.id, utc_text(quota.since)),
                )
                if int(made[0][0]) >= quota.limit:
                    raise RateLimited("You have made the most suggestions allowed for now.")
            rows = await _rows(
                conn,
                "SELECT coalesce(max(number), 0) + 1 FROM suggestions WHERE guild_id = ?",
                (suggestion.guild_id,),
            )
            numbered = suggestion.model_copy(update={"number": int(rows[0][0])})
            await conn.execute(
                f"INSERT INTO suggestions ({_SUGGESTION}) VALUES ({_marks(_SUGGESTION)})",
                suggestion_params(numbered, utc_text),
            )
            detail = audit.detail.replace("{number}", str(numbered.number))
            await _insert_audit(conn, [audit.model_copy(update={"detail": detail})])
        return numbered

    async def suggestion(self, guild_id: int, number: int) -> Suggestion | None:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_SUGGESTION} FROM suggestions WHERE guild_id = ? AND number = ?",
                (guild_id, number),
            )
        return suggestion_of(rows[0]) if rows else None

    async def suggestions(
        self,
        guild_id: int,
        status: SuggestionStatus = SuggestionStatus.PENDING,
        *,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[Suggestion]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_SUGGESTION} FROM suggestions WHERE guild_id = ? AND status = ? "
                "ORDER BY number LIMIT ? OFFSET ?",
                (guild_id, status.value, limit, max(offset, 0)),
            )
        return [suggestion_of(row) for row in rows]

    async def count_suggestions(
        self, guild_id: int, status: SuggestionStatus = SuggestionStatus.PENDING
    ) -> int:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                "SELECT count(*) FROM suggestions WHERE guild_id = ? AND status = ?",
                (guild_id, status.value),
            )
        return int(rows[0][0])

    async def suggestion_times(
        self, guild_id: int, user_id: int, since: datetime
    ) -> builtins.list[datetime]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                "SELECT at FROM suggestions WHERE guild_id = ? AND author_id = ? AND at > ? "
                "ORDER BY at",
                (guild_id, user_id, utc_text(since)),
            )
        return [datetime.fromisoformat(at) for (at,) in rows]

    # -- the audit log -----------------------------------------------------------------------

    async def audit_log(
        self,
        guild_id: int,
        *,
        entry: tuple[Kind, str] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        where, params = "guild_id = ?", [guild_id]
        if entry is not None:
            where += " AND kind = ? AND key = ?"
            params += [entry[0].value, entry[1]]  # type: ignore[list-item]
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                f"SELECT {_AUDIT} FROM audit_log WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, max(offset, 0)),
            )
        return [audit_of(row) for row in rows]

    async def count_audit(self, guild_id: int) -> int:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn, "SELECT count(*) FROM audit_log WHERE guild_id = ?", (guild_id,)
            )
        return int(rows[0][0])

    # -- export / import ---------------------------------------------------------------------

    async def export_guild(self, guild_id: int, at: datetime) -> GuildExport:
        async with self._store.shared() as conn:  # one snapshot
            g = (guild_id,)
            role = await _rows(
                conn, "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = ?", g
            )
            versions = await _rows(
                conn,
                f"SELECT {_VERSION} FROM entry_versions WHERE guild_id = ? "
                "ORDER BY kind, key, version",
                g,
            )
            hidden = await _rows(
                conn, f"SELECT {_HIDDEN} FROM hidden_entries WHERE guild_id = ? ORDER BY at", g
            )
            suggestions = await _rows(
                conn, f"SELECT {_SUGGESTION} FROM suggestions WHERE guild_id = ? ORDER BY number", g
            )
            audit = await _rows(
                conn, f"SELECT {_AUDIT} FROM audit_log WHERE guild_id = ? ORDER BY id", g
            )
        return GuildExport(
            guild_id=guild_id,
            exported_at=at,
            moderator_role_id=role[0][0] if role else None,
            versions=[version_of(r) for r in versions],
            hidden=[hidden_of(r) for r in hidden],
            suggestions=[suggestion_of(r) for r in suggestions],
            audit=[audit_of(r) for r in audit],
        )

    async def import_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        async with self._store.shared(write=True) as conn:
            held = await _rows(
                conn,
                "SELECT (SELECT count(*) FROM entry_versions WHERE guild_id = ?1) "
                "+ (SELECT count(*) FROM hidden_entries WHERE guild_id = ?1) "
                "+ (SELECT count(*) FROM suggestions WHERE guild_id = ?1) "
                "+ (SELECT count(*) FROM audit_log WHERE guild_id = ?1) "
                "+ (SELECT count(*) FROM moderation_settings WHERE guild_id = ?1) "
                "+ (SELECT count(*) FROM documents WHERE guild_id = ?1)",
                (guild,),
            )
            if int(held[0][0]):
                raise Conflict(
                    f"this database already holds entries or settings of server {guild}; "
                    "import only into one that holds nothing of it"
                )
            if export.moderator_role_id is not None:
                await conn.execute(
                    "INSERT INTO moderation_settings (guild_id, moderator_role_id) VALUES (?, ?)",
                    (guild, export.moderator_role_id),
                )
            await conn.executemany(
                f"INSERT INTO entry_versions ({_VERSION}) VALUES ({_marks(_VERSION)})",
                [version_params(v, utc_text) for v in export.versions],
            )
            await conn.executemany(
                f"INSERT INTO hidden_entries ({_HIDDEN}) VALUES ({_marks(_HIDDEN)})",
                [hidden_params(h, utc_text) for h in export.hidden],
            )
            await conn.executemany(
                f"INSERT INTO suggestions ({_SUGGESTION}) VALUES ({_marks(_SUGGESTION)})",
                [suggestion_params(s, utc_text) for s in export.suggestions],
            )
            await _insert_audit(conn, export.audit)
            for doc in documents:
                await self._store.put_in_transaction(doc)

    # -- store copy --------------------------------------------------------------------------

    async def guild_ids(self) -> builtins.list[int]:
        async with self._store.shared() as conn:
            rows = await _rows(
                conn,
                "SELECT guild_id FROM entry_versions UNION SELECT guild_id FROM hidden_entries "
                "UNION SELECT guild_id FROM suggestions UNION SELECT guild_id FROM audit_log "
                "UNION SELECT guild_id FROM moderation_settings ORDER BY guild_id",
            )
        return [int(guild) for (guild,) in rows]

    async def sync_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        guild = export.guild_id
        retired = _retired(export, documents)
        async with self._store.shared(write=True) as conn:
            await conn.execute(_SET_ROLE, (guild, export.moderator_role_id))
            await conn.executemany(
                f"INSERT INTO entry_versions ({_VERSION}) VALUES ({_marks(_VERSION)}) "
                "ON CONFLICT DO NOTHING",
                [version_params(v, utc_text) for v in export.versions],
            )
            await conn.execute("DELETE FROM hidden_entries WHERE guild_id = ?", (guild,))
            await conn.executemany(
                f"INSERT INTO hidden_entries ({_HIDDEN}) VALUES ({_marks(_HIDDEN)})",
                [hidden_params(h, utc_text) for h in export.hidden],
            )
            await conn.executemany(
                f"INSERT OR REPLACE INTO suggestions ({_SUGGESTION}) "
                f"VALUES ({_marks(_SUGGESTION)})",
                [suggestion_params(s, utc_text) for s in export.suggestions],
            )
            held = await _rows(conn, "SELECT count(*) FROM audit_log WHERE guild_id = ?", (guild,))
            await _insert_audit(conn, export.audit[int(held[0][0]) :])
            for kind, key in retired:
                await self._store.delete_in_transaction(kind, key, guild)
            for doc in documents:
                await self._store.put_in_transaction(doc)

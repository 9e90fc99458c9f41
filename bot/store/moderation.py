"""The ``ModerationStore``, written once for both SQL backends: the tables of migration 0003,
on the document store's database (``bot.store.sql.Database``), so a server's documents change
in the same transaction as the versions they serve.

Optimistic concurrency: a new version is written only if the entry's latest version is the one
before it, checked inside the write transaction; two writers racing past that check meet at the
(guild, kind, key, version) primary key, and the second gets ``Conflict`` (so does a new
speaker's slug taken meanwhile). A suggestion leaves the queue by a compare-and-set on its
status. Numbering new entries and suggestions, and importing, take the per-server lock
(``Database.lock``: an advisory lock on PostgreSQL; SQLite's write transaction is one writer
already). Either conflict writes nothing.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from bot.core.errors import Conflict, RateLimited
from bot.core.models import Kind
from bot.core.ports_moderation import EntryChange, Quota
from bot.core.records import (
    AuditRecord,
    EntryVersion,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)
from bot.store.moderation_rows import (
    AUDIT_COLUMNS,
    HIDDEN_COLUMNS,
    SET_ROLE,
    SUGGESTION_COLUMNS,
    VERSION_COLUMNS,
    audit_of,
    hidden_of,
    hidden_params,
    insert_sql,
    suggestion_of,
    suggestion_params,
    version_of,
    version_params,
)
from bot.store.moderation_transfer import DocumentWrites, ModerationTransfer
from bot.store.sql import Connection, moment_of

__all__ = ["DocumentWrites", "SqlModerationStore"]

_NEW_KEY = re.compile(r"s([0-9]+)")


class SqlModerationStore(ModerationTransfer):
    """``ModerationStore`` on ``db``, writing the server's documents through ``documents``
    (export, import and the store copy: ``bot.store.moderation_transfer``)."""

    @asynccontextmanager
    async def _entry_write(self) -> AsyncIterator[Connection]:
        """A write transaction whose unique-key violation (a writer racing past the version
        check was first) is a ``Conflict``."""
        try:
            async with self._db.write() as conn:
                yield conn
        except Exception as exc:
            if self._db.is_unique_violation(exc):
                raise Conflict("an entry changed meanwhile") from exc
            raise

    # -- settings ----------------------------------------------------------------------------

    async def moderator_role(self, guild_id: int) -> int | None:
        async with self._db.read() as conn:
            found = await conn.fetchval(
                "SELECT moderator_role_id FROM moderation_settings WHERE guild_id = $1", guild_id
            )
        return int(found) if found is not None else None

    async def set_moderator_role(
        self, guild_id: int, role_id: int | None, audit: AuditRecord
    ) -> None:
        async with self._db.write() as conn:
            await conn.execute(SET_ROLE, guild_id, role_id)
            await self._insert_audit(conn, [audit])

    # -- entries -----------------------------------------------------------------------------

    async def commit(self, change: EntryChange) -> None:
        async with self._entry_write() as conn:
            await self._write(conn, change)

    async def commit_new(self, guild_id: int, make: Callable[[int], EntryChange]) -> EntryChange:
        async with self._entry_write() as conn:
            await self._db.lock(conn, "entries", guild_id)  # one new entry at a time per server
            change = make(await self._next_number(conn, guild_id))
            await self._write(conn, change)
        return change

    async def _write(self, conn: Connection, change: EntryChange) -> None:
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
                insert_sql("entry_versions", VERSION_COLUMNS),
                [version_params(v, self._db.stamp) for v in change.versions],
            )
        for kind, key in change.delete:
            guild = change.versions[0].guild_id  # deletes retire an entry: one version
            await self._documents.delete_on(conn, kind, key, guild)
        for doc in change.put:
            await self._documents.put_on(conn, doc)
        await self._insert_audit(conn, change.audit)

    async def _decide(self, conn: Connection, s: Suggestion) -> None:
        changed = await conn.execute(
            "UPDATE suggestions SET status = $1, reviewer_id = $2, reviewer_name = $3, "
            "decided_at = $4, reason = $5, entry_key = $6 "
            "WHERE guild_id = $7 AND number = $8 AND status = 'pending'",
            s.status.value,
            s.reviewer.id if s.reviewer else None,
            s.reviewer.name if s.reviewer else None,
            self._db.stamp(s.decided_at) if s.decided_at else None,
            s.reason,
            s.entry_key,
            s.guild_id,
            s.number,
        )
        if changed == 0:
            raise Conflict(f"suggestion #{s.number} is no longer pending")

    async def versions(self, guild_id: int, kind: Kind, key: str) -> builtins.list[EntryVersion]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {VERSION_COLUMNS} FROM entry_versions WHERE guild_id = $1 "
                "AND kind = $2 AND key = $3 ORDER BY version",
                guild_id,
                kind.value,
                key,
            )
        return [version_of(row) for row in rows]

    async def heads(self, guild_id: int, *, key: str | None = None) -> builtins.list[EntryVersion]:
        columns = ", ".join(f"v.{c.strip()}" for c in VERSION_COLUMNS.split(","))
        one = " AND v.key = $2" if key is not None else ""
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {columns} FROM entry_versions v WHERE v.guild_id = $1{one} "
                "AND v.version = (SELECT max(m.version) FROM entry_versions m "
                "WHERE m.guild_id = v.guild_id AND m.kind = v.kind AND m.key = v.key) "
                "ORDER BY v.kind, v.key",
                *((guild_id, key) if key is not None else (guild_id,)),
            )
        return [version_of(row) for row in rows]

    async def _next_number(self, conn: Connection, guild_id: int) -> int:
        """One past the highest n of the server's entries ``s<n>`` (n digits only)."""
        rows = await conn.fetch(
            "SELECT key FROM entry_versions WHERE guild_id = $1 AND version = 1 AND key LIKE 's%'",
            guild_id,
        )
        numbers = [int(m[1]) for (key,) in rows if (m := _NEW_KEY.fullmatch(key))]
        return max(numbers, default=0) + 1

    async def next_number(self, guild_id: int) -> int:
        async with self._db.read() as conn:
            return await self._next_number(conn, guild_id)

    # -- hidden curated entries --------------------------------------------------------------

    async def hidden(self, guild_id: int) -> builtins.list[HiddenEntry]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {HIDDEN_COLUMNS} FROM hidden_entries WHERE guild_id = $1 "
                "ORDER BY kind, key",
                guild_id,
            )
        return [hidden_of(row) for row in rows]

    async def hide(
        self, entry: HiddenEntry, audit: AuditRecord, *, decided: Suggestion | None = None
    ) -> None:
        async with self._db.write() as conn:
            if decided is not None:
                await self._decide(conn, decided)
            added = await conn.execute(
                insert_sql("hidden_entries", HIDDEN_COLUMNS) + " ON CONFLICT DO NOTHING",
                *hidden_params(entry, self._db.stamp),
            )
            if added == 0:
                raise Conflict(f"{entry.kind.value} {entry.key} is hidden already")
            await self._insert_audit(conn, [audit])

    async def unhide(self, guild_id: int, kind: Kind, key: str, audit: AuditRecord) -> None:
        async with self._db.write() as conn:
            removed = await conn.execute(
                "DELETE FROM hidden_entries WHERE guild_id = $1 AND kind = $2 AND key = $3",
                guild_id,
                kind.value,
                key,
            )
            if removed == 0:
                raise Conflict(f"{kind.value} {key} is not hidden")
            await self._insert_audit(conn, [audit])

    # -- suggestions -------------------------------------------------------------------------

    async def add_suggestion(
        self, suggestion: Suggestion, audit: AuditRecord, *, quota: Quota | None = None
    ) -> Suggestion:
        async with self._db.write() as conn:
            await self._db.lock(conn, "suggestions", suggestion.guild_id)
            if quota is not None:
                made = await conn.fetchval(
                    "SELECT count(*) FROM suggestions WHERE guild_id = $1 AND author_id = $2 "
                    "AND at > $3",
                    suggestion.guild_id,
                    suggestion.author.id,
                    self._db.stamp(quota.since),
                )
                if int(made) >= quota.limit:
                    raise RateLimited("You have made the most suggestions allowed for now.")
            number = await conn.fetchval(
                "SELECT coalesce(max(number), 0) + 1 FROM suggestions WHERE guild_id = $1",
                suggestion.guild_id,
            )
            numbered = suggestion.model_copy(update={"number": int(number)})
            await conn.execute(
                insert_sql("suggestions", SUGGESTION_COLUMNS),
                *suggestion_params(numbered, self._db.stamp),
            )
            detail = audit.detail.replace("{number}", str(numbered.number))
            await self._insert_audit(conn, [audit.model_copy(update={"detail": detail})])
        return numbered

    async def suggestion(self, guild_id: int, number: int) -> Suggestion | None:
        async with self._db.read() as conn:
            row = await conn.fetchrow(
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
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 "
                "AND status = $2 ORDER BY number LIMIT $3 OFFSET $4",
                guild_id,
                status.value,
                limit,
                max(offset, 0),
            )
        return [suggestion_of(row) for row in rows]

    async def count_suggestions(
        self, guild_id: int, status: SuggestionStatus = SuggestionStatus.PENDING
    ) -> int:
        async with self._db.read() as conn:
            found = await conn.fetchval(
                "SELECT count(*) FROM suggestions WHERE guild_id = $1 AND status = $2",
                guild_id,
                status.value,
            )
        return int(found)

    async def suggestion_times(
        self, guild_id: int, user_id: int, since: datetime
    ) -> builtins.list[datetime]:
        async with self._db.read() as conn:
            rows = await conn.fetch(
                "SELECT at FROM suggestions WHERE guild_id = $1 AND author_id = $2 AND at > $3 "
                "ORDER BY at",
                guild_id,
                user_id,
                self._db.stamp(since),
            )
        return [moment_of(at) for (at,) in rows]

    async def curated_reports(self, *, limit: int = 500) -> builtins.list[Suggestion]:
        async with self._db.read() as conn:  # ``curated``: 0/1 on SQLite, a boolean elsewhere
            rows = await conn.fetch(
                f"SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE curated "
                "ORDER BY at DESC, guild_id, number DESC LIMIT $1",
                limit,
            )
        return [suggestion_of(row) for row in rows]

    # -- the audit log -----------------------------------------------------------------------

    async def audit_log(
        self,
        guild_id: int,
        *,
        entry: tuple[Kind, str] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        about = (entry[0].value, entry[1]) if entry is not None else ()
        where = " AND kind = $4 AND key = $5" if about else ""
        async with self._db.read() as conn:
            rows = await conn.fetch(
                f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE guild_id = $1{where} "
                "ORDER BY id DESC LIMIT $2 OFFSET $3",
                guild_id,
                limit,
                max(offset, 0),
                *about,
            )
        return [audit_of(row) for row in rows]

    async def count_audit(self, guild_id: int) -> int:
        async with self._db.read() as conn:
            found = await conn.fetchval(
                "SELECT count(*) FROM audit_log WHERE guild_id = $1", guild_id
            )
        return int(found)

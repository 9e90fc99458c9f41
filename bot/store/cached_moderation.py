"""``VersionedModeration``: a moderation store whose writes bump the ``CachedStore`` versions.

Moderation writes a server's documents in its own transactions (``bot.store.moderation``);
after each write that can change what the server sees (an entry's versions and documents,
hidden entries, an import or a copy) the server's version moves here and the other processes
are told. Every other call goes straight to the backend's moderation store.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.models import Document, Kind
from bot.core.ports_moderation import EntryChange, ModerationStore, Quota
from bot.core.records import (
    AuditRecord,
    EntryVersion,
    GuildExport,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)

__all__ = ["EVERYTHING", "VersionedModeration", "Versions"]

EVERYTHING = "*"
"""The version to move when a change may touch anything (every server's and the curated)."""


class Versions(Protocol):
    """What the moderation writes move: ``CachedStore.changed`` (kept apart from
    ``bot.store.cached`` so that neither module imports the other's)."""

    async def changed(self, guild: int | str) -> None: ...


def _guilds_of(change: EntryChange) -> set[int]:
    guilds = {v.guild_id for v in change.versions} | {d.guild_id for d in change.put}
    guilds |= {a.guild_id for a in change.audit}
    if change.decided is not None:
        guilds.add(change.decided.guild_id)
    return guilds


class VersionedModeration:
    """``inner`` (the backend's moderation store), bumping ``cache``'s versions on writes."""

    def __init__(self, inner: ModerationStore, cache: Versions) -> None:
        self.inner = inner
        self.cache = cache

    # -- writes that change what a server sees ------------------------------------------------

    async def commit(self, change: EntryChange) -> None:
        try:
            await self.inner.commit(change)
        finally:
            guilds: set[int | str] = set(_guilds_of(change)) or {EVERYTHING}
            for guild in guilds:
                await self.cache.changed(guild)

    async def commit_new(self, guild_id: int, make: Callable[[int], EntryChange]) -> EntryChange:
        try:
            return await self.inner.commit_new(guild_id, make)
        finally:
            await self.cache.changed(guild_id)

    async def hide(
        self, entry: HiddenEntry, audit: AuditRecord, *, decided: Suggestion | None = None
    ) -> None:
        try:
            await self.inner.hide(entry, audit, decided=decided)
        finally:
            await self.cache.changed(entry.guild_id)

    async def unhide(self, guild_id: int, kind: Kind, key: str, audit: AuditRecord) -> None:
        try:
            await self.inner.unhide(guild_id, kind, key, audit)
        finally:
            await self.cache.changed(guild_id)

    async def import_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        try:
            await self.inner.import_guild(export, documents)
        finally:
            await self.cache.changed(export.guild_id)

    async def sync_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        try:
            await self.inner.sync_guild(export, documents)
        finally:
            await self.cache.changed(export.guild_id)

    # -- everything else ------------------------------------------------------------------------

    async def moderator_role(self, guild_id: int) -> int | None:
        return await self.inner.moderator_role(guild_id)

    async def set_moderator_role(
        self, guild_id: int, role_id: int | None, audit: AuditRecord
    ) -> None:
        await self.inner.set_moderator_role(guild_id, role_id, audit)

    async def versions(self, guild_id: int, kind: Kind, key: str) -> builtins.list[EntryVersion]:
        return await self.inner.versions(guild_id, kind, key)

    async def heads(self, guild_id: int, *, key: str | None = None) -> builtins.list[EntryVersion]:
        return await self.inner.heads(guild_id, key=key)

    async def next_number(self, guild_id: int) -> int:
        return await self.inner.next_number(guild_id)

    async def hidden(self, guild_id: int) -> builtins.list[HiddenEntry]:
        return await self.inner.hidden(guild_id)

    async def add_suggestion(
        self, suggestion: Suggestion, audit: AuditRecord, *, quota: Quota | None = None
    ) -> Suggestion:
        return await self.inner.add_suggestion(suggestion, audit, quota=quota)

    async def suggestion(self, guild_id: int, number: int) -> Suggestion | None:
        return await self.inner.suggestion(guild_id, number)

    async def suggestions(
        self,
        guild_id: int,
        status: SuggestionStatus = SuggestionStatus.PENDING,
        *,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[Suggestion]:
        return await self.inner.suggestions(guild_id, status, limit=limit, offset=offset)

    async def count_suggestions(
        self, guild_id: int, status: SuggestionStatus = SuggestionStatus.PENDING
    ) -> int:
        return await self.inner.count_suggestions(guild_id, status)

    async def suggestion_times(
        self, guild_id: int, user_id: int, since: datetime
    ) -> builtins.list[datetime]:
        return await self.inner.suggestion_times(guild_id, user_id, since)

    async def curated_reports(self, *, limit: int = 500) -> builtins.list[Suggestion]:
        return await self.inner.curated_reports(limit=limit)

    async def audit_log(
        self,
        guild_id: int,
        *,
        entry: tuple[Kind, str] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        return await self.inner.audit_log(guild_id, entry=entry, limit=limit, offset=offset)

    async def count_audit(self, guild_id: int) -> int:
        return await self.inner.count_audit(guild_id)

    async def export_guild(self, guild_id: int, at: datetime) -> GuildExport:
        return await self.inner.export_guild(guild_id, at)

    async def guild_ids(self) -> builtins.list[int]:
        return await self.inner.guild_ids()

"""The protocol of what moderation persists for each server (``ModerationStore``) and the
steps it writes (``EntryChange``, ``Quota``). ``bot.store.moderation`` implements it."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.models import Document, Kind
from bot.core.records import (
    AuditRecord,
    EntryVersion,
    GuildExport,
    HiddenEntry,
    Suggestion,
    SuggestionStatus,
)

__all__ = ["EntryChange", "ModerationStore", "Quota"]


@dataclass(frozen=True, slots=True)
class EntryChange:
    """One moderation step, written atomically by ``ModerationStore.commit``.

    ``versions``: new versions, each numbered one past its entry's latest (1 for a new entry);
    if any entry has moved on meanwhile, nothing is written and ``Conflict`` is raised.
    ``put``/``delete``: the server's documents made to match (the read path serves those).
    ``decided``: a suggestion leaving the queue with this step (``Conflict`` if it already left).
    """

    versions: tuple[EntryVersion, ...] = ()
    put: tuple[Document, ...] = ()
    delete: tuple[tuple[Kind, str], ...] = ()
    audit: tuple[AuditRecord, ...] = ()
    decided: Suggestion | None = None


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``limit`` suggestions by one author since ``since`` (checked by the store)."""

    limit: int
    since: datetime


class ModerationStore(Protocol):
    """What moderation persists for each server: versions, hidden curated entries, suggestions,
    the audit log and the moderator role. Every write is one transaction with its audit lines;
    the documents of a server's entries are written in the same transaction, so the read path
    (``Store``) always shows the latest active version and nothing else."""

    async def moderator_role(self, guild_id: int) -> int | None: ...

    async def set_moderator_role(
        self, guild_id: int, role_id: int | None, audit: AuditRecord
    ) -> None: ...

    async def commit(self, change: EntryChange) -> None:
        """Write ``change`` atomically; ``Conflict`` when a version or decision is stale."""
        ...

    async def versions(self, guild_id: int, kind: Kind, key: str) -> builtins.list[EntryVersion]:
        """Every version of one entry, oldest first (empty when it is not a server entry)."""
        ...

    async def heads(self, guild_id: int, *, key: str | None = None) -> builtins.list[EntryVersion]:
        """The latest version of each of the server's entries (of ``key`` only, when given),
        ordered by kind and key."""
        ...

    async def next_number(self, guild_id: int) -> int:
        """One past the highest n among the server's entry keys ``s<n>``."""
        ...

    async def commit_new(self, guild_id: int, make: Callable[[int], EntryChange]) -> EntryChange:
        """Write the change ``make(n)`` builds for a new entry ``s<n>``, n being allocated
        inside the write's transaction (one past the highest, as ``next_number``), so that
        moderators adding at once each get their own number; the change written is returned.
        ``Conflict`` as ``commit`` (a stale decision, a new speaker's slug taken meanwhile)."""
        ...

    async def hidden(self, guild_id: int) -> builtins.list[HiddenEntry]: ...

    async def hide(
        self, entry: HiddenEntry, audit: AuditRecord, *, decided: Suggestion | None = None
    ) -> None:
        """Hide a curated entry from one server; ``Conflict`` if it is hidden already. With
        ``decided``, a correction leaves the queue in the same transaction (``Conflict``, and
        nothing hidden, if it already left)."""
        ...

    async def unhide(self, guild_id: int, kind: Kind, key: str, audit: AuditRecord) -> None:
        """Show it again; ``Conflict`` if it was not hidden."""
        ...

    async def add_suggestion(
        self, suggestion: Suggestion, audit: AuditRecord, *, quota: Quota | None = None
    ) -> Suggestion:
        """Queue ``suggestion`` under the server's next number (its own ``number`` is
        ignored), with ``audit`` (``{number}`` in its detail replaced by that number). With
        ``quota``, the author's suggestions since ``quota.since`` are counted in the same
        transaction, and ``RateLimited`` is raised (nothing written) once they reach
        ``quota.limit``: concurrent submissions cannot slip past the limit."""
        ...

    async def suggestion(self, guild_id: int, number: int) -> Suggestion | None: ...

    async def suggestions(
        self,
        guild_id: int,
        status: SuggestionStatus = SuggestionStatus.PENDING,
        *,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[Suggestion]:
        """Suggestions of one status, oldest first."""
        ...

    async def count_suggestions(
        self, guild_id: int, status: SuggestionStatus = SuggestionStatus.PENDING
    ) -> int: ...

    async def suggestion_times(
        self, guild_id: int, user_id: int, since: datetime
    ) -> builtins.list[datetime]:
        """When ``user_id`` suggested something in this server after ``since``, oldest first
        (for the rate limit)."""
        ...

    async def curated_reports(self, *, limit: int = 500) -> builtins.list[Suggestion]:
        """Corrections of curated entries in every server, newest first (for the
        maintainers: ``python -m bot store reports``)."""
        ...

    async def audit_log(
        self,
        guild_id: int,
        *,
        entry: tuple[Kind, str] | None = None,
        limit: int = 25,
        offset: int = 0,
    ) -> builtins.list[AuditRecord]:
        """The server's audit log (about one ``entry`` only, when given), newest first."""
        ...

    async def count_audit(self, guild_id: int) -> int: ...

    async def export_guild(self, guild_id: int, at: datetime) -> GuildExport:
        """Everything the server added, as of ``at``."""
        ...

    async def import_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        """Restore ``export`` and the documents of its active entries; ``Conflict`` when the
        database already holds anything of that server."""
        ...

    async def guild_ids(self) -> builtins.list[int]:
        """Every server with moderation data (versions, hidden entries, suggestions, log lines
        or a moderator role), ascending: what ``python -m bot store copy`` copies."""
        ...

    async def sync_guild(self, export: GuildExport, documents: Sequence[Document]) -> None:
        """Make this database's moderation data of ``export``'s server equal it, for
        ``store copy``: versions and log lines it lacks are added (the log is append-only:
        lines past those it has), hidden entries, suggestions and the moderator role are made
        equal, ``documents`` (those of the active entries) are written and the documents of
        retired entries removed. Never removes a version."""
        ...

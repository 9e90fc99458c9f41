"""The Store protocol the services depend on. Backends in ``bot/store`` implement it.

Kept free of any backend's dialect: the core passes plain search *terms* (never query syntax)
and each backend quotes them for its own full-text engine.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.models import Document, Kind
from bot.core.records import (
    AuditRecord,
    EntryVersion,
    GuildExport,
    HiddenEntry,
    Outcome,
    PostRecord,
    Subscription,
    Suggestion,
    SuggestionStatus,
    UsageCount,
)

__all__ = [
    "Clock",
    "DeliveryFailed",
    "DigestPoster",
    "DigestStore",
    "EntryChange",
    "ModerationStore",
    "Quota",
    "SearchPage",
    "Store",
    "SyncReport",
    "UsageStore",
]


class Clock(Protocol):
    """The app's one clock (``bot.core.clock.SystemClock``; tests inject
    ``tests/fakeclock.FakeClock``), passed by the composition root (``bot.app``) to every
    service that stamps or waits: moderation, digests, usage, cooldowns. ``now`` is
    timezone-aware UTC."""

    def now(self) -> datetime: ...

    async def sleep_until(self, when: datetime) -> None:
        """Return once ``now() >= when`` (at once if it already is)."""
        ...


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What loading the curated data changed."""

    added: int
    updated: int
    removed: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of ranked hits; ``total`` is capped by the backend (see ``SEARCH_COUNT_CAP``)."""

    total: int
    hits: list[Document]


class Store(Protocol):
    """Persistence for documents. ``guild_id=None`` reads curated documents only; a guild id
    reads curated plus that guild's own documents."""

    async def migrate(self) -> int:
        """Apply pending numbered migrations; return the schema version now in force."""
        ...

    async def close(self) -> None: ...

    async def sync_curated(self, docs: Sequence[Document]) -> SyncReport:
        """Make the curated documents (guild 0) equal ``docs``: add new, update changed,
        remove those no longer present. Never touches any guild's own documents."""
        ...

    async def put(self, doc: Document) -> None:
        """Add or replace one server's own document (``doc.guild_id`` != 0); curated documents
        change only through ``sync_curated``."""
        ...

    async def delete(self, kind: Kind, key: str, guild_id: int) -> bool:
        """Remove one server's own document; whether it existed."""
        ...

    async def get(self, kind: Kind, key: str, guild_id: int | None = None) -> Document | None: ...

    async def list(
        self, kind: Kind, guild_id: int | None = None, *, limit: int = 1000, offset: int = 0
    ) -> builtins.list[Document]:
        """Documents of a kind ordered by key."""
        ...

    async def count(self, kind: Kind, guild_id: int | None = None) -> int: ...

    async def linked(
        self,
        kind: Kind,
        link_kind: str,
        link_key: str,
        guild_id: int | None = None,
        *,
        limit: int = 100,
    ) -> builtins.list[Document]:
        """Documents of ``kind`` that link to (``link_kind``, ``link_key``), ordered by key."""
        ...

    async def count_linked(self, link_kind: str, link_key: str, guild_id: int | None = None) -> int:
        """How many documents (of any kind) link to (``link_kind``, ``link_key``)."""
        ...

    async def names(
        self, kind: Kind, guild_id: int | None = None
    ) -> builtins.list[tuple[str, str]]:
        """Every (key, name) pair of a kind, for name lookup and autocomplete."""
        ...

    async def link_keys(self, link_kind: str, guild_id: int | None = None) -> builtins.list[str]:
        """Distinct keys of a link kind (e.g. every topic), sorted."""
        ...

    async def scope_keys(self, kind: Kind, guild_id: int) -> builtins.list[str]:
        """Keys of ``kind`` stored in exactly one scope, sorted: curated (0) or one server's
        own (what the digest's rotation goes through)."""
        ...

    async def random(
        self,
        kind: Kind,
        guild_id: int | None = None,
        *,
        link: tuple[str, str] | None = None,
        seed: float | None = None,
    ) -> Document | None:
        """One document of ``kind`` (optionally linked to ``link``), chosen uniformly by
        ``seed`` in [0, 1) (random when None)."""
        ...

    async def search(
        self,
        terms: Sequence[str],
        guild_id: int | None = None,
        *,
        kinds: Sequence[Kind] | None = None,
        limit: int = 10,
        offset: int = 0,
    ) -> SearchPage:
        """Documents containing every term (as words/prefix-free phrases), best first."""
        ...


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


# -- daily digests -------------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """A digest could not be delivered. ``pause``: it never will be until someone acts (the
    channel is gone, access was lost); ``retry``: the outcome is unknown or the failure may pass
    (Discord unavailable, a timeout). Neither: this day's post failed, the next day's may not."""

    def __init__(self, reason: str, *, pause: bool = False, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pause = pause
        self.retry = retry


class DigestPoster(Protocol):
    """The adapter's side of posting a digest into a channel."""

    async def send(self, channel_id: int, message: dict[str, Any]) -> int:
        """Post ``message`` (a rendered page) and return its id; ``DeliveryFailed`` if not."""
        ...

    async def find(self, channel_id: int, marker: str) -> int | None:
        """The id of a recent message of the bot's own in the channel whose embed footer holds
        ``marker``, or None; ``DeliveryFailed`` when the channel cannot be read."""
        ...


class DigestStore(Protocol):
    """What daily digests persist: each server's subscription and each day's post.

    ``claim`` is the guard against double posts: a (guild, day) pair can be claimed once, by a
    database constraint, whichever process asks first; the claim is written before sending and
    finished (``sent``/``failed``) after. A claim left open by a crash is taken over (``take_over``,
    compare-and-set on its token) once its lease has run out."""

    async def save_subscription(self, sub: Subscription) -> None:
        """Create or replace the server's subscription."""
        ...

    async def subscription(self, guild_id: int) -> Subscription | None: ...

    async def remove_subscription(self, guild_id: int, *, forget_posts: bool = False) -> bool:
        """Stop the server's digest (and drop its post history too); whether it had one."""
        ...

    async def active(self) -> builtins.list[tuple[Subscription, PostRecord | None]]:
        """Every subscription that is not paused, each with its latest post (claimed day)."""
        ...

    async def pause(self, guild_id: int, reason: str, at: datetime) -> None: ...

    async def claim(self, post: PostRecord) -> bool:
        """Record ``post`` (outcome None) unless its (guild, day) is claimed already; whether
        it was recorded. Raises the subscription's cycle to ``post.cycle``."""
        ...

    async def take_over(
        self, guild_id: int, day: date, token: str, new_token: str, at: datetime
    ) -> bool:
        """Make ``new_token`` the owner of the still-open claim owned by ``token`` (counting an
        attempt, restarting its lease at ``at``); False if it is not open or not ``token``'s."""
        ...

    async def finish(
        self,
        guild_id: int,
        day: date,
        token: str,
        outcome: Outcome,
        at: datetime,
        *,
        message_id: int | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record the outcome of ``token``'s open claim; False if it is not open or not theirs."""
        ...

    async def drop_failed(self, guild_id: int, day: date) -> bool:
        """Forget a failed (never sent) post of ``day``, so that day may be posted again."""
        ...

    async def post(self, guild_id: int, day: date) -> PostRecord | None: ...

    async def latest_post(
        self, guild_id: int, *, outcome: Outcome | None = None
    ) -> PostRecord | None:
        """The server's latest post (claimed day), or its latest with ``outcome``."""
        ...

    async def posted_keys(self, guild_id: int, cycle: int) -> set[str]:
        """Keys posted in the server's rotation ``cycle``: sent, or claimed and not failed."""
        ...


class UsageStore(Protocol):
    """Counts of what each server asked (``UsageCount``), one row per (server, UTC day, what,
    key), and a ping for the health check. Counts only: nothing a user typed is kept beyond
    the key it counts under."""

    async def ping(self) -> None:
        """Ask the database something trivial; raises when it does not answer."""
        ...

    async def add_usage(self, counts: Sequence[UsageCount]) -> None:
        """Add each ``count`` to its row (created at 0), in one transaction."""
        ...

    async def usage(self, guild_id: int, since: date) -> builtins.list[UsageCount]:
        """The server's rows from ``since`` (inclusive) on."""
        ...

    async def usage_totals(
        self, what_prefix: str, since: date, *, limit: int
    ) -> builtins.list[tuple[str, str, int, int]]:
        """Across servers: (what, key, total count, servers) for rows whose ``what`` starts
        with ``what_prefix``, from ``since`` on, most frequent first, at most ``limit``."""
        ...

    async def purge_usage(self, before: date) -> int:
        """Delete every row older than ``before``; how many."""
        ...

    async def forget_usage(self, guild_id: int) -> int:
        """Delete the server's rows; how many."""
        ...

"""The Store protocol the services depend on. Backends in ``bot/store`` implement it.

Kept free of any backend's dialect: the core passes plain search *terms* (never query syntax)
and each backend quotes them for its own full-text engine. The other stores' protocols are
beside it: ``bot.core.ports_moderation``, ``bot.core.ports_digest``, ``bot.core.ports_usage``.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.models import Document, Kind

__all__ = ["Clock", "SearchPage", "Store", "SyncReport"]


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

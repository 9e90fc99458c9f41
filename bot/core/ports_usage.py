"""The protocol of the usage counts behind /stats (``UsageStore``, in ``bot.store.usage``)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date
from typing import Protocol

from bot.core.records import (
    UsageCount,
)

__all__ = ["UsageStore"]


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

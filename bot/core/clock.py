"""The one real clock (``bot.core.ports.Clock``), built by the composition root (``bot.app``);
tests inject their own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

__all__ = ["MAX_NAP", "SystemClock"]

MAX_NAP = 300.0
"""Longest single sleep, in seconds: a sleep across a suspend or a clock change ends at most
this late."""


class SystemClock:
    """Wall-clock UTC time; sleeps in naps of at most ``MAX_NAP`` seconds, re-reading the clock
    after each, so a long sleep follows the wall clock rather than the event loop's timer."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, when: datetime) -> None:
        # Not an Event: nothing but time itself can end this wait.
        while (left := (when - self.now()).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(min(left, MAX_NAP))

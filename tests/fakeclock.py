"""A clock the tests move by hand (``bot.core.ports.Clock``): nothing sleeps for real."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """``now`` stays put until ``advance``/``set`` moves it; ``sleep_until`` returns once it
    has moved far enough. ``asleep`` says whether someone sleeps and nobody is due to wake (how
    a test knows the scheduler has caught up with the clock)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 3, 27, 6, 0, tzinfo=UTC)
        if self._now.utcoffset() is None:
            raise ValueError("the fake clock's time must be timezone-aware")
        self._moved = asyncio.Condition()
        self.pending: list[datetime] = []

    def now(self) -> datetime:
        return self._now

    @property
    def asleep(self) -> bool:
        return bool(self.pending) and all(when > self._now for when in self.pending)

    async def sleep_until(self, when: datetime) -> None:
        self.pending.append(when)
        try:
            async with self._moved:
                await self._moved.wait_for(lambda: self._now >= when)
        finally:
            self.pending.remove(when)

    async def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("the fake clock only moves forward")
        async with self._moved:
            self._now = moment
            self._moved.notify_all()
        await asyncio.sleep(0)

    async def advance(self, delta: timedelta) -> None:
        await self.set(self._now + delta)

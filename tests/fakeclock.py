"""A clock the tests move by hand (``bot.core.ports.Clock``): nothing sleeps for real."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta


class FakeClock:
    """``now`` stays put until ``advance``/``set`` moves it; ``sleep_until`` returns once it
    has moved far enough. ``sleepers`` says how many are waiting (to know the bot is idle)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2025, 3, 27, 6, 0, tzinfo=UTC)
        if self._now.utcoffset() is None:
            raise ValueError("the fake clock's time must be timezone-aware")
        self._moved = asyncio.Condition()
        self.sleepers = 0
        self.waits: list[datetime] = []

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, when: datetime) -> None:
        self.waits.append(when)
        self.sleepers += 1
        try:
            async with self._moved:
                await self._moved.wait_for(lambda: self._now >= when)
        finally:
            self.sleepers -= 1

    async def set(self, moment: datetime) -> None:
        if moment < self._now:
            raise ValueError("the fake clock only moves forward")
        async with self._moved:
            self._now = moment
            self._moved.notify_all()
        await asyncio.sleep(0)

    async def advance(self, delta: timedelta) -> None:
        await self.set(self._now + delta)

"""Per-user cooldowns: one policy for every command, on an injected clock.

A user may run one command ``rate`` times within any ``per`` window (a sliding window); the
next use within it is refused with how long to wait. Generous by default (``COOLDOWN_RATE=8``
per ``COOLDOWN_SECONDS=20``): a person never meets it, a script does. Autocomplete is not a
command and is never counted.
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta

from bot.core.errors import RateLimited
from bot.core.i18n import _, ngettext
from bot.core.ports import Clock

__all__ = ["Cooldowns"]

SWEEP_EVERY = 1024
"""Forget idle users every this many uses, so the table holds only the recently active."""


class Cooldowns:
    """``check(user, command)`` raises ``RateLimited`` ("try again in N s") past the rate."""

    def __init__(self, rate: int, per: timedelta, clock: Clock) -> None:
        if per <= timedelta(0):
            raise ValueError("the cooldown window must be positive")
        self.rate = rate
        self.per = per
        self.clock = clock
        self._uses: dict[tuple[int, str], deque[datetime]] = {}
        self._since_sweep = 0

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def retry_after(self, user_id: int, command: str) -> float | None:
        """Count a use and return None, or the seconds to wait (the use is not counted)."""
        if not self.enabled:
            return None
        now = self.clock.now()
        self._sweep(now)
        uses = self._uses.setdefault((user_id, command), deque())
        while uses and uses[0] <= now - self.per:
            uses.popleft()
        if len(uses) >= self.rate:
            return (uses[0] + self.per - now).total_seconds()
        uses.append(now)
        return None

    def check(self, user_id: int, command: str) -> None:
        wait = self.retry_after(user_id, command)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise RateLimited(
                _("You're using /{command} very fast; try again in {seconds} s.").format(
                    command=command, seconds=seconds
                ),
                hint=_("Each command can be used {rate} times in {window}.").format(
                    rate=self.rate, window=self._window()
                ),
            )

    def _window(self) -> str:
        seconds = self.per.total_seconds()
        if seconds == int(seconds):
            return ngettext("%(num)s second", "%(num)s seconds", int(seconds))
        return _("{seconds:g} seconds").format(seconds=seconds)

    def _sweep(self, now: datetime) -> None:
        self._since_sweep += 1
        if self._since_sweep < SWEEP_EVERY:
            return
        self._since_sweep = 0
        stale = [k for k, uses in self._uses.items() if not uses or uses[-1] <= now - self.per]
        for key in stale:
            del self._uses[key]

    def __len__(self) -> int:
        """How many (user, command) pairs are remembered."""
        return len(self._uses)

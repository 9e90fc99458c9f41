"""Skipping interactions Discord no longer accepts an answer to.

Discord takes the first answer to an interaction within 3 s of creating it. After a gateway
outage, the events sent meanwhile arrive together when the session resumes, long past that:
answering them only fails (404 Unknown interaction), once per interaction, with a traceback
each. ``ExpiryGuard`` looks at each interaction's age, as its snowflake id says, before
discord.py dispatches it, and skips one older than ``WINDOW`` with one log line that counts
the interactions skipped so far.

A host clock that is off would make every interaction look old (or young); the guard
measures ages against the youngest interaction of the last ``BASELINE`` seconds (skipped ones
included), so a steady clock offset cancels out, a clock that jumps is followed within
``BASELINE``, and only interactions late compared to their peers are skipped.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import discord

__all__ = ["BASELINE", "WINDOW", "ExpiryGuard"]

log = logging.getLogger(__name__)

WINDOW = 3.0  # seconds: Discord's deadline for the first answer
BASELINE = 600.0  # seconds of interactions the youngest age is taken from
_SAMPLES = 1000


def _age(data: Any, now: float) -> float | None:
    try:
        created = discord.utils.snowflake_time(int(data["id"])).timestamp()
    except (KeyError, TypeError, ValueError):
        return None
    return now - created


class ExpiryGuard:
    """Installed on a client's connection state, in front of its INTERACTION_CREATE parser."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self.skipped = 0
        # The youngest ages of the window, a sliding minimum: (sample number, monotonic, age),
        # ages increasing from the left, so the left end is the window's youngest (O(1) a
        # call, where taking the minimum of every sample cost ~0.26 ms an interaction).
        self._ages: deque[tuple[int, float, float]] = deque()
        self._samples = 0

    def install(self, client: discord.Client) -> None:
        parsers: dict[str, Callable[[Any], None]] = client._connection.parsers
        original = parsers["INTERACTION_CREATE"]

        def parse(data: Any) -> None:
            if not self.expired(data):
                original(data)

        parsers["INTERACTION_CREATE"] = parse

    def expired(self, data: Any, now: float | None = None) -> bool:
        """Whether ``data`` (an INTERACTION_CREATE payload) is past the window; logs it."""
        age = _age(data, time.time() if now is None else now)
        if age is None:
            return False
        tick = time.monotonic()
        self._samples += 1
        ages = self._ages
        while ages and (ages[0][1] < tick - BASELINE or ages[0][0] < self._samples - _SAMPLES):
            ages.popleft()  # older than BASELINE, or not among the last _SAMPLES
        baseline = min(age, ages[0][2]) if ages else age
        while ages and ages[-1][2] >= age:
            ages.pop()  # never the youngest again while this one is in the window
        ages.append((self._samples, tick, age))
        late = age - baseline
        if late <= self.window:
            return False
        self.skipped += 1
        what = (data.get("data") or {}).get("name") or (data.get("data") or {}).get("custom_id")
        log.warning(
            "skipped interaction %s (%s) received %.1f s after Discord created it, past its "
            "%.0f s window: a gateway outage? (%d skipped so far)",
            data.get("id"),
            what or f"type {data.get('type')}",
            age,
            self.window,
            self.skipped,
        )
        return True

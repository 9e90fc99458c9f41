"""Back on the gateway within seconds of an outage's end, not a minute.

Between failed attempts to reach the gateway, discord.py sleeps ``ExponentialBackoff().delay()``
(``Client.connect``; each shard's ``Shard`` keeps one too): a random wait in [0, 2^n] s, n
growing by one per failure up to 2^10 s, reset only after 2^11 s without failures. After a
gateway outage of a minute the bot is asleep for up to 64 s more when Discord is already back
(issue 13 measured 47 s; ``bench/reconnect_bench.py``).

``GatewayBackoff`` keeps that algorithm, full jitter and all, and caps the wait at
``MAX_RECONNECT_DELAY``: while the gateway is down the bot tries about every few seconds (a
TCP connection and a TLS handshake each: cheap; IDENTIFY's daily limit is not touched, since
the bot tries to RESUME first), and once it is back the bot is too, within the cap.

discord.py takes no backoff as a parameter: both modules build theirs from the name
``ExponentialBackoff`` they import (``discord.client``, ``discord.shard``). ``install`` binds
that name, in those two modules only, to the subclass; ``discord.ext.tasks`` and everything
else keep discord.py's own. discord.py also logs each failed attempt as an ERROR with a
traceback ("Attempting a reconnect in 1.52s"); an outage is not a bug in the bot, so those
records become one WARNING line naming the error (``OneLineReconnects``). Checked by
``tests/adapters/discord/test_faults_gateway.py`` against the installed discord.py: should a release
build its
backoff another way, the test fails, not the bot.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Literal

import discord.client
import discord.shard
from discord.backoff import ExponentialBackoff

__all__ = ["MAX_RECONNECT_DELAY", "GatewayBackoff", "OneLineReconnects", "install"]

MAX_RECONNECT_DELAY = 5.0  # seconds
_RESET_AFTER = 2**11  # seconds without a failure: start again from the shortest wait (as d.py)


class GatewayBackoff(ExponentialBackoff[Literal[False]]):
    """discord.py's exponential backoff with full jitter, its wait capped at ``cap`` seconds.

    ``cap`` is a class attribute, read at each delay, so a test can shorten every backoff
    discord.py builds (``tests/adapters/discord/test_faults_gateway.py`` waits out an outage
    of a few caps, not of ``MAX_RECONNECT_DELAY``'s)."""

    cap: float = MAX_RECONNECT_DELAY

    def __init__(self, base: int = 1, *, integral: Literal[False] = False) -> None:
        super().__init__(base, integral=integral)
        self._failures = 0
        self._last = time.monotonic()
        self._random = random.Random()

    def delay(self) -> float:
        now = time.monotonic()
        if now - self._last > _RESET_AFTER:
            self._failures = 0
        self._last = now
        self._failures = min(self._failures + 1, 30)
        return self._random.uniform(0, min(self.cap, 2.0**self._failures))


class OneLineReconnects(logging.Filter):
    """discord.py's "Attempting a reconnect" ERROR with a traceback -> a WARNING line naming
    the error; every other record passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Attempting a reconnect"):
            return True
        error = record.exc_info[1] if record.exc_info else None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        if error is not None:
            record.msg = f"{record.msg} (the gateway: %s)"
            what = f"{type(error).__name__}: {str(error)[:200]}"
            record.args = (*(record.args or ()), what)
        return True


_FILTER = OneLineReconnects()


def install() -> None:
    """Make discord.py's gateway reconnects (one connection or sharded) use ``GatewayBackoff``
    and log each attempt in one line. Idempotent; call before the client connects."""
    for module in (discord.client, discord.shard):
        vars(module)["ExponentialBackoff"] = GatewayBackoff
        logger = logging.getLogger(module.__name__)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

"""LISTEN on a connection of its own that comes back after the server does.

``PostgresStore.subscribe`` hears the other processes' changes (and its own writes' echoes,
``CachedStore.changed``) on one connection. When PostgreSQL stops or restarts, that
connection is gone for good: without ``Listener`` the process would never hear another
change (its cached answers would go stale) and wait out ``ECHO_WAIT`` on every write. The
listener connects again in the background, at most ``RETRY_MAX`` seconds apart, and then
tells its subscriber that anything may have changed meanwhile (``EVERYTHING_CHANGED``), since
the notices sent while it was away are lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg

__all__ = ["EVERYTHING_CHANGED", "Listener"]

log = logging.getLogger(__name__)

RETRY_MIN = 0.5
RETRY_MAX = 5.0
EVERYTHING_CHANGED = "|0|*"  # no process's token, change number 0, every scope ("*")


class Listener:
    """``callback(payload)`` for each notice on ``channel`` whose payload starts with
    ``prefix`` (given without it); reconnects when the connection is lost."""

    def __init__(
        self,
        dsn: str,
        settings: dict[str, str],
        channel: str,
        prefix: str,
        callback: Callable[[str], None],
    ) -> None:
        self._dsn = dsn
        self._settings = settings
        self._channel = channel
        self._prefix = prefix
        self._callback = callback
        self._conn: Any = None
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and LISTEN (raising if the server cannot be reached now)."""
        await self._connect()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn, server_settings=self._settings)
        await conn.add_listener(self._channel, self._heard)
        conn.add_termination_listener(self._lost)
        self._conn = conn

    def _heard(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        if isinstance(payload, str) and payload.startswith(self._prefix):
            self._callback(payload[len(self._prefix) :])

    def _lost(self, _conn: Any) -> None:
        if self._closed or self._task is not None:
            return
        log.warning("lost the connection that hears other processes' changes; reconnecting")
        self._task = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        delay = RETRY_MIN
        try:
            while not self._closed:
                await asyncio.sleep(delay)
                try:
                    await self._connect()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    delay = min(delay * 2, RETRY_MAX)
                    log.debug("still no connection to hear changes: %r", exc)
                    continue
                log.info("hearing other processes' changes again")
                self._callback(EVERYTHING_CHANGED)  # what was said meanwhile is lost
                return
        finally:
            self._task = None

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        conn = self._conn
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await conn.remove_listener(self._channel, self._heard)
            await conn.close()

"""``FakeDiscord``: the aiohttp server on 127.0.0.1, discord.py's patching, waiting, checks."""

# ruff: noqa: ASYNC109  (tests pass per-call deadlines that name what was awaited)

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import discord
import yarl
from aiohttp import web

from .gateway import RECONNECT, Session
from .interactions import InteractionsMixin
from .rest import API_PREFIX, build_app
from .world import WorldMixin

T = TypeVar("T")
JSON = dict[str, Any]
DEFAULT_TIMEOUT = 5.0


class _LogErrors(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.ERROR)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        self.sink.append(f"{record.name}: {text}")


class FakeDiscord(WorldMixin, InteractionsMixin):
    """A fake Discord (REST + gateway) for an unmodified discord.py client."""

    _runner: web.AppRunner | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    @classmethod
    @contextlib.asynccontextmanager
    async def running(
        cls, *, check_clean: bool = True, **options: Any
    ) -> AsyncIterator[FakeDiscord]:
        """Serve on 127.0.0.1:<free port> and point discord.py at it; restore on exit.

        With ``check_clean`` a clean exit also runs :meth:`assert_clean`."""
        fake = cls(**options)
        await fake.start()
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = fake.http_url + API_PREFIX
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.ws_url)
        try:
            yield fake
            if check_clean:
                fake.assert_clean()
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway
            await fake.stop()

    async def start(self) -> None:
        self._tick = asyncio.Event()
        self._runner = web.AppRunner(build_app(self), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextlib.asynccontextmanager
    async def client(
        self,
        bot: discord.Client,
        *,
        timeout: float = 10.0,
        guild_ready_timeout: float | None = 0.05,
    ) -> AsyncIterator[discord.Client]:
        """Run ``bot.start(token)`` in a task until READY (login, setup_hook and command sync
        included); close the bot at exit. discord.py waits ``guild_ready_timeout`` (2 s by
        default) after the last GUILD_CREATE before READY; unless None, it is set on the bot's
        connection state to keep tests fast."""
        handler = _LogErrors(self.log_errors)
        logging.getLogger("discord").addHandler(handler)
        if guild_ready_timeout is not None:
            bot._connection.guild_ready_timeout = guild_ready_timeout
        self.bot = bot
        self._bot_task = asyncio.create_task(bot.start(self.token), name="fake-discord-bot")
        self._bot_task.add_done_callback(lambda _: self._notify())
        try:
            await self.wait_for(bot.is_ready, "the bot to log in and become ready", timeout)
            yield bot
        finally:
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._bot_task, timeout)
            logging.getLogger("discord").removeHandler(handler)
            self.bot = None

    # --- gateway control -----------------------------------------------------------------------

    def _session(self) -> Session:
        return self.gateway.session_for(None)

    async def reconnect(self, *, timeout: float | None = None) -> None:
        """Send RECONNECT (op 7); wait until the client RESUMEs and gets RESUMED."""
        session = self._session()
        before = session.resumes
        await self.gateway.send_op(session, RECONNECT)
        await self.wait_for(lambda: session.resumes > before, "the bot to RESUME", timeout)

    async def disconnect(self, *, code: int = 4000, resume: bool = True) -> Session:
        """Drop the bot's connection (close ``code``); it reconnects by itself. With
        ``resume=False`` the session is invalidated first, so it must IDENTIFY again. Events
        dispatched meanwhile are replayed on RESUME."""
        session = self._session()
        if not resume:
            session.invalid = True
        self.gateway.close_connection(session, code)
        return session

    def gateway_down(self) -> None:
        """An outage: drop every connection (close code 4000, resumable) and refuse new ones
        with 503 until ``gateway_up``."""
        self.gateway.down = True
        for session in self.gateway.live_sessions():
            self.gateway.close_connection(session, 4000)

    def gateway_up(self) -> float:
        """End the outage; the loop time it ended (``gateway.attempts`` says when the bot
        came back: its next IDENTIFY or RESUME)."""
        self.gateway.down = False
        self._notify()
        return asyncio.get_running_loop().time()

    async def wait_resumed(
        self, session: Session, count: int = 1, timeout: float | None = None
    ) -> None:
        await self.wait_for(lambda: session.resumes >= count, "the bot to RESUME", timeout)

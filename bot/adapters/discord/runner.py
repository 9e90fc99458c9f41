"""Running the Discord bot: start, sync, and stop gracefully on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator

import discord
import yarl

from bot.adapters.discord.client import FactBot, make_bot
from bot.adapters.discord.tree import FactTree
from bot.app import build_app
from bot.core.errors import as_unavailable
from bot.settings import Settings

__all__ = ["run_async", "run_bot", "serve", "sync_async", "sync_commands"]

log = logging.getLogger(__name__)
DRAIN_SECONDS = 10.0
MISSING_TOKEN = "DISCORD_TOKEN is not set; put it in .env or the environment."
REJECTED_TOKEN = (
    "Discord rejected DISCORD_TOKEN; copy the bot token again from the Developer Portal."
)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


async def drain_and_close(bot: FactBot, *, seconds: float = DRAIN_SECONDS) -> None:
    """Stop taking new interactions, let those in flight finish, then close."""
    bot.fact_tree.accepting = False
    try:
        await asyncio.wait_for(bot.fact_tree.idle.wait(), seconds)
    except TimeoutError:
        log.warning("closing with %d interactions still in flight", bot.fact_tree.in_flight)
    await bot.close()


async def serve(bot: FactBot, token: str, stop: asyncio.Event) -> None:
    """Run ``bot`` until it ends or ``stop`` is set, then drain and close."""
    runner = asyncio.create_task(bot.start(token))
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if stopper in done:
        log.info("stopping: finishing in-flight interactions")
        await drain_and_close(bot)
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    else:
        stopper.cancel()
        await bot.close()
        runner.result()  # re-raise what ended the bot


def use_discord_urls(settings: Settings) -> None:
    """Point discord.py at ``DISCORD_API_BASE``/``DISCORD_GATEWAY_URL`` when set (the
    benchmark's loopback fake of Discord); unset, discord.py keeps Discord's own URLs."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def _database_problem(exc: Exception) -> str | None:
    """One line saying why the database cannot be used at start, or None for a bug."""
    if as_unavailable(exc) is None and not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc) or exc.__class__.__name__
    hint = ""
    if "readonly" in text.replace("-", "").replace(" ", ""):
        hint = (
            "; the bot must be able to write the database file and its folder (SQLite keeps "
            "a -wal and a -shm file beside it)"
        )
    return f"the database (DATABASE_URL) cannot be used: {text}{hint}."


GC_THRESHOLDS = (2_000, 5, 1_000)
"""The cyclic collector's thresholds while the bot serves (Python's default: 700, 10, 10).

With the defaults, under load, each young collection finds the objects of the answers in
flight still alive and promotes them, and full collections then walked 30,000-99,000 of them,
25-160 ms each (``bench.discord_bench``'s "gc max"), a pause in the p99 of every answer in
flight. Here the middle generation is collected every 5 young collections, so it never holds
more than some 10,000 objects: measured on the curated store, the longest collection of a
command's runs went from 35-90 ms to 5-13 ms (with (5,000, 20, 100) the middle collections
took 43-74 ms; with (20,000, 10, 10) the young ones alone 12-30 ms). Full collections are left
to quiet moments (``_collect_when_quiet``); one comes on its own only after 1,000 middle
collections (some ten million allocations), for a bot that is never quiet. With 100 there,
a full collection still landed in the middle of a burst and walked the 600 answers in flight
and the HTTP connections they opened: 47-161 ms."""

QUIET = 1.0
"""Seconds with no command or autocomplete in flight after which a full collection may run.
At 100,000 facts one takes some 100 ms (the answer cache and the open connections live in the
oldest generation); after a quarter of a second of quiet, one landed as a burst began and
made its p99 23-44 ms."""
QUIET_CHECK = 0.25  # seconds between looks


async def _collect_when_quiet(tree: FactTree) -> None:
    """Run a full collection once nothing has been in flight for ``QUIET`` seconds, if any
    middle collection happened since the last one (else there is nothing new to walk). The
    pause then delays no answer in flight, and what it walks is what lives on (caches, open
    connections), not the objects of answers being made. Buttons and forms are not counted in
    flight: one pressed during the pause waits for it."""
    while True:
        await asyncio.sleep(QUIET_CHECK)
        quiet = tree.in_flight == 0 and time.monotonic() - tree.idle_since >= QUIET
        if quiet and gc.get_count()[2] > 0:
            gc.collect()


def _freeze_what_the_start_made() -> None:
    """Collect once, then ``gc.freeze()`` what is left: the modules, discord.py's client, the
    services and the curated snapshot live as long as the process, and the cyclic collector
    would otherwise walk all of them on each full collection: on the curated store 131,000
    objects, 89-107 ms a collection (0 ms once frozen), a pause that lands in the p99 of
    whatever answers are in flight. Frozen objects are still freed by reference counting.
    Done when the app is built, and again once discord.py is ready (its connection state,
    the synced command tree and the servers' caches are as long-lived)."""
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def _collector_set_for_serving(bot: FactBot) -> AsyncIterator[None]:
    """While ``bot`` serves: what the start made frozen (now, and again once discord.py is
    ready), the collector's ``GC_THRESHOLDS`` and full collections in quiet moments; as they
    were again after."""
    previous = gc.get_threshold()
    _freeze_what_the_start_made()
    gc.set_threshold(*GC_THRESHOLDS)

    async def on_ready() -> None:
        _freeze_what_the_start_made()

    bot.add_listener(on_ready)
    collecting = asyncio.create_task(_collect_when_quiet(bot.fact_tree))
    try:
        yield
    finally:
        collecting.cancel()
        bot.remove_listener(on_ready)
        gc.set_threshold(*previous)
        gc.unfreeze()


async def _run(settings: Settings, token: str) -> int:
    use_discord_urls(settings)
    async with contextlib.AsyncExitStack() as stack:
        try:
            app = await stack.enter_async_context(build_app(settings))
        except Exception as exc:
            problem = _database_problem(exc)
            if problem is None:
                raise
            return _fail(problem)
        bot = make_bot(app)
        await stack.enter_async_context(_collector_set_for_serving(bot))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows
                loop.add_signal_handler(sig, stop.set)
        try:
            await serve(bot, token, stop)
        except discord.LoginFailure:
            return _fail(REJECTED_TOKEN)
        except discord.PrivilegedIntentsRequired:
            return _fail("Discord refused the requested intents for this application.")
        except (OSError, discord.GatewayNotFound) as exc:
            return _fail(f"could not reach Discord ({exc.__class__.__name__}: {exc}).")
    return 0


async def run_async(settings: Settings) -> int:
    token = settings.token
    if token is None:
        return _fail(MISSING_TOKEN)
    return await _run(settings, token)


def run_bot(settings: Settings) -> int:
    if settings.token is None:
        return _fail(MISSING_TOKEN)
    return asyncio.run(run_async(settings))


async def _sync(settings: Settings, token: str, guild: int | None) -> int:
    async with build_app(settings) as app:
        bot = FactBot(app, sync_on_start=False)
        try:
            await bot.login(token)
            if guild:
                bot.tree.copy_global_to(guild=discord.Object(guild))
            await bot.sync_commands(guild, force=True)
        except discord.LoginFailure:
            return _fail(REJECTED_TOKEN)
        except discord.HTTPException as exc:
            return _fail(f"Discord refused the sync ({exc.status}: {exc.text[:200]}).")
        finally:
            await bot.close()
    print(f"commands registered {'in server ' + str(guild) if guild else 'globally'}")
    return 0


async def sync_async(settings: Settings, guild: int | None) -> int:
    token = settings.token
    if token is None:
        return _fail(MISSING_TOKEN)
    return await _sync(settings, token, guild)


def sync_commands(settings: Settings, guild: int | None) -> int:
    if settings.token is None:
        return _fail(MISSING_TOKEN)
    return asyncio.run(sync_async(settings, guild))

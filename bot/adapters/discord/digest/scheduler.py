"""The daily digests' one timer, and posting into channels through discord.py.

``DigestScheduler`` keeps, for each server this process holds (``bot.get_guild`` answers),
when its digest next needs attention, in a heap (``DueQueue``), and sleeps until the earliest
of them: an idle server costs nothing between its posts. A change (``/digest``, a server
becoming available or leaving) recomputes that one server and wakes the timer; every
``RELOAD_EVERY`` the whole schedule is read again, which picks up changes other processes
made. What is due runs as its own task, a few at a time, so a slow channel delays no other
server. The decisions (claim, send, record, catch up) are ``DigestService.run``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.respond import NO_PINGS, to_embeds
from bot.adapters.discord.shards import holds
from bot.adapters.discord.state_items import view_of
from bot.core.digest.plan import DueQueue
from bot.core.digest.service import DigestService
from bot.core.i18n import reading_in
from bot.core.ports_digest import DeliveryFailed

__all__ = ["CLOSE_GRACE", "HISTORY_LIMIT", "RELOAD_EVERY", "ChannelPoster", "DigestScheduler"]

log = logging.getLogger(__name__)

RELOAD_EVERY = timedelta(hours=1)
ERROR_PAUSE = timedelta(minutes=5)
HISTORY_LIMIT = 50
CONCURRENT_POSTS = 8
CLOSE_GRACE = 10.0
UNKNOWN_CHANNEL, MISSING_ACCESS, MISSING_PERMISSIONS = 10003, 50001, 50013
RATE_LIMITED = 429
RATE_LIMIT_TRIES = 4  # each after discord.py's own tries; within SEND_TIMEOUT (120 s)
MAX_RATE_WAIT = 25.0
DEFAULT_RATE_WAIT = 5.0


def _retry_after(exc: discord.HTTPException) -> float:
    """The seconds a 429 asked to wait (its body's ``retry_after``, else its headers)."""
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(0.0, float(headers.get(name, "")))
        except ValueError:
            continue
    return DEFAULT_RATE_WAIT


def _failure(exc: discord.HTTPException, *, reading: bool = False) -> DeliveryFailed:
    """What a refused request means for the digest (see ``DeliveryFailed``)."""
    said = f"Discord said {exc.status}: {exc.text or 'no reason given'} (code {exc.code})"
    if isinstance(exc, discord.NotFound) or exc.code == UNKNOWN_CHANNEL:
        return DeliveryFailed(
            f"The digest channel no longer exists; choose another with /digest set. ({said})",
            pause=True,
        )
    if isinstance(exc, discord.Forbidden) or exc.code in (MISSING_ACCESS, MISSING_PERMISSIONS):
        doing = "read recent messages in" if reading else "post in"
        return DeliveryFailed(
            f"I may no longer {doing} the digest channel. Give me View Channel, Send Messages, "
            f"Embed Links and Read Message History there, then run /digest set again. ({said})",
            pause=True,
        )
    if exc.status >= 500 or exc.status == RATE_LIMITED:
        return DeliveryFailed(f"Discord is having trouble. ({said})", retry=True)
    return DeliveryFailed(f"Discord refused the digest. ({said})")


class ChannelPoster:
    """``DigestPoster`` through discord.py: send into a channel, look through its history."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.abc.Messageable):
            return channel
        return self.bot.get_partial_messageable(channel_id)  # let Discord say what is wrong

    async def send(self, channel_id: int, message: dict[str, Any]) -> int:
        """Post ``message``. A rate limit is temporary: discord.py waits out each 429's
        ``retry_after`` a few times itself; when it gives up, this waits ``retry_after`` again
        and retries, up to ``RATE_LIMIT_TRIES`` times, and then leaves the claim open to be
        tried again later the same day (``DeliveryFailed(retry=True)``), never failing the day
        for it."""
        view = view_of(message.get("components", []))
        content, embeds = message.get("content"), to_embeds(message)
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            try:
                channel = self._channel(channel_id)
                sent = await (
                    channel.send(
                        content=content, embeds=embeds, allowed_mentions=NO_PINGS, view=view
                    )
                    if view is not None
                    else channel.send(content=content, embeds=embeds, allowed_mentions=NO_PINGS)
                )
            except discord.RateLimited as exc:  # a wait over discord.py's max_ratelimit_timeout
                wait = exc.retry_after
            except discord.HTTPException as exc:
                if exc.status != RATE_LIMITED:
                    raise _failure(exc) from exc
                wait = _retry_after(exc)
            except (aiohttp.ClientError, OSError) as exc:
                raise DeliveryFailed(f"Could not reach Discord ({exc!r}).", retry=True) from exc
            else:
                return sent.id
            log.warning(
                "digest to channel %s rate limited (try %d of %d); retrying in %.1f s",
                channel_id,
                attempt,
                RATE_LIMIT_TRIES,
                wait,
            )
            if attempt < RATE_LIMIT_TRIES:
                await asyncio.sleep(min(wait, MAX_RATE_WAIT))
        raise DeliveryFailed("Discord kept rate limiting the post; trying again later.", retry=True)

    async def find(self, channel_id: int, marker: str) -> int | None:
        me = self.bot.user
        try:
            async for message in self._channel(channel_id).history(limit=HISTORY_LIMIT):
                mine = me is not None and message.author.id == me.id
                if mine and any(marker in (e.footer.text or "") for e in message.embeds):
                    return message.id
        except discord.HTTPException as exc:
            raise _failure(exc, reading=True) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise DeliveryFailed(f"Could not reach Discord ({exc!r}).", retry=True) from exc
        return None


class DigestScheduler:
    """One task sleeping until the next digest is due. ``start`` in ``setup_hook``; ``close``
    before the client closes; ``changed(guild_id)`` whenever a server's digest may have."""

    def __init__(self, bot: discord.Client, digests: DigestService) -> None:
        self.bot = bot
        self.digests = digests
        self.clock = digests.clock
        self.poster = ChannelPoster(bot)
        self.queue = DueQueue()
        self._changed: set[int] = set()
        self._reload_at: datetime | None = None  # None: read everything on the next step
        self._wake = asyncio.Event()
        self._posting: dict[int, asyncio.Task[None]] = {}
        self._limit = asyncio.Semaphore(CONCURRENT_POSTS)
        self._task: asyncio.Task[None] | None = None
        self.grace = CLOSE_GRACE
        self._stopping = False
        self._waiting = False  # the loop is asleep or waiting for READY: safe to cancel

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="digest-scheduler")

    async def close(self) -> None:
        """Stop: take no new work, give the work in hand up to ``grace`` seconds to end at a
        safe point (a claim half written is worse than a post delayed), then cancel it."""
        grace = self.grace
        self._stopping = True
        self._wake.set()
        main = self._task
        if main is not None and self._waiting:
            main.cancel()  # asleep or waiting for READY: nothing is half done
        tasks = [t for t in (main, *self._posting.values()) if t is not None]
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for task in late:
                log.warning("digest work still running after %.0f s; cancelling it", grace)
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = None

    def changed(self, guild_id: int) -> None:
        """Recompute this server's next due time and wake the timer."""
        self._changed.add(guild_id)
        self._wake.set()

    def held(self, guild_id: int) -> bool:
        """Whether this process posts for the server: it is on one of this process's shards
        (``SHARD_IDS``) and Discord has it available. The cache holds only servers on this
        process's shards anyway; the shard check says so outright. Two processes given the
        same shard both post for its servers, and the claim in the database (one per server
        and local date) lets only one of them send."""
        if not holds(self.bot, guild_id):
            return False
        guild = self.bot.get_guild(guild_id)
        return guild is not None and not guild.unavailable

    @property
    def alive(self) -> bool:
        """The scheduler's task is running (for the health check)."""
        return self._task is not None and not self._task.done()

    @property
    def idle(self) -> bool:
        """Nothing is being posted right now (for tests and shutdown)."""
        return not self._posting and not self._changed

    async def _run(self) -> None:
        self._waiting = True
        await self.bot.wait_until_ready()
        self._waiting = False
        while not self._stopping:
            try:
                await self._step()
            except Exception:
                log.exception("the digest scheduler failed; trying again in %s", ERROR_PAUSE)
                await self._sleep(self.clock.now() + ERROR_PAUSE)

    async def _step(self) -> None:
        self._wake.clear()
        now = self.clock.now()
        if self._reload_at is None or now >= self._reload_at:
            queue = DueQueue()
            for guild_id, due in await self.digests.schedule(self.held):
                queue.set(guild_id, due)
            self.queue = queue
            self._reload_at = now + RELOAD_EVERY
            log.info("digest schedule loaded: %d servers, next at %s", len(queue), queue.earliest())
        while self._changed:
            guild_id = self._changed.pop()
            if guild_id not in self._posting:  # else recomputed when the post is done
                held = self.held(guild_id)
                self.queue.set(guild_id, await self.digests.next_due(guild_id) if held else None)
        for guild_id in self.queue.pop_due(self.clock.now()):
            if guild_id not in self._posting and not self._stopping:
                task = asyncio.create_task(self._post(guild_id), name=f"digest-{guild_id}")
                self._posting[guild_id] = task
        earliest = self.queue.earliest()
        wake_at = self._reload_at if earliest is None else min(earliest, self._reload_at)
        await self._sleep(wake_at)

    async def _sleep(self, until: datetime) -> None:
        if self._wake.is_set():
            return
        sleeper = asyncio.ensure_future(self.clock.sleep_until(until))
        waker = asyncio.ensure_future(self._wake.wait())
        self._waiting = True
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self._waiting = False
            for task in (sleeper, waker):
                task.cancel()

    def _language(self, guild_id: int) -> str | None:
        guild = self.bot.get_guild(guild_id)
        return guild.preferred_locale.value if guild is not None else None

    async def _post(self, guild_id: int) -> None:
        failed = False
        try:
            async with self._limit:
                if self.held(guild_id):
                    # The digest is written in the server's language (its "preferred locale").
                    with reading_in(self._language(guild_id)):
                        await self.digests.run(guild_id, self.poster)
        except Exception:
            failed = True
            log.exception(
                "the digest of guild %s failed; trying again in %s", guild_id, ERROR_PAUSE
            )
        finally:
            del self._posting[guild_id]
        if failed:  # not at once: whatever broke may break again
            self.queue.set(guild_id, self.clock.now() + ERROR_PAUSE)
            self._wake.set()
        else:
            self.changed(guild_id)

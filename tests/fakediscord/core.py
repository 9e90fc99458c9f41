"""``FakeBase``: the state every part of the fake shares, waiting with deadlines, and checks."""

# ruff: noqa: ASYNC109  (tests pass per-call deadlines that name what was awaited)

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .gateway import Gateway
from .limits import check_payload
from .models import DM, FakeChannel, FakeGuild, FakeUser, Snowflakes, as_id
from .records import MISSING_ACCESS, ApiError, Failure, RecordedRequest, Violation

if TYPE_CHECKING:
    import discord

    from .reply import Reply

T = TypeVar("T")
JSON = dict[str, Any]
DEFAULT_TIMEOUT = 5.0
POLL_INTERVAL = 0.02
EVENT_POLL = 0.25


class FakeBase:
    """State and plumbing; :class:`FakeDiscord` adds the world, interactions and lifecycle."""

    def __init__(
        self,
        *,
        token: str = "fake-token",
        bot_name: str = "FakeBot",
        strict: bool = True,
        callback_deadline: float = 3.0,
        heartbeat_interval_ms: int = 41_250,
        shard_count: int = 1,
    ) -> None:
        self.token = token
        self.strict = strict  # answer violating bodies with 400 Invalid Form Body, like Discord
        self.callback_deadline = callback_deadline
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.shard_count = shard_count
        self.ids = Snowflakes()
        self.bot_user = FakeUser(self.ids.next(), bot_name, bot=True)
        self.owner = FakeUser(self.ids.next(), "owner")
        self.default_user = FakeUser(self.ids.next(), "tester", global_name="Tester")
        self.users: dict[int, FakeUser] = {}
        for u in (self.bot_user, self.owner, self.default_user):
            self.users[u.id] = u
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, JSON] = {}
        self.channel_messages: defaultdict[int, list[JSON]] = defaultdict(list)
        self.commands: dict[int | None, list[JSON]] = {}  # None: global commands
        self.user_installs: set[int] = set()  # users who added the app to their account
        self.requests: list[RecordedRequest] = []
        self.unknown_requests: list[RecordedRequest] = []
        self.violations: list[Violation] = []
        self.log_errors: list[str] = []  # ERROR records logged by discord.py while running
        self.server_errors: list[str] = []  # exceptions inside the fake's handlers
        self.failures: list[Failure] = []
        self.interactions: dict[str, Reply] = {}
        self.gateway = Gateway(self)
        self._tick = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.port = 0
        self.bot: discord.Client | None = None
        self._bot_task: asyncio.Task[None] | None = None

    @property
    def app_id(self) -> int:
        return self.bot_user.id

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    # --- waiting -------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    def _context(self) -> str:
        lines = [f"  {r.method} {r.path} -> {r.status}" for r in self.requests[-8:]]
        text = "\nlast requests:\n" + ("\n".join(lines) or "  (none)")
        if self.log_errors:
            text += "\nerrors logged by discord.py:\n  " + "\n  ".join(self.log_errors[-5:])
        if self.gateway.errors:
            text += "\ngateway errors:\n  " + "\n  ".join(self.gateway.errors[-5:])
        return text

    async def wait_for(
        self,
        predicate: Callable[[], T],
        what: str,
        timeout: float | None = None,
        *,
        event: asyncio.Event | None = None,
    ) -> T:
        """Wait until ``predicate()`` is truthy and return it; AssertionError after timeout.

        With ``event``, wake when it is set (and every ``EVENT_POLL`` seconds, to notice a
        crashed bot) instead of on every request: many concurrent waiters stay cheap."""
        limit = DEFAULT_TIMEOUT if timeout is None else timeout
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            result = predicate()
            if result:
                return result
            task = self._bot_task
            if task is not None and task.done() and not task.cancelled() and task.exception():
                raise AssertionError(f"the bot crashed while waiting for {what}") from (
                    task.exception()
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {limit} s waiting for {what}{self._context()}"
                )
            # Woken by every request/gateway message; polls too, for state inside the bot.
            wake, poll = (self._tick, POLL_INTERVAL) if event is None else (event, EVENT_POLL)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(remaining, poll))

    async def wait_for_request(
        self, method: str, path: str, *, count: int = 1, timeout: float | None = None
    ) -> list[RecordedRequest]:
        """Wait for ``count`` requests whose path fully matches the regex ``path``."""
        await self.wait_for(
            lambda: len(self.requests_to(method, path)) >= count,
            f"{count} x {method} {path}",
            timeout,
        )
        return self.requests_to(method, path)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        rx = re.compile(path)
        return [r for r in self.requests if r.method == method and rx.fullmatch(r.path)]

    # --- checks --------------------------------------------------------------------------------

    def check(self, kind: str, body: Any, request: RecordedRequest | None) -> list[str]:
        errors = check_payload(kind, body)
        if errors:
            self.violations.append(Violation(kind, request, errors))
        return errors

    def violation(self, kind: str, request: RecordedRequest | None, message: str) -> None:
        self.violations.append(Violation(kind, request, [message]))

    def assert_clean(self, *, unknown: bool = True) -> None:
        """No limit violations, no protocol errors, no errors logged by discord.py (such as an
        exception in a command), and (optionally) no requests to unknown routes."""
        problems = [str(v) for v in self.violations]
        problems += self.gateway.errors
        problems += [f"fake Discord bug: {e}" for e in self.server_errors]
        problems += [f"logged by discord.py: {e}" for e in self.log_errors]
        if unknown:
            problems += [f"unknown route {r.method} {r.path}" for r in self.unknown_requests]
        assert not problems, "fake Discord saw problems:\n" + "\n".join(problems)

    # --- errors injected by tests --------------------------------------------------------------

    def fail(self, method: str, path: str, error: ApiError, *, times: int | None = None) -> None:
        """Answer requests matching ``method`` ("*" = any) and the regex ``path`` with ``error``."""
        self.failures.append(Failure(method, re.compile(path), error, times))

    def fail_channel(self, channel: Any, error: ApiError | None = MISSING_ACCESS) -> None:
        """Every request on this channel fails with ``error`` (None clears)."""
        pattern = f"/channels/{as_id(channel)}(/.*)?"
        self.failures = [f for f in self.failures if f.pattern.pattern != pattern]
        if error is not None:
            self.fail("*", pattern, error)

    def failure_for(self, method: str, path: str) -> ApiError | None:
        for failure in self.failures:
            if failure.method in ("*", method) and failure.pattern.fullmatch(path):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self.failures.remove(failure)
                return failure.error
        return None

    # --- lookups -------------------------------------------------------------------------------

    def dm_channel(self, user: FakeUser) -> FakeChannel:
        for ch in self.channels.values():
            if ch.type == DM and ch.recipient is not None and ch.recipient.id == user.id:
                return ch
        channel = FakeChannel(self.ids.next(), "", None, type=DM, recipient=user)
        self.channels[channel.id] = channel
        return channel

    def guild_of(self, channel_id: int) -> FakeGuild | None:
        ch = self.channels.get(channel_id)
        return self.guilds.get(ch.guild_id) if ch and ch.guild_id else None

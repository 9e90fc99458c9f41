"""The protocols of daily digests: what they persist (``DigestStore``, in ``bot.store.digest``)
and how a post reaches a channel (``DigestPoster``, the Discord adapter's)."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any, Protocol

from bot.core.records import (
    Outcome,
    PostRecord,
    Subscription,
)

__all__ = ["DeliveryFailed", "DigestPoster", "DigestStore"]


class DeliveryFailed(Exception):
    """A digest could not be delivered. ``pause``: it never will be until someone acts (the
    channel is gone, access was lost); ``retry``: the outcome is unknown or the failure may pass
    (Discord unavailable, a timeout). Neither: this day's post failed, the next day's may not."""

    def __init__(self, reason: str, *, pause: bool = False, retry: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pause = pause
        self.retry = retry


class DigestPoster(Protocol):
    """The adapter's side of posting a digest into a channel."""

    async def send(self, channel_id: int, message: dict[str, Any]) -> int:
        """Post ``message`` (a rendered page) and return its id; ``DeliveryFailed`` if not."""
        ...

    async def find(self, channel_id: int, marker: str) -> int | None:
        """The id of a recent message of the bot's own in the channel whose embed footer holds
        ``marker``, or None; ``DeliveryFailed`` when the channel cannot be read."""
        ...


class DigestStore(Protocol):
    """What daily digests persist: each server's subscription and each day's post.

    ``claim`` is the guard against double posts: a (guild, day) pair can be claimed once, by a
    database constraint, whichever process asks first; the claim is written before sending and
    finished (``sent``/``failed``) after. A claim left open by a crash is taken over (``take_over``,
    compare-and-set on its token) once its lease has run out."""

    async def save_subscription(self, sub: Subscription) -> None:
        """Create or replace the server's subscription."""
        ...

    async def subscription(self, guild_id: int) -> Subscription | None: ...

    async def remove_subscription(self, guild_id: int, *, forget_posts: bool = False) -> bool:
        """Stop the server's digest (and drop its post history too); whether it had one."""
        ...

    async def active(self) -> builtins.list[tuple[Subscription, PostRecord | None]]:
        """Every subscription that is not paused, each with its latest post (claimed day)."""
        ...

    async def pause(self, guild_id: int, reason: str, at: datetime) -> None: ...

    async def claim(self, post: PostRecord) -> bool:
        """Record ``post`` (outcome None) unless its (guild, day) is claimed already; whether
        it was recorded. Raises the subscription's cycle to ``post.cycle``."""
        ...

    async def take_over(
        self, guild_id: int, day: date, token: str, new_token: str, at: datetime
    ) -> bool:
        """Make ``new_token`` the owner of the still-open claim owned by ``token`` (counting an
        attempt, restarting its lease at ``at``); False if it is not open or not ``token``'s."""
        ...

    async def finish(
        self,
        guild_id: int,
        day: date,
        token: str,
        outcome: Outcome,
        at: datetime,
        *,
        message_id: int | None = None,
        detail: str | None = None,
    ) -> bool:
        """Record the outcome of ``token``'s open claim; False if it is not open or not theirs."""
        ...

    async def drop_failed(self, guild_id: int, day: date) -> bool:
        """Forget a failed (never sent) post of ``day``, so that day may be posted again."""
        ...

    async def post(self, guild_id: int, day: date) -> PostRecord | None: ...

    async def latest_post(
        self, guild_id: int, *, outcome: Outcome | None = None
    ) -> PostRecord | None:
        """The server's latest post (claimed day), or its latest with ``outcome``."""
        ...

    async def posted_keys(self, guild_id: int, cycle: int) -> set[str]:
        """Keys posted in the server's rotation ``cycle``: sent, or claimed and not failed."""
        ...

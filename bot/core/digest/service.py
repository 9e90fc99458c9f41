"""Daily digests: the use cases behind ``/digest`` and the scheduler's single step, ``run``.

Exactly one post per server and local day, whatever crashes, reconnects or extra processes do:

1. ``claim``: a row for (guild, day) naming the fact, written before anything is sent. The
   database's UNIQUE constraint lets one claim win; whoever loses does nothing.
2. send, then ``finish`` the claim with the outcome: ``sent`` (with the message id) or
   ``failed`` (with the reason; a deleted channel or lost access also pauses the digest).
3. A claim still open after its lease (``LEASE``) means its owner died or could not tell
   whether the send worked. Whoever takes it over (compare-and-set on its token) first looks in
   the channel for the day's digest (its footer names the day) and records it as sent if it is
   there; otherwise it sends, unless the day is over (never a backlog) or it has tried
   ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.core.digest._picker import FactPicker
from bot.core.digest.answers import DigestAnswer, DigestStatus
from bot.core.digest.plan import (
    LEASE,
    Outcome,
    PostRecord,
    Schedule,
    Subscription,
    digest_marker,
    due_time,
    english_digest_marker,
    legacy_digest_marker,
    next_post,
    parse_time,
    resolve_timezone,
)
from bot.core.digest.render import render_digest
from bot.core.errors import Invalid, NotFound
from bot.core.i18n import N_, _
from bot.core.models import Document, Kind
from bot.core.observe import NO_METRICS, DigestEvent, Metrics
from bot.core.permissions import Member, Permissions
from bot.core.ports import Clock, Store
from bot.core.ports_digest import DeliveryFailed, DigestPoster, DigestStore

__all__ = ["MAX_ATTEMPTS", "SEND_TIMEOUT", "DigestChannel", "DigestService"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""Owners a day's claim may have before the day is given up as failed."""
SEND_TIMEOUT = 120.0
"""Seconds a send may take before its outcome counts as unknown (checked after the lease)."""
ASK_A_MODERATOR = N_("Ask someone who manages the server to set it up.")
NO_DIGEST = N_("No daily digest is set up in this server.")
SET_HINT = N_("Set one with `/digest set`.")
CATCH_UP_AFTER = timedelta(minutes=1)
"""A post sent this long after its due time counts as a catch-up in the metrics."""
STALE_DAY = N_("The bot stopped while posting and came back after the day had ended.")


@dataclass(frozen=True, slots=True)
class DigestChannel:
    """The channel ``/digest set`` names, as the adapter sees it: ``missing`` names the
    permissions the bot lacks there to post (empty when it can)."""

    id: int
    name: str = ""
    missing: tuple[str, ...] = ()


def _token() -> str:
    return secrets.token_hex(8)


def _today(sub: Subscription, now: datetime) -> date:
    return now.astimezone(sub.schedule.zone).date()


class DigestService:
    """Daily digests over a ``DigestStore`` (subscriptions, claims) and the ``Store`` (facts)."""

    def __init__(
        self,
        digests: DigestStore,
        store: Store,
        clock: Clock,
        *,
        permissions: Permissions,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._digests = digests
        self._permissions = permissions
        self._metrics = metrics
        self._store = store
        self.clock = clock
        self._picker = FactPicker(digests, store, clock)

    # -- /digest: moderators of the server only ----------------------------------------------

    async def _moderated(self, member: Member) -> int:
        """The member's server, if they moderate it (``bot.core.permissions``)."""
        return await self._permissions.require_moderator(
            member, N_("change the daily digest"), hint=ASK_A_MODERATOR
        )

    async def set(
        self, member: Member, channel: DigestChannel, at: str, timezone: str
    ) -> DigestStatus:
        """Post every day at ``at`` (HH:MM) ``timezone`` time in the channel; un-pauses. The
        rotation goes on where it was; a post already made today stands. Checked in order:
        the caller, their input, then the bot's permissions in the channel."""
        guild_id = await self._moderated(member)
        schedule = Schedule(parse_time(at), resolve_timezone(timezone))
        if channel.missing:
            raise Invalid(
                _("I can't post the digest in #{channel}: I'm missing {missing} there.").format(
                    channel=channel.name, missing=", ".join(channel.missing)
                ),
                hint=N_(
                    "Give me those in the channel's settings (Edit Channel > Permissions), "
                    "or choose another channel."
                ),
            )
        channel_id = channel.id
        now = self.clock.now()
        old = await self._digests.subscription(guild_id)
        if old is not None:
            cycle = old.cycle
        else:
            latest = await self._digests.latest_post(guild_id)
            cycle = latest.cycle if latest is not None else 0
        sub = Subscription(guild_id, channel_id, schedule, since=now, cycle=cycle)
        await self._digests.save_subscription(sub)
        # A post that failed today (e.g. for the permission just fixed) may come today after all.
        await self._digests.drop_failed(guild_id, _today(sub, now))
        return await self._status(guild_id)

    async def status(self, member: Member) -> DigestStatus:
        return await self._status(await self._moderated(member))

    async def _status(self, guild_id: int) -> DigestStatus:
        sub = await self._subscription(guild_id)
        now = self.clock.now()
        latest = await self._digests.latest_post(guild_id)
        sent = await self._digests.latest_post(guild_id, outcome="sent")
        planned = None
        if sub.paused is None:
            done = latest.day if latest is not None else None
            planned = next_post(sub.schedule, now, last_day=done, since=sub.since)
        return DigestStatus(sub, planned, now, last_sent=sent, latest=latest)

    async def off(self, member: Member) -> DigestStatus:
        """Stop the digest; its rotation is remembered should it be set again."""
        guild_id = await self._moderated(member)
        status = await self._status(guild_id)
        await self._digests.remove_subscription(guild_id)
        return DigestStatus(status.subscription, None, status.now, status.last_sent, stopped=True)

    async def forget(self, guild_id: int) -> None:
        """The bot left the server: stop its digest and drop what was kept of it."""
        if await self._digests.remove_subscription(guild_id, forget_posts=True):
            log.info("digest of guild %s stopped: the bot left the server", guild_id)

    async def preview(self, member: Member) -> DigestAnswer:
        """Today's digest: the one posted (or being posted) today, else the one due next."""
        guild_id = await self._moderated(member)
        sub = await self._digests.subscription(guild_id)
        now = self.clock.now()
        if sub is None:
            day, cycle = now.date(), 0
        else:
            day, cycle = _today(sub, now), sub.cycle
        post = await self._digests.post(guild_id, day)
        doc = None
        if post is not None and post.outcome != "failed":
            doc = await self._store.get(Kind.FACT, post.key, guild_id)
        if doc is None:
            picked = await self._picker.pick(guild_id, cycle)
            if picked is None:
                raise NotFound(N_("There are no facts to choose from yet."))
            doc = picked[2]
        return await self._picker.answer(guild_id, day, doc, preview=True)

    async def _subscription(self, guild_id: int) -> Subscription:
        sub = await self._digests.subscription(guild_id)
        if sub is None:
            raise NotFound(NO_DIGEST, hint=SET_HINT)
        return sub

    # -- scheduling --------------------------------------------------------------------------

    async def schedule(self, held: Callable[[int], bool]) -> list[tuple[int, datetime]]:
        """When each running digest of a server in ``held`` next needs the scheduler."""
        now = self.clock.now()
        found = []
        for sub, latest in await self._digests.active():
            if held(sub.guild_id):
                due = due_time(sub, latest, now)
                if due is not None:
                    found.append((sub.guild_id, due))
        return found

    async def next_due(self, guild_id: int) -> datetime | None:
        sub = await self._digests.subscription(guild_id)
        if sub is None:
            return None
        latest = await self._digests.latest_post(guild_id)
        return due_time(sub, latest, self.clock.now())

    async def run(self, guild_id: int, poster: DigestPoster) -> None:
        """Do what is due for the server now, if anything: post today's digest, or settle a
        claim whose lease ran out. Safe to call at any time, from any number of processes."""
        sub = await self._digests.subscription(guild_id)
        if sub is None or sub.paused is not None:
            return
        now = self.clock.now()
        latest = await self._digests.latest_post(guild_id)
        if latest is not None and latest.outcome is None:
            if latest.claimed_at + LEASE <= now:
                await self._settle(sub, latest, poster, now)
            else:  # someone (another process) holds the day's claim
                self._metrics.digest(DigestEvent.SKIPPED_BY_CLAIM)
            return
        done = latest.day if latest is not None else None
        planned = next_post(sub.schedule, now, last_day=done, since=sub.since)
        if not planned.is_due(now):
            return
        picked = await self._picker.pick(guild_id, sub.cycle)
        if picked is None:
            log.warning("digest of guild %s: no facts to post", guild_id)
            return
        key, cycle, doc = picked
        post = PostRecord(guild_id, planned.day, sub.channel_id, cycle, key, _token(), now)
        if await self._digests.claim(post):
            await self._deliver(sub, post, poster, doc, late=now - planned.due > CATCH_UP_AFTER)
        else:
            self._metrics.digest(DigestEvent.SKIPPED_BY_CLAIM)

    async def _settle(
        self, sub: Subscription, post: PostRecord, poster: DigestPoster, now: datetime
    ) -> None:
        token = _token()
        if not await self._digests.take_over(post.guild_id, post.day, post.token, token, now):
            return  # another process took it over first
        mine = PostRecord(
            post.guild_id, post.day, post.channel_id, post.cycle, post.key, token, now
        )
        try:
            found = None
            markers = (digest_marker, english_digest_marker, legacy_digest_marker)
            for marker in dict.fromkeys(m(post.day) for m in markers):
                found = await poster.find(post.channel_id, marker)
                if found is not None:
                    break
        except DeliveryFailed as failure:
            await self._failed(sub, mine, failure)
            return
        if found is not None:
            log.info("digest of guild %s for %s was posted already", post.guild_id, post.day)
            await self._finish(mine, "sent", message_id=found)
            self._metrics.digest(DigestEvent.CAUGHT_UP)
        elif post.day != _today(sub, now):
            await self._finish(mine, "failed", detail=STALE_DAY)
        elif post.attempts >= MAX_ATTEMPTS:
            await self._finish(mine, "failed", detail=post.detail or N_("Discord kept failing."))
        else:
            doc = await self._store.get(Kind.FACT, post.key, post.guild_id)
            if doc is None:
                await self._finish(mine, "failed", detail=N_("The fact was removed meanwhile."))
            else:
                await self._deliver(sub, mine, poster, doc, late=True)

    async def _deliver(
        self,
        sub: Subscription,
        post: PostRecord,
        poster: DigestPoster,
        doc: Document,
        *,
        late: bool = False,
    ) -> None:
        answer = await self._picker.answer(post.guild_id, post.day, doc)
        message = render_digest(answer).pages[0]
        try:
            message_id = await asyncio.wait_for(poster.send(post.channel_id, message), SEND_TIMEOUT)
        except TimeoutError:
            log.warning("digest of guild %s: the send timed out; checking later", post.guild_id)
            return  # the claim stays open: settled after its lease
        except DeliveryFailed as failure:
            await self._failed(sub, post, failure)
            return
        await self._finish(post, "sent", message_id=message_id)
        self._metrics.digest(DigestEvent.CAUGHT_UP if late else DigestEvent.POSTED)

    async def _failed(self, sub: Subscription, post: PostRecord, failure: DeliveryFailed) -> None:
        if failure.retry:
            log.warning(
                "digest of guild %s: %s; trying again after %s",
                post.guild_id,
                failure.reason,
                LEASE,
            )
            return  # the claim stays open: settled after its lease
        await self._finish(post, "failed", detail=failure.reason)
        self._metrics.digest(DigestEvent.PAUSED if failure.pause else DigestEvent.FAILED)
        if failure.pause:
            await self._digests.pause(post.guild_id, failure.reason, self.clock.now())
            log.warning("digest of guild %s paused: %s", post.guild_id, failure.reason)
        else:
            log.warning("digest of guild %s for %s failed: %s", post.guild_id, post.day, failure)

    async def _finish(
        self,
        post: PostRecord,
        outcome: Outcome,
        *,
        message_id: int | None = None,
        detail: str | None = None,
    ) -> None:
        done = await self._digests.finish(
            post.guild_id,
            post.day,
            post.token,
            outcome,
            self.clock.now(),
            message_id=message_id,
            detail=detail,
        )
        if not done:  # our lease ran out and someone else took over: they will settle it
            log.warning("digest of guild %s for %s: claim lost meanwhile", post.guild_id, post.day)

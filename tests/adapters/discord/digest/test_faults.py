"""The daily digest when Discord rate limits or fails (issue 13, defect 1): a 429 is temporary,
so the post is retried after its ``retry_after`` within the day, never marked failed for it.

Runs the real bot and scheduler against the fake Discord on a fake clock (the fixtures of
``test_digest_e2e``); the fake answers the channel's posts with 429 (``retry_after`` in body
and headers, as Discord does) or 500 as many times as a test asks."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.discord.client import FactBot
from bot.core.digest.plan import LEASE
from tests.adapters.discord.digest import test_digest_e2e as e2e
from tests.adapters.discord.digest.test_digest_e2e import (
    DUE,
    guild_of,
    posts_to,
    set_digest,
    settled,
)
from tests.fakeclock import FakeClock
from tests.fakediscord import SERVER_ERROR, FakeDiscord, rate_limited

# The digest end-to-end fixtures: a file store, a fake clock, the fake Discord, the bot.
settings, clock, app, fake, bot = e2e.settings, e2e.clock, e2e.app, e2e.fake, e2e.bot

DISCORD_PY_TRIES = 5  # discord.py retries a 429 itself this many times before raising


async def test_a_rate_limited_digest_is_posted_after_retry_after(
    fake: FakeDiscord, bot: FactBot, clock: FakeClock
) -> None:
    channel = guild_of(fake).channel("digest")
    await set_digest(fake, channel)
    await settled(fake, bot, clock)
    path = rf"/channels/{channel.id}/messages"
    limited = DISCORD_PY_TRIES + 2  # more than discord.py waits out by itself
    fake.fail("POST", path, rate_limited(0.05), times=limited)
    await clock.set(DUE)
    await fake.wait_for(
        lambda: [r for r in posts_to(fake, channel) if r.status == 200], "the post", timeout=20
    )
    statuses = [r.status for r in posts_to(fake, channel)]
    assert statuses == [429] * limited + [200]
    await settled(fake, bot, clock)
    shown = str((await fake.invoke("digest show", user=fake.owner)).embeds[0])
    assert "failed" not in shown.casefold()


async def test_a_digest_limited_for_long_is_tried_again_the_same_day(
    fake: FakeDiscord, bot: FactBot, clock: FakeClock
) -> None:
    channel = guild_of(fake).channel("digest")
    await set_digest(fake, channel)
    await settled(fake, bot, clock)
    path = rf"/channels/{channel.id}/messages"
    fake.fail("POST", path, rate_limited(0.02))  # every attempt, until cleared
    await clock.set(DUE)
    await fake.wait_for(lambda: len(posts_to(fake, channel)) >= 10, "the limited attempts")
    await settled(fake, bot, clock)
    assert all(r.status == 429 for r in posts_to(fake, channel))
    fake.failures.clear()  # the limit passes
    await clock.advance(LEASE + timedelta(minutes=1))  # the open claim is settled: posted
    await fake.wait_for(
        lambda: [r for r in posts_to(fake, channel) if r.status == 200], "the post", timeout=20
    )
    await settled(fake, bot, clock)
    assert len([r for r in posts_to(fake, channel) if r.status == 200]) == 1


async def test_a_server_error_is_retried(fake: FakeDiscord, bot: FactBot, clock: FakeClock) -> None:
    channel = guild_of(fake).channel("digest")
    await set_digest(fake, channel)
    await settled(fake, bot, clock)
    fake.fail("POST", rf"/channels/{channel.id}/messages", SERVER_ERROR, times=1)
    await clock.set(DUE)
    await fake.wait_for(
        lambda: [r for r in posts_to(fake, channel) if r.status == 200], "the post", timeout=20
    )
    assert [r.status for r in posts_to(fake, channel)] == [500, 200]

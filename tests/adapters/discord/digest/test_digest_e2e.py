"""Daily digests end to end: the real bot against the loopback fake Discord, on a fake clock.

``/digest`` as users use it, and the scheduler posting with ``POST /channels/{id}/messages``
when the (fake) clock reaches the due time: nothing waits for real time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.client import FactBot
from bot.adapters.discord.digest.cog import DigestCog
from bot.app import App, build_app
from bot.core.digest.plan import LEASE
from bot.core.digest.service import DigestService
from bot.settings import Settings
from bot.store import digest_store
from tests.fakeclock import FakeClock
from tests.fakediscord import MISSING_ACCESS, UNKNOWN_CHANNEL, FakeDiscord, InvocationError
from tests.fakediscord.models import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    FakeGuild,
)
from tests.fakediscord.reply import Reply
from tests.limits import assert_page_within_limits

START = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)  # 07:00 in London (BST)
DUE = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)  # 09:00 in London
EMBED_LINKS = 1 << 14
MANAGE_GUILD = 1 << 5


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        discord_token="fake-token",
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        command_hash_file=tmp_path / "command-hash",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    async with build_app(settings, clock=clock) as built:
        yield built


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord.running() as running:
        # A fixed id: the digest's fact (and whether a related quote comes with it) follows
        # the server's id, and a fake's new id is made from the clock, so the post's content
        # changed from run to run (without a quote, no "— " line: a failure now and then).
        running.add_guild(guild_id=1001, name="SCO fans", channels=["general", "digest"])
        yield running


@pytest.fixture
async def bot(app: App, fake: FakeDiscord) -> AsyncIterator[FactBot]:
    async with fake.client(FactBot(app)) as running:
        yield running


def restarted(app: App, clock: FakeClock) -> App:
    """The same database, a new process: nothing is remembered but what the store holds."""
    return dataclasses.replace(
        app,
        digests=DigestService(
            digest_store(app.store), app.store, clock, permissions=app.moderation.permissions
        ),
    )


def guild_of(fake: FakeDiscord) -> FakeGuild:
    return next(iter(fake.guilds.values()))


async def settled(fake: FakeDiscord, bot: FactBot, clock: FakeClock) -> None:
    """Wait until the scheduler has caught up with the clock and sleeps again."""
    scheduler = bot.digest_scheduler
    await fake.wait_for(lambda: scheduler.idle and clock.asleep, "the digest scheduler to sleep")


async def set_digest(
    fake: FakeDiscord, channel: Any, *, time: str = "09:00", tz: str = "Europe/London", **kw: Any
) -> Reply:
    options = {"channel": channel, "time": time, "timezone": tz}
    return await fake.invoke("digest set", options, user=kw.pop("user", fake.owner), **kw)


def posts_to(fake: FakeDiscord, channel: Any) -> list[Any]:
    return fake.requests_to("POST", rf"/channels/{channel.id}/messages")


def error_text(reply: Reply) -> str:
    assert reply.type == 4 and reply.ephemeral, reply.callback
    embed = reply.embeds[0]
    return " ".join([embed.get("description", ""), *(f["value"] for f in embed.get("fields", []))])


async def test_the_digest_commands_are_registered_for_managers_only(
    fake: FakeDiscord, bot: FactBot
) -> None:
    digest = next(c for c in fake.commands[None] if c["name"] == "digest")
    assert int(digest["default_member_permissions"]) == MANAGE_GUILD
    subs = {o["name"]: o for o in digest["options"]}
    assert set(subs) == {"set", "show", "off", "preview"}
    options = {o["name"]: o for o in subs["set"]["options"]}
    assert options["channel"]["type"] == 7 and set(options["channel"]["channel_types"]) <= {0, 5}
    assert options["timezone"]["autocomplete"] is True
    guild = guild_of(fake)
    with pytest.raises(InvocationError):  # Discord hides it from a member without Manage Server
        await set_digest(fake, guild.channel("digest"), user=fake.default_user)


async def test_set_then_the_post_arrives_at_the_due_time(
    fake: FakeDiscord, bot: FactBot, clock: FakeClock
) -> None:
    guild = guild_of(fake)
    channel = guild.channel("digest")
    reply = await set_digest(fake, channel)
    assert reply.type == 4 and reply.ephemeral
    shown = str(reply.embeds[0])
    assert f"<#{channel.id}>" in shown and f"<t:{int(DUE.timestamp())}:F>" in shown
    await settled(fake, bot, clock)
    await clock.set(DUE - timedelta(minutes=1))
    await settled(fake, bot, clock)
    assert posts_to(fake, channel) == []
    await clock.set(DUE)
    [post] = await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages")
    embed = post.json["embeds"][0]
    assert embed["title"] == "Fact of the day · Tuesday 10 June 2025"
    assert embed["footer"]["text"].startswith("Daily digest 10 Jun 2025")
    assert "— " in embed["description"]  # the source of the excerpt, as /fact shows it
    assert post.json["allowed_mentions"]["parse"] == []
    assert_page_within_limits(post.json)
    await settled(fake, bot, clock)
    await clock.advance(timedelta(hours=12))  # the rest of the day: nothing more
    await settled(fake, bot, clock)
    assert len(posts_to(fake, channel)) == 1
    await clock.set(DUE + timedelta(days=1))  # and the next day, the next fact
    await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages", count=2)
    second = posts_to(fake, channel)[1].json["embeds"][0]
    assert second["footer"]["text"].startswith("Daily digest 11 Jun 2025")
    assert second["footer"]["text"] != embed["footer"]["text"]

    shown = error_text_or_embed(await fake.invoke("digest show", user=fake.owner))
    assert "Wednesday 11 June 2025" in shown and "Thu 12 Jun 2025, 09:00 BST" in shown


def error_text_or_embed(reply: Reply) -> str:
    assert reply.type == 4, reply.callback
    return str(reply.embeds[0])


async def test_bad_input_is_refused_clearly(fake: FakeDiscord, bot: FactBot) -> None:
    channel = guild_of(fake).channel("digest")
    assert "not a time I understand" in error_text(await set_digest(fake, channel, time="9am"))
    assert "HH:MM" in error_text(await set_digest(fake, channel, time="25:00"))
    unknown = error_text(await set_digest(fake, channel, tz="Europe/Londn"))
    assert "not a time zone I know" in unknown and "Europe/London" in unknown
    assert "No daily digest" in error_text(await fake.invoke("digest show", user=fake.owner))
    assert "No daily digest" in error_text(await fake.invoke("digest off", user=fake.owner))


async def test_timezone_autocomplete(fake: FakeDiscord, bot: FactBot) -> None:
    found = await fake.autocomplete("digest set", "timezone", "london", user=fake.owner)
    assert "Europe/London" in [c["value"] for c in found.choices]
    everything = await fake.autocomplete("digest set", "timezone", "", user=fake.owner)
    assert 0 < len(everything.choices) <= 25


async def test_the_bot_checks_the_caller_itself(fake: FakeDiscord, bot: FactBot) -> None:
    # A server owner let everyone use /digest (Server Settings > Integrations): Discord now
    # offers it to anyone, and the bot still refuses members without Manage Server.
    digest = next(c for c in fake.commands[None] if c["name"] == "digest")
    digest["default_member_permissions"] = None
    channel = guild_of(fake).channel("digest")
    for command in ("digest set", "digest show", "digest off", "digest preview"):
        options = (
            {"channel": channel, "time": "09:00", "timezone": "UTC"} if "set" in command else {}
        )
        reply = await fake.invoke(command, options, user=fake.default_user)
        assert "Manage Server" in error_text(reply), command


async def test_a_channel_the_bot_cannot_post_in_is_refused(fake: FakeDiscord, bot: FactBot) -> None:
    locked = fake.add_guild(
        name="Locked",
        channels=["news"],
        everyone_permissions=DEFAULT_EVERYONE_PERMISSIONS & ~EMBED_LINKS,
        bot_permissions=DEFAULT_BOT_PERMISSIONS & ~EMBED_LINKS,
    )
    await fake.wait_for(lambda: bot.get_guild(locked.id), "the new guild to reach the bot")
    reply = await set_digest(fake, locked.channel("news"), guild=locked)
    text = error_text(reply)
    assert "missing Embed Links" in text and "#news" in text


async def test_preview_is_private_and_shows_todays_digest(
    fake: FakeDiscord, bot: FactBot, clock: FakeClock
) -> None:
    channel = guild_of(fake).channel("digest")
    await set_digest(fake, channel)
    preview = await fake.invoke("digest preview", user=fake.owner)
    assert preview.type == 4 and preview.ephemeral
    embed = preview.embeds[0]
    assert embed["title"] == "Fact of the day · Tuesday 10 June 2025"
    assert embed["footer"]["text"].startswith("Preview · Daily digest 10 Jun 2025")
    await clock.set(DUE)
    [post] = await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages")
    assert post.json["embeds"][0]["description"] == embed["description"]  # what was previewed


async def test_a_bot_that_was_down_at_the_due_time_posts_when_back(
    app: App, fake: FakeDiscord, clock: FakeClock
) -> None:
    channel = guild_of(fake).channel("digest")
    async with fake.client(FactBot(app)):
        await set_digest(fake, channel)
    await clock.set(DUE + timedelta(hours=5))  # down from 07:00 to 14:00
    async with fake.client(FactBot(restarted(app, clock))) as bot:
        [post] = await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages")
        assert post.json["embeds"][0]["footer"]["text"].startswith("Daily digest 10 Jun 2025")
        await settled(fake, bot, clock)
    await clock.set(DUE + timedelta(days=3, hours=-2))  # down for three days
    async with fake.client(FactBot(restarted(app, clock))) as bot:
        await settled(fake, bot, clock)
        assert len(posts_to(fake, channel)) == 1  # no backlog of the missed days
        await clock.set(DUE + timedelta(days=3))
        await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages", count=2)
        last = posts_to(fake, channel)[-1].json["embeds"][0]
        assert last["footer"]["text"].startswith("Daily digest 13 Jun 2025")


async def test_restart_after_the_send_before_the_outcome_does_not_post_twice(
    app: App, fake: FakeDiscord, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    channel = guild_of(fake).channel("digest")
    async with fake.client(FactBot(app)) as bot:
        await set_digest(fake, channel)
        await settled(fake, bot, clock)
        finish = app.digests._digests.finish

        async def crash(*_: object, **__: object) -> bool:
            raise ConnectionError("power cut: the outcome was never written")

        app.digests._digests.finish = crash  # type: ignore[method-assign]
        with caplog.at_level(logging.ERROR):
            await clock.set(DUE)
            await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages")
            await fake.wait_for(lambda: "power cut" in caplog.text, "the crash to be logged")
        app.digests._digests.finish = finish  # type: ignore[method-assign]
    post = await app.digests._digests.post(guild_of(fake).id, date(2025, 6, 10))
    assert post is not None and post.outcome is None  # claimed, outcome unknown

    async with fake.client(FactBot(restarted(app, clock))) as bot:
        await settled(fake, bot, clock)
        assert fake.requests_to("GET", rf"/channels/{channel.id}/messages") == []  # lease
        await clock.advance(LEASE)
        await fake.wait_for_request("GET", rf"/channels/{channel.id}/messages")
        await settled(fake, bot, clock)
    assert len(posts_to(fake, channel)) == 1
    settled_post = await app.digests._digests.post(guild_of(fake).id, date(2025, 6, 10))
    assert settled_post is not None and settled_post.outcome == "sent"
    assert settled_post.message_id == int(fake.channel_messages[channel.id][0]["id"])


async def test_restart_between_claim_and_send_posts_once(
    app: App, fake: FakeDiscord, clock: FakeClock
) -> None:
    channel = guild_of(fake).channel("digest")
    async with fake.client(FactBot(app)) as bot:
        await set_digest(fake, channel)
        await settled(fake, bot, clock)
        hung = asyncio.Event()

        async def hang(*_: object, **__: object) -> int:
            hung.set()
            await asyncio.Event().wait()  # the process freezes here and is killed
            raise AssertionError("unreachable")

        bot.digest_scheduler.poster.send = hang  # type: ignore[method-assign]
        bot.digest_scheduler.grace = 0.2  # how long a stopping bot waits for work in hand
        await clock.set(DUE)
        await asyncio.wait_for(hung.wait(), 5)
    assert posts_to(fake, channel) == []

    async with fake.client(FactBot(restarted(app, clock))) as bot:
        await clock.advance(LEASE)
        await fake.wait_for_request("GET", rf"/channels/{channel.id}/messages")
        [post] = await fake.wait_for_request("POST", rf"/channels/{channel.id}/messages")
        assert post.json["embeds"][0]["footer"]["text"].startswith("Daily digest 10 Jun 2025")
        await settled(fake, bot, clock)
        await clock.advance(LEASE * 3)
        await settled(fake, bot, clock)
    assert len(posts_to(fake, channel)) == 1


@pytest.mark.parametrize(
    ("error", "reason"),
    [(MISSING_ACCESS, "may no longer post in"), (UNKNOWN_CHANNEL, "no longer exists")],
)
async def test_a_refused_channel_pauses_that_server_only(
    fake: FakeDiscord,
    bot: FactBot,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    error: Any,
    reason: str,
) -> None:
    guild = guild_of(fake)
    channel = guild.channel("digest")
    other = fake.add_guild(name="Other", channels=["daily"])
    await fake.wait_for(lambda: bot.get_guild(other.id), "the other guild to reach the bot")
    await set_digest(fake, channel)
    await set_digest(fake, other.channel("daily"), guild=other)
    fake.fail_channel(channel, error)
    with caplog.at_level(logging.WARNING):
        await clock.set(DUE)
        await fake.wait_for_request("POST", rf"/channels/{other.channel('daily').id}/messages")
        await fake.wait_for(lambda: posts_to(fake, channel), "the refused post")
        await settled(fake, bot, clock)
        for _ in range(3):  # no retry loop: hours and days go by without another attempt
            await clock.advance(timedelta(hours=9))
            await settled(fake, bot, clock)
    assert len(posts_to(fake, channel)) == 1 and posts_to(fake, channel)[0].status in (403, 404)
    assert len(posts_to(fake, other.channel("daily"))) == 2  # the other server went on
    paused = [r for r in caplog.records if "paused" in r.getMessage()]
    assert len(paused) == 1 and reason in paused[0].getMessage()

    shown = await fake.invoke("digest show", user=fake.owner)
    assert shown.embeds[0]["title"] == "Daily digest paused" and reason in str(shown.embeds[0])

    fake.fail_channel(channel, None)  # fixed; /digest set again un-pauses
    resumed = await set_digest(fake, channel, time="18:00")
    assert resumed.embeds[0]["title"] == "Daily digest"
    await clock.set(DUE + timedelta(days=1, hours=9))
    await fake.wait_for(lambda: len(posts_to(fake, channel)) == 2, "the post after resuming")
    assert posts_to(fake, channel)[-1].status == 200


async def test_off_stops_and_leaving_a_server_forgets_it(
    app: App, fake: FakeDiscord, bot: FactBot, clock: FakeClock
) -> None:
    guild = guild_of(fake)
    channel = guild.channel("digest")
    await set_digest(fake, channel)
    off = await fake.invoke("digest off", user=fake.owner)
    assert off.embeds[0]["title"] == "Daily digest stopped"
    await clock.set(DUE + timedelta(hours=1))
    await settled(fake, bot, clock)
    assert posts_to(fake, channel) == []
    await set_digest(fake, channel)
    await fake.dispatch("GUILD_DELETE", {"id": str(guild.id)}, guild_id=guild.id)
    await fake.wait_for(lambda: bot.get_guild(guild.id) is None, "the bot to leave")
    for _ in range(200):  # on_guild_remove runs in its own task
        if await app.digests._digests.subscription(guild.id) is None:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the digest of a server the bot left was not stopped")
    await clock.set(DUE + timedelta(days=1))
    await settled(fake, bot, clock)
    assert posts_to(fake, channel) == []


def test_every_digest_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[4] / "README.md").read_text(encoding="utf-8")
    commands = [c.name for c in DigestCog.__cog_app_commands__]
    assert set(commands) == {"set", "show", "off", "preview"}
    for name in commands:
        assert f"`/digest {name}" in readme, f"/digest {name} is not documented"

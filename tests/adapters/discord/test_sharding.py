"""Several bot processes: ``SHARD_COUNT``/``SHARD_IDS``, each process running its shards.

The end-to-end tests run two bots in this test process as two processes would run them: each
its own ``App`` (its own settings and PostgreSQL connection pool, in one throwaway schema),
its own ``ShardedFactBot`` and gateway connections, against one loopback fake Discord with two
shards, and one fake clock for the digests. Nothing is shared between them but the database
and Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pydantic
import pytest

from bot.__main__ import main
from bot.adapters.discord.client import FactBot, ShardedFactBot, make_bot
from bot.adapters.discord.shards import holds, shard_of
from bot.app import App, build_app
from bot.core.digest.plan import PostRecord
from bot.core.models import Kind
from bot.core.moderation.drafts import Draft
from bot.core.permissions import MANAGE_GUILD, Member
from bot.settings import Settings
from tests.fakeclock import FakeClock
from tests.fakediscord import FakeDiscord, FakeGuild
from tests.fakediscord.reply import Reply
from tests.fakediscord.server import _LogErrors

START = datetime(2025, 6, 10, 6, 0, tzinfo=UTC)  # 07:00 in London (BST)
DUE = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)  # 09:00 in London
# Server ids as Discord makes them (a millisecond timestamp << 22), one on each of two shards.
ON_SHARD_0 = 1_300_000_000_000 << 22
ON_SHARD_1 = (1_300_000_000_001 << 22) | 4242

FACT = Draft(
    Kind.FACT,
    text="The zebra council of the SCO first met in Astana in 2024.",
    source="https://example.org/zebra-council",
    excerpt="The zebra council met for the first time in Astana.",
    links="countries: kazakhstan; summit: 2024",
)


# --- the shard math and the settings ---------------------------------------------------------


def test_shard_of_is_discords_formula() -> None:
    assert shard_of(ON_SHARD_0, 2) == 0 and shard_of(ON_SHARD_1, 2) == 1
    assert shard_of(ON_SHARD_1, 1) == 0  # one shard holds everything
    assert shard_of(81384788765712384, 4) == 19403645698 % 4 == 2  # a real server id
    assert [shard_of(n << 22, 3) for n in range(6)] == [0, 1, 2, 0, 1, 2]
    assert shard_of((5 << 22) | ((1 << 22) - 1), 3) == 2  # the low 22 bits do not count
    with pytest.raises(ValueError):
        shard_of(ON_SHARD_0, 0)


def _settings(**env: str) -> Settings:
    with pytest.MonkeyPatch.context() as mp:
        for name in ("SHARD_COUNT", "SHARD_IDS"):
            mp.delenv(name, raising=False)
        for name, value in env.items():
            mp.setenv(name, value)
        return Settings(_env_file=None)  # type: ignore[call-arg]


def test_shard_settings_from_the_environment() -> None:
    unsharded = _settings()
    assert unsharded.shard_count is None and unsharded.shard_ids is None
    assert _settings(SHARD_COUNT="4").shard_ids is None  # every shard in this process
    both = _settings(SHARD_COUNT="4", SHARD_IDS=" 1, 3 ")
    assert both.shard_count == 4 and both.shard_ids == [1, 3]
    assert _settings(SHARD_COUNT="2", SHARD_IDS="").shard_ids is None


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "SHARD_IDS 2 out of range"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,5,-1"}, "the shards are 0 to 1"),
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "0,one"}, "separated by commas"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "1,1"}, "names a shard twice"),
        ({"SHARD_COUNT": "0"}, "greater than or equal to 1"),
    ],
)
def test_shard_settings_are_validated(env: dict[str, str], message: str) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        _settings(**env)


def test_a_wrong_shard_setting_stops_the_bot_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHARD_COUNT", "2")
    monkeypatch.setenv("SHARD_IDS", "0,2")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err == "error: SHARD_IDS 2 out of range: with SHARD_COUNT=2 the shards are 0 to 1\n"


async def test_make_bot_shards_only_when_asked(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite:///:memory:", command_hash_file=tmp_path / "h")
    async with build_app(settings) as app:
        sharded_app = replace(app, settings=settings.model_copy(update=SHARDS_1_AND_3))
        await _check_make_bot(app, sharded_app)


SHARDS_1_AND_3 = {"shard_count": 4, "shard_ids": [1, 3]}


async def _check_make_bot(app: App, sharded_app: App) -> None:
    plain = make_bot(app)
    assert type(plain) is FactBot and plain.shard_count is None
    sharded = make_bot(sharded_app)
    assert isinstance(sharded, ShardedFactBot)
    assert sharded.shard_count == 4 and sharded.shard_ids == [1, 3]
    assert holds(sharded, 1 << 22) and holds(sharded, 3 << 22)
    assert not holds(sharded, 0) and not holds(sharded, 2 << 22)
    assert holds(plain, 2 << 22)  # unsharded: every server


# --- two processes, one database, one Discord ------------------------------------------------


@dataclass
class Process:
    name: str
    app: App
    bot: ShardedFactBot
    posted: list[int] = field(default_factory=list)  # the channels this process posted in


async def _no_identify_wait(shard_id: int | None, *, initial: bool = False) -> None:
    """discord.py waits 5 s before IDENTIFYing each shard after the first (Discord's rate
    limit on session starts); the fake has none."""


@asynccontextmanager
async def _process(
    name: str, url: str, shard_ids: list[int], fake: FakeDiscord, clock: FakeClock, tmp: Path
) -> AsyncIterator[Process]:
    settings = Settings(
        discord_token="fake-token",
        database_url=url,
        command_hash_file=tmp / f"command-hash-{name}",
        shard_count=2,
        shard_ids=shard_ids,
    )
    async with build_app(settings, clock=clock) as app:
        bot = make_bot(app)
        assert isinstance(bot, ShardedFactBot)
        process = Process(name, app, bot)
        poster = bot.digest_scheduler.poster
        send = poster.send

        async def recording_send(channel_id: int, message: dict[str, Any]) -> int:
            sent = await send(channel_id, message)
            process.posted.append(channel_id)
            return sent

        poster.send = recording_send  # type: ignore[method-assign]
        bot.before_identify_hook = _no_identify_wait  # type: ignore[method-assign]
        bot._connection.guild_ready_timeout = 0.05
        handler = _LogErrors(fake.log_errors)
        logging.getLogger("discord").addHandler(handler)
        task = asyncio.create_task(bot.start(fake.token), name=f"bot-{name}")
        try:
            await fake.wait_for(
                lambda: bot.is_ready() or task.done(), f"process {name} to be ready", 10
            )
            if task.done():
                task.result()  # raise what stopped it
            yield process
        finally:
            await bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
            logging.getLogger("discord").removeHandler(handler)


@asynccontextmanager
async def _two_processes(
    url: str, shards: Sequence[list[int]], fake: FakeDiscord, clock: FakeClock, tmp: Path
) -> AsyncIterator[tuple[Process, Process]]:
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(_process("a", url, shards[0], fake, clock, tmp))
        b = await stack.enter_async_context(_process("b", url, shards[1], fake, clock, tmp))
        assert a.app.store is not b.app.store  # two connection pools
        yield a, b


@asynccontextmanager
async def _discord() -> AsyncIterator[tuple[FakeDiscord, FakeGuild, FakeGuild]]:
    async with FakeDiscord.running(shard_count=2) as fake:
        first = fake.add_guild(ON_SHARD_0, "Shard zero", channels=["general", "digest"])
        second = fake.add_guild(ON_SHARD_1, "Shard one", channels=["general", "digest"])
        yield fake, first, second


async def _settled(fake: FakeDiscord, clock: FakeClock, *processes: Process) -> None:
    """Wait until every process's digest scheduler has caught up with the clock."""
    await fake.wait_for(
        lambda: all(p.bot.digest_scheduler.idle for p in processes) and clock.asleep,
        "the digest schedulers to sleep",
    )


async def _set_digest(fake: FakeDiscord, guild: FakeGuild) -> None:
    options = {"channel": guild.channel("digest"), "time": "09:00", "timezone": "Europe/London"}
    reply = await fake.invoke("digest set", options, user=fake.owner, guild=guild)
    assert reply.type == 4 and "09:00" in str(reply.embeds[0]), reply.callback


def _posts(fake: FakeDiscord, guild: FakeGuild) -> list[str]:
    """The footers of the digests posted in the server's digest channel."""
    channel = guild.channel("digest").id
    found = fake.requests_to("POST", rf"/channels/{channel}/messages")
    return [r.json["embeds"][0]["footer"]["text"] for r in found if r.status == 200]


def _text(reply: Reply) -> str:
    assert reply.type == 4, reply.callback
    return str(reply.embeds[0])


CHANGE_REACHES_EVERY_PROCESS = 1.0
"""Seconds within which a change made through one process is in every process's answers
(issue 11): the other processes hear of it by a PostgreSQL notice, delivered to each listener
on its own, so it may reach them a moment after the write has returned."""


async def _search_until(fake: FakeDiscord, guild: FakeGuild, expected: str) -> str:
    """The text of ``/search zebra council`` in ``guild``, asked again (each time by a new
    member: cooldowns apply per member) until it holds ``expected`` or
    ``CHANGE_REACHES_EVERY_PROCESS`` has passed; the last answer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHANGE_REACHES_EVERY_PROCESS
    asked = 0
    while True:
        asked += 1
        member = fake.add_user(f"searcher{asked}")
        reply = await fake.invoke("search", {"query": "zebra council"}, user=member, guild=guild)
        text = _text(reply)
        if expected in text or loop.time() >= deadline:
            return text
        await asyncio.sleep(0.02)


def _owner(fake: FakeDiscord, guild: FakeGuild) -> Member:
    return Member.of(fake.owner.id, "owner", guild.id, MANAGE_GUILD)


@pytest.mark.postgres
async def test_two_processes_split_the_servers_and_share_the_database(
    postgres_url: str, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    async with (
        _discord() as (fake, zero, one),
        _two_processes(postgres_url, ([0], [1]), fake, clock, tmp_path) as (a, b),
    ):
        # Each process connected its own shard and holds the servers on it, no others.
        shards = sorted(tuple(s.shard or ()) for s in fake.gateway.live_sessions())
        assert shards == [(0, 2), (1, 2)]
        assert a.bot.get_guild(zero.id) and not a.bot.get_guild(one.id)
        assert b.bot.get_guild(one.id) and not b.bot.get_guild(zero.id)
        assert fake.gateway.session_for(one.id).identify["shard"] == [1, 2]

        # A change made through one process is in the other's answers within a second.
        missing = await fake.invoke("search", {"query": "zebra council"}, guild=one)  # by b
        assert "Nothing in the store matches" in _text(missing)
        await a.app.moderation.entries.add(_owner(fake, one), FACT)
        found = await _search_until(fake, one, "Added by this server's moderators")  # by b
        assert "zebra council" in found and "Added by this server's moderators" in found
        # ... and the other way: added through Discord on a's shard, retired through b.
        opened = await fake.invoke("entry add", {"kind": "fact"}, user=fake.owner, guild=zero)
        added = await fake.submit_modal(opened, dict(FACT.fields()))
        assert added.type == 4 and "s1" in _text(added)
        assert "zebra council" in _text(
            await fake.invoke("search", {"query": "zebra council"}, guild=zero)
        )
        await b.app.moderation.entries.retire(_owner(fake, zero), "s1", "testing sharding")
        gone = await _search_until(fake, zero, "Nothing in the store matches")  # by a
        assert "Nothing in the store matches" in gone

        # Digests: each server's comes from the process holding it, once a day.
        await _set_digest(fake, zero)
        await _set_digest(fake, one)
        await _settled(fake, clock, a, b)
        await clock.set(DUE)
        await fake.wait_for(
            lambda: _posts(fake, zero) and _posts(fake, one), "a digest in each server"
        )
        await _settled(fake, clock, a, b)
        assert a.posted == [zero.channel("digest").id]
        assert b.posted == [one.channel("digest").id]
        await clock.advance(timedelta(hours=12))
        await _settled(fake, clock, a, b)
        await clock.set(DUE + timedelta(days=1))
        await fake.wait_for(
            lambda: len(_posts(fake, zero)) == 2 and len(_posts(fake, one)) == 2,
            "the next day's digests",
        )
        await _settled(fake, clock, a, b)
        for guild in (zero, one):
            days = [footer.split(" · ")[0] for footer in _posts(fake, guild)]
            assert days == ["Daily digest 10 Jun 2025", "Daily digest 11 Jun 2025"], guild.name
        assert len(a.posted) == len(b.posted) == 2


def _meet_at_the_claim(processes: Sequence[Process]) -> dict[int, list[bool]]:
    """Make every process's claim of a server's post wait until all of them are claiming it
    (the worst case of two processes holding the same shard); returns who won, per server."""
    results: dict[int, list[bool]] = {}
    arrived: dict[int, int] = {}
    everyone_there: dict[int, asyncio.Event] = {}

    def wrap(claim: Callable[[PostRecord], Awaitable[bool]]) -> Any:
        async def claim_together(post: PostRecord) -> bool:
            there = everyone_there.setdefault(post.guild_id, asyncio.Event())
            arrived[post.guild_id] = arrived.get(post.guild_id, 0) + 1
            if arrived[post.guild_id] == len(processes):
                there.set()
            await asyncio.wait_for(there.wait(), 5)
            won = await claim(post)
            results.setdefault(post.guild_id, []).append(won)
            return won

        return claim_together

    for process in processes:
        store = process.app.digests._digests
        store.claim = wrap(store.claim)  # type: ignore[method-assign]
    return results


@pytest.mark.postgres
async def test_overlapping_shards_still_post_one_digest_a_day(
    postgres_url: str, tmp_path: Path
) -> None:
    clock = FakeClock(START)
    async with (
        _discord() as (fake, zero, one),
        _two_processes(postgres_url, ([0, 1], [0, 1]), fake, clock, tmp_path) as (a, b),
    ):
        # Misconfigured: both processes run both shards, so both hold every server.
        assert len(fake.gateway.live_sessions()) == 4
        for process in (a, b):
            assert process.bot.get_guild(zero.id) and process.bot.get_guild(one.id)
        await _set_digest(fake, zero)
        await _set_digest(fake, one)
        await _settled(fake, clock, a, b)
        await clock.set(START + timedelta(hours=1, minutes=1))  # both have read the schedule
        await _settled(fake, clock, a, b)
        claims = _meet_at_the_claim((a, b))
        await clock.set(DUE)
        await fake.wait_for(
            lambda: _posts(fake, zero) and _posts(fake, one), "a digest in each server"
        )
        await _settled(fake, clock, a, b)
        # Both processes claimed each server's post at once; the database let one win.
        assert {guild: sorted(won) for guild, won in claims.items()} == {
            zero.id: [False, True],
            one.id: [False, True],
        }
        await clock.advance(timedelta(hours=12))  # leases run out, catch-up looks again
        await _settled(fake, clock, a, b)
        assert len(_posts(fake, zero)) == len(_posts(fake, one)) == 1
        await clock.set(DUE + timedelta(days=1))
        await fake.wait_for(
            lambda: len(_posts(fake, zero)) == 2 and len(_posts(fake, one)) == 2,
            "the next day's digests",
        )
        await _settled(fake, clock, a, b)
        await clock.advance(timedelta(hours=12))
        await _settled(fake, clock, a, b)
        assert len(_posts(fake, zero)) == len(_posts(fake, one)) == 2
        assert sorted(a.posted + b.posted) == sorted(
            [zero.channel("digest").id, one.channel("digest").id] * 2
        )

"""The ``DigestStore`` on every backend: subscriptions, and the claim that allows one post a day."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.core.digest.plan import PostRecord, Schedule, Subscription
from bot.core.models import Citation
from bot.core.ports import Store
from bot.core.ports_digest import DigestStore
from bot.store import digest_store, open_store
from tests.conftest import backend_url

GUILD = 111
OTHER = 222
DAY = date(2025, 6, 10)
T0 = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)
CITE = [Citation(source="test-source", excerpt="a passage of the test source")]


@pytest.fixture
def digests(store: Store) -> DigestStore:
    return digest_store(store)


def sub(guild: int = GUILD, **kw: object) -> Subscription:
    fields: dict[str, object] = {
        "guild_id": guild,
        "channel_id": 5,
        "schedule": Schedule(time(9), "Europe/London"),
        "since": T0,
    }
    fields.update(kw)
    return Subscription(**fields)  # type: ignore[arg-type]


def claim(
    day: date = DAY, guild: int = GUILD, key: str = "f1", token: str = "a", cycle: int = 0
) -> PostRecord:
    return PostRecord(guild, day, 5, cycle, key, token, T0)


async def test_subscriptions_round_trip_replace_and_stop(digests: DigestStore) -> None:
    assert await digests.subscription(GUILD) is None
    await digests.save_subscription(sub())
    assert await digests.subscription(GUILD) == sub()
    moved = sub(channel_id=6, schedule=Schedule(time(17, 30), "Asia/Shanghai"), cycle=2)
    await digests.save_subscription(moved)
    assert await digests.subscription(GUILD) == moved
    assert await digests.remove_subscription(GUILD)
    assert not await digests.remove_subscription(GUILD)
    assert await digests.subscription(GUILD) is None


async def test_pause_is_recorded_and_active_leaves_paused_out(digests: DigestStore) -> None:
    await digests.save_subscription(sub())
    await digests.save_subscription(sub(OTHER))
    await digests.pause(OTHER, "The channel was deleted.", T0)
    paused = await digests.subscription(OTHER)
    assert paused is not None and paused.paused == "The channel was deleted."
    assert paused.paused_at == T0
    assert [s.guild_id for s, _ in await digests.active()] == [GUILD]


async def test_active_carries_each_servers_latest_post(digests: DigestStore) -> None:
    await digests.save_subscription(sub())
    await digests.save_subscription(sub(OTHER))
    assert await digests.claim(claim(DAY - timedelta(days=1)))
    assert await digests.claim(claim(DAY))
    latest = dict((s.guild_id, p) for s, p in await digests.active())
    assert latest[OTHER] is None
    assert latest[GUILD] is not None and latest[GUILD].day == DAY


async def test_a_second_claim_for_the_same_day_fails(digests: DigestStore) -> None:
    assert await digests.claim(claim())
    assert not await digests.claim(claim(key="f2", token="b"))  # another process, same day
    stored = await digests.post(GUILD, DAY)
    assert stored is not None and (stored.key, stored.token) == ("f1", "a")
    assert stored.outcome is None
    assert await digests.claim(claim(DAY + timedelta(days=1), token="c"))  # the next day
    assert await digests.claim(claim(guild=OTHER, token="d"))  # another server


async def test_concurrent_claims_on_one_database_let_exactly_one_win(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite-memory":
        pytest.skip("an in-memory database belongs to one connection")
    async with backend_url(backend, tmp_path) as url:
        stores = [await open_store(url), await open_store(url)]  # two "processes"
        try:
            each = [digest_store(s) for s in stores]
            results = await asyncio.gather(
                *(each[i % 2].claim(claim(token=f"t{i}", key=f"k{i}")) for i in range(20))
            )
            assert sum(results) == 1
        finally:
            for opened in stores:
                await opened.close()


async def test_a_claim_raises_the_subscriptions_cycle(digests: DigestStore) -> None:
    await digests.save_subscription(sub(cycle=1))
    assert await digests.claim(claim(cycle=2))
    assert (await digests.subscription(GUILD)).cycle == 2  # type: ignore[union-attr]
    assert await digests.claim(claim(DAY + timedelta(days=1), cycle=1, token="b"))
    assert (await digests.subscription(GUILD)).cycle == 2  # type: ignore[union-attr]


async def test_take_over_and_finish_are_compare_and_set(digests: DigestStore) -> None:
    assert await digests.claim(claim())
    later = T0 + timedelta(minutes=11)
    assert not await digests.take_over(GUILD, DAY, "wrong", "b", later)
    assert await digests.take_over(GUILD, DAY, "a", "b", later)
    assert not await digests.take_over(GUILD, DAY, "a", "c", later)  # lost the race
    taken = await digests.post(GUILD, DAY)
    assert taken is not None and taken.token == "b" and taken.attempts == 2
    assert taken.claimed_at == later
    assert not await digests.finish(GUILD, DAY, "a", "sent", later, message_id=9)
    assert await digests.finish(GUILD, DAY, "b", "sent", later, message_id=9)
    assert not await digests.finish(GUILD, DAY, "b", "failed", later)  # finished once
    assert not await digests.take_over(GUILD, DAY, "b", "c", later)
    done = await digests.post(GUILD, DAY)
    assert done is not None and (done.outcome, done.message_id) == ("sent", 9)
    assert done.finished_at == later


async def test_latest_posts_and_the_keys_posted_in_a_cycle(digests: DigestStore) -> None:
    days = [DAY + timedelta(days=i) for i in range(4)]
    for i, day in enumerate(days):
        assert await digests.claim(claim(day, key=f"k{i}", token=f"t{i}", cycle=i // 3))
    await digests.finish(GUILD, days[0], "t0", "sent", T0, message_id=1)
    await digests.finish(GUILD, days[1], "t1", "failed", T0, detail="403")
    # days[2] is still open: it counts as posted (its outcome is unknown, never a repeat)
    assert await digests.posted_keys(GUILD, 0) == {"k0", "k2"}
    assert await digests.posted_keys(GUILD, 1) == {"k3"}
    latest = await digests.latest_post(GUILD)
    assert latest is not None and latest.day == days[3]
    sent = await digests.latest_post(GUILD, outcome="sent")
    assert sent is not None and sent.day == days[0]
    failed = await digests.latest_post(GUILD, outcome="failed")
    assert failed is not None and failed.detail == "403"
    assert await digests.latest_post(OTHER) is None


async def test_only_a_failed_day_can_be_dropped(digests: DigestStore) -> None:
    assert await digests.claim(claim())
    assert not await digests.drop_failed(GUILD, DAY)  # open
    await digests.finish(GUILD, DAY, "a", "failed", T0, detail="gone")
    assert await digests.drop_failed(GUILD, DAY)
    assert await digests.claim(claim(token="b"))  # the day may be claimed again


async def test_leaving_a_server_forgets_its_posts(digests: DigestStore) -> None:
    await digests.save_subscription(sub())
    assert await digests.claim(claim())
    assert await digests.remove_subscription(GUILD, forget_posts=True)
    assert await digests.post(GUILD, DAY) is None


async def test_times_come_back_as_aware_utc(digests: DigestStore) -> None:
    offset = datetime(2025, 6, 10, 10, 0, tzinfo=Schedule(time(9), "Europe/Paris").zone)
    await digests.save_subscription(sub(since=offset))
    stored = await digests.subscription(GUILD)
    assert (
        stored is not None and stored.since == offset and stored.since.utcoffset() == timedelta(0)
    )

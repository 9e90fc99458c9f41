"""Daily digest benchmarks: prints figures, asserts nothing.

    python -m bench.digest_bench [--servers 10000] [--facts 100000] [--posts 300]
    python -m bench.digest_bench --url postgresql://postgres@127.0.0.1:5432/test

SQLite in memory by default (or the file ``--url`` names, copied fresh); PostgreSQL in a
throwaway schema of the database ``--url`` names.

1. The schedule of ``--servers`` subscribed servers (random time zones and times, a third of
   them posted today already, a few claims open, a few paused): the time to read it
   (``DigestStore.active``), to compute every server's next due time and build the due queue
   the scheduler sleeps on, to find the earliest, and to move one server; the memory the queue
   holds (tracemalloc) and the peak while building it.
2. Picking and posting on a store of the curated entries plus ``--facts`` generated facts: the
   rotation index (build time, memory), the next key of a server's rotation with 0, 365 and
   3,650 keys already posted in its cycle, a full sort of every key (what the index avoids), and
   ``DigestService.run`` end to end (pick, claim, render, send to a channel that only counts,
   record the outcome) for ``--posts`` servers due at once.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from bench.store_bench import fresh_store, generated_facts, settle
from bot.core.digest._rotation import RotationIndex, rotation_order
from bot.core.digest.plan import (
    DueQueue,
    PostRecord,
    Schedule,
    Subscription,
    due_time,
    timezone_names,
)
from bot.core.digest.service import DigestService
from bot.core.documents import to_document
from bot.core.models import Kind
from bot.core.permissions import Permissions
from bot.core.ports_digest import DigestStore
from bot.store import digest_store, moderation_store
from bot.store.curated import load_catalog

NOW = datetime(2025, 6, 10, 12, 0, tzinfo=UTC)


class StillClock:
    """A clock that stays where it is put (the bench never sleeps)."""

    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    async def sleep_until(self, when: datetime) -> None:
        self.moment = max(self.moment, when)


class CountingPoster:
    """A channel that accepts everything and remembers nothing but a count."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, channel_id: int, message: dict[str, Any]) -> int:
        self.sent += 1
        return self.sent

    async def find(self, channel_id: int, marker: str) -> int | None:
        return None


def line(label: str, value: str) -> None:
    print(f"  {label:<60}{value}")


def us(seconds: float) -> str:
    return f"{seconds * 1e6:8.2f} us"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def kib(size: int) -> str:
    return f"{size / 1024:8.0f} KiB"


async def timed(fn: Callable[[], Awaitable[Any]], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def subscribe(digests: DigestStore, servers: int, rng: random.Random) -> None:
    zones = [z for z in timezone_names() if "/" in z and not z.startswith("Etc/")]
    for guild in range(1, servers + 1):
        schedule = Schedule(
            clock_time(rng.randrange(24), rng.choice([0, 15, 30, 45])), rng.choice(zones)
        )
        paused = "The digest channel no longer exists." if guild % 100 == 0 else None
        sub = Subscription(
            guild, 10**6 + guild, schedule, NOW - timedelta(days=30), rng.randrange(3), paused
        )
        await digests.save_subscription(sub)
        if guild % 3 == 0:  # posted today already (or, one in ten of those, still open)
            day = NOW.astimezone(schedule.zone).date()
            post = PostRecord(guild, day, sub.channel_id, sub.cycle, f"gen-{guild}", "t", NOW)
            await digests.claim(post)
            if guild % 30:
                await digests.finish(guild, day, "t", "sent", NOW, message_id=guild)


async def bench_schedule(url: str, servers: int) -> None:
    print(f"\n1. schedule of {servers} subscribed servers ({url.split('://')[0]})")
    async with fresh_store(url) as store:
        digests = digest_store(store)
        start = time.perf_counter()
        await subscribe(digests, servers, random.Random(5))
        print(f"  setup: {servers} subscriptions written in {time.perf_counter() - start:.1f} s")
        await settle(store)
        active = await digests.active()
        read, _ = await timed(digests.active, 5)
        line(f"read the active schedule ({len(active)} rows, median of 5)", ms(read))

        def build() -> DueQueue:
            queue = DueQueue()
            for sub, latest in active:
                queue.set(sub.guild_id, due_time(sub, latest, NOW))
            return queue

        start = time.perf_counter()
        for _ in range(5):
            build()
        build_time = (time.perf_counter() - start) / 5
        line("compute every due time and build the queue (mean of 5)", ms(build_time))
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        queue = build()
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line(f"memory held by the queue ({len(queue)} servers)", kib(held))
        line("peak traced while building it", kib(peak))
        start = time.perf_counter()
        earliest = queue.earliest()
        found = time.perf_counter() - start
        line(f"earliest due time ({earliest:%Y-%m-%d %H:%M} UTC)", us(found))
        start = time.perf_counter()
        for guild in range(1, 1001):
            queue.set(guild, NOW + timedelta(hours=guild % 24))
        moved = (time.perf_counter() - start) / 1000
        line("move one server in the queue (mean of 1000)", us(moved))
        service = DigestService(
            digests, store, StillClock(NOW), permissions=Permissions(moderation_store(store))
        )
        start = time.perf_counter()
        due = await service.schedule(lambda _: True)
        took = time.perf_counter() - start
        line(f"DigestService.schedule end to end ({len(due)} servers)", ms(took))


async def bench_posting(url: str, facts: int, posts: int) -> None:
    catalog = load_catalog()
    rng = random.Random(42)
    docs = catalog.documents() + [to_document(f) for f in generated_facts(catalog, facts, rng)]
    print(f"\n2. picking and posting with {len(docs)} documents ({facts} generated facts)")
    async with fresh_store(url) as store:
        await store.sync_curated(docs)
        await settle(store)
        digests = digest_store(store)
        keys = await store.scope_keys(Kind.FACT, 0)
        read, _ = await timed(lambda: store.scope_keys(Kind.FACT, 0), 3)
        line(f"read the {len(keys)} keys in rotation (median of 3)", ms(read))
        start = time.perf_counter()
        RotationIndex(keys)
        line("build the rotation index", ms(time.perf_counter() - start))
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        index = RotationIndex(keys)
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
        tracemalloc.stop()
        line("memory held by the index", kib(held))
        for done in (0, 365, 3650):
            posted = set(random.Random(done).sample(keys, done))
            servers = iter(range(10**9))

            async def pick(posted: set[str] = posted, servers: Any = servers) -> None:
                index.next_key(next(servers), 0, posted)

            p50, p99 = await timed(pick, 300)
            line(f"next key, {done} posted in the cycle: p50 / p99", f"{ms(p50)} {ms(p99)}")
        start = time.perf_counter()
        rotation_order(1, 0, keys)
        line("for scale, sorting every key by its rank once", ms(time.perf_counter() - start))

        clock = StillClock(NOW - timedelta(hours=1))
        service = DigestService(
            digests, store, clock, permissions=Permissions(moderation_store(store))
        )
        for guild in range(1, posts + 1):
            await digests.save_subscription(
                Subscription(guild, 10**6 + guild, Schedule(clock_time(11, 0), "UTC"), clock.now())
            )
        clock.moment = NOW
        poster = CountingPoster()
        await service.run(0, poster)  # nothing to do; warms the rotation index
        guilds = iter(range(1, posts + 1))
        p50, p99 = await timed(lambda: service.run(next(guilds), poster), posts)
        assert poster.sent == posts, poster.sent
        line(
            f"DigestService.run, one post each, {posts} servers: p50 / p99", f"{ms(p50)} {ms(p99)}"
        )
        sample = await digests.post(1, date(2025, 6, 10))
        print(f"  (server 1 got {sample.key if sample else '?'})")


async def main(args: argparse.Namespace) -> None:
    await bench_schedule(args.url, args.servers)
    await bench_posting(args.url, args.facts, args.posts)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, default=10_000)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--url", default="sqlite:///:memory:")
    asyncio.run(main(parser.parse_args()))

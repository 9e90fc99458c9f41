"""Store and service benchmarks: prints figures, asserts nothing.

    python -m bench.store_bench [--facts 100000] [--calls 300] [--url sqlite:///:memory:]
    python -m bench.store_bench --url postgresql://postgres@127.0.0.1:5432/test

Every load goes into a fresh store (``fresh_store``): a new SQLite file beside the one a file
URL names, or a new schema in the PostgreSQL database (``?schema=bench_...``), dropped after.
PostgreSQL stores get ``VACUUM ANALYZE`` after the big load, the state autovacuum reaches a
minute later, so the figures are the steady state's, not those of a table without statistics.

1. Time to load the curated store into a fresh database (best and median of 5).
2. p50/p99 of each service call on the curated store.
3. The same on a generated store of ``--facts`` facts (the curated entries plus generated facts
   linked to the curated countries, summits, people and topics).
Targets (issue 2): curated load under 0.5 s; every call's p99 under 5 ms at 100,000 facts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.core.documents import to_document
from bot.core.models import Citation, Fact
from bot.core.ports import Store
from bot.core.reading.service import Completion, FactService
from bot.store import open_store, sqlite_path
from bot.store.curated import Catalog, load_catalog

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@asynccontextmanager
async def fresh_store(url: str) -> AsyncIterator[Store]:
    """An empty, migrated store of the backend ``url`` names, removed on exit."""
    if url.startswith(POSTGRES_SCHEMES):
        import asyncpg

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        store = await open_store(f"{url}{'&' if '?' in url else '?'}schema={schema}")
        try:
            yield store
        finally:
            await store.close()
            conn = await asyncpg.connect(url)
            try:
                await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            finally:
                await conn.close()
        return
    path = sqlite_path(url)
    if path == ":memory:":
        store = await open_store(url)
        try:
            yield store
        finally:
            await store.close()
        return
    fresh = Path(path).with_name(f"{Path(path).stem}-bench-{uuid.uuid4().hex[:8]}.db")
    store = await open_store(str(fresh))
    try:
        yield store
    finally:
        await store.close()
        for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
            leftover.unlink(missing_ok=True)


async def settle(store: Store) -> None:
    """Bring a freshly loaded store to its steady state (statistics, visibility map)."""
    pool = getattr(store, "pool", None)
    if pool is not None:  # PostgreSQL
        await pool.execute("VACUUM ANALYZE documents, document_links, document_names")


def vocabulary(catalog: Catalog) -> list[str]:
    """The sources' own words, most frequent first, so generated text reads like the real."""
    counts: dict[str, int] = {}
    for text in catalog.texts.values():
        for word in re.findall(r"[A-Za-z]{3,}", text):
            counts[word.lower()] = counts.get(word.lower(), 0) + 1
    return sorted(counts, key=lambda w: -counts[w])


def generated_facts(catalog: Catalog, count: int, rng: random.Random) -> list[Fact]:
    """``count`` facts of 12-20 words drawn Zipf-like from the sources' vocabulary, each
    linked to curated countries, a summit, a person and two topics."""
    countries = [c.slug for c in catalog.countries]
    people = [p.slug for p in catalog.people]
    years = [s.year for s in catalog.summits]
    topics = sorted({t for f in catalog.facts for t in f.topics})
    source = catalog.sources[0].id
    excerpt = " ".join(catalog.texts[source].split()[:30])
    words = vocabulary(catalog)
    weights = [1 / (rank + 10) for rank in range(len(words))]
    facts = []
    for i in range(count):
        text = " ".join(rng.choices(words, weights, k=rng.randint(12, 20)))
        facts.append(
            Fact(
                id=f"gen-{i}",
                text=f"{text.capitalize()} {rng.randint(1, 9999)}.",
                topics=rng.sample(topics, 2),
                countries=rng.sample(countries, 2),
                summits=[rng.choice(years)],
                people=[rng.choice(people)],
                citations=[Citation(source=source, excerpt=excerpt)],
            )
        )
    return facts


async def timed(fn: Callable[[], Awaitable[Any]], calls: int) -> tuple[float, float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def service_calls(
    facts: FactService, rng: random.Random
) -> dict[str, Callable[[], Awaitable[Any]]]:
    countries = ["belarus", "Kyrgyz Republic", "china", "Россия", "india"]
    return {
        "member(country)": lambda: facts.member(rng.choice(countries)),
        "member()": lambda: facts.member(),
        "summit(year)": lambda: facts.summit(rng.choice([2018, 2019, 2024, 2025])),
        "summit()": lambda: facts.summit(),
        "quote(person)": lambda: facts.quote(rng.choice(["fan-xianrong", "Wang Yi", "xi jinping"])),
        "quote()": lambda: facts.quote(),
        "search(common word)": lambda: facts.search("cooperation"),
        "search(query)": lambda: facts.search(
            rng.choice(["890 billion", "railway", "security centers", "Khiva"])
        ),
        "fact()": lambda: facts.fact(),
        "fact(topic)": lambda: facts.fact(rng.choice(["trade", "security", "culture"])),
        "source()": lambda: facts.source(),
        "complete(country)": lambda: facts.complete(Completion.COUNTRY, "bel"),
    }


async def bench_calls(label: str, facts: FactService, calls: int) -> None:
    rng = random.Random(7)
    print(f"\n{label}: p50 / p99 in ms over {calls} calls")
    for name, fn in service_calls(facts, rng).items():
        await fn()  # warm
        p50, p99 = await timed(fn, calls)
        print(f"  {name:<20} {p50:7.3f} {p99:7.3f}")


async def main(args: argparse.Namespace) -> None:
    catalog = load_catalog()
    docs = catalog.documents()
    loads = []
    for _ in range(5):
        async with fresh_store(args.url) as store:
            start = time.perf_counter()
            await store.sync_curated(docs)
            loads.append(time.perf_counter() - start)
    print(
        f"curated load ({len(docs)} documents): best {min(loads) * 1000:.1f} ms, "
        f"median {statistics.median(loads) * 1000:.1f} ms"
    )

    async with fresh_store(args.url) as store:
        await store.sync_curated(docs)
        await bench_calls("curated store", FactService(store, rng=random.Random(1)), args.calls)

    rng = random.Random(42)
    big = docs + [to_document(f) for f in generated_facts(catalog, args.facts, rng)]
    async with fresh_store(args.url) as store:
        start = time.perf_counter()
        await store.sync_curated(big)
        print(f"\nloaded {len(big)} documents in {time.perf_counter() - start:.1f} s")
        await settle(store)
        await bench_calls(
            f"{args.facts} generated facts", FactService(store, rng=random.Random(1)), args.calls
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--url", default="sqlite:///:memory:")
    asyncio.run(main(parser.parse_args()))

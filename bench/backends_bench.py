"""SQLite and PostgreSQL side by side: the same data, the same calls. Prints, asserts nothing.

    python -m bench.backends_bench [--facts 100000] [--calls 200] [--writes 4000]
        [--sqlite sqlite:///bench-backends.db]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

1. Load: the curated data plus ``--facts`` generated facts (``bench.store_bench``) into a fresh
   store of each backend (a new SQLite file beside ``--sqlite``; a new schema in the
   ``--postgres`` database), timed; PostgreSQL then gets ``VACUUM ANALYZE`` (its steady state).
2. p50/p99 in ms of each service call (``bench.store_bench.service_calls``), same seeds.
3. Writes per second with 8 concurrent writers, each putting ``--writes``/8 documents of its
   own server (``put``: a document with its links and names, the write moderation makes):
   first 8 tasks sharing one store (one bot process), then 8 stores, one per writer (as 8
   processes, or shards, would), on a fresh store of each backend.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from bench.store_bench import fresh_store, generated_facts, service_calls, settle, timed
from bot.core.documents import to_document
from bot.core.models import Citation, Document, Fact
from bot.core.ports import Store
from bot.core.reading.service import FactService
from bot.store import open_store
from bot.store.curated import load_catalog

WRITERS = 8
CITE = [Citation(source="https://example.org/bench", excerpt="a passage of the benchmark page")]


def guild_doc(writer: int, i: int) -> Document:
    fact = Fact(
        id=f"w{writer}-{i}",
        text=f"Writer {writer} adds fact {i} about railway corridors and trade.",
        topics=["trade", "logistics"],
        countries=["china", "kazakhstan"],
        citations=CITE,
    )
    return to_document(fact, 10_000 + writer)


async def write_rate(stores: list[Store], per_writer: int) -> float:
    """Documents per second put by WRITERS tasks at once, writer n on stores[n % len]."""

    async def writer(n: int) -> None:
        store = stores[n % len(stores)]
        for i in range(per_writer):
            await store.put(guild_doc(n, i))

    start = time.perf_counter()
    await asyncio.gather(*(writer(n) for n in range(WRITERS)))
    return WRITERS * per_writer / (time.perf_counter() - start)


async def call_figures(store: Store, calls: int) -> dict[str, tuple[float, float]]:
    facts = FactService(store, rng=random.Random(1))
    figures = {}
    for name, fn in service_calls(facts, random.Random(7)).items():
        await fn()  # warm
        figures[name] = await timed(fn, calls)
    return figures


async def writes(url: str, per_writer: int) -> tuple[float, float]:
    """(one shared store, one store per writer) writes per second on a fresh store."""
    async with fresh_store(url) as store:
        await store.sync_curated(load_catalog().documents())
        shared = await write_rate([store], per_writer)
        target = getattr(store, "path", None) or _schema_url(url, store)
        many = [await open_store(target) for _ in range(WRITERS)]
        try:
            separate = await write_rate(many, per_writer)
        finally:
            for other in many:
                await other.close()
    return shared, separate


def _schema_url(url: str, store: Store) -> str:
    schema = getattr(store, "schema", None)
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


async def main(args: argparse.Namespace) -> None:
    catalog = load_catalog()
    docs = catalog.documents()
    docs += [to_document(f) for f in generated_facts(catalog, args.facts, random.Random(42))]
    backends = {"sqlite": args.sqlite, "postgres": args.postgres}
    figures: dict[str, dict[str, tuple[float, float]]] = {}
    for name, url in backends.items():
        async with fresh_store(url) as store:
            start = time.perf_counter()
            await store.sync_curated(docs)
            loaded = time.perf_counter() - start
            await settle(store)
            print(f"{name}: loaded {len(docs)} documents in {loaded:.1f} s", flush=True)
            figures[name] = await call_figures(store, args.calls)

    print(f"\np50 / p99 in ms over {args.calls} calls, {len(docs)} documents")
    print(f"  {'call':<22} {'sqlite p50':>10} {'p99':>7}   {'postgres p50':>12} {'p99':>7}")
    for call in figures["sqlite"]:
        (s50, s99), (p50, p99) = figures["sqlite"][call], figures["postgres"][call]
        print(f"  {call:<22} {s50:10.3f} {s99:7.3f}   {p50:12.3f} {p99:7.3f}")

    per_writer = max(1, args.writes // WRITERS)
    print(f"\nwrites per second, {WRITERS} concurrent writers x {per_writer} put()s each")
    print(f"  {'backend':<10} {'one store':>10} {'8 stores':>10}")
    for name, url in backends.items():
        shared, separate = await writes(url, per_writer)
        print(f"  {name:<10} {shared:10.0f} {separate:10.0f}", flush=True)


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--writes", type=int, default=4000)
    parser.add_argument("--sqlite", default="sqlite:///bench-backends.db")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(_parse()))

"""SQLite and PostgreSQL give the same answers on the same data.

One world, loaded the same way into both: the curated data, 1,500 generated facts (enough for
PostgreSQL's random marks, ``MARK_MIN``) whose text mixes what tokenizers split differently
(decimals, host names, hyphens, accents, Cyrillic, Chinese), and one server's own documents,
some shadowing curated ones. Every read is asked of both and must agree: lists and pages,
counts, links, names, link keys, random picks seed by seed, and the set of search hits (the
two rank with different functions, so the order within a page may differ; the set may not).
"""

from __future__ import annotations

import functools
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import pytest_asyncio

from bot.core.documents import to_document
from bot.core.models import Citation, Document, Fact, Kind
from bot.core.ports import Store
from bot.core.reading.service import search_terms
from bot.store import open_store
from bot.store.common import SEARCH_COUNT_CAP
from bot.store.curated import load_catalog
from bot.store.postgres import PostgresStore
from bot.store.postgres_sql import MARK_MIN
from tests.conftest import postgres_schema_url

pytestmark = pytest.mark.postgres
READS = pytest.mark.asyncio(loop_scope="module")  # the read-only tests share one world

GUILD = 111
OTHER = 222
SEEDS = [i / 331 for i in range(331)]
WORDS = [
    "railway",
    "corridor",
    "energy",
    "security",
    "Türkiye",
    "Шанхай",
    "上海合作组织",
    "1.5",
    "3,000",
    "www.sco.org",
    "fan-xianrong",
    "U.S.",
    "e-commerce",
    "co-operation",
    "ÉCOLE",
    "naïve",
    "x_y",
    "2024",
]
FILLER = [f"filler{n}" for n in range(60)]
QUERIES = [
    "fact",  # every generated fact: past SEARCH_COUNT_CAP, the window
    "railway",
    "energy security",
    "turkiye",
    "TÜRKIYE",
    "шанхай",
    "ШАНХАЙ",
    "上海合作组织",
    "1",
    "5",
    "1 5",
    "3",
    "000",
    "sco",
    "org",
    "www sco org",
    "fan",
    "xianrong",
    "fan xianrong",
    "u s",
    "commerce",
    "ecole",
    "naive",
    "x",
    "y",
    "2024",
    "cooperation",
    "member",
    "Shanghai",
    "890 billion",
    "summit",
    "the",
    "NEAR(",
    "'; DROP TABLE documents; --",
    "railway \ue000",  # private-use characters separate words on both (as one phrase below)
    "energy\uf8ffsecurity",
]


@functools.cache
def generated(count: int) -> tuple[Document, ...]:
    catalog = load_catalog()
    rng = random.Random(20240)
    source = catalog.sources[0].id
    excerpt = " ".join(catalog.texts[source].split()[:4])
    countries = [c.slug for c in catalog.countries]
    topics = sorted({t for f in catalog.facts for t in f.topics})
    docs = []
    for i in range(count):
        words = rng.sample(WORDS, 3) + rng.sample(FILLER, rng.randint(3, 9))
        rng.shuffle(words)
        text = " ".join(words)
        fact = Fact(
            id=f"gen-{i:05d}",
            text=f"Fact {i}: {text}.",
            topics=rng.sample(topics, 2),
            countries=rng.sample(countries, 2),
            citations=[Citation(source=source, excerpt=excerpt)],
        )
        docs.append(to_document(fact))
    return tuple(docs)


def guild_documents() -> list[Document]:
    rng = random.Random(7)
    docs = []
    for i in range(40):
        key = f"gen-{i * 37:05d}" if i % 2 else f"guild-{i:03d}"  # half shadow curated facts
        words = " ".join(rng.choice(WORDS) for _ in range(8))
        fact = Fact(
            id=key,
            text=f"Server fact {i}: {words}.",
            topics=[rng.choice(["trade", "security", "art"])],
            countries=[rng.choice(["china", "india", "russia"])],
            citations=[Citation(source="https://example.org/page", excerpt="an excerpt of it")],
        )
        docs.append(to_document(fact, GUILD))
    return docs


async def load(store: Store) -> Store:
    await store.sync_curated([*load_catalog().documents(), *generated(1500)])
    for doc in guild_documents():
        await store.put(doc)
    return store


@asynccontextmanager
async def world() -> AsyncIterator[tuple[Store, Store]]:
    async with postgres_schema_url() as url:
        sqlite = await open_store("sqlite://:memory:")
        postgres = await open_store(url)
        try:
            yield await load(sqlite), await load(postgres)
        finally:
            await sqlite.close()
            await postgres.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def both() -> AsyncIterator[tuple[Store, Store]]:
    """One world for the read-only tests of this module."""
    async with world() as pair:
        yield pair


@pytest.fixture
async def own() -> AsyncIterator[tuple[Store, Store]]:
    """A world of the test's own, for a test that writes."""
    async with world() as pair:
        yield pair


def same(a: Any, b: Any, what: str) -> None:
    assert a == b, f"SQLite and PostgreSQL differ on {what}"


@READS
async def test_lists_counts_and_gets_agree(both: tuple[Store, Store]) -> None:
    sqlite, postgres = both
    assert await postgres.count(Kind.FACT) >= MARK_MIN  # the marks are in play
    for guild in (None, GUILD, OTHER):
        for kind in Kind:
            same(await sqlite.count(kind, guild), await postgres.count(kind, guild), "count")
            same(await sqlite.list(kind, guild), await postgres.list(kind, guild), "list")
            for limit, offset in ((7, 0), (7, 1234), (50, 1480), (10, 5000)):
                same(
                    await sqlite.list(kind, guild, limit=limit, offset=offset),
                    await postgres.list(kind, guild, limit=limit, offset=offset),
                    f"list({kind}, {guild}, {limit}, {offset})",
                )
        for key in ("gen-00000", "gen-00037", "guild-000", "china", "nothing"):
            for kind in (Kind.FACT, Kind.COUNTRY):
                same(await sqlite.get(kind, key, guild), await postgres.get(kind, key, guild), key)


@READS
async def test_links_names_and_link_keys_agree(both: tuple[Store, Store]) -> None:
    sqlite, postgres = both
    for guild in (None, GUILD):
        for link_kind in ("topic", "country", "source", "person", "summit"):
            keys = await sqlite.link_keys(link_kind, guild)
            same(keys, await postgres.link_keys(link_kind, guild), f"link_keys({link_kind})")
            for key in keys:
                for kind in (Kind.FACT, Kind.QUOTE):
                    same(
                        await sqlite.linked(kind, link_kind, key, guild, limit=30),
                        await postgres.linked(kind, link_kind, key, guild, limit=30),
                        f"linked({kind}, {link_kind}, {key}, {guild})",
                    )
                same(
                    await sqlite.count_linked(link_kind, key, guild),
                    await postgres.count_linked(link_kind, key, guild),
                    f"count_linked({link_kind}, {key}, {guild})",
                )
        for kind in (Kind.COUNTRY, Kind.PERSON, Kind.SUMMIT, Kind.SOURCE):
            same(await sqlite.names(kind, guild), await postgres.names(kind, guild), "names")


@READS
async def test_random_picks_agree_seed_by_seed(both: tuple[Store, Store]) -> None:
    sqlite, postgres = both
    cases: list[tuple[Kind, int | None, tuple[str, str] | None]] = [
        (Kind.FACT, None, None),
        (Kind.FACT, GUILD, None),
        (Kind.FACT, OTHER, None),
        (Kind.FACT, GUILD, ("topic", "security")),
        (Kind.FACT, None, ("country", "india")),
        (Kind.QUOTE, None, None),
        (Kind.COUNTRY, GUILD, None),
    ]
    for kind, guild, link in cases:
        for seed in SEEDS:
            a = await sqlite.random(kind, guild, link=link, seed=seed)
            b = await postgres.random(kind, guild, link=link, seed=seed)
            same(a, b, f"random({kind}, {guild}, {link}, seed={seed})")


@READS
async def test_search_finds_the_same_documents(both: tuple[Store, Store]) -> None:
    sqlite, postgres = both

    async def agree(terms: list[str], guild: int | None, kinds: list[Kind] | None) -> None:
        a = await sqlite.search(terms, guild, kinds=kinds, limit=SEARCH_COUNT_CAP)
        b = await postgres.search(terms, guild, kinds=kinds, limit=SEARCH_COUNT_CAP)
        what = f"search({terms}, {guild}, {kinds})"
        same(a.total, b.total, f"the total of {what}")
        # Past the cap both rank within the oldest SEARCH_COUNT_CAP matches; when filters leave
        # fewer than a page of those, both rank everything, and rank differently.
        if a.total < SEARCH_COUNT_CAP or (guild is None and kinds is None):
            same(
                {(d.kind, d.key, d.guild_id) for d in a.hits},
                {(d.kind, d.key, d.guild_id) for d in b.hits},
                f"the hits of {what}",
            )

    for query in QUERIES:
        for guild in (None, GUILD):
            await agree(search_terms(query), guild, None)
        await agree([query], None, [Kind.FACT, Kind.QUOTE])  # the whole query as one phrase


async def test_marks_are_used_and_a_stale_mark_is_ignored(own: tuple[Store, Store]) -> None:
    sqlite, postgres = own
    assert isinstance(postgres, PostgresStore)
    marks = await postgres.pool.fetchval("SELECT count(*) FROM document_marks")
    assert marks > 0
    # A curated row written behind the store's back moves the generation on: the marks are
    # stale, random walks from the first key, and both still agree once SQLite has it too.
    await postgres.pool.execute(
        "INSERT INTO documents (kind, key, guild_id, data, title, body, content_hash, "
        "created_at, updated_at) SELECT kind, 'gen-00000a', 0, data, title, body, "
        "content_hash, created_at, updated_at FROM documents "
        "WHERE kind = 'fact' AND key = 'gen-00000' AND guild_id = 0"
    )
    doc = await postgres.get(Kind.FACT, "gen-00000a")
    assert doc is not None
    await sqlite.sync_curated([*load_catalog().documents(), *generated(1500), doc])
    for seed in SEEDS[::7]:
        same(
            await sqlite.random(Kind.FACT, seed=seed),
            await postgres.random(Kind.FACT, seed=seed),
            f"random after a write behind the store's back, seed={seed}",
        )
